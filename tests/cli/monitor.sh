#!/usr/bin/env bash
# leadscore compare, drift, backtest and history: exit codes, formats, what
# each flags on two quarters of one process and on a quarter changed on
# purpose. SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Runs the command, keeping its exit status in rc, stdout in out, stderr in err.
run() {
    rc=0
    "$@" >out 2>err || rc=$?
}

expect_rc() { # expected-status description
    [ "$rc" -eq "$1" ] || {
        cat err >&2
        fail "$2: exit $rc, expected $1"
    }
}

has() { # pattern description (fixed string in out)
    grep -qF -- "$1" out || {
        cat out >&2
        fail "$2: no '$1' in the output"
    }
}

# --- two quarters of the same process, one model each -------------------------
"$LEADSCORE" synth --rows 4000 --seed 11 --out q1.csv
"$LEADSCORE" synth --rows 4000 --seed 12 --out q2.csv
"$LEADSCORE" train --data q1.csv --target converted --model m1.json --quiet
"$LEADSCORE" train --data q2.csv --target converted --model m2.json --quiet

# A changed quarter: the most common country replaced by one never seen, and
# the outcomes inverted (the old model now ranks backwards).
sed 's/,United States,/,Atlantis,/' q2.csv >moved.csv
grep -q ',Atlantis,' moved.csv || fail "sed did not move the country"
awk -F, 'NR == 1 { print; next } { v = $NF; sub(/[01]$/, v == "1" ? "0" : "1"); print }' q2.csv \
    >inverted.csv
[ "$(tail -n +2 q2.csv | grep -c ',1$')" -eq "$(tail -n +2 inverted.csv | grep -c ',0$')" ] ||
    fail "awk did not invert the outcomes"

# --- help and usage errors -----------------------------------------------------
for cmd in compare drift backtest history; do
    run "$LEADSCORE" "$cmd" --help
    expect_rc 0 "$cmd --help"
    has "usage: leadscore $cmd" "$cmd --help"
    run "$LEADSCORE" "$cmd" --format yaml
    expect_rc 2 "$cmd --format yaml"
    grep -q "unknown format 'yaml'" err || fail "$cmd: no message for an unknown format"
done
run "$LEADSCORE" --help
has "compare" "the command list"
has "history" "the command list"
run "$LEADSCORE" compare m1.json
expect_rc 2 "compare with one model"
run "$LEADSCORE" compare m1.json m2.json --alpha 2
expect_rc 2 "compare --alpha 2"
run "$LEADSCORE" drift --model m1.json --baseline q1.csv
expect_rc 2 "drift without --current"
run "$LEADSCORE" drift --model m1.json --baseline q1.csv --current q2.csv --bins 1
expect_rc 2 "drift --bins 1"
run "$LEADSCORE" backtest --model m1.json
expect_rc 2 "backtest without --data"
run "$LEADSCORE" backtest --model m1.json --data q2.csv --min-slope 1.5 --max-slope 1.2
expect_rc 2 "backtest with an empty slope range"
run "$LEADSCORE" history
expect_rc 2 "history without models"
run "$LEADSCORE" compare m1.json missing.json
expect_rc 1 "compare with a missing model"
grep -q '^leadscore: missing.json' err || fail "no placed error for a missing model: $(cat err)"

# --- compare -------------------------------------------------------------------
run "$LEADSCORE" compare m1.json m2.json --data q2.csv
expect_rc 0 "compare"
has "compare m1.json -> m2.json" "compare header"
has "changed criteria: none" "compare, same process"
has "criteria added: none" "compare, same process"
has "AUC of the points on q2.csv (4000 leads" "compare with data"
run "$LEADSCORE" compare m1.json m2.json --format csv
expect_rc 0 "compare --format csv"
[ "$(head -n 1 out)" = "term,criterion,presence,old_points,new_points,change,old_estimate,old_se,new_estimate,new_se,z,p_value,p_holm,significant,note" ] ||
    fail "compare csv header: $(head -n 1 out)"
grep -q '^(intercept),,both,' out || fail "compare csv: no intercept row"
grep -q '^free_trial,free_trial,both,' out || fail "compare csv: no free_trial row"
! grep -qE ',1,[^,]*$' out || fail "compare csv: a term flagged (significant = 1)"
run "$LEADSCORE" compare m1.json m2.json --format json --data q2.csv
expect_rc 0 "compare --format json"
has '"changed":	0' "compare json"
has '"auc_difference":' "compare json with data"
# a model against itself changes nothing, and a model with a dropped criterion
run "$LEADSCORE" train --data q2.csv --target converted --model m2x.json --quiet --exclude webinar
expect_rc 0 "train without webinar"
run "$LEADSCORE" compare m1.json m2x.json
expect_rc 0 "compare with a dropped criterion"
has "criteria dropped: webinar" "compare, dropped criterion"

# --- drift ---------------------------------------------------------------------
run "$LEADSCORE" drift --model m1.json --baseline q1.csv --current q2.csv
expect_rc 0 "drift, same process"
has "flagged criteria: none" "drift, same process"
has "score PSI" "drift text"
run "$LEADSCORE" drift --model m1.json --baseline q1.csv --current moved.csv --format csv
expect_rc 0 "drift --format csv"
[ "$(head -n 1 out)" = "characteristic,kind,index,reading,flagged,baseline_missing_rate,current_missing_rate,unseen_levels,unseen_rows" ] ||
    fail "drift csv header: $(head -n 1 out)"
[ "$(awk -F, '$5 == 1 && NR > 2 { print $1 }' out)" = "country" ] ||
    fail "drift should flag country alone: $(cat out)"
grep -q '^country,categorical,[0-9.e-]*,shifted,1,[0-9.e-]*,[0-9.e-]*,1,' out ||
    fail "drift csv: country should be shifted with one unseen level"
run "$LEADSCORE" drift --model m1.json --baseline q1.csv --current moved.csv
has "unseen in country:" "drift text lists unseen levels"
has "'Atlantis'" "drift text names the unseen level"
run "$LEADSCORE" drift --model m1.json --baseline q1.csv --current moved.csv --format json
expect_rc 0 "drift --format json"
has '"level":	"Atlantis"' "drift json"
run "$LEADSCORE" drift --model m1.json --baseline q1.csv --current nothere.csv
expect_rc 1 "drift with a missing current file"

# --- backtest ------------------------------------------------------------------
run "$LEADSCORE" backtest --model m1.json --data q2.csv
expect_rc 0 "backtest, same process"
has "recommendation: keep the model" "backtest, same process"
run "$LEADSCORE" backtest --model m1.json --data inverted.csv
expect_rc 0 "backtest, inverted outcomes"
has "recommendation: RETRAIN" "backtest, inverted outcomes"
has "AUC fell" "backtest, inverted outcomes"
run "$LEADSCORE" backtest --model m1.json --data q2.csv --format csv
expect_rc 0 "backtest --format csv"
[ "$(head -n 1 out)" = "metric,value,threshold,status" ] || fail "backtest csv header"
grep -qx 'retrain,0,,keep' out || fail "backtest csv: no keep row: $(cat out)"
run "$LEADSCORE" backtest --model m1.json --data q2.csv --format json --max-intercept 0.0001
expect_rc 0 "backtest --format json"
has '"retrain":	true' "backtest json with a tiny intercept limit"
has '"max_intercept":	0.0001' "backtest json thresholds"
sed 's/,converted$/,outcome/' q2.csv >renamed.csv
run "$LEADSCORE" backtest --model m1.json --data renamed.csv
expect_rc 1 "backtest without the target column"
grep -q "converted" err || fail "backtest: the error should name the target"

# --- history -------------------------------------------------------------------
run "$LEADSCORE" history m1.json m2.json
expect_rc 0 "history"
[ "$(head -n 1 out | awk '{ print $1, $2, $3 }')" = "file sha256 created" ] || fail "history header"
has "q1.csv" "history names the data file"
[ "$(wc -l <out)" -eq 3 ] || fail "history: expected a header and two rows"
run "$LEADSCORE" history m1.json m2.json --format csv
expect_rc 0 "history --format csv"
[ "$(head -n 1 out)" = "file,sha256,created,data_file,data_sha256,rows,auc,parent,parent_file" ] ||
    fail "history csv header"
grep -q "^m1.json,$(sha256sum m1.json | cut -c1-64),.*,q1.csv,$(sha256sum q1.csv | cut -c1-64),4000," out ||
    fail "history csv: m1's hashes: $(cat out)"
run "$LEADSCORE" history m1.json m2.json --format json
expect_rc 0 "history --format json"
has '"data_file":	"q2.csv"' "history json"
run "$LEADSCORE" history m1.json nothere.json
expect_rc 1 "history with a missing model"

# Lineage through train --parent, once the option is wired in.
if "$LEADSCORE" train --help | grep -q -- '--parent'; then
    run "$LEADSCORE" train --data q2.csv --target converted --model m2p.json --quiet --parent m1.json
    expect_rc 0 "train --parent"
    run "$LEADSCORE" history m2p.json m1.json --format csv
    expect_rc 0 "history with a parent"
    [ "$(sed -n 2p out | cut -d, -f1)" = "m1.json" ] || fail "history: the parent should come first"
    grep -q "^m2p.json,.*,$(sha256sum m1.json | cut -c1-64),m1.json$" out ||
        fail "history: m2p's parent should be m1.json: $(cat out)"
    run "$LEADSCORE" train --data q2.csv --target converted --model bad.json --quiet --parent q9.json
    expect_rc 1 "train --parent with a missing parent"
    [ ! -e bad.json ] || fail "a model was written despite a bad parent"
fi
echo "monitor CLI: ok"
