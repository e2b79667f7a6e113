/* leadscore — logistic regression by IRLS / Newton on a dense design matrix.
 *
 * Maximum likelihood (as R's glm(family = binomial)), optional ridge (L2),
 * lasso / elastic net (coordinate descent), case weights, and full inference:
 * standard errors, z, p-values, 95% Wald intervals, deviance, AIC, BIC.
 * Aliased terms are dropped as R does, and separation is detected and
 * reported as a status, never returned as a converged fit.
 *
 * The objective, with the loss SUMMED (not averaged) over rows:
 *
 *     minimise  -loglik(β) + λ1·Σ|β_j| + λ2/2·Σβ_j²,
 *     loglik(β) = Σ_i w_i·[y_i·η_i - log(1 + exp(η_i))],  η = β0 + Xβ,
 *
 * where the sums over j leave out the intercept (it is never penalised).
 * λ2 alone is scikit-learn's LogisticRegression(C = 1/λ2); glmnet averages the
 * loss, so glmnet's (lambda, alpha) with standardize = FALSE is
 * λ1 = lambda·alpha·W and λ2 = lambda·(1 - alpha)·W, W the sum of the weights.
 * Penalties apply to the coefficients in the units of X: scale X first if the
 * terms should be penalised alike.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_FIT_H
#define LEADSCORE_FIT_H

#include <stddef.h>

#include "leadscore/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double l2;             /* ridge penalty λ2 ≥ 0 (default 0) */
    double l1;             /* lasso penalty λ1 ≥ 0; > 0 selects coordinate descent (default 0) */
    double tolerance;      /* stop when |D_old - D| / (|D| + 0.1) < tolerance, D the deviance
                              plus twice the penalty: R's glm criterion (default 1e-10) */
    size_t max_iterations; /* Newton iterations, ≥ 1 (default 100). With l1 > 0 these are the
                              outer proximal-Newton steps; each runs at most 10000 sweeps of
                              coordinate descent */
    double alias_tolerance; /* a term whose residual norm after projection on the earlier
                               terms is below this fraction of its own norm is aliased (1e-7, R's
                               lm default; glm.fit uses min(1e-7, epsilon/1000)). Only
                               unpenalised and pure-lasso fits (l2 == 0) drop aliased terms */
    int intercept;          /* 1 (default): add an unpenalised intercept as the first coefficient */
} ls_fit_options;

/* Sets the documented defaults. */
void ls_fit_options_init(ls_fit_options *opts);

/* What the fit did, beyond the coefficients. */
typedef struct {
    size_t n_coef;     /* coefficients including the intercept (p + intercept) */
    double *estimate;  /* n_coef values; aliased terms hold NAN, lasso-zeroed terms 0 */
    double *std_error; /* NAN for aliased terms. Penalised fits: from the inverse of the
                          penalised Hessian (X'WX + λ2·I); lasso: NAN for terms estimated as 0
                          (no inference after selection), the others from the Hessian of the
                          selected terms */
    double *z;         /* estimate / std_error */
    double *p_value;   /* two-sided, normal */
    double *ci_low;    /* 95% Wald interval, estimate ± 1.959963984540054·std_error */
    double *ci_high;
    int *aliased;       /* 1 where the term was dropped as a linear combination of earlier ones */
    double *covariance; /* n_coef × n_coef, row-major; rows/columns of aliased (and
                           lasso-zeroed) terms are NAN */

    size_t rows;          /* rows with non-zero weight */
    size_t rank;          /* estimated parameters: non-aliased (lasso: non-zero) coefficients,
                             intercept included */
    double weight_sum;    /* sum of case weights */
    double positives;     /* weighted count of y = 1 */
    double loglik;        /* unpenalised log-likelihood at the estimate */
    double null_loglik;   /* intercept-only model with the same weights (η = 0 without an
                             intercept, as R) */
    double deviance;      /* -2·loglik */
    double null_deviance; /* -2·null_loglik */
    double aic;           /* -2·loglik + 2·rank */
    double bic;           /* -2·loglik + rank·ln(rows) */
    double mcfadden_r2;   /* 1 - loglik / null_loglik */
    double lr_chi2;       /* null_deviance - deviance */
    double lr_p_value;    /* on rank - intercept degrees of freedom (NAN when that is 0) */
    double auc;           /* in-sample AUC of the linear predictor (weighted) */
    size_t iterations;    /* Newton steps taken */
    int converged;        /* 1 only for a genuine optimum (0 under separation) */
} ls_fit_result;

/* Fits P(y = 1) = 1 / (1 + exp(-(β0 + X β))).
 *   X: n × p, column-major (column j at X + j*n): one column per term.
 *   y: n values, each 0 or 1.  w: n case weights ≥ 0, or NULL for 1.
 *   term_names: p names used in messages, or NULL ("term j+1").
 *   opts: NULL for the defaults.
 * Rows with weight 0 are left out entirely (their X and y are not read).
 * Unpenalised fits need at least as many rows as coefficients, and a target
 * with both classes (any fit).
 *
 * On LS_OK, LS_ERR_NOCONVERGE or LS_ERR_SEPARATION, res is filled (the
 * statistics of the last iterate; converged = 0 unless LS_OK) and must be
 * released with ls_fit_result_release(). On LS_ERR_SEPARATION (unpenalised
 * fits only) err->message names the term (by term_names[j] when term_names
 * is not NULL); when a 0/1 term separates on its own it is found before any
 * iteration and res holds the starting point (intercept only). Other errors
 * leave res empty (safe to release). */
ls_status ls_logit_fit(const double *X, size_t n, size_t p, const double *y, const double *w,
                       const char *const *term_names, const ls_fit_options *opts,
                       ls_fit_result *res, ls_error *err);

/* Frees what ls_logit_fit allocated in res and zeroes it. Accepts NULL and
 * empty results. */
void ls_fit_result_release(ls_fit_result *res);

/* Area under the ROC curve of score against 0/1 labels y (y > 0.5 counts as
 * positive), with optional weights (NULL = 1; rows with weight 0 are
 * skipped); ties count one half. O(n log n). Returns NAN if a class is empty,
 * a score is NaN, or memory runs out. */
double ls_auc(const double *score, const double *y, const double *w, size_t n);

#ifdef __cplusplus
}
#endif
#endif
