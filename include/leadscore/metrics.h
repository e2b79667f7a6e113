/* leadscore — how well scores rank and how well probabilities are
 * calibrated, on any set of leads with known outcomes.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_METRICS_H
#define LEADSCORE_METRICS_H

#include <stddef.h>

#include "leadscore/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t rows;
    size_t positives;
    double auc;               /* ties count one half */
    double auc_se;            /* DeLong standard error */
    double auc_low, auc_high; /* DeLong 95% interval, clipped to [0, 1] */
    double gini;              /* 2·AUC − 1 */
    double ks;                /* max |TPR − FPR| over thresholds */
    /* The following need probabilities (NAN when none were given). */
    double log_loss; /* mean −[y ln p + (1−y) ln(1−p)], p clipped to [1e-15, 1−1e-15] */
    double brier;    /* mean (p − y)² */
    double hl_chi2, hl_p; /* Hosmer–Lemeshow over hl_groups groups of p, df = groups − 2 */
    size_t hl_groups;
    double calibration_slope;     /* b in logit P(y) = a + b·logit(p) */
    double calibration_intercept; /* a in logit P(y) = a + logit(p) (calibration-in-the-large) */
    double mean_predicted, observed_rate;
} ls_metrics;

/* Computes the metrics of score (ranking) and p (probabilities, may be
 * NULL) against 0/1 outcomes y. score may be NULL to rank by p. Needs both
 * classes present (LS_ERR_DATA otherwise). */
ls_status ls_metrics_compute(const double *score, const double *p, const double *y, size_t n,
                             ls_metrics *out, ls_error *err);

/* One group of leads ranked by score, best first (gains / lift tables). */
typedef struct {
    double score_lo, score_hi;
    size_t rows;
    size_t positives;
    double mean_predicted; /* NAN without probabilities */
    double rate;           /* observed conversion rate */
    double lift;           /* rate / overall rate */
    double cum_rows_share; /* share of all leads in this and better groups */
    double cum_gain;       /* share of all conversions captured by this and better groups */
} ls_group;

/* Splits the leads ranked by score (best first) into `groups` groups of
 * (nearly) equal size; ties in score stay in one group, so fewer groups may
 * come back. out must hold `groups` entries; *n_out receives the count. */
ls_status ls_gains_table(const double *score, const double *p, const double *y, size_t n,
                         size_t groups, ls_group *out, size_t *n_out, ls_error *err);

/* ROC curve: thresholds from high to low, (fpr, tpr) points from (0,0) to
 * (1,1), one per distinct score. Arrays are allocated (free()); *m points. */
ls_status ls_roc_curve(const double *score, const double *y, size_t n, double **fpr, double **tpr,
                       size_t *m, ls_error *err);

#ifdef __cplusplus
}
#endif
#endif
