/* libFuzzer target: parallel scoring (ls_score_csv) against one thread.
 *
 * ls_score_csv cuts its input into parts at line breaks outside quotes
 * (quote parity) and scores them on worker threads; it promises exactly what
 * one thread gives, whatever the bytes: the status, the output (when LS_OK),
 * the error's code, file, line, column, column index and message, the stats
 * (rows, skipped, first skip, write failure) and the scorer's summaries
 * (rows, unseen values, unmatched rules). Each input is scored with
 * threads = 1 as the reference, then once in parallel with the same options,
 * and any difference aborts (check `score-diff`).
 *
 * The input becomes a file (memfd): when its first byte is even, the fixed
 * header line "id,a,b,c\n" comes first and the input is all records; when
 * odd, the input is used as is and its first line is the header (the model
 * needs columns a, b and c, so only headers naming them get past the
 * scorer). The parallel run's options come from the first and last bytes
 * (bits 1-5 of their XOR): threads 2 or 3, part_bytes 1, 5, 64 or 0 (1 MiB),
 * skip_bad_rows 0 or 1, the ID column 0 or none (line numbers, counted
 * across parts). Two bytes rather than one because the first also chooses
 * the header and the last is usually a line break; the middle of the input
 * can shrink without changing the variant, so crashes minimise well.
 *
 * The model, built once, is hand-written: on a, text rules (equals as text,
 * as a number and as a yes/no, a set, missing, other: unseen values); on b,
 * ranges (text there is a scoring error, skipped with skip_bad_rows); on c,
 * a yes/no rule (other text is an error too). The scorer treats "NA" as
 * missing and gives 2 reasons, so clones must copy both.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* open_memstream */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "leadscore/csv.h"
#include "leadscore/score_csv.h"
#include "leadscore/scorer.h"
#include "model_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char header[] = "id,a,b,c\n";

static ls_rule *add_rule(ls_criterion *c, ls_cond_kind kind, const char *label, double points)
{
    ls_rule *r = c ? ls_criterion_add_rule(c, kind, label) : NULL;
    if (!r)
        abort();
    r->points = points;
    return r;
}

static void add_value(ls_rule *r, const char *value)
{
    if (!ls_rule_add_value(r, value))
        abort();
}

static const ls_model *the_model(void)
{
    static ls_model *m;
    if (m)
        return m;
    m = ls_model_alloc();
    if (!m)
        abort();
    ls_criterion *a = ls_model_add_criterion(m, "a", LS_CRIT_RULES);
    add_value(add_rule(a, LS_COND_EQUALS, "a is x", 10), "x");
    add_value(add_rule(a, LS_COND_EQUALS, "a is 1.5", 7), "1.5"); /* "1.50" too */
    add_value(add_rule(a, LS_COND_EQUALS, "a is yes", 6), "yes"); /* "TRUE" too */
    ls_rule *in = add_rule(a, LS_COND_IN, "a is y or z", 5);
    add_value(in, "y");
    add_value(in, "z \"q\"");
    add_value(add_rule(a, LS_COND_EQUALS, "a is never", 1), "never seen"); /* unmatched */
    add_rule(a, LS_COND_MISSING, "a missing", -2);
    add_rule(a, LS_COND_OTHER, "a other", 1); /* unseen values, with examples */

    ls_criterion *b = ls_model_add_criterion(m, "b", LS_CRIT_RULES);
    ls_rule *r = add_rule(b, LS_COND_RANGE, "b small", 3);
    r->lo = 0;
    r->hi = 10;
    r->hi_open = 1;
    r = add_rule(b, LS_COND_RANGE, "b large", 8);
    r->lo = 10;
    r->hi = 1e6;
    r = add_rule(b, LS_COND_RANGE, "b negative", -4);
    r->lo = -INFINITY;
    r->hi = 0;
    r->hi_open = 1;
    add_rule(b, LS_COND_MISSING, "b missing", -1);

    ls_criterion *c = ls_model_add_criterion(m, "c", LS_CRIT_RULES);
    add_rule(c, LS_COND_TRUE, "c is yes", 4);
    add_rule(c, LS_COND_MISSING, "c missing", -3);

    const char *const names[] = {"hot", "warm", "nurture"};
    const double mins[] = {15, 5, -INFINITY};
    if (ls_model_set_tiers(m, names, mins, 3, NULL) != LS_OK)
        abort();
    return m;
}

typedef struct {
    size_t threads, part_bytes;
    int skip, with_ids;
} variant;

/* One run's outcome: everything ls_score_csv promises to keep. */
typedef struct {
    int ran; /* 0: the reader or the scorer could not be set up */
    ls_status status;
    ls_error err;
    char *out;
    size_t out_len;
    ls_score_csv_stats stats;
    size_t rows, unseen, unseen_columns, unmatched;
    ls_status unseen_st, unmatched_st;
    char unseen_summary[4096], unmatched_summary[4096];
} outcome;

static void run(const char *path, const variant *v, outcome *o)
{
    memset(o, 0, sizeof *o);
    ls_csv_reader *reader = NULL;
    ls_error err = {0};
    ls_status st = ls_csv_open(path, NULL, &reader, &err);
    fuzz_check_error(st, &err);
    if (st != LS_OK)
        return;
    size_t n = ls_csv_columns(reader);
    const char **columns = malloc((n ? n : 1) * sizeof *columns);
    if (!columns)
        abort();
    for (size_t i = 0; i < n; i++)
        columns[i] = ls_csv_column_name(reader, i);
    ls_scorer *scorer = NULL;
    st = ls_scorer_new(the_model(), columns, n, &scorer, &err);
    free(columns);
    fuzz_check_error(st, &err);
    if (st != LS_OK) {
        ls_csv_free(reader);
        return;
    }
    static const char *const missing[] = {"NA"};
    st = ls_scorer_set_missing_tokens(scorer, missing, 1, &err);
    fuzz_check_error(st, &err);
    if (st != LS_OK)
        abort();
    ls_scorer_set_max_reasons(scorer, 2);

    size_t ids[1] = {0};
    ls_score_csv_options opts;
    ls_score_csv_options_init(&opts);
    opts.id_columns = ids;
    opts.n_id_columns = v->with_ids && n > 0 ? 1 : 0;
    opts.skip_bad_rows = v->skip;
    opts.threads = v->threads;
    opts.part_bytes = v->part_bytes;
    FILE *out = open_memstream(&o->out, &o->out_len);
    if (!out)
        abort();
    ls_error_clear(&o->err);
    o->status = ls_score_csv(reader, scorer, out, &opts, &o->stats, &o->err);
    fuzz_check_error(o->status, &o->err);
    if (fclose(out) != 0)
        abort();
    o->ran = 1;
    o->rows = ls_scorer_rows(scorer);
    o->unseen = ls_scorer_unseen_count(scorer, &o->unseen_columns);
    o->unseen_st = ls_scorer_unseen_summary(scorer, o->unseen_summary, sizeof o->unseen_summary);
    o->unmatched = ls_scorer_unmatched_count(scorer);
    o->unmatched_st =
        ls_scorer_unmatched_summary(scorer, o->unmatched_summary, sizeof o->unmatched_summary);
    ls_scorer_free(scorer);
    ls_csv_free(reader);
}

static const char *same_error(const ls_error *a, const ls_error *b)
{
    if (a->code != b->code)
        return "code";
    if (strcmp(a->file, b->file) != 0)
        return "file";
    if (a->line != b->line)
        return "line";
    if (strcmp(a->column, b->column) != 0)
        return "column";
    if (a->column_index != b->column_index)
        return "column_index";
    if (strcmp(a->message, b->message) != 0)
        return "message";
    return NULL;
}

static void print_error(const char *who, const ls_error *e)
{
    fprintf(stderr, "fuzz:   %s: code %d, file '%s', line %zu, column '%s', index %zu: %s\n", who,
            (int)e->code, e->file, e->line, e->column, e->column_index, e->message);
}

/* The first thing in which many differs from one, or NULL. */
static const char *difference(const outcome *one, const outcome *many)
{
    if (one->ran != many->ran)
        return "set-up";
    if (!one->ran)
        return NULL;
    if (one->status != many->status)
        return "status";
    if (one->status != LS_OK && same_error(&one->err, &many->err))
        return "error";
    if (one->status == LS_OK &&
        (one->out_len != many->out_len || memcmp(one->out, many->out, one->out_len) != 0))
        return "output";
    if (one->stats.rows != many->stats.rows)
        return "stats.rows";
    if (one->stats.skipped != many->stats.skipped)
        return "stats.skipped";
    if (same_error(&one->stats.first_skip, &many->stats.first_skip))
        return "stats.first_skip";
    if (one->stats.write_failed != many->stats.write_failed)
        return "stats.write_failed";
    if (one->rows != many->rows)
        return "ls_scorer_rows";
    if (one->unseen != many->unseen || one->unseen_columns != many->unseen_columns)
        return "ls_scorer_unseen_count";
    if (one->unseen_st != many->unseen_st || strcmp(one->unseen_summary, many->unseen_summary) != 0)
        return "ls_scorer_unseen_summary";
    if (one->unmatched != many->unmatched)
        return "ls_scorer_unmatched_count";
    if (one->unmatched_st != many->unmatched_st ||
        strcmp(one->unmatched_summary, many->unmatched_summary) != 0)
        return "ls_scorer_unmatched_summary";
    return NULL;
}

static void report(const char *what, const variant *v, const outcome *one, const outcome *many)
{
    fprintf(stderr,
            "fuzz: ls_score_csv with %zu threads, part_bytes %zu, skip_bad_rows %d, %s differs "
            "from one thread in %s\n",
            v->threads, v->part_bytes, v->skip, v->with_ids ? "ID column 0" : "no ID column", what);
    const outcome *o[2] = {one, many};
    for (int i = 0; i < 2; i++) {
        const char *who = i ? "parallel" : "one thread";
        fprintf(stderr, "fuzz:   %s: status %d, %zu output bytes, rows %zu, skipped %zu\n", who,
                (int)o[i]->status, o[i]->out_len, o[i]->stats.rows, o[i]->stats.skipped);
        if (o[i]->status != LS_OK)
            print_error(who, &o[i]->err);
        if (o[i]->stats.skipped)
            print_error(who, &o[i]->stats.first_skip);
        fprintf(stderr, "fuzz:   %s: scorer rows %zu, unseen %zu (%s), unmatched %zu (%s)\n", who,
                o[i]->rows, o[i]->unseen, o[i]->unseen_summary, o[i]->unmatched,
                o[i]->unmatched_summary);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int own_header = size > 0 && (data[0] & 1);
    size_t hlen = own_header ? 0 : sizeof header - 1;
    uint8_t *text = malloc(hlen + size + 1);
    if (!text)
        abort();
    memcpy(text, header, hlen);
    if (size)
        memcpy(text + hlen, data, size);
    char path[64];
    int fd = fuzz_memfd(text, hlen + size, path);
    free(text);

    unsigned bits = size ? (unsigned)(data[0] ^ data[size - 1]) >> 1 : 0;
    static const size_t part_bytes[] = {1, 5, 64, 0};
    variant v = {.threads = 2 + (bits & 1),
                 .part_bytes = part_bytes[(bits >> 1) & 3],
                 .skip = (bits >> 3) & 1,
                 .with_ids = !((bits >> 4) & 1)};
    variant ref = v;
    ref.threads = 1;
    ref.part_bytes = 0;

    outcome one, many;
    run(path, &ref, &one);
    if (one.ran) {
        run(path, &v, &many);
        const char *what = difference(&one, &many);
        if (what && !fuzz_skip("score-diff")) {
            report(what, &v, &one, &many);
            abort();
        }
        free(many.out);
    }
    free(one.out);
    close(fd);
    return 0;
}
