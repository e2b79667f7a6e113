#!/usr/bin/env bash
# The spec key `merge` (levels scored as one, as refine suggests): training
# with it must give the model of training on data where the merged levels
# were one value to begin with (same coefficients, same scores byte for
# byte), whether the merged group is the reference or a term; the points
# table export must score as the model does; and a merge that cannot be
# applied is a one-line error naming the spec, the line or column, and no
# model file.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
source "$LS_SOURCE_DIR/tests/support/cli.bash"
X=$LS_SOURCE_DIR/datasets/x-education-leads
py=/usr/bin/python3
[ -x "$py" ] || py=python3

cp "$X/criteria.ini" "$tmp/merge.ini"
cat >>"$tmp/merge.ini" <<'EOF'

[criterion]
column = Lead Source
merge = Facebook, Referral Sites
# the largest group: it becomes the reference
merge = Olark Chat, Google
EOF

# The same leads with each merged group written as one value, "A + B".
"$py" - "$X/Leads.csv" "$tmp/recoded.csv" <<'PY'
import csv, sys
names = {"Facebook": "Facebook + Referral Sites", "Referral Sites": "Facebook + Referral Sites",
         "Olark Chat": "Olark Chat + Google", "Google": "Olark Chat + Google"}
with open(sys.argv[1], newline="") as f, open(sys.argv[2], "w", newline="") as g:
    r, w = csv.reader(f), csv.writer(g, lineterminator="\n")
    header = next(r)
    w.writerow(header)
    j = header.index("Lead Source")
    for row in r:
        row[j] = names.get(row[j], row[j])
        w.writerow(row)
PY

run "$LEADSCORE" train --data "$X/Leads.csv" --criteria "$tmp/merge.ini" --model "$tmp/merged.json" --quiet
expect_rc 0 "train with merge"
run "$LEADSCORE" train --data "$tmp/recoded.csv" --criteria "$X/criteria.ini" --model "$tmp/recoded.json" --quiet
expect_rc 0 "train on recoded data"

# Same coefficients and standard errors, term by term.
"$py" - "$tmp/merged.json" "$tmp/recoded.json" <<'PY' || fail "coefficients differ"
import json, sys
def terms(path):
    m = json.load(open(path))
    return {c["term"]: (c["estimate"], c["std_error"]) for c in m["coefficients"]}
a, b = terms(sys.argv[1]), terms(sys.argv[2])
assert a.keys() == b.keys(), a.keys() ^ b.keys()
assert "Lead Source=Facebook + Referral Sites" in a
assert not any(k.startswith("Lead Source=Olark") or k == "Lead Source=Google" for k in a)
worst = max(abs(a[k][i] - b[k][i]) / max(abs(b[k][i]), 1e-12) for k in a for i in (0, 1))
assert worst < 1e-9, worst
PY
grep -q '"reference":[[:space:]]*"Olark Chat + Google"' "$tmp/merged.json" ||
    fail "the largest merged group is not the reference"

# Scores: the original leads under the merged model, the recoded ones under
# the recoded model, byte for byte; and the points table export agrees.
run "$LEADSCORE" score --model "$tmp/merged.json" --data "$X/Leads.csv" --out "$tmp/s1.csv"
expect_rc 0 "score with the merged model"
run "$LEADSCORE" score --model "$tmp/recoded.json" --data "$tmp/recoded.csv" --out "$tmp/s2.csv"
expect_rc 0 "score the recoded leads"
cmp -s "$tmp/s1.csv" "$tmp/s2.csv" || fail "scores differ from training on recoded data"
grep -q "Lead Source: Facebook + Referral Sites" "$tmp/s1.csv" || fail "merged level in no reason"
run "$LEADSCORE" export "$tmp/merged.json" --format points-csv --out "$tmp/points.csv"
expect_rc 0 "export points"
grep -qx 'Lead Source,in Olark Chat | Google,0,Lead Source: Olark Chat + Google' "$tmp/points.csv" ||
    fail "points table: merged reference row: $(grep 'Lead Source' "$tmp/points.csv")"
if grep -q '= Olark Chat + Google' "$tmp/points.csv"; then fail "points table names the group as a value"; fi
run "$LEADSCORE" score --model "$tmp/points.csv" --data "$X/Leads.csv" --out "$tmp/s3.csv"
expect_rc 0 "score with the exported points"
cmp -s <(cut -d, -f1-3 "$tmp/s1.csv") <(cut -d, -f1-3 "$tmp/s3.csv") ||
    fail "points table export scores differently"

# The SQL gives the reference's members their 0 points by their IN list and
# never compares with the group's name, which no lead holds.
run "$LEADSCORE" export "$tmp/merged.json" --format sql --out "$tmp/merged.sql"
expect_rc 0 "export sql"
grep -qF "IN ('Olark Chat', 'Google') THEN 0" "$tmp/merged.sql" || fail "SQL: no IN list for the reference"
if grep -qF "'Olark Chat + Google'" "$tmp/merged.sql"; then fail "SQL compares with the group's name"; fi

# A member named as the reference makes its group the reference.
cp "$tmp/merge.ini" "$tmp/ref.ini"
sed -i 's/^merge = Facebook, Referral Sites$/merge = Facebook, Referral Sites\nreference = Referral Sites/' "$tmp/ref.ini"
run "$LEADSCORE" train --data "$X/Leads.csv" --criteria "$tmp/ref.ini" --model "$tmp/ref.json" --quiet
expect_rc 0 "reference by member"
grep -q '"reference":[[:space:]]*"Facebook + Referral Sites"' "$tmp/ref.json" ||
    fail "a member named as the reference did not make its group the reference"

# Round trip: the merge lines refine's report suggests train as they are.
run "$LEADSCORE" refine --data "$X/Leads.csv" --criteria "$X/criteria.ini" --report "$tmp/r.md" \
    --model "$tmp/refined.json" --no-plots --quiet
expect_rc 0 "refine"
cp "$X/criteria.ini" "$tmp/suggested.ini"
# the ```ini blocks that hold merge lines
awk '/^```ini/ { block = ""; inside = 1; next }
     /^```/ { if (inside && block ~ /merge = /) printf "\n%s", block; inside = 0; next }
     inside { block = block $0 "\n" }' "$tmp/r.md" >>"$tmp/suggested.ini"
[ "$(grep -c '^merge = ' "$tmp/suggested.ini")" -ge 2 ] || fail "refine suggested no merges"
if grep '^merge = ' "$tmp/suggested.ini" | grep -qE '(^|, )(missing|\(other\))(,|$)'; then
    fail "refine suggests merging a level the data does not have"
fi
run "$LEADSCORE" train --data "$X/Leads.csv" --criteria "$tmp/suggested.ini" --model "$tmp/suggested.json" --quiet
expect_rc 0 "train with refine's merges"

# Refine on a spec that already merges: a merged level comes back as its
# members ("Olark Chat, Google", never "Olark Chat + Google"), on a line
# marked as replacing the spec's, and the lines train in place of them.
run "$LEADSCORE" refine --data "$X/Leads.csv" --criteria "$tmp/merge.ini" --report "$tmp/r2.md" \
    --model "$tmp/refined2.json" --no-plots --quiet
expect_rc 0 "refine on a merged spec"
if grep '^merge = ' "$tmp/r2.md" | grep -qF ' + '; then fail "refine suggests a merged name as a level"; fi
grep -q "^# in place of the spec's merge line" "$tmp/r2.md" || fail "no line replaces the spec's"
cp "$X/criteria.ini" "$tmp/suggested2.ini"
awk '/^```ini/ { block = ""; inside = 1; next }
     /^```/ { if (inside && block ~ /merge = /) printf "\n%s", block; inside = 0; next }
     inside { block = block $0 "\n" }' "$tmp/r2.md" >>"$tmp/suggested2.ini"
run "$LEADSCORE" train --data "$X/Leads.csv" --criteria "$tmp/suggested2.ini" --model "$tmp/suggested2.json" --quiet
expect_rc 0 "train with refine's merges of a merged spec"

# Errors: one line, the spec and the place, no model.
bad() { # NAME EXPECTED-MESSAGE spec-lines...
    local name=$1 want=$2
    shift 2
    cp "$X/criteria.ini" "$tmp/$name.ini"
    printf '%s\n' "" "$@" >>"$tmp/$name.ini"
    run "$LEADSCORE" train --data "$X/Leads.csv" --criteria "$tmp/$name.ini" --model "$tmp/$name.json"
    expect_rc 1 "$name"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$name: not one line: $(cat "$tmp/err")"
    grep -qF -- "$want" "$tmp/err" || fail "$name: message: $(cat "$tmp/err")"
    grep -qF "$name.ini" "$tmp/err" || fail "$name: the spec is not named: $(cat "$tmp/err")"
    [ ! -e "$tmp/$name.json" ] || fail "$name: a model was written"
}
bad typo "merge: level 'Facebok' does not occur in the data (did you mean 'Facebook'?)" \
    "[criterion]" "column = Lead Source" "merge = Facebok, Referral Sites"
bad one "merge: list at least two levels" "[criterion]" "column = Lead Source" "merge = Google"
bad twice "level 'Google' is in more than one group" \
    "[criterion]" "column = Lead Source" "merge = Google, Facebook" "merge = Referral Sites, Google"
bad yesno "merge needs a categorical column" \
    "[criterion]" "column = Do Not Email" "merge = Yes, No"
bad missing "merge: level 'Facebook' is a missing value here, not a level" \
    "[criterion]" "column = Lead Source" "missing = Facebook" "merge = Facebook, Google"
echo "train_merge: OK"
