#!/usr/bin/env bash
# leadscore show: the R-style summary of a committed model, every format, a
# hand-written model and a points table, bad models and usage errors.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
source "$LS_SOURCE_DIR/tests/support/cli.bash"

models="$LS_SOURCE_DIR/tests/data/models"
small="$models/good_small.json"

# Runs the command, keeping its exit status in rc, stdout in $tmp/out and
# stderr in $tmp/err.

expect_line() { # exact-line file description
    grep -qxF -- "$1" "$2" || {
        cat "$2" >&2
        fail "$3: no line '$1'"
    }
}

# --- text: R's summary(glm) lines, then the statistics R leaves out ----------
# (good_small.json holds a glm fitted in R 4.2; these lines are R's own
# summary output for it, row names without R's backticks.)
run "$LEADSCORE" show "$small"
expect_rc 0 "show text"
[ -s "$tmp/err" ] && fail "show text wrote to stderr: $(cat "$tmp/err")"
while IFS= read -r line; do
    expect_line "$line" "$tmp/out" "show text"
done <<'EOF'
Coefficients: (1 not defined because of singularities)
                Estimate Std. Error z value Pr(>|z|)
(intercept)     -1.34721    0.35271  -3.820 0.000134 ***
visits           0.21160    0.13646   1.551 0.120999
pages=missing         NA         NA      NA       NA
source=Referral  0.84239    0.35175   2.395 0.016626 *
trial            0.86144    0.28344   3.039 0.002372 **
---
Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1
(Dispersion parameter for binomial family taken to be 1)
    Null deviance: 415.55  on 299  degrees of freedom
Residual deviance: 366.80  on 292  degrees of freedom
AIC: 382.8
Number of Fisher Scoring iterations: 4
BIC: 412.43
McFadden R-squared: 0.1173
Likelihood ratio chi-squared: 48.759 on 7 degrees of freedom, p-value: 2.53e-08
AUC (in sample): 0.7247, of the integer points: 0.7255
Tiers (highest first; a score below every minimum gets the last tier):
EOF
grep -q '^Lead source  *= Direct  *+3  *1.125  *\[0.6008, 2.107\]$' "$tmp/out" ||
    fail "points row for Lead source = Direct"
grep -q '^ *= Google (reference)  *0  *1$' "$tmp/out" || fail "reference level row"
grep -q '^ *missing  *0  *aliased$' "$tmp/out" || fail "aliased rule shown as aliased"
grep -q ' $' "$tmp/out" && fail "trailing spaces in the text report"

# --format text is the default
run "$LEADSCORE" show --format text "$small"
expect_rc 0 "show --format text"
"$LEADSCORE" show "$small" | cmp -s - "$tmp/out" || fail "--format text differs from the default"

# --- csv: a header and one row per term, 13 fields each ---------------------
run "$LEADSCORE" show "$small" --format csv
expect_rc 0 "show csv"
[ "$(head -n 1 "$tmp/out")" = "term,criterion,estimate,std_error,z,p_value,ci_low,ci_high,odds_ratio,odds_ratio_ci_low,odds_ratio_ci_high,points,aliased" ] ||
    fail "csv header: $(head -n 1 "$tmp/out")"
[ "$(wc -l <"$tmp/out")" -eq 10 ] || fail "csv: expected 1 + 9 lines, got $(wc -l <"$tmp/out")"
python3 - "$tmp/out" <<'EOF' || fail "csv rows"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert all(len(r) == 13 for r in rows), [len(r) for r in rows]
terms = [r[0] for r in rows[1:]]
assert terms[0] == "(intercept)" and "pages=missing" in terms, terms
aliased = {r[0]: r for r in rows[1:]}["pages=missing"]
assert aliased[2] == "" and aliased[12] == "true", aliased
# the estimates are exact: they read back as the model file's doubles
assert float(rows[1][2]) == -1.3472061710265304, rows[1][2]
EOF

# --- json: the model file itself, byte for byte -----------------------------
run "$LEADSCORE" show -f json "$small"
expect_rc 0 "show json"
python3 -m json.tool "$tmp/out" >/dev/null || fail "show --format json is not JSON"
cmp -s "$tmp/out" "$small" || fail "show --format json differs from the canonical file"

# --- markdown ----------------------------------------------------------------
run "$LEADSCORE" show --format=markdown "$small"
expect_rc 0 "show markdown"
expect_line '| Term | Estimate | Std. Error | z value | Pr(>\|z\|) | Signif. |' "$tmp/out" "markdown"
expect_line '| (intercept) | -1.34721 | 0.35271 | -3.820 | 0.000134 | \*\*\* |' "$tmp/out" "markdown"
expect_line '| Residual deviance | 366.80 on 292 df |' "$tmp/out" "markdown"
expect_line '## Tiers' "$tmp/out" "markdown"

# --- a hand-written model: rules and points, no statistics -------------------
run "$LEADSCORE" show "$models/good_handwritten.json"
expect_rc 0 "show hand-written"
expect_line "Hand-written points model" "$tmp/out" "hand-written"
expect_line "Points: score = 10 base points + the points of the first matching rule of each criterion" \
    "$tmp/out" "hand-written"
grep -q '^Visited Pricing Page  *yes  *+15  *Visited pricing page$' "$tmp/out" ||
    fail "hand-written rule row"
grep -q 'Coefficients' "$tmp/out" && fail "a hand-written model has no coefficient table"
run "$LEADSCORE" show "$models/good_handwritten.json" --format csv
expect_rc 0 "show hand-written csv"
[ "$(head -n 1 "$tmp/out")" = "criterion,condition,points,label" ] || fail "hand-written csv header"
[ "$(wc -l <"$tmp/out")" -eq 10 ] || fail "hand-written csv: expected 1 + 9 rules"

# --- a points table shows like the JSON it converts to -----------------------
cat >"$tmp/table.csv" <<'EOF'
criterion,condition,points,label
Job Title,= Executive,10,Executive
Visited Pricing Page,yes,15,Visited pricing page
(tier),hot,20,
(tier),nurture,,
EOF
run "$LEADSCORE" show "$tmp/table.csv"
expect_rc 0 "show points table"
cp "$tmp/out" "$tmp/table.txt"
"$LEADSCORE" show -f json "$tmp/table.csv" >"$tmp/table.json" || fail "points table as json"
"$LEADSCORE" show "$tmp/table.json" | cmp -s - "$tmp/table.txt" ||
    fail "a points table and its JSON show differently"

# --- '-' reads standard input, JSON or a points table -----------------------
"$LEADSCORE" show - <"$small" | cmp -s - <("$LEADSCORE" show "$small") || fail "show - (JSON)"
"$LEADSCORE" show - <"$tmp/table.csv" | cmp -s - "$tmp/table.txt" || fail "show - (points table)"
rc=0
"$LEADSCORE" show - <"$models/bad_version_newer.json" 2>"$tmp/err" >/dev/null || rc=$?
expect_rc 1 "bad model on standard input"
grep -q "^leadscore: <stdin>: model format version 2 is newer" "$tmp/err" ||
    fail "bad model on standard input: $(cat "$tmp/err")"

# --- bad models: exit 1, "leadscore: FILE: ..." on stderr, nothing on stdout --
run "$LEADSCORE" show "$models/bad_version_newer.json"
expect_rc 1 "newer format version"
expect_line "leadscore: $models/bad_version_newer.json: model format version 2 is newer than this leadscore supports (1); upgrade leadscore" \
    "$tmp/err" "newer format version"
[ -s "$tmp/out" ] && fail "a bad model printed something on stdout"
run "$LEADSCORE" show "$models/bad_term_points_1e999.json"
expect_rc 1 "points 1e999"
grep -qF "leadscore: $models/bad_term_points_1e999.json: coefficients[8].points: expected a finite number" \
    "$tmp/err" || fail "points 1e999: $(cat "$tmp/err")"
for f in "$models"/bad_*.json "$models/empty.json" "$models/blank.json"; do
    run "$LEADSCORE" show "$f"
    expect_rc 1 "$(basename "$f")"
    grep -q "^leadscore: $f:" "$tmp/err" || fail "$(basename "$f"): $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$(basename "$f"): more than one line on stderr"
done
run "$LEADSCORE" show "$tmp/no such model.json"
expect_rc 1 "missing model file"
grep -qF "leadscore: $tmp/no such model.json: cannot open model file" "$tmp/err" ||
    fail "missing model file: $(cat "$tmp/err")"

# --- a full disk is an error, not a silent truncation ------------------------
if [ -w /dev/full ]; then
    rc=0
    "$LEADSCORE" show "$small" >/dev/full 2>"$tmp/err" || rc=$?
    expect_rc 1 "show to a full disk"
    grep -q "^leadscore: cannot write" "$tmp/err" || fail "full disk: $(cat "$tmp/err")"
fi

# --- usage -------------------------------------------------------------------
run "$LEADSCORE" show "$small" --format xml
expect_rc 2 "unknown format"
grep -q "unknown format 'xml'" "$tmp/err" || fail "unknown format message: $(cat "$tmp/err")"
run "$LEADSCORE" show
expect_rc 2 "no model"
run "$LEADSCORE" show "$small" "$small"
expect_rc 2 "two models"
run "$LEADSCORE" show --colour "$small"
expect_rc 2 "unknown option"
run "$LEADSCORE" show "$small" --format
expect_rc 2 "--format without a value"
run "$LEADSCORE" show --help
expect_rc 0 "--help"
grep -q "^usage: leadscore show MODEL" "$tmp/out" || fail "--help usage line"

echo "show: ok"
