/* Scoring a CSV on several threads must give what one thread gives, byte for
 * byte: the scored file, the counts, the unseen-value summary, and the place
 * and text of the first error. Parts are made tiny here (down to one byte) so
 * that cuts fall everywhere: inside quoted fields with line breaks, on blank
 * and CRLF lines, in records longer than a part, and past the cap where the
 * rest of the input is read as one part.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* open_memstream */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/csv.h"
#include "leadscore/model.h"
#include "leadscore/score_csv.h"
#include "leadscore/scorer.h"

static const char header[] =
    "lead_id,job_title,industry,lead_source,country,company_size,visited_pricing_page,"
    "free_trial,webinar,email_opens,product_sessions,features_adopted,minutes_in_app,"
    "days_since_signup,newsletter,page_theme,converted\n";

typedef struct {
    char *text;
    size_t len, cap;
} text_buf;

static void append(text_buf *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->text = realloc(t->text, t->cap);
        assert_non_null(t->text);
    }
    memcpy(t->text + t->len, s, n + 1);
    t->len += n;
}

static unsigned next_rand(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 16) & 0x7fff;
}

/* Leads full of CSV quirks; bad_row (0: none) gets text in a numeric
 * criterion, long_row a quoted field of long_bytes with line breaks. */
static char *make_leads(size_t rows, size_t bad_row, size_t long_row, size_t long_bytes)
{
    static const char *const jobs[] = {
        "Executive", "Director",           "\"Manager\"",
        "Student",   "\"Head of\nSales\"", "\"A \"\"quoted\"\" title\"",
        "",          "Astronaut"};
    static const char *const sources[] = {"Google",   " Referral ", "\"Partner, EU\"",
                                          "Facebook", "",           "TikTok"};
    static const char *const yn[] = {"yes", "no", "Yes", "0", ""};
    unsigned seed = 7;
    text_buf t = {0};
    append(&t, header);
    char line[512];
    for (size_t i = 1; i <= rows; i++) {
        unsigned r = next_rand(&seed);
        const char *minutes = i == bad_row ? "lots" : r % 17 == 0 ? "" : "12.50";
        snprintf(line, sizeof line,
                 "L%05zu%s,%s,Software,%s,India,%u,%s,%s,%s,%u,%u,%u,%s,%u,%s,Dark,0%s\n", i,
                 r % 29 == 0 ? "\"\"" : "", jobs[r % 8], sources[(r / 8) % 6], (r * 7) % 3000,
                 yn[r % 5], yn[(r / 5) % 5], yn[(r / 25) % 5], r % 20, r % 12, r % 8, minutes,
                 r % 1000, yn[(r / 3) % 5], r % 13 == 0 ? "\r" : "");
        if (i == long_row) {
            append(&t, "\"long");
            for (size_t k = 0; k < long_bytes; k++)
                append(&t, k % 61 == 60 ? "\n" : "x");
            append(&t, "\"");
            append(&t, strchr(line, ','));
        } else {
            /* an ID of L...\"\" would be malformed: quote the whole ID */
            if (r % 29 == 0) {
                char quoted[600];
                const char *comma = strchr(line, ',');
                snprintf(quoted, sizeof quoted, "\"L%05zu \"\"x\"\"\"%s", i, comma);
                append(&t, quoted);
            } else {
                append(&t, line);
            }
        }
        if (r % 101 == 0)
            append(&t, "   \n"); /* a blank line: no record */
    }
    return t.text;
}

typedef struct {
    ls_status status;
    char *out;
    size_t out_len;
    ls_score_csv_stats stats;
    ls_error err;
    size_t scorer_rows, unseen;
    char summary[2048];
} run_result;

static void run_free(run_result *r)
{
    free(r->out);
}

static run_result run(const char *path, size_t threads, size_t part_bytes, int with_ids, int skip)
{
    run_result res;
    memset(&res, 0, sizeof res);
    ls_error err;
    ls_model *m = NULL;
    assert_int_equal(ls_model_load(ls_test_path("tests/data/score/synth-model.json"), &m, &err),
                     LS_OK);
    ls_csv_reader *reader = NULL;
    assert_int_equal(ls_csv_open(path, NULL, &reader, &err), LS_OK);
    const char *columns[32];
    size_t n = ls_csv_columns(reader);
    for (size_t i = 0; i < n; i++)
        columns[i] = ls_csv_column_name(reader, i);
    ls_scorer *s = NULL;
    assert_int_equal(ls_scorer_new(m, columns, n, &s, &err), LS_OK);
    ls_scorer_set_max_reasons(s, 4);
    size_t ids[1] = {0};
    ls_score_csv_options o;
    ls_score_csv_options_init(&o);
    o.id_columns = ids;
    o.n_id_columns = with_ids ? 1 : 0;
    o.skip_bad_rows = skip;
    o.threads = threads;
    o.part_bytes = part_bytes;
    FILE *out = open_memstream(&res.out, &res.out_len);
    assert_non_null(out);
    ls_error_clear(&res.err);
    res.status = ls_score_csv(reader, s, out, &o, &res.stats, &res.err);
    assert_int_equal(fclose(out), 0);
    res.scorer_rows = ls_scorer_rows(s);
    res.unseen = ls_scorer_unseen_count(s, NULL);
    ls_scorer_unseen_summary(s, res.summary, sizeof res.summary);
    ls_scorer_free(s);
    ls_csv_free(reader);
    ls_model_free(m);
    return res;
}

static void assert_same_error(const ls_error *a, const ls_error *b)
{
    assert_int_equal(a->code, b->code);
    assert_string_equal(a->file, b->file);
    assert_int_equal(a->line, b->line);
    assert_string_equal(a->column, b->column);
    assert_string_equal(a->message, b->message);
}

/* threads x part sizes against one thread (the file is cut into parts only
 * when threads > 1); returns the one-thread run for the caller's checks. */
static run_result check_same(const char *path, int with_ids, int skip)
{
    run_result one = run(path, 1, 0, with_ids, skip);
    static const size_t parts[] = {1, 7, 100, 333, 4096, 0};
    for (size_t t = 2; t <= 3; t++)
        for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) {
            run_result many = run(path, t, parts[k], with_ids, skip);
            assert_int_equal(many.status, one.status);
            if (one.status != LS_OK) {
                assert_same_error(&many.err, &one.err);
            } else {
                assert_int_equal(many.out_len, one.out_len);
                assert_memory_equal(many.out, one.out, one.out_len);
            }
            assert_int_equal(many.stats.rows, one.stats.rows);
            assert_int_equal(many.stats.skipped, one.stats.skipped);
            if (one.stats.skipped)
                assert_same_error(&many.stats.first_skip, &one.stats.first_skip);
            assert_int_equal(many.scorer_rows, one.scorer_rows);
            assert_int_equal(many.unseen, one.unseen);
            assert_string_equal(many.summary, one.summary);
            run_free(&many);
        }
    return one;
}

/* check_same, then the one-thread run must end in `status`. */
static void check_same_status(const char *path, int with_ids, int skip, ls_status status)
{
    run_result one = check_same(path, with_ids, skip);
    assert_int_equal(one.status, status);
    run_free(&one);
}

static const char *leads_file(size_t rows, size_t bad_row, size_t long_row, size_t long_bytes)
{
    char *text = make_leads(rows, bad_row, long_row, long_bytes);
    const char *path = ls_test_write_temp(text, strlen(text));
    free(text);
    return path;
}

static void test_quirky_leads(void **state)
{
    (void)state;
    const char *path = leads_file(1500, 0, 0, 0);
    run_result one = check_same(path, 1, 0);
    assert_int_equal(one.status, LS_OK);
    assert_int_equal(one.stats.rows, 1500);
    assert_true(one.unseen > 0); /* Astronaut, TikTok */
    assert_non_null(strstr(one.summary, "'Astronaut'"));
    /* a quoted ID with "" comes out quoted again, as written */
    assert_non_null(strstr(one.out, " \"\"x\"\"\","));
    run_free(&one);
    check_same_status(path, 0, 0, LS_OK); /* line numbers as the ID, counted across parts */
}

static void test_scoring_error_place(void **state)
{
    (void)state;
    const char *path = leads_file(1200, 977, 0, 0);
    run_result one = check_same(path, 1, 0);
    assert_int_equal(one.status, LS_ERR_PARSE);
    assert_string_equal(one.err.column, "minutes_in_app");
    assert_true(one.err.line > 977); /* blank lines and line breaks in quotes come first */
    run_free(&one);
    one = check_same(path, 1, 1); /* skipped, with the same first place */
    assert_int_equal(one.status, LS_OK);
    assert_int_equal(one.stats.skipped, 1);
    assert_string_equal(one.stats.first_skip.column, "minutes_in_app");
    run_free(&one);
}

static void test_malformed_csv_place(void **state)
{
    (void)state;
    char *text = make_leads(900, 0, 0, 0);
    /* a quote inside an unquoted field, late in the file */
    char *at = strstr(text, "\nL00801,");
    assert_non_null(at);
    at[4] = '"';
    const char *path = ls_test_write_temp(text, strlen(text));
    check_same_status(path, 1, 0, LS_ERR_PARSE);
    /* an unterminated quote: no cut is ever found after it */
    text[strlen(text) - 40] = '"';
    path = ls_test_write_temp(text, strlen(text));
    check_same_status(path, 1, 0, LS_ERR_PARSE);
    free(text);
}

static void test_long_record(void **state)
{
    (void)state;
    /* 3,000 bytes in one field: more than 64 parts of 7 bytes or of 1 byte,
     * so the rest of the input is read as one last part */
    const char *path = leads_file(400, 0, 250, 3000);
    run_result one = check_same(path, 1, 0);
    assert_int_equal(one.status, LS_OK);
    assert_int_equal(one.stats.rows, 400);
    run_free(&one);
    check_same_status(path, 0, 0, LS_OK);
}

static void test_empty_data(void **state)
{
    (void)state;
    const char *path = ls_test_write_temp(header, strlen(header));
    run_result one = run(path, 3, 1, 1, 0);
    assert_int_equal(one.status, LS_OK);
    assert_int_equal(one.stats.rows, 0);
    assert_string_equal(one.out, "lead_id,score,probability,tier,reasons\n");
    run_free(&one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quirky_leads),        cmocka_unit_test(test_scoring_error_place),
        cmocka_unit_test(test_malformed_csv_place), cmocka_unit_test(test_long_record),
        cmocka_unit_test(test_empty_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
