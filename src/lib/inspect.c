/* Inspect: profile every column of a table against a binary target.
 *
 * The target is reduced to one byte per row (1 = converted) once; every
 * column is then a single pass over its level codes or values, with
 * workspaces sized once for the whole profile. Definitions (quantiles,
 * bands, Wilson interval, IV and its zero-cell adjustment) are in
 * include/leadscore/inspect.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/inspect.h"

#include <cjson/cJSON.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error_internal.h"
#include "text.h"

#define MISSING_LABEL "(missing)"
#define LIST_LEVELS 10 /* values listed in a target error message */

void ls_inspect_options_init(ls_inspect_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->top_levels = 10;
    opts->leak_iv = 0.5;
    opts->leak_min_rows = 30;
    opts->z = 1.9599639845400536; /* qnorm(0.975) */
}

const char *ls_inspect_warning_name(ls_inspect_warning_kind kind)
{
    switch (kind) {
    case LS_WARN_LEAK_IV:
        return "leakage-iv";
    case LS_WARN_LEAK_LEVEL:
        return "leakage-level";
    case LS_WARN_CONSTANT:
        return "constant";
    case LS_WARN_ID:
        return "id-like";
    case LS_WARN_MOSTLY_NUMERIC:
        return "mostly-numeric";
    }
    return "unknown";
}

int ls_inspect_format_parse(const char *name, ls_inspect_format *out)
{
    static const char *const names[] = {"table", "csv", "json"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (ls_inspect_format)i;
            return 1;
        }
    return 0;
}

/* ---- statistics ---------------------------------------------------------- */

void ls_inspect_wilson(size_t positives, size_t rows, double z, double *low, double *high)
{
    if (rows == 0) {
        *low = *high = NAN;
        return;
    }
    double n = (double)rows, p = (double)positives / n, z2 = z * z;
    double denom = 1 + z2 / n;
    double centre = (p + z2 / (2 * n)) / denom;
    double half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
    *low = fmax(0.0, centre - half);
    *high = fmin(1.0, centre + half);
}

/* Interpolating from the nearer end is exact at both ends (numpy does the same). */
static double lerp(double a, double b, double t)
{
    return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

double ls_inspect_quantile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return sorted[n - 1];
    return lerp(sorted[lo], sorted[lo + 1], h - (double)lo);
}

/* A numeric column as its distinct level values, ascending, with the number
 * of rows up to and including each: order statistics without sorting rows. */
typedef struct {
    double value;
    size_t through; /* cumulative rows */
} value_run;

/* The k-th smallest (0-based) of the n values the runs describe. */
static double order_statistic(const value_run *runs, size_t m, size_t k)
{
    size_t lo = 0, hi = m - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (runs[mid].through > k)
            hi = mid;
        else
            lo = mid + 1;
    }
    return runs[lo].value;
}

/* R type 7 over the runs; equals ls_inspect_quantile on the expanded values. */
static double run_quantile(const value_run *runs, size_t m, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    double a = order_statistic(runs, m, lo);
    if (lo + 1 >= n)
        return a;
    return lerp(a, order_statistic(runs, m, lo + 1), h - (double)lo);
}

/* Rates, intervals, WoE and the IV over a column's bins. */
static double finish_bins(ls_inspect_bin *bins, size_t n, double z)
{
    double tp = 0, tn = 0;
    for (size_t i = 0; i < n; i++) {
        ls_inspect_bin *b = &bins[i];
        b->rate = b->rows ? (double)b->positives / (double)b->rows : NAN;
        ls_inspect_wilson(b->positives, b->rows, z, &b->ci_low, &b->ci_high);
        double adj = b->positives == 0 || b->positives == b->rows ? 0.5 : 0.0;
        tp += (double)b->positives + adj;
        tn += (double)(b->rows - b->positives) + adj;
    }
    if (n == 0)
        return NAN;
    double iv = 0;
    for (size_t i = 0; i < n; i++) {
        ls_inspect_bin *b = &bins[i];
        double adj = b->positives == 0 || b->positives == b->rows ? 0.5 : 0.0;
        double dp = ((double)b->positives + adj) / tp;
        double dn = ((double)(b->rows - b->positives) + adj) / tn;
        b->woe = log(dp / dn);
        b->iv = (dp - dn) * b->woe;
        iv += b->iv;
    }
    return iv;
}

static int cmp_run(const void *a, const void *b)
{
    double x = ((const value_run *)a)->value, y = ((const value_run *)b)->value;
    return (x > y) - (x < y);
}

/* Most rows first; ties by label so the order never depends on the file's. */
static int cmp_bin_rows(const void *a, const void *b)
{
    const ls_inspect_bin *x = a, *y = b;
    if (x->rows != y->rows)
        return x->rows < y->rows ? 1 : -1;
    return strcmp(x->label, y->label);
}

/* ---- the C locale around formatting -------------------------------------- */

/* %g and cJSON must write '.' even if the application set a comma locale;
 * uselocale() changes this thread only, and is undone before returning. */
static locale_t enter_c_locale(void)
{
    locale_t c = ls_c_locale();
    return c ? uselocale(c) : (locale_t)0;
}

static void leave_c_locale(locale_t old)
{
    if (old)
        uselocale(old);
}

/* ---- the target ---------------------------------------------------------- */

typedef struct {
    const ls_table *t;
    const ls_inspect_options *opts;
    size_t target;
    signed char *level_class; /* target level -> 1 positive, 0 negative, -1 other */
    unsigned char *y;         /* per row: 1 converted */
    size_t *level_pos;        /* workspace: positives per level */
    value_run *runs;          /* workspace: a numeric column's sorted levels */
    ls_inspect_profile *p;
    size_t warnings_cap;
} work;

/* "a, b, c, ..." of the first LIST_LEVELS values of column j. */
static void list_levels(const ls_table *t, size_t j, char *buf, size_t size)
{
    size_t used = 0, n = ls_table_level_count(t, j);
    buf[0] = '\0';
    for (size_t k = 0; k < n && k < LIST_LEVELS && used + 1 < size; k++) {
        int w = snprintf(buf + used, size - used, "%s'%s'", k ? ", " : "", ls_table_level(t, j, k));
        used = w < 0 ? size : used + (size_t)w;
    }
    if (n > LIST_LEVELS && used + 6 < size)
        snprintf(buf + used, size - used, ", ...");
}

/* The positive value is absent or cannot be guessed: the user must say. */
static ls_status target_usage_error(const work *w, const char *value, ls_error *err)
{
    char levels[512];
    list_levels(w->t, w->target, levels, sizeof levels);
    const char *file = ls_table_source(w->t), *name = ls_table_column_name(w->t, w->target);
    if (value)
        return ls_fail_at(err, LS_ERR_USAGE, file, 0, 0, name,
                          "the target has no value '%s' (its values: %s)", value, levels);
    return ls_fail_at(err, LS_ERR_USAGE, file, 0, 0, name,
                      "cannot tell which target value means converted: name it with --positive "
                      "(its values: %s)",
                      levels);
}

/* First level whose boolean reading is b, or (size_t)-1. */
static size_t level_reading(const ls_table *t, size_t j, int b)
{
    for (size_t k = 0; k < ls_table_level_count(t, j); k++) {
        int v;
        if (ls_parse_bool(ls_table_level(t, j, k), &v) && v == b)
            return k;
    }
    return (size_t)-1;
}

/* Boolean column: classes follow the levels' meaning, so "TRUE" and "true"
 * are one outcome. The positive is true unless --positive says otherwise. */
static ls_status classify_boolean(work *w, ls_error *err)
{
    const ls_table *t = w->t;
    size_t j = w->target, n = ls_table_level_count(t, j);
    const double *values = ls_table_level_values(t, j);
    int pos = 1;
    if (w->opts->positive && !ls_parse_bool(w->opts->positive, &pos)) {
        size_t k = ls_table_find_level(t, j, w->opts->positive);
        if (k == (size_t)-1)
            return target_usage_error(w, w->opts->positive, err);
        pos = values[k] != 0;
    }
    for (size_t k = 0; k < n; k++)
        w->level_class[k] = (signed char)((values[k] != 0) == pos);
    return LS_OK;
}

/* Other columns: the positive is the given value, or the true-reading level
 * beside a false-reading one ("1"/"0" with a stray third value); the
 * negative is the false-reading level, else the first other value. */
static ls_status classify_levels(work *w, ls_error *err)
{
    const ls_table *t = w->t;
    size_t j = w->target, n = ls_table_level_count(t, j), pos, neg = (size_t)-1;
    if (w->opts->positive) {
        pos = ls_table_find_level(t, j, w->opts->positive);
        if (pos == (size_t)-1)
            return target_usage_error(w, w->opts->positive, err);
    } else {
        pos = level_reading(t, j, 1);
        neg = level_reading(t, j, 0);
        if (pos == (size_t)-1 || neg == (size_t)-1)
            return target_usage_error(w, NULL, err);
    }
    if (neg == (size_t)-1) {
        neg = level_reading(t, j, 0);
        for (size_t k = 0; k < n && (neg == (size_t)-1 || neg == pos); k++)
            neg = k == pos ? (size_t)-1 : k;
    }
    for (size_t k = 0; k < n; k++)
        w->level_class[k] = (signed char)(k == pos ? 1 : k == neg ? 0 : -1);
    return LS_OK;
}

/* The target's value (as written) of class cls, or NULL if it has none. */
static const char *first_level_of_class(const work *w, int cls)
{
    for (size_t k = 0; k < ls_table_level_count(w->t, w->target); k++)
        if (w->level_class[k] == cls)
            return ls_table_level(w->t, w->target, k);
    return NULL;
}

/* Fills y; a missing target or a third value is an error at its line. */
static ls_status target_rows(work *w, ls_error *err)
{
    const ls_table *t = w->t;
    size_t j = w->target;
    const uint32_t *codes = ls_table_codes(t, j);
    ls_inspect_profile *p = w->p;
    for (size_t i = 0; i < p->rows; i++) {
        if (codes[i] == LS_MISSING_CODE)
            return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), ls_table_line(t, i), j + 1,
                              ls_table_column_name(t, j),
                              "the target is missing: every row needs an outcome");
        int cls = w->level_class[codes[i]];
        if (cls < 0)
            return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), ls_table_line(t, i), j + 1,
                              ls_table_column_name(t, j),
                              "the target has a third value '%s' besides '%s' and '%s'",
                              ls_table_level(t, j, codes[i]), p->positive, p->negative);
        w->y[i] = (unsigned char)cls;
        p->positives += (size_t)cls;
    }
    p->negatives = p->rows - p->positives;
    return LS_OK;
}

static ls_status resolve_target(work *w, ls_error *err)
{
    const ls_table *t = w->t;
    size_t j = w->target;
    ls_status st = ls_table_column_type(t, j) == LS_TYPE_BOOLEAN ? classify_boolean(w, err)
                                                                 : classify_levels(w, err);
    if (st != LS_OK)
        return st;
    const char *pos = first_level_of_class(w, 1), *neg = first_level_of_class(w, 0);
    if (!pos && !neg)
        return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), 0, 0, ls_table_column_name(t, j),
                          "the target is missing in every row");
    if (!pos || !neg)
        return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), 0, 0, ls_table_column_name(t, j),
                          "the target has only the value '%s': there is nothing to compare",
                          pos ? pos : neg);
    w->p->positive = ls_strdup(pos);
    w->p->negative = ls_strdup(neg);
    if (!w->p->positive || !w->p->negative)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    return target_rows(w, err);
}

/* ---- warnings ------------------------------------------------------------ */

static ls_status warn(work *w, size_t col, ls_inspect_warning_kind kind, const char *fmt, ...)
    LS_PRINTF(4, 5);

static ls_status warn(work *w, size_t col, ls_inspect_warning_kind kind, const char *fmt, ...)
{
    ls_inspect_profile *p = w->p;
    if (p->n_warnings == w->warnings_cap) {
        size_t cap = w->warnings_cap ? w->warnings_cap * 2 : 16;
        ls_inspect_warning *q = realloc(p->warnings, cap * sizeof *q);
        if (!q)
            return LS_ERR_NOMEM;
        p->warnings = q;
        w->warnings_cap = cap;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *msg = ls_strdup(buf);
    if (!msg)
        return LS_ERR_NOMEM;
    p->warnings[p->n_warnings++] = (ls_inspect_warning){col, kind, msg};
    return LS_OK;
}

static ls_status warn_leaky_bins(work *w, size_t col)
{
    const ls_inspect_column *c = &w->p->columns[col];
    for (size_t i = 0; i < c->n_bins; i++) {
        const ls_inspect_bin *b = &c->bins[i];
        if (b->rows < w->opts->leak_min_rows || (b->positives != 0 && b->positives != b->rows))
            continue;
        const char *what = b->is_missing                ? "missing values convert"
                           : c->type == LS_TYPE_NUMERIC ? "band"
                                                        : "level";
        ls_status st = b->is_missing
                           ? warn(w, col, LS_WARN_LEAK_LEVEL, "likely leakage: %s %s over %zu rows",
                                  what, b->positives ? "100%" : "0%", b->rows)
                           : warn(w, col, LS_WARN_LEAK_LEVEL,
                                  "likely leakage: %s '%s' converts %s over %zu rows", what,
                                  b->label, b->positives ? "100%" : "0%", b->rows);
        if (st != LS_OK)
            return st;
    }
    return LS_OK;
}

/* A categorical column whose values are numbers in at least 90% of its
 * non-missing rows was most likely meant to be numeric: one stray '12 min'
 * or 'n/a' is enough to make the whole column text, and inspect would then
 * show hundreds of levels and a leakage-sized IV. Name the first offender and
 * its line so the user can fix the value or declare it missing. */
static ls_status warn_mostly_numeric(work *w, size_t col)
{
    const ls_table *t = w->t;
    const ls_inspect_column *c = &w->p->columns[col];
    size_t j = col, n = ls_table_level_count(t, j); /* profile columns are table columns */
    if (c->type != LS_TYPE_CATEGORICAL || n < 3)
        return LS_OK;
    unsigned char *is_text = malloc(n); /* per level, parsed once */
    if (!is_text)
        return LS_ERR_NOMEM;
    size_t numeric_rows = 0, other_rows = 0;
    for (size_t k = 0; k < n; k++) {
        double v;
        is_text[k] = ls_parse_number(ls_table_level(t, j, k), &v) != LS_NUM_OK;
        *(is_text[k] ? &other_rows : &numeric_rows) += ls_table_level_rows(t, j, k);
    }
    ls_status st = LS_OK;
    /* all numbers: the column was declared categorical (--type), the user's call */
    if (numeric_rows > 0 && other_rows > 0 && other_rows * 9 <= numeric_rows) {
        const uint32_t *codes = ls_table_codes(t, j);
        size_t row = 0;
        while (codes[row] == LS_MISSING_CODE || !is_text[codes[row]])
            row++; /* stops: other_rows > 0 */
        st = warn(w, col, LS_WARN_MOSTLY_NUMERIC,
                  "mostly numeric: %zu of %zu values are numbers; the first that is not, '%s', "
                  "is on line %zu (fix it, or list it as a missing token)",
                  numeric_rows, numeric_rows + other_rows, ls_table_level(t, j, codes[row]),
                  ls_table_line(t, row));
    }
    free(is_text);
    return st;
}

static ls_status warn_column(work *w, size_t col)
{
    const ls_inspect_column *c = &w->p->columns[col];
    size_t rows = w->p->rows;
    ls_status st = LS_OK;
    if (c->is_target || c->type == LS_TYPE_IGNORE)
        return LS_OK;
    if (c->type == LS_TYPE_ID)
        return warn(w, col, LS_WARN_ID, "ID-like: %zu distinct values in %zu rows; not a criterion",
                    c->distinct, rows);
    if (c->distinct == 0)
        st = warn(w, col, LS_WARN_CONSTANT, "constant: every value is missing");
    else if (c->distinct == 1 && c->missing == 0 && c->type == LS_TYPE_NUMERIC)
        st = warn(w, col, LS_WARN_CONSTANT, "constant: every row is %g", c->min);
    else if (c->distinct == 1 && c->missing == 0)
        st = warn(w, col, LS_WARN_CONSTANT, "constant: every row is '%s'",
                  c->n_bins ? c->bins[0].label : "");
    if (st == LS_OK && c->iv > w->opts->leak_iv)
        st = warn(w, col, LS_WARN_LEAK_IV, "likely leakage: IV %.3f is above %g", c->iv,
                  w->opts->leak_iv);
    if (st == LS_OK)
        st = warn_leaky_bins(w, col);
    if (st == LS_OK)
        st = warn_mostly_numeric(w, col);
    return st;
}

/* ---- columns ------------------------------------------------------------- */

static ls_status set_missing_bin(ls_inspect_bin *b, size_t rows, size_t positives)
{
    b->label = ls_strdup(MISSING_LABEL);
    b->is_missing = 1;
    b->lower = b->upper = NAN;
    b->rows = rows;
    b->positives = positives;
    return b->label ? LS_OK : LS_ERR_NOMEM;
}

static ls_status profile_levels(work *w, size_t j, ls_inspect_column *c)
{
    const ls_table *t = w->t;
    size_t n = ls_table_level_count(t, j), miss_pos = 0;
    const uint32_t *codes = ls_table_codes(t, j);
    memset(w->level_pos, 0, (n ? n : 1) * sizeof *w->level_pos);
    for (size_t i = 0; i < w->p->rows; i++) {
        if (codes[i] == LS_MISSING_CODE)
            miss_pos += w->y[i];
        else
            w->level_pos[codes[i]] += w->y[i];
    }
    c->distinct = n;
    c->bins = calloc(n + 1, sizeof *c->bins);
    if (!c->bins)
        return LS_ERR_NOMEM;
    for (size_t k = 0; k < n; k++) {
        ls_inspect_bin *b = &c->bins[c->n_bins++];
        b->label = ls_strdup(ls_table_level(t, j, k));
        if (!b->label)
            return LS_ERR_NOMEM;
        b->lower = b->upper = NAN;
        b->rows = ls_table_level_rows(t, j, k);
        b->positives = w->level_pos[k];
    }
    qsort(c->bins, n, sizeof *c->bins, cmp_bin_rows);
    if (c->missing && set_missing_bin(&c->bins[c->n_bins++], c->missing, miss_pos) != LS_OK)
        return LS_ERR_NOMEM;
    return LS_OK;
}

/* Levels of column j sorted by value into w->runs, with cumulative rows.
 * Levels are distinct texts ("1" and "1.0" are two), so values may repeat. */
static size_t sorted_runs(work *w, size_t j)
{
    const ls_table *t = w->t;
    size_t m = ls_table_level_count(t, j);
    const double *values = ls_table_level_values(t, j);
    for (size_t k = 0; k < m; k++)
        w->runs[k] = (value_run){values[k], ls_table_level_rows(t, j, k)};
    qsort(w->runs, m, sizeof *w->runs, cmp_run);
    for (size_t k = 1; k < m; k++)
        w->runs[k].through += w->runs[k - 1].through;
    return m;
}

static void quartiles(ls_inspect_column *c, const value_run *runs, size_t m)
{
    c->distinct = 0;
    for (size_t k = 0; k < m; k++)
        c->distinct += k == 0 || runs[k].value != runs[k - 1].value;
    if (m == 0)
        return;
    size_t n = runs[m - 1].through;
    c->min = runs[0].value;
    c->q1 = run_quantile(runs, m, n, 0.25);
    c->median = run_quantile(runs, m, n, 0.5);
    c->q3 = run_quantile(runs, m, n, 0.75);
    c->max = runs[m - 1].value;
}

static int band_of(const ls_inspect_column *c, double x)
{
    return x <= c->q1 ? 0 : x <= c->median ? 1 : x <= c->q3 ? 2 : 3;
}

static ls_status add_band(ls_inspect_column *c, int band, size_t rows, size_t positives)
{
    const double edges[5] = {c->min, c->q1, c->median, c->q3, c->max};
    ls_inspect_bin *b = &c->bins[c->n_bins++];
    b->lower = edges[band];
    b->upper = edges[band + 1];
    b->rows = rows;
    b->positives = positives;
    char label[96];
    snprintf(label, sizeof label, "%s%.6g, %.6g]", band == 0 ? "[" : "(", b->lower, b->upper);
    b->label = ls_strdup(label);
    return b->label ? LS_OK : LS_ERR_NOMEM;
}

static ls_status profile_numeric(work *w, size_t j, ls_inspect_column *c)
{
    const double *v = ls_table_values(w->t, j);
    quartiles(c, w->runs, sorted_runs(w, j));
    size_t rows[4] = {0}, pos[4] = {0}, miss_pos = 0;
    for (size_t i = 0; i < w->p->rows; i++) {
        if (isnan(v[i])) {
            miss_pos += w->y[i];
            continue;
        }
        int b = band_of(c, v[i]);
        rows[b]++;
        pos[b] += w->y[i];
    }
    c->bins = calloc(5, sizeof *c->bins);
    if (!c->bins)
        return LS_ERR_NOMEM;
    for (int b = 0; b < 4; b++)
        if (rows[b] && add_band(c, b, rows[b], pos[b]) != LS_OK)
            return LS_ERR_NOMEM;
    if (c->missing && set_missing_bin(&c->bins[c->n_bins++], c->missing, miss_pos) != LS_OK)
        return LS_ERR_NOMEM;
    return LS_OK;
}

static ls_status profile_column(work *w, size_t j)
{
    ls_inspect_column *c = &w->p->columns[j];
    c->name = ls_strdup(ls_table_column_name(w->t, j));
    if (!c->name)
        return LS_ERR_NOMEM;
    c->type = ls_table_column_type(w->t, j);
    c->missing = ls_table_missing_count(w->t, j);
    c->distinct = ls_table_level_count(w->t, j);
    c->min = c->q1 = c->median = c->q3 = c->max = c->iv = NAN;
    c->is_target = j == w->target;
    ls_status st = LS_OK;
    if (c->is_target)
        return LS_OK;
    if (c->type == LS_TYPE_NUMERIC)
        st = profile_numeric(w, j, c);
    else if (c->type == LS_TYPE_CATEGORICAL || c->type == LS_TYPE_BOOLEAN)
        st = profile_levels(w, j, c);
    if (st == LS_OK && c->bins)
        c->iv = finish_bins(c->bins, c->n_bins, w->opts->z);
    return st;
}

/* ---- the whole profile --------------------------------------------------- */

static ls_status find_target(const ls_table *t, const char *name, size_t *out, ls_error *err)
{
    if (!name || !*name)
        return ls_fail(err, LS_ERR_USAGE, "no target column given");
    *out = ls_table_find_column(t, name);
    if (*out != (size_t)-1)
        return LS_OK;
    for (size_t j = 0; j < ls_table_columns(t); j++)
        if (strcasecmp(ls_table_column_name(t, j), name) == 0)
            return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, name,
                              "no such target column in the header (did you mean '%s'?)",
                              ls_table_column_name(t, j));
    return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, name,
                      "no such target column in the header");
}

static ls_status alloc_work(work *w, ls_error *err)
{
    const ls_table *t = w->t;
    size_t rows = ls_table_rows(t), max_levels = 1;
    for (size_t j = 0; j < ls_table_columns(t); j++)
        if (ls_table_level_count(t, j) > max_levels)
            max_levels = ls_table_level_count(t, j);
    w->level_class = calloc(max_levels, 1);
    w->level_pos = calloc(max_levels, sizeof *w->level_pos);
    w->y = calloc(rows ? rows : 1, 1);
    w->runs = calloc(max_levels, sizeof *w->runs);
    w->p = calloc(1, sizeof *w->p);
    if (!w->level_class || !w->level_pos || !w->y || !w->runs || !w->p)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    w->p->columns = calloc(ls_table_columns(t), sizeof *w->p->columns);
    w->p->source = ls_strdup(ls_table_source(t));
    if (!w->p->columns || !w->p->source)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    w->p->rows = rows;
    w->p->target_column = w->target;
    w->p->top_levels = w->opts->top_levels;
    return LS_OK;
}

static ls_status profile_all(work *w, ls_error *err)
{
    ls_status st = resolve_target(w, err);
    if (st != LS_OK)
        return st;
    for (size_t j = 0; j < ls_table_columns(w->t); j++) {
        w->p->n_columns = j + 1; /* so ls_inspect_free sees what was filled */
        if (profile_column(w, j) != LS_OK || warn_column(w, j) != LS_OK)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    return LS_OK;
}

ls_status ls_inspect_table(const ls_table *t, const ls_inspect_options *opts,
                           ls_inspect_profile **out, ls_error *err)
{
    *out = NULL;
    ls_inspect_options defaults;
    if (!opts) {
        ls_inspect_options_init(&defaults);
        opts = &defaults;
    }
    work w = {.t = t, .opts = opts};
    ls_status st = find_target(t, opts->target, &w.target, err);
    if (st != LS_OK)
        return st;
    if (ls_table_rows(t) == 0)
        return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), 0, 0, opts->target,
                          "no data rows below the header");
    locale_t old = enter_c_locale();
    st = alloc_work(&w, err);
    if (st == LS_OK)
        st = profile_all(&w, err);
    leave_c_locale(old);
    free(w.level_class);
    free(w.level_pos);
    free(w.y);
    free(w.runs);
    if (st != LS_OK) {
        ls_inspect_free(w.p);
        return st;
    }
    *out = w.p;
    return LS_OK;
}

void ls_inspect_free(ls_inspect_profile *p)
{
    if (!p)
        return;
    for (size_t j = 0; p->columns && j < p->n_columns; j++) {
        ls_inspect_column *c = &p->columns[j];
        for (size_t i = 0; i < c->n_bins; i++)
            free(c->bins[i].label);
        free(c->bins);
        free(c->name);
    }
    for (size_t i = 0; i < p->n_warnings; i++)
        free(p->warnings[i].message);
    free(p->warnings);
    free(p->columns);
    free(p->positive);
    free(p->negative);
    free(p->source);
    free(p);
}

/* ---- text table ---------------------------------------------------------- */

/* Display width of UTF-8 text: one per code point (no wide-character tables). */
static size_t text_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Prints s padded with spaces to width, or cut to width with "...". */
static void put_cell(FILE *fp, const char *s, size_t width)
{
    size_t w = text_width(s);
    if (w <= width) {
        fputs(s, fp);
        for (; w < width; w++)
            fputc(' ', fp);
        return;
    }
    size_t keep = width > 3 ? width - 3 : 0, seen = 0;
    const char *p = s;
    for (; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80 && seen++ == keep)
            break;
        fputc(*p, fp);
    }
    fputs(width >= 3 ? "..." : "", fp);
}

static size_t name_width(const ls_inspect_profile *p)
{
    size_t w = 6; /* "column" */
    for (size_t j = 0; j < p->n_columns; j++) {
        size_t n = text_width(p->columns[j].name);
        w = n > w ? n : w;
    }
    return w > 44 ? 44 : w;
}

/* "target", then the kinds of the column's warnings, joined by sep. */
static const char *column_notes(const ls_inspect_profile *p, size_t j, const char *sep, char *buf,
                                size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    if (p->columns[j].is_target)
        used += (size_t)snprintf(buf, size, "target");
    unsigned seen = 0;
    for (size_t i = 0; i < p->n_warnings; i++) {
        const ls_inspect_warning *wr = &p->warnings[i];
        unsigned bit = 1u << wr->kind;
        if (wr->column != j || (seen & bit) || used + 1 >= size)
            continue;
        seen |= bit;
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? sep : "",
                                 ls_inspect_warning_name(wr->kind));
    }
    return buf;
}

static void write_summary(const ls_inspect_profile *p, FILE *fp)
{
    size_t nw = name_width(p);
    fprintf(fp, "%s: %zu rows, %zu columns\n", p->source, p->rows, p->n_columns);
    fprintf(fp, "target '%s': positive '%s' %zu rows (%.2f%%), negative '%s' %zu rows\n\n",
            p->columns[p->target_column].name, p->positive, p->positives,
            p->rows ? 100.0 * (double)p->positives / (double)p->rows : 0.0, p->negative,
            p->negatives);
    put_cell(fp, "column", nw);
    fprintf(fp, "  %-11s %8s %9s %8s  %s\n", "type", "missing", "distinct", "IV", "notes");
    for (size_t j = 0; j < p->n_columns; j++) {
        const ls_inspect_column *c = &p->columns[j];
        char notes[128], iv[32];
        if (isnan(c->iv))
            snprintf(iv, sizeof iv, "-");
        else
            snprintf(iv, sizeof iv, "%.4f", c->iv);
        put_cell(fp, c->name, nw);
        fprintf(fp, "  %-11s %8zu %9zu %8s", ls_column_type_name(c->type), c->missing, c->distinct,
                iv);
        column_notes(p, j, ", ", notes, sizeof notes);
        fprintf(fp, "%s%s\n", notes[0] ? "  " : "", notes);
    }
}

static void write_bin_row(FILE *fp, const ls_inspect_bin *b, size_t width)
{
    fputs("  ", fp);
    put_cell(fp, b->label, width);
    fprintf(fp, " %8zu  %6.2f%%  [%6.2f%%, %6.2f%%]  %8.4f\n", b->rows, 100 * b->rate,
            100 * b->ci_low, 100 * b->ci_high, b->woe);
}

static void write_bins(const ls_inspect_profile *p, const ls_inspect_column *c, FILE *fp)
{
    size_t width = 12, shown = 0, hidden = 0, hidden_rows = 0;
    for (size_t i = 0; i < c->n_bins; i++) {
        size_t n = text_width(c->bins[i].label);
        width = n > width ? n : width;
    }
    width = width > 40 ? 40 : width;
    fputs("  ", fp);
    put_cell(fp, c->type == LS_TYPE_NUMERIC ? "band" : "level", width);
    fprintf(fp, " %8s  %7s  %-18s  %8s\n", "rows", "conv", "95% Wilson", "WoE");
    const ls_inspect_bin *missing = NULL;
    for (size_t i = 0; i < c->n_bins; i++) {
        const ls_inspect_bin *b = &c->bins[i];
        if (b->is_missing) {
            missing = b;
        } else if (p->top_levels && shown >= p->top_levels) {
            hidden++;
            hidden_rows += b->rows;
        } else {
            shown++;
            write_bin_row(fp, b, width);
        }
    }
    if (hidden)
        fprintf(fp, "  (%zu more levels, %zu rows; the csv and json formats list them all)\n",
                hidden, hidden_rows);
    if (missing)
        write_bin_row(fp, missing, width);
}

static void write_details(const ls_inspect_profile *p, FILE *fp)
{
    for (size_t j = 0; j < p->n_columns; j++) {
        const ls_inspect_column *c = &p->columns[j];
        if (!c->n_bins)
            continue;
        fprintf(fp, "\n%s: %s, %zu distinct, %zu missing, IV %.4f\n", c->name,
                ls_column_type_name(c->type), c->distinct, c->missing, c->iv);
        if (c->type == LS_TYPE_NUMERIC && !isnan(c->min))
            fprintf(fp, "  min %g  q1 %g  median %g  q3 %g  max %g  (quantiles: R type 7)\n",
                    c->min, c->q1, c->median, c->q3, c->max);
        write_bins(p, c, fp);
    }
}

static void write_warnings(const ls_inspect_profile *p, FILE *fp)
{
    if (!p->n_warnings) {
        fprintf(fp, "\nwarnings: none\n");
        return;
    }
    fprintf(fp, "\nwarnings (%zu):\n", p->n_warnings);
    for (size_t i = 0; i < p->n_warnings; i++)
        fprintf(fp, "  %s: %s\n", p->columns[p->warnings[i].column].name, p->warnings[i].message);
}

static void write_table(const ls_inspect_profile *p, FILE *fp)
{
    write_summary(p, fp);
    write_details(p, fp);
    write_warnings(p, fp);
}

/* ---- CSV ----------------------------------------------------------------- */

static void csv_text(FILE *fp, const char *s)
{
    size_t n = strlen(s);
    if (!strpbrk(s, ",\"\r\n") && !(n && (s[0] == ' ' || s[n - 1] == ' '))) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void csv_number(FILE *fp, double x)
{
    if (!isnan(x))
        fprintf(fp, "%.17g", x);
}

static void csv_column_fields(FILE *fp, const ls_inspect_profile *p, size_t j)
{
    const ls_inspect_column *c = &p->columns[j];
    csv_text(fp, c->name);
    fprintf(fp, ",%s,%d,%zu,%zu,", ls_column_type_name(c->type), c->is_target, c->missing,
            c->distinct);
    const double nums[] = {c->iv, c->min, c->q1, c->median, c->q3, c->max};
    for (size_t k = 0; k < 6; k++) {
        csv_number(fp, nums[k]);
        fputc(',', fp);
    }
    char notes[128];
    csv_text(fp, column_notes(p, j, ";", notes, sizeof notes));
}

static void csv_bin_fields(FILE *fp, const ls_inspect_bin *b)
{
    fputc(',', fp);
    csv_text(fp, b->label);
    fprintf(fp, ",%d,", b->is_missing);
    const double edges[] = {b->lower, b->upper};
    for (size_t k = 0; k < 2; k++) {
        csv_number(fp, edges[k]);
        fputc(',', fp);
    }
    fprintf(fp, "%zu,%zu", b->rows, b->positives);
    const double nums[] = {b->rate, b->ci_low, b->ci_high, b->woe, b->iv};
    for (size_t k = 0; k < 5; k++) {
        fputc(',', fp);
        csv_number(fp, nums[k]);
    }
}

static void write_csv(const ls_inspect_profile *p, FILE *fp)
{
    fputs("column,type,target,missing,distinct,iv,min,q1,median,q3,max,notes,"
          "bin,bin_missing,lower,upper,rows,positives,rate,ci_low,ci_high,woe,iv_term\n",
          fp);
    for (size_t j = 0; j < p->n_columns; j++) {
        const ls_inspect_column *c = &p->columns[j];
        for (size_t i = 0; i < c->n_bins || (i == 0 && c->n_bins == 0); i++) {
            csv_column_fields(fp, p, j);
            if (c->n_bins)
                csv_bin_fields(fp, &c->bins[i]);
            else
                fputs(",,,,,,,,,,,", fp);
            fputc('\n', fp);
        }
    }
}

/* ---- JSON ---------------------------------------------------------------- */

/* A new object appended to arr, or NULL (nothing leaks: arr owns it). */
static cJSON *new_array_item(cJSON *arr)
{
    cJSON *o = cJSON_CreateObject();
    if (o && !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* cJSON writes NaN as null, which is what "not applicable" should read as. */
static int json_bin(cJSON *arr, const ls_inspect_bin *b)
{
    cJSON *o = new_array_item(arr);
    if (!o)
        return 0;
    return cJSON_AddStringToObject(o, "label", b->label) &&
           cJSON_AddBoolToObject(o, "missing", b->is_missing) &&
           cJSON_AddNumberToObject(o, "lower", b->lower) &&
           cJSON_AddNumberToObject(o, "upper", b->upper) &&
           cJSON_AddNumberToObject(o, "rows", (double)b->rows) &&
           cJSON_AddNumberToObject(o, "positives", (double)b->positives) &&
           cJSON_AddNumberToObject(o, "rate", b->rate) &&
           cJSON_AddNumberToObject(o, "ci_low", b->ci_low) &&
           cJSON_AddNumberToObject(o, "ci_high", b->ci_high) &&
           cJSON_AddNumberToObject(o, "woe", b->woe) && cJSON_AddNumberToObject(o, "iv", b->iv);
}

static int json_column(cJSON *arr, const ls_inspect_profile *p, size_t j)
{
    const ls_inspect_column *c = &p->columns[j];
    cJSON *o = new_array_item(arr);
    if (!o)
        return 0;
    int ok = cJSON_AddStringToObject(o, "name", c->name) &&
             cJSON_AddStringToObject(o, "type", ls_column_type_name(c->type)) &&
             cJSON_AddBoolToObject(o, "target", c->is_target) &&
             cJSON_AddNumberToObject(o, "missing", (double)c->missing) &&
             cJSON_AddNumberToObject(o, "distinct", (double)c->distinct) &&
             cJSON_AddNumberToObject(o, "iv", c->iv);
    if (ok && c->type == LS_TYPE_NUMERIC) {
        cJSON *q = cJSON_AddObjectToObject(o, "quantiles");
        ok = q && cJSON_AddNumberToObject(q, "min", c->min) &&
             cJSON_AddNumberToObject(q, "q1", c->q1) &&
             cJSON_AddNumberToObject(q, "median", c->median) &&
             cJSON_AddNumberToObject(q, "q3", c->q3) && cJSON_AddNumberToObject(q, "max", c->max);
    }
    cJSON *bins = ok ? cJSON_AddArrayToObject(o, "bins") : NULL;
    ok = bins != NULL;
    for (size_t i = 0; ok && i < c->n_bins; i++)
        ok = json_bin(bins, &c->bins[i]);
    return ok;
}

static int json_warnings(cJSON *root, const ls_inspect_profile *p)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "warnings");
    for (size_t i = 0; arr && i < p->n_warnings; i++) {
        const ls_inspect_warning *w = &p->warnings[i];
        cJSON *o = new_array_item(arr);
        if (!o)
            return 0;
        if (!cJSON_AddStringToObject(o, "column", p->columns[w->column].name) ||
            !cJSON_AddStringToObject(o, "kind", ls_inspect_warning_name(w->kind)) ||
            !cJSON_AddStringToObject(o, "message", w->message))
            return 0;
    }
    return arr != NULL;
}

static cJSON *json_profile(const ls_inspect_profile *p)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *target = root ? cJSON_AddObjectToObject(root, "target") : NULL;
    int ok = target && cJSON_AddStringToObject(root, "source", p->source) &&
             cJSON_AddNumberToObject(root, "rows", (double)p->rows) &&
             cJSON_AddStringToObject(target, "column", p->columns[p->target_column].name) &&
             cJSON_AddStringToObject(target, "positive", p->positive) &&
             cJSON_AddStringToObject(target, "negative", p->negative) &&
             cJSON_AddNumberToObject(target, "positives", (double)p->positives) &&
             cJSON_AddNumberToObject(target, "negatives", (double)p->negatives);
    cJSON *cols = ok ? cJSON_AddArrayToObject(root, "columns") : NULL;
    ok = cols != NULL;
    for (size_t j = 0; ok && j < p->n_columns; j++)
        ok = json_column(cols, p, j);
    ok = ok && json_warnings(root, p);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static ls_status write_json(const ls_inspect_profile *p, FILE *fp, ls_error *err)
{
    cJSON *root = json_profile(p);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    fputs(text, fp);
    fputc('\n', fp);
    cJSON_free(text);
    return LS_OK;
}

ls_status ls_inspect_write(const ls_inspect_profile *p, ls_inspect_format format, FILE *fp,
                           ls_error *err)
{
    locale_t old = enter_c_locale();
    ls_status st = LS_OK;
    if (format == LS_INSPECT_FORMAT_JSON)
        st = write_json(p, fp, err);
    else if (format == LS_INSPECT_FORMAT_CSV)
        write_csv(p, fp);
    else
        write_table(p, fp);
    leave_c_locale(old);
    if (st == LS_OK && ferror(fp))
        st = ls_fail(err, LS_ERR_IO, "cannot write the profile");
    return st;
}
