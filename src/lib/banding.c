/* Supervised banding of a numeric criterion: the bands with the largest
 * information value subject to a minimum share per band, at most max_bands
 * bands and, optionally, a monotonic WoE.
 *
 * The values are first cut into about `prebins` candidate bins of equal
 * weight (never splitting a value), then dynamic programming finds the best
 * partition of those bins into consecutive bands exactly: IV is a sum over
 * bands, so best(j, i, b) — bins [0, j) in b bands, the last one [i, j) — is
 * IV(i, j) plus the best compatible best(i, h, b - 1), where compatible means
 * the WoE moves the required way. O(bins³ · bands), a few milliseconds.
 *
 * WoE and IV are defined as in `leadscore inspect`: WoE = ln(dp/dn) with dp,
 * dn the band's shares of the positives and negatives; a band without
 * positives or without negatives gets 0.5 added to both counts (during the
 * search the totals are left unadjusted; the reported numbers use the
 * adjusted totals, as inspect). Missing values form their own band, outside
 * the search.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error_internal.h"
#include "refine_internal.h"
#include "text.h"

#define SPEC_LINE_MAX 199 /* the spec reader's line limit */

void ls_band_options_init(ls_band_options *o)
{
    o->min_share = 0.05;
    o->max_bands = 8;
    o->prebins = 50;
    o->trend = LS_TREND_AUTO;
}

static const char *const trend_names[] = {"auto", "none", "ascending", "descending"};

const char *ls_trend_name(ls_trend t)
{
    return (unsigned)t < 4 ? trend_names[t] : "unknown";
}

int ls_trend_parse(const char *name, ls_trend *out)
{
    for (unsigned i = 0; i < 4; i++)
        if (strcasecmp(name, trend_names[i]) == 0) {
            *out = (ls_trend)i;
            return 1;
        }
    return 0;
}

void ls_banding_release(ls_banding *b)
{
    if (!b)
        return;
    free(b->column);
    free(b->bands);
    memset(b, 0, sizeof *b);
}

typedef struct {
    double x, y, w;
} obs;

static int by_x(const void *a, const void *b)
{
    const obs *p = a, *q = b;
    return (p->x > q->x) - (p->x < q->x);
}

typedef struct {
    double lo; /* smallest value in the bin */
    double pos, neg;
} prebin;

/* IV and WoE of a band during the search (unadjusted totals). */
static double band_woe(double pos, double neg, double P, double N)
{
    if (pos == 0 || neg == 0) {
        pos += 0.5;
        neg += 0.5;
    }
    return log((pos / P) / (neg / N));
}

static double band_iv(double pos, double neg, double P, double N)
{
    if (pos == 0 || neg == 0) {
        pos += 0.5;
        neg += 0.5;
    }
    double dp = pos / P, dn = neg / N;
    return (dp - dn) * log(dp / dn);
}

/* The shortest plain decimal (no exponent: the spec's band labels are read
 * digit by digit) that reads back as v, at most 12 decimals; 0 when v
 * cannot be written so in size bytes. */
static int plain_number(char *buf, size_t size, double v)
{
    for (int d = 0; d <= 12; d++) {
        int len = snprintf(buf, size, "%.*f", d, v);
        double back;
        if (len > 0 && (size_t)len < size && ls_parse_number(buf, &back) == LS_NUM_OK && back == v)
            return 1;
    }
    return 0;
}

typedef struct {
    size_t m, B;
    const prebin *bins;
    const double *cpos, *cneg, *cw; /* cumulative sums, m + 1 */
    double P, N, min_w;
    int dir;      /* +1 ascending WoE, -1 descending, 0 any */
    double *best; /* (m+1) × (m+1) × (B+1): best IV, -inf if impossible */
    size_t *from; /* argmax h */
} dp_state;

#define AT(s, j, i, b) (((j) * ((s)->m + 1) + (i)) * ((s)->B + 1) + (b))

/* Runs the search; returns the best IV (-inf if no partition is feasible)
 * and the cut points (prebin indices where bands start) in cuts. */
static double search(dp_state *s, size_t *cuts, size_t *n_cuts)
{
    size_t m = s->m, B = s->B;
    size_t cells = (m + 1) * (m + 1) * (B + 1);
    for (size_t k = 0; k < cells; k++)
        s->best[k] = -INFINITY;
    for (size_t j = 1; j <= m; j++)
        for (size_t i = 0; i < j; i++) {
            double w = s->cw[j] - s->cw[i];
            if (w < s->min_w)
                continue;
            double pos = s->cpos[j] - s->cpos[i], neg = s->cneg[j] - s->cneg[i];
            double iv = band_iv(pos, neg, s->P, s->N), woe = band_woe(pos, neg, s->P, s->N);
            if (i == 0) {
                s->best[AT(s, j, 0, 1)] = iv;
                continue;
            }
            for (size_t b = 2; b <= B; b++) {
                double top = -INFINITY;
                size_t arg = 0;
                for (size_t h = 0; h < i; h++) {
                    double prev = s->best[AT(s, i, h, b - 1)];
                    if (prev == -INFINITY)
                        continue;
                    if (s->dir) {
                        double pp = s->cpos[i] - s->cpos[h], pn = s->cneg[i] - s->cneg[h];
                        double pw = band_woe(pp, pn, s->P, s->N);
                        if (!(s->dir > 0 ? woe > pw : woe < pw))
                            continue;
                    }
                    if (prev > top) {
                        top = prev;
                        arg = h;
                    }
                }
                if (top > -INFINITY) {
                    s->best[AT(s, j, i, b)] = top + iv;
                    s->from[AT(s, j, i, b)] = arg;
                }
            }
        }
    /* the best over the last band's start and the band count; fewer bands
     * win ties (a split that adds nothing is not made) */
    double top = -INFINITY;
    size_t bi = 0, bb = 0;
    for (size_t b = 1; b <= B; b++)
        for (size_t i = 0; i < m; i++) {
            double v = s->best[AT(s, m, i, b)];
            if (v > -INFINITY && (top == -INFINITY || v > top + 1e-12 * fabs(top))) {
                top = v;
                bi = i;
                bb = b;
            }
        }
    *n_cuts = 0;
    if (top == -INFINITY)
        return top;
    size_t j = m, i = bi;
    for (size_t b = bb; b >= 1; b--) {
        cuts[b - 1] = i;
        if (b == 1)
            break;
        size_t h = s->from[AT(s, j, i, b)];
        j = i;
        i = h;
    }
    *n_cuts = bb;
    return top;
}

ls_status ls_band_numeric(const ls_table *t, const char *column, const double *y, const double *w,
                          const ls_band_options *opts, ls_banding *out, ls_error *err)
{
    memset(out, 0, sizeof *out);
    ls_band_options defaults;
    if (!opts) {
        ls_band_options_init(&defaults);
        opts = &defaults;
    }
    if (!(opts->min_share > 0 && opts->min_share <= 0.5))
        return ls_fail(err, LS_ERR_USAGE, "the minimum band share must be in (0, 0.5], not %g",
                       opts->min_share);
    if (opts->prebins < 2 || opts->prebins > 1000)
        return ls_fail(err, LS_ERR_USAGE, "candidate bins must be between 2 and 1000, not %zu",
                       opts->prebins);
    size_t col = ls_table_find_column(t, column);
    if (col == (size_t)-1)
        return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, column,
                          "the column to band is not in the header");
    const double *v = ls_table_values(t, col);
    if (!v || ls_table_column_type(t, col) != LS_TYPE_NUMERIC)
        return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), 0, col + 1, column,
                          "only a numeric column can be banded (this one is %s)",
                          ls_column_type_name(ls_table_column_type(t, col)));
    size_t n = ls_table_rows(t), no = 0;
    obs *o = malloc((n ? n : 1) * sizeof *o);
    prebin *bins = malloc((opts->prebins + 1) * sizeof *bins);
    size_t B = opts->max_bands ? opts->max_bands : (size_t)floor(1 / opts->min_share + 1e-9);
    size_t mmax = opts->prebins + 1;
    double *cum = malloc(3 * (mmax + 1) * sizeof *cum);
    dp_state s;
    memset(&s, 0, sizeof s);
    size_t *cuts = malloc((B + 1) * sizeof *cuts), *cuts2 = malloc((B + 1) * sizeof *cuts2);
    ls_status st = LS_OK;
    if (!o || !bins || !cum || !cuts || !cuts2) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    double mpos = 0, mneg = 0, P = 0, N = 0, W = 0;
    int integer = 1;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        if (!(wi > 0))
            continue;
        int pos = y[i] > 0.5;
        if (isnan(v[i])) {
            mpos += pos * wi;
            mneg += !pos * wi;
            continue;
        }
        o[no++] = (obs){v[i], pos, wi};
        P += pos * wi;
        N += !pos * wi;
        W += wi;
        integer &= v[i] == floor(v[i]);
    }
    if (no == 0 || P == 0 || N == 0) {
        st = ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), 0, col + 1, column,
                        "banding needs values with converted and unconverted leads");
        goto done;
    }
    qsort(o, no, sizeof *o, by_x);
    /* candidate bins of about W / prebins each, cut only between values */
    size_t m = 0;
    double target = W / (double)opts->prebins, acc = 0;
    for (size_t i = 0; i < no; i++) {
        if (m == 0 || (acc >= target && o[i].x != o[i - 1].x)) {
            bins[m++] = (prebin){o[i].x, 0, 0};
            acc = 0;
        }
        bins[m - 1].pos += o[i].y * o[i].w;
        bins[m - 1].neg += (1 - o[i].y) * o[i].w;
        acc += o[i].w;
    }
    double *cpos = cum, *cneg = cum + (mmax + 1), *cw = cum + 2 * (mmax + 1);
    cpos[0] = cneg[0] = cw[0] = 0;
    for (size_t k = 0; k < m; k++) {
        cpos[k + 1] = cpos[k] + bins[k].pos;
        cneg[k + 1] = cneg[k] + bins[k].neg;
        cw[k + 1] = cw[k] + bins[k].pos + bins[k].neg;
    }
    s.m = m;
    s.B = B < m ? B : m;
    s.bins = bins;
    s.cpos = cpos;
    s.cneg = cneg;
    s.cw = cw;
    s.P = P;
    s.N = N;
    s.min_w = opts->min_share * W * (1 - 1e-12);
    s.best = malloc((m + 1) * (m + 1) * (s.B + 1) * sizeof *s.best);
    s.from = calloc((m + 1) * (m + 1) * (s.B + 1), sizeof *s.from);
    if (!s.best || !s.from) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t nc = 0, nc2 = 0;
    double iv;
    ls_trend achieved = opts->trend;
    if (opts->trend == LS_TREND_AUTO) {
        s.dir = 1;
        iv = search(&s, cuts, &nc);
        s.dir = -1;
        double iv2 = search(&s, cuts2, &nc2);
        achieved = LS_TREND_ASCENDING;
        if (iv2 > iv) {
            iv = iv2;
            nc = nc2;
            memcpy(cuts, cuts2, nc * sizeof *cuts);
            achieved = LS_TREND_DESCENDING;
        }
    } else {
        s.dir = opts->trend == LS_TREND_ASCENDING ? 1 : opts->trend == LS_TREND_DESCENDING ? -1 : 0;
        iv = search(&s, cuts, &nc);
    }
    if (nc == 0 || iv == -INFINITY) {
        st = ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), 0, col + 1, column,
                        "no banding gives every band %g%% of the leads", 100 * opts->min_share);
        goto done;
    }
    int has_missing = mpos + mneg > 0;
    out->bands = calloc(nc + 1, sizeof *out->bands);
    out->column = ls_strdup(column);
    if (!out->bands || !out->column) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    out->integer = integer;
    for (size_t b = 0; b < nc; b++) {
        size_t i = cuts[b], j = b + 1 < nc ? cuts[b + 1] : m;
        ls_band *band = &out->bands[b];
        band->lo = b == 0 ? -INFINITY : bins[i].lo;
        band->hi = j < m ? bins[j].lo : INFINITY;
        band->positives = cpos[j] - cpos[i];
        band->rows = band->positives + cneg[j] - cneg[i];
        band->share = band->rows / W;
        band->rate = band->positives / band->rows;
        char lo[44], hi[44];
        if (!plain_number(lo, sizeof lo, bins[i].lo) ||
            (j < m && !plain_number(hi, sizeof hi, integer ? bins[j].lo - 1 : bins[j].lo))) {
            st = ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), 0, col + 1, column,
                            "a band limit cannot be written as a plain decimal number");
            goto done;
        }
        if (j >= m)
            snprintf(band->label, sizeof band->label, "%s+", lo);
        else if (integer && bins[j].lo - 1 == bins[i].lo)
            snprintf(band->label, sizeof band->label, "%s", lo);
        else
            snprintf(band->label, sizeof band->label, "%s-%s", lo, hi);
    }
    out->n_bands = nc;
    if (has_missing) {
        ls_band *band = &out->bands[out->n_bands++];
        snprintf(band->label, sizeof band->label, "missing");
        band->lo = band->hi = NAN;
        band->is_missing = 1;
        band->positives = mpos;
        band->rows = mpos + mneg;
        band->share = band->rows / (W + band->rows);
        band->rate = mpos / band->rows;
    }
    /* WoE and IV as inspect reports them: zero cells adjusted, shares over
     * the adjusted totals, the missing band included */
    double tp = 0, tn = 0;
    for (size_t b = 0; b < out->n_bands; b++) {
        double pos = out->bands[b].positives, neg = out->bands[b].rows - pos;
        if (pos == 0 || neg == 0) {
            pos += 0.5;
            neg += 0.5;
        }
        tp += pos;
        tn += neg;
    }
    out->iv = 0;
    for (size_t b = 0; b < out->n_bands; b++) {
        ls_band *band = &out->bands[b];
        double pos = band->positives, neg = band->rows - pos;
        if (pos == 0 || neg == 0) {
            pos += 0.5;
            neg += 0.5;
        }
        double dp = pos / tp, dn = neg / tn;
        band->woe = log(dp / dn);
        band->iv = (dp - dn) * band->woe;
        out->iv += band->iv;
    }
    if (achieved == LS_TREND_NONE) {
        int up = 1, down = 1;
        for (size_t b = 1; b < nc; b++) {
            up &= out->bands[b].woe > out->bands[b - 1].woe;
            down &= out->bands[b].woe < out->bands[b - 1].woe;
        }
        achieved = nc < 2 ? LS_TREND_NONE
                   : up   ? LS_TREND_ASCENDING
                   : down ? LS_TREND_DESCENDING
                          : LS_TREND_NONE;
    }
    out->trend = achieved;
done:
    free(o);
    free(bins);
    free(cum);
    free(cuts);
    free(cuts2);
    free(s.best);
    free(s.from);
    if (st != LS_OK)
        ls_banding_release(out);
    return st;
}

ls_status ls_banding_write_spec(const ls_banding *b, FILE *out, ls_error *err)
{
    fprintf(out, "[criterion]\ncolumn = %s\n", b->column);
    size_t len = 0;
    int first = 1;
    for (size_t k = 0; k < b->n_bands; k++) {
        if (b->bands[k].is_missing)
            continue;
        const char *label = b->bands[k].label;
        size_t add = strlen(label) + 2;
        if (first) {
            fputs("bands = ", out);
            len = 8;
        } else if (len + add > SPEC_LINE_MAX) {
            fputs("\n  ", out); /* libinih continues an indented line's list */
            len = 2;
        } else {
            fputs(", ", out);
            len += 2;
        }
        fputs(label, out);
        len += strlen(label);
        first = 0;
    }
    fputc('\n', out);
    if (ferror(out))
        return ls_fail(err, LS_ERR_IO, "cannot write the bands: write error");
    return LS_OK;
}
