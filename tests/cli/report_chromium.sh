#!/usr/bin/env bash
# leadscore report: one self-contained HTML file on the bundled X Education
# leads, loaded in headless Chromium: the screenshot has the window's size and
# shows a page, not a blank one. Needs Debian's chromium and python3-pil.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

command -v gnuplot >/dev/null || fail "gnuplot is not installed: apt-get install gnuplot-nox"
command -v chromium >/dev/null || fail "chromium is not installed: apt-get install chromium"
"$PY" -c 'import PIL' 2>/dev/null || fail "PIL is not installed: apt-get install python3-pil"

data="$LS_SOURCE_DIR/datasets/x-education-leads"
"$LEADSCORE" train --data "$data/Leads.csv" --criteria "$data/criteria.ini" \
    --model "$tmp/model.json" --quiet 2>/dev/null
"$LEADSCORE" synth --rows 2000 --seed 3 --out "$tmp/other.csv" >/dev/null
"$LEADSCORE" report "$tmp/model.json" --data "$data/Leads.csv" --holdout 0.25 \
    --out "$tmp/report.html" --title "X Education" || fail "report exited $?"
[ "$(ls "$tmp" | tr '\n' ' ')" = "model.json other.csv report.html " ] ||
    fail "report left other files: $(ls "$tmp")"

# Self-contained: no scripts, no links, every image an inline PNG.
"$PY" - "$tmp/report.html" <<'EOF' || fail "the report is not self-contained"
import base64, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
assert html.startswith("<!DOCTYPE html>"), html[:40]
assert html.rstrip().endswith("</html>")
for bad in ("<script", "<link", "http://", "https://", "url("):
    assert bad not in html, "found " + bad
srcs = re.findall(r'<img [^>]*src="([^"]*)"', html)
# importance, roc, calibration, gains, lift, distribution, two bands
assert len(srcs) == 8, len(srcs)
for s in srcs:
    assert s.startswith("data:image/png;base64,"), s[:40]
    png = base64.b64decode(s.split(",", 1)[1], validate=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
for text in ("Lead scoring report", "X Education", "What drives conversion", "Validation",
             "Gains by score decile", "Tiers", "Points", "Lead Source", "Time on website",
             "Leads.csv (training)", "Leads.csv (holdout)"):
    assert text in html, "missing " + text
EOF

# The page in a real browser.
profile=$(mktemp -d)
trap 'rm -rf "$tmp" "$profile"' EXIT
timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --screenshot="$tmp/shot.png" --window-size=1280,2000 \
    "file://$tmp/report.html" >"$tmp/chromium.log" 2>&1 || {
    tail -20 "$tmp/chromium.log" >&2
    fail "chromium failed"
}
[ -s "$tmp/shot.png" ] || fail "chromium wrote no screenshot"

"$PY" - "$tmp/shot.png" <<'EOF' || fail "the screenshot does not show the report"
import struct, sys
from PIL import Image
head = open(sys.argv[1], "rb").read(24)
assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
assert struct.unpack(">II", head[16:24]) == (1280, 2000), struct.unpack(">II", head[16:24])
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
px = im.load()
# Not blank: a good share of the pixels is not the page background, and the
# page has many colours (text, cards, charts), not one flat fill.
step = 4
total = nonwhite = 0
colours = set()
for y in range(0, h, step):
    for x in range(0, w, step):
        r, g, b = px[x, y]
        total += 1
        nonwhite += (r, g, b) != (255, 255, 255)
        colours.add((r >> 3, g >> 3, b >> 3))
assert len(colours) > 50, "only %d colours" % len(colours)
# the heading's dark text in the top band
dark = sum(1 for y in range(0, 120) for x in range(0, w, 2) if sum(px[x, y]) < 200)
assert dark > 100, "no heading text at the top (%d dark pixels)" % dark
# the charts' blue bars below the cards
blue = sum(1 for y in range(300, h, 2) for x in range(0, w, 2)
           if px[x, y][2] > 140 and px[x, y][0] < 90 and px[x, y][1] < 140)
assert blue > 2000, "no chart bars visible (%d blue pixels)" % blue
print("screenshot: %d colours, %.0f%% non-white, %d dark heading pixels, %d bar pixels"
      % (len(colours), 100.0 * nonwhite / total, dark, blue))
EOF

# Usage errors: exit 2.
rc=0
"$LEADSCORE" report "$tmp/model.json" --out "$tmp/r.html" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 2 ] || fail "report without --data: exit $rc"
rc=0
"$LEADSCORE" report "$tmp/model.json" --data "$data/Leads.csv" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 2 ] || fail "report without --out: exit $rc"
rc=0
"$LEADSCORE" report "$tmp/model.json" --data "$tmp/report.html" --out "$tmp/report.html" \
    2>"$tmp/err" || rc=$?
[ "$rc" -eq 2 ] || fail "report over its own input: exit $rc"
# Leads without the target: no outcomes to validate on, exit 1 with the reason.
rc=0
"$LEADSCORE" report "$tmp/model.json" --data "$tmp/other.csv" --out "$tmp/r.html" 2>"$tmp/err" ||
    rc=$?
[ "$rc" -eq 1 ] || fail "report on leads of another shape: exit $rc"
[ ! -e "$tmp/r.html" ] || fail "a failed report left a file"

echo "report in chromium: all checks passed"
