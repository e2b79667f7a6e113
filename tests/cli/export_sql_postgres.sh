#!/usr/bin/env bash
# The SQL export scores exactly like `leadscore score`, checked in a real
# PostgreSQL that this test starts itself (initdb + pg_ctl, private socket
# directory, no TCP, stopped on exit).
#
# For both shared datasets (X Education, and UCI online shoppers with a row
# number added as its ID), each dataset CSV is loaded into a table of text
# columns with COPY, the exported SELECT is run as a view, the CLI's scored
# CSV is loaded beside it, and every row must have the same score and tier
# (and, for learned models, probabilities within 1e-12). Models:
#  (a) a hand-written points table per dataset (tests/data/points/), which
#      exercises =, ==, in, ranges (open and closed ends), comparisons,
#      missing, yes, other, any, each (with max and with clip/log1p), base
#      points and tiers;
#  (b) the same tables exported to a points table and re-imported (the
#      round trip must keep every score);
#  (c) a learned model per dataset from `leadscore train` (skipped with a
#      message while the trainer is not implemented), and that model
#      exported as a points table: the CLI scores of the table must equal the
#      SQL of the table, and (in the unit tests) the scores of the model.
# A value the CLI refuses must make the query fail, naming the column.
# PostgreSQL missing is a FAILURE, not a skip: CI installs it.
set -euo pipefail

: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
DATASETS=${LS_DATASETS_DIR:-$LS_SOURCE_DIR/datasets}
POINTS=$LS_SOURCE_DIR/tests/data/points

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

pgbin=${LS_PG_BIN:-}
if [ -z "$pgbin" ]; then
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && pgbin=$d
    done
fi
[ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] && [ -x "$pgbin/pg_ctl" ] ||
    fail "PostgreSQL server (initdb, pg_ctl) not found: install postgresql"
psql=$(command -v psql || true)
[ -n "$psql" ] || psql=$pgbin/psql
[ -x "$psql" ] || fail "psql not found: install postgresql-client"
xedu=$DATASETS/x-education-leads/Leads.csv
uci=$DATASETS/uci-online-shoppers/online_shoppers_intention.csv
[ -r "$xedu" ] && [ -r "$uci" ] || fail "bundled datasets not found under $DATASETS"

work=$(mktemp -d)
chmod 755 "$work"
pgdata=$work/pgdata
sock=$work/sock
pglog=$work/pglog
mkdir -p "$pgdata" "$sock" "$pglog"
# initdb refuses to run as root: run the server as the postgres user then.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || fail "running as root and there is no 'postgres' user"
    chown postgres "$pgdata" "$sock" "$pglog"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi
started=0
cleanup() {
    if [ "$started" = 1 ]; then
        as_pg "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

as_pg "$pgbin/initdb" -D "$pgdata" -A trust -U leadscore --no-sync -E UTF8 --locale=C.UTF-8 \
    >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; fail "initdb failed"; }
as_pg "$pgbin/pg_ctl" -D "$pgdata" -l "$pglog/server.log" -w -t 60 \
    -o "-k $sock -c listen_addresses='' -c fsync=off -c full_page_writes=off" start \
    >/dev/null || { cat "$pglog/server.log" >&2; fail "the PostgreSQL server did not start"; }
started=1

sql() { "$psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U leadscore -d postgres "$@"; }

# load_csv TABLE FILE SEP: a table of text columns named by FILE's header.
load_csv() {
    local table=$1 file=$2 sep=$3 header cols="" name
    header=$(head -n 1 "$file" | tr -d '\r')
    local IFS=$sep
    local n=0
    for name in $header; do
        n=$((n + 1))
        cols+="${cols:+, }\"${name//\"/\"\"}\" text"
    done
    # The X Education header ends with a separator: an unnamed empty column.
    if [ "${header: -1}" = "$sep" ]; then
        cols+=", \"(trailing)\" text"
    fi
    sql -c "DROP TABLE IF EXISTS \"$table\" CASCADE; CREATE TABLE \"$table\" ($cols);"
    sql -c "\\copy \"$table\" FROM '$file' WITH (FORMAT csv, HEADER true, DELIMITER '$sep')"
}

checks=0
# compare LABEL MODEL DATA TABLE IDCOL ROWS [learned]: CLI scores vs the exported SQL.
compare() {
    local label=$1 model=$2 data=$3 table=$4 id=$5 rows=$6
    local out=$work/$label.scored.csv view=$work/$label.sql
    "$LEADSCORE" score --model "$model" --data "$data" --id "$id" --out "$out" 2>"$work/$label.err" ||
        { cat "$work/$label.err" >&2; fail "$label: leadscore score failed"; }
    "$LEADSCORE" export "$model" --format sql --table "$table" --id "$id" --out "$view" ||
        fail "$label: leadscore export --format sql failed"
    local qid="\"${id//\"/\"\"}\""
    sql -c "DROP VIEW IF EXISTS sql_scores; DROP TABLE IF EXISTS cli_scores;" \
        -c "CREATE VIEW sql_scores AS $(cat "$view")" \
        -c "CREATE TABLE cli_scores (id text, score bigint, probability double precision, tier text, reasons text);" \
        -c "\\copy cli_scores FROM '$out' WITH (FORMAT csv, HEADER true)" ||
        fail "$label: the exported SQL did not run in PostgreSQL"
    local result
    result=$(sql -At -F ' ' -c "
        SELECT (SELECT count(*) FROM sql_scores), (SELECT count(*) FROM cli_scores),
               count(*) FILTER (WHERE s.score IS DISTINCT FROM c.score),
               count(*) FILTER (WHERE COALESCE(s.tier, '') IS DISTINCT FROM COALESCE(c.tier, '')),
               count(*) FILTER (WHERE s.$qid IS NULL OR c.id IS NULL),
               max(c.score) - min(c.score), count(DISTINCT c.tier)
        FROM sql_scores s FULL JOIN cli_scores c ON s.$qid = c.id")
    read -r n_sql n_cli bad_score bad_tier unmatched spread tiers <<<"$result"
    [ "$n_sql" = "$rows" ] || fail "$label: SQL scored $n_sql rows, expected $rows"
    [ "$n_cli" = "$rows" ] || fail "$label: CLI scored $n_cli rows, expected $rows"
    [ "$unmatched" = 0 ] || fail "$label: $unmatched rows are not in both outputs"
    if [ "$bad_score" != 0 ] || [ "$bad_tier" != 0 ]; then
        sql -c "SELECT s.$qid, s.score AS sql_score, c.score AS cli_score, s.tier, c.tier
                FROM sql_scores s JOIN cli_scores c ON s.$qid = c.id
                WHERE s.score <> c.score OR s.tier <> c.tier LIMIT 10" >&2
        fail "$label: $bad_score scores and $bad_tier tiers differ between SQL and CLI"
    fi
    # A test that compares constant columns proves nothing: the scores must spread.
    [ "$spread" -ge 20 ] || fail "$label: scores spread over only $spread points"
    [ "$tiers" -ge 2 ] || fail "$label: only $tiers tier(s) used"
    if [ "${7:-}" = learned ]; then
        local bad_p
        bad_p=$(sql -At -c "SELECT count(*) FROM sql_scores s JOIN cli_scores c ON s.$qid = c.id
                            WHERE NOT abs(s.probability - c.probability) <= 1e-12")
        [ "$bad_p" = 0 ] || fail "$label: $bad_p probabilities differ by more than 1e-12"
    fi
    checks=$((checks + 1))
    echo "ok: $label: $rows rows, identical scores and tiers (spread $spread points)"
}

# The UCI file has no ID column: number the rows (same file for both sides).
uci_ids=$work/uci.csv
awk 'NR == 1 { print "rownum;" $0; next } { print NR - 1 ";" $0 }' "$uci" >"$uci_ids"

load_csv xedu "$xedu" ,
load_csv shoppers "$uci_ids" ';'

compare xedu-table "$POINTS/x-education.csv" "$xedu" xedu "Prospect ID" 9240
compare uci-table "$POINTS/online-shoppers.csv" "$uci_ids" shoppers rownum 12330

# (b) points table -> points table: the re-imported model scores the same.
for t in x-education online-shoppers; do
    "$LEADSCORE" export "$POINTS/$t.csv" --format points-csv --out "$work/$t.again.csv" ||
        fail "$t: export --format points-csv failed"
done
compare xedu-table-again "$work/x-education.again.csv" "$xedu" xedu "Prospect ID" 9240
compare uci-table-again "$work/online-shoppers.again.csv" "$uci_ids" shoppers rownum 12330

# A value the CLI refuses makes the query fail, naming the column.
sql -c "CREATE TABLE bad AS SELECT * FROM xedu LIMIT 3; UPDATE bad SET \"TotalVisits\" = 'many';"
"$LEADSCORE" export "$POINTS/x-education.csv" --format sql --table bad --out "$work/bad.sql"
if sql -c "$(cat "$work/bad.sql")" >/dev/null 2>"$work/bad.err"; then
    fail "the SQL scored text in a numeric criterion instead of failing"
fi
grep -q "leadscore: column 'TotalVisits': not a number: many" "$work/bad.err" ||
    { cat "$work/bad.err" >&2; fail "the SQL error does not name the column"; }

# (c) learned models, once `leadscore train` exists: criteria specs with
# log1p, caps, bands, yes/no and integer-coded categoricals (tests/data/points).
learned_done=0
for spec in "xedu|$xedu|xedu|Prospect ID|9240|x-education-train.ini" \
            "uci|$uci_ids|shoppers|rownum|12330|online-shoppers-train.ini"; do
    IFS='|' read -r name data table id rows ini <<<"$spec"
    model=$work/$name.model.json
    if ! "$LEADSCORE" train --data "$data" --criteria "$POINTS/$ini" --l2 1 --model "$model" \
        >"$work/$name.train.out" 2>"$work/$name.train.err"; then
        if grep -q "not implemented" "$work/$name.train.err"; then
            echo "SKIP: learned models: 'leadscore train' is not implemented yet"
            break
        fi
        cat "$work/$name.train.err" >&2
        fail "$name: leadscore train failed"
    fi
    compare "$name-learned" "$model" "$data" "$table" "$id" "$rows" learned
    # The learned model as a points table scores the same in both places.
    "$LEADSCORE" export "$model" --format points-csv --out "$work/$name.learned.csv" ||
        fail "$name: export of the learned model as a points table failed"
    compare "$name-learned-table" "$work/$name.learned.csv" "$data" "$table" "$id" "$rows"
    # ... and the CLI gives the table's leads the model's scores, tiers and
    # reasons (only the probability is not carried).
    cut -d, -f1,2,4- "$work/$name-learned.scored.csv" >"$work/$name.model.cut"
    cut -d, -f1,2,4- "$work/$name-learned-table.scored.csv" >"$work/$name.table.cut"
    cmp -s "$work/$name.model.cut" "$work/$name.table.cut" ||
        fail "$name: the learned model and its points table score differently"
    learned_done=$((learned_done + 1))
done

echo "export_sql_postgres: $checks comparisons passed ($learned_done learned models)"
