/* Discrimination and calibration metrics.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/metrics.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"

#define Z95 1.959963984540054
#define HL_GROUPS 10

typedef struct {
    double score, p, y;
} lead;

static int by_score_asc(const void *a, const void *b)
{
    const lead *x = a, *y = b;
    return (x->score > y->score) - (x->score < y->score);
}

static lead *sorted_leads(const double *score, const double *p, const double *y, size_t n)
{
    lead *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = (lead){score ? score[i] : p[i], p ? p[i] : NAN, y[i]};
    qsort(v, n, sizeof *v, by_score_asc);
    return v;
}

/* AUC with DeLong's variance from midranks: for a positive i, its placement
 * is the share of negatives scored below it (ties one half), which equals
 * (rank among all − rank among positives) / negatives. */
static void auc_delong(const lead *v, size_t n, size_t pos, ls_metrics *m)
{
    size_t neg = n - pos;
    double sum_v10 = 0, sum_v10_sq = 0, sum_v01 = 0, sum_v01_sq = 0;
    double seen_pos = 0, seen_neg = 0; /* counts strictly below the current tie block */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double block_pos = 0, block_neg = 0;
        while (j < n && v[j].score == v[i].score) {
            block_pos += v[j].y;
            block_neg += 1 - v[j].y;
            j++;
        }
        /* a positive in this block beats seen_neg negatives and ties block_neg */
        double v10 = (seen_neg + 0.5 * block_neg) / (double)neg;
        /* a negative in this block is beaten by positives above it and ties */
        double v01 = ((double)pos - seen_pos - 0.5 * block_pos) / (double)pos;
        sum_v10 += block_pos * v10;
        sum_v10_sq += block_pos * v10 * v10;
        sum_v01 += block_neg * v01;
        sum_v01_sq += block_neg * v01 * v01;
        seen_pos += block_pos;
        seen_neg += block_neg;
        i = j;
    }
    double auc = sum_v10 / (double)pos;
    double s10 = pos > 1 ? (sum_v10_sq - pos * auc * auc) / (double)(pos - 1) : 0;
    double s01 = neg > 1 ? (sum_v01_sq - neg * auc * auc) / (double)(neg - 1) : 0;
    m->auc = auc;
    m->auc_se = sqrt(fmax(0, s10 / (double)pos + s01 / (double)neg));
    m->auc_low = fmax(0, auc - Z95 * m->auc_se);
    m->auc_high = fmin(1, auc + Z95 * m->auc_se);
    m->gini = 2 * auc - 1;
}

static double ks_statistic(const lead *v, size_t n, size_t pos)
{
    double tp = 0, fp = 0, ks = 0;
    size_t neg = n - pos;
    for (size_t i = n; i > 0;) {
        size_t j = i;
        while (j > 0 && v[j - 1].score == v[i - 1].score) {
            tp += v[j - 1].y;
            fp += 1 - v[j - 1].y;
            j--;
        }
        ks = fmax(ks, fabs(tp / (double)pos - fp / (double)neg));
        i = j;
    }
    return ks;
}

static double clip(double p)
{
    return fmin(fmax(p, 1e-15), 1 - 1e-15);
}

static int by_p_asc(const void *a, const void *b)
{
    const lead *x = a, *y = b;
    return (x->p > y->p) - (x->p < y->p);
}

/* Hosmer–Lemeshow: groups of equal size by predicted probability. */
static void hosmer_lemeshow(lead *v, size_t n, ls_metrics *m)
{
    qsort(v, n, sizeof *v, by_p_asc);
    size_t groups = n < HL_GROUPS ? n : HL_GROUPS;
    double chi2 = 0;
    for (size_t g = 0; g < groups; g++) {
        size_t lo = g * n / groups, hi = (g + 1) * n / groups;
        double obs = 0, exp_ = 0, cnt = (double)(hi - lo);
        for (size_t i = lo; i < hi; i++) {
            obs += v[i].y;
            exp_ += v[i].p;
        }
        double denom = exp_ * (1 - exp_ / cnt);
        if (denom > 0)
            chi2 += (obs - exp_) * (obs - exp_) / denom;
    }
    m->hl_groups = groups;
    m->hl_chi2 = chi2;
    m->hl_p = groups > 2 ? gsl_cdf_chisq_Q(chi2, (double)(groups - 2)) : NAN;
}

/* Newton's method on a one- or two-parameter logistic model of y given
 * x = logit(p): slope fixed at 1 (in the large) or free. */
static void recalibrate(const lead *v, size_t n, int free_slope, double *a_out, double *b_out)
{
    double a = 0, b = 1;
    for (int it = 0; it < 50; it++) {
        double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
        for (size_t i = 0; i < n; i++) {
            double x = log(clip(v[i].p) / (1 - clip(v[i].p)));
            double mu = 1 / (1 + exp(-(a + b * x)));
            double w = mu * (1 - mu), r = v[i].y - mu;
            ga += r;
            gb += r * x;
            haa += w;
            hab += w * x;
            hbb += w * x * x;
        }
        double da, db = 0;
        if (free_slope) {
            double det = haa * hbb - hab * hab;
            if (!(det > 0))
                break;
            da = (hbb * ga - hab * gb) / det;
            db = (haa * gb - hab * ga) / det;
        } else {
            if (!(haa > 0))
                break;
            da = ga / haa;
        }
        a += da;
        b += db;
        if (fabs(da) + fabs(db) < 1e-12)
            break;
    }
    *a_out = a;
    *b_out = b;
}

static void probability_metrics(lead *v, size_t n, ls_metrics *m)
{
    double ll = 0, brier = 0, sp = 0;
    for (size_t i = 0; i < n; i++) {
        double p = clip(v[i].p);
        ll -= v[i].y * log(p) + (1 - v[i].y) * log(1 - p);
        brier += (v[i].p - v[i].y) * (v[i].p - v[i].y);
        sp += v[i].p;
    }
    m->log_loss = ll / (double)n;
    m->brier = brier / (double)n;
    m->mean_predicted = sp / (double)n;
    double a, b;
    recalibrate(v, n, 1, &a, &b);
    m->calibration_slope = b;
    recalibrate(v, n, 0, &a, &b);
    m->calibration_intercept = a;
    hosmer_lemeshow(v, n, m);
}

ls_status ls_metrics_compute(const double *score, const double *p, const double *y, size_t n,
                             ls_metrics *m, ls_error *err)
{
    memset(m, 0, sizeof *m);
    if (!score && !p)
        return ls_fail(err, LS_ERR_USAGE, "metrics need scores or probabilities");
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0 && y[i] != 1)
            return ls_fail(err, LS_ERR_DATA, "outcome %zu is %g, not 0 or 1", i + 1, y[i]);
        pos += y[i] == 1;
    }
    if (pos == 0 || pos == n)
        return ls_fail(err, LS_ERR_DATA,
                       "metrics need converted and not converted leads (%zu of %zu converted)", pos,
                       n);
    lead *v = sorted_leads(score, p, y, n);
    if (!v)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    m->rows = n;
    m->positives = pos;
    m->observed_rate = (double)pos / (double)n;
    auc_delong(v, n, pos, m);
    m->ks = ks_statistic(v, n, pos);
    m->log_loss = m->brier = m->hl_chi2 = m->hl_p = NAN;
    m->calibration_slope = m->calibration_intercept = m->mean_predicted = NAN;
    if (p)
        probability_metrics(v, n, m);
    free(v);
    return LS_OK;
}

ls_status ls_gains_table(const double *score, const double *p, const double *y, size_t n,
                         size_t groups, ls_group *out, size_t *n_out, ls_error *err)
{
    *n_out = 0;
    if (n == 0 || groups == 0)
        return ls_fail(err, LS_ERR_DATA, "a gains table needs leads and at least one group");
    lead *v = sorted_leads(score, p, y, n);
    if (!v)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    double total_pos = 0;
    for (size_t i = 0; i < n; i++)
        total_pos += y[i];
    double overall = total_pos / (double)n;
    size_t start = n; /* best first: walk down from the top score */
    double cum_rows = 0, cum_pos = 0;
    for (size_t g = 0; g < groups && start > 0; g++) {
        size_t target = n - (g + 1) * n / groups; /* group ends at index target (exclusive low) */
        size_t end = target;
        /* keep ties together: extend down while the score equals the group's lowest */
        while (end > 0 && end < start && v[end - 1].score == v[end].score)
            end--;
        if (end >= start)
            continue;
        ls_group *grp = &out[(*n_out)++];
        double pos = 0, sp = 0;
        for (size_t i = end; i < start; i++) {
            pos += v[i].y;
            sp += v[i].p;
        }
        size_t rows = start - end;
        cum_rows += (double)rows;
        cum_pos += pos;
        *grp = (ls_group){v[end].score,
                          v[start - 1].score,
                          rows,
                          (size_t)pos,
                          p ? sp / (double)rows : NAN,
                          pos / (double)rows,
                          overall > 0 ? pos / (double)rows / overall : NAN,
                          cum_rows / (double)n,
                          total_pos > 0 ? cum_pos / total_pos : NAN};
        start = end;
    }
    free(v);
    return LS_OK;
}

ls_status ls_roc_curve(const double *score, const double *y, size_t n, double **fpr_out,
                       double **tpr_out, size_t *m_out, ls_error *err)
{
    *fpr_out = *tpr_out = NULL;
    *m_out = 0;
    lead *v = sorted_leads(score, NULL, y, n);
    double *fpr = malloc((n + 2) * sizeof *fpr), *tpr = malloc((n + 2) * sizeof *tpr);
    if (!v || !fpr || !tpr) {
        free(v);
        free(fpr);
        free(tpr);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    double pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += y[i];
    double neg = (double)n - pos, tp = 0, fp = 0;
    size_t m = 0;
    fpr[m] = tpr[m] = 0;
    m++;
    for (size_t i = n; i > 0;) {
        size_t j = i;
        while (j > 0 && v[j - 1].score == v[i - 1].score) {
            tp += v[j - 1].y;
            fp += 1 - v[j - 1].y;
            j--;
        }
        fpr[m] = neg > 0 ? fp / neg : 0;
        tpr[m] = pos > 0 ? tp / pos : 0;
        m++;
        i = j;
    }
    free(v);
    *fpr_out = fpr;
    *tpr_out = tpr;
    *m_out = m;
    return LS_OK;
}
