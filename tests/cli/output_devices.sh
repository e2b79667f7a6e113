#!/usr/bin/env bash
# Writing to a device (/dev/null, a FIFO) writes in place: the atomic
# temp-and-rename must never replace the device with a regular file.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkfifo "$work/pipe"
cat "$work/pipe" > "$work/received" &
reader=$!
"$LEADSCORE" synth --rows 3 --seed 2 --out "$work/pipe"
wait "$reader"
[ -p "$work/pipe" ] || { echo "the FIFO was replaced by a file"; exit 1; }
[ "$(wc -l < "$work/received")" -eq 4 ] || { echo "expected header + 3 rows through the FIFO"; exit 1; }
ls "$work" | grep -q '\.tmp\.' && { echo "a temporary file was left behind"; exit 1; }
echo "output_devices: ok"
