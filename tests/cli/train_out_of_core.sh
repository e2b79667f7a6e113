#!/usr/bin/env bash
# leadscore train --memory-limit: past the limit the rows go out of core (to
# temporary files in TMPDIR) and the model is the same as in memory; the
# files never outlive the run; an unusable TMPDIR is a one-line error with no
# model written; a malformed limit is a usage error.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
# shellcheck source=../support/cli.bash
source "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}/tests/support/cli.bash"

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
# A full disk at any point of an out-of-core run is an error, never a model:
# posix_fallocate fails with ENOSPC at its Nth call, for every N until the
# run no longer reaches it (the AUC's scratch used to absorb it into NaN).
if command -v cc >/dev/null; then
    cat >"$tmp/enospc.c" <<'EOC'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
static int calls;
int posix_fallocate(int fd, off_t off, off_t len)
{
    static int (*real)(int, off_t, off_t);
    if (!real)
        real = (int (*)(int, off_t, off_t))dlsym(RTLD_NEXT, "posix_fallocate");
    const char *n = getenv("LS_FAIL_FALLOCATE_AT");
    if (n && ++calls == atoi(n))
        return ENOSPC;
    return real(fd, off, len);
}
int posix_fallocate64(int fd, off_t off, off_t len) { return posix_fallocate(fd, off, len); }
EOC
    cc -shared -fPIC -o "$tmp/enospc.so" "$tmp/enospc.c" -ldl
    # An AddressSanitizer build wants its runtime first among the preloads.
    preload=$(ldd "$LEADSCORE" 2>/dev/null | awk '/libasan/ { print $3 " " }')$tmp/enospc.so
    failed=0
    for n in $(seq 1 400); do
        rm -f "$tmp/full.json"
        run env LD_PRELOAD="$preload" LS_FAIL_FALLOCATE_AT="$n" "$LEADSCORE" train \
            --data "$tmp/leads.csv" --criteria "$tmp/spec.ini" --model "$tmp/full.json" \
            --memory-limit 1K --quiet
        if [ "$rc" -eq 0 ]; then
            grep -q '"auc":[[:space:]]*0\.' "$tmp/full.json" || fail "ENOSPC at call $n: a model without an AUC"
            break
        fi
        expect_rc 1 "ENOSPC at call $n"
        grep -q "No space left on device" "$tmp/err" || fail "ENOSPC at call $n: $(cat "$tmp/err")"
        [ ! -e "$tmp/full.json" ] || fail "ENOSPC at call $n: a model was written"
        failed=$((failed + 1))
    done
    [ "$failed" -ge 10 ] || fail "only $failed fallocate calls: is the run out of core?"
    [ "$rc" -eq 0 ] || fail "still failing after 400 calls"
    echo "ENOSPC at each of $failed allocation points: error, no model"
fi
# 1,100 columns out of core under the usual soft limit of 1,024 descriptors:
# the CLI raises it to the hard limit (a file is kept open per column array).
awk 'BEGIN { srand(3); for (j = 1; j <= 1100; j++) printf "c%d,", j; print "y";
             for (i = 0; i < 300; i++) { for (j = 1; j <= 1100; j++) printf "%d,", int(rand() * 10);
                                         print int(rand() * 2) } }' >"$tmp/wide.csv"
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -gt 4096 ]; then
    run bash -c 'ulimit -Sn 1024 && exec "$@"' _ "$LEADSCORE" train --data "$tmp/wide.csv" \
        --target y --l2 1 --memory-limit 1M --model "$tmp/wide.json" --quiet
    expect_rc 0 "1,100 columns out of core under a soft limit of 1,024 files"
fi
run bash -c 'ulimit -n 1024 && exec "$@"' _ "$LEADSCORE" train --data "$tmp/wide.csv" \
    --target y --l2 1 --memory-limit 1M --model "$tmp/wide2.json" --quiet
expect_rc 1 "1,100 columns out of core under a hard limit of 1,024 files"
grep -q "raise 'ulimit -n'" "$tmp/err" || fail "no hint on the file limit: $(cat "$tmp/err")"
[ ! -e "$tmp/wide2.json" ] || fail "a model was written"

echo "train_out_of_core: ok"
