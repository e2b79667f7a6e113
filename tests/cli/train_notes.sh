#!/usr/bin/env bash
# train's notes on the bundled X Education leads: levels of two criteria that
# pick out nearly the same leads are named (Lead Source=Facebook is 54 of the
# 55 Lead Origin=Lead Import leads), and leaving one criterion out clears it.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
data=$LS_SOURCE_DIR/datasets/x-education-leads/Leads.csv
spec=$LS_SOURCE_DIR/datasets/x-education-leads/criteria.ini

"$LEADSCORE" train --data "$data" --criteria "$spec" --model "$work/m.json" >/dev/null 2>"$work/err"
line=$(grep "Lead Origin=Lead Import" "$work/err" | grep "Lead Source=Facebook") ||
    { cat "$work/err" >&2; fail "no note on Lead Import and Facebook"; }
r=$(sed -n 's/.*correlate at \(-[0-9.]*\).*/\1/p' <<<"$line")
awk -v r="$r" 'BEGIN { exit !(r <= -0.9 && r >= -1) }' || fail "correlation '$r' not in [-1, -0.9]"

"$LEADSCORE" train --data "$data" --criteria "$spec" --exclude "Lead Source" \
    --model "$work/m2.json" >/dev/null 2>"$work/err2"
! grep -q "Lead Source=" "$work/err2" || fail "Lead Source is still named after leaving it out"
echo "train notes: ok ($r)"
