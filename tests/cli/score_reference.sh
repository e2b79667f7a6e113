#!/usr/bin/env bash
# Trained on the reference design matrix, `score` reproduces the fitted
# probabilities of statsmodels/R (tests/reference/*/fitted.csv) to 1e-8.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ds in x-education-leads uci-online-shoppers; do
    ref=$LS_SOURCE_DIR/tests/reference/$ds
    "$LEADSCORE" train --data "$ref/design.csv" --target y --model "$work/$ds.json" --quiet
    "$LEADSCORE" score --model "$work/$ds.json" --data "$ref/design.csv" --out "$work/$ds.csv"
    col=$(head -n 1 "$work/$ds.csv" | tr ',' '\n' | grep -nx probability | cut -d: -f1)
    rows=$(tail -n +2 "$work/$ds.csv" | wc -l)
    [ "$rows" -eq "$(tail -n +2 "$ref/fitted.csv" | wc -l)" ] || { echo "$ds: row count differs"; exit 1; }
    worst=$(paste -d, <(tail -n +2 "$work/$ds.csv" | cut -d, -f"$col") <(tail -n +2 "$ref/fitted.csv" | cut -d, -f3) |
        awk -F, '{d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d} END {printf "%.3g", m}')
    echo "$ds: largest |probability - reference| = $worst over $rows leads"
    awk -v w="$worst" 'BEGIN {exit !(w < 1e-8)}' || { echo "$ds: exceeds 1e-8"; exit 1; }
done
