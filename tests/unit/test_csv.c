/* CSV reader: a table of inputs with the exact header, records and line
 * numbers expected, a table of bad inputs with the exact error code, line,
 * column index and column name, and generated inputs that cross the reader's
 * 256 KiB chunk boundary.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/csv.h"

#define MAXF 5
#define MAXR 4
#define CHUNK (256 * 1024) /* READ_CHUNK in src/lib/csv.c */

/* ---- helpers ------------------------------------------------------------- */

/* An unnamed temporary stream holding len bytes of text (NUL bytes allowed). */
static FILE *stream_of(const char *text, size_t len)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    rewind(fp);
    return fp;
}

static ls_status open_text(const char *text, size_t len, const ls_csv_options *opts, FILE **fp,
                           ls_csv_reader **r, ls_error *err)
{
    *fp = stream_of(text, len);
    return ls_csv_open_stream(*fp, "t.csv", opts, r, err);
}

/* ---- inputs that must parse ---------------------------------------------- */

typedef struct {
    const char *name;
    const char *input;
    char sep_option; /* 0 = auto-detect */
    char sep;        /* separator expected in use */
    size_t n_cols;
    const char *header[MAXF];
    size_t n_rows;
    const char *rows[MAXR][MAXF];
    size_t lines[MAXR];
} ok_case;

/* Hand-aligned: one case per entry reads better than clang-format's layout. */
/* clang-format off */
static const ok_case ok_cases[] = {
    {"comma", "a,b,c\n1,2,3\n4,5,6\n", 0, ',', 3, {"a", "b", "c"}, 2,
     {{"1", "2", "3"}, {"4", "5", "6"}}, {2, 3}},
    {"semicolon detected", "a;b\n1;2\n", 0, ';', 2, {"a", "b"}, 1, {{"1", "2"}}, {2}},
    {"tab detected", "a\tb\n1\t2\n", 0, '\t', 2, {"a", "b"}, 1, {{"1", "2"}}, {2}},
    {"pipe detected", "a|b\n1|2\n", 0, '|', 2, {"a", "b"}, 1, {{"1", "2"}}, {2}},
    {"most frequent separator wins", "a;b;c,d\n1;2;3,4\n", 0, ';', 3, {"a", "b", "c,d"}, 1,
     {{"1", "2", "3,4"}}, {2}},
    {"separator inside quotes is not counted", "\"x;y;z\",b\n1,2\n", 0, ',', 2, {"x;y;z", "b"},
     1, {{"1", "2"}}, {2}},
    {"separator overridden", "a,b;c\n1,2;3\n", ';', ';', 2, {"a,b", "c"}, 1, {{"1,2", "3"}},
     {2}},
    {"override to tab keeps commas", "a,x\tb\n1,2\t3\n", '\t', '\t', 2, {"a,x", "b"}, 1,
     {{"1,2", "3"}}, {2}},
    {"single column", "a\n1\n2\n", 0, ',', 1, {"a"}, 2, {{"1"}, {"2"}}, {2, 3}},
    {"quoted separator", "a,b\n\"x,y\",2\n", 0, ',', 2, {"a", "b"}, 1, {{"x,y", "2"}}, {2}},
    {"doubled quotes", "a,b\n\"say \"\"hi\"\"\",\"\"\"\"\n", 0, ',', 2, {"a", "b"}, 1,
     {{"say \"hi\"", "\""}}, {2}},
    {"quoted empty", "a,b\n\"\",2\n", 0, ',', 2, {"a", "b"}, 1, {{"", "2"}}, {2}},
    {"embedded newline keeps later line numbers", "a,b\n\"line1\nline2\",2\n3,4\n", 0, ',', 2,
     {"a", "b"}, 2, {{"line1\nline2", "2"}, {"3", "4"}}, {2, 4}},
    {"two multi-line records", "a,b\n\"x\n\ny\",\"1\n2\"\n3,\"z\n\"\n5,6\n", 0, ',', 2,
     {"a", "b"}, 3, {{"x\n\ny", "1\n2"}, {"3", "z\n"}, {"5", "6"}}, {2, 6, 8}},
    {"quoted header with newline", "\"a\nA\",b\n1,2\n", 0, ',', 2, {"a\nA", "b"}, 1,
     {{"1", "2"}}, {3}},
    {"CRLF", "a,b\r\n1,2\r\n3,4\r\n", 0, ',', 2, {"a", "b"}, 2, {{"1", "2"}, {"3", "4"}},
     {2, 3}},
    {"CRLF inside quotes is kept", "a,b\r\n\"x\r\ny\",2\r\n3,4\r\n", 0, ',', 2, {"a", "b"}, 2,
     {{"x\r\ny", "2"}, {"3", "4"}}, {2, 4}},
    {"mixed CRLF and LF, no final newline", "a,b\r\n1,2\n3,4\r\n5,6", 0, ',', 2, {"a", "b"}, 3,
     {{"1", "2"}, {"3", "4"}, {"5", "6"}}, {2, 3, 4}},
    {"CRLF after a quoted field", "a,b\r\n\"x\",\"y\"\r\n", 0, ',', 2, {"a", "b"}, 1,
     {{"x", "y"}}, {2}},
    {"UTF-8 BOM", "\xEF\xBB\xBF" "a,b\n1,2\n", 0, ',', 2, {"a", "b"}, 1, {{"1", "2"}}, {2}},
    {"UTF-8 BOM before a quoted name", "\xEF\xBB\xBF\"a\";b\n1;2\n", 0, ';', 2, {"a", "b"}, 1,
     {{"1", "2"}}, {2}},
    {"trailing empty column (X Education)", "a,b,\r\n1,2,\r\n3,4,\r\n", 0, ',', 2, {"a", "b"},
     2, {{"1", "2"}, {"3", "4"}}, {2, 3}},
    {"trailing empty column, some lines omit it", "a,b,\n1,2\n3,4,\n", 0, ',', 2, {"a", "b"}, 2,
     {{"1", "2"}, {"3", "4"}}, {2, 3}},
    {"trailing empty column with empty values", "a,b,\n,,\n", 0, ',', 2, {"a", "b"}, 1,
     {{"", ""}}, {2}},
    {"trailing blank lines", "a,b\n1,2\n\n\n  \n\r\n\t\n", 0, ',', 2, {"a", "b"}, 1,
     {{"1", "2"}}, {2}},
    {"blank lines between records", "a,b\n1,2\n\r\n3,4\n", 0, ',', 2, {"a", "b"}, 2,
     {{"1", "2"}, {"3", "4"}}, {2, 4}},
    {"blank lines before the header", "\n\r\na,b\n1,2\n", 0, ',', 2, {"a", "b"}, 1,
     {{"1", "2"}}, {4}},
    {"spaces around fields are trimmed", "a , b\n 1 ,  2 \n\" x \", y\n", 0, ',', 2, {"a", "b"},
     2, {{"1", "2"}, {" x ", "y"}}, {2, 3}},
    {"spaces around a quoted field", "a,b\n  \"q\"  ,2\n", 0, ',', 2, {"a", "b"}, 1,
     {{"q", "2"}}, {2}},
    {"tab separator: spaces trimmed, empty fields kept", "a\tb\tc\n 1 \t\t3\n\t\t\n", 0, '\t',
     3, {"a", "b", "c"}, 2, {{"1", "", "3"}, {"", "", ""}}, {2, 3}},
    {"empty fields", "a,b,c\n,,\n", 0, ',', 3, {"a", "b", "c"}, 1, {{"", "", ""}}, {2}},
    {"header only", "a,b\n", 0, ',', 2, {"a", "b"}, 0, {{NULL}}, {0}},
    {"UTF-8 text", "name,city\nJos\xC3\xA9,Z\xC3\xBCrich \xE2\x82\xAC \xF0\x9F\x98\x80\n", 0,
     ',', 2, {"name", "city"}, 1,
     {{"Jos\xC3\xA9", "Z\xC3\xBCrich \xE2\x82\xAC \xF0\x9F\x98\x80"}}, {2}},
};
/* clang-format on */

static void check_ok_case(const ok_case *c)
{
    FILE *fp;
    ls_csv_reader *r = NULL;
    ls_error err;
    ls_error_clear(&err);
    ls_status st = open_text(c->input, strlen(c->input), NULL, &fp, &r, &err);
    ls_csv_options opts;
    if (c->sep_option) {
        ls_csv_free(r);
        fclose(fp);
        ls_csv_options_init(&opts);
        opts.separator = c->sep_option;
        st = open_text(c->input, strlen(c->input), &opts, &fp, &r, &err);
    }
    if (st != LS_OK)
        fail_msg("case '%s': open failed: %s", c->name, err.message);
    assert_int_equal(ls_csv_separator(r), c->sep);
    assert_int_equal(ls_csv_columns(r), c->n_cols);
    for (size_t j = 0; j < c->n_cols; j++)
        assert_string_equal(ls_csv_column_name(r, j), c->header[j]);
    size_t row = 0;
    for (;;) {
        const char *const *fields;
        int has;
        st = ls_csv_next(r, &fields, &has, &err);
        if (st != LS_OK)
            fail_msg("case '%s': row %zu: %s", c->name, row, err.message);
        if (!has)
            break;
        if (row >= c->n_rows)
            fail_msg("case '%s': more rows than the %zu expected", c->name, c->n_rows);
        for (size_t j = 0; j < c->n_cols; j++) {
            if (strcmp(fields[j], c->rows[row][j]) != 0)
                fail_msg("case '%s': row %zu field %zu is '%s', expected '%s'", c->name, row, j,
                         fields[j], c->rows[row][j]);
            assert_int_equal(ls_csv_field_length(r, j), strlen(c->rows[row][j]));
        }
        if (ls_csv_line(r) != c->lines[row])
            fail_msg("case '%s': row %zu on line %zu, expected %zu", c->name, row, ls_csv_line(r),
                     c->lines[row]);
        row++;
    }
    if (row != c->n_rows)
        fail_msg("case '%s': %zu rows, expected %zu", c->name, row, c->n_rows);
    ls_csv_free(r);
    fclose(fp);
}

static void test_ok_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++)
        check_ok_case(&ok_cases[i]);
}

/* ---- inputs that must fail ----------------------------------------------- */

typedef struct {
    const char *name;
    const char *input;
    size_t len;                          /* 0 = strlen(input); set for inputs holding a NUL byte */
    size_t max_field_bytes, max_columns; /* 0 = default */
    ls_status code;
    size_t line, column_index;
    const char *column;  /* header name in the error ("" = none) */
    const char *message; /* a part of the message */
} err_case;

/* Hand-aligned: one case per entry reads better than clang-format's layout. */
/* clang-format off */
static const err_case err_cases[] = {
    {"too few fields", "a,b,c\n1,2,3\n4,5\n", 0, 0, 0, LS_ERR_PARSE, 3, 3, "c",
     "expected 3 fields as in the header, found 2"},
    {"too few fields, one empty field", "a,b\n1,2\n,\n3\n", 0, 0, 0, LS_ERR_PARSE, 4, 2, "b",
     "found 1"},
    {"too many fields", "a,b\n1,2\n3,4,5\n", 0, 0, 0, LS_ERR_PARSE, 3, 3, "",
     "expected 2 fields as in the header, found 3"},
    {"far too many fields", "a,b\n1,2,3,4,5,6,7,8,9\n", 0, 0, 0, LS_ERR_PARSE, 2, 3, "",
     "found 9"},
    {"too many fields after the trailing empty column", "a,b,\n1,2,,\n", 0, 0, 0, LS_ERR_PARSE,
     2, 4, "", "found 4"},
    {"ragged row after a multi-line record", "a,b\n\"x\ny\",1\n2\n", 0, 0, 0, LS_ERR_PARSE, 4,
     2, "b", "found 1"},
    {"ragged row after CRLF lines", "a,b\r\n1,2\r\n\r\n3\r\n", 0, 0, 0, LS_ERR_PARSE, 4, 2, "b",
     "found 1"},
    {"value in the unnamed trailing column", "a,b,\n1,2,\n1,2,x\n", 0, 0, 0, LS_ERR_PARSE, 3, 3,
     "", "value 'x' in the unnamed last column"},
    {"unterminated quote", "a,b\n1,\"abc\n2,3\n", 0, 0, 0, LS_ERR_PARSE, 2, 2, "b",
     "unterminated quoted field"},
    {"unterminated quote after a multi-line record", "a,b\n\"x\ny\",1\n2,\"oops\n", 0, 0, 0,
     LS_ERR_PARSE, 4, 2, "b", "unterminated quoted field"},
    {"unterminated quote in the header", "\"a,b\n1,2\n", 0, 0, 0, LS_ERR_PARSE, 1, 1, "",
     "unterminated quoted field"},
    {"quote inside an unquoted field", "a,b\n1,ab\"c\n", 0, 0, 0, LS_ERR_PARSE, 2, 2, "b",
     "malformed quoting"},
    {"text after a closing quote", "a,b\n\"x\"y,2\n", 0, 0, 0, LS_ERR_PARSE, 2, 1, "a",
     "malformed quoting"},
    {"malformed quote on a continuation line", "a,b\n\"x\ny\"z,2\n", 0, 0, 0, LS_ERR_PARSE, 3,
     1, "a", "malformed quoting"},
    {"duplicate column name", "a,b,a\n1,2,3\n", 0, 0, 0, LS_ERR_PARSE, 1, 3, "a",
     "duplicate column name (also column 1)"},
    {"duplicate after trimming", "a,b, a\n1,2,3\n", 0, 0, 0, LS_ERR_PARSE, 1, 3, "a",
     "duplicate column name"},
    {"empty column name", "a,,c\n1,2,3\n", 0, 0, 0, LS_ERR_PARSE, 1, 2, "",
     "column 2 has an empty name"},
    {"empty first column name", ",b\n1,2\n", 0, 0, 0, LS_ERR_PARSE, 1, 1, "",
     "column 1 has an empty name"},
    {"empty file", "", 0, 0, 0, LS_ERR_PARSE, 1, 0, "", "empty file"},
    {"only blank lines", "\n\r\n  \n", 0, 0, 0, LS_ERR_PARSE, 1, 0, "", "empty file"},
    {"only a BOM", "\xEF\xBB\xBF", 0, 0, 0, LS_ERR_PARSE, 1, 0, "", "empty file"},
    {"CR-only line endings", "a,b\r1,2\r", 0, 0, 0, LS_ERR_PARSE, 1, 2, "", "carriage return"},
    {"NUL byte in a field", "a,b\n1,x\0y\n", 10, 0, 0, LS_ERR_PARSE, 2, 2, "b", "NUL byte"},
    {"NUL byte in the header", "a,\0b\n1,2\n", 9, 0, 0, LS_ERR_PARSE, 1, 2, "", "NUL byte"},
    {"invalid UTF-8 byte", "a,b\n1,\xff\n", 0, 0, 0, LS_ERR_PARSE, 2, 2, "b",
     "not valid UTF-8"},
    {"truncated UTF-8 sequence", "a,b\n1,2\n3,x\xC3\n", 0, 0, 0, LS_ERR_PARSE, 3, 2, "b",
     "not valid UTF-8"},
    {"overlong UTF-8", "a,b\n\xC0\xAF,2\n", 0, 0, 0, LS_ERR_PARSE, 2, 1, "a", "not valid UTF-8"},
    {"UTF-8 surrogate", "a,b\n1,\xED\xA0\x80\n", 0, 0, 0, LS_ERR_PARSE, 2, 2, "b",
     "not valid UTF-8"},
    {"Latin-1 in a multi-line field", "a,b\n1,\"x\n\xE9\"\n", 0, 0, 0, LS_ERR_PARSE, 2, 2, "b",
     "not valid UTF-8"},
    {"field over the size limit", "a,b\n1,1234\n1,12345\n", 0, 4, 0, LS_ERR_LIMIT, 3, 2, "b",
     "longer than the limit of 4 bytes"},
    {"quoted field over the size limit", "a,b\n\"12\n345\",2\n", 0, 4, 0, LS_ERR_LIMIT, 2, 1, "a",
     "longer than the limit of 4 bytes"},
    {"header field over the size limit", "abcde,b\n1,2\n", 0, 4, 0, LS_ERR_LIMIT, 1, 1, "",
     "longer than the limit"},
    {"more columns than the limit", "a,b,c,d\n1,2,3,4\n", 0, 0, 3, LS_ERR_LIMIT, 1, 4, "",
     "more than the limit of 3 columns"},
    {"far more columns than the limit", "a,b,c,d,e,f,g\n", 0, 0, 3, LS_ERR_LIMIT, 1, 4, "",
     "more than the limit of 3 columns"},
};
/* clang-format on */

static ls_status run_to_error(const err_case *c, ls_error *err)
{
    ls_csv_options opts;
    ls_csv_options_init(&opts);
    if (c->max_field_bytes)
        opts.max_field_bytes = c->max_field_bytes;
    if (c->max_columns)
        opts.max_columns = c->max_columns;
    FILE *fp;
    ls_csv_reader *r = NULL;
    ls_status st = open_text(c->input, c->len ? c->len : strlen(c->input), &opts, &fp, &r, err);
    while (st == LS_OK) {
        const char *const *fields;
        int has;
        st = ls_csv_next(r, &fields, &has, err);
        if (st == LS_OK && !has)
            break;
    }
    ls_csv_free(r);
    fclose(fp);
    return st;
}

static void check_err_case(const err_case *c)
{
    ls_error err;
    ls_error_clear(&err);
    ls_status st = run_to_error(c, &err);
    if (st == LS_OK)
        fail_msg("case '%s': no error", c->name);
    if (st != c->code || err.code != c->code || err.line != c->line ||
        err.column_index != c->column_index || strcmp(err.column, c->column) != 0 ||
        !strstr(err.message, c->message) || strcmp(err.file, "t.csv") != 0)
        fail_msg("case '%s': got %s at %s:%zu:%zu column '%s': %s; expected %s at line %zu "
                 "col %zu column '%s': ...%s...",
                 c->name, ls_status_str(err.code), err.file, err.line, err.column_index, err.column,
                 err.message, ls_status_str(c->code), c->line, c->column_index, c->column,
                 c->message);
}

static void test_err_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++)
        check_err_case(&err_cases[i]);
}

/* The one-line message a user sees. */
static void test_error_format(void **state)
{
    (void)state;
    ls_error err;
    ls_error_clear(&err);
    run_to_error(&err_cases[0], &err);
    char buf[1024];
    assert_string_equal(ls_error_format(&err, buf, sizeof buf),
                        "t.csv:3:3: column 'c': expected 3 fields as in the header, found 2");
}

static void test_open_missing_file(void **state)
{
    (void)state;
    ls_csv_reader *r = (ls_csv_reader *)1;
    ls_error err;
    assert_int_equal(ls_csv_open("/nonexistent/leads.csv", NULL, &r, &err), LS_ERR_NOTFOUND);
    assert_null(r);
    assert_string_equal(err.file, "/nonexistent/leads.csv");
    ls_csv_free(NULL);
}

static void test_bad_separator_option(void **state)
{
    (void)state;
    ls_csv_options opts;
    ls_csv_options_init(&opts);
    opts.separator = '"';
    FILE *fp;
    ls_csv_reader *r = NULL;
    ls_error err;
    assert_int_equal(open_text("a,b\n", 4, &opts, &fp, &r, &err), LS_ERR_USAGE);
    assert_null(r);
    fclose(fp);
}

static void test_find_column(void **state)
{
    (void)state;
    FILE *fp;
    ls_csv_reader *r = NULL;
    ls_error err;
    assert_int_equal(open_text("x,Lead Origin,y,\n", 17, NULL, &fp, &r, &err), LS_OK);
    assert_int_equal(ls_csv_find_column(r, "Lead Origin"), 1);
    assert_int_equal(ls_csv_find_column(r, "nope"), (size_t)-1);
    assert_int_equal(ls_csv_find_column(r, ""), (size_t)-1);
    assert_null(ls_csv_column_name(r, 3));
    assert_string_equal(ls_csv_name(r), "t.csv");
    ls_csv_free(r);
    fclose(fp);
}

/* ---- the 256 KiB chunk boundary ------------------------------------------ */

typedef struct {
    char *buf;
    size_t len, cap;
} text_buf;

static void put(text_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->buf = realloc(b->buf, b->cap);
        assert_non_null(b->buf);
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void puts_(text_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Appends 16-byte rows "NNNNNN,vvvvvvv\r\n" (row number, then a value derived
 * from it) until the output reaches exactly `until` bytes; the last row is
 * padded so the boundary lands where the caller wants. Returns rows added. */
static size_t put_rows_until(text_buf *b, size_t *row, size_t until)
{
    size_t added = 0;
    while (b->len < until) {
        char line[64];
        size_t left = until - b->len;
        if (left < 16)
            fail_msg("cannot pad a row to %zu bytes", left);
        if (left >= 32) {
            snprintf(line, sizeof line, "%06zu,%07zu\r\n", *row, *row * 7 % 10000000);
        } else { /* pad the value so the row ends exactly at `until` */
            snprintf(line, sizeof line, "%06zu,%0*zu\r\n", *row, (int)(left - 9),
                     *row * 7 % 10000000);
        }
        puts_(b, line);
        (*row)++;
        added++;
    }
    assert_int_equal(b->len, until);
    return added;
}

/* Reads everything back: row i (0-based) must hold the values put_rows_until
 * gave it and sit on the line after row i-1 (after the extra lines of the one
 * multi-line row, whose value is checked as given). */
static void check_rows(const text_buf *b, size_t expected_rows, size_t multiline_row,
                       const char *multiline_value, size_t multiline_extra_lines)
{
    FILE *fp;
    ls_csv_reader *r = NULL;
    ls_error err;
    assert_int_equal(open_text(b->buf, b->len, NULL, &fp, &r, &err), LS_OK);
    assert_int_equal(ls_csv_columns(r), 2);
    size_t row = 0, line = 2;
    for (;;) {
        const char *const *f;
        int has;
        if (ls_csv_next(r, &f, &has, &err) != LS_OK)
            fail_msg("row %zu: %s (line %zu)", row, err.message, err.line);
        if (!has)
            break;
        char id[16];
        snprintf(id, sizeof id, "%06zu", row);
        assert_string_equal(f[0], id);
        if (ls_csv_line(r) != line)
            fail_msg("row %zu on line %zu, expected %zu", row, ls_csv_line(r), line);
        if (row == multiline_row) {
            assert_string_equal(f[1], multiline_value);
            line += multiline_extra_lines;
        } else {
            assert_int_equal(strtoull(f[1], NULL, 10), row * 7 % 10000000);
        }
        row++;
        line++;
    }
    assert_int_equal(row, expected_rows);
    ls_csv_free(r);
    fclose(fp);
}

/* A CRLF split across the boundary: '\r' is the chunk's last byte. */
static void test_chunk_crlf_split(void **state)
{
    (void)state;
    text_buf b = {0};
    size_t row = 0;
    puts_(&b, "id,value\r\n");
    put_rows_until(&b, &row, CHUNK + 1); /* ..."\r" at CHUNK-1, "\n" at CHUNK */
    assert_int_equal(b.buf[CHUNK - 1], '\r');
    assert_int_equal(b.buf[CHUNK], '\n');
    put_rows_until(&b, &row, CHUNK + 1 + 16 * 5);
    check_rows(&b, row, (size_t)-1, NULL, 0);
    /* And with the split after the '\n' instead. */
    b.len = 0;
    row = 0;
    puts_(&b, "id,value\r\n");
    put_rows_until(&b, &row, CHUNK);
    put_rows_until(&b, &row, CHUNK * 2 + 7);
    check_rows(&b, row, (size_t)-1, NULL, 0);
    free(b.buf);
}

/* A record straddling the boundary, and a quoted multi-line field whose
 * newlines sit on both sides of it: later line numbers must still be right. */
static void test_chunk_record_straddles(void **state)
{
    (void)state;
    text_buf b = {0};
    size_t row = 0;
    puts_(&b, "id,value\n");
    put_rows_until(&b, &row, CHUNK - 5); /* next row starts 5 bytes before the boundary */
    put_rows_until(&b, &row, CHUNK + 100);
    check_rows(&b, row, (size_t)-1, NULL, 0);

    b.len = 0;
    row = 0;
    puts_(&b, "id,value\n");
    put_rows_until(&b, &row, CHUNK - 20);
    size_t ml_row = row++;
    char head[32];
    snprintf(head, sizeof head, "%06zu,\"", ml_row); /* 8 bytes: the boundary is 12 later */
    puts_(&b, head);
    puts_(&b, "ab\ncd\r\nxyz\n\""); /* 11 bytes: the chunk ends in the first of two quotes */
    puts_(&b, "\"e\r\nf\"\r\n");    /* ... and the next one starts with the second */
    assert_int_equal(b.buf[CHUNK - 1], '"');
    assert_int_equal(b.buf[CHUNK], '"');
    put_rows_until(&b, &row, b.len + 16 * 1000);
    check_rows(&b, row, ml_row, "ab\ncd\r\nxyz\n\"e\r\nf", 4);
    free(b.buf);
}

/* A field longer than a chunk is read whole; one over the limit is refused
 * before the reader buffers the rest of the file. */
static void test_chunk_long_field(void **state)
{
    (void)state;
    size_t n = CHUNK + CHUNK / 2;
    text_buf b = {0};
    puts_(&b, "a,b\n1,\"");
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'x', n);
    put(&b, big, n);
    puts_(&b, "\"\n2,y\n");
    FILE *fp;
    ls_csv_reader *r = NULL;
    ls_error err;
    assert_int_equal(open_text(b.buf, b.len, NULL, &fp, &r, &err), LS_OK);
    const char *const *f;
    int has;
    assert_int_equal(ls_csv_next(r, &f, &has, &err), LS_OK);
    assert_int_equal(has, 1);
    assert_int_equal(ls_csv_field_length(r, 1), n);
    assert_int_equal(strspn(f[1], "x"), n);
    assert_int_equal(ls_csv_next(r, &f, &has, &err), LS_OK);
    assert_int_equal(ls_csv_line(r), 3);
    assert_string_equal(f[1], "y");
    ls_csv_free(r);
    fclose(fp);

    /* An unterminated quote swallowing a large file hits the limit early. */
    ls_csv_options opts;
    ls_csv_options_init(&opts);
    opts.max_field_bytes = 1000;
    b.len = 0;
    puts_(&b, "a,b\n1,2\n3,\"oops\n");
    for (int i = 0; i < 200000; i++)
        puts_(&b, "4,5\n");
    assert_int_equal(open_text(b.buf, b.len, &opts, &fp, &r, &err), LS_OK);
    assert_int_equal(ls_csv_next(r, &f, &has, &err), LS_OK);
    assert_int_equal(ls_csv_next(r, &f, &has, &err), LS_ERR_LIMIT);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column_index, 2);
    assert_non_null(strstr(err.message, "closing quote missing"));
    ls_csv_free(r);
    fclose(fp);
    free(big);
    free(b.buf);
}

/* The two bundled real files, read as they are. */
static void count_rows(const char *rel, char sep, size_t cols, size_t rows, const char *first,
                       const char *last)
{
    ls_csv_reader *r = NULL;
    ls_error err;
    if (ls_csv_open(ls_test_path(rel), NULL, &r, &err) != LS_OK)
        fail_msg("%s: %s", rel, err.message);
    assert_int_equal(ls_csv_separator(r), sep);
    assert_int_equal(ls_csv_columns(r), cols);
    assert_string_equal(ls_csv_column_name(r, 0), first);
    assert_string_equal(ls_csv_column_name(r, cols - 1), last);
    size_t n = 0;
    for (;;) {
        const char *const *f;
        int has;
        if (ls_csv_next(r, &f, &has, &err) != LS_OK)
            fail_msg("%s: %s", rel, err.message);
        if (!has)
            break;
        n++;
        assert_int_equal(ls_csv_line(r), n + 1);
    }
    assert_int_equal(n, rows);
    ls_csv_free(r);
}

static void test_bundled_files(void **state)
{
    (void)state;
    count_rows("datasets/x-education-leads/Leads.csv", ',', 37, 9240, "Prospect ID",
               "Last Notable Activity");
    count_rows("datasets/uci-online-shoppers/online_shoppers_intention.csv", ';', 18, 12330,
               "Administrative", "Revenue");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_cases),
        cmocka_unit_test(test_err_cases),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_open_missing_file),
        cmocka_unit_test(test_bad_separator_option),
        cmocka_unit_test(test_find_column),
        cmocka_unit_test(test_chunk_crlf_split),
        cmocka_unit_test(test_chunk_record_straddles),
        cmocka_unit_test(test_chunk_long_field),
        cmocka_unit_test(test_bundled_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
