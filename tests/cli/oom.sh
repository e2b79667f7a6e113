#!/usr/bin/env bash
# Allocation failure is an error, not a crash: under `ulimit -v`, commands
# that need more memory than allowed stop with exactly
# "leadscore: out of memory" and exit status 1, write no output file and no
# temporary file; scoring, which streams, still succeeds in the same limit.
# A sanitizer build reserves terabytes of shadow memory and cannot start
# under ulimit -v: there the test says so and passes without running.
# Uses $LEADSCORE.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
if grep -qa -e __asan_init -e __tsan_init "$LEADSCORE"; then
    echo "oom: SKIPPED: $LEADSCORE is built with a sanitizer (ulimit -v would stop it at start)"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# 500k leads (48 MB). Training them needs about 215 MB of address space (the
# table's lazily filled per-row arrays, two threads' stacks and arenas, the
# fit's per-row arrays); 100 MB is well short of that wherever the first
# allocation fails. (It can succeed at 150-180 MB yet fail at 200 MB: how
# much address space the threads' malloc arenas reserve depends on what is
# left, so a limit just under the need would be fragile.)
"$LEADSCORE" synth --rows 500000 --out leads.csv
"$LEADSCORE" synth --rows 2000 --seed 2 --out small.csv
"$LEADSCORE" train --data small.csv --target converted --model model.json --l2 1 --quiet

# under_limit KB EXPECTED_EXIT OUTPUT -- command...
under_limit() {
    local kb=$1 want=$2 output=$3
    shift 4
    local status=0
    (
        ulimit -v "$kb"
        exec "$LEADSCORE" "$@"
    ) >stdout 2>stderr || status=$?
    local what="$* (ulimit -v $kb)"
    if [[ $status -ge 128 ]]; then
        fail "$what: killed by signal $((status - 128)): $(head -c 300 stderr)"
        return
    fi
    [[ $status -eq $want ]] || fail "$what: exit status $status, expected $want: $(head -c 300 stderr)"
    if [[ $want -eq 1 ]]; then
        [[ "$(cat stderr)" == "leadscore: out of memory"* && $(wc -l < stderr) -eq 1 ]] ||
            fail "$what: stderr is not one line starting 'leadscore: out of memory': $(head -c 300 stderr)"
        [[ ! -e $output ]] || fail "$what: wrote $output"
    else
        [[ -s $output ]] || fail "$what: no output $output"
    fi
    ! compgen -G '*.tmp.*' >/dev/null || fail "$what: left $(compgen -G '*.tmp.*')"
    rm -f "$output"
}

under_limit 102400 1 trained.json -- train --data leads.csv --target converted --model trained.json
under_limit 102400 1 trained.json -- \
    train --data leads.csv --target converted --model trained.json --l2 1 --pool-below 30
under_limit 102400 1 profile.txt -- inspect leads.csv --target converted -o profile.txt
under_limit 102400 0 scored.csv -- score --model model.json --data leads.csv --out scored.csv

echo "oom: $failures failed"
[[ $failures -eq 0 ]]
