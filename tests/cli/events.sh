#!/usr/bin/env bash
# Product usage from the command line: synth-events → features (as of each
# lead's label date) → train → score; decay; and watch, whose final line per
# lead must equal batch scoring at the same instant.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
source "$LS_SOURCE_DIR/tests/support/cli.bash"

# Runs the command, keeping its exit status in rc and stderr in $tmp/err.

# --- synth-events: files, determinism, usage errors ---------------------------
run "$LEADSCORE" synth-events --leads 3000 --seed 5 --out-leads "$tmp/leads.csv" \
    --out-events "$tmp/events.csv" --truth "$tmp/truth.csv" --spec "$tmp/spec.ini"
expect_rc 0 "synth-events"
[ "$(head -n 1 "$tmp/leads.csv")" = "lead_id,segment,label_date,converted" ] || fail "leads header"
[ "$(head -n 1 "$tmp/events.csv")" = "lead_id,event,timestamp,value" ] || fail "events header"
[ "$(wc -l <"$tmp/leads.csv")" -eq 3001 ] || fail "expected 3001 lines in leads.csv"
grep -q '^pricing_decay:half_life_days,7$' "$tmp/truth.csv" || fail "truth lacks the half-life"
grep -q '^half_life = 7d$' "$tmp/spec.ini" || fail "spec lacks the half-life"
grep -q ',purchase,' "$tmp/events.csv" || fail "no purchases (the leak bait) in the events"
"$LEADSCORE" synth-events --leads 3000 --seed 5 --out-leads "$tmp/l2.csv" --out-events "$tmp/e2.csv"
cmp -s "$tmp/leads.csv" "$tmp/l2.csv" && cmp -s "$tmp/events.csv" "$tmp/e2.csv" ||
    fail "the same seed gave different files"
run "$LEADSCORE" synth-events --leads 0 --out-leads "$tmp/x.csv" --out-events "$tmp/y.csv"
expect_rc 2 "--leads 0"
run "$LEADSCORE" synth-events --leads 10 --out-leads "$tmp/x.csv"
expect_rc 2 "no --out-events"
[ ! -e "$tmp/x.csv" ] || fail "a usage error wrote a file"

# --- features as of each lead's label date → train → score --------------------
run "$LEADSCORE" features --leads "$tmp/leads.csv" --events "$tmp/events.csv" \
    --criteria "$tmp/spec.ini" --label-date label_date --out "$tmp/train.csv"
expect_rc 0 "features --label-date"
[ "$(head -n 1 "$tmp/train.csv")" = \
    "lead_id,segment,label_date,converted,pricing_decay,sessions_30d,adopted,email_opens_30d,minutes_30d,last_seen" ] ||
    fail "features header: $(head -n 1 "$tmp/train.csv")"
[ "$(wc -l <"$tmp/train.csv")" -eq 3001 ] || fail "features: one row per lead"
grep -q "at or after their lead's snapshot (left out)" "$tmp/err" || fail "features summary"
after=$(sed -n 's/.* \([0-9][0-9]*\) at or after.*/\1/p' "$tmp/err")
[ "$after" -gt 0 ] || fail "no event was left out as after its label date"
# The spec's label_date is the default snapshot: the same file.
run "$LEADSCORE" features -l "$tmp/leads.csv" -e "$tmp/events.csv" -c "$tmp/spec.ini" \
    -o "$tmp/train2.csv" --quiet
expect_rc 0 "features with the spec's label_date"
cmp -s "$tmp/train.csv" "$tmp/train2.csv" || fail "--label-date and the spec's label_date differ"
[ ! -s "$tmp/err" ] || fail "--quiet printed something"

run "$LEADSCORE" train --data "$tmp/train.csv" --criteria "$tmp/spec.ini" --model "$tmp/model.json"
expect_rc 0 "train on the derived features"
run "$LEADSCORE" score --model "$tmp/model.json" --data "$tmp/train.csv" --out "$tmp/scored.csv"
expect_rc 0 "score the training leads"
[ "$(wc -l <"$tmp/scored.csv")" -eq 3001 ] || fail "score: one row per lead"

# --- errors: exit codes and placed messages ------------------------------------
printf 'lead_id,event,timestamp\nE0000001,session,2024-03-10T10:00:00Z\nE0000001,session,2024-02-30\n' \
    >"$tmp/bad.csv"
run "$LEADSCORE" features -l "$tmp/leads.csv" -e "$tmp/bad.csv" -c "$tmp/spec.ini" \
    -o "$tmp/never.csv"
expect_rc 1 "a bad timestamp"
grep -q "^leadscore: $tmp/bad.csv:3:3: column 'timestamp': '2024-02-30' is not an ISO-8601 timestamp: no such day in that month$" \
    "$tmp/err" || fail "bad timestamp message: $(cat "$tmp/err")"
[ ! -e "$tmp/never.csv" ] || fail "a failed run left its output"
run "$LEADSCORE" features -l "$tmp/leads.csv" -e "$tmp/events.csv" -c "$tmp/spec.ini" \
    --as-of yesterday -o "$tmp/never.csv"
expect_rc 2 "--as-of yesterday"
grep -q "^leadscore features: --as-of: 'yesterday' is not an ISO-8601 timestamp" "$tmp/err" ||
    fail "--as-of message"
run "$LEADSCORE" features -l "$tmp/leads.csv" -e "$tmp/events.csv" -o "$tmp/never.csv"
expect_rc 2 "no --criteria"
printf '[feature]\nname = x\nkind = decayed_count\n' >"$tmp/badspec.ini"
run "$LEADSCORE" features -l "$tmp/leads.csv" -e "$tmp/events.csv" -c "$tmp/badspec.ini" \
    --as-of 2025-01-01 -o "$tmp/never.csv"
expect_rc 1 "a decayed feature without a half-life"
grep -q "badspec.ini:1: feature 'x': decayed_count needs half_life or lifespan" "$tmp/err" ||
    fail "spec error message: $(cat "$tmp/err")"
run "$LEADSCORE" features --help
expect_rc 0 "features --help"
grep -q "^usage: leadscore features" "$tmp/out" || fail "features --help"

# --- decay: the profile finds the true half-life -------------------------------
run "$LEADSCORE" decay -l "$tmp/leads.csv" -e "$tmp/events.csv" -c "$tmp/spec.ini" \
    --target converted --grid 2d,3d,4d,5d,6d,7d,8d,10d,14d,21d,30d
expect_rc 0 "decay"
grep -q "^decay of 'pricing_decay' (exponential half-life), 3000 leads" "$tmp/out" ||
    fail "decay header: $(head -n 2 "$tmp/out")"
best=$(sed -n 's/^best half-life: \([0-9.]*\) days.*/\1/p' "$tmp/out")
interval=$(sed -n 's/.*interval \([0-9.e+]*\) to \([0-9.e+]*\) days).*/\1 \2/p' "$tmp/out")
[ -n "$best" ] && [ -n "$interval" ] || fail "decay output: $(cat "$tmp/out")"
awk -v b="$best" -v i="$interval" 'BEGIN { split(i, a, " ");
    exit !(b >= 4 && b <= 10 && a[1] <= 7 && 7 <= a[2]) }' ||
    fail "decay: best $best, interval $interval should hold 7"
run "$LEADSCORE" decay -l "$tmp/leads.csv" -e "$tmp/events.csv" -c "$tmp/spec.ini" \
    --target converted --feature sessions_30d
expect_rc 2 "decay of a feature that does not decay"
grep -q "does not decay" "$tmp/err" || fail "decay error message"

# --- watch: final lines equal batch re-scoring at the same instant -------------
check_parity() { # watch output (CSV), batch scores → fails unless equal per lead
    awk -F, 'NR == FNR { if (FNR > 1) { s[$2] = $3; t[$2] = $5; p[$2] = $7 } next }
        FNR == 1 { next }
        { n++
          if (!($1 in s)) { print "no watch line for " $1; bad++; next }
          if (s[$1] != $2 || t[$1] != $4) { print $1 ": watch " s[$1] "/" t[$1] ", batch " $2 "/" $4; bad++ }
          d = s[$1] == "" ? 0 : p[$1] - $3; if (d < 0) d = -d
          if (d > 1e-6) { print $1 ": probability " p[$1] " vs " $3; bad++ } }
        END { if (n == 0) { print "no leads"; exit 1 } exit bad > 0 }' "$1" "$2"
}

batch_at() { # as-of → $tmp/batch.csv
    "$LEADSCORE" features -l "$tmp/leads.csv" -e "$tmp/events.csv" -c "$tmp/spec.ini" \
        --as-of "$1" -o "$tmp/now.csv" --quiet
    "$LEADSCORE" score --model "$tmp/model.json" --data "$tmp/now.csv" --out "$tmp/batch.csv" 2>/dev/null
}

# The events file as it is: not in time order (late events must count).
run "$LEADSCORE" watch --model "$tmp/model.json" --leads "$tmp/leads.csv" \
    --criteria "$tmp/spec.ini" --initial --on all <"$tmp/events.csv"
expect_rc 0 "watch"
cp "$tmp/out" "$tmp/watch.csv"
[ "$(head -n 1 "$tmp/watch.csv")" = "time,lead_id,score,previous_score,tier,previous_tier,probability,cause" ] ||
    fail "watch header"
as_of=$(sed -n 's/.*final scores are as of \(.*\)$/\1/p' "$tmp/err")
[ -n "$as_of" ] || fail "watch did not say as of when: $(cat "$tmp/err")"
grep -q ',initial$' "$tmp/watch.csv" && grep -q ',event$' "$tmp/watch.csv" &&
    grep -q ',final$' "$tmp/watch.csv" || fail "watch: missing initial, event or final lines"
batch_at "$as_of"
check_parity "$tmp/watch.csv" "$tmp/batch.csv" || fail "watch (unsorted input) differs from batch at $as_of"

# Default mode: only changes; each lead's last line (or its initial one) still
# equals batch. A time-ordered stream with daily sweeps, in JSON lines.
sort -t, -k3,3 "$tmp/events.csv" | grep -v '+\|-[0-9][0-9][0-9][0-9]$\|-[0-9][0-9]:[0-9][0-9]$' \
    >"$tmp/z.csv" || true
{ echo "lead_id,event,timestamp,value"; grep -v '^lead_id' "$tmp/z.csv"; } >"$tmp/sorted.csv"
run "$LEADSCORE" watch -m "$tmp/model.json" -l "$tmp/leads.csv" -c "$tmp/spec.ini" \
    --initial --sweep 1d -e "$tmp/sorted.csv"
expect_rc 0 "watch --sweep 1d"
cp "$tmp/out" "$tmp/watch_sorted.csv"
grep -q ',sweep$' "$tmp/watch_sorted.csv" || fail "no sweep lines"
as_of=$(sed -n 's/.*final scores are as of \(.*\)$/\1/p' "$tmp/err")
cp "$tmp/events.csv" "$tmp/events_all.csv"
cp "$tmp/sorted.csv" "$tmp/events.csv"
batch_at "$as_of"
cp "$tmp/events_all.csv" "$tmp/events.csv"
# Without --on all the probability of a last line may predate later drift: compare score and tier.
awk -F, 'BEGIN { OFS = "," } { $7 = "" } 1' "$tmp/watch_sorted.csv" >"$tmp/w_noprob.csv"
awk -F, 'BEGIN { OFS = "," } { $3 = "" } 1' "$tmp/batch.csv" >"$tmp/b_noprob.csv"
check_parity "$tmp/w_noprob.csv" "$tmp/b_noprob.csv" || fail "watch (sorted, sweeps) differs from batch"

run "$LEADSCORE" watch -m "$tmp/model.json" -l "$tmp/leads.csv" -c "$tmp/spec.ini" --format jsonl \
    --on tier -e "$tmp/sorted.csv"
expect_rc 0 "watch --format jsonl --on tier"
head -n 1 "$tmp/out" | grep -q '^{"time":"20[0-9-]*T[0-9:]*Z","lead_id":"E[0-9]*","score":-\?[0-9]*,"previous_score":-\?[0-9]*,"tier":"[a-z]*","previous_tier":"[a-z]*","probability":[0-9.]*,"cause":"[a-z]*"}$' ||
    fail "jsonl line: $(head -n 1 "$tmp/out")"
awk '/"previous_tier"/ { split($0, a, "\"tier\":\""); split(a[2], t, "\"");
    split($0, b, "\"previous_tier\":\""); split(b[2], p, "\""); if (t[1] == p[1]) bad++ }
    END { exit bad > 0 }' "$tmp/out" || fail "--on tier wrote a line without a tier change"

# Live: a line comes out as soon as its event is in, before the input ends.
mkfifo "$tmp/fifo"
"$LEADSCORE" watch -m "$tmp/model.json" -l "$tmp/leads.csv" -c "$tmp/spec.ini" --on all \
    -e "$tmp/fifo" >"$tmp/live.csv" 2>"$tmp/live.err" &
pid=$!
exec 3>"$tmp/fifo"
printf 'lead_id,event,timestamp,value\nE0000001,pricing_view,2024-06-01T10:00:00Z,\n' >&3
for _ in $(seq 50); do
    grep -q '^2024-06-01T10:00:00Z,E0000001,' "$tmp/live.csv" 2>/dev/null && break
    sleep 0.1
done
grep -q '^2024-06-01T10:00:00Z,E0000001,' "$tmp/live.csv" || fail "watch held its line back"
exec 3>&-
wait "$pid" || fail "live watch exited with an error: $(cat "$tmp/live.err")"
grep -q ',final$' "$tmp/live.csv" || fail "live watch: no final line"

# Blanks around fields and lines of blanks: watch reads what features reads
# (fuzz find: its live reader kept " E0000001 " and refused a line of spaces).
awk -F, 'BEGIN { OFS = " , " } NR == 3 { print "  \t " } { $1 = " " $1 "\t"; print }' \
    "$tmp/sorted.csv" >"$tmp/padded.csv"
run "$LEADSCORE" watch -m "$tmp/model.json" -l "$tmp/leads.csv" -c "$tmp/spec.ini" \
    --initial --sweep 1d -e "$tmp/padded.csv"
expect_rc 0 "watch, blanks around fields"
cmp -s "$tmp/out" "$tmp/watch_sorted.csv" || fail "watch read blanks around fields differently"

# Instants outside 0000-01-01..9999-12-31 (UTC) are refused at their place
# (fuzz find: 0000-01-01T00:30+01:00 was read as an instant in year -1).
printf 'lead_id,event,timestamp,value\nE0000001,pricing_view,0000-01-01T00:30+01:00,\n' >"$tmp/y0.csv"
run "$LEADSCORE" features -l "$tmp/leads.csv" -e "$tmp/y0.csv" -c "$tmp/spec.ini" \
    --as-of 2024-06-01 -o "$tmp/y0_out.csv"
expect_rc 1 "features, a timestamp before year 0"
grep -q "y0.csv:2:3: column 'timestamp': .*outside the supported range" "$tmp/err" ||
    fail "features, year -1: $(cat "$tmp/err")"
run "$LEADSCORE" watch -m "$tmp/model.json" -l "$tmp/leads.csv" -c "$tmp/spec.ini" -e "$tmp/y0.csv"
expect_rc 1 "watch, a timestamp before year 0"
grep -q "y0.csv:2:3: column 'timestamp': .*outside the supported range" "$tmp/err" ||
    fail "watch, year -1: $(cat "$tmp/err")"

# Usage errors.
run "$LEADSCORE" watch --leads "$tmp/leads.csv" --criteria "$tmp/spec.ini"
expect_rc 2 "watch without --model"
run "$LEADSCORE" watch -m "$tmp/model.json" -l "$tmp/leads.csv" -c "$tmp/spec.ini" --on never
expect_rc 2 "watch --on never"
printf 'lead_id,segment\nE1,smb\nE1,mid\n' >"$tmp/dup.csv"
run "$LEADSCORE" watch -m "$tmp/model.json" -l "$tmp/dup.csv" -c "$tmp/spec.ini" </dev/null
expect_rc 1 "watch with a repeated lead id"
grep -q "dup.csv:3:1: column 'lead_id': lead id 'E1' appears again (first on line 2)" "$tmp/err" ||
    fail "duplicate id message: $(cat "$tmp/err")"

echo "events CLI: all checks passed"
