#!/usr/bin/env bash
# train's notes on the bundled X Education leads: levels of two criteria that
# pick out nearly the same leads are named (Lead Source=Facebook is 54 of the
# 55 Lead Origin=Lead Import leads), and leaving one criterion out clears it;
# a column to leave out that is not in the header is refused.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
# shellcheck source=../support/cli.bash
source "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}/tests/support/cli.bash"
data=$LS_SOURCE_DIR/datasets/x-education-leads/Leads.csv
spec=$LS_SOURCE_DIR/datasets/x-education-leads/criteria.ini

"$LEADSCORE" train --data "$data" --criteria "$spec" --model "$tmp/m.json" >/dev/null 2>"$tmp/err"
line=$(grep "Lead Origin=Lead Import" "$tmp/err" | grep "Lead Source=Facebook") ||
    { cat "$tmp/err" >&2; fail "no note on Lead Import and Facebook"; }
r=$(sed -n 's/.*correlate at \(-[0-9.]*\).*/\1/p' <<<"$line")
awk -v r="$r" 'BEGIN { exit !(r <= -0.9 && r >= -1) }' || fail "correlation '$r' not in [-1, -0.9]"

"$LEADSCORE" train --data "$data" --criteria "$spec" --exclude "Lead Source" \
    --model "$tmp/m2.json" >/dev/null 2>"$tmp/err2"
! grep -q "Lead Source=" "$tmp/err2" || fail "Lead Source is still named after leaving it out"

# A column to leave out must exist: a typo would keep a leaking column in.
sed 's/^exclude = Tags,/exclude = Tagz,/' "$spec" >"$tmp/typo.ini"
grep -q "^exclude = Tagz," "$tmp/typo.ini" || fail "the spec no longer starts its exclude with Tags"
run "$LEADSCORE" train --data "$data" --criteria "$tmp/typo.ini" --model "$tmp/m3.json"
expect_rc 1 "a typo in exclude"
grep -qF "column 'Tagz': the spec's exclude names a column that is not in the header (did you mean 'Tags'?)" \
    "$tmp/err" || { cat "$tmp/err" >&2; fail "no message naming Tagz"; }
[ ! -e "$tmp/m3.json" ] || fail "a model was written"
run "$LEADSCORE" train --data "$data" --criteria "$spec" --exclude Countyr --model "$tmp/m3.json"
expect_rc 1 "--exclude Countyr"
grep -qF "did you mean 'Country'?" "$tmp/err" || fail "--exclude Countyr: $(cat "$tmp/err")"
run "$LEADSCORE" train --data "$data" --criteria "$tmp/typo.ini" --integer-points --max-criteria 3 \
    --model "$tmp/m3.json"
expect_rc 1 "integer points with Tagz"
grep -qF "did you mean 'Tags'?" "$tmp/err" || fail "integer points took Tagz"
echo "train notes: ok ($r)"
