#!/usr/bin/env bash
# Bad CSV input: exactly one line `leadscore: FILE:LINE:COL: column 'NAME': message`
# on stderr, nothing on stdout, exit status 1, and no output file left behind.
# Uses $LEADSCORE (the binary) and $LS_SOURCE_DIR.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect_error FILE 'exact stderr line' [extra inspect options...]
# Runs from the directory holding FILE so messages carry its bare name.
expect_error() {
    local file=$1 want=$2
    shift 2
    local status=0
    (cd "$(dirname "$file")" &&
        "$LEADSCORE" inspect "$(basename "$file")" --target Converted -o "$tmp/out.txt" "$@" \
            >"$tmp/stdout" 2>"$tmp/stderr") || status=$?
    local got
    got=$(cat "$tmp/stderr")
    [[ $status -eq 1 ]] || fail "$(basename "$file"): exit status $status, expected 1"
    [[ "$got" == "$want" ]] || fail "$(basename "$file"): stderr
  got:  $got
  want: $want"
    [[ ! -s "$tmp/stdout" ]] || fail "$(basename "$file"): wrote to stdout"
    [[ ! -e "$tmp/out.txt" ]] || fail "$(basename "$file"): left an output file"
    if compgen -G "$tmp/out.txt.tmp*" >/dev/null; then
        fail "$(basename "$file"): left a temporary file"
    fi
}

data="$LS_SOURCE_DIR/tests/data/csv"

expect_error "$data/ragged_short.csv" \
    "leadscore: ragged_short.csv:3:3: column 'c': expected 3 fields as in the header, found 2"
expect_error "$data/ragged_long.csv" \
    "leadscore: ragged_long.csv:3:3: expected 2 fields as in the header, found 3"
expect_error "$data/ragged_after_multiline.csv" \
    "leadscore: ragged_after_multiline.csv:5:3: column 'Converted': expected 3 fields as in the header, found 2"
expect_error "$data/unterminated_quote.csv" \
    "leadscore: unterminated_quote.csv:2:2: column 'note': unterminated quoted field (the closing quote is missing)"
expect_error "$data/malformed_quote.csv" \
    "leadscore: malformed_quote.csv:2:2: column 'note': malformed quoting: a quote inside an unquoted field, or text after a closing quote"
expect_error "$data/duplicate_column.csv" \
    "leadscore: duplicate_column.csv:1:3: column 'Lead Source': duplicate column name (also column 1)"
expect_error "$data/empty_column_name.csv" \
    "leadscore: empty_column_name.csv:1:2: column 2 has an empty name in the header"
expect_error "$data/empty.csv" \
    "leadscore: empty.csv:1: empty file: expected a header line naming the columns"
expect_error "$data/unnamed_value.csv" \
    "leadscore: unnamed_value.csv:3:3: value 'oops' in the unnamed last column (the header ends with a separator)"
expect_error "$data/nonfinite.csv" \
    "leadscore: nonfinite.csv:3:1: column 'visits': '1e999' is not a finite number"
expect_error "$data/text_in_numeric.csv" \
    "leadscore: text_in_numeric.csv:4:1: column 'visits': 'three' is not a number (the column is numeric)" \
    --type visits=numeric

# Bytes that are awkward to keep in the repository are written here.
printf 'name,Converted\r\nAna,1\r\nJo\0e,0\r\n' >"$tmp/nul.csv"
expect_error "$tmp/nul.csv" "leadscore: nul.csv:3:1: column 'name': field contains a NUL byte"
printf 'name,Converted\nJos\xe9,1\n' >"$tmp/latin1.csv"
expect_error "$tmp/latin1.csv" "leadscore: latin1.csv:2:1: column 'name': field is not valid UTF-8"
printf '\xef\xbb\xbfname,city,Converted\nAna,"Pune\nWest",1\nBo,Delhi\n' >"$tmp/bom_ragged.csv"
expect_error "$tmp/bom_ragged.csv" \
    "leadscore: bom_ragged.csv:4:3: column 'Converted': expected 3 fields as in the header, found 2"

# A file that cannot be opened.
status=0
"$LEADSCORE" inspect "$tmp/nope.csv" --target Converted 2>"$tmp/stderr" >/dev/null || status=$?
[[ $status -eq 1 ]] || fail "missing file: exit status $status, expected 1"
grep -qx "leadscore: $tmp/nope.csv: cannot open: No such file or directory" "$tmp/stderr" ||
    fail "missing file: $(cat "$tmp/stderr")"

if [[ $failures -gt 0 ]]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "csv_errors: all passed"
