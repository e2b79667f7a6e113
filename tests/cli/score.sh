#!/usr/bin/env bash
# leadscore score / export on the command line: the seed's example, exit
# codes, no output file on error (and an existing one left untouched),
# --on-error skip, unseen values, pipelines with '-', and the export formats.
set -euo pipefail
: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
P=$LS_SOURCE_DIR/tests/data/points
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
# expect_exit CODE CMD...: runs CMD, stderr to $work/err, checks the status.
expect_exit() {
    local want=$1 got=0
    shift
    "$@" >"$work/out" 2>"$work/err" || got=$?
    [ "$got" = "$want" ] || { cat "$work/err" >&2; fail "exit $got, expected $want: $*"; }
}
has() { grep -qF -- "$1" "$2" || { cat "$2" >&2; fail "'$1' not in $2"; }; }

# The seed's example: 53 points, hot, reasons in order with their labels.
expect_exit 0 "$LEADSCORE" score --model "$P/seed.csv" --data "$P/seed-leads.csv" --out "$work/s.csv"
cat >"$work/expected.csv" <<'CSV'
lead_id,score,probability,tier,reasons
L1,53,,hot,Signed up for free trial +20; Visited pricing page +15; Executive +10
L2,5,,nurture,Attended a webinar +5
L3,25,,warm,Visited pricing page +15; Executive +10
L4,28,,warm,Visited pricing page +15; Company size 100-500 +8; Attended a webinar +5
CSV
cmp "$work/s.csv" "$work/expected.csv" || { diff "$work/expected.csv" "$work/s.csv" >&2; fail "seed scores"; }
[ ! -s "$work/err" ] || fail "unexpected messages: $(cat "$work/err")"

# Pipelines: '-' for the data and the output; --reasons; --id.
cat "$P/seed-leads.csv" | "$LEADSCORE" score --model "$P/seed.csv" --data - --reasons 1 \
    --id "Job Title" --id lead_id >"$work/p.csv"
sed -n 2p "$work/p.csv" | grep -qx 'Executive,L1,53,,hot,Signed up for free trial +20' ||
    fail "pipeline output: $(sed -n 2p "$work/p.csv")"

# Quoting: a reason label with a comma and a quote; a ';' separated input.
cat >"$work/q-model.csv" <<'CSV'
criterion,condition,points,label
Job Title,= Executive,10,"Exec, the ""boss"""
CSV
printf 'id;Job Title\n1;Executive\n' >"$work/q.csv"
"$LEADSCORE" score --model "$work/q-model.csv" --data "$work/q.csv" >"$work/q.out"
grep -qxF '1,10,,,"Exec, the ""boss"" +10"' "$work/q.out" || fail "quoting: $(cat "$work/q.out")"

# No ID-like column: the line number is the ID.
printf 'Job Title\nExecutive\nManager\n' >"$work/noid.csv"
"$LEADSCORE" score --model "$work/q-model.csv" --data "$work/noid.csv" >"$work/noid.out"
[ "$(cat "$work/noid.out")" = "$(printf 'line,score,probability,tier,reasons\n2,10,,,"Exec, the ""boss"" +10"\n3,0,,,')" ] ||
    fail "line IDs: $(cat "$work/noid.out")"

# A bad row stops the run: exit 1, FILE:LINE:COL and the column, no output;
# an existing output file is left as it was.
cp "$P/seed-leads.csv" "$work/bad.csv"
echo 'L5,Executive,three hundred,yes,yes,no' >>"$work/bad.csv"
echo 'L6,Manager,50,perhaps,no,no' >>"$work/bad.csv"
expect_exit 1 "$LEADSCORE" score --model "$P/seed.csv" --data "$work/bad.csv" --out "$work/new.csv"
has "leadscore: $work/bad.csv:6:3: column 'Company Size': 'three hundred' is not a number" "$work/err"
[ ! -e "$work/new.csv" ] || fail "an output file was left after an error"
[ -z "$(ls "$work" | grep '\.tmp\.')" ] || fail "a temporary file was left behind"
echo "keep me" >"$work/old.csv"
expect_exit 1 "$LEADSCORE" score --model "$P/seed.csv" --data "$work/bad.csv" --out "$work/old.csv"
[ "$(cat "$work/old.csv")" = "keep me" ] || fail "the existing output file was changed"

# --on-error skip: the good rows are written, the bad ones counted once.
expect_exit 0 "$LEADSCORE" score --model "$P/seed.csv" --data "$work/bad.csv" --on-error skip \
    --out "$work/skip.csv"
[ "$(wc -l <"$work/skip.csv")" = 5 ] || fail "skip: $(wc -l <"$work/skip.csv") lines"
has "skipped 2 rows that could not be scored (of 6); first: $work/bad.csv:6:3: column 'Company Size'" "$work/err"
[ "$(wc -l <"$work/err")" = 1 ] || fail "skip: more than one line on stderr"

# Unseen levels: one summary line naming the column and a few values.
cat >"$work/u-model.csv" <<'CSV'
criterion,condition,points
Job Title,= Executive,10
Job Title,= Manager,5
Job Title,other,1
CSV
printf 'lead_id,Job Title\n1,Executive\n2,Intern\n3,Intern\n4,CTO\n5,\n' >"$work/u.csv"
expect_exit 0 "$LEADSCORE" score --model "$work/u-model.csv" --data "$work/u.csv" --out "$work/u.out"
has "column 'Job Title': 3 rows (e.g. 'Intern', 'CTO')" "$work/err"
[ "$(wc -l <"$work/err")" = 1 ] || fail "unseen: more than one line on stderr"
# --missing makes a token missing (here: no points instead of 'other').
expect_exit 0 "$LEADSCORE" score --model "$work/u-model.csv" --data "$work/u.csv" --missing Intern,CTO
[ ! -s "$work/err" ] || fail "--missing: $(cat "$work/err")"
grep -qx '2,0,,,' "$work/out" || fail "--missing: $(cat "$work/out")"

# A criterion column absent from the data.
printf 'lead_id,Job Title\n1,Executive\n' >"$work/few.csv"
expect_exit 1 "$LEADSCORE" score --model "$P/seed.csv" --data "$work/few.csv" --out "$work/few.out"
has "the data has no column 'Company Size', which the model scores" "$work/err"
[ ! -e "$work/few.out" ] || fail "output left after a missing column"

# A bad points table: FILE:LINE:COL.
printf 'criterion,condition,points\nJob Title,between 1 and 5,3\n' >"$work/t2.csv"
expect_exit 1 "$LEADSCORE" score --model "$work/t2.csv" --data "$P/seed-leads.csv"
has "$work/t2.csv:2:2: column 'condition': unknown condition 'between 1 and 5'" "$work/err"

# A mistyped hand-written rule ('yse') scores 0 for every lead: from 100
# leads on, score names it (exit 0, the scores are still what the table says).
sed 's/^Visited Pricing Page,yes,/Visited Pricing Page,yse,/' "$P/seed.csv" >"$work/typo.csv"
{
    head -n 1 "$P/seed-leads.csv"
    for i in $(seq 1 40); do tail -n +2 "$P/seed-leads.csv" | sed "s/^[^,]*/L$i/"; done
} >"$work/many.csv"
rows=$(($(wc -l <"$work/many.csv") - 1))
[ "$rows" -ge 100 ] || fail "expected 100+ leads, built $rows"
expect_exit 0 "$LEADSCORE" score --model "$work/typo.csv" --data "$work/many.csv" --out "$work/t.csv"
has "warning: 1 rule matched none of the $rows leads" "$work/err"
has "'Visited Pricing Page' = yse" "$work/err"
expect_exit 0 "$LEADSCORE" score --model "$P/seed.csv" --data "$work/many.csv" --out "$work/t.csv"
! grep -q "matched none" "$work/err" || fail "a warning for rules that matched"
expect_exit 0 "$LEADSCORE" score --model "$work/typo.csv" --data "$P/seed-leads.csv" --out "$work/t.csv"
! grep -q "matched none" "$work/err" || fail "a warning on fewer than 100 leads"
# A skipped row's rules do not count: 150 managers and one executive whose
# company size is text still leave 'Job Title = Executive' unmatched.
{
    head -n 1 "$P/seed-leads.csv"
    for i in $(seq 1 150); do echo "M$i,Manager,50,no,no,no"; done
    echo "X1,Executive,abc,no,no,no"
} >"$work/skip.csv"
expect_exit 0 "$LEADSCORE" score --model "$P/seed.csv" --data "$work/skip.csv" --on-error skip \
    --out "$work/t.csv"
has "'Job Title' = Executive" "$work/err"
has "matched none of the 150 leads" "$work/err"

# Usage errors: exit 2.
expect_exit 2 "$LEADSCORE" score --data "$P/seed-leads.csv"
expect_exit 2 "$LEADSCORE" score --model "$P/seed.csv"
expect_exit 2 "$LEADSCORE" score --model "$P/seed.csv" --data "$P/seed-leads.csv" --on-error maybe
expect_exit 2 "$LEADSCORE" score --model "$P/seed.csv" --data "$P/seed-leads.csv" --reasons 17
cp "$P/seed-leads.csv" "$work/in.csv"
expect_exit 2 "$LEADSCORE" score --model "$P/seed.csv" --data "$work/in.csv" --out "$work/in.csv"
has "refusing to overwrite" "$work/err"
cmp -s "$work/in.csv" "$P/seed-leads.csv" || fail "the input was changed"
expect_exit 0 "$LEADSCORE" score --help
has "--on-error" "$work/out"

# export: points-csv reads back with the same scores; sql; json; usage.
expect_exit 0 "$LEADSCORE" export "$P/seed.csv" --format points-csv --out "$work/again.csv"
cmp -s "$work/again.csv" "$P/seed.csv" || fail "the seed table did not export as itself"
expect_exit 0 "$LEADSCORE" export "$P/x-education.csv" --format points-csv --out "$work/xe.csv"
"$LEADSCORE" export "$work/xe.csv" --format points-csv | cmp -s - "$work/xe.csv" ||
    fail "exporting an exported table changed it"
# A learned model whose reference is the missing values (City, most often
# blank): its table row is the missing condition, not "= missing", so the
# table scores as the model does without a "matched none" warning.
XE=$LS_SOURCE_DIR/datasets/x-education-leads
expect_exit 0 "$LEADSCORE" train --data "$XE/Leads.csv" --criteria "$XE/criteria.ini" --model "$work/xe-model.json" --quiet
expect_exit 0 "$LEADSCORE" export "$work/xe-model.json" --format points-csv --out "$work/xe-points.csv"
grep -q '^City,missing,0,City = missing (reference)$' "$work/xe-points.csv" ||
    fail "missing reference row: $(grep '^City' "$work/xe-points.csv")"
if grep -q ',= missing,' "$work/xe-points.csv"; then fail "a table row compares with the text 'missing'"; fi
expect_exit 0 "$LEADSCORE" score --model "$work/xe-points.csv" --data "$XE/Leads.csv" --out "$work/xe-t.csv"
if grep -q "matched none" "$work/err"; then fail "the exported table warns: $(cat "$work/err")"; fi
expect_exit 0 "$LEADSCORE" score --model "$work/xe-model.json" --data "$XE/Leads.csv" --out "$work/xe-m.csv"
cmp -s <(cut -d, -f1-3 "$work/xe-t.csv") <(cut -d, -f1-3 "$work/xe-m.csv") ||
    fail "the exported table scores differently from the model"
expect_exit 0 "$LEADSCORE" export "$P/seed.csv" --format sql --table 'my "leads"' --id lead_id
has 'FROM "my ""leads"""' "$work/out"
has 'CASE WHEN score >= 50 THEN '"'hot'"' WHEN score >= 25 THEN '"'warm'"' ELSE '"'nurture'"' END AS tier' "$work/out"
expect_exit 0 "$LEADSCORE" export "$P/seed.csv" --format json --out "$work/seed.json"
expect_exit 0 "$LEADSCORE" score --model "$work/seed.json" --data "$P/seed-leads.csv" --out "$work/j.csv"
cmp -s "$work/j.csv" "$work/expected.csv" || fail "the seed as JSON scores differently"
expect_exit 2 "$LEADSCORE" export "$P/seed.csv"
expect_exit 2 "$LEADSCORE" export "$P/seed.csv" --format xml
expect_exit 2 "$LEADSCORE" export --format sql
expect_exit 1 "$LEADSCORE" export "$work/nope.csv" --format sql
echo "score.sh: ok"
