#!/usr/bin/env bash
# leadscore refine: usage errors, the X Education refinement against the
# hand-written points (report, model, charts), reproducibility, capacity
# tiers and an out-of-time split.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
source "$LS_SOURCE_DIR/tests/support/cli.bash"
data="$LS_SOURCE_DIR/datasets/x-education-leads/Leads.csv"
spec="$LS_SOURCE_DIR/datasets/x-education-leads/criteria.ini"
baseline="$LS_SOURCE_DIR/datasets/x-education-leads/current-points.csv"

# --- help and usage errors ----------------------------------------------------
run "$LEADSCORE" refine --help
expect_rc 0 "--help"
grep -q -- '--time-split COL DATE' "$tmp/out" || fail "--help lacks --time-split"
run "$LEADSCORE" refine --criteria "$spec" --report "$tmp/r.md"
expect_rc 2 "no --data"
run "$LEADSCORE" refine --data "$data" --criteria "$spec"
expect_rc 2 "no output"
run "$LEADSCORE" refine --data "$data" --report "$tmp/r.md" --holdout 0.2 --folds 5
expect_rc 2 "two validations"
run "$LEADSCORE" refine --data "$data" --report "$tmp/r.md" --capacity 200
expect_rc 2 "--capacity without --per-week"
run "$LEADSCORE" refine --data "$data" --report "$tmp/r.md" --select stepwise
expect_rc 2 "unknown selection"
run "$LEADSCORE" refine --data "$data" --report "$tmp/r.md" --holdout 1.5
expect_rc 2 "holdout out of range"
grep -q "try 'leadscore refine --help'" "$tmp/err" || fail "usage error without the hint"
[ ! -e "$tmp/r.md" ] || fail "a usage error wrote the report"

# --- X Education against the hand-written points ------------------------------
mkdir "$tmp/a"
run "$LEADSCORE" refine --data "$data" --criteria "$spec" --baseline "$baseline" \
    --band "Total Time Spent on Website" --report "$tmp/a/report.md" --model "$tmp/a/refined.json"
expect_rc 0 "refine X Education"
[ -s "$tmp/a/report.md" ] && [ -s "$tmp/a/refined.json" ] || fail "report or model missing"
for section in '## Summary' '## Criteria: kept and dropped' '### Stepwise path' \
    '## Points: old → new' '## Refined points' '## Bands' '## Tiers' '## Validation' \
    '### Baseline' 'bands = '; do
    grep -qF -- "$section" "$tmp/a/report.md" || fail "report lacks '$section'"
done
# held-out AUC: the refined points at least as good as the hand-written ones
line=$(grep '^held-out AUC:' "$tmp/out") || fail "no AUC line: $(cat "$tmp/out")"
refined=$(sed -E 's/.*refined ([0-9.]+).*/\1/' <<<"$line")
base=$(sed -E 's/.*baseline ([0-9.]+).*/\1/' <<<"$line")
awk -v r="$refined" -v b="$base" 'BEGIN { exit !(r >= b && r > 0.8) }' ||
    fail "refined AUC $refined below the baseline's $base"
grep -qF "| AUC [95% CI] | $(printf '%.3f' "$base")" "$tmp/a/report.md" ||
    fail "the report does not show the baseline AUC"
# every baseline rule appears with its old points
grep -qF '| What is your current occupation | = Working Professional | 706 | +20 |' \
    "$tmp/a/report.md" || fail "old → new row missing"
# charts, drawn when gnuplot is installed, are linked beside the report
if command -v gnuplot >/dev/null; then
    [ -s "$tmp/a/report-roc.png" ] || fail "ROC chart missing: $(cat "$tmp/err")"
    grep -qF '](report-roc.png)' "$tmp/a/report.md" || fail "ROC chart not linked"
fi
# the refined model scores the leads with its new tiers
run "$LEADSCORE" score --model "$tmp/a/refined.json" --data "$data" --out "$tmp/a/scored.csv"
expect_rc 0 "score with the refined model"
[ "$(wc -l <"$tmp/a/scored.csv")" -eq 9241 ] || fail "scored rows"
grep -q ',hot,' "$tmp/a/scored.csv" && grep -q ',nurture,' "$tmp/a/scored.csv" ||
    fail "tiers missing from the scores"

# --- the same seed gives the same report; another seed another split ----------
mkdir "$tmp/b" "$tmp/c"
run "$LEADSCORE" refine --data "$data" --criteria "$spec" --baseline "$baseline" \
    --band "Total Time Spent on Website" --report "$tmp/b/report.md" --no-plots --quiet
expect_rc 0 "second run"
[ ! -s "$tmp/out" ] || fail "--quiet printed: $(cat "$tmp/out")"
grep -v '](report-' "$tmp/a/report.md" | grep -v '^## Charts' >"$tmp/a/cmp.md"
grep -v '^## Charts' "$tmp/b/report.md" >"$tmp/b/cmp.md"
diff -q <(cat -s "$tmp/a/cmp.md") <(cat -s "$tmp/b/cmp.md") >/dev/null ||
    fail "same seed, different report: $(diff <(cat -s "$tmp/a/cmp.md") <(cat -s "$tmp/b/cmp.md") | head)"
run "$LEADSCORE" refine --data "$data" --criteria "$spec" --report "$tmp/c/report.md" \
    --no-plots --seed 7 --select bic --capacity 200 --per-week 1000
expect_rc 0 "capacity tiers"
grep -qF 'Sales can call 200 leads a week out of 1000' "$tmp/c/report.md" ||
    fail "capacity not reported"
hot=$(grep '^| hot |' "$tmp/c/report.md" | head -n 1 | awk -F'|' '{ gsub(/ /, "", $5); print $5 }')
awk -v s="${hot%\%}" 'BEGIN { exit !(s <= 20 && s > 10) }' || fail "hot share $hot not within capacity"

# --- out-of-time split on synthetic leads with a sign-up date -----------------
run "$LEADSCORE" synth --rows 3000 --seed 5 --out "$tmp/leads.csv" --spec "$tmp/spec.ini"
expect_rc 0 "synth"
awk -F, -v OFS=, 'NR == 1 { print $0, "signup_date"; next }
    { printf "%s,2024-%02d-%02d\n", $0, 1 + int((NR - 2) / 1000), 1 + (NR - 2) % 28 }' \
    "$tmp/leads.csv" >"$tmp/dated.csv"
run "$LEADSCORE" refine --data "$tmp/dated.csv" --criteria "$tmp/spec.ini" --target converted \
    --time-split signup_date 2024-03-01 --select bic --no-cv-auc --no-plots \
    --report "$tmp/time.md" --model "$tmp/time.json"
expect_rc 0 "time split"
grep -qF 'out of time: leads dated before 2024-03-01 (2000) to learn from, from 2024-03-01 on (1000)' \
    "$tmp/time.md" || fail "time split not reported"
! grep -q '^| signup_date |' "$tmp/time.md" || fail "the date column became a criterion"
sed -E '3s/,2024-[0-9-]+$/,03.01.2024/' "$tmp/dated.csv" >"$tmp/baddate.csv"
run "$LEADSCORE" refine --data "$tmp/baddate.csv" --criteria "$tmp/spec.ini" --target converted \
    --time-split signup_date 2024-03-01 --no-plots --report "$tmp/bad.md"
expect_rc 1 "a row without an ISO date"
grep -q 'baddate.csv:3:.*signup_date' "$tmp/err" || fail "date error not placed: $(cat "$tmp/err")"
[ ! -e "$tmp/bad.md" ] || fail "a failed run left a report"

echo "refine CLI: ok"
