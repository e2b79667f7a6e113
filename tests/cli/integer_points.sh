#!/usr/bin/env bash
# train --integer-points writes a card that show and score use; score's
# probability is the card's calibration 1/(1+exp(-(a + score)/m)).
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=$LS_SOURCE_DIR/datasets/x-education-leads/Leads.csv
spec=$LS_SOURCE_DIR/datasets/x-education-leads/criteria.ini
"$LEADSCORE" train --data "$data" --criteria "$spec" --integer-points --max-criteria 5 \
    --points-range -5..5 --model "$work/card.json" > "$work/train.out" 2> "$work/notes"
grep -q "card" "$work/train.out" || { echo "train printed no cards"; exit 1; }
"$LEADSCORE" show "$work/card.json" > "$work/show.out"
line=$(grep '^Probability: ' "$work/show.out") || { echo "show lacks the probability line"; exit 1; }
# points within the range, at most 5 criteria
pts=$("$LEADSCORE" show "$work/card.json" --format csv | tail -n +2 | wc -l)
[ "$pts" -ge 1 ] || { echo "no points rows"; exit 1; }
"$LEADSCORE" score --model "$work/card.json" --data "$data" --out "$work/scored.csv"
a=$(grep -o '"card_intercept":[[:space:]]*[-0-9.e+]*' "$work/card.json" | sed 's/.*:[[:space:]]*//')
m=$(grep -o '"card_multiplier":[[:space:]]*[-0-9.e+]*' "$work/card.json" | sed 's/.*:[[:space:]]*//')
col() { head -n 1 "$work/scored.csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
tail -n +2 "$work/scored.csv" | awk -F, -v a="$a" -v m="$m" -v s="$(col score)" -v q="$(col probability)" '
    { p = 1 / (1 + exp(-(a + $s) / m)); d = p - $q; if (d < 0) d = -d; if (d > w) w = d }
    END { if (w > 1e-12) { printf "probability differs by %g\n", w; exit 1 } }'
# options that only make sense for regression points are refused
if "$LEADSCORE" train --data "$data" --criteria "$spec" --integer-points --max-criteria 5 \
    --points-range -5..5 --l1 1 --model "$work/x.json" 2> "$work/err"; then
    echo "--l1 with --integer-points was accepted"; exit 1
fi
[ ! -e "$work/x.json" ] || { echo "a model was written on a usage error"; exit 1; }
echo "integer_points: ok"
