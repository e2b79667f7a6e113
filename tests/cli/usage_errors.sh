#!/usr/bin/env bash
# Every subcommand answers an unknown option and a missing option value the
# same way: exit 2, the message naming the option as typed, then one line
# pointing at --help; nothing from getopt itself.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
# shellcheck source=../support/cli.bash
source "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}/tests/support/cli.bash"

commands=$("$LEADSCORE" --help | awk '/^commands:/ {on = 1; next} on && NF == 0 {exit} on {print $1}')
[ "$(wc -w <<<"$commands")" -ge 17 ] || fail "expected at least 17 commands in --help, got: $commands"

check() { # check CMD WANT-FIRST-LINE ARGS...
    local cmd=$1 want=$2
    shift 2
    run "$LEADSCORE" "$cmd" "$@" </dev/null
    expect_rc 2 "$cmd $*"
    [ ! -s "$tmp/out" ] || fail "$cmd $*: wrote to stdout"
    [ "$(wc -l <"$tmp/err")" -eq 2 ] || fail "$cmd $*: expected 2 lines on stderr, got: $(cat "$tmp/err")"
    [ "$(sed -n 1p "$tmp/err")" = "$want" ] ||
        fail "$cmd $*: first line '$(sed -n 1p "$tmp/err")', expected '$want'"
    [ "$(sed -n 2p "$tmp/err")" = "try 'leadscore $cmd --help'" ] || fail "$cmd $*: no --help hint"
}

for cmd in $commands; do
    check "$cmd" "leadscore $cmd: unknown option '--no-such-option'" --no-such-option
    check "$cmd" "leadscore $cmd: unknown option '-Z'" -Z
done
# A missing value, on a command of each option style.
check refine "leadscore refine: option '--data' needs a value" --data
check watch "leadscore watch: option '--model' needs a value" --model
check score "leadscore score: option '--model' needs a value" --model
echo "usage errors: ok ($(wc -w <<<"$commands") commands)"
