#!/usr/bin/env bash
# leadscore plot: every kind drawn by the real gnuplot to PNG (signature and
# IHDR size) and SVG (parses, names every criterion); the importance data holds
# exactly the model's points in sorted order; kept scripts redraw; --kind all;
# --terminal; usage errors; and a clear error without gnuplot on PATH.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
source "$LS_SOURCE_DIR/tests/support/cli.bash"

PY=/usr/bin/python3

command -v gnuplot >/dev/null || fail "gnuplot is not installed: apt-get install gnuplot-nox"

# Prints "W H" from a PNG's IHDR chunk, after checking the signature.
png_size() {
    "$PY" - "$1" <<'EOF'
import struct, sys
head = open(sys.argv[1], "rb").read(24)
assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG: %r" % head[:8]
assert head[12:16] == b"IHDR", "no IHDR chunk first"
print("%d %d" % struct.unpack(">II", head[16:24]))
EOF
}

# Parses an SVG with a real XML parser; checks its size and that its text
# contains every further argument.
svg_check() { # file width height label...
    "$PY" - "$@" <<'EOF'
import sys, xml.dom.minidom
path, width, height, labels = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
doc = xml.dom.minidom.parse(path)
svg = doc.documentElement
assert svg.tagName == "svg", svg.tagName
assert (svg.getAttribute("width"), svg.getAttribute("height")) == (width, height), \
    (svg.getAttribute("width"), svg.getAttribute("height"))
texts = []
def walk(node):
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            texts.append(child.data)
        walk(child)
walk(svg)
text = "\n".join(texts)
missing = [l for l in labels if l not in text]
assert not missing, "%s does not show %s" % (path, missing)
EOF
}

# --- a model to draw: synthetic leads with a banded criterion ------------------
"$LEADSCORE" synth --rows 2500 --seed 5 --base-rate 0.3 --out "$tmp/leads.csv" --spec "$tmp/spec.ini"
"$LEADSCORE" synth --rows 1200 --seed 6 --base-rate 0.2 --out "$tmp/later.csv"
"$LEADSCORE" train --data "$tmp/leads.csv" --criteria "$tmp/spec.ini" --model "$tmp/model.json" \
    --quiet
model="$tmp/model.json"
mapfile -t labels < <("$PY" -c '
import json, sys
for c in json.load(open(sys.argv[1]))["criteria"]:
    print(c["label"])' "$model")
[ "${#labels[@]}" -ge 10 ] || fail "expected at least 10 criteria, got ${#labels[@]}"
banded=$("$PY" -c '
import json, sys
print(next(c["label"] for c in json.load(open(sys.argv[1]))["criteria"] if c["kind"] == "banded"))' \
    "$model")

# --- every kind, PNG and SVG ---------------------------------------------------
for kind in importance roc calibration gains lift distribution bands psi; do
    for ext in png svg; do
        run "$LEADSCORE" plot "$model" --data "$tmp/leads.csv" --holdout-data "$tmp/later.csv" \
            --baseline-data "$tmp/later.csv" --kind "$kind" --size 800x600 --out "$tmp/$kind.$ext"
        expect_rc 0 "$kind as $ext"
        [ -s "$tmp/$kind.$ext" ] || fail "$kind.$ext is missing or empty"
    done
    [ "$(png_size "$tmp/$kind.png")" = "800 600" ] || fail "$kind.png: size $(png_size "$tmp/$kind.png")"
    case $kind in
    importance) svg_check "$tmp/$kind.svg" 800 600 "${labels[@]}" || fail "importance.svg" ;;
    bands) svg_check "$tmp/$kind.svg" 800 600 "$banded: weight of evidence" || fail "bands.svg" ;;
    roc) svg_check "$tmp/$kind.svg" 800 600 "leads.csv: AUC 0." "later.csv: AUC 0." || fail "roc.svg" ;;
    psi) svg_check "$tmp/$kind.svg" 800 600 "Population stability: PSI" || fail "psi.svg" ;;
    *) svg_check "$tmp/$kind.svg" 800 600 || fail "$kind.svg" ;;
    esac
done
ls "$tmp" | grep -q '\.tmp\.' && fail "temporary files left: $(ls "$tmp")"

# PDF too
run "$LEADSCORE" plot "$model" --out "$tmp/importance.pdf"
expect_rc 0 "importance as PDF"
[ "$(head -c 5 "$tmp/importance.pdf")" = "%PDF-" ] || fail "importance.pdf is not a PDF"

# --- the importance data is exactly the model's points, sorted ------------------
mkdir "$tmp/keep"
run "$LEADSCORE" plot "$model" --kind importance --out "$tmp/keep/importance.png" --keep-script
expect_rc 0 "--keep-script"
[ "$(ls "$tmp/keep" | tr '\n' ' ')" = "importance.dat importance.gp importance.png " ] ||
    fail "--keep-script wrote: $(ls "$tmp/keep")"
"$LEADSCORE" show "$model" --format csv >"$tmp/show.csv"
"$PY" - "$tmp/show.csv" "$tmp/keep/importance.dat" <<'EOF' || fail "importance.dat differs from the model"
import csv, sys
terms = {}
for row in csv.DictReader(open(sys.argv[1], newline="")):
    if row["term"] != "(intercept)" and row["aliased"] != "true":
        terms[row["term"]] = float(row["points"])
rows = []
for line in open(sys.argv[2], encoding="utf-8"):
    if line.startswith("#"):
        assert line.rstrip("\n").split("\t")[:7] == ["#term", "label", "value", "low", "high",
                                                     "significant", "points"], line
        continue
    f = line.rstrip("\n").split("\t")
    # the data file writes double quotes as typographic ones (gnuplot has no escape)
    rows.append((f[0].replace("\u201c", '"').replace("\u201d", '"'), float(f[6]), float(f[2])))
points = [p for _, p, _ in rows]
assert points == sorted(terms.values(), reverse=True), (points, sorted(terms.values(), reverse=True))
assert [v for _, _, v in rows] == points, "the bars are not the points"
assert {t: p for t, p, _ in rows} == terms, "terms differ"
assert len(rows) == len(terms)
EOF
# ... and the kept script redraws the picture from the kept data
mv "$tmp/keep/importance.png" "$tmp/keep/first.png"
(cd "$tmp/keep" && gnuplot importance.gp) || fail "the kept script does not run"
[ "$(png_size "$tmp/keep/importance.png")" = "$(png_size "$tmp/keep/first.png")" ] ||
    fail "the kept script draws another size"
grep -q "^DATA = '$tmp/keep/importance.dat'" "$tmp/keep/importance.gp" ||
    fail "the kept script does not read the kept data"

# --standardised and --criterion
run "$LEADSCORE" plot "$model" --data "$tmp/leads.csv" --standardised --out "$tmp/std.svg"
expect_rc 0 "--standardised"
svg_check "$tmp/std.svg" 1000 "$(sed -n 's/.*height="\([0-9]*\)".*/\1/p' "$tmp/std.svg" | head -1)" \
    "standardised effects" || fail "std.svg"
run "$LEADSCORE" plot "$model" --data "$tmp/leads.csv" --kind bands --criterion industry \
    --out "$tmp/industry.svg"
expect_rc 0 "--criterion industry"
svg_check "$tmp/industry.svg" 1000 650 "industry: weight of evidence" "Education" || fail "industry.svg"

# --holdout: the data split as refine splits it, both parts drawn
run "$LEADSCORE" plot "$model" --data "$tmp/leads.csv" --holdout 0.25 --seed 3 --kind roc \
    --out "$tmp/split.svg"
expect_rc 0 "--holdout"
svg_check "$tmp/split.svg" 1000 650 "leads.csv (training): AUC 0." "leads.csv (holdout): AUC 0." ||
    fail "split.svg"

# --- --kind all -------------------------------------------------------------------
mkdir "$tmp/all"
run "$LEADSCORE" plot "$model" --data "$tmp/leads.csv" --baseline-data "$tmp/later.csv" \
    --kind all --out-dir "$tmp/all" --format svg
expect_rc 0 "--kind all"
want="bands-company-size.svg calibration.svg distribution.svg gains.svg importance.svg lift.svg psi.svg roc.svg "
[ "$(ls "$tmp/all" | tr '\n' ' ')" = "$want" ] || fail "--kind all wrote: $(ls "$tmp/all")"
run "$LEADSCORE" plot "$model" --kind all --out-dir "$tmp/few"
expect_rc 0 "--kind all without data"
[ "$(ls "$tmp/few")" = "importance.png" ] || fail "--kind all without data wrote: $(ls "$tmp/few")"
grep -q "note: no roc chart: needs --data" "$tmp/err" || fail "no note about the skipped charts"

# --- a hand-written model: its points, and outcomes from --target ---------------
"$LEADSCORE" export "$model" --format points-csv --out "$tmp/points.csv"
run "$LEADSCORE" plot "$tmp/points.csv" --out "$tmp/hand.svg" --size 900x1400
expect_rc 0 "importance of a hand-written model"
svg_check "$tmp/hand.svg" 900 1400 "${labels[@]}" || fail "hand.svg"
run "$LEADSCORE" plot "$tmp/points.csv" --data "$tmp/leads.csv" --kind roc --out "$tmp/u.png"
expect_rc 2 "roc of a hand-written model without --target"
grep -q "needs --data with outcomes" "$tmp/err" || fail "no reason given: $(cat "$tmp/err")"
run "$LEADSCORE" plot "$tmp/points.csv" --data "$tmp/leads.csv" --target converted --positive 1 \
    --kind roc --out "$tmp/hand-roc.svg"
expect_rc 0 "roc of a hand-written model with --target"
svg_check "$tmp/hand-roc.svg" 1000 650 "leads.csv: AUC 0." || fail "hand-roc.svg"
run "$LEADSCORE" plot "$tmp/points.csv" --data "$tmp/leads.csv" --target converted \
    --kind calibration --out "$tmp/u.png"
expect_rc 2 "calibration of a hand-written model"
run "$LEADSCORE" plot "$tmp/points.csv" --data "$tmp/leads.csv" --target nope --kind roc \
    --out "$tmp/u.png"
expect_rc 1 "--target not in the data"
rm -f "$tmp/u.png"

# --- --terminal --------------------------------------------------------------------
run "$LEADSCORE" plot "$model" --data "$tmp/leads.csv" --kind gains --terminal
expect_rc 0 "--terminal"
grep -q "Cumulative gains" "$tmp/out" || fail "--terminal: no title in the text chart"
[ "$(wc -l <"$tmp/out")" -ge 30 ] || fail "--terminal: chart too short"

# --- without gnuplot: a clear error, exit 1, nothing written; the rest works --------
mkdir "$tmp/empty"
rc=0
PATH="$tmp/empty" "$LEADSCORE" plot "$model" --out "$tmp/nognu.png" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 1 "plot without gnuplot"
grep -q "gnuplot is not installed: apt-get install gnuplot-nox" "$tmp/err" ||
    fail "no install hint without gnuplot: $(cat "$tmp/err")"
[ ! -e "$tmp/nognu.png" ] || fail "a file was written without gnuplot"
rc=0
PATH="$tmp/empty" "$LEADSCORE" report "$model" --data "$tmp/leads.csv" --out "$tmp/nognu.html" \
    >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 1 "report without gnuplot"
grep -q "apt-get install gnuplot-nox" "$tmp/err" || fail "report: no install hint"
[ ! -e "$tmp/nognu.html" ] || fail "a report was written without gnuplot"
rc=0
PATH="$tmp/empty" "$LEADSCORE" show "$model" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "show without gnuplot"
ls "$tmp" | grep -q '\.tmp\.' && fail "temporary files left: $(ls "$tmp")"

# --- usage errors: exit 2 ------------------------------------------------------------
usage_case() { # description, then the arguments after 'plot'
    local what=$1
    shift
    run "$LEADSCORE" plot "$@"
    expect_rc 2 "$what"
    grep -q "^leadscore plot: " "$tmp/err" || fail "$what: no usage message: $(cat "$tmp/err")"
}
usage_case "no output" "$model"
usage_case "no model" --out "$tmp/u.png"
usage_case "unknown format" "$model" --out "$tmp/u.gif"
usage_case "unknown kind" "$model" --kind pie --out "$tmp/u.png"
usage_case "--standardised without data" "$model" --standardised --out "$tmp/u.png"
usage_case "--kind all into one file" "$model" --kind all --out "$tmp/u.png"
usage_case "two outputs" "$model" --out "$tmp/u.png" --terminal
usage_case "--keep-script with --terminal" "$model" --terminal --keep-script
usage_case "--format with --out" "$model" --format svg --out "$tmp/u.png"
usage_case "bad --size" "$model" --size 800 --out "$tmp/u.png"
usage_case "roc without data" "$model" --kind roc --out "$tmp/u.png"
usage_case "calibration of nothing" "$model" --kind calibration --out "$tmp/u.png"
usage_case "unknown option" "$model" --bogus --out "$tmp/u.png"
usage_case "two models" "$model" "$model" --out "$tmp/u.png"
usage_case "--holdout 1.5" "$model" --data "$tmp/leads.csv" --holdout 1.5 --kind roc --out "$tmp/u.png"
usage_case "two holdouts" "$model" --data "$tmp/leads.csv" --holdout 0.2 \
    --holdout-data "$tmp/later.csv" --kind roc --out "$tmp/u.png"
[ ! -e "$tmp/u.png" ] || fail "a usage error wrote a file"
run "$LEADSCORE" plot "$model" --data "$tmp/leads.csv" --kind roc --out "$tmp/leads.csv"
expect_rc 2 "chart over its own data"
run "$LEADSCORE" plot "$model" --data "$tmp/leads.csv" --kind bands --criterion nope --out "$tmp/u.png"
expect_rc 2 "unknown criterion"
run "$LEADSCORE" plot "$tmp/missing.json" --out "$tmp/u.png"
expect_rc 1 "missing model"

run "$LEADSCORE" plot --help
expect_rc 0 "--help"
grep -q "^usage: leadscore plot" "$tmp/out" || fail "--help prints no usage"

echo "plot CLI: all checks passed"
