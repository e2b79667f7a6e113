/* Training: encode → fit → statistics → points → tiers → lineage.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "encode.h"
#include "error_internal.h"
#include "joint_test.h"
#include "points.h"
#include "text.h"

#ifndef LEADSCORE_VERSION
#define LEADSCORE_VERSION "unknown"
#endif

/* Default tiers: the top 10% of training scores are hot, the next 30% warm. */
#define HOT_SHARE 0.10
#define WARM_SHARE 0.30
#define SCORE_BANDS 10

void ls_train_options_init(ls_train_options *o)
{
    memset(o, 0, sizeof *o);
    ls_fit_options_init(&o->fit);
    o->population_rate = NAN;
    o->scaling = LS_POINTS_BUDGET;
    o->budget = 100;
    o->pdo = 20;
    o->base_score = 600;
    o->base_odds = 1;
    o->round_to = 1;
}

void ls_train_report_release(ls_train_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_notes; i++)
        free(r->notes[i]);
    free(r->notes);
    free(r->bands);
    memset(r, 0, sizeof *r);
}

static void copy_fit(ls_model *m, const ls_fit_result *res)
{
    for (size_t t = 0; t < m->n_terms && t < res->n_coef; t++) {
        ls_term *term = &m->terms[t];
        term->estimate = res->estimate[t];
        term->std_error = res->std_error[t];
        term->z = res->z[t];
        term->p_value = res->p_value[t];
        term->ci_low = res->ci_low[t];
        term->ci_high = res->ci_high[t];
        term->aliased = res->aliased[t];
    }
    m->rows = (double)res->rows;
    m->positives = res->positives;
    m->deviance = res->deviance;
    m->null_deviance = res->null_deviance;
    m->loglik = res->loglik;
    m->null_loglik = res->null_loglik;
    m->aic = res->aic;
    m->bic = res->bic;
    m->auc = res->auc;
    m->mcfadden_r2 = res->mcfadden_r2;
    m->lr_chi2 = res->lr_chi2;
    m->lr_p_value = res->lr_p_value;
    m->iterations = res->iterations;
    m->rank = res->rank;
    m->converged = res->converged;
}

typedef struct {
    double score, p, y, w;
} scored_row;

static int by_score(const void *a, const void *b)
{
    const scored_row *x = a, *y = b;
    return (x->score > y->score) - (x->score < y->score);
}

static double linear_predictor(const ls_model *m, const ls_design *d, size_t i)
{
    double eta = m->terms[0].estimate;
    for (size_t j = 0; j < d->p; j++) {
        double b = m->terms[j + 1].estimate;
        if (!isnan(b))
            eta += b * d->X[j * d->n + i];
    }
    return eta;
}

/* Score deciles, default tiers and the AUC of the integer points. */
static ls_status summarise_scores(ls_model *m, const ls_design *d, ls_train_report *report,
                                  ls_error *err)
{
    size_t n = d->n;
    double *scores = malloc(n * sizeof *scores);
    scored_row *rows = malloc(n * sizeof *rows);
    ls_status st = LS_OK;
    if (!scores || !rows) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    ls_points_scores(m, d, scores);
    m->points_auc = ls_auc(scores, d->y, d->w, n);
    for (size_t i = 0; i < n; i++) {
        double eta = linear_predictor(m, d, i) + m->probability_offset;
        rows[i] = (scored_row){scores[i], 1 / (1 + exp(-eta)), d->y[i], d->w ? d->w[i] : 1};
    }
    qsort(rows, n, sizeof *rows, by_score);
    double hot = rows[(size_t)((double)(n - 1) * (1 - HOT_SHARE))].score;
    double warm = rows[(size_t)((double)(n - 1) * (1 - HOT_SHARE - WARM_SHARE))].score;
    const char *names[] = {"hot", "warm", "nurture"};
    double mins[] = {hot, warm < hot ? warm : hot - 1, -INFINITY};
    st = ls_model_set_tiers(m, names, mins, 3, err);
    if (st != LS_OK || !report)
        goto done;
    report->coef_auc = m->auc;
    report->points_auc = m->points_auc;
    report->bands = calloc(SCORE_BANDS, sizeof *report->bands);
    if (!report->bands) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t b = 0; b < SCORE_BANDS; b++) {
        size_t lo = b * n / SCORE_BANDS, hi = (b + 1) * n / SCORE_BANDS;
        if (hi <= lo)
            continue;
        ls_score_band *band = &report->bands[report->n_bands++];
        double wsum = 0, psum = 0, ysum = 0;
        for (size_t i = lo; i < hi; i++) {
            wsum += rows[i].w;
            psum += rows[i].w * rows[i].p;
            ysum += rows[i].w * rows[i].y;
        }
        *band = (ls_score_band){rows[lo].score, rows[hi - 1].score, hi - lo,
                                wsum > 0 ? psum / wsum : NAN, wsum > 0 ? ysum / wsum : NAN};
    }
done:
    free(scores);
    free(rows);
    return st;
}

/* Intercept shift that maps the sample's conversion rate to the population's
 * (King & Zeng's prior correction). */
static ls_status prior_correction(ls_model *m, const ls_design *d, double rate, ls_error *err)
{
    if (isnan(rate))
        return LS_OK;
    if (!(rate > 0 && rate < 1))
        return ls_fail(err, LS_ERR_USAGE, "--population-rate must be between 0 and 1");
    double ybar = m->positives / m->rows;
    if (d->w) {
        double ws = 0, ys = 0;
        for (size_t i = 0; i < d->n; i++) {
            ws += d->w[i];
            ys += d->w[i] * d->y[i];
        }
        ybar = ys / ws;
    }
    m->probability_offset = log(rate / (1 - rate)) - log(ybar / (1 - ybar));
    return LS_OK;
}

static ls_status record_lineage(ls_model *m, const char *data_path, ls_error *err)
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

ls_status ls_train(const ls_table *table, const ls_spec *spec, const ls_train_options *opts,
                   const char *data_path, ls_model **out, ls_train_report *report, ls_error *err)
{
    *out = NULL;
    if (report)
        memset(report, 0, sizeof *report);
    ls_model *m = ls_model_alloc();
    ls_design d;
    ls_fit_result res;
    memset(&d, 0, sizeof d);
    memset(&res, 0, sizeof res);
    if (!m)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    m->learned = 1;
    m->l2 = opts->fit.l2;
    m->l1 = opts->fit.l1;
    ls_status st = ls_encode(table, spec, opts, m, &d, report, err);
    if (st != LS_OK)
        goto done;
    ls_fit_options fit = opts->fit;
    fit.intercept = 1;
    st = ls_logit_fit(d.X, d.n, d.p, d.y, d.w, (const char *const *)d.names, &fit, &res, err);
    if (st != LS_OK)
        goto done;
    copy_fit(m, &res);
    if ((st = ls_joint_tests(m, &res, err)) != LS_OK)
        goto done;
    for (size_t t = 1; t < m->n_terms; t++)
        if (m->terms[t].aliased &&
            (st = ls_report_note(report, "%s: dropped: a linear combination of earlier terms",
                                 m->terms[t].name)) != LS_OK)
            goto done;
    if ((st = prior_correction(m, &d, opts->population_rate, err)) != LS_OK)
        goto done;
    if ((st = ls_points_assign(m, &d, opts, err)) != LS_OK)
        goto done;
    if ((st = summarise_scores(m, &d, report, err)) != LS_OK)
        goto done;
    st = record_lineage(m, data_path, err);
done:
    ls_fit_result_release(&res);
    ls_design_release(&d);
    if (st != LS_OK) {
        ls_model_free(m);
        if (report)
            ls_train_report_release(report);
        return st;
    }
    *out = m;
    return LS_OK;
}
