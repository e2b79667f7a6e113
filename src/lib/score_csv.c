/* Scoring a CSV file on every core: see leadscore/score_csv.h.
 *
 * The calling thread reads the input into parts of about part_bytes, each cut
 * after the last line break outside quotes (quote parity from the part's
 * start, which is a record boundary: in well-formed CSV every quote, "" too,
 * toggles the state). Workers parse each part with a reader of its own
 * (ls_csv_open_part: the same dialect, fast path and exact error places as
 * the file's reader), score it with a scorer of its own and format it into
 * the part's output buffer. The calling thread writes the parts in input
 * order and adds each part's counts to the caller's scorer, so nothing
 * depends on which worker ran what.
 *
 * Line numbers: a part's reader counts from 1 unless the line numbers are
 * output (no ID columns), in which case the reading thread counts line
 * breaks as it cuts. Errors are moved to their file line when their part is
 * reached in order, from the line breaks of the parts before it.
 *
 * Malformed quoting can fool the parity, but only after the first malformed
 * quote, which lies in the part where the parity first goes wrong; that
 * part's reader reports it exactly, and nothing after it is used (an error
 * in the CSV itself always stops the run). A record with no cut within
 * MAX_PART_GROWTH parts' bytes (a runaway quoted field) ends the cutting: the
 * rest of the input is read as one last part, on this thread, flushing its
 * output as it goes.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* memrchr */
#include "leadscore/score_csv.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "csv_internal.h"
#include "error_internal.h"
#include "parallel.h"
#include "score_rows.h"

#define DEFAULT_PART_BYTES (1u << 20)
#define MAX_PART_GROWTH 64     /* no cut within 64 parts' bytes: read the rest in one part */
#define FLUSH_BYTES (1u << 20) /* the last part's output is written this often */
#define MAX_WORKERS 8

void ls_score_csv_options_init(ls_score_csv_options *opts)
{
    memset(opts, 0, sizeof *opts);
}

typedef enum { PART_FREE, PART_READY, PART_BUSY, PART_DONE } part_state;

typedef struct {
    size_t seq; /* position in the input, 0, 1, ... */
    part_state state;
    ls_sbuf in;        /* the part's input bytes */
    size_t first_line; /* the line its reader counts from */
    size_t lines;      /* line breaks in it */
    ls_scorer *scorer;
    ls_sbuf out;
    ls_label_cache labels;
    size_t rows, skipped;
    ls_error first_skip;
    ls_status status;
    ls_error err;
    int write_failed; /* status is an error writing out */
} part;

typedef struct {
    const ls_csv_reader *like;
    const ls_score_csv_options *opts;
    int learned;

    pthread_mutex_t mu;
    pthread_cond_t ready, done;
    part *parts;
    size_t n_parts;
    size_t next_take; /* the part the next idle worker takes */
    int closing;
} engine;

/* ---- one part -------------------------------------------------------------- */

static int write_all(FILE *out, ls_sbuf *b)
{
    int ok = b->len == 0 || fwrite(b->text, 1, b->len, out) == b->len;
    b->len = 0;
    return ok;
}

/* Scores the records of r into p->out (flushed to direct every FLUSH_BYTES
 * when direct is set), counting in p. */
static void score_records(const engine *e, ls_csv_reader *r, ls_scorer *scorer, part *p,
                          FILE *direct)
{
    const ls_score_csv_options *o = e->opts;
    p->rows = p->skipped = 0;
    p->status = LS_OK;
    p->write_failed = 0;
    for (;;) {
        const char *const *fields;
        int has;
        ls_status st = ls_csv_next(r, &fields, &has, &p->err);
        if (st != LS_OK) {
            p->status = st;
            return;
        }
        if (!has)
            return;
        const size_t *lens = ls_csv_field_lengths(r);
        ls_score_result res;
        ls_error why;
        if (ls_scorer_score_n(scorer, fields, lens, &res, &why) != LS_OK) {
            snprintf(why.file, sizeof why.file, "%s", ls_csv_name(r));
            why.line = ls_csv_line(r);
            if (!o->skip_bad_rows || why.code != LS_ERR_PARSE) {
                p->err = why;
                p->status = why.code;
                return;
            }
            if (p->skipped++ == 0)
                p->first_skip = why;
            continue;
        }
        p->rows++;
        ls_score_rows_line(&p->out, &p->labels, fields, lens, o->id_columns, o->n_id_columns,
                           ls_csv_line(r), &res, e->learned);
        if (p->out.failed) {
            p->status = ls_fail(&p->err, LS_ERR_NOMEM, "out of memory");
            return;
        }
        if (direct && p->out.len >= FLUSH_BYTES && !write_all(direct, &p->out)) {
            p->status = ls_fail(&p->err, LS_ERR_IO, "write error: %s", strerror(errno));
            p->write_failed = 1;
            return;
        }
    }
}

static size_t count_lines(const char *s, size_t n)
{
    size_t lines = 0;
    if (n == 0)
        return 0;
    for (const char *e = s + n; (s = memchr(s, '\n', (size_t)(e - s))) != NULL; s++)
        lines++;
    return lines;
}

/* Scores a part's bytes (then rest, when given) on the calling thread. */
static void score_part(const engine *e, part *p, FILE *rest, FILE *direct)
{
    p->out.len = 0;
    p->out.failed = 0;
    p->rows = p->skipped = 0;
    p->write_failed = 0;
    ls_csv_reader *r = NULL;
    p->status = ls_csv_open_part(e->like, p->in.text, p->in.len, rest, p->first_line, &r, &p->err);
    if (p->status == LS_OK)
        score_records(e, r, p->scorer, p, direct);
    ls_csv_free(r);
    p->lines = count_lines(p->in.text, p->in.len);
}

/* ---- workers --------------------------------------------------------------- */

static void *worker_main(void *arg)
{
    engine *e = arg;
    pthread_mutex_lock(&e->mu);
    for (;;) {
        part *p = &e->parts[e->next_take % e->n_parts];
        while (!e->closing && !(p->state == PART_READY && p->seq == e->next_take)) {
            pthread_cond_wait(&e->ready, &e->mu);
            p = &e->parts[e->next_take % e->n_parts];
        }
        if (e->closing)
            break;
        p->state = PART_BUSY;
        e->next_take++;
        pthread_mutex_unlock(&e->mu);
        score_part(e, p, NULL, NULL);
        pthread_mutex_lock(&e->mu);
        p->state = PART_DONE;
        pthread_cond_broadcast(&e->done);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

/* ---- cutting the input ----------------------------------------------------- */

/* Just after the last line break outside quotes in s[0, n), s starting
 * outside quotes; 0 when there is none. */
static size_t last_cut(const char *s, size_t n)
{
    size_t cut = 0;
    int quoted = 0;
    const char *p = s, *e = s + n;
    while (p < e) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        const char *stop = q ? q : e;
        if (!quoted) {
            const char *lf = memrchr(p, '\n', (size_t)(stop - p));
            if (lf)
                cut = (size_t)(lf - s) + 1;
        }
        if (!q)
            break;
        quoted = !quoted;
        p = q + 1;
    }
    return cut;
}

typedef struct {
    FILE *rest;    /* NULL once the input is exhausted */
    ls_sbuf carry; /* read past the last cut: the next part's start */
    size_t part_bytes;
} cutter;

typedef enum { CUT_PART, CUT_LAST, CUT_EMPTY, CUT_NOMEM, CUT_IO } cut_status;

/* Fills p->in with the carried bytes and more input, up to a cut: the last
 * one within part_bytes, or the first after them for a longer record.
 * CUT_LAST: no cut within MAX_PART_GROWTH parts; p->in holds the bytes read
 * so far and the rest of the input is still in c->rest. */
static cut_status next_part(cutter *c, part *p)
{
    p->in.len = 0;
    if (c->carry.len)
        ls_sbuf_add(&p->in, c->carry.text, c->carry.len);
    c->carry.len = 0;
    size_t want = c->part_bytes;
    for (;;) {
        if (!ls_sbuf_reserve(&p->in, want > p->in.len ? want - p->in.len : 0))
            return CUT_NOMEM;
        while (c->rest && p->in.len < want) {
            size_t got = fread(p->in.text + p->in.len, 1, want - p->in.len, c->rest);
            p->in.len += got;
            if (got == 0) {
                if (ferror(c->rest))
                    return CUT_IO;
                c->rest = NULL;
            }
        }
        size_t cut = !c->rest && p->in.len <= want ? p->in.len /* the end of the input */
                                                   : last_cut(p->in.text, want);
        if (cut > 0 || p->in.len == 0) {
            if (p->in.len > cut)
                ls_sbuf_add(&c->carry, p->in.text + cut, p->in.len - cut);
            if (c->carry.failed)
                return CUT_NOMEM;
            p->in.len = cut;
            return cut ? CUT_PART : CUT_EMPTY;
        }
        if (want >= MAX_PART_GROWTH * c->part_bytes)
            return CUT_LAST;
        want *= 2; /* a record longer than a part: read on */
    }
}

/* ---- the run --------------------------------------------------------------- */

typedef struct {
    engine *e;
    ls_scorer *scorer;
    FILE *out;
    ls_score_csv_stats *stats;
    size_t next_line; /* the file line the next part to write begins on */
} writer;

/* Adds a finished part to the output and the counts, in input order. */
static ls_status take_part(writer *w, part *p, ls_error *err)
{
    size_t shift = w->next_line - p->first_line; /* from the part's lines to the file's */
    ls_scorer_absorb(w->scorer, p->scorer);
    if (p->skipped && w->stats->skipped == 0) {
        w->stats->first_skip = p->first_skip;
        w->stats->first_skip.line += shift;
    }
    w->stats->skipped += p->skipped;
    w->stats->rows += p->rows;
    if (p->status != LS_OK) {
        *err = p->err;
        if (err->line)
            err->line += shift;
        w->stats->write_failed = p->write_failed;
        return p->status;
    }
    w->next_line += p->lines;
    if (!write_all(w->out, &p->out)) {
        w->stats->write_failed = 1;
        return ls_fail(err, LS_ERR_IO, "write error: %s", strerror(errno));
    }
    return LS_OK;
}

static void free_parts(engine *e)
{
    for (size_t i = 0; e->parts && i < e->n_parts; i++) {
        ls_sbuf_release(&e->parts[i].in);
        ls_sbuf_release(&e->parts[i].out);
        ls_scorer_free(e->parts[i].scorer);
    }
    free(e->parts);
}

/* The parts in flight: two per worker keep every worker busy while the
 * oldest waits to be written. */
static ls_status run_parallel(engine *e, writer *w, const char *pre, size_t pre_n, FILE *rest,
                              size_t n_workers, ls_error *err)
{
    const ls_score_csv_options *o = e->opts;
    e->n_parts = 2 * n_workers + 1;
    e->parts = calloc(e->n_parts, sizeof *e->parts);
    cutter c = {.rest = rest, .part_bytes = o->part_bytes ? o->part_bytes : DEFAULT_PART_BYTES};
    if (pre_n)
        ls_sbuf_add(&c.carry, pre, pre_n);
    if (!e->parts || c.carry.failed) {
        ls_sbuf_release(&c.carry);
        free(e->parts);
        e->parts = NULL;
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    ls_status st = LS_OK;
    for (size_t i = 0; i < e->n_parts && st == LS_OK; i++)
        st = ls_scorer_clone(w->scorer, &e->parts[i].scorer, err);
    pthread_t threads[MAX_WORKERS];
    size_t started = 0;
    if (st == LS_OK && pthread_mutex_init(&e->mu, NULL) == 0) {
        if (pthread_cond_init(&e->ready, NULL) == 0) {
            if (pthread_cond_init(&e->done, NULL) == 0) {
                while (started < n_workers &&
                       pthread_create(&threads[started], NULL, worker_main, e) == 0)
                    started++;
                if (started == 0)
                    pthread_cond_destroy(&e->done);
            }
            if (started == 0)
                pthread_cond_destroy(&e->ready);
        }
        if (started == 0)
            pthread_mutex_destroy(&e->mu);
    }

    size_t filled = 0, written = 0; /* parts handed out, parts written */
    size_t line = w->next_line;     /* where the next part begins, when counted */
    int input_done = 0;
    part *last = NULL; /* a part with no cut: read to the end here */
    while (st == LS_OK) {
        if (!input_done && filled - written < e->n_parts) {
            part *p = &e->parts[filled % e->n_parts];
            cut_status cs = next_part(&c, p);
            if (cs == CUT_NOMEM || cs == CUT_IO) {
                st = cs == CUT_IO ? ls_fail_at(err, LS_ERR_IO, ls_csv_name(e->like), 0, 0, NULL,
                                               "read error: %s", strerror(errno))
                                  : ls_fail(err, LS_ERR_NOMEM, "out of memory");
                break;
            }
            if (cs == CUT_EMPTY) {
                input_done = 1;
                continue;
            }
            /* line numbers are output: count them here, where the order is known */
            p->first_line = o->n_id_columns == 0 ? line : 1;
            if (o->n_id_columns == 0)
                line += count_lines(p->in.text, p->in.len);
            size_t seq = filled++;
            if (cs == CUT_LAST) {
                last = p;
                input_done = 1;
                continue;
            }
            if (started == 0) { /* no threads: score it here */
                p->seq = seq;
                score_part(e, p, NULL, NULL);
                p->state = PART_DONE;
                continue;
            }
            pthread_mutex_lock(&e->mu);
            p->seq = seq;
            p->state = PART_READY;
            pthread_cond_broadcast(&e->ready);
            pthread_mutex_unlock(&e->mu);
            continue;
        }
        if (written == filled)
            break;
        part *p = &e->parts[written % e->n_parts];
        if (p == last) {
            score_part(e, p, c.rest, w->out);
            st = take_part(w, p, err);
            written++;
            break;
        }
        if (started) {
            pthread_mutex_lock(&e->mu);
            while (p->state != PART_DONE)
                pthread_cond_wait(&e->done, &e->mu);
            pthread_mutex_unlock(&e->mu);
        }
        st = take_part(w, p, err);
        if (started)
            pthread_mutex_lock(&e->mu);
        p->state = PART_FREE;
        if (started)
            pthread_mutex_unlock(&e->mu);
        written++;
    }
    if (started) {
        pthread_mutex_lock(&e->mu);
        e->closing = 1;
        pthread_cond_broadcast(&e->ready);
        pthread_mutex_unlock(&e->mu);
        for (size_t t = 0; t < started; t++)
            pthread_join(threads[t], NULL);
        pthread_cond_destroy(&e->done);
        pthread_cond_destroy(&e->ready);
        pthread_mutex_destroy(&e->mu);
    }
    ls_sbuf_release(&c.carry);
    free_parts(e);
    return st;
}

ls_status ls_score_csv(ls_csv_reader *reader, ls_scorer *scorer, FILE *out,
                       const ls_score_csv_options *opts, ls_score_csv_stats *stats, ls_error *err)
{
    memset(stats, 0, sizeof *stats);
    ls_error_clear(&stats->first_skip);
    engine e = {
        .like = reader, .opts = opts, .learned = ls_model_is_learned(ls_scorer_model(scorer))};
    writer w = {.e = &e, .scorer = scorer, .out = out, .stats = stats};

    ls_sbuf head = {0};
    const char **id_names = malloc((opts->n_id_columns + 1) * sizeof *id_names);
    if (!id_names)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < opts->n_id_columns; i++)
        id_names[i] = ls_csv_column_name(reader, opts->id_columns[i]);
    ls_score_rows_header(&head, id_names, opts->n_id_columns);
    free(id_names);
    int ok = !head.failed && write_all(out, &head);
    ls_sbuf_release(&head);
    if (!ok) {
        stats->write_failed = 1;
        return ls_fail(err, LS_ERR_IO, "write error: %s", strerror(errno));
    }

    size_t n_workers = opts->threads ? opts->threads : ls_parallel_threads();
    if (n_workers > MAX_WORKERS)
        n_workers = MAX_WORKERS;
    const char *pre;
    size_t pre_n, line;
    FILE *rest;
    ls_status st;
    if (n_workers > 1 && ls_csv_buffered(reader, &pre, &pre_n, &rest, &line)) {
        w.next_line = line;
        st = run_parallel(&e, &w, pre, pre_n, rest, n_workers, err);
    } else {
        /* one thread: the reader itself, output flushed as it goes */
        part p = {0};
        score_records(&e, reader, scorer, &p, out);
        st = p.status;
        if (st == LS_OK && !write_all(out, &p.out)) {
            st = ls_fail(&p.err, LS_ERR_IO, "write error: %s", strerror(errno));
            p.write_failed = 1;
        }
        if (st != LS_OK)
            *err = p.err;
        stats->write_failed = p.write_failed;
        stats->rows = p.rows;
        stats->skipped = p.skipped;
        stats->first_skip = p.first_skip;
        ls_sbuf_release(&p.out);
    }
    return st;
}
