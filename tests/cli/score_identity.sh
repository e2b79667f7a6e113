#!/usr/bin/env bash
# score's output must not change when its speed does: scored files are
# compared byte for byte (SHA-256) with those of the release before the fast
# paths (CSV records without libcsv, %.17g without printf, plain decimals
# without strtod, parts scored in parallel), with one thread and more, on
# generated leads full of CSV quirks (quoted fields with commas, quotes and
# line breaks, spaces around fields, CRLF, blank lines, unseen and missing
# values, odd numbers like 1e2, -0, 007.50, 17 digits) and on X Education.
# The models are checked in (tests/data/score/), so a change in training
# does not show up here. If the output changes on purpose, update the sums.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
S=$LS_SOURCE_DIR/tests/data/score
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
[ -x "$py" ] || py=python3
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Leads like `leadscore synth` writes, from Python's seeded random() only (its
# sequence is the same in every Python 3), so the file is the same everywhere.
gen() { # ROWS SEED [bad]
    "$py" - "$@" <<'PY'
import random, sys
random.seed(int(sys.argv[2]))
n = int(sys.argv[1])
bad = len(sys.argv) > 3
R = random.random
def pick(xs): return xs[int(R() * len(xs))]
jobs = ["Executive", "Director", "Manager", "Individual Contributor", "Student", "Other", "", "NA", "Ingénieur", 'Director, "Sales"']
inds = ["Software", "Government", "Education", "Healthcare", "Banking, Financial Services and Insurance", 'Consulting "Big Four"', "Retail", "Media, Marketing and Advertising", "Logistics", ""]
srcs = ["Google", "Organic Search", "Olark Chat", "Referral", "Partner", "Facebook", "Direct Traffic", "Welingak Website", "", "TikTok"]
ctry = ["India", "United States", "United Kingdom", "Canada", "Germany", "Brazil", "Singapore", "Other", ""]
yn = ["yes", "no", "Yes", "NO", "true", "0", ""]
theme = ["Dark", "Light", "System", "High Contrast"]
def q(f): return '"' + f.replace('"', '""') + '"' if any(c in f for c in ',"\n') else f
out = ["lead_id,job_title,industry,lead_source,country,company_size,visited_pricing_page,free_trial,webinar,email_opens,product_sessions,features_adopted,minutes_in_app,days_since_signup,newsletter,page_theme,converted"]
for i in range(1, n + 1):
    lid = "L%07d" % i
    if R() < 0.01: lid += "\nnote"
    size = "" if R() < 0.05 else str(int(1 + 3000 * R() ** 3))
    mins = "lots" if bad and R() < 0.002 else "" if R() < 0.05 else ("%.2f" % (120 * R() ** 2)) if R() < 0.9 else pick(["1e2", "-0", "007.50", "12345678901234567.25", " 3.5", "NA", "0.1"])
    f = [lid, pick(jobs), pick(inds), pick(srcs), pick(ctry), size, pick(yn[:6]), pick(yn[:6]), pick(yn[:6]),
         str(int(20 * R() ** 2)), str(int(12 * R() ** 2)), str(int(8 * R())), mins, str(int(1000 * R() ** 2)), pick(yn[:6]), pick(theme), pick(["0", "1"])]
    f = [q(x) for x in f]
    for j in range(len(f)):
        u = R()
        if u < 0.02 and '"' not in f[j]: f[j] = '"' + f[j] + '"'
        elif u < 0.03 and '"' not in f[j]: f[j] = " " + f[j] + " "
    out.append(",".join(f))
    if R() < 0.002: out.append("")
sys.stdout.write("\n".join(out) + "\n")
PY
}

gen 50000 4 >"$work/gen.csv"
gen 20000 5 bad >"$work/bad.csv"
sed 's/$/\r/' "$work/gen.csv" >"$work/crlf.csv"

# check NAME SHA256 ARGS...: the scored output of ARGS, with 1, 2 and 3
# threads (parts of the file scored in parallel), and from standard input;
# what goes to standard error (unseen values, skipped rows) must not change
# with the threads either.
check() {
    local name=$1 want=$2
    shift 2
    for t in 1 2 3 stdin; do
        local rc=0
        if [ "$t" = stdin ]; then
            local args=() a data=
            for a in "$@"; do
                if [ "$data" = next ]; then
                    data=$a
                    a=-
                elif [ "$a" = --data ]; then
                    data=next
                fi
                args+=("$a")
            done
            LEADSCORE_THREADS=2 "$LEADSCORE" score "${args[@]}" <"$data" >"$work/out" 2>"$work/err" || rc=$?
            sed -i "s|<stdin>|$data|g" "$work/err"
        else
            LEADSCORE_THREADS=$t "$LEADSCORE" score "$@" >"$work/out" 2>"$work/err" || rc=$?
        fi
        [ "$rc" = 0 ] || { cat "$work/err" >&2; fail "$name: exit $rc"; }
        local got
        got=$(sha256sum <"$work/out" | cut -d' ' -f1)
        [ "$got" = "$want" ] || fail "$name (LEADSCORE_THREADS=$t): output changed, sha256 $got"
        if [ "$t" = 1 ]; then
            cp "$work/err" "$work/err1"
        else
            cmp -s "$work/err1" "$work/err" || fail "$name ($t): standard error differs: $(diff "$work/err1" "$work/err")"
        fi
    done
}

X=$LS_SOURCE_DIR/datasets/x-education-leads
check synth 53b646cdaf87ecedc41c90fc54594bf96a4bed96764402fbe0a7037898f6bc2f --model "$S/synth-model.json" --data "$work/gen.csv"
check synth-r16-ids 4f25c6a37b21d1cab777314b6e7613d24a9e47181d515e6ca5e9e79306319cd6 --model "$S/synth-model.json" --data "$work/gen.csv" --reasons 16 --id job_title --id lead_id
check synth-r0-missing 2f14626be037e143333676499a05e2fd6201bc5bf818af6dc9fd2b8868e39f6b --model "$S/synth-model.json" --data "$work/gen.csv" --reasons 0 --missing NA,Other
check synth-crlf 1cf16ff2ce0852751608e511d740ab17baa0552836917b99d61a72a26f144e99 --model "$S/synth-model.json" --data "$work/crlf.csv"
check synth-skip eee235f5b7ce390e8ee50127a616c989456b22aa7a20a978275860e5072d81c5 --model "$S/synth-model.json" --data "$work/bad.csv" --on-error skip --reasons 5
grep -q "skipped 27 rows" "$work/err" || fail "skip summary: $(cat "$work/err")"
check x-education 8e9d250d7b4e4a681ff3bc0d96e649eba5b440266becd732568759cb0f2afc9b --model "$S/x-education-model.json" --data "$X/Leads.csv"
check x-education-points a2c9f0daaec212351dcb289e37a8dc77406c80dc0d6485e7992e7391788bbd45 --model "$X/current-points.csv" --data "$X/Leads.csv" --reasons 16
echo "score_identity: OK"
