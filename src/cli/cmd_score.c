/* leadscore score — batch scoring of a lead file with a learned or
 * hand-written points model.
 *
 * Streams: one record at a time from the CSV reader, scored by the library's
 * scorer (which caches each criterion's outcome per value), written through
 * one large output buffer; nothing is allocated per row, so memory stays flat
 * however many leads come in. The output file appears only when every row was
 * scored (or skipped with --on-error skip): on any error it is never created
 * and a file already under that name is left as it was.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "leadscore/csv.h"
#include "leadscore/model.h"
#include "leadscore/output.h"
#include "leadscore/scorer.h"

#define MAX_IDS 32
#define MAX_MISSING 64
#define OUT_BUFFER (1u << 20)
#define BATCH_ROWS 4096 /* rows handed from the scoring thread to the writing one */
#define N_BATCHES 3     /* in flight at most: memory stays flat */

static const char usage_text[] =
    "usage: leadscore score --model MODEL --data FILE [--out FILE] [--id COL]...\n"
    "                       [--reasons K] [--on-error stop|skip] [--separator C]\n"
    "                       [--missing TOKENS]\n"
    "\n"
    "Scores every lead in FILE with MODEL (a model JSON from 'train' or a\n"
    "hand-written points table) and writes CSV: the ID column(s), score (integer\n"
    "points), probability (learned models and integer cards; empty for hand-written\n"
    "points), tier and reasons, the criteria that gave the most points, e.g.\n"
    "'Signed up for free trial +20; Visited pricing page +15'.\n"
    "\n"
    "  -m, --model MODEL      model JSON or points table CSV\n"
    "  -d, --data FILE        leads CSV ('-' for standard input)\n"
    "  -o, --out FILE         scored CSV ('-' for standard output, the default)\n"
    "  -i, --id COL           an ID column to copy (repeat for several); default:\n"
    "                         the model's ID columns found in the data, else the\n"
    "                         first column named like an ID ('Prospect ID',\n"
    "                         'lead_id', 'leadId'), else the input line number\n"
    "                         as 'line'\n"
    "  -k, --reasons K        reasons per lead, 0..16 (default 3)\n"
    "      --on-error MODE    stop (default): a row that cannot be scored (text in\n"
    "                         a numeric criterion...) stops the run with exit 1 and\n"
    "                         no output file; skip: leave such rows out, count them\n"
    "                         and report the first on standard error\n"
    "      --separator C      input separator (default: detected among , ; tab |)\n"
    "      --missing TOKENS   comma-separated values that mean missing, replacing\n"
    "                         the model's (the empty value always does)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Values the model has not seen are scored as the model says (reference or\n"
    "'other') and counted in one line on standard error. A hand-written rule that\n"
    "matched none of 100 or more leads is named in a warning (a typo such as 'yse'\n"
    "would otherwise score 0 in silence). Exit status: 0 when the output was\n"
    "written, 1 on an error, 2 on a usage error.\n";

/* ---- buffered CSV output --------------------------------------------------- */

typedef struct {
    FILE *fp;
    char *buf;
    size_t len;
    int failed;
} outbuf;

static void ob_flush(outbuf *ob)
{
    if (ob->len && fwrite(ob->buf, 1, ob->len, ob->fp) != ob->len)
        ob->failed = 1;
    ob->len = 0;
}

static void ob_put(outbuf *ob, const char *s, size_t n)
{
    if (ob->len + n > OUT_BUFFER) {
        ob_flush(ob);
        if (n > OUT_BUFFER) {
            if (fwrite(s, 1, n, ob->fp) != n)
                ob->failed = 1;
            return;
        }
    }
    memcpy(ob->buf + ob->len, s, n);
    ob->len += n;
}

static void ob_char(outbuf *ob, char c)
{
    if (ob->len == OUT_BUFFER)
        ob_flush(ob);
    ob->buf[ob->len++] = c;
}

/* 1 if s holds a comma, a quote or a line break; 8 bytes at a time (a byte
 * equal to c makes a zero byte in v ^ c, which the usual test finds). */
static int needs_quotes(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v, hit = 0;
        memcpy(&v, s + i, 8);
        static const char special[4] = {',', '"', '\n', '\r'};
        for (int k = 0; k < 4; k++) {
            uint64_t x = v ^ (ones * (unsigned char)special[k]);
            hit |= (x - ones) & ~x & highs;
        }
        if (hit)
            return 1;
    }
    for (; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            return 1;
    return 0;
}

/* A CSV field, quoted when it holds a comma, a quote or a line break. */
static void ob_field(outbuf *ob, const char *s, size_t n)
{
    size_t i;
    if (!needs_quotes(s, n)) {
        ob_put(ob, s, n);
        return;
    }
    ob_char(ob, '"');
    size_t start = 0;
    for (i = 0; i < n; i++)
        if (s[i] == '"') {
            ob_put(ob, s + start, i + 1 - start);
            ob_char(ob, '"');
            start = i + 1;
        }
    ob_put(ob, s + start, n - start);
    ob_char(ob, '"');
}

static void ob_str(outbuf *ob, const char *s)
{
    ob_field(ob, s, strlen(s));
}

/* Writes a whole number without printf (the hot loop writes one per lead). */
static size_t format_whole(char *out, double v, int plus)
{
    char tmp[32];
    if (!(fabs(v) < 1e15) || floor(v) != v)
        return (size_t)snprintf(out, 32, plus ? "%+.17g" : "%.17g", v);
    long long x = (long long)v;
    int neg = x < 0;
    unsigned long long u = neg ? 0ULL - (unsigned long long)x : (unsigned long long)x;
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    else if (plus)
        out[k++] = '+';
    while (n)
        out[k++] = tmp[--n];
    out[k] = '\0';
    return k;
}

/* ---- options --------------------------------------------------------------- */

typedef struct {
    const char *model, *data, *out;
    const char *ids[MAX_IDS];
    size_t n_ids;
    size_t reasons;
    int skip;
    char separator;
    char *missing; /* copy of --missing, split in place */
    const char *tokens[MAX_MISSING];
    size_t n_tokens;
    int have_missing;
} score_options;

static int parse_separator(const char *s, char *out)
{
    if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0) {
        *out = '\t';
        return 1;
    }
    if (strlen(s) != 1 || s[0] == '"' || s[0] == '\n' || s[0] == '\r')
        return 0;
    *out = s[0];
    return 1;
}

static int split_tokens(score_options *o, const char *text)
{
    o->missing = strdup(text);
    if (!o->missing)
        return 0;
    o->have_missing = 1;
    for (char *p = o->missing; p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p) {
            if (o->n_tokens == MAX_MISSING)
                return 0;
            o->tokens[o->n_tokens++] = p;
        }
        p = comma ? comma + 1 : NULL;
    }
    return 1;
}

static int parse_options(int argc, char **argv, score_options *o)
{
    static const struct option options[] = {
        {"model", required_argument, NULL, 'm'},
        {"data", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"id", required_argument, NULL, 'i'},
        {"reasons", required_argument, NULL, 'k'},
        {"on-error", required_argument, NULL, 'E'},
        {"separator", required_argument, NULL, 'S'},
        {"missing", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    o->out = "-";
    o->reasons = 3;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":m:d:o:i:k:h", options, NULL)) != -1) {
        switch (c) {
        case 'm':
            o->model = optarg;
            break;
        case 'd':
            o->data = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'i':
            if (o->n_ids == MAX_IDS)
                return cli_usage_error("score", "at most %d --id columns", MAX_IDS);
            o->ids[o->n_ids++] = optarg;
            break;
        case 'k':
            if (!cli_parse_size("score", "--reasons", optarg, &o->reasons))
                return LS_EXIT_USAGE;
            if (o->reasons > LS_MAX_REASONS)
                return cli_usage_error("score", "--reasons is at most %d", LS_MAX_REASONS);
            break;
        case 'E':
            if (strcmp(optarg, "stop") != 0 && strcmp(optarg, "skip") != 0)
                return cli_usage_error("score", "--on-error is 'stop' or 'skip', not '%s'", optarg);
            o->skip = strcmp(optarg, "skip") == 0;
            break;
        case 'S':
            if (!parse_separator(optarg, &o->separator))
                return cli_usage_error("score",
                                       "--separator expects one character or 'tab', "
                                       "not '%s'",
                                       optarg);
            break;
        case 'M':
            free(o->missing);
            o->missing = NULL;
            o->n_tokens = 0;
            if (!split_tokens(o, optarg))
                return cli_usage_error("score", "--missing takes at most %d tokens", MAX_MISSING);
            break;
        case 'h':
            fputs(usage_text, stdout);
            return -1;
        case ':':
            return cli_usage_error("score", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("score", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("score", "unexpected argument '%s'", argv[optind]);
    if (!o->model)
        return cli_usage_error("score", "--model is required");
    if (!o->data)
        return cli_usage_error("score", "--data is required");
    if (ls_same_file(o->out, o->data))
        return cli_usage_error("score", "--out '%s' is the input data; refusing to overwrite it",
                               o->out);
    if (ls_same_file(o->out, o->model))
        return cli_usage_error("score", "--out '%s' is the model; refusing to overwrite it",
                               o->out);
    return 0;
}

/* ---- the run --------------------------------------------------------------- */

/* Places a scoring error at the current record of the reader. */
static void place_error(ls_error *err, const ls_csv_reader *r)
{
    snprintf(err->file, sizeof err->file, "%s", ls_csv_name(r));
    err->line = ls_csv_line(r);
}

static void write_header(outbuf *ob, const ls_csv_reader *r, const size_t *ids, size_t n_ids)
{
    for (size_t i = 0; i < n_ids; i++) {
        ob_str(ob, ls_csv_column_name(r, ids[i]));
        ob_char(ob, ',');
    }
    if (n_ids == 0)
        ob_put(ob, "line,", 5);
    static const char rest[] = "score,probability,tier,reasons\n";
    ob_put(ob, rest, sizeof rest - 1);
}

/* ---- batches between the scoring and the writing thread ------------------- */

/* What the writer needs of one scored lead: its IDs are copied (the reader's
 * fields are gone by the time it is written), reason labels are the scorer's
 * and live as long as it does. */
typedef struct {
    double score, probability;
    const char *tier;
    size_t line;
    size_t first_reason, n_reasons;
    size_t first_id; /* into the batch's id_off / id_len */
} row_rec;

typedef struct {
    row_rec *rows;
    size_t n;
    ls_reason *reasons;
    size_t n_reasons;
    size_t *id_off, *id_len; /* BATCH_ROWS * n_ids */
    char *bytes;             /* ID values */
    size_t bytes_len, bytes_cap;
} batch;

typedef struct {
    outbuf *ob;
    size_t n_ids;
    int learned;
    char *scratch;
    size_t scratch_size;

    /* two threads: the scorer hands full batches over, the writer returns
     * them empty */
    int threaded;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *full[N_BATCHES], *empty[N_BATCHES];
    size_t n_full, full_head, n_empty;
    int done;         /* no more batches will come */
    int write_failed; /* the writer gave up: the scorer may stop early */
} pipeline;

static void write_row(const pipeline *pl, const batch *b, const row_rec *r)
{
    outbuf *ob = pl->ob;
    char num[40];
    for (size_t i = 0; i < pl->n_ids; i++) {
        ob_field(ob, b->bytes + b->id_off[r->first_id + i], b->id_len[r->first_id + i]);
        ob_char(ob, ',');
    }
    if (pl->n_ids == 0) {
        ob_put(ob, num, format_whole(num, (double)r->line, 0));
        ob_char(ob, ',');
    }
    ob_put(ob, num, format_whole(num, r->score, 0));
    ob_char(ob, ',');
    if (pl->learned || !isnan(r->probability)) /* integer cards carry probabilities too */
        ob_put(ob, num, ls_format_probability(r->probability, num));
    ob_char(ob, ',');
    if (r->tier)
        ob_str(ob, r->tier);
    ob_char(ob, ',');
    /* reasons: "label +20; label -5" */
    char *scratch = pl->scratch;
    size_t n = 0;
    for (size_t k = 0; k < r->n_reasons; k++) {
        const ls_reason *rs = &b->reasons[r->first_reason + k];
        size_t ll = strlen(rs->label);
        if (n + ll + 40 > pl->scratch_size)
            break;
        if (k) {
            scratch[n++] = ';';
            scratch[n++] = ' ';
        }
        memcpy(scratch + n, rs->label, ll);
        n += ll;
        scratch[n++] = ' ';
        n += format_whole(scratch + n, rs->points, 1);
    }
    ob_field(ob, scratch, n);
    ob_char(ob, '\n');
}

static void write_batch(const pipeline *pl, const batch *b)
{
    for (size_t i = 0; i < b->n && !pl->ob->failed; i++)
        write_row(pl, b, &b->rows[i]);
}

static batch *batch_new(size_t n_ids, size_t max_reasons)
{
    batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    size_t ni = n_ids ? n_ids : 1, nr = max_reasons ? max_reasons : 1;
    b->rows = malloc(BATCH_ROWS * sizeof *b->rows);
    b->reasons = malloc(BATCH_ROWS * nr * sizeof *b->reasons);
    b->id_off = malloc(BATCH_ROWS * ni * sizeof *b->id_off);
    b->id_len = malloc(BATCH_ROWS * ni * sizeof *b->id_len);
    b->bytes_cap = 64 * 1024;
    b->bytes = malloc(b->bytes_cap);
    if (!b->rows || !b->reasons || !b->id_off || !b->id_len || !b->bytes) {
        free(b->rows);
        free(b->reasons);
        free(b->id_off);
        free(b->id_len);
        free(b->bytes);
        free(b);
        return NULL;
    }
    return b;
}

static void batch_free(batch *b)
{
    if (!b)
        return;
    free(b->rows);
    free(b->reasons);
    free(b->id_off);
    free(b->id_len);
    free(b->bytes);
    free(b);
}

/* Copies one scored lead into b; 0 when out of memory. */
static int batch_add(batch *b, const ls_csv_reader *r, const char *const *fields,
                     const size_t *lens, const size_t *ids, size_t n_ids,
                     const ls_score_result *res)
{
    size_t need = 0;
    for (size_t i = 0; i < n_ids; i++)
        need += lens[ids[i]];
    if (b->bytes_len + need > b->bytes_cap) {
        size_t cap = b->bytes_cap * 2;
        while (cap < b->bytes_len + need)
            cap *= 2;
        char *p = realloc(b->bytes, cap);
        if (!p)
            return 0;
        b->bytes = p;
        b->bytes_cap = cap;
    }
    row_rec *rr = &b->rows[b->n];
    rr->score = res->score;
    rr->probability = res->probability;
    rr->tier = res->tier;
    rr->line = ls_csv_line(r);
    rr->first_reason = b->n_reasons;
    rr->n_reasons = res->n_reasons;
    rr->first_id = b->n * n_ids;
    memcpy(b->reasons + b->n_reasons, res->reasons, res->n_reasons * sizeof *res->reasons);
    b->n_reasons += res->n_reasons;
    for (size_t i = 0; i < n_ids; i++) {
        size_t len = lens[ids[i]];
        memcpy(b->bytes + b->bytes_len, fields[ids[i]], len);
        b->id_off[rr->first_id + i] = b->bytes_len;
        b->id_len[rr->first_id + i] = len;
        b->bytes_len += len;
    }
    b->n++;
    return 1;
}

static void batch_reset(batch *b)
{
    b->n = b->n_reasons = b->bytes_len = 0;
}

static void *writer_main(void *arg)
{
    pipeline *pl = arg;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (pl->n_full == 0 && !pl->done)
            pthread_cond_wait(&pl->cv, &pl->mu);
        if (pl->n_full == 0)
            break;
        batch *b = pl->full[pl->full_head];
        pl->full_head = (pl->full_head + 1) % N_BATCHES;
        pl->n_full--;
        pthread_mutex_unlock(&pl->mu);
        write_batch(pl, b);
        batch_reset(b);
        pthread_mutex_lock(&pl->mu);
        if (pl->ob->failed)
            pl->write_failed = 1;
        pl->empty[pl->n_empty++] = b;
        pthread_cond_broadcast(&pl->cv);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

/* Hands a full batch to the writer (or writes it, with one thread) and
 * returns an empty one to fill; *stop is set once writing failed. */
static batch *hand_over(pipeline *pl, batch *b, int *stop)
{
    if (!pl->threaded) {
        write_batch(pl, b);
        batch_reset(b);
        *stop = pl->ob->failed;
        return b;
    }
    pthread_mutex_lock(&pl->mu);
    pl->full[(pl->full_head + pl->n_full) % N_BATCHES] = b;
    pl->n_full++;
    pthread_cond_broadcast(&pl->cv);
    while (pl->n_empty == 0)
        pthread_cond_wait(&pl->cv, &pl->mu);
    b = pl->empty[--pl->n_empty];
    *stop = pl->write_failed;
    pthread_mutex_unlock(&pl->mu);
    return b;
}

/* Threads for scoring: LEADSCORE_THREADS (as the library reads it) when set,
 * else the online cores; two at most, as the work has two stages. */
static int score_threads(void)
{
    const char *env = getenv("LEADSCORE_THREADS");
    long n = 0;
    if (env && *env) {
        char *end = NULL;
        n = strtol(env, &end, 10);
        if (!end || *end != '\0' || n < 1 || n > 64)
            n = 0;
    }
    if (n == 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 2 ? 2 : 1;
}

int cmd_score(int argc, char **argv)
{
    score_options o = {0};
    int rc = parse_options(argc, argv, &o);
    if (rc != 0) {
        free(o.missing);
        return rc < 0 ? LS_EXIT_OK : rc;
    }

    ls_error err;
    ls_error_clear(&err);
    ls_model *model = NULL;
    ls_csv_reader *reader = NULL;
    ls_scorer *scorer = NULL;
    ls_output *output = NULL;
    const char **columns = NULL;
    outbuf ob = {0};
    char *scratch = NULL;
    size_t scratch_size = 64 * 1024;
    size_t ids[MAX_IDS];
    size_t n_ids = 0, rows = 0, skipped = 0;
    ls_error first_skip;
    ls_error_clear(&first_skip);
    rc = LS_EXIT_FAIL;

    if (ls_model_load(o.model, &model, &err) != LS_OK)
        goto report;
    ls_csv_options copts;
    ls_csv_options_init(&copts);
    copts.separator = o.separator;
    if (ls_csv_open(o.data, &copts, &reader, &err) != LS_OK)
        goto report;
    size_t n_cols = ls_csv_columns(reader);
    columns = calloc(n_cols ? n_cols : 1, sizeof *columns);
    ob.buf = malloc(OUT_BUFFER);
    scratch = malloc(scratch_size);
    if (!columns || !ob.buf || !scratch) {
        cli_errorf("out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_cols; i++)
        columns[i] = ls_csv_column_name(reader, i);
    if (ls_scorer_new(model, columns, n_cols, &scorer, &err) != LS_OK) {
        snprintf(err.file, sizeof err.file, "%s", ls_csv_name(reader));
        goto report;
    }
    ls_scorer_set_max_reasons(scorer, o.reasons);
    if (o.have_missing && ls_scorer_set_missing_tokens(scorer, o.tokens, o.n_tokens, &err) != LS_OK)
        goto report;
    if (o.n_ids) {
        for (size_t i = 0; i < o.n_ids; i++) {
            ids[i] = ls_csv_find_column(reader, o.ids[i]);
            if (ids[i] == (size_t)-1) {
                cli_errorf("%s: the data has no column '%s' (--id)", ls_csv_name(reader), o.ids[i]);
                goto done;
            }
        }
        n_ids = o.n_ids;
    } else {
        n_ids = ls_scorer_id_columns(model, columns, n_cols, ids, MAX_IDS);
    }

    if (ls_output_open(o.out, &output, &err) != LS_OK)
        goto report;
    ob.fp = ls_output_stream(output);
    write_header(&ob, reader, ids, n_ids);
    pipeline pl = {.ob = &ob,
                   .n_ids = n_ids,
                   .learned = ls_model_is_learned(model),
                   .scratch = scratch,
                   .scratch_size = scratch_size};
    for (size_t i = 0; i < N_BATCHES; i++) {
        pl.empty[i] = batch_new(n_ids, o.reasons);
        if (!pl.empty[i]) {
            cli_errorf("out of memory");
            for (size_t k = 0; k < i; k++)
                batch_free(pl.empty[k]);
            goto done;
        }
    }
    pl.n_empty = N_BATCHES;
    pthread_t writer;
    /* Two threads: this one reads and scores, the other formats and writes. */
    if (score_threads() > 1 && pthread_mutex_init(&pl.mu, NULL) == 0) {
        if (pthread_cond_init(&pl.cv, NULL) == 0) {
            pl.threaded = pthread_create(&writer, NULL, writer_main, &pl) == 0;
            if (!pl.threaded)
                pthread_cond_destroy(&pl.cv);
        }
        if (!pl.threaded)
            pthread_mutex_destroy(&pl.mu);
    }
    batch *b = pl.empty[--pl.n_empty];
    int failed = 0; /* 1: err says why; 2: out of memory */
    for (;;) {
        const char *const *fields;
        int has;
        if (ls_csv_next(reader, &fields, &has, &err) != LS_OK) {
            failed = 1;
            break;
        }
        if (!has)
            break;
        const size_t *lens = ls_csv_field_lengths(reader);
        ls_score_result res;
        if (ls_scorer_score_n(scorer, fields, lens, &res, &err) != LS_OK) {
            place_error(&err, reader);
            if (!o.skip || err.code != LS_ERR_PARSE) {
                failed = 1;
                break;
            }
            if (skipped++ == 0)
                first_skip = err;
            continue;
        }
        rows++;
        if (!batch_add(b, reader, fields, lens, ids, n_ids, &res)) {
            failed = 2;
            break;
        }
        if (b->n == BATCH_ROWS) {
            int stop = 0;
            b = hand_over(&pl, b, &stop);
            if (stop)
                break;
        }
    }
    if (!failed && b->n) {
        int stop = 0;
        b = hand_over(&pl, b, &stop);
    }
    if (pl.threaded) {
        pthread_mutex_lock(&pl.mu);
        pl.done = 1;
        pthread_cond_broadcast(&pl.cv);
        pthread_mutex_unlock(&pl.mu);
        pthread_join(writer, NULL);
        pthread_cond_destroy(&pl.cv);
        pthread_mutex_destroy(&pl.mu);
    }
    batch_free(b);
    for (size_t i = 0; i < pl.n_empty; i++)
        if (pl.empty[i] != b)
            batch_free(pl.empty[i]);
    if (failed == 1)
        goto report;
    if (failed == 2) {
        cli_errorf("out of memory");
        goto done;
    }
    ob_flush(&ob);
    if (ob.failed) {
        cli_errorf("cannot write '%s'", o.out);
        goto done;
    }

    size_t n_unseen_cols = 0;
    size_t unseen = ls_scorer_unseen_count(scorer, &n_unseen_cols);
    if (unseen) {
        char summary[2048];
        ls_scorer_unseen_summary(scorer, summary, sizeof summary);
        cli_errorf("note: values with no level or rule of their own in the model, scored as "
                   "its reference or other level: %s",
                   summary);
    }
    /* A small batch may rightly miss a rule; from 100 leads on, a rule that
     * never fires is more likely a typo than a rare lead. */
    size_t unmatched = ls_scorer_rows(scorer) >= 100 ? ls_scorer_unmatched_count(scorer) : 0;
    if (unmatched) {
        char summary[2048];
        ls_scorer_unmatched_summary(scorer, summary, sizeof summary);
        cli_errorf("warning: %zu rule%s matched none of the %zu leads (a typo, or a value "
                   "spelt differently in the data?): %s",
                   unmatched, unmatched == 1 ? "" : "s", ls_scorer_rows(scorer), summary);
    }
    if (skipped) {
        char where[LS_ERROR_MESSAGE_MAX + 2 * LS_ERROR_FILE_MAX + 64];
        cli_errorf("skipped %zu row%s that could not be scored (of %zu); first: %s", skipped,
                   skipped == 1 ? "" : "s", rows + skipped,
                   ls_error_format(&first_skip, where, sizeof where));
    }
    ls_status st = ls_output_commit(output, &err);
    output = NULL;
    if (st != LS_OK)
        goto report;
    rc = LS_EXIT_OK;
    goto done;

report:
    rc = cli_report(&err);
done:
    ls_output_abort(output);
    ls_scorer_free(scorer);
    ls_csv_free(reader);
    ls_model_free(model);
    free(columns);
    free(ob.buf);
    free(scratch);
    free(o.missing);
    return rc;
}
