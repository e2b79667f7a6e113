#!/usr/bin/python3
# Computes what `leadscore inspect` must report for the two bundled datasets,
# with pandas and without any of leadscore's code, and prints it as a C header
# of literals for tests/unit/test_inspect.c:
#
#   scripts/expected-inspect.py > tests/data/inspect/expected.h
#
# Debian's python3-pandas lives in /usr/bin/python3 (a pyenv python3 on PATH
# may not have it). The definitions below are the documented ones
# (include/leadscore/inspect.h), written again from the text, not ported:
# quartiles are pandas' default (linear = R type 7); bands come from
# pandas.cut on those quartiles (right-closed, duplicate edges dropped; groupby
# reports only bands that hold rows); conversion rates from groupby; the Wilson interval from
# its formula with z from the standard library's NormalDist; IV with 0.5 added
# to both counts of a bin that has no positives or no negatives.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import math
import os
import statistics
import sys

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
Z = statistics.NormalDist().inv_cdf(0.975)
LEAK_IV = 0.5
LEAK_MIN_ROWS = 30
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}

DATASETS = [
    # (C prefix, path, separator, missing tokens, target)
    ("xed", "datasets/x-education-leads/Leads.csv", ",", ["", "Select"], "Converted"),
    ("uci", "datasets/uci-online-shoppers/online_shoppers_intention.csv", ";", [""], "Revenue"),
]


def load(path, sep, missing):
    df = pd.read_csv(os.path.join(ROOT, path), sep=sep, dtype=str, keep_default_na=False,
                     na_values=missing)
    # X Education ends every line with a separator: pandas names that column
    # "Unnamed: N"; it is empty everywhere and not a column of the data.
    unnamed = [c for c in df.columns if c.startswith("Unnamed:") and df[c].isna().all()]
    return df.drop(columns=unnamed)


def id_name(name):
    """An ID-ish column name: the word id/number/key/uuid/email on its own."""
    low = name.lower()
    for hint in ("id", "number", "key", "uuid", "email"):
        if low == hint:
            return True
        if low.endswith(hint):
            before = name[-len(hint) - 1]
            camel = name[-len(hint)].isupper() and name[-len(hint) + 1:][:1].islower()
            if not before.islower() or camel:
                return True
        if low.startswith(hint) and len(low) > len(hint) and low[len(hint)] in " _-":
            return True
    return False


def infer_type(name, s):
    values = s.dropna()
    levels = values.unique()
    all_distinct = len(levels) == len(values) and len(values) >= 2 and s.isna().sum() == 0
    id_sized = len(values) >= 20 or id_name(name)
    lowered = {v.lower() for v in levels}
    if 0 < len(levels) <= 2 and lowered <= TRUE_WORDS | FALSE_WORDS:
        return "boolean"
    numbers = pd.to_numeric(pd.Series(levels, dtype=object), errors="coerce")
    if len(levels) > 0 and numbers.notna().all() and np.isfinite(numbers).all():
        integer = bool((numbers == np.floor(numbers)).all())
        return "id" if all_distinct and integer and id_sized else "numeric"
    if all_distinct and id_sized:
        return "id"
    return "categorical"


def wilson(k, n):
    p = k / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z / denom * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def finish(bins):
    """bins: list of dicts with rows/positives; adds rate, CI, WoE, IV terms. Returns IV."""
    adjusted = []
    for b in bins:
        pos, neg = b["positives"], b["rows"] - b["positives"]
        if pos == 0 or neg == 0:
            pos, neg = pos + 0.5, neg + 0.5
        adjusted.append((pos, neg))
    total_pos = sum(a[0] for a in adjusted)
    total_neg = sum(a[1] for a in adjusted)
    iv = 0.0
    for b, (pos, neg) in zip(bins, adjusted):
        b["rate"] = b["positives"] / b["rows"]
        b["ci_low"], b["ci_high"] = wilson(b["positives"], b["rows"])
        dp, dn = pos / total_pos, neg / total_neg
        b["woe"] = math.log(dp / dn)
        b["iv"] = (dp - dn) * b["woe"]
        iv += b["iv"]
    return iv


def missing_bin(s, y):
    miss = s.isna()
    if not miss.any():
        return []
    return [dict(label=None, missing=1, lower=math.nan, upper=math.nan, rows=int(miss.sum()),
                 positives=int(y[miss].sum()))]


def level_bins(s, y):
    g = y.groupby(s, dropna=True).agg(["size", "sum"])
    bins = [dict(label=level, missing=0, lower=math.nan, upper=math.nan, rows=int(r["size"]),
                 positives=int(r["sum"])) for level, r in g.iterrows()]
    return bins + missing_bin(s, y)


def band_bins(x, y):
    q1, q2, q3 = x.quantile([0.25, 0.5, 0.75])
    # The edges come from retbins: the intervals pandas attaches to the
    # categories are rounded for display (cut's precision=3).
    bands, edges = pd.cut(x, bins=[-math.inf, q1, q2, q3, math.inf], right=True,
                          duplicates="drop", labels=False, retbins=True)
    g = y.groupby(bands).agg(["size", "sum"])
    bins = []
    for code, r in g.iterrows():
        code = int(code)
        lower = x.min() if edges[code] == -math.inf else edges[code]
        upper = x.max() if edges[code + 1] == math.inf else edges[code + 1]
        bins.append(dict(label=None, missing=0, lower=float(lower), upper=float(upper),
                         rows=int(r["size"]), positives=int(r["sum"])))
    return bins + missing_bin(x, y), (x.min(), q1, q2, q3, x.max())


def target_vector(s):
    levels = list(s.dropna().unique())
    positive = next(v for v in levels if v.lower() in TRUE_WORDS)
    negative = next(v for v in levels if v.lower() in FALSE_WORDS)
    assert s.notna().all() and set(levels) == {positive, negative}
    return (s == positive).astype(int), positive, negative


def profile(df, target):
    y, positive, negative = target_vector(df[target])
    columns, warnings = [], []
    for name in df.columns:
        s = df[name]
        kind = infer_type(name, s)
        col = dict(name=name, type=kind, missing=int(s.isna().sum()),
                   distinct=int(s.nunique()), iv=math.nan, quantiles=(math.nan,) * 5, bins=[])
        if name != target and kind == "numeric":
            x = pd.to_numeric(s)
            col["distinct"] = int(x.nunique())
            col["bins"], col["quantiles"] = band_bins(x, y)
        elif name != target and kind in ("categorical", "boolean"):
            col["bins"] = level_bins(s, y)
        if col["bins"]:
            col["iv"] = finish(col["bins"])
        columns.append(col)
        if name != target:
            warnings += column_warnings(col)
    return dict(rows=len(df), positive=positive, negative=negative,
                positives=int(y.sum()), columns=columns, warnings=warnings)


def column_warnings(col):
    name = col["name"]
    if col["type"] == "id":
        return [(name, "LS_WARN_ID")]
    out = []
    if col["distinct"] == 0 or (col["distinct"] == 1 and col["missing"] == 0):
        out.append((name, "LS_WARN_CONSTANT"))
    if col["iv"] > LEAK_IV:
        out.append((name, "LS_WARN_LEAK_IV"))
    for b in col["bins"]:
        if b["rows"] >= LEAK_MIN_ROWS and b["positives"] in (0, b["rows"]):
            out.append((name, "LS_WARN_LEAK_LEVEL"))
    return out


def c_string(s):
    if s is None:
        return "NULL"
    out = []
    for byte in s.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append("\\%03o" % byte)
    return '"' + "".join(out) + '"'


def c_double(x):
    x = float(x)
    return "NAN" if math.isnan(x) else repr(x)


TYPES = {"numeric": "LS_TYPE_NUMERIC", "boolean": "LS_TYPE_BOOLEAN",
         "categorical": "LS_TYPE_CATEGORICAL", "id": "LS_TYPE_ID"}


def emit(prefix, path, target, prof):
    w = sys.stdout.write
    w(f"/* {path}, target {target} */\n")
    w(f"static const expected_profile {prefix}_expected = {{\n")
    w(f"    {prof['rows']}, {c_string(prof['positive'])}, {c_string(prof['negative'])}, "
      f"{prof['positives']}}};\n\n")
    w(f"static const expected_column {prefix}_expected_columns[] = {{\n")
    for c in prof["columns"]:
        q = ", ".join(c_double(v) for v in c["quantiles"])
        w(f"    {{{c_string(c['name'])}, {TYPES[c['type']]}, {c['missing']}, {c['distinct']}, "
          f"{c_double(c['iv'])}, {len(c['bins'])}, {{{q}}}}},\n")
    w("};\n\n")
    w(f"static const expected_bin {prefix}_expected_bins[] = {{\n")
    for c in prof["columns"]:
        for b in c["bins"]:
            nums = ", ".join(c_double(b[k]) for k in
                             ("lower", "upper", "rate", "ci_low", "ci_high", "woe", "iv"))
            w(f"    {{{c_string(c['name'])}, {c_string(b['label'])}, {b['missing']}, "
              f"{b['rows']}, {b['positives']}, {{{nums}}}}},\n")
    w("};\n\n")
    w(f"static const expected_warning {prefix}_expected_warnings[] = {{\n")
    for name, kind in prof["warnings"]:
        w(f"    {{{c_string(name)}, {kind}}},\n")
    w("};\n\n")


def main():
    sys.stdout.write("/* Generated by scripts/expected-inspect.py with pandas %s and numpy %s:\n"
                     " * independent expected values for tests/unit/test_inspect.c. Do not edit;\n"
                     " * run the script again. Numeric bins have no label: they are the bands in\n"
                     " * order. z = %r. */\n\n/* clang-format off */\n\n" % (pd.__version__, np.__version__, Z))
    for prefix, path, sep, missing, target in DATASETS:
        df = load(path, sep, missing)
        emit(prefix, path, target, profile(df, target))


if __name__ == "__main__":
    main()
