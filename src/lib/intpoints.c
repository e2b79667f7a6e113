/* Integer points: the 0/1 indicators a card is built from, near-aliasing,
 * and the card as a model.
 *
 * Indicators (ls_binary_new):
 *  - categorical column: `COLUMN = LEVEL` for each level with at least
 *    min_rows rows (and at least min_rows rows without it);
 *  - yes/no column: `COLUMN = Yes` and `COLUMN = No` the same way (levels are
 *    matched as booleans, as the scorer matches them);
 *  - numeric column: `COLUMN <= t` at the quantiles (deciles by default) of
 *    its non-missing values, type 1 (inverse ECDF): t_k is the smallest value
 *    with at least k/q of the values at or below it, so ties at t_k are all
 *    inside; equal thresholds are merged and a threshold equal to the maximum
 *    is left out (it would only say "not missing"). Missing values are
 *    outside every threshold;
 *  - every column with missing values: `COLUMN missing`.
 * Near-aliasing: two indicators that agree on all but h rows are the same
 * criterion twice (the later one is dropped); two that *disagree* on all but
 * h rows are each other's negation, so together they are the intercept (the
 * one that is 1 on more rows is dropped). Either way both are named in a
 * note. h = alias_rows (default 0.1% of the rows, at least 3).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "intpoints_internal.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "error_internal.h"
#include "exclusions.h"
#include "model_internal.h"
#include "spec.h"
#include "text.h"

#ifndef LEADSCORE_VERSION
#define LEADSCORE_VERSION "unknown"
#endif

#define HOT_SHARE 0.10
#define WARM_SHARE 0.30

/* ---- small shared helpers ------------------------------------------------- */

double ip_softplus(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

double ip_sigmoid(double x)
{
    if (x >= 0)
        return 1 / (1 + exp(-x));
    double e = exp(x);
    return e / (1 + e);
}

static double scale_loss(const double *s, const double *cnt, const double *pos, size_t nb, double a,
                         double c)
{
    double f = 0;
    for (size_t b = 0; b < nb; b++) {
        double eta = a + c * s[b];
        f += cnt[b] * ip_softplus(eta) - pos[b] * eta;
    }
    return f;
}

double ip_fit_scale(const double *s, const double *cnt, const double *pos, size_t nb, double *a,
                    double *c)
{
    double x0 = isfinite(*a) ? *a : 0, x1 = isfinite(*c) && *c > 0 ? *c : 0;
    double f = scale_loss(s, cnt, pos, nb, x0, x1);
    for (int it = 0; it < 100; it++) {
        double ga = 0, gc = 0, haa = 0, hac = 0, hcc = 0;
        for (size_t b = 0; b < nb; b++) {
            double p = ip_sigmoid(x0 + x1 * s[b]);
            double r = cnt[b] * p - pos[b], v = cnt[b] * p * (1 - p);
            ga += r;
            gc += r * s[b];
            haa += v;
            hac += v * s[b];
            hcc += v * s[b] * s[b];
        }
        /* Newton direction; a tiny ridge keeps a constant score solvable. */
        haa += 1e-12;
        hcc += 1e-12;
        double det = haa * hcc - hac * hac;
        double da, dc;
        if (det > 1e-300 * haa * hcc && det > 0) {
            da = -(hcc * ga - hac * gc) / det;
            dc = -(haa * gc - hac * ga) / det;
        } else {
            da = -ga / haa;
            dc = 0;
        }
        double t = 1, fn = f, n0 = x0, n1 = x1;
        int moved = 0;
        for (int k = 0; k < 40; k++, t *= 0.5) {
            n0 = x0 + t * da;
            n1 = x1 + t * dc;
            if (n1 < 0)
                n1 = 0;
            fn = scale_loss(s, cnt, pos, nb, n0, n1);
            if (fn <= f) {
                moved = 1;
                break;
            }
        }
        if (!moved)
            break;
        double change = fabs(n0 - x0) + fabs(n1 - x1);
        double gain = f - fn;
        x0 = n0;
        x1 = n1;
        f = fn;
        if (change < 1e-11 * (1 + fabs(x0) + fabs(x1)) || gain <= 1e-15 * (1 + f))
            break;
    }
    *a = x0;
    *c = x1;
    return f;
}

/* ---- indicator storage ---------------------------------------------------- */

void ip_data_release(ip_data *d)
{
    if (!d)
        return;
    free(d->cols);
    free(d->y);
    free(d->store);
    memset(d, 0, sizeof *d);
}

ls_status ip_data_subset(const ip_data *src, const unsigned char *keep, ip_data *dst)
{
    memset(dst, 0, sizeof *dst);
    uint32_t *map = malloc((src->n ? src->n : 1) * sizeof *map);
    size_t n = 0, total = 0;
    if (!map)
        return LS_ERR_NOMEM;
    for (size_t i = 0; i < src->n; i++)
        map[i] = keep[i] ? (uint32_t)n++ : UINT32_MAX;
    for (size_t j = 0; j < src->p; j++)
        total += src->cols[j].len;
    dst->n = n;
    dst->p = src->p;
    dst->cols = calloc(src->p ? src->p : 1, sizeof *dst->cols);
    dst->y = malloc(n ? n : 1);
    dst->store = malloc((total ? total : 1) * sizeof *dst->store);
    if (!dst->cols || !dst->y || !dst->store) {
        free(map);
        ip_data_release(dst);
        return LS_ERR_NOMEM;
    }
    for (size_t i = 0; i < src->n; i++)
        if (map[i] != UINT32_MAX) {
            dst->y[map[i]] = src->y[i];
            dst->pos += src->y[i];
        }
    uint32_t *out = dst->store;
    for (size_t j = 0; j < src->p; j++) {
        const ip_col *s = &src->cols[j];
        ip_col *c = &dst->cols[j];
        c->idx = out;
        c->complement = s->complement;
        for (size_t k = 0; k < s->len; k++)
            if (map[s->idx[k]] != UINT32_MAX)
                *out++ = map[s->idx[k]];
        c->len = (size_t)(out - c->idx);
        c->ones = c->complement ? n - c->len : c->len;
    }
    free(map);
    return LS_OK;
}

void ip_col_add(const ip_data *d, size_t c, double w, double *scores)
{
    const ip_col *col = &d->cols[c];
    if (col->complement) {
        for (size_t i = 0; i < d->n; i++)
            scores[i] += w;
        for (size_t k = 0; k < col->len; k++)
            scores[col->idx[k]] -= w;
    } else {
        for (size_t k = 0; k < col->len; k++)
            scores[col->idx[k]] += w;
    }
}

/* ---- the binary table ----------------------------------------------------- */

typedef struct {
    ls_binary_feature pub;
    char *name, *column, *level;
    uint64_t *bits; /* n bits while building */
    int dropped;
} feature;

struct ls_binary {
    size_t n;
    feature *f; /* kept features, in column order */
    size_t p, cap;
    char **notes;
    size_t n_notes;
    char *target, *positive;
    double *y;
    ip_data data;
};

void ls_binary_options_init(ls_binary_options *o)
{
    memset(o, 0, sizeof *o);
    o->min_rows = 30;
    o->quantiles = 10;
    o->alias_rows = SIZE_MAX;
}

static void free_feature(feature *f)
{
    free(f->name);
    free(f->column);
    free(f->level);
    free(f->bits);
}

void ls_binary_free(ls_binary *b)
{
    if (!b)
        return;
    for (size_t j = 0; j < b->p; j++)
        free_feature(&b->f[j]);
    free(b->f);
    for (size_t i = 0; i < b->n_notes; i++)
        free(b->notes[i]);
    free(b->notes);
    free(b->target);
    free(b->positive);
    free(b->y);
    ip_data_release(&b->data);
    free(b);
}

size_t ls_binary_rows(const ls_binary *b)
{
    return b->n;
}

size_t ls_binary_count(const ls_binary *b)
{
    return b->p;
}

const ls_binary_feature *ls_binary_feature_at(const ls_binary *b, size_t j)
{
    return j < b->p ? &b->f[j].pub : NULL;
}

const double *ls_binary_outcomes(const ls_binary *b)
{
    return b->y;
}

const char *ls_binary_target(const ls_binary *b)
{
    return b->target;
}

const char *ls_binary_positive(const ls_binary *b)
{
    return b->positive;
}

size_t ls_binary_note_count(const ls_binary *b)
{
    return b->n_notes;
}

const char *ls_binary_note(const ls_binary *b, size_t i)
{
    return i < b->n_notes ? b->notes[i] : NULL;
}

const ip_data *ip_binary_data(const ls_binary *b)
{
    return &b->data;
}

int ls_binary_value(const ls_binary *b, size_t j, size_t row)
{
    const ip_col *c = &b->data.cols[j];
    size_t lo = 0, hi = c->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->idx[mid] < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    int listed = lo < c->len && c->idx[lo] == row;
    return c->complement ? !listed : listed;
}

static ls_status note(ls_binary *b, const char *fmt, ...) LS_PRINTF(2, 3);

static ls_status note(ls_binary *b, const char *fmt, ...)
{
    char buf[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **notes = realloc(b->notes, (b->n_notes + 1) * sizeof *notes);
    if (!notes)
        return LS_ERR_NOMEM;
    b->notes = notes;
    if (!(notes[b->n_notes] = ls_strdup(buf)))
        return LS_ERR_NOMEM;
    b->n_notes++;
    return LS_OK;
}

/* Shortest text that reads back as x (C locale). */
static void format_number(double x, char *buf, size_t size)
{
    locale_t c = ls_c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, x);
        double back;
        if (ls_parse_number(buf, &back) == LS_NUM_OK && back == x)
            break;
    }
    if (c)
        uselocale(old);
}

static size_t words(size_t n)
{
    return (n + 63) / 64;
}

/* A new candidate with zeroed bits; NULL when out of memory. */
static feature *add_feature(ls_binary *b, const char *column, ls_bin_kind kind, const char *level,
                            double threshold)
{
    if (b->p == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        feature *f = realloc(b->f, cap * sizeof *f);
        if (!f)
            return NULL;
        b->f = f;
        b->cap = cap;
    }
    feature *f = &b->f[b->p];
    memset(f, 0, sizeof *f);
    char num[40] = "";
    if (kind == LS_BIN_AT_MOST)
        format_number(threshold, num, sizeof num);
    size_t len = strlen(column) + (level ? strlen(level) : 0) + strlen(num) + 16;
    f->name = malloc(len);
    f->column = ls_strdup(column);
    f->level = level ? ls_strdup(level) : NULL;
    f->bits = calloc(words(b->n) ? words(b->n) : 1, sizeof *f->bits);
    if (!f->name || !f->column || (level && !f->level) || !f->bits) {
        free_feature(f);
        return NULL;
    }
    if (kind == LS_BIN_LEVEL)
        snprintf(f->name, len, "%s = %s", column, level);
    else if (kind == LS_BIN_MISSING)
        snprintf(f->name, len, "%s missing", column);
    else
        snprintf(f->name, len, "%s <= %s", column, num);
    f->pub.kind = kind;
    f->pub.threshold = kind == LS_BIN_AT_MOST ? threshold : NAN;
    b->p++;
    return f;
}

static void set_bit(uint64_t *bits, size_t i)
{
    bits[i / 64] |= (uint64_t)1 << (i % 64);
}

static int get_bit(const uint64_t *bits, size_t i)
{
    return (int)((bits[i / 64] >> (i % 64)) & 1);
}

static size_t popcount_bits(const uint64_t *bits, size_t nw)
{
    size_t c = 0;
    for (size_t w = 0; w < nw; w++)
        c += (size_t)__builtin_popcountll(bits[w]);
    return c;
}

/* Keeps the last candidate when both of its sides have min_rows rows; else
 * removes it and returns 0. *ones_out (may be NULL) receives its rows. */
static int keep_if_informative(ls_binary *b, size_t min_rows, size_t *ones_out)
{
    feature *f = &b->f[b->p - 1];
    size_t ones = popcount_bits(f->bits, words(b->n));
    f->pub.rows = ones;
    if (ones_out)
        *ones_out = ones;
    if (ones >= min_rows && b->n - ones >= min_rows && ones > 0 && ones < b->n)
        return 1;
    free_feature(f);
    b->p--;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static ls_status missing_feature(ls_binary *b, const ls_table *t, size_t col, size_t min_rows)
{
    size_t miss = ls_table_missing_count(t, col);
    if (miss == 0)
        return LS_OK;
    const char *name = ls_table_column_name(t, col);
    const uint32_t *codes = ls_table_codes(t, col);
    feature *f = add_feature(b, name, LS_BIN_MISSING, NULL, NAN);
    if (!f)
        return LS_ERR_NOMEM;
    for (size_t i = 0; i < b->n; i++)
        if (codes[i] == LS_MISSING_CODE)
            set_bit(f->bits, i);
    if (!keep_if_informative(b, min_rows, NULL))
        return note(b,
                    "%s: missing on %zu rows: no missing indicator (fewer than %zu rows on a side)",
                    name, miss, min_rows);
    return LS_OK;
}

typedef struct {
    double value;
    size_t rows;
} value_rows;

static int by_value(const void *a, const void *b)
{
    const value_rows *x = a, *y = b;
    return (x->value > y->value) - (x->value < y->value);
}

static ls_status numeric_features(ls_binary *b, const ls_table *t, size_t col,
                                  const ls_binary_options *o)
{
    const char *name = ls_table_column_name(t, col);
    const double *v = ls_table_values(t, col);
    /* quantiles from the column's distinct values and their counts */
    size_t nl = ls_table_level_count(t, col), m = 0;
    const double *lv = ls_table_level_values(t, col);
    value_rows *vr = malloc((nl ? nl : 1) * sizeof *vr);
    if (!vr)
        return LS_ERR_NOMEM;
    for (size_t k = 0; k < nl; k++) {
        vr[k] = (value_rows){lv[k], ls_table_level_rows(t, col, k)};
        m += vr[k].rows;
    }
    ls_status st = LS_OK;
    if (m > 0) {
        qsort(vr, nl, sizeof *vr, by_value);
        double last = NAN, max = vr[nl - 1].value;
        size_t merged = 0, at = 0, cum = vr[0].rows;
        for (size_t k = 1; k < o->quantiles && st == LS_OK; k++) {
            /* type 1: the ceil(k·m/q)-th smallest value */
            size_t rank = (k * m + o->quantiles - 1) / o->quantiles;
            while (cum < rank && at + 1 < nl)
                cum += vr[++at].rows;
            double q = vr[at].value;
            if (q == last || q >= max) {
                merged++;
                continue;
            }
            last = q;
            feature *f = add_feature(b, name, LS_BIN_AT_MOST, NULL, q);
            if (!f) {
                st = LS_ERR_NOMEM;
                break;
            }
            for (size_t i = 0; i < b->n; i++)
                if (v[i] <= q) /* NAN (missing) compares false */
                    set_bit(f->bits, i);
            keep_if_informative(b, o->min_rows, NULL);
        }
        if (st == LS_OK && merged)
            st = note(b,
                      "%s: %zu of %zu quantile thresholds repeat a lower one or the maximum "
                      "(ties): merged",
                      name, merged, o->quantiles - 1);
    }
    free(vr);
    if (st == LS_OK)
        st = missing_feature(b, t, col, o->min_rows);
    return st;
}

static ls_status level_features(ls_binary *b, const ls_table *t, size_t col,
                                const ls_binary_options *o)
{
    const char *name = ls_table_column_name(t, col);
    const uint32_t *codes = ls_table_codes(t, col);
    size_t nl = ls_table_level_count(t, col);
    int boolean = ls_table_column_type(t, col) == LS_TYPE_BOOLEAN;
    const double *lv = boolean ? ls_table_level_values(t, col) : NULL;
    size_t small = 0, small_rows = 0, kept = 0, tried = 0;
    size_t side_rows[2] = {0, 0};
    const char *side_name[2] = {NULL, NULL};
    int done_bool[2] = {0, 0};
    ls_status st = LS_OK;
    for (size_t k = 0; k < nl && st == LS_OK; k++) {
        /* A yes/no column has one indicator per truth value, named by its first spelling. */
        int truth = boolean ? lv[k] == 1 : 0;
        if (boolean && done_bool[truth])
            continue;
        if (boolean)
            done_bool[truth] = 1;
        const char *level = ls_table_level(t, col, k);
        feature *f = add_feature(b, name, LS_BIN_LEVEL, level, NAN);
        if (!f)
            return LS_ERR_NOMEM;
        for (size_t i = 0; i < b->n; i++) {
            uint32_t c = codes[i];
            if (c == LS_MISSING_CODE)
                continue;
            if (boolean ? (lv[c] == 1) == truth : c == k)
                set_bit(f->bits, i);
        }
        size_t rows = 0;
        tried++;
        if (keep_if_informative(b, o->min_rows, &rows)) {
            kept++;
            continue;
        }
        if (boolean) {
            side_rows[truth] = rows;
            side_name[truth] = level;
        } else if (rows < o->min_rows) {
            small++;
            small_rows += rows;
        } else {
            st = note(b, "%s = %s: left out: all but %zu of %zu rows have it", name, level,
                      b->n - rows, b->n);
        }
    }
    if (st == LS_OK && boolean && kept == 0 && tried > 0) {
        int rare = side_name[1] && (!side_name[0] || side_rows[1] < side_rows[0]);
        st = note(b, "%s: no indicator: only %zu of %zu rows are '%s' (fewer than %zu)", name,
                  side_rows[rare], b->n, side_name[rare] ? side_name[rare] : "?", o->min_rows);
    }
    if (st == LS_OK && small)
        st = note(b,
                  "%s: %zu level%s with fewer than %zu rows (%zu row%s) %s no indicator of %s "
                  "own",
                  name, small, small == 1 ? "" : "s", o->min_rows, small_rows,
                  small_rows == 1 ? "" : "s", small == 1 ? "has" : "have",
                  small == 1 ? "its" : "their");
    if (st != LS_OK)
        return st;
    return missing_feature(b, t, col, o->min_rows);
}

static int listed(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; list && i < n; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

static int left_out(const ls_binary_options *o, const char *name)
{
    if (listed(o->exclude, o->n_exclude, name))
        return 1;
    const ls_spec *s = o->spec;
    if (!s)
        return 0;
    if (listed((const char *const *)s->exclude, s->n_exclude, name) ||
        listed((const char *const *)s->ids, s->n_ids, name))
        return 1;
    const ls_spec_criterion *sc = ls_spec_find(s, name);
    return (sc && sc->use == LS_USE_NO) || (s->only_listed && !sc);
}

static ls_status read_target(ls_binary *b, const ls_table *t, const ls_binary_options *o,
                             size_t *tcol, ls_error *err)
{
    const char *target = o->target ? o->target : o->spec ? o->spec->target : NULL;
    const char *positive = o->positive ? o->positive : o->spec ? o->spec->positive : NULL;
    if (!target)
        return ls_fail(err, LS_ERR_USAGE,
                       "no target column: give --target or 'target' in the spec");
    size_t col = ls_table_find_column(t, target);
    if (col == (size_t)-1)
        return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, target,
                          "the target column is not in the header");
    size_t nl = ls_table_level_count(t, col), pos = (size_t)-1;
    if (positive) {
        pos = ls_table_find_level(t, col, positive);
        if (pos == (size_t)-1)
            return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), 0, col + 1, target,
                              "the positive value '%s' does not occur in the target", positive);
    } else if (ls_table_column_type(t, col) == LS_TYPE_BOOLEAN) {
        const double *lv = ls_table_level_values(t, col);
        for (size_t k = 0; k < nl; k++)
            if (lv[k] == 1)
                pos = k;
    } else {
        return ls_fail_at(err, LS_ERR_USAGE, ls_table_source(t), 0, col + 1, target,
                          "the target has %zu distinct values, not yes/no or 1/0: say which "
                          "means converted with --positive",
                          nl);
    }
    const uint32_t *codes = ls_table_codes(t, col);
    const double *lv = ls_table_level_values(t, col);
    int boolean = ls_table_column_type(t, col) == LS_TYPE_BOOLEAN && !positive;
    b->y = malloc(b->n * sizeof *b->y);
    b->target = ls_strdup(target);
    b->positive = positive ? ls_strdup(positive) : NULL;
    if (!b->y || !b->target || (positive && !b->positive))
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < b->n; i++) {
        if (codes[i] == LS_MISSING_CODE)
            return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), ls_table_line(t, i), col + 1,
                              target, "the target is missing");
        b->y[i] = boolean ? lv[codes[i]] == 1 : codes[i] == pos;
    }
    if (!boolean && nl > 2)
        return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), 0, col + 1, target,
                          "the target has %zu values; only two (converted or not) can be learned",
                          nl);
    *tcol = col;
    return LS_OK;
}

/* Near-aliased pairs: see the file comment. */
static ls_status drop_aliases(ls_binary *b, size_t h)
{
    size_t nw = words(b->n), n = b->n;
    for (size_t a = 0; a < b->p; a++) {
        if (b->f[a].dropped)
            continue;
        for (size_t c = a + 1; c < b->p && !b->f[a].dropped; c++) {
            feature *fa = &b->f[a], *fc = &b->f[c];
            if (fc->dropped)
                continue;
            size_t ca = fa->pub.rows, cc = fc->pub.rows;
            size_t gap_same = ca > cc ? ca - cc : cc - ca;
            size_t sum = ca + cc, gap_comp = sum > n ? sum - n : n - sum;
            if (gap_same > h && gap_comp > h)
                continue;
            size_t inter = 0;
            for (size_t w = 0; w < nw; w++)
                inter += (size_t)__builtin_popcountll(fa->bits[w] & fc->bits[w]);
            size_t differ = ca + cc - 2 * inter, agree = n - differ;
            ls_status st = LS_OK;
            if (differ <= h) {
                fc->dropped = 1;
                if (differ == 0)
                    st = note(b, "%s: dropped: aliased with '%s' (the same leads on all %zu rows)",
                              fc->name, fa->name, n);
                else
                    st = note(b,
                              "%s: dropped: near-aliased with '%s' (the same leads but for %zu "
                              "of %zu rows)",
                              fc->name, fa->name, differ, n);
            } else if (agree <= h) {
                feature *drop = cc >= ca ? fc : fa, *keep = drop == fc ? fa : fc;
                drop->dropped = 1;
                if (agree == 0)
                    st = note(b,
                              "%s: dropped: aliased with '%s' (exact complements: with the "
                              "intercept they say the same)",
                              drop->name, keep->name);
                else
                    st = note(b,
                              "%s: dropped: near-aliased with '%s' (complementary: together "
                              "they cover all but %zu of %zu rows, so with the intercept they "
                              "say the same)",
                              drop->name, keep->name, agree, n);
            }
            if (st != LS_OK)
                return st;
        }
    }
    return LS_OK;
}

/* Packs the kept features into row lists (the shorter side of each). */
static ls_status pack(ls_binary *b)
{
    size_t kept = 0, total = 0;
    for (size_t j = 0; j < b->p; j++) {
        if (b->f[j].dropped) {
            free_feature(&b->f[j]);
            continue;
        }
        b->f[kept++] = b->f[j];
    }
    b->p = kept;
    ip_data *d = &b->data;
    d->n = b->n;
    d->p = kept;
    for (size_t j = 0; j < kept; j++) {
        size_t ones = b->f[j].pub.rows;
        total += ones * 2 > b->n ? b->n - ones : ones;
    }
    d->cols = calloc(kept ? kept : 1, sizeof *d->cols);
    d->y = malloc(b->n ? b->n : 1);
    d->store = malloc((total ? total : 1) * sizeof *d->store);
    if (!d->cols || !d->y || !d->store)
        return LS_ERR_NOMEM;
    for (size_t i = 0; i < b->n; i++) {
        d->y[i] = b->y[i] > 0.5;
        d->pos += d->y[i];
    }
    uint32_t *out = d->store;
    for (size_t j = 0; j < kept; j++) {
        feature *f = &b->f[j];
        ip_col *c = &d->cols[j];
        c->ones = f->pub.rows;
        c->complement = c->ones * 2 > b->n;
        c->idx = out;
        for (size_t i = 0; i < b->n; i++)
            if (get_bit(f->bits, i) != c->complement)
                *out++ = (uint32_t)i;
        c->len = (size_t)(out - c->idx);
        free(f->bits);
        f->bits = NULL;
        f->pub.name = f->name;
        f->pub.column = f->column;
        f->pub.level = f->level;
    }
    return LS_OK;
}

ls_status ls_binary_new(const ls_table *t, const ls_binary_options *opts, ls_binary **out,
                        ls_error *err)
{
    *out = NULL;
    ls_binary_options defaults;
    if (!opts) {
        ls_binary_options_init(&defaults);
        opts = &defaults;
    }
    if (opts->quantiles < 2 || opts->quantiles > 1000)
        return ls_fail(err, LS_ERR_USAGE, "quantiles must be between 2 and 1000, not %zu",
                       opts->quantiles);
    size_t n = ls_table_rows(t);
    if (n == 0)
        return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), 0, 0, NULL,
                          "the file has a header but no rows");
    if (n >= UINT32_MAX)
        return ls_fail(err, LS_ERR_LIMIT, "%zu rows: integer points handle fewer than 2^32", n);
    ls_binary *b = calloc(1, sizeof *b);
    if (!b)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    b->n = n;
    size_t tcol = 0;
    ls_status st = ls_check_exclusions(t, opts->spec, opts->exclude, opts->n_exclude, err);
    if (st == LS_OK)
        st = read_target(b, t, opts, &tcol, err);
    if (st != LS_OK)
        goto done;
    for (size_t col = 0; col < ls_table_columns(t) && st == LS_OK; col++) {
        const char *name = ls_table_column_name(t, col);
        ls_column_type type = ls_table_column_type(t, col);
        if (col == tcol || type == LS_TYPE_ID || type == LS_TYPE_IGNORE || name[0] == '\0' ||
            left_out(opts, name))
            continue;
        if (ls_table_level_count(t, col) + (ls_table_missing_count(t, col) > 0) <= 1)
            continue; /* constant */
        st = type == LS_TYPE_NUMERIC ? numeric_features(b, t, col, opts)
                                     : level_features(b, t, col, opts);
    }
    if (st == LS_OK) {
        size_t h = opts->alias_rows;
        if (h == SIZE_MAX) {
            h = (n + 999) / 1000;
            h = h < 3 ? 3 : h;
        }
        st = drop_aliases(b, h);
    }
    if (st == LS_OK)
        st = pack(b);
    if (st == LS_OK && b->p == 0)
        st = ls_fail(err, LS_ERR_DATA, "no column gives an indicator with %zu rows on each side",
                     opts->min_rows);
    if (st == LS_ERR_NOMEM)
        ls_fail(err, st, "out of memory");
done:
    if (st != LS_OK) {
        ls_binary_free(b);
        return st;
    }
    *out = b;
    return LS_OK;
}

/* ---- cards ---------------------------------------------------------------- */

void ls_card_scores(const ls_binary *b, const ls_card *card, double *scores)
{
    for (size_t i = 0; i < b->n; i++)
        scores[i] = 0;
    for (size_t k = 0; k < card->size; k++)
        ip_col_add(&b->data, card->features[k], (double)card->points[k], scores);
}

typedef struct {
    double score;
    unsigned char y;
} scored;

static int by_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    return (x->score > y->score) - (x->score < y->score);
}

ls_status ls_intpoints_calibrate(const ls_binary *b, const unsigned char *rows,
                                 const size_t *features, const long *points, size_t k,
                                 double *intercept, double *multiplier, double *loss, ls_error *err)
{
    for (size_t j = 0; j < k; j++)
        if (features[j] >= b->p)
            return ls_fail(err, LS_ERR_USAGE, "indicator %zu does not exist", features[j] + 1);
    size_t n = b->n ? b->n : 1;
    double *scores = calloc(n, sizeof *scores);
    scored *v = malloc(n * sizeof *v);
    double *s = malloc(n * sizeof *s), *cnt = malloc(n * sizeof *cnt),
           *pos = malloc(n * sizeof *pos);
    ls_status st = LS_OK;
    if (!scores || !v || !s || !cnt || !pos) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < k; j++)
        ip_col_add(&b->data, features[j], (double)points[j], scores);
    /* the rows grouped by total: any points, any range */
    size_t m = 0;
    double positives = 0;
    for (size_t i = 0; i < b->n; i++)
        if (!rows || rows[i]) {
            v[m++] = (scored){scores[i], b->data.y[i]};
            positives += b->data.y[i];
        }
    qsort(v, m, sizeof *v, by_scored);
    size_t used = 0;
    for (size_t i = 0; i < m; i++) {
        if (used == 0 || v[i].score != s[used - 1]) {
            s[used] = v[i].score;
            cnt[used] = pos[used] = 0;
            used++;
        }
        cnt[used - 1] += 1;
        pos[used - 1] += v[i].y;
    }
    if (positives == 0 || positives == (double)m) {
        st = ls_fail(err, LS_ERR_DATA, "the rows need converted and unconverted leads");
        goto done;
    }
    if (used < 2) {
        st = ls_fail(err, LS_ERR_DATA, "every lead has the same total: no scale to fit");
        goto done;
    }
    double a = log(positives / ((double)m - positives)), c = 0;
    double f = ip_fit_scale(s, cnt, pos, used, &a, &c);
    if (!(c > 0)) {
        st = ls_fail(err, LS_ERR_DATA,
                     "higher totals do not convert more: the points point the "
                     "wrong way");
        goto done;
    }
    *multiplier = 1 / c;
    *intercept = a / c;
    if (loss)
        *loss = f / (double)m;
done:
    free(scores);
    free(v);
    free(s);
    free(cnt);
    free(pos);
    return st;
}

/* ---- the card as a model -------------------------------------------------- */

typedef struct {
    double t;
    long pts;
} threshold_pts;

static int by_threshold(const void *a, const void *b)
{
    const threshold_pts *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

static ls_status add_column_rules(ls_model *m, const ls_binary *b, const ls_card *card,
                                  const char *column)
{
    ls_criterion *c = ls_model_add_criterion(m, column, LS_CRIT_RULES);
    if (!c)
        return LS_ERR_NOMEM;
    threshold_pts th[LS_INTPOINTS_MAX_CRITERIA] = {{0}};
    size_t nt = 0;
    char label[600];
    /* missing first, then levels, then nested ranges: first match wins */
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < card->size; k++) {
            const ls_binary_feature *f = &b->f[card->features[k]].pub;
            if (strcmp(f->column, column) != 0)
                continue;
            if (pass == 0 && f->kind == LS_BIN_MISSING) {
                snprintf(label, sizeof label, "%s missing", column);
                ls_rule *r = ls_criterion_add_rule(c, LS_COND_MISSING, label);
                if (!r)
                    return LS_ERR_NOMEM;
                r->points = (double)card->points[k];
            } else if (pass == 1 && f->kind == LS_BIN_LEVEL) {
                ls_rule *r = ls_criterion_add_rule(c, LS_COND_EQUALS, f->name);
                if (!r || !ls_rule_add_value(r, f->level))
                    return LS_ERR_NOMEM;
                r->points = (double)card->points[k];
            } else if (pass == 1 && f->kind == LS_BIN_AT_MOST) {
                th[nt++] = (threshold_pts){f->threshold, card->points[k]};
            }
        }
    qsort(th, nt, sizeof *th, by_threshold);
    for (size_t k = 0; k < nt; k++) {
        long total = 0;
        for (size_t l = k; l < nt; l++)
            total += th[l].pts; /* x <= t_k is also <= every larger threshold */
        char num[40];
        format_number(th[k].t, num, sizeof num);
        snprintf(label, sizeof label, "%s <= %s", column, num);
        ls_rule *r = ls_criterion_add_rule(c, LS_COND_RANGE, label);
        if (!r)
            return LS_ERR_NOMEM;
        r->lo = -INFINITY;
        r->hi = th[k].t;
        r->points = (double)total;
    }
    return LS_OK;
}

static ls_status card_tiers(ls_model *m, const ls_binary *b, const ls_card *card,
                            const unsigned char *rows, ls_error *err)
{
    double *scores = malloc((b->n ? b->n : 1) * sizeof *scores);
    if (!scores)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ls_card_scores(b, card, scores);
    size_t used = 0;
    for (size_t i = 0; i < b->n; i++)
        if (!rows || rows[i])
            scores[used++] = scores[i];
    if (used == 0) {
        free(scores);
        return LS_OK;
    }
    qsort(scores, used, sizeof *scores, cmp_double);
    double hot = scores[(size_t)((double)(used - 1) * (1 - HOT_SHARE))];
    double warm = scores[(size_t)((double)(used - 1) * (1 - HOT_SHARE - WARM_SHARE))];
    free(scores);
    const char *names[] = {"hot", "warm", "nurture"};
    double mins[] = {hot, warm < hot ? warm : hot - 1, -INFINITY};
    return ls_model_set_tiers(m, names, mins, 3, err);
}

static ls_status card_lineage(ls_model *m, const char *data_path, ls_error *err)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    m->created = ls_strdup(stamp);
    m->version = ls_strdup(LEADSCORE_VERSION);
    if (!m->created || !m->version)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    if (!data_path || strcmp(data_path, "-") == 0)
        return LS_OK;
    char hex[65];
    ls_status st = ls_file_sha256(data_path, hex, err);
    if (st != LS_OK)
        return st;
    m->data_file = ls_strdup(data_path);
    m->data_sha256 = ls_strdup(hex);
    return m->data_file && m->data_sha256 ? LS_OK : ls_fail(err, LS_ERR_NOMEM, "out of memory");
}

ls_status ls_intpoints_model(const ls_binary *b, const ls_card *card, const unsigned char *rows,
                             const char *const *missing_tokens, size_t n_missing_tokens,
                             const char *data_path, ls_model **out, ls_error *err)
{
    *out = NULL;
    for (size_t k = 0; k < card->size; k++)
        if (card->features[k] >= b->p)
            return ls_fail(err, LS_ERR_USAGE, "the card names indicator %zu of %zu",
                           card->features[k] + 1, b->p);
    ls_model *m = ls_model_alloc();
    if (!m)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ls_status st = LS_OK;
    m->learned = 0;
    m->scale = LS_SCALE_NONE;
    m->target = ls_strdup(b->target);
    if (!m->target || (b->positive && !(m->positive = ls_strdup(b->positive))))
        st = LS_ERR_NOMEM;
    static const char *const empty[] = {""};
    if (!missing_tokens || n_missing_tokens == 0) {
        missing_tokens = empty;
        n_missing_tokens = 1;
    }
    if (st == LS_OK && !(m->missing_tokens = calloc(n_missing_tokens, sizeof *m->missing_tokens)))
        st = LS_ERR_NOMEM;
    for (size_t i = 0; st == LS_OK && i < n_missing_tokens; i++)
        if (!(m->missing_tokens[m->n_missing_tokens++] = ls_strdup(missing_tokens[i])))
            st = LS_ERR_NOMEM;
    /* one criterion per source column, in the order of the indicators */
    for (size_t k = 0; st == LS_OK && k < card->size; k++) {
        const char *column = b->f[card->features[k]].column;
        int seen = 0;
        for (size_t c = 0; c < m->n_criteria && !seen; c++)
            seen = strcmp(m->criteria[c].column, column) == 0;
        if (!seen)
            st = add_column_rules(m, b, card, column);
    }
    if (st == LS_ERR_NOMEM)
        ls_fail(err, st, "out of memory");
    if (st == LS_OK)
        st = card_tiers(m, b, card, rows, err);
    if (st == LS_OK)
        st = card_lineage(m, data_path, err);
    if (st != LS_OK) {
        ls_model_free(m);
        return st;
    }
    /* P(convert | score s) = σ((β0 + Σ points)/m), with s = base + Σ points */
    m->card_intercept = card->intercept - m->base_points;
    m->card_multiplier = card->multiplier;
    *out = m;
    return LS_OK;
}
