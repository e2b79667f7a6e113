#!/usr/bin/env bash
# The bad-input corpus (tests/bad-input/): every case in expected.tsv runs
# with a time limit and must end with its expected exit status and message,
# no crash (exit >= 128), no hang, no sanitizer report, and — when it fails —
# no output file and no temporary file left behind. Cases marked with an
# open finding are XFAIL until they pass (then the note must go).
# The 10 MB lines and the 100k-column header are generated here, not kept in
# the repository. Uses $LEADSCORE and $LS_SOURCE_DIR;
# BAD_INPUT_TIMEOUT (seconds per case, default 120) and BAD_INPUT_ONLY (a
# substring of the file names to run) are optional.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
limit=${BAD_INPUT_TIMEOUT:-120}
only=${BAD_INPUT_ONLY:-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
work=$tmp/work
cp -r "$LS_SOURCE_DIR/tests/bad-input" "$work"
cd "$work"

# ---- generated inputs ----------------------------------------------------
python3 - <<'PY'
mb10 = 10 * 1024 * 1024
head = "lead_id,visits,source,Converted\nL001,1,web,no\n"
with open("gen_long_field_10mb.csv", "w") as f:  # one 10 MB field on line 3
    f.write(head + "L002,3," + "w" * mb10 + ",yes\n")
with open("gen_long_header_10mb.csv", "w") as f:  # a 10 MB column name
    f.write("h" * mb10 + "\n1\n")
with open("gen_unclosed_quote_10mb.csv", "w") as f:  # a quote that never closes
    f.write(head + 'L002,3,"' + "q" * mb10)
with open("gen_long_line_10mb.csv", "w") as f:  # a 10 MB line of tiny fields
    f.write(head + "L002," + "1," * (mb10 // 4) + "yes\n")
with open("gen_columns_100k.csv", "w") as f:  # 100k columns
    f.write(",".join("c%d" % i for i in range(100000)) + ",Converted\n")
    f.write(",".join("1" for i in range(100000)) + ",yes\n")
with open("gen_row_100k_fields.csv", "w") as f:  # a row of 100k fields
    f.write(head + ",".join("1" for i in range(100000)) + "\n")
PY

# A model for the score cases, trained on the corpus's clean file.
"$LEADSCORE" train --data base.csv --target Converted --model "$tmp/model.json" --quiet

pass=0 failures=0 xfail=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# Lines with data: what a scored output should hold per input row.
data_lines() {
    grep -c -v '^[[:space:]]*$' "$1" || true
}

while IFS=$'\t' read -r file command want_exit want_msg open; do
    [[ -z $file || $file == \#* ]] && continue
    [[ -n $only && $file != *"$only"* ]] && continue
    [[ -e $file ]] || {
        fail "$file: no such file in the corpus"
        continue
    }
    out=$tmp/out/result
    rm -rf "$tmp/out"
    mkdir -p "$tmp/out"
    args=${command//\{\}/$file}
    args=${args//\{out\}/$out}
    args=${args//\{model\}/$tmp/model.json}
    read -r -a argv <<<"$args"
    status=0
    timeout -k 5 "$limit" "$LEADSCORE" "${argv[@]}" >"$tmp/stdout" 2>"$tmp/stderr" || status=$?
    label="$file [${argv[0]}]"
    problems=()
    # Crashes, hangs and sanitizer reports fail whatever the case expects.
    if [[ $status -eq 124 || $status -eq 137 ]]; then
        fail "$label: no answer within ${limit}s (hang?)"
        continue
    fi
    if [[ $status -ge 128 ]]; then
        fail "$label: killed by signal $((status - 128)): $(head -c 300 "$tmp/stderr")"
        continue
    fi
    if grep -qE 'Sanitizer|runtime error:|Invalid read|Invalid write' "$tmp/stderr"; then
        fail "$label: sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error:' "$tmp/stderr")"
        continue
    fi
    [[ $status -eq $want_exit ]] || problems+=("exit status $status, expected $want_exit")
    if [[ $want_msg != - ]]; then
        hay=$tmp/stderr
        if [[ $want_exit -eq 0 ]]; then
            cat "$tmp/stdout" "$tmp/stderr" >"$tmp/both"
            hay=$tmp/both
        fi
        grep -qF -- "$want_msg" "$hay" || problems+=("message '$want_msg' not found in: $(head -c 300 "$tmp/stderr")")
    fi
    leftovers=$(find "$tmp/out" -mindepth 1 ! -path "$out" | head -n 3)
    [[ -z $leftovers ]] || problems+=("left a temporary file: $leftovers")
    if [[ $status -ne 0 ]]; then
        [[ ! -e $out ]] || problems+=("failed but wrote $out")
    elif [[ $args == *"$out"* ]]; then
        [[ -s $out ]] || problems+=("succeeded but wrote no output")
        if [[ ${argv[0]} == score && -s $out ]]; then
            # Every lead is scored: one output row per input row.
            input=$file
            [[ $args == *"--data base.csv"* ]] && input=base.csv
            [[ $(data_lines "$out") -eq $(data_lines "$input") ]] ||
                problems+=("scored $(($(data_lines "$out") - 1)) rows of $(($(data_lines "$input") - 1))")
        fi
    fi
    if [[ -n ${open:-} ]]; then
        if [[ ${#problems[@]} -eq 0 ]]; then
            fail "$label: passes now: remove the open note '$open' from expected.tsv"
        else
            echo "XFAIL: $label: $open (${problems[0]})"
            xfail=$((xfail + 1))
        fi
        continue
    fi
    if [[ ${#problems[@]} -gt 0 ]]; then
        fail "$label: $(printf '%s; ' "${problems[@]}")"
    else
        pass=$((pass + 1))
    fi
done <expected.tsv

echo "bad inputs: $pass passed, $xfail open findings (XFAIL), $failures failed"
[[ $failures -eq 0 ]]
