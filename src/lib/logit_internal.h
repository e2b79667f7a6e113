/* Logistic regression internals shared by the Newton (logit_fit.c), coordinate
 * descent (logit_cd.c) and statistics (logit_stats.c) files.
 *
 * Coefficients live in scaled coordinates: column j of the design is
 * multiplied by scale[j] (unit weighted RMS), so β_j = scale[j]·γ_j. This
 * equilibrates X'WX before it is factored. Coefficient 0 is the intercept
 * when there is one; coefficient j ≥ intercept reads X column j - intercept.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_LOGIT_INTERNAL_H
#define LS_LOGIT_INTERNAL_H

#include <stddef.h>

#include "leadscore/fit.h"

/* Rows packed per block when forming X'WX: the block (rows × terms) stays in cache. */
enum { LOGIT_BLOCK_ROWS = 128 };

typedef struct {
    /* The problem, borrowed from the caller. */
    const double *X, *y, *w;
    size_t n, p;
    int intercept;
    double l1, l2;

    /* k candidate coefficients, of which act[0..n_act) are fitted (not aliased). */
    size_t k, n_act;
    size_t *act;
    int *aliased;
    double *scale;
    double *gamma, *gamma_old; /* k scaled coefficients; 0 for aliased terms */

    /* Row totals over rows with weight > 0. */
    size_t rows, rows_pos;
    double weight_sum, positives;

    /* Linear predictor at gamma and at gamma_old; meaningful where w > 0. */
    double *eta, *eta_old;

    /* Newton system on the active set, at gamma: hess = Z'WZ (n_act², row-major,
     * unpenalised), grad = Z'w(y - μ) (gradient of the log-likelihood). */
    double *hess, *grad;
    double *fac;     /* k² scratch for factors */
    double *step;    /* k scratch */
    double *scratch; /* 2k scratch (coordinate descent) */
    size_t *support; /* k scratch (coordinate descent) */

    /* Packing buffers for logit_gram. */
    double *block, *row_sw, *row_res;
    size_t *row_idx;

    int have_step;    /* gamma_old/eta_old hold the iterate before the last step */
    double deviance;  /* at gamma */
    double objective; /* deviance + 2·penalty at gamma */
    size_t iterations;
    int converged;
} logit_ws;

static inline double logit_weight(const logit_ws *ws, size_t i)
{
    return ws->w ? ws->w[i] : 1.0;
}

/* Column of X behind coefficient j, or NULL for the intercept. */
static inline const double *logit_column(const logit_ws *ws, size_t j)
{
    if (ws->intercept && j == 0)
        return NULL;
    return ws->X + (j - (size_t)ws->intercept) * ws->n;
}

static inline int logit_is_intercept(const logit_ws *ws, size_t j)
{
    return ws->intercept && j == 0;
}

/* λ2 in scaled units for coefficient j (0 for the intercept): the ridge
 * penalty's curvature, added to the diagonal of X'WX. */
static inline double logit_ridge_curvature(const logit_ws *ws, size_t j)
{
    return logit_is_intercept(ws, j) ? 0.0 : ws->l2 * ws->scale[j] * ws->scale[j];
}

/* --- logit_stats.c: the likelihood at γ, and inference ------------------ */

/* eta = Zγ for the active coefficients (all rows). */
void logit_eta(const logit_ws *ws, const double *gamma, double *eta);

/* -2·loglik over rows with weight > 0. */
double logit_deviance(const logit_ws *ws, const double *eta);

/* λ1·Σ|β_j| + λ2/2·Σβ_j² over the penalised active coefficients of gamma. */
double logit_penalty(const logit_ws *ws, const double *gamma);

/* Fills ws->hess and ws->grad at ws->eta over the active set, O(n·n_act²). */
void logit_gram(logit_ws *ws);

/* In-place Cholesky of the m × m row-major symmetric a: L in the lower
 * triangle. Returns 0, or 1 if a pivot is not positive (no GSL error handler
 * is involved, so a near-singular Hessian is a value, not an abort). */
int logit_cholesky(double *a, size_t m);

/* Solves L·L'·x = b in place (b becomes x), L from logit_cholesky. */
void logit_cholesky_solve(const double *L, size_t m, double *b);

/* Allocates res and fills estimates, inference and fit statistics at ws->gamma
 * (ws->hess must be at ws->gamma). LS_ERR_NOMEM is the only failure. */
ls_status logit_fill_result(const logit_ws *ws, ls_fit_result *res, ls_error *err);

/* --- logit_fit.c --------------------------------------------------------- */

/* Moves from gamma along dir (n_act entries, scaled coordinates) by the
 * first of t = 1, 1/2, 1/4, ... that does not raise the objective by more
 * than tolerance·(|objective| + 0.1); gamma_old/eta_old keep the start.
 * Returns 0, or 1 if no step size worked (gamma and eta are then restored). */
int logit_line_search(logit_ws *ws, const double *dir, double tolerance);

/* --- logit_cd.c: lasso / elastic net ------------------------------------- */

/* Proximal Newton with a coordinate-descent inner loop, from ws->gamma with
 * ws->hess/grad fresh. Sets gamma, eta, hess (at the end point), deviance,
 * objective, iterations, converged. LS_OK or LS_ERR_NOCONVERGE. */
ls_status logit_fit_cd(logit_ws *ws, const ls_fit_options *opts, ls_error *err);

#endif
