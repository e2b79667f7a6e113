#!/usr/bin/env bash
# leadscore train --memory-limit: past the limit the rows go out of core (to
# temporary files in TMPDIR) and the model is the same as in memory; the
# files never outlive the run; an unusable TMPDIR is a one-line error with no
# model written; a malformed limit is a usage error.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

run() {
    rc=0
    "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

expect_rc() { # expected-status description
    [ "$rc" -eq "$1" ] || {
        cat "$tmp/err" >&2
        fail "$2: exit $rc, expected $1"
    }
}

"$LEADSCORE" synth --rows 30000 --seed 5 --out "$tmp/leads.csv" --spec "$tmp/spec.ini" >/dev/null
mkdir "$tmp/spool"

run "$LEADSCORE" train --data "$tmp/leads.csv" --criteria "$tmp/spec.ini" --model "$tmp/mem.json"
expect_rc 0 "in memory"
! grep -q "out of core" "$tmp/err" || fail "a 3 MB file went out of core by default"

run env TMPDIR="$tmp/spool" "$LEADSCORE" train --data "$tmp/leads.csv" --criteria "$tmp/spec.ini" \
    --model "$tmp/ooc.json" --memory-limit 1K
expect_rc 0 "out of core"
grep -q "note: trained out of core" "$tmp/err" || fail "no out-of-core note: $(cat "$tmp/err")"
[ -z "$(ls -A "$tmp/spool")" ] || fail "temporary files left: $(ls -A "$tmp/spool")"

# the same model: every number equal (to 1e-12), only the creation time may differ
python3 - "$tmp/mem.json" "$tmp/ooc.json" <<'EOF' || fail "the models differ"
import json, math, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
a.pop("created", None)
b.pop("created", None)
def same(x, y, where):
    if isinstance(x, dict):
        assert isinstance(y, dict) and x.keys() == y.keys(), where
        for k in x:
            if k != "created":
                same(x[k], y[k], where + "." + k)
    elif isinstance(x, list):
        assert isinstance(y, list) and len(x) == len(y), where
        for i, (u, v) in enumerate(zip(x, y)):
            same(u, v, f"{where}[{i}]")
    elif isinstance(x, float) and isinstance(y, (int, float)):
        assert math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-300) or (x != x and y != y), \
            f"{where}: {x!r} != {y!r}"
    else:
        assert x == y, f"{where}: {x!r} != {y!r}"
same(a, b, "model")
assert len(a["coefficients"]) > 40
EOF

# an unusable TMPDIR: exit 1, one line naming it, no model
run env TMPDIR="$tmp/no-such-dir" "$LEADSCORE" train --data "$tmp/leads.csv" \
    --criteria "$tmp/spec.ini" --model "$tmp/none.json" --memory-limit 1K --quiet
expect_rc 1 "unusable TMPDIR"
grep -q "^leadscore: .*no-such-dir.*No such file or directory" "$tmp/err" ||
    fail "unclear message: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "more than one line: $(cat "$tmp/err")"
[ ! -e "$tmp/none.json" ] || fail "a model was written"

for bad in 0 -5M 12Q lots; do
    run "$LEADSCORE" train --data "$tmp/leads.csv" --criteria "$tmp/spec.ini" \
        --model "$tmp/bad.json" --memory-limit "$bad"
    expect_rc 2 "--memory-limit $bad"
    grep -q -- "--memory-limit" "$tmp/err" || fail "--memory-limit $bad: $(cat "$tmp/err")"
done
echo "train_out_of_core: ok"
