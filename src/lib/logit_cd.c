/* Lasso / elastic net: proximal Newton (glmnet's outer IRLS loop) with
 * cyclic coordinate descent on the penalised quadratic model inside.
 *
 * The quadratic model uses the full X'WX of the active set, formed once per
 * outer step (O(n·k²)); each coordinate update is then O(k) ("covariance
 * updates"), so the inner sweeps cost nothing next to the pass over the data.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "error_internal.h"
#include "logit_internal.h"

enum { CD_MAX_SWEEPS = 10000, POLISH_EVERY = 20 };

static double soft_threshold(double u, double a)
{
    return u > a ? u - a : u < -a ? u + a : 0.0;
}

/* r = grad - H·delta: the gradient of the quadratic model at gamma + delta. */
static void model_gradient(const logit_ws *ws, const double *delta, double *r)
{
    size_t m = ws->n_act;
    for (size_t a = 0; a < m; a++) {
        const double *h = ws->hess + a * m;
        double s = ws->grad[a];
        for (size_t c = 0; c < m; c++)
            s -= h[c] * delta[c];
        r[a] = s;
    }
}

/* One coordinate: the exact minimiser of the model plus penalty along
 * coefficient a. Returns the change. */
static double coordinate_update(const logit_ws *ws, size_t a, const double *delta, const double *r)
{
    size_t m = ws->n_act, j = ws->act[a];
    double h = ws->hess[a * m + a], cur = ws->gamma[j] + delta[a];
    if (logit_is_intercept(ws, j))
        return h > 0 ? r[a] / h : 0.0;
    double s = ws->scale[j], denom = h + logit_ridge_curvature(ws, j);
    if (!(denom > 0))
        return 0.0;
    return soft_threshold(h * cur + r[a], ws->l1 * s) / denom - cur;
}

/* Solves the model exactly on the support coordinate descent found, with
 * the signs held fixed: one linear system, (H_SS + Λ2)·z = g_S + (Hγ)_S -
 * λ1·s·sign, instead of the many sweeps that strongly correlated terms
 * (or terms barely held by a small ridge) would need. Accepted only if z
 * keeps the signs and the zeros still satisfy |r_j| ≤ λ1·s_j: then it is
 * the exact minimiser, and delta takes it. Returns 1 if accepted. */
static int polish_support(logit_ws *ws, double *delta)
{
    size_t m = ws->n_act, q = 0, *sup = ws->support;
    double *M = ws->fac, *z = ws->scratch, *r = ws->scratch + ws->k;
    for (size_t a = 0; a < m; a++)
        if (logit_is_intercept(ws, ws->act[a]) || ws->gamma[ws->act[a]] + delta[a] != 0.0)
            sup[q++] = a;
    for (size_t u = 0; u < q; u++) {
        size_t a = sup[u], j = ws->act[a];
        const double *h = ws->hess + a * m;
        double b = ws->grad[a], cur = ws->gamma[j] + delta[a];
        for (size_t c = 0; c < m; c++)
            b += h[c] * ws->gamma[ws->act[c]];
        if (!logit_is_intercept(ws, j))
            b -= ws->l1 * ws->scale[j] * (cur > 0 ? 1.0 : -1.0);
        z[u] = b;
        for (size_t v = 0; v < q; v++)
            M[u * q + v] = h[sup[v]];
        M[u * q + u] += logit_ridge_curvature(ws, j);
    }
    if (logit_cholesky(M, q) != 0)
        return 0;
    logit_cholesky_solve(M, q, z);
    /* Candidate step: z on the support, 0 (a step of -γ) elsewhere. */
    for (size_t a = 0; a < m; a++)
        r[a] = -ws->gamma[ws->act[a]];
    for (size_t u = 0; u < q; u++) {
        size_t a = sup[u], j = ws->act[a];
        double cur = ws->gamma[j] + delta[a];
        if (!logit_is_intercept(ws, j) && !(z[u] * cur > 0))
            return 0;
        r[a] = z[u] - ws->gamma[j];
    }
    double *grad_at = z; /* the support solution is in r now */
    model_gradient(ws, r, grad_at);
    for (size_t a = 0, u = 0; a < m; a++) {
        if (u < q && sup[u] == a) {
            u++;
            continue;
        }
        double bound = ws->l1 * ws->scale[ws->act[a]];
        if (fabs(grad_at[a]) > bound * (1.0 + 1e-9) + 1e-12)
            return 0;
    }
    memcpy(delta, r, m * sizeof *delta);
    return 1;
}

/* Minimises the quadratic model of -loglik around gamma plus the penalty;
 * the direction (new - current) goes to ws->step. Sweeps until no
 * coordinate moves the model gradient by more than gtol, trying the exact
 * solve on the current support every POLISH_EVERY sweeps and at the end. */
static void cd_solve(logit_ws *ws, double gtol)
{
    size_t m = ws->n_act;
    double *delta = ws->step, *r = ws->scratch;
    memset(delta, 0, m * sizeof *delta);
    for (size_t sweep = 1; sweep <= CD_MAX_SWEEPS; sweep++) {
        model_gradient(ws, delta, r); /* afresh each sweep: no drift from the updates */
        double largest = 0.0;
        for (size_t a = 0; a < m; a++) {
            double d = coordinate_update(ws, a, delta, r);
            if (d == 0.0)
                continue;
            delta[a] += d;
            const double *h = ws->hess + a * m;
            for (size_t c = 0; c < m; c++)
                r[c] -= h[c] * d;
            largest = fmax(largest, (h[a] + logit_ridge_curvature(ws, ws->act[a])) * fabs(d));
        }
        if (largest <= gtol || sweep % POLISH_EVERY == 0)
            if (polish_support(ws, delta) || largest <= gtol)
                return;
    }
    polish_support(ws, delta);
}

ls_status logit_fit_cd(logit_ws *ws, const ls_fit_options *opts, ls_error *err)
{
    /* Gradient units grow with the total weight. */
    double gtol = 1e-13 * (ws->weight_sum + 1.0), f_old = ws->objective;
    for (size_t it = 0;; it++) {
        if (it > 0) {
            logit_gram(ws);
            if (fabs(f_old - ws->objective) / (fabs(ws->objective) + 0.1) < opts->tolerance) {
                ws->converged = 1;
                return LS_OK;
            }
        }
        if (it == opts->max_iterations)
            return ls_fail(err, LS_ERR_NOCONVERGE,
                           "no convergence after %zu iterations (relative change in penalised "
                           "deviance %.3g, tolerance %.3g)",
                           it, fabs(f_old - ws->objective) / (fabs(ws->objective) + 0.1),
                           opts->tolerance);
        cd_solve(ws, gtol);
        f_old = ws->objective;
        if (logit_line_search(ws, ws->step, opts->tolerance) != 0)
            return ls_fail(err, LS_ERR_NOCONVERGE,
                           "step-halving could not reduce the penalised deviance at iteration %zu",
                           it + 1);
        ws->iterations = it + 1;
    }
}
