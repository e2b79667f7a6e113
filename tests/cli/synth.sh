#!/usr/bin/env bash
# leadscore synth: files written, usage errors, atomic failure, determinism.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
source "$LS_SOURCE_DIR/tests/support/cli.bash"

# Runs the command, keeping its exit status in rc and stderr in $tmp/err.

header='lead_id,job_title,industry,lead_source,country,company_size,visited_pricing_page,free_trial,webinar,email_opens,product_sessions,features_adopted,minutes_in_app,days_since_signup,newsletter,page_theme,converted'

# --- writes the three files, exit 0, nothing else ---------------------------
mkdir "$tmp/a"
run "$LEADSCORE" synth --rows 500 --seed 3 --out "$tmp/a/leads.csv" --truth "$tmp/a/truth.csv" \
    --spec "$tmp/a/spec.ini"
expect_rc 0 "synth with all outputs"
[ -s "$tmp/a/leads.csv" ] && [ -s "$tmp/a/truth.csv" ] && [ -s "$tmp/a/spec.ini" ] ||
    fail "an output file is missing or empty"
[ "$(ls -A "$tmp/a" | wc -l)" -eq 3 ] || fail "temporary files left behind: $(ls -A "$tmp/a")"
[ "$(wc -l <"$tmp/a/leads.csv")" -eq 501 ] || fail "expected 501 lines in leads.csv"
[ "$(head -n 1 "$tmp/a/leads.csv")" = "$header" ] || fail "unexpected leads header"
[ "$(sed -n 2p "$tmp/a/leads.csv" | cut -d, -f1)" = "L0000001" ] || fail "first lead_id"
[ "$(head -n 1 "$tmp/a/truth.csv")" = "term,weight" ] || fail "unexpected truth header"
grep -q '^(intercept),-' "$tmp/a/truth.csv" || fail "truth lacks a negative intercept"
grep -qx 'newsletter,0' "$tmp/a/truth.csv" || fail "noise term newsletter is not 0"
grep -qx 'company_size=501+,0.65' "$tmp/a/truth.csv" || fail "banded company_size term missing"
[ "$(($(wc -l <"$tmp/a/truth.csv") - 1))" -eq 53 ] || fail "expected 53 truth terms"
grep -qx 'bands = 1-10, 11-100, 101-500, 501+' "$tmp/a/spec.ini" || fail "spec lacks the bands"
grep -qx 'column = company_size' "$tmp/a/spec.ini" || fail "spec lacks the criterion"
# Every data line has 17 fields once quoted commas are accounted for.
sed -E 's/"([^"]|"")*"/Q/g' "$tmp/a/leads.csv" |
    awk -F, 'NF != 17 { bad++ } END { exit bad > 0 }' || fail "a lead does not have 17 fields"
grep -q ',"Banking, Financial Services and Insurance",' "$tmp/a/leads.csv" ||
    fail "industry with a comma is not quoted"

# --- determinism ---------------------------------------------------------------
run "$LEADSCORE" synth --rows 2000 --seed 42 --out "$tmp/s1.csv" --truth "$tmp/t1.csv"
expect_rc 0 "seed 42, first run"
run "$LEADSCORE" synth --rows 2000 --seed 42 --out "$tmp/s2.csv" --truth "$tmp/t2.csv"
expect_rc 0 "seed 42, second run"
cmp "$tmp/s1.csv" "$tmp/s2.csv" || fail "same seed gave different leads"
cmp "$tmp/t1.csv" "$tmp/t2.csv" || fail "same seed gave different truth"
run "$LEADSCORE" synth --rows 2000 --seed 43 --out "$tmp/s3.csv"
expect_rc 0 "seed 43"
if cmp -s "$tmp/s1.csv" "$tmp/s3.csv"; then fail "different seeds gave the same leads"; fi

# --out - writes the same bytes to standard output.
"$LEADSCORE" synth --rows 2000 --seed 42 --out - >"$tmp/stdout.csv"
cmp "$tmp/s1.csv" "$tmp/stdout.csv" || fail "--out - differs from the file"

# --base-rate moves the conversion rate (2000 leads: 0.5 is far from 0.15).
run "$LEADSCORE" synth --rows 2000 --seed 42 --base-rate 0.5 --out "$tmp/half.csv"
expect_rc 0 "--base-rate 0.5"
rate=$(awk -F, 'NR > 1 { s += $NF; n++ } END { printf "%d", 100 * s / n }' "$tmp/half.csv")
[ "$rate" -ge 44 ] && [ "$rate" -le 56 ] || fail "--base-rate 0.5 gave ${rate}% conversions"

# --- usage errors: exit 2, a message, no file ----------------------------------
usage_case() { # description, then the arguments after 'synth'
    local what=$1
    shift
    run "$LEADSCORE" synth "$@"
    expect_rc 2 "$what"
    grep -q "^leadscore synth: " "$tmp/err" || fail "$what: no usage message"
    [ ! -e "$tmp/u.csv" ] || fail "$what: wrote a file"
}
usage_case "--rows abc" --rows abc --out "$tmp/u.csv"
grep -q -- "--rows expects a whole number, not 'abc'" "$tmp/err" || fail "--rows abc message"
usage_case "--rows 0" --rows 0 --out "$tmp/u.csv"
grep -q -- "--rows must be at least 1" "$tmp/err" || fail "--rows 0 message"
usage_case "--rows -5" --rows -5 --out "$tmp/u.csv"
usage_case "--rows 10x" --rows 10x --out "$tmp/u.csv"
usage_case "missing --rows" --out "$tmp/u.csv"
usage_case "missing --out" --rows 10
usage_case "--seed abc" --rows 10 --seed abc --out "$tmp/u.csv"
usage_case "--base-rate abc" --rows 10 --base-rate abc --out "$tmp/u.csv"
usage_case "--base-rate 1.5" --rows 10 --base-rate 1.5 --out "$tmp/u.csv"
usage_case "unknown option" --rows 10 --bogus --out "$tmp/u.csv"
usage_case "missing value" --rows 10 --out
usage_case "extra argument" --rows 10 --out "$tmp/u.csv" extra
usage_case "same file twice" --rows 10 --out "$tmp/u.csv" --truth "$tmp/u.csv"

# --- failure: an output in a missing directory → exit 1, nothing left ---------
mkdir "$tmp/b"
run "$LEADSCORE" synth --rows 100 --out "$tmp/b/missing/leads.csv" --truth "$tmp/b/truth.csv"
expect_rc 1 "output in a missing directory"
grep -q "^leadscore: .*leads.csv" "$tmp/err" || fail "missing directory: message lacks the path"
[ -z "$(ls -A "$tmp/b")" ] || fail "missing directory: left $(ls -A "$tmp/b")"

run "$LEADSCORE" synth --rows 100 --out "$tmp/b/leads.csv" --spec "$tmp/b/missing/spec.ini"
expect_rc 1 "spec in a missing directory"
[ -z "$(ls -A "$tmp/b")" ] || fail "missing spec directory: left $(ls -A "$tmp/b")"

# --- help -------------------------------------------------------------------
run "$LEADSCORE" synth --help
expect_rc 0 "--help"
grep -q "^usage: leadscore synth" "$tmp/out" || fail "--help prints no usage"

echo "synth CLI: all checks passed"
