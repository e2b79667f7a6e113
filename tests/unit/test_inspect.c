/* Inspect: conversion rates, Wilson intervals, quartiles, bands, IVs and
 * warnings for both bundled datasets must equal what pandas computes
 * independently (scripts/expected-inspect.py, literals in
 * tests/data/inspect/expected.h) to 1e-9; small hand-checked cases pin the
 * definitions (band edges, zero-cell adjustment) and the target's rules.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <cjson/cJSON.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/inspect.h"
#include "leadscore/table.h"

#define REL 1e-9
#define ABS 1e-12

typedef struct {
    size_t rows;
    const char *positive, *negative;
    size_t positives;
} expected_profile;

typedef struct {
    const char *name;
    ls_column_type type;
    size_t missing, distinct;
    double iv;
    size_t n_bins;
    double quantiles[5]; /* min, q1, median, q3, max */
} expected_column;

typedef struct {
    const char *column;
    const char *label; /* NULL for numeric bands (matched in order) and the missing bin */
    int missing;
    size_t rows, positives;
    double v[7]; /* lower, upper, rate, ci_low, ci_high, woe, iv */
} expected_bin;

typedef struct {
    const char *column;
    ls_inspect_warning_kind kind;
} expected_warning;

#include "../data/inspect/expected.h"

/* ---- helpers ------------------------------------------------------------- */

static ls_table *load(const char *path, const char *const *missing, size_t n_missing)
{
    ls_table_options opts;
    ls_table_options_init(&opts);
    opts.missing_tokens = missing;
    opts.n_missing_tokens = n_missing;
    ls_table *t = NULL;
    ls_error err;
    if (ls_table_load(path, &opts, &t, &err) != LS_OK)
        fail_msg("%s: %s", path, err.message);
    return t;
}

static ls_table *load_text(const char *csv)
{
    return load(ls_test_write_temp(csv, strlen(csv)), NULL, 0);
}

static ls_inspect_profile *inspect(const ls_table *t, const char *target, const char *positive)
{
    ls_inspect_options opts;
    ls_inspect_options_init(&opts);
    opts.target = target;
    opts.positive = positive;
    ls_inspect_profile *p = NULL;
    ls_error err;
    if (ls_inspect_table(t, &opts, &p, &err) != LS_OK)
        fail_msg("inspect: %s", err.message);
    return p;
}

static const ls_inspect_column *column(const ls_inspect_profile *p, const char *name)
{
    for (size_t j = 0; j < p->n_columns; j++)
        if (strcmp(p->columns[j].name, name) == 0)
            return &p->columns[j];
    fail_msg("no column '%s' in the profile", name);
    abort(); /* not reached: fail_msg jumps back to cmocka */
}

/* The bin an expected row describes: by label, the missing bin, or the k-th band. */
static const ls_inspect_bin *find_bin(const ls_inspect_column *c, const expected_bin *e,
                                      size_t band)
{
    size_t seen = 0;
    for (size_t i = 0; i < c->n_bins; i++) {
        const ls_inspect_bin *b = &c->bins[i];
        if (e->missing
                ? b->is_missing
                : !b->is_missing && (e->label ? strcmp(b->label, e->label) == 0 : seen++ == band))
            return b;
    }
    fail_msg("column '%s': no bin '%s' (band %zu)", e->column, e->label ? e->label : "", band);
    abort(); /* not reached: fail_msg jumps back to cmocka */
}

static void check_column(const ls_inspect_column *c, const expected_column *e)
{
    if (c->type != e->type || c->missing != e->missing || c->distinct != e->distinct ||
        c->n_bins != e->n_bins)
        fail_msg("'%s': %s, %zu missing, %zu distinct, %zu bins; pandas: %s, %zu, %zu, %zu",
                 e->name, ls_column_type_name(c->type), c->missing, c->distinct, c->n_bins,
                 ls_column_type_name(e->type), e->missing, e->distinct, e->n_bins);
    assert_close(c->iv, e->iv, REL, ABS);
    const double q[5] = {c->min, c->q1, c->median, c->q3, c->max};
    for (int k = 0; k < 5; k++)
        assert_close(q[k], e->quantiles[k], REL, ABS);
}

static void check_bins(const ls_inspect_profile *p, const expected_bin *bins, size_t n)
{
    const char *last = "";
    size_t band = 0;
    for (size_t i = 0; i < n; i++) {
        const expected_bin *e = &bins[i];
        band = strcmp(last, e->column) == 0 ? band : 0;
        last = e->column;
        const ls_inspect_bin *b = find_bin(column(p, e->column), e, band);
        band += !e->label && !e->missing;
        if (b->rows != e->rows || b->positives != e->positives)
            fail_msg("'%s' bin '%s': %zu rows, %zu positives; pandas %zu, %zu", e->column, b->label,
                     b->rows, b->positives, e->rows, e->positives);
        const double got[7] = {b->lower, b->upper, b->rate, b->ci_low, b->ci_high, b->woe, b->iv};
        for (int k = 0; k < 7; k++)
            assert_close(got[k], e->v[k], REL, ABS);
    }
}

static void check_warnings(const ls_inspect_profile *p, const expected_warning *w, size_t n)
{
    if (p->n_warnings != n)
        fail_msg("%zu warnings, pandas %zu", p->n_warnings, n);
    for (size_t i = 0; i < n; i++) {
        size_t want = 0, got = 0;
        for (size_t k = 0; k < n; k++)
            want += strcmp(w[k].column, w[i].column) == 0 && w[k].kind == w[i].kind;
        for (size_t k = 0; k < p->n_warnings; k++)
            got += strcmp(p->columns[p->warnings[k].column].name, w[i].column) == 0 &&
                   p->warnings[k].kind == w[i].kind;
        if (got != want)
            fail_msg("'%s' %s: %zu warnings, pandas %zu", w[i].column,
                     ls_inspect_warning_name(w[i].kind), got, want);
    }
}

static void check_profile(const ls_inspect_profile *p, const expected_profile *e,
                          const expected_column *cols, size_t n_cols, const expected_bin *bins,
                          size_t n_bins, const expected_warning *w, size_t n_w)
{
    assert_int_equal(p->rows, e->rows);
    assert_string_equal(p->positive, e->positive);
    assert_string_equal(p->negative, e->negative);
    assert_int_equal(p->positives, e->positives);
    assert_int_equal(p->negatives, e->rows - e->positives);
    assert_int_equal(p->n_columns, n_cols);
    for (size_t j = 0; j < n_cols; j++) {
        assert_string_equal(p->columns[j].name, cols[j].name);
        check_column(&p->columns[j], &cols[j]);
    }
    check_bins(p, bins, n_bins);
    check_warnings(p, w, n_w);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the bundled datasets against pandas --------------------------------- */

static void test_x_education_matches_pandas(void **state)
{
    (void)state;
    static const char *const missing[] = {"", "Select"};
    ls_table *t = load(ls_test_path("datasets/x-education-leads/Leads.csv"), missing, 2);
    ls_inspect_profile *p = inspect(t, "Converted", NULL);
    check_profile(p, &xed_expected, xed_expected_columns, COUNT(xed_expected_columns),
                  xed_expected_bins, COUNT(xed_expected_bins), xed_expected_warnings,
                  COUNT(xed_expected_warnings));
    /* Levels are listed by rows, most first, and the missing bin last. */
    const ls_inspect_column *tags = column(p, "Tags");
    assert_string_equal(tags->bins[0].label, "Will revert after reading the email");
    assert_true(tags->bins[tags->n_bins - 1].is_missing);
    ls_inspect_free(p);
    ls_table_free(t);
}

static void test_uci_matches_pandas(void **state)
{
    (void)state;
    ls_table *t =
        load(ls_test_path("datasets/uci-online-shoppers/online_shoppers_intention.csv"), NULL, 0);
    ls_inspect_profile *p = inspect(t, "Revenue", "TRUE");
    check_profile(p, &uci_expected, uci_expected_columns, COUNT(uci_expected_columns),
                  uci_expected_bins, COUNT(uci_expected_bins), uci_expected_warnings,
                  COUNT(uci_expected_warnings));
    ls_inspect_free(p);
    /* "true" names the same outcome as "TRUE" in a boolean column. */
    p = inspect(t, "Revenue", "true");
    assert_int_equal(p->positives, 1908);
    ls_inspect_free(p);
    ls_table_free(t);
}

/* ---- definitions, by hand ------------------------------------------------ */

static void test_wilson(void **state)
{
    (void)state;
    double lo, hi;
    /* Textbook 0.2366..0.7634 for 5/10; the digits are Python's, from the formula. */
    const double z = 1.9599639845400536;
    ls_inspect_wilson(5, 10, z, &lo, &hi);
    assert_close(lo, 0.23659309051256405, 1e-12, 0);
    assert_close(hi, 0.763406909487436, 1e-12, 0);
    ls_inspect_wilson(0, 10, z, &lo, &hi);
    assert_close(lo, 0, 0, 1e-15);
    assert_close(hi, 0.27753279986288915, 1e-12, 0);
    ls_inspect_wilson(10, 10, z, &lo, &hi);
    assert_close(lo, 0.7224672001371109, 1e-12, 0);
    assert_close(hi, 1, 0, 0);
    ls_inspect_wilson(0, 0, 1.96, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi));
}

static void test_quantile_type7(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4};
    assert_close(ls_inspect_quantile(x, 4, 0.25), 1.75, 0, 1e-15);
    assert_close(ls_inspect_quantile(x, 4, 0.5), 2.5, 0, 1e-15);
    assert_close(ls_inspect_quantile(x, 4, 0.75), 3.25, 0, 1e-15);
    assert_close(ls_inspect_quantile(x, 4, 0), 1, 0, 0);
    assert_close(ls_inspect_quantile(x, 4, 1), 4, 0, 0);
    assert_close(ls_inspect_quantile(x, 1, 0.5), 1, 0, 0);
    assert_true(isnan(ls_inspect_quantile(x, 0, 0.5)));
}

/* Tied quartiles: q1 = median = q3 = 0.25 would give (0, 0] and (0, 0.25]
 * empty; only bands holding rows are kept, edges included as documented. */
static void test_band_edges(void **state)
{
    (void)state;
    ls_table *t = load_text("x,y\n0,0\n0,0\n0,1\n0,0\n0,0\n0,1\n1,1\n5,1\n,0\n");
    ls_inspect_profile *p = inspect(t, "y", NULL);
    const ls_inspect_column *c = column(p, "x");
    assert_close(c->q1, 0, 0, 0);
    assert_close(c->median, 0, 0, 0);
    assert_close(c->q3, 0.25, 0, 1e-15);
    assert_int_equal(c->n_bins, 3);
    assert_string_equal(c->bins[0].label, "[0, 0]");
    assert_int_equal(c->bins[0].rows, 6);
    assert_int_equal(c->bins[0].positives, 2);
    assert_string_equal(c->bins[1].label, "(0.25, 5]");
    assert_int_equal(c->bins[1].rows, 2);
    assert_close(c->bins[1].lower, 0.25, 0, 1e-15);
    assert_close(c->bins[1].upper, 5, 0, 0);
    assert_true(c->bins[2].is_missing);
    assert_int_equal(c->bins[2].rows, 1);
    assert_int_equal(c->distinct, 3);
    ls_inspect_free(p);
    ls_table_free(t);
}

/* Both bins have a zero cell, so both get +0.5: shares 5/6 and 1/6, and
 * IV = 2 * (4/6) * ln 5. */
static void test_zero_cell_adjustment(void **state)
{
    (void)state;
    ls_table *t = load_text("g,y\na,1\na,1\nb,0\nb,0\n");
    ls_inspect_profile *p = inspect(t, "y", NULL);
    const ls_inspect_column *c = column(p, "g");
    assert_close(c->iv, 8.0 / 6.0 * log(5.0), 1e-15, 0);
    assert_close(c->bins[0].woe, log(5.0), 1e-15, 0);
    assert_close(c->bins[1].woe, -log(5.0), 1e-15, 0);
    ls_inspect_free(p);
    ls_table_free(t);
}

/* 30 rows of a level that never converts: leakage; 29 would not be. */
static void test_leak_level_threshold(void **state)
{
    (void)state;
    char csv[4096] = "tag,other,y\n";
    for (int i = 0; i < 60; i++)
        strcat(csv, i < 30 ? "dead,a,0\n" : i < 59 ? "live,a,1\n" : "live,a,0\n");
    ls_table *t = load_text(csv);
    ls_inspect_profile *p = inspect(t, "y", NULL);
    size_t leak_levels = 0;
    for (size_t i = 0; i < p->n_warnings; i++) {
        if (p->warnings[i].kind != LS_WARN_LEAK_LEVEL)
            continue;
        leak_levels++;
        assert_string_equal(p->columns[p->warnings[i].column].name, "tag");
        assert_non_null(strstr(p->warnings[i].message, "level 'dead' converts 0% over 30 rows"));
    }
    assert_int_equal(leak_levels, 1);
    assert_int_equal(p->warnings[p->n_warnings - 1].kind, LS_WARN_CONSTANT); /* other */
    ls_inspect_free(p);
    ls_table_free(t);
}

/* One '12 min' among minutes makes a column text: inspect names the value
 * and its line. Banded labels and codes that are mostly text are not flagged. */
static void test_mostly_numeric(void **state)
{
    (void)state;
    char csv[8192] = "minutes,size,code,y\n";
    for (int i = 0; i < 40; i++) {
        char row[64];
        snprintf(row, sizeof row, "%s,%s,%s,%d\n",
                 i == 25 ? "12 min"
                 : i % 2 ? "3.5"
                         : "40",
                 i % 3 ? "1-10" : "11-100", i < 30 ? "x" : "7", i % 2);
        strcat(csv, row);
    }
    ls_table *t = load_text(csv);
    ls_inspect_profile *p = inspect(t, "y", NULL);
    size_t flagged = 0;
    for (size_t i = 0; i < p->n_warnings; i++) {
        if (p->warnings[i].kind != LS_WARN_MOSTLY_NUMERIC)
            continue;
        flagged++;
        assert_string_equal(p->columns[p->warnings[i].column].name, "minutes");
        /* header on line 1, row 25 (0-based) on line 27 */
        assert_non_null(strstr(p->warnings[i].message,
                               "39 of 40 values are numbers; the first that is not, '12 min', is "
                               "on line 27"));
    }
    assert_int_equal(flagged, 1);
    assert_string_equal(ls_inspect_warning_name(LS_WARN_MOSTLY_NUMERIC), "mostly-numeric");
    ls_inspect_free(p);
    ls_table_free(t);

    /* numbers declared categorical are the user's call: no warning */
    const char *names[] = {"code"};
    const ls_column_type types[] = {LS_TYPE_CATEGORICAL};
    ls_table_options opts;
    ls_table_options_init(&opts);
    opts.type_names = names;
    opts.types = types;
    opts.n_types = 1;
    const char *numbers = "code,y\n1,0\n2,1\n3,0\n4,1\n1,0\n2,1\n";
    ls_error err;
    assert_int_equal(ls_table_load(ls_test_write_temp(numbers, strlen(numbers)), &opts, &t, &err),
                     LS_OK);
    p = inspect(t, "y", NULL);
    for (size_t i = 0; i < p->n_warnings; i++)
        assert_int_not_equal(p->warnings[i].kind, LS_WARN_MOSTLY_NUMERIC);
    ls_inspect_free(p);
    ls_table_free(t);
}

/* ---- the target ---------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *csv;
    const char *target, *positive;
    ls_status code;
    size_t line, column_index;
    const char *message;
} target_case;

static const target_case target_cases[] = {
    {"a third value", "id,Converted\na,1\nb,0\nc,maybe\nd,1\n", "Converted", NULL, LS_ERR_DATA, 4,
     2, "the target has a third value 'maybe' besides '1' and '0'"},
    {"a third value with --positive", "s\nWon\nLost\nOpen\n", "s", "Won", LS_ERR_DATA, 4, 1,
     "third value 'Open' besides 'Won' and 'Lost'"},
    {"a missing target", "x,y\n1,1\n2,\n3,0\n", "y", NULL, LS_ERR_DATA, 3, 2,
     "the target is missing"},
    {"no way to tell the positive", "x,y\n1,Won\n2,Lost\n", "y", NULL, LS_ERR_USAGE, 0, 0,
     "cannot tell which target value means converted: name it with --positive (its values: "
     "'Won', 'Lost')"},
    {"an absent positive", "x,y\n1,Won\n2,Lost\n", "y", "won", LS_ERR_USAGE, 0, 0,
     "the target has no value 'won' (its values: 'Won', 'Lost')"},
    {"an absent positive for a boolean", "x,y\n1,1\n2,0\n", "y", "maybe", LS_ERR_USAGE, 0, 0,
     "no value 'maybe'"},
    {"a single value", "x,y\n1,1\n2,1\n", "y", NULL, LS_ERR_DATA, 0, 0,
     "the target has only the value '1'"},
    {"no rows", "x,y\n", "y", NULL, LS_ERR_DATA, 0, 0, "no data rows below the header"},
    {"no such column", "x,Converted\n1,1\n", "converted", NULL, LS_ERR_NOTFOUND, 1, 0,
     "no such target column in the header (did you mean 'Converted'?)"},
};

static void test_target_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(target_cases); i++) {
        const target_case *c = &target_cases[i];
        ls_table *t = load_text(c->csv);
        ls_inspect_options opts;
        ls_inspect_options_init(&opts);
        opts.target = c->target;
        opts.positive = c->positive;
        ls_inspect_profile *p = (ls_inspect_profile *)1;
        ls_error err;
        ls_error_clear(&err);
        ls_status st = ls_inspect_table(t, &opts, &p, &err);
        if (st != c->code || err.line != c->line || err.column_index != c->column_index ||
            strcmp(err.column, c->target) != 0 || !strstr(err.message, c->message))
            fail_msg("case '%s': %s at %zu:%zu column '%s': %s", c->name, ls_status_str(st),
                     err.line, err.column_index, err.column, err.message);
        assert_null(p);
        assert_string_equal(err.file, ls_table_source(t));
        ls_table_free(t);
    }
}

static void test_target_choices(void **state)
{
    (void)state;
    ls_table *t = load_text("x,Status,Flag\n1,Won,Yes\n2,Lost,No\n3,Won,No\n");
    ls_inspect_profile *p = inspect(t, "Status", "Won");
    assert_string_equal(p->negative, "Lost");
    assert_int_equal(p->positives, 2);
    ls_inspect_free(p);
    p = inspect(t, "Status", "Lost");
    assert_string_equal(p->negative, "Won");
    assert_int_equal(p->positives, 1);
    ls_inspect_free(p);
    p = inspect(t, "Flag", "No"); /* a boolean's false value as the positive */
    assert_string_equal(p->positive, "No");
    assert_string_equal(p->negative, "Yes");
    assert_int_equal(p->positives, 2);
    assert_true(p->columns[2].is_target);
    assert_true(isnan(p->columns[2].iv));
    ls_inspect_free(p);
    ls_table_free(t);
}

/* ---- writers ------------------------------------------------------------- */

static char *written(const ls_inspect_profile *p, ls_inspect_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    ls_error err;
    assert_int_equal(ls_inspect_write(p, fmt, fp, &err), LS_OK);
    fclose(fp);
    return buf;
}

static ls_inspect_profile *small_profile(ls_table **t)
{
    *t = load_text(
        "id,Lead Source,visits,y\n"
        "a,\"Banking, Investment\",1.5,1\nb,Google,2,0\nc,Google,,1\nd,\"say \"\"hi\"\"\",4,0\n");
    return inspect(*t, "y", NULL);
}

static void test_write_json(void **state)
{
    (void)state;
    ls_table *t;
    ls_inspect_profile *p = small_profile(&t);
    char *text = written(p, LS_INSPECT_FORMAT_JSON);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    assert_int_equal(cJSON_GetObjectItem(root, "rows")->valuedouble, 4);
    cJSON *target = cJSON_GetObjectItem(root, "target");
    assert_string_equal(cJSON_GetObjectItem(target, "positive")->valuestring, "1");
    cJSON *cols = cJSON_GetObjectItem(root, "columns");
    assert_int_equal(cJSON_GetArraySize(cols), 4);
    cJSON *src = cJSON_GetArrayItem(cols, 1);
    assert_string_equal(cJSON_GetObjectItem(src, "name")->valuestring, "Lead Source");
    assert_close(cJSON_GetObjectItem(src, "iv")->valuedouble, column(p, "Lead Source")->iv, 0, 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(cols, 0), "iv")));
    cJSON *visits = cJSON_GetArrayItem(cols, 2);
    assert_close(
        cJSON_GetObjectItem(cJSON_GetObjectItem(visits, "quantiles"), "median")->valuedouble, 2, 0,
        0);
    /* id-like, and IV above 0.5 for both Lead Source and visits on 4 rows */
    cJSON *warnings = cJSON_GetObjectItem(root, "warnings");
    assert_int_equal(cJSON_GetArraySize(warnings), 3);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(warnings, 0), "kind")->valuestring,
                        "id-like");
    cJSON_Delete(root);
    free(text);
    ls_inspect_free(p);
    ls_table_free(t);
}

static void test_write_csv(void **state)
{
    (void)state;
    ls_table *t;
    ls_inspect_profile *p = small_profile(&t);
    char *text = written(p, LS_INSPECT_FORMAT_CSV);
    /* header + id (no bins) + 3 levels + 3 bands and a missing bin + target */
    size_t lines = 0;
    for (const char *q = text; *q; q++)
        lines += *q == '\n';
    assert_int_equal(lines, 1 + 1 + 3 + 4 + 1);
    assert_non_null(strstr(text, "\nLead Source,categorical,0,0,3,"));
    assert_non_null(strstr(text, ",\"Banking, Investment\",0,,,1,1,1,"));
    assert_non_null(strstr(text, ",\"say \"\"hi\"\"\",0,,,1,0,0,"));
    assert_non_null(strstr(text, "\nid,id,0,0,4,,,,,,,id-like,,,,,,,,,,,\n"));
    assert_non_null(strstr(text, "\ny,boolean,1,0,2,,,,,,,target,,,,,,,,,,,\n"));
    free(text);
    ls_inspect_free(p);
    ls_table_free(t);
}

static void test_write_table(void **state)
{
    (void)state;
    ls_table *t;
    ls_inspect_profile *p = small_profile(&t);
    char *text = written(p, LS_INSPECT_FORMAT_TABLE);
    assert_non_null(strstr(text, "target 'y': positive '1' 2 rows (50.00%), negative '0' 2 rows"));
    assert_non_null(strstr(text, "\nvisits: numeric, 3 distinct, 1 missing, IV "));
    assert_non_null(strstr(text, "  min 1.5  q1 1.75  median 2  q3 3  max 4"));
    assert_non_null(strstr(text, "\nwarnings (3):\n  id: ID-like: 4 distinct values in 4 rows"));
    assert_non_null(strstr(text, "\n  visits: likely leakage: IV 1.099 is above 0.5\n"));
    free(text);
    ls_inspect_free(p);
    ls_table_free(t);
}

/* Output keeps '.' as the decimal point under a comma locale. */
static void test_write_in_comma_locale(void **state)
{
    (void)state;
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "de_DE.utf8")) {
        print_message("no de_DE locale installed: skipped\n");
        skip();
    }
    ls_table *t;
    ls_inspect_profile *p = small_profile(&t);
    char *csv = written(p, LS_INSPECT_FORMAT_CSV);
    char *json = written(p, LS_INSPECT_FORMAT_JSON);
    setlocale(LC_NUMERIC, "C");
    assert_non_null(strstr(csv, ",1.5,1.75,2,3,4,"));
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    cJSON_Delete(root);
    assert_non_null(strstr(json, "1.75"));
    free(csv);
    free(json);
    ls_inspect_free(p);
    ls_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x_education_matches_pandas),
        cmocka_unit_test(test_uci_matches_pandas),
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_quantile_type7),
        cmocka_unit_test(test_band_edges),
        cmocka_unit_test(test_zero_cell_adjustment),
        cmocka_unit_test(test_leak_level_threshold),
        cmocka_unit_test(test_mostly_numeric),
        cmocka_unit_test(test_target_errors),
        cmocka_unit_test(test_target_choices),
        cmocka_unit_test(test_write_json),
        cmocka_unit_test(test_write_csv),
        cmocka_unit_test(test_write_table),
        cmocka_unit_test(test_write_in_comma_locale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
