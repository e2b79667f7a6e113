/* Typed table: locale-proof numbers, boolean spellings, missing tokens, type
 * inference and overrides, errors placed at the first offending cell, and the
 * two bundled real files loaded with the shape SOURCE.md documents.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/table.h"
#include "text.h"

#define MAXC 4

static const char *const missing_select[] = {"", "Select"};

/* ---- helpers ------------------------------------------------------------- */

static ls_table *load_text(const char *csv, const ls_table_options *opts, ls_status expect,
                           ls_error *err)
{
    const char *path = ls_test_write_temp(csv, strlen(csv));
    ls_table *t = NULL;
    ls_error_clear(err);
    ls_status st = ls_table_load(path, opts, &t, err);
    if (st != expect)
        fail_msg("load gave %s (%s), expected %s", ls_status_str(st), err->message,
                 ls_status_str(expect));
    if (st != LS_OK)
        assert_null(t);
    return t;
}

static size_t col(const ls_table *t, const char *name)
{
    size_t j = ls_table_find_column(t, name);
    if (j == (size_t)-1)
        fail_msg("no column '%s'", name);
    return j;
}

/* ---- numbers ------------------------------------------------------------- */

typedef struct {
    const char *text;
    ls_num_status status;
    double value;
} number_case;

static const number_case number_cases[] = {
    {"9.83E-05", LS_NUM_OK, 9.83e-05},
    {"-3", LS_NUM_OK, -3},
    {"+2.5", LS_NUM_OK, 2.5},
    {"0.021052632", LS_NUM_OK, 0.021052632},
    {"63973.52223", LS_NUM_OK, 63973.52223},
    {".5", LS_NUM_OK, 0.5},
    {"5.", LS_NUM_OK, 5},
    {"1e3", LS_NUM_OK, 1000},
    {" 7 ", LS_NUM_OK, 7},
    {"1e-999", LS_NUM_OK, 0},
    {"1e999", LS_NUM_NONFINITE, 0},
    {"-1e999", LS_NUM_NONFINITE, 0},
    {"NaN", LS_NUM_NONFINITE, 0},
    {"nan", LS_NUM_NONFINITE, 0},
    {"Inf", LS_NUM_NONFINITE, 0},
    {"-inf", LS_NUM_NONFINITE, 0},
    {"Infinity", LS_NUM_NONFINITE, 0},
    {"Infosys", LS_NUM_NOT_NUMBER, 0}, /* text that merely starts like inf/nan */
    {"Nancy", LS_NUM_NOT_NUMBER, 0},
    {"0x1A", LS_NUM_NOT_NUMBER, 0},
    {"1,5", LS_NUM_NOT_NUMBER, 0},
    {"1.2.3", LS_NUM_NOT_NUMBER, 0},
    {"e5", LS_NUM_NOT_NUMBER, 0},
    {"1e", LS_NUM_NOT_NUMBER, 0},
    {"-", LS_NUM_NOT_NUMBER, 0},
    {"", LS_NUM_NOT_NUMBER, 0},
    {"12abc", LS_NUM_NOT_NUMBER, 0},
};

static void check_numbers(const char *locale_name)
{
    for (size_t i = 0; i < sizeof number_cases / sizeof number_cases[0]; i++) {
        const number_case *c = &number_cases[i];
        double x = -12345;
        ls_num_status st = ls_parse_number(c->text, &x);
        if (st != c->status)
            fail_msg("'%s' in locale %s: status %d, expected %d", c->text, locale_name, st,
                     c->status);
        if (st == LS_NUM_OK)
            assert_close(x, c->value, 1e-15, 1e-300);
    }
}

static void test_numbers_c_locale(void **state)
{
    (void)state;
    check_numbers("C");
}

/* A German locale reads "9,83" as a number and "9.83" as 9: we must not. */
static void test_numbers_comma_locale(void **state)
{
    (void)state;
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8"};
    const char *got = NULL;
    for (size_t i = 0; i < 4 && !got; i++)
        got = setlocale(LC_NUMERIC, names[i]) ? names[i] : NULL;
    if (!got) {
        print_message("no comma-decimal locale installed: skipped\n");
        skip();
    }
    check_numbers(got);
    /* And through a whole table load. */
    ls_error err;
    ls_table *t = load_text("x\n9.83E-05\n-3\n1.5\n", NULL, LS_OK, &err);
    assert_int_equal(ls_table_column_type(t, 0), LS_TYPE_NUMERIC);
    assert_close(ls_table_values(t, 0)[0], 9.83e-05, 1e-15, 0);
    assert_close(ls_table_values(t, 0)[2], 1.5, 0, 0);
    ls_table_free(t);
    setlocale(LC_NUMERIC, "C");
}

typedef struct {
    const char *name;
    const char *csv;
    size_t line, column_index;
    const char *column;
    const char *message;
} nonfinite_case;

static const nonfinite_case nonfinite_cases[] = {
    {"overflow", "id,x\na,1\nb,1e999\nc,2\n", 3, 2, "x", "'1e999' is not a finite number"},
    {"NaN", "id,x,y\na,1,2\nb,3,4\nc,NaN,5\n", 4, 2, "x", "'NaN' is not a finite number"},
    {"Inf after NaN", "x,y\n1,2\n3,Inf\n4,nan\n", 3, 2, "y", "'Inf' is not a finite number"},
};

static void test_nonfinite_is_an_error(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof nonfinite_cases / sizeof nonfinite_cases[0]; i++) {
        const nonfinite_case *c = &nonfinite_cases[i];
        ls_error err;
        load_text(c->csv, NULL, LS_ERR_PARSE, &err);
        if (err.line != c->line || err.column_index != c->column_index ||
            strcmp(err.column, c->column) != 0 || !strstr(err.message, c->message))
            fail_msg("case '%s': got %zu:%zu '%s' %s", c->name, err.line, err.column_index,
                     err.column, err.message);
    }
}

static void test_tiny_numbers(void **state)
{
    (void)state;
    ls_error err;
    ls_table *t = load_text("x\n1e-999\n2\n3\n", NULL, LS_OK, &err);
    assert_int_equal(ls_table_column_type(t, 0), LS_TYPE_NUMERIC);
    assert_true(fabs(ls_table_values(t, 0)[0]) < 1e-300);
    ls_table_free(t);
}

/* ---- booleans ------------------------------------------------------------ */

static void test_booleans(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {{"TRUE", "FALSE"}, {"true", "false"}, {"yes", "no"},
                                           {"Yes", "No"},     {"1", "0"},        {"Y", "N"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char csv[128];
        snprintf(csv, sizeof csv, "flag\n%s\n%s\n\n%s\n", pairs[i][0], pairs[i][1], pairs[i][1]);
        ls_error err;
        /* The blank line is skipped, so there are 3 rows. */
        ls_table *t = load_text(csv, NULL, LS_OK, &err);
        if (ls_table_column_type(t, 0) != LS_TYPE_BOOLEAN)
            fail_msg("%s/%s: type %s", pairs[i][0], pairs[i][1],
                     ls_column_type_name(ls_table_column_type(t, 0)));
        const double *v = ls_table_values(t, 0);
        assert_int_equal(ls_table_rows(t), 3);
        assert_close(v[0], 1, 0, 0);
        assert_close(v[1], 0, 0, 0);
        assert_close(v[2], 0, 0, 0);
        assert_close(ls_table_level_values(t, 0)[0], 1, 0, 0);
        ls_table_free(t);
    }
    int b = -1;
    assert_int_equal(ls_parse_bool("maybe", &b), 0);
    assert_int_equal(ls_parse_bool("", &b), 0);
    assert_int_equal(ls_parse_bool("2", &b), 0);
}

/* ---- missing tokens ------------------------------------------------------ */

static void test_missing_default_is_empty(void **state)
{
    (void)state;
    ls_error err;
    ls_table *t = load_text("x,c\n1,a\n,NA\n3,\n\"\",Select\n", NULL, LS_OK, &err);
    assert_int_equal(ls_table_rows(t), 4);
    assert_int_equal(ls_table_missing_count(t, 0), 2);
    assert_int_equal(ls_table_missing_count(t, 1), 1);
    assert_int_equal(ls_table_level_count(t, 1), 3); /* a, NA, Select */
    assert_true(isnan(ls_table_values(t, 0)[1]));
    assert_int_equal(ls_table_codes(t, 1)[2], LS_MISSING_CODE);
    ls_table_free(t);
}

static void test_missing_configured(void **state)
{
    (void)state;
    static const char *const tokens[] = {"", "Select", "NA", "unknown"};
    ls_table_options opts;
    ls_table_options_init(&opts);
    opts.missing_tokens = tokens;
    opts.n_missing_tokens = 4;
    ls_error err;
    ls_table *t = load_text("x,c\n1,a\nNA,Select\n3,unknown\n,b\n5,Unknown\n", &opts, LS_OK, &err);
    assert_int_equal(ls_table_column_type(t, 0), LS_TYPE_NUMERIC); /* NA no longer text */
    assert_int_equal(ls_table_missing_count(t, 0), 2);
    assert_int_equal(ls_table_missing_count(t, 1), 2); /* tokens are case-sensitive */
    assert_int_equal(ls_table_level_count(t, 1), 3);   /* a, b, Unknown */
    assert_int_equal(ls_table_find_level(t, 1, "Select"), (size_t)-1);
    assert_int_equal(ls_table_find_level(t, 1, "Unknown"), 2);
    ls_table_free(t);

    /* A list without "" makes the empty string an ordinary value. */
    opts.missing_tokens = tokens + 1;
    opts.n_missing_tokens = 1;
    t = load_text("c\na\n\nSelect\n\"\"\n", &opts, LS_OK, &err);
    assert_int_equal(ls_table_missing_count(t, 0), 1);
    assert_int_equal(ls_table_level_count(t, 0), 2);
    assert_int_equal(ls_table_level_rows(t, 0, ls_table_find_level(t, 0, "")), 1);
    ls_table_free(t);
}

/* ---- type inference ------------------------------------------------------ */

typedef struct {
    const char *name;
    ls_column_type type;
    size_t missing, levels;
} col_expect;

typedef struct {
    const char *name;
    const char *csv;
    size_t rows;
    col_expect cols[MAXC];
} infer_case;

/* 20 rows: the count from which an all-distinct column is called ID-like
 * whatever its name. */
#define ROWS20(f)                                                                                  \
    f(1) f(2) f(3) f(4) f(5) f(6) f(7) f(8) f(9) f(10) f(11) f(12) f(13) f(14) f(15) f(16) f(17)   \
        f(18) f(19) f(20)
#define LINE20(i) #i ",u" #i ",a," #i ".5\n"

static const infer_case infer_cases[] = {
    {"small table",
     "count,city,ok,score\n3,Pune,Yes,1.5\n3,Delhi,No,\n4,Pune,Yes,2\n",
     3,
     {{"count", LS_TYPE_NUMERIC, 0, 2},
      {"city", LS_TYPE_CATEGORICAL, 0, 2},
      {"ok", LS_TYPE_BOOLEAN, 0, 2},
      {"score", LS_TYPE_NUMERIC, 1, 2}}},
    {"ID by name",
     "Lead Number,Prospect ID,Paid,userId\n11,a,x1,k1\n12,b,x2,k2\n",
     2,
     {{"Lead Number", LS_TYPE_ID, 0, 2},
      {"Prospect ID", LS_TYPE_ID, 0, 2},
      {"Paid", LS_TYPE_CATEGORICAL, 0, 2}, /* ends in "id" but is not an ID name */
      {"userId", LS_TYPE_ID, 0, 2}}},
    {"ID by distinctness over 20 rows",
     "n,code,same,frac\n" ROWS20(LINE20),
     20,
     {{"n", LS_TYPE_ID, 0, 20},
      {"code", LS_TYPE_ID, 0, 20},
      {"same", LS_TYPE_CATEGORICAL, 0, 1},
      {"frac", LS_TYPE_NUMERIC, 0, 20}}}, /* distinct but not integers */
    {"not ID when a value is missing or repeated",
     "a_id,b,c\n1,x,1\n,y,2\n3,z,3\n",
     3,
     {{"a_id", LS_TYPE_NUMERIC, 1, 2},
      {"b", LS_TYPE_CATEGORICAL, 0, 3},
      {"c", LS_TYPE_NUMERIC, 0, 3}}},
    {"constant and empty columns",
     "k,flag,none\nx,No,\nx,No,\n",
     2,
     {{"k", LS_TYPE_CATEGORICAL, 0, 1},
      {"flag", LS_TYPE_BOOLEAN, 0, 1},
      {"none", LS_TYPE_CATEGORICAL, 2, 0}}},
    {"a 0/1/2 column is numeric, a yes/no/maybe column categorical",
     "n,answer\n0,yes\n1,no\n2,maybe\n",
     3,
     {{"n", LS_TYPE_NUMERIC, 0, 3}, {"answer", LS_TYPE_CATEGORICAL, 0, 3}}},
    {"mostly numbers plus text is categorical",
     "x\n1\n2\nn/a\n",
     3,
     {{"x", LS_TYPE_CATEGORICAL, 0, 3}}},
};

static void check_infer_case(const infer_case *c)
{
    ls_error err;
    ls_table *t = load_text(c->csv, NULL, LS_OK, &err);
    assert_int_equal(ls_table_rows(t), c->rows);
    for (size_t k = 0; k < MAXC && c->cols[k].name; k++) {
        const col_expect *e = &c->cols[k];
        size_t j = col(t, e->name);
        if (ls_table_column_type(t, j) != e->type || ls_table_missing_count(t, j) != e->missing ||
            ls_table_level_count(t, j) != e->levels)
            fail_msg("case '%s' column '%s': %s, %zu missing, %zu levels; expected %s, %zu, %zu",
                     c->name, e->name, ls_column_type_name(ls_table_column_type(t, j)),
                     ls_table_missing_count(t, j), ls_table_level_count(t, j),
                     ls_column_type_name(e->type), e->missing, e->levels);
    }
    ls_table_free(t);
}

static void test_type_inference(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof infer_cases / sizeof infer_cases[0]; i++)
        check_infer_case(&infer_cases[i]);
}

static void test_type_names(void **state)
{
    (void)state;
    ls_column_type ty;
    assert_true(ls_column_type_parse("Numeric", &ty));
    assert_int_equal(ty, LS_TYPE_NUMERIC);
    assert_true(ls_column_type_parse("id", &ty));
    assert_int_equal(ty, LS_TYPE_ID);
    assert_false(ls_column_type_parse("text", &ty));
    assert_string_equal(ls_column_type_name(LS_TYPE_CATEGORICAL), "categorical");
}

/* ---- overrides ----------------------------------------------------------- */

static void test_override_types(void **state)
{
    (void)state;
    static const char *const names[] = {"code", "flag", "n"};
    static const ls_column_type types[] = {LS_TYPE_CATEGORICAL, LS_TYPE_NUMERIC, LS_TYPE_IGNORE};
    ls_table_options opts;
    ls_table_options_init(&opts);
    opts.type_names = names;
    opts.types = types;
    opts.n_types = 3;
    ls_error err;
    ls_table *t = load_text("code,flag,n\n1,1,5\n2,0,6\n1,1,7\n", &opts, LS_OK, &err);
    assert_int_equal(ls_table_column_type(t, 0), LS_TYPE_CATEGORICAL);
    assert_null(ls_table_values(t, 0));
    assert_int_equal(ls_table_column_type(t, 1), LS_TYPE_NUMERIC);
    assert_close(ls_table_values(t, 1)[1], 0, 0, 0);
    assert_int_equal(ls_table_column_type(t, 2), LS_TYPE_IGNORE);
    ls_table_free(t);
}

typedef struct {
    const char *name;
    const char *csv;
    const char *column;
    ls_column_type type;
    ls_status code;
    size_t line, column_index;
    const char *message;
} override_err_case;

static const override_err_case override_err_cases[] = {
    {"text in a numeric column", "id,Total Visits\na,1\nb,2\nc,three\nd,4\ne,x\n", "Total Visits",
     LS_TYPE_NUMERIC, LS_ERR_PARSE, 4, 2, "'three' is not a number (the column is numeric)"},
    {"text first, Inf later: the first line wins", "v,x\na,1\nb,abc\nc,inf\n", "x", LS_TYPE_NUMERIC,
     LS_ERR_PARSE, 3, 2, "'abc' is not a number"},
    {"Inf in a numeric column", "v,x\na,1\nb,Inf\n", "x", LS_TYPE_NUMERIC, LS_ERR_PARSE, 3, 2,
     "'Inf' is not a finite number"},
    {"text in a boolean column", "v,flag\na,Yes\nb,No\nc,Maybe\n", "flag", LS_TYPE_BOOLEAN,
     LS_ERR_PARSE, 4, 2, "'Maybe' is not a boolean"},
    {"after a multi-line record", "v,x\n\"a\nb\",1\nc,2\nd,?\n", "x", LS_TYPE_NUMERIC, LS_ERR_PARSE,
     5, 2, "'?' is not a number"},
    {"unknown column", "v,x\na,1\n", "nope", LS_TYPE_NUMERIC, LS_ERR_NOTFOUND, 1, 0,
     "no such column"},
};

static void test_override_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof override_err_cases / sizeof override_err_cases[0]; i++) {
        const override_err_case *c = &override_err_cases[i];
        ls_table_options opts;
        ls_table_options_init(&opts);
        opts.type_names = &c->column;
        opts.types = &c->type;
        opts.n_types = 1;
        ls_error err;
        load_text(c->csv, &opts, c->code, &err);
        if (err.line != c->line || err.column_index != c->column_index ||
            strcmp(err.column, c->column) != 0 || !strstr(err.message, c->message))
            fail_msg("case '%s': got %zu:%zu '%s' %s", c->name, err.line, err.column_index,
                     err.column, err.message);
    }
}

/* Reader errors come through the table with the file name and place. */
static void test_reader_error_passes_through(void **state)
{
    (void)state;
    ls_error err;
    load_text("a,b\n1,2\n3\n", NULL, LS_ERR_PARSE, &err);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column_index, 2);
    assert_string_equal(err.column, "b");
    assert_non_null(strstr(err.file, "/tmp/ls_test_"));
}

/* ---- the bundled real files ---------------------------------------------- */

typedef struct {
    const char *name;
    ls_column_type type;
    size_t missing, levels;
} real_col;

/* SOURCE.md's counts with "" and "Select" as missing (Select adds 1,942 to
 * Specialization, 5,043 to How did you hear, 4,146 to Lead Profile and 2,249
 * to City, and removes one level from each). */
static const real_col xed_cols[] = {
    {"Prospect ID", LS_TYPE_ID, 0, 9240},
    {"Lead Number", LS_TYPE_ID, 0, 9240},
    {"Lead Origin", LS_TYPE_CATEGORICAL, 0, 5},
    {"Lead Source", LS_TYPE_CATEGORICAL, 36, 21},
    {"Do Not Email", LS_TYPE_BOOLEAN, 0, 2},
    {"Do Not Call", LS_TYPE_BOOLEAN, 0, 2},
    {"Converted", LS_TYPE_BOOLEAN, 0, 2},
    {"TotalVisits", LS_TYPE_NUMERIC, 137, 41},
    {"Total Time Spent on Website", LS_TYPE_NUMERIC, 0, 1731},
    {"Page Views Per Visit", LS_TYPE_NUMERIC, 137, 114},
    {"Last Activity", LS_TYPE_CATEGORICAL, 103, 17},
    {"Country", LS_TYPE_CATEGORICAL, 2461, 38},
    {"Specialization", LS_TYPE_CATEGORICAL, 1438 + 1942, 18},
    {"How did you hear about X Education", LS_TYPE_CATEGORICAL, 2207 + 5043, 9},
    {"What is your current occupation", LS_TYPE_CATEGORICAL, 2690, 6},
    {"What matters most to you in choosing a course", LS_TYPE_CATEGORICAL, 2709, 3},
    {"Magazine", LS_TYPE_BOOLEAN, 0, 1},
    {"Tags", LS_TYPE_CATEGORICAL, 3353, 26},
    {"Lead Quality", LS_TYPE_CATEGORICAL, 4767, 5},
    {"Lead Profile", LS_TYPE_CATEGORICAL, 2709 + 4146, 5},
    {"City", LS_TYPE_CATEGORICAL, 1420 + 2249, 6},
    {"Asymmetrique Activity Index", LS_TYPE_CATEGORICAL, 4218, 3},
    {"Asymmetrique Activity Score", LS_TYPE_NUMERIC, 4218, 12},
    {"Asymmetrique Profile Score", LS_TYPE_NUMERIC, 4218, 10},
    {"A free copy of Mastering The Interview", LS_TYPE_BOOLEAN, 0, 2},
    {"Last Notable Activity", LS_TYPE_CATEGORICAL, 0, 16},
};

static const real_col uci_cols[] = {
    {"Administrative", LS_TYPE_NUMERIC, 0, 27},
    {"ProductRelated_Duration", LS_TYPE_NUMERIC, 0, 9551},
    {"BounceRates", LS_TYPE_NUMERIC, 0, 1872},
    {"SpecialDay", LS_TYPE_NUMERIC, 0, 6},
    {"Month", LS_TYPE_CATEGORICAL, 0, 10},
    {"OperatingSystems", LS_TYPE_NUMERIC, 0, 8}, /* integer codes: --type makes them categorical */
    {"TrafficType", LS_TYPE_NUMERIC, 0, 20},
    {"VisitorType", LS_TYPE_CATEGORICAL, 0, 3},
    {"Weekend", LS_TYPE_BOOLEAN, 0, 2},
    {"Revenue", LS_TYPE_BOOLEAN, 0, 2},
};

static void check_real(const ls_table *t, const real_col *cols, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        size_t j = col(t, cols[k].name);
        if (ls_table_column_type(t, j) != cols[k].type ||
            ls_table_missing_count(t, j) != cols[k].missing ||
            ls_table_level_count(t, j) != cols[k].levels)
            fail_msg("'%s': %s, %zu missing, %zu levels; expected %s, %zu, %zu", cols[k].name,
                     ls_column_type_name(ls_table_column_type(t, j)), ls_table_missing_count(t, j),
                     ls_table_level_count(t, j), ls_column_type_name(cols[k].type), cols[k].missing,
                     cols[k].levels);
    }
}

static void test_x_education(void **state)
{
    (void)state;
    ls_table_options opts;
    ls_table_options_init(&opts);
    opts.missing_tokens = missing_select;
    opts.n_missing_tokens = 2;
    ls_table *t = NULL;
    ls_error err;
    if (ls_table_load(ls_test_path("datasets/x-education-leads/Leads.csv"), &opts, &t, &err))
        fail_msg("%s", err.message);
    assert_int_equal(ls_table_rows(t), 9240);
    assert_int_equal(ls_table_columns(t), 37);
    check_real(t, xed_cols, sizeof xed_cols / sizeof xed_cols[0]);
    size_t conv = col(t, "Converted");
    size_t one = ls_table_find_level(t, conv, "1");
    assert_int_equal(ls_table_level_rows(t, conv, one), 3561);
    size_t spec = col(t, "Specialization");
    assert_int_equal(
        ls_table_level_rows(t, spec,
                            ls_table_find_level(t, spec, "Banking, Investment And Insurance")),
        338);
    size_t src = col(t, "Lead Source");
    assert_int_equal(ls_table_level_rows(t, src, ls_table_find_level(t, src, "Google")), 2868);
    assert_int_equal(ls_table_level_rows(t, src, ls_table_find_level(t, src, "google")), 5);
    assert_int_equal(ls_table_line(t, 0), 2);
    assert_int_equal(ls_table_line(t, 9239), 9241);
    ls_table_free(t);
}

static void test_uci(void **state)
{
    (void)state;
    ls_table *t = NULL;
    ls_error err;
    if (ls_table_load(ls_test_path("datasets/uci-online-shoppers/online_shoppers_intention.csv"),
                      NULL, &t, &err))
        fail_msg("%s", err.message);
    assert_int_equal(ls_table_rows(t), 12330);
    assert_int_equal(ls_table_columns(t), 18);
    check_real(t, uci_cols, sizeof uci_cols / sizeof uci_cols[0]);
    size_t rev = col(t, "Revenue");
    const double *v = ls_table_values(t, rev);
    size_t pos = 0;
    for (size_t i = 0; i < ls_table_rows(t); i++)
        pos += v[i] == 1;
    assert_int_equal(pos, 1908);
    /* Line 369 holds BounceRates 9.83E-05. */
    assert_int_equal(ls_table_line(t, 367), 369);
    assert_close(ls_table_values(t, col(t, "BounceRates"))[367], 9.83e-05, 1e-15, 0);
    assert_close(ls_table_values(t, col(t, "ProductRelated_Duration"))[367], 3510.879903, 1e-15, 0);
    ls_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_c_locale),
        cmocka_unit_test(test_numbers_comma_locale),
        cmocka_unit_test(test_nonfinite_is_an_error),
        cmocka_unit_test(test_tiny_numbers),
        cmocka_unit_test(test_booleans),
        cmocka_unit_test(test_missing_default_is_empty),
        cmocka_unit_test(test_missing_configured),
        cmocka_unit_test(test_type_inference),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_override_types),
        cmocka_unit_test(test_override_errors),
        cmocka_unit_test(test_reader_error_passes_through),
        cmocka_unit_test(test_x_education),
        cmocka_unit_test(test_uci),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
