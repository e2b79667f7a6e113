/* Validation: seeded splits (holdout, stratified K-fold, out-of-time) and the
 * metrics of scores on held-out leads.
 *
 * Random numbers: xoshiro256** (Blackman & Vigna) seeded through splitmix64
 * from the 64-bit seed, and integers drawn by rejection (no modulo bias), so a
 * seed gives the same split on every platform. Classes are shuffled with
 * Fisher–Yates, the positive class first.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "error_internal.h"
#include "refine_internal.h"
#include "text.h"

#define Z95 1.959963984540054

/* ---- random numbers ------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void ls_rng_seed(ls_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t ls_rng_next(ls_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t ls_rng_below(ls_rng *r, uint64_t bound)
{
    uint64_t threshold = (0 - bound) % bound; /* 2^64 mod bound */
    for (;;) {
        uint64_t x = ls_rng_next(r);
        if (x >= threshold)
            return x % bound;
    }
}

static void shuffle(ls_rng *r, size_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)ls_rng_below(r, i);
        size_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* ---- notes --------------------------------------------------------------- */

ls_status ls_notes_add(char ***notes, size_t *n, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **grown = realloc(*notes, (*n + 1) * sizeof *grown);
    if (!grown)
        return LS_ERR_NOMEM;
    *notes = grown;
    if (!(grown[*n] = ls_strdup(buf)))
        return LS_ERR_NOMEM;
    (*n)++;
    return LS_OK;
}

void ls_notes_free(char **notes, size_t n)
{
    for (size_t i = 0; notes && i < n; i++)
        free(notes[i]);
    free(notes);
}

/* ---- splits -------------------------------------------------------------- */

/* Row indices of each class among the rows with weight > 0: positives
 * first in idx[0..*npos), then negatives. */
static size_t *class_rows(const double *y, const double *w, size_t n, size_t *npos, size_t *nneg)
{
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return NULL;
    size_t p = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        if ((!w || w[i] > 0) && y[i] > 0.5)
            idx[p++] = i;
    for (size_t i = 0; i < n; i++)
        if ((!w || w[i] > 0) && !(y[i] > 0.5))
            idx[p + q++] = i;
    *npos = p;
    *nneg = q;
    return idx;
}

ls_status ls_split_holdout(const double *y, const double *w, size_t n, double frac, uint64_t seed,
                           unsigned char *test, ls_error *err)
{
    if (!(frac > 0 && frac < 1))
        return ls_fail(err, LS_ERR_USAGE, "the holdout share must be between 0 and 1, not %g",
                       frac);
    size_t npos, nneg;
    size_t *idx = class_rows(y, w, n, &npos, &nneg);
    if (!idx)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    size_t tpos = (size_t)floor(frac * (double)npos + 0.5);
    size_t tneg = (size_t)floor(frac * (double)nneg + 0.5);
    ls_status st = LS_OK;
    if (tpos == 0 || tneg == 0 || tpos == npos || tneg == nneg) {
        st = ls_fail(err, LS_ERR_DATA,
                     "a holdout of %g leaves a side without converted or unconverted leads "
                     "(%zu converted, %zu not)",
                     frac, npos, nneg);
        goto done;
    }
    ls_rng r;
    ls_rng_seed(&r, seed);
    shuffle(&r, idx, npos);
    shuffle(&r, idx + npos, nneg);
    memset(test, 0, n);
    for (size_t i = 0; i < tpos; i++)
        test[idx[i]] = 1;
    for (size_t i = 0; i < tneg; i++)
        test[idx[npos + i]] = 1;
done:
    free(idx);
    return st;
}

ls_status ls_split_kfold(const double *y, const double *w, size_t n, size_t k, uint64_t seed,
                         unsigned *fold, ls_error *err)
{
    if (k < 2 || k > 100)
        return ls_fail(err, LS_ERR_USAGE, "folds must be between 2 and 100, not %zu", k);
    size_t npos, nneg;
    size_t *idx = class_rows(y, w, n, &npos, &nneg);
    if (!idx)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ls_status st = LS_OK;
    if (npos < k || nneg < k) {
        st = ls_fail(err, LS_ERR_DATA,
                     "%zu folds need at least %zu converted and %zu unconverted leads (%zu, %zu)",
                     k, k, k, npos, nneg);
        goto done;
    }
    ls_rng r;
    ls_rng_seed(&r, seed);
    shuffle(&r, idx, npos);
    shuffle(&r, idx + npos, nneg);
    for (size_t i = 0; i < n; i++)
        fold[i] = (unsigned)-1;
    for (size_t i = 0; i < npos + nneg; i++)
        fold[idx[i]] = (unsigned)(i % k);
done:
    free(idx);
    return st;
}

/* ---- dates --------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static int digits(const char *s, int n, long *out)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int ls_parse_iso_date(const char *s, double *days)
{
    long y, mo, d, hh = 0, mm = 0, ss = 0;
    double frac = 0;
    while (*s == ' ')
        s++;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return 0;
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > (long)mdays[mo - 1] + (mo == 2 && leap))
        return 0;
    const char *p = s + 10;
    long offset = 0; /* minutes east of UTC */
    if ((*p == 'T' || *p == ' ') && isdigit((unsigned char)p[1])) {
        if (!digits(p + 1, 2, &hh) || p[3] != ':' || !digits(p + 4, 2, &mm))
            return 0;
        p += 6;
        if (*p == ':') {
            if (!digits(p + 1, 2, &ss))
                return 0;
            p += 3;
            if (*p == '.' || *p == ',') {
                double scale = 0.1;
                p++;
                if (!isdigit((unsigned char)*p))
                    return 0;
                while (isdigit((unsigned char)*p)) {
                    frac += scale * (*p - '0');
                    scale /= 10;
                    p++;
                }
            }
        }
        if (hh > 23 || mm > 59 || ss > 60)
            return 0;
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            long oh, om;
            int sign = *p == '-' ? -1 : 1;
            if (!digits(p + 1, 2, &oh))
                return 0;
            p += 3;
            if (*p == ':')
                p++;
            if (!digits(p, 2, &om))
                return 0;
            p += 2;
            if (oh > 23 || om > 59)
                return 0;
            offset = sign * (oh * 60 + om);
        }
    }
    while (*p == ' ')
        p++;
    if (*p)
        return 0;
    double seconds = (double)(hh * 3600 + mm * 60 + ss) + frac - (double)offset * 60;
    *days = (double)days_from_civil(y, (unsigned)mo, (unsigned)d) + seconds / 86400.0;
    return 1;
}

ls_status ls_split_time(const ls_table *t, const char *column, const char *date,
                        unsigned char *test, ls_error *err)
{
    size_t col = ls_table_find_column(t, column);
    if (col == (size_t)-1)
        return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, column,
                          "the date column is not in the header");
    double cut;
    if (!ls_parse_iso_date(date, &cut))
        return ls_fail(err, LS_ERR_USAGE, "'%s' is not an ISO date (YYYY-MM-DD)", date);
    size_t nl = ls_table_level_count(t, col), n = ls_table_rows(t);
    double *day = malloc((nl ? nl : 1) * sizeof *day);
    if (!day)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    const uint32_t *codes = ls_table_codes(t, col);
    ls_status st = LS_OK;
    for (size_t k = 0; k < nl; k++)
        if (!ls_parse_iso_date(ls_table_level(t, col, k), &day[k]))
            day[k] = NAN;
    size_t before = 0, after = 0;
    for (size_t i = 0; i < n; i++) {
        if (codes[i] == LS_MISSING_CODE || isnan(day[codes[i]])) {
            st = ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), ls_table_line(t, i), col + 1,
                            column, "%s: a time split needs an ISO date (YYYY-MM-DD) in every row",
                            codes[i] == LS_MISSING_CODE ? "the date is missing"
                                                        : "the date is not an ISO date");
            goto done;
        }
        test[i] = day[codes[i]] >= cut;
        after += test[i];
        before += !test[i];
    }
    if (before == 0 || after == 0)
        st = ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), 0, col + 1, column,
                        "no leads %s %s: the time split leaves nothing to %s",
                        before == 0 ? "before" : "on or after", date,
                        before == 0 ? "train on" : "test on");
done:
    free(day);
    return st;
}

/* ---- held-out metrics ---------------------------------------------------- */

static void threshold_stats(const double *score, const double *y, size_t n, const ls_model *m,
                            ls_validation *v)
{
    size_t nt = ls_model_tier_count(m), total_pos = 0;
    for (size_t i = 0; i < n; i++)
        total_pos += y[i] > 0.5;
    for (size_t t = 0; t < nt && t < LS_MAX_TIERS; t++) {
        ls_threshold_stat *s = &v->thresholds[v->n_thresholds++];
        memset(s, 0, sizeof *s);
        snprintf(s->name, sizeof s->name, "%s", ls_model_tier_name(m, t));
        s->min_score = ls_model_tier_min(m, t);
        double upper = t == 0 ? INFINITY : ls_model_tier_min(m, t - 1);
        if (t + 1 == nt)
            s->min_score = -INFINITY; /* the last tier takes every lead below the others */
        for (size_t i = 0; i < n; i++) {
            int pos = y[i] > 0.5;
            if (score[i] >= s->min_score) {
                s->rows++;
                s->positives += pos;
                if (score[i] < upper) {
                    s->tier_rows++;
                    s->tier_positives += pos;
                }
            }
        }
        s->share = n ? (double)s->rows / (double)n : NAN;
        s->precision = s->rows ? (double)s->positives / (double)s->rows : NAN;
        s->recall = total_pos ? (double)s->positives / (double)total_pos : NAN;
        s->tier_rate = s->tier_rows ? (double)s->tier_positives / (double)s->tier_rows : NAN;
    }
}

ls_status ls_validate(const double *score, const double *p, const double *y, size_t n,
                      const ls_model *tiers_model, ls_validation *v, ls_error *err)
{
    memset(v, 0, sizeof *v);
    ls_status st = ls_metrics_compute(score, p, y, n, &v->metrics, err);
    if (st != LS_OK)
        return st;
    v->ranked_by_probability = score == NULL;
    st = ls_gains_table(score ? score : p, p, y, n, LS_VALIDATION_GROUPS, v->gains, &v->n_gains,
                        err);
    if (st != LS_OK)
        return st;
    if (p) {
        ls_group g[LS_VALIDATION_GROUPS];
        size_t ng = 0;
        st = ls_gains_table(p, p, y, n, LS_VALIDATION_GROUPS, g, &ng, err);
        if (st != LS_OK)
            return st;
        for (size_t k = 0; k < ng; k++)
            v->calibration[k] = g[ng - 1 - k]; /* lowest predictions first */
        v->n_calibration = ng;
    }
    if (tiers_model && score && ls_model_tier_count(tiers_model) > 0)
        threshold_stats(score, y, n, tiers_model, v);
    return LS_OK;
}

/* ---- paired DeLong ------------------------------------------------------- */

typedef struct {
    double s;
    size_t i;
} ranked;

static int by_s(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->s != y->s)
        return (x->s > y->s) - (x->s < y->s);
    return (x->i > y->i) - (x->i < y->i);
}

/* Placements: for a positive, the share of negatives it outscores (ties one
 * half); for a negative, the share of positives that outscore it. */
static int placements(const double *s, const double *y, size_t n, size_t pos, double *place,
                      ranked *buf)
{
    size_t neg = n - pos;
    for (size_t i = 0; i < n; i++) {
        if (isnan(s[i]))
            return 0;
        buf[i] = (ranked){s[i], i};
    }
    qsort(buf, n, sizeof *buf, by_s);
    double seen_pos = 0, seen_neg = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        double bp = 0, bn = 0;
        while (b < n && buf[b].s == buf[a].s) {
            bp += y[buf[b].i] > 0.5;
            bn += !(y[buf[b].i] > 0.5);
            b++;
        }
        double v10 = (seen_neg + 0.5 * bn) / (double)neg;
        double v01 = ((double)pos - seen_pos - 0.5 * bp) / (double)pos;
        for (size_t k = a; k < b; k++)
            place[buf[k].i] = y[buf[k].i] > 0.5 ? v10 : v01;
        seen_pos += bp;
        seen_neg += bn;
        a = b;
    }
    return 1;
}

ls_status ls_auc_compare(const double *sa, const double *sb, const double *y, size_t n,
                         ls_auc_comparison *out, ls_error *err)
{
    memset(out, 0, sizeof *out);
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += y[i] > 0.5;
    size_t neg = n - pos;
    if (pos < 2 || neg < 2)
        return ls_fail(err, LS_ERR_DATA,
                       "comparing AUCs needs at least two converted and two unconverted leads");
    double *pa = malloc(n * sizeof *pa), *pb = malloc(n * sizeof *pb);
    ranked *buf = malloc(n * sizeof *buf);
    ls_status st = LS_OK;
    if (!pa || !pb || !buf) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (!placements(sa, y, n, pos, pa, buf) || !placements(sb, y, n, pos, pb, buf)) {
        st = ls_fail(err, LS_ERR_DATA, "a score is not a number");
        goto done;
    }
    double ma = 0, mb = 0, na = 0, nb = 0; /* means over positives (AUCs) and negatives */
    for (size_t i = 0; i < n; i++) {
        if (y[i] > 0.5) {
            ma += pa[i];
            mb += pb[i];
        } else {
            na += pa[i];
            nb += pb[i];
        }
    }
    ma /= (double)pos;
    mb /= (double)pos;
    na /= (double)neg;
    nb /= (double)neg;
    double s10[3] = {0, 0, 0}, s01[3] = {0, 0, 0}; /* aa, bb, ab */
    for (size_t i = 0; i < n; i++) {
        if (y[i] > 0.5) {
            double da = pa[i] - ma, db = pb[i] - mb;
            s10[0] += da * da;
            s10[1] += db * db;
            s10[2] += da * db;
        } else {
            double da = pa[i] - na, db = pb[i] - nb;
            s01[0] += da * da;
            s01[1] += db * db;
            s01[2] += da * db;
        }
    }
    for (int k = 0; k < 3; k++) {
        s10[k] /= (double)(pos - 1);
        s01[k] /= (double)(neg - 1);
    }
    double var =
        (s10[0] + s10[1] - 2 * s10[2]) / (double)pos + (s01[0] + s01[1] - 2 * s01[2]) / (double)neg;
    out->auc_a = ma;
    out->auc_b = mb;
    out->diff = ma - mb;
    out->se = sqrt(fmax(var, 0));
    out->low = out->diff - Z95 * out->se;
    out->high = out->diff + Z95 * out->se;
    out->z = out->se > 0 ? out->diff / out->se : NAN;
    out->p_value = out->se > 0 ? 2 * gsl_cdf_ugaussian_Q(fabs(out->z)) : NAN;
done:
    free(pa);
    free(pb);
    free(buf);
    return st;
}
