#!/usr/bin/env bash
# `leadscore inspect` on both bundled datasets: exit codes, the leakage
# warnings X Education must raise, machine formats that parse, and the error
# and usage paths. Uses $LEADSCORE (the binary) and $LS_SOURCE_DIR.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
xed="$LS_SOURCE_DIR/datasets/x-education-leads/Leads.csv"
uci="$LS_SOURCE_DIR/datasets/uci-online-shoppers/online_shoppers_intention.csv"
data="$LS_SOURCE_DIR/tests/data/inspect"

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run WANT_STATUS NAME args...: runs inspect, output in $tmp/out and $tmp/err.
run() {
    local want=$1 name=$2 status=0
    shift 2
    "$LEADSCORE" inspect "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
    if [[ $status -ne $want ]]; then
        fail "$name: exit status $status, expected $want; stderr: $(cat "$tmp/err")"
        return 1
    fi
}

expect_line() { # NAME FILE EXACT-LINE
    grep -qxF -- "$3" "$2" || fail "$1: no line '$3' in $(basename "$2"): $(head -c 600 "$2")"
}

expect_text() { # NAME FILE TEXT
    grep -qF -- "$3" "$2" || fail "$1: no '$3' in $(basename "$2"): $(head -c 600 "$2")"
}

# ---- X Education: the terminal table ----
if run 0 "xed table" "$xed" --target Converted --missing Select; then
    expect_line "xed table" "$tmp/out" "target 'Converted': positive '1' 3561 rows (38.54%), negative '0' 5679 rows"
    expect_line "xed table" "$tmp/out" "  Tags: likely leakage: IV 4.814 is above 0.5"
    expect_line "xed table" "$tmp/out" "  Tags: likely leakage: level 'wrong number given' converts 0% over 47 rows"
    expect_line "xed table" "$tmp/out" "  Lead Quality: likely leakage: IV 1.894 is above 0.5"
    expect_line "xed table" "$tmp/out" "  Prospect ID: ID-like: 9240 distinct values in 9240 rows; not a criterion"
    expect_line "xed table" "$tmp/out" "  Magazine: constant: every row is 'No'"
    expect_text "xed table" "$tmp/out" "Lead Origin: categorical, 5 distinct, 0 missing, IV 0.5745"
    [[ ! -s "$tmp/err" ]] || fail "xed table: stderr not empty: $(cat "$tmp/err")"
fi

# ---- X Education: CSV, parsed by Python's csv module ----
if run 0 "xed csv" "$xed" --target Converted --missing Select --format csv; then
    python3 - "$tmp/out" <<'EOF' || fail "xed csv: content"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
tags = [r for r in rows if r["column"] == "Tags"]
assert len(tags) == 27, len(tags)                        # 26 levels + missing
assert abs(float(tags[0]["iv"]) - 4.8135209381443556) < 1e-9
assert "leakage-iv" in tags[0]["notes"] and "leakage-level" in tags[0]["notes"]
banking = [r for r in rows if r["bin"] == "Banking, Investment And Insurance"]
assert len(banking) == 1 and banking[0]["rows"] == "338", banking
target = [r for r in rows if r["target"] == "1"]
assert [r["column"] for r in target] == ["Converted"], target
assert sum(int(r["rows"]) for r in rows if r["column"] == "Lead Source") == 9240
EOF
fi

# ---- UCI: JSON, parsed by Python's json module; ';' detected, TRUE/FALSE target ----
if run 0 "uci json" "$uci" --target Revenue --positive TRUE --format json; then
    python3 - "$tmp/out" <<'EOF' || fail "uci json: content"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["rows"] == 12330
assert p["target"] == {"column": "Revenue", "positive": "TRUE", "negative": "FALSE",
                       "positives": 1908, "negatives": 10422}, p["target"]
cols = {c["name"]: c for c in p["columns"]}
assert len(cols) == 18
assert abs(cols["PageValues"]["iv"] - 2.401300781735318) < 1e-9
assert cols["Month"]["type"] == "categorical" and len(cols["Month"]["bins"]) == 10
assert cols["Revenue"]["target"] is True and cols["Revenue"]["iv"] is None
assert cols["BounceRates"]["quantiles"]["max"] == 0.2
kinds = {(w["column"], w["kind"]) for w in p["warnings"]}
assert ("PageValues", "leakage-iv") in kinds, kinds
EOF
fi

# ---- the separator can be given, and the output written to a file ----
if run 0 "uci --separator -o" "$uci" --target Revenue --separator ';' --format json -o "$tmp/uci.json"; then
    [[ ! -s "$tmp/out" ]] || fail "uci -o: wrote to stdout too"
    python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["rows"] == 12330' \
        "$tmp/uci.json" || fail "uci -o: bad file"
fi

# ---- standard input, a target value given, --top ----
if run 0 "stdin" - --target Status --positive Won --top 1 <"$data/status.csv"; then
    expect_line "stdin" "$tmp/out" "target 'Status': positive 'Won' 2 rows (50.00%), negative 'Lost' 2 rows"
    expect_text "stdin" "$tmp/out" "(2 more levels, 2 rows; the csv and json formats list them all)"
fi

# ---- data errors: exit 1, one line naming the file and column ----
if run 1 "no such target" "$xed" --target Nope; then
    expect_line "no such target" "$tmp/err" "leadscore: $xed:1: column 'Nope': no such target column in the header"
fi
if run 1 "target case" "$xed" --target converted; then
    expect_text "target case" "$tmp/err" "(did you mean 'Converted'?)"
fi
if run 1 "third value" "$data/third_value.csv" --target Converted; then
    expect_line "third value" "$tmp/err" "leadscore: $data/third_value.csv:4:2: column 'Converted': the target has a third value 'maybe' besides '1' and '0'"
fi
if run 1 "missing target" "$data/missing_target.csv" --target Converted; then
    expect_line "missing target" "$tmp/err" "leadscore: $data/missing_target.csv:3:2: column 'Converted': the target is missing: every row needs an outcome"
fi
if run 1 "unknown --type column" "$xed" --target Converted --type 'Nope=numeric'; then
    expect_line "unknown --type column" "$tmp/err" "leadscore: $xed:1: column 'Nope': no such column in the header"
fi
if run 1 "--type numeric on text" "$xed" --target Converted --type 'Lead Origin=numeric'; then
    expect_line "--type numeric on text" "$tmp/err" "leadscore: $xed:2:3: column 'Lead Origin': 'API' is not a number (the column is numeric)"
fi

# ---- usage errors: exit 2 ----
run 2 "unknown option" "$xed" --target Converted --bogus || true
expect_text "unknown option" "$tmp/err" "'--bogus'"
run 2 "no target" "$xed" || true
expect_text "no target" "$tmp/err" "--target COL is required"
run 2 "no file" --target Converted || true
run 2 "two files" "$xed" "$uci" --target Converted || true
run 2 "bad format" "$xed" --target Converted --format xml || true
run 2 "bad type" "$xed" --target Converted --type 'Lead Origin=text' || true
run 2 "bad separator" "$xed" --target Converted --separator ';;' || true
run 2 "bad --top" "$xed" --target Converted --top -1 || true
if run 2 "no positive implied" "$data/status.csv" --target Status; then
    expect_line "no positive implied" "$tmp/err" "leadscore: $data/status.csv: column 'Status': cannot tell which target value means converted: name it with --positive (its values: 'Won', 'Lost')"
fi
if run 2 "absent positive" "$uci" --target Revenue --positive yes-please; then
    expect_text "absent positive" "$tmp/err" "the target has no value 'yes-please' (its values: 'FALSE', 'TRUE')"
fi
if run 0 "help" --help; then
    expect_text "help" "$tmp/out" "usage: leadscore inspect FILE --target COL"
fi

# ---- the input is never overwritten ----
cp "$data/status.csv" "$tmp/status.csv"
run 1 "output = input" "$tmp/status.csv" --target Status --positive Won -o "$tmp/status.csv" || true
cmp -s "$data/status.csv" "$tmp/status.csv" || fail "output = input: the input was changed"

if [[ $failures -gt 0 ]]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "inspect: all passed"
