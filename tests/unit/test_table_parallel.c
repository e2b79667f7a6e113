/* The table loader's parallel parse against the one-record-at-a-time reader:
 * on files big enough to be cut into ranges, with quoted line breaks,
 * doubled quotes, spaces, CRLF, blank lines and UTF-8 everywhere (so cuts
 * fall inside quoted fields too), every cell, missing count and line number
 * of ls_table_load must be what ls_csv_next reads; and an error deep in the
 * file must be reported at the same place.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/csv.h"
#include "leadscore/table.h"

/* xorshift: the same file every run */
static unsigned long long rng_state = 88172645463325252ULL;
static unsigned next_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state >> 11);
}

static const char *const cells[] = {
    "plain",
    "",
    "NA",
    "  padded  ",
    "\"quoted, with comma\"",
    "\"line\nbreak\"",
    "\"two\n\nbreaks, and \"\"quotes\"\"\"",
    "\"\"\"\"",
    "  \"spaced quote\"  ",
    "12.5",
    "-3",
    "ünïcödé ✓",
    "\"ünï\ncödé\"",
    "x y z",
    "\"\"",
};

/* Writes rows × 4 columns; returns the file's path. */
static const char *write_big(size_t rows, size_t bad_row, int crlf_every)
{
    size_t cap = rows * 64 + 1024, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    len += (size_t)snprintf(buf + len, cap - len, "id,a,b,c\n");
    for (size_t i = 0; i < rows; i++) {
        if (next_rand() % 97 == 0)
            len += (size_t)snprintf(buf + len, cap - len, "   \n"); /* a blank line */
        len += (size_t)snprintf(buf + len, cap - len, "r%zu", i % 5000);
        for (int c = 0; c < 3; c++) {
            const char *v = cells[next_rand() % (sizeof cells / sizeof cells[0])];
            if (i == bad_row && c == 1)
                v = "bad\"quote";
            len += (size_t)snprintf(buf + len, cap - len, ",%s", v);
        }
        len += (size_t)snprintf(buf + len, cap - len, "%s\n",
                                crlf_every && i % (size_t)crlf_every == 0 ? "\r" : "");
        assert_true(len + 256 < cap);
    }
    const char *path = ls_test_write_temp(buf, len);
    free(buf);
    return path;
}

static void compare_with_reader(const char *path, const ls_table_options *opts)
{
    ls_error err;
    ls_table *t = NULL;
    if (ls_table_load(path, opts, &t, &err) != LS_OK)
        fail_msg("ls_table_load: %s (line %zu)", err.message, err.line);
    ls_csv_reader *r = NULL;
    assert_int_equal(ls_csv_open(path, &opts->csv, &r, &err), LS_OK);
    size_t n_cols = ls_table_columns(t), row = 0;
    size_t *missing = calloc(n_cols, sizeof *missing);
    assert_non_null(missing);
    for (;;) {
        const char *const *f;
        int has;
        assert_int_equal(ls_csv_next(r, &f, &has, &err), LS_OK);
        if (!has)
            break;
        assert_true(row < ls_table_rows(t));
        assert_int_equal(ls_table_line(t, row), ls_csv_line(r));
        for (size_t j = 0; j < n_cols; j++) {
            uint32_t code = ls_table_codes(t, j)[row];
            int miss = 0;
            for (size_t k = 0; k < opts->n_missing_tokens; k++)
                miss |= strcmp(f[j], opts->missing_tokens[k]) == 0;
            if (!opts->missing_tokens)
                miss = f[j][0] == '\0';
            if (miss) {
                assert_int_equal(code, LS_MISSING_CODE);
                missing[j]++;
            } else {
                assert_true(code != LS_MISSING_CODE);
                assert_string_equal(ls_table_level(t, j, code), f[j]);
            }
        }
        row++;
    }
    assert_int_equal(row, ls_table_rows(t));
    for (size_t j = 0; j < n_cols; j++)
        assert_int_equal(missing[j], ls_table_missing_count(t, j));
    free(missing);
    ls_csv_free(r);
    ls_table_free(t);
}

static void test_parallel_matches_reader(void **state)
{
    (void)state;
    setenv("LEADSCORE_THREADS", "2", 1);
    const char *path = write_big(200000, (size_t)-1, 0);
    ls_table_options opts;
    ls_table_options_init(&opts);
    static const char *const tokens[] = {"", "NA"};
    opts.missing_tokens = tokens;
    opts.n_missing_tokens = 2;
    compare_with_reader(path, &opts);
    ls_table_options_init(&opts);
    compare_with_reader(path, &opts);
}

static void test_parallel_crlf_and_more_cores(void **state)
{
    (void)state;
    setenv("LEADSCORE_THREADS", "5", 1);
    const char *path = write_big(150000, (size_t)-1, 3);
    ls_table_options opts;
    ls_table_options_init(&opts);
    compare_with_reader(path, &opts);
    setenv("LEADSCORE_THREADS", "2", 1);
}

/* The error of a malformed row in the second half: the reader's, exactly. */
static void test_parallel_error_place(void **state)
{
    (void)state;
    setenv("LEADSCORE_THREADS", "2", 1);
    const char *path = write_big(150000, 120000, 0);
    ls_error err, ref;
    ls_table *t = NULL;
    assert_int_not_equal(ls_table_load(path, NULL, &t, &err), LS_OK);
    assert_null(t);
    ls_csv_reader *r = NULL;
    assert_int_equal(ls_csv_open(path, NULL, &r, &ref), LS_OK);
    ls_status st;
    for (;;) {
        const char *const *f;
        int has;
        st = ls_csv_next(r, &f, &has, &ref);
        if (st != LS_OK || !has)
            break;
    }
    ls_csv_free(r);
    assert_int_not_equal(st, LS_OK);
    assert_int_equal(err.code, ref.code);
    assert_int_equal(err.line, ref.line);
    assert_int_equal(err.column_index, ref.column_index);
    assert_string_equal(err.message, ref.message);
}

/* Small random files over an alphabet of the dialect's special bytes: the
 * tokenizer (one range) must read what the reader reads, or fail where it
 * fails. */
static void test_tokenizer_fuzz(void **state)
{
    (void)state;
    static const char *const atoms[] = {"a",    "b",  " ",    "\t", ",",        ";",    "|", "\"",
                                        "\"\"", "\n", "\r\n", "\r", "\xc3\xa9", "\xff", "1", "NA"};
    char text[256];
    int loaded = 0;
    for (int round = 0; round < 4000; round++) {
        size_t len =
            (size_t)snprintf(text, sizeof text, "%s", round % 3 ? "h1,h2,h3\n" : "h1;h2\n");
        if (round % 2) {
            size_t atoms_n = 1 + next_rand() % 40;
            for (size_t k = 0; k < atoms_n; k++) {
                const char *a = atoms[next_rand() % (sizeof atoms / sizeof atoms[0])];
                if (len + strlen(a) + 1 >= sizeof text)
                    break;
                len += (size_t)snprintf(text + len, sizeof text - len, "%s", a);
            }
        } else {
            /* rows of the header's width, fields often quoted: mostly well formed */
            size_t width = round % 3 ? 3 : 2, rows = 1 + next_rand() % 4;
            char sep = round % 3 ? ',' : ';';
            for (size_t i = 0; i < rows && len + 80 < sizeof text; i++) {
                for (size_t c = 0; c < width; c++) {
                    int quoted = next_rand() % 2;
                    if (c)
                        text[len++] = sep;
                    if (next_rand() % 4 == 0)
                        text[len++] = ' ';
                    if (quoted)
                        text[len++] = '"';
                    size_t n_atoms = next_rand() % 4;
                    for (size_t k = 0; k < n_atoms; k++) {
                        const char *a = atoms[next_rand() % (sizeof atoms / sizeof atoms[0])];
                        if (!quoted && (a[0] == '"' || a[0] == '\n' || a[0] == sep ||
                                        (a[0] == '\r' && a[1] == '\n')))
                            a = "x";
                        if (quoted && a[0] == '"')
                            a = "\"\"";
                        len += (size_t)snprintf(text + len, sizeof text - len, "%s", a);
                    }
                    if (quoted)
                        text[len++] = '"';
                    if (next_rand() % 4 == 0)
                        text[len++] = ' ';
                }
                const char *end = next_rand() % 3 ? "\n" : next_rand() % 2 ? "\r\n" : "\n  \n";
                len += (size_t)snprintf(text + len, sizeof text - len, "%s", end);
            }
        }
        const char *path = ls_test_write_temp(text, len);
        ls_table_options opts;
        ls_table_options_init(&opts);
        ls_error err, ref;
        ls_table *t = NULL;
        ls_status st = ls_table_load(path, &opts, &t, &err);
        ls_csv_reader *r = NULL;
        ls_status rst = ls_csv_open(path, NULL, &r, &ref);
        while (rst == LS_OK) {
            const char *const *f;
            int has;
            rst = ls_csv_next(r, &f, &has, &ref);
            if (!has)
                break;
        }
        ls_csv_free(r);
        if (st != LS_OK && rst != LS_OK) {
            assert_int_equal(err.code, ref.code);
            assert_int_equal(err.line, ref.line);
            assert_string_equal(err.message, ref.message);
        } else if (rst != LS_OK) {
            fail_msg("round %d: the table loaded what the reader refuses: %s", round, ref.message);
        } else if (st == LS_OK) {
            ls_table_free(t);
            compare_with_reader(path, &opts);
            loaded++;
        }
        /* st != LS_OK with a readable file: a type error, found after reading */
    }
    assert_true(loaded > 1000); /* the comparison saw many well-formed files */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_matches_reader),
        cmocka_unit_test(test_parallel_crlf_and_more_cores),
        cmocka_unit_test(test_parallel_error_place),
        cmocka_unit_test(test_tokenizer_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
