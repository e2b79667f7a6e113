#!/usr/bin/env bash
# train's notes on the bundled X Education leads: levels of two criteria that
# pick out nearly the same leads are named (Lead Source=Facebook is 54 of the
# 55 Lead Origin=Lead Import leads), and leaving one criterion out clears it;
# a column to leave out that is not in the header is refused.
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

# A column to leave out must exist: a typo would keep a leaking column in.
sed 's/^exclude = Tags,/exclude = Tagz,/' "$spec" >"$work/typo.ini"
grep -q "^exclude = Tagz," "$work/typo.ini" || fail "the spec no longer starts its exclude with Tags"
rc=0
"$LEADSCORE" train --data "$data" --criteria "$work/typo.ini" --model "$work/m3.json" \
    >/dev/null 2>"$work/err3" || rc=$?
[ "$rc" -eq 1 ] || fail "a typo in exclude: exit $rc, expected 1"
grep -qF "column 'Tagz': the spec's exclude names a column that is not in the header (did you mean 'Tags'?)" \
    "$work/err3" || { cat "$work/err3" >&2; fail "no message naming Tagz"; }
[ ! -e "$work/m3.json" ] || fail "a model was written"
rc=0
"$LEADSCORE" train --data "$data" --criteria "$spec" --exclude Countyr --model "$work/m3.json" \
    >/dev/null 2>"$work/err3" || rc=$?
[ "$rc" -eq 1 ] && grep -qF "did you mean 'Country'?" "$work/err3" || fail "--exclude Countyr accepted"
rc=0
"$LEADSCORE" train --data "$data" --criteria "$work/typo.ini" --integer-points --max-criteria 3 \
    --model "$work/m3.json" >/dev/null 2>"$work/err3" || rc=$?
[ "$rc" -eq 1 ] && grep -qF "did you mean 'Tags'?" "$work/err3" || fail "integer points took Tagz"
echo "train notes: ok ($r)"
