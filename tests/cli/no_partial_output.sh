#!/usr/bin/env bash
# No lost data. `leadscore score` killed with SIGKILL halfway through two
# million leads leaves no file under the final name, nothing that could be
# mistaken for the output (only OUT.tmp.XXXXXX, which the next run ignores
# and leaves alone), and its input byte for byte as it was. An output path
# naming an input of the same command is refused with exit status 2 before
# anything is written, however it is spelled (./x, a symlink, a hard link).
# Uses $LEADSCORE.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"

tmp=$(mktemp -d)
pid=
cleanup() {
    if [[ -n $pid ]]; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
failures=0 open=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# ---- SIGKILL midway -------------------------------------------------------
"$LEADSCORE" synth --rows 2000 --seed 3 --out small.csv
"$LEADSCORE" train --data small.csv --target converted --model model.json --l2 1 --quiet
"$LEADSCORE" synth --rows 2000000 --seed 4 --out leads.csv
before=$(sha256sum leads.csv model.json)
mkdir out
"$LEADSCORE" score --model model.json --data leads.csv --out out/scored.csv 2>score.err &
pid=$!
# Midway: the temporary output holds a few MB and the run is still going.
killed=0
for _ in $(seq 1 6000); do
    size=$(find out -name 'scored.csv.tmp.*' -printf '%s\n' 2>/dev/null | head -n 1)
    if [[ -n $size && $size -gt 4000000 ]]; then
        kill -9 "$pid" 2>/dev/null && killed=1
        break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
done
status=0
wait "$pid" || status=$?
pid=
if [[ $killed -ne 1 || $status -ne 137 ]]; then
    fail "could not kill score midway (killed=$killed, exit $status): $(head -c 300 score.err)"
fi
[[ ! -e out/scored.csv ]] || fail "a killed run left out/scored.csv"
leftovers=$(ls -A out)
for f in $leftovers; do
    [[ $f == scored.csv.tmp.?????? ]] ||
        fail "a killed run left '$f', which is not named as a temporary file"
done
[[ "$(sha256sum leads.csv model.json)" == "$before" ]] || fail "the input changed"

# The next run completes despite the leftover and does not touch it.
"$LEADSCORE" score --model model.json --data small.csv --out out/scored.csv
[[ $(wc -l <out/scored.csv) -eq 2001 ]] || fail "the rerun wrote $(wc -l <out/scored.csv) lines"
[[ "$(ls -A out | grep -v '^scored\.csv$' || true)" == "$leftovers" ]] ||
    fail "the rerun changed the leftover temporary files: $(ls -A out)"

# ---- an output path equal to an input path --------------------------------
printf '[leadscore]\ntarget = converted\n' >spec.ini
ln -s small.csv link.csv
ln small.csv hard.csv
cp model.json parent.json

# refused DESCRIPTION OPEN_FINDING -- command...: exit status 2, the inputs
# unchanged, no temporary file. With OPEN_FINDING set (not '-') a failure is
# reported as XFAIL, and a pass as a failure (the note must go).
refused() {
    local what=$1 note=$2
    shift 3
    local sums status=0 problems=()
    sums=$(sha256sum small.csv spec.ini model.json parent.json)
    "$LEADSCORE" "$@" >stdout 2>stderr || status=$?
    [[ $status -eq 2 ]] || problems+=("exit status $status, expected 2")
    grep -q 'refusing to overwrite' stderr || problems+=("no 'refusing to overwrite' in: $(head -c 200 stderr)")
    [[ "$(sha256sum small.csv spec.ini model.json parent.json)" == "$sums" ]] ||
        problems+=("an input was overwritten")
    ! compgen -G '*.tmp.*' >/dev/null || problems+=("left $(compgen -G '*.tmp.*')")
    # Restore whatever a failing case damaged, for the next case.
    cp model.json parent.json 2>/dev/null || true
    printf '[leadscore]\ntarget = converted\n' >spec.ini
    if [[ $note != - ]]; then
        if [[ ${#problems[@]} -eq 0 ]]; then
            fail "$what: passes now: remove the open note '$note'"
        else
            echo "XFAIL: $what: $note (${problems[0]})"
            open=$((open + 1))
        fi
    elif [[ ${#problems[@]} -gt 0 ]]; then
        fail "$what: $(printf '%s; ' "${problems[@]}")"
    fi
}

refused "train: --model is --data" - -- train --data small.csv --target converted --model small.csv
refused "train: --model is --data via a symlink" - -- \
    train --data small.csv --target converted --model ./link.csv
refused "train: --model is --data via a hard link" - -- \
    train --data small.csv --target converted --model hard.csv
refused "train: --model is --criteria" "finding 7 (cmd_train.c): the spec is overwritten" -- \
    train --data small.csv --target converted --criteria spec.ini --model spec.ini
refused "score: --out is --data" - -- score --model model.json --data small.csv --out small.csv
refused "score: --out is --data via a symlink" - -- \
    score --model model.json --data small.csv --out link.csv
refused "score: --out is --model" - -- score --model model.json --data small.csv --out model.json
refused "inspect: -o is the file" "finding 8 (cmd_inspect.c): exit status 1, not 2" -- \
    inspect small.csv --target converted -o small.csv
refused "inspect: -o is the file via a symlink" "finding 8 (cmd_inspect.c)" -- \
    inspect small.csv --target converted -o "$tmp/link.csv"
refused "export: --out is the model" - -- export model.json --format json --out model.json

echo "no partial output: $failures failed, $open open findings (XFAIL)"
[[ $failures -eq 0 ]]
