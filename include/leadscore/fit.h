/* leadscore — logistic regression by IRLS / Newton on a dense design matrix.
 *
 * Maximum likelihood (as R's glm(family = binomial)), optional ridge (L2),
 * lasso / elastic net (coordinate descent), case weights, and full inference:
 * standard errors, z, p-values, 95% Wald intervals, deviance, AIC, BIC.
 * Aliased terms are dropped as R does, and separation is detected and
 * reported as a status, never returned as a converged fit.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_FIT_H
#define LEADSCORE_FIT_H

#include <stddef.h>

#include "leadscore/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double l2;              /* ridge penalty λ2: minimise -loglik + λ2/2·‖β‖² (default 0) */
    double l1;              /* lasso penalty λ1: + λ1·‖β‖₁, fitted by coordinate descent (default 0) */
    double tolerance;       /* relative change in deviance that ends the iterations (1e-10) */
    size_t max_iterations;  /* IRLS iterations (default 100; coordinate descent: 10000 sweeps) */
    double alias_tolerance; /* a term whose residual norm after projection on the earlier
                               terms is below this fraction of its own norm is aliased (1e-7, as R) */
    int intercept;          /* 1 (default): add an unpenalised intercept as the first coefficient */
} ls_fit_options;

void ls_fit_options_init(ls_fit_options *opts);

/* What the fit did, beyond the coefficients. */
typedef struct {
    size_t n_coef;        /* coefficients including the intercept (p + intercept) */
    double *estimate;     /* n_coef values; aliased terms hold NAN */
    double *std_error;    /* NAN for aliased terms; for penalised fits, from the penalised Hessian */
    double *z;
    double *p_value;
    double *ci_low;       /* 95% Wald interval */
    double *ci_high;
    int *aliased;         /* 1 where the term was dropped as a linear combination of earlier ones */
    double *covariance;   /* n_coef × n_coef, row-major; rows/columns of aliased terms are NAN */

    size_t rows;          /* rows with non-zero weight */
    size_t rank;          /* estimated parameters (non-aliased coefficients) */
    double weight_sum;    /* sum of case weights */
    double positives;     /* weighted count of y = 1 */
    double loglik;
    double null_loglik;   /* intercept-only model (with the same weights) */
    double deviance;
    double null_deviance;
    double aic;
    double bic;
    double mcfadden_r2;
    double lr_chi2;       /* null_deviance - deviance */
    double lr_p_value;    /* on rank - intercept degrees of freedom */
    double auc;           /* in-sample AUC of the linear predictor (weighted) */
    size_t iterations;
    int converged;
} ls_fit_result;

/* Fits P(y = 1) = 1 / (1 + exp(-(β0 + X β))).
 *   X: n × p, column-major (column j at X + j*n): one column per term.
 *   y: n values, each 0 or 1.  w: n case weights ≥ 0, or NULL for 1.
 * On LS_OK, LS_ERR_NOCONVERGE or LS_ERR_SEPARATION, res is filled (the
 * statistics of the last iterate) and must be released with
 * ls_fit_result_release(); on LS_ERR_SEPARATION err->message names the term
 * (by term_names[j] when term_names is not NULL). Other errors leave res
 * empty. */
ls_status ls_logit_fit(const double *X, size_t n, size_t p, const double *y, const double *w,
                       const char *const *term_names, const ls_fit_options *opts,
                       ls_fit_result *res, ls_error *err);

/* Frees what ls_logit_fit allocated in res. Accepts NULL and empty results. */
void ls_fit_result_release(ls_fit_result *res);

/* Area under the ROC curve of score against 0/1 labels y, with optional
 * weights (NULL = 1); ties count one half. Returns NAN if a class is empty. */
double ls_auc(const double *score, const double *y, const double *w, size_t n);

#ifdef __cplusplus
}
#endif
#endif
