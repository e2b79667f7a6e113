# Shared prologue of the CLI test scripts (tests/cli/*.sh), sourced after
# `set -euo pipefail`: checks $LEADSCORE, makes $tmp (removed on exit), and
# defines fail, run (status in $rc, output in $tmp/out and $tmp/err) and
# expect_rc.
# SPDX-License-Identifier: GPL-3.0-or-later
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
