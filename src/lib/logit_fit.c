/* Logistic regression by Newton / IRLS: input checks, R's aliasing rule,
 * separation checks and the Newton loop (ML and ridge). The lasso / elastic
 * net loop is in logit_cd.c, the likelihood and the statistics in
 * logit_stats.c.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "logit_internal.h"

enum { MAX_HALVINGS = 50 };

/* |η| beyond which a fitted probability counts as numerically 0 or 1 for
 * the separation checks (μ(1-μ) < 3.1e-7). */
static const double SATURATED_ETA = 15.0;

/* A saturated row whose η still moved outwards by this much in a step
 * that left the deviance unchanged is being pushed to infinity. */
static const double DIVERGING_STEP = 0.1;

/* Out of iterations, the moving rows are taken as separation only after
 * this many steps: early steps of a sound fit may still move far. */
enum { SEPARATION_MIN_STEPS = 5 };

static const char SEPARATION_ADVICE[] =
    "the maximum-likelihood estimate does not exist (add --l2, or pool rare levels)";

void ls_fit_options_init(ls_fit_options *opts)
{
    opts->l2 = 0.0;
    opts->l1 = 0.0;
    opts->tolerance = 1e-10;
    opts->max_iterations = 100;
    opts->alias_tolerance = 1e-7;
    opts->intercept = 1;
}

void ls_fit_result_release(ls_fit_result *res)
{
    if (!res)
        return;
    free(res->estimate);
    free(res->std_error);
    free(res->z);
    free(res->p_value);
    free(res->ci_low);
    free(res->ci_high);
    free(res->aliased);
    free(res->covariance);
    memset(res, 0, sizeof *res);
}

/* Name of X column xcol for messages: term_names[xcol] or "term xcol+1". */
static const char *term_label(const char *const *names, size_t xcol, char *buf, size_t size)
{
    if (names && names[xcol])
        return names[xcol];
    snprintf(buf, size, "term %zu", xcol + 1);
    return buf;
}

/* Label of coefficient j (the intercept included). */
static const char *coef_label(const logit_ws *ws, const char *const *names, size_t j, char *buf,
                              size_t size)
{
    if (logit_is_intercept(ws, j))
        return "(intercept)";
    return term_label(names, j - (size_t)ws->intercept, buf, size);
}

/* ------------------------------------------------------------------------ */
/* Input checks                                                             */

static ls_status check_options(const ls_fit_options *o, size_t p, ls_error *err)
{
    if (!(o->l1 >= 0 && isfinite(o->l1)) || !(o->l2 >= 0 && isfinite(o->l2)))
        return ls_fail(err, LS_ERR_USAGE,
                       "penalties must be finite and non-negative (l1 %g, l2 %g)", o->l1, o->l2);
    if (!(o->tolerance > 0 && o->tolerance < 1))
        return ls_fail(err, LS_ERR_USAGE, "tolerance %g is not in (0, 1)", o->tolerance);
    if (!(o->alias_tolerance >= 0 && o->alias_tolerance < 1))
        return ls_fail(err, LS_ERR_USAGE, "alias tolerance %g is not in [0, 1)",
                       o->alias_tolerance);
    if (o->max_iterations == 0)
        return ls_fail(err, LS_ERR_USAGE, "max_iterations must be at least 1");
    if (p == 0 && !o->intercept)
        return ls_fail(err, LS_ERR_USAGE, "nothing to fit: no terms and no intercept");
    return LS_OK;
}

/* Weights and target, row by row; totals over rows with weight > 0. */
static ls_status check_rows(logit_ws *ws, ls_error *err)
{
    for (size_t i = 0; i < ws->n; i++) {
        double wi = logit_weight(ws, i);
        if (!(wi >= 0) || !isfinite(wi))
            return ls_fail(err, LS_ERR_DATA, "row %zu: weight %g is not a finite number >= 0",
                           i + 1, wi);
        if (wi == 0)
            continue;
        double yi = ws->y[i];
        if (yi != 0.0 && yi != 1.0)
            return ls_fail(err, LS_ERR_DATA, "row %zu: the target is %g, not 0 or 1", i + 1, yi);
        ws->rows++;
        ws->weight_sum += wi;
        if (yi == 1.0) {
            ws->rows_pos++;
            ws->positives += wi;
        }
    }
    return LS_OK;
}

/* Every design value in a row with weight > 0 must be finite; the first bad
 * row (then term) is reported. Scanned by column, as X is stored. */
static ls_status check_design(const logit_ws *ws, const char *const *names, ls_error *err)
{
    size_t bad_row = ws->n, bad_col = 0;
    if (ws->grp) {
        bad_row = logit_groups_bad_row(ws, &bad_col);
        if (bad_row == ws->n)
            return LS_OK;
        char buf[32];
        size_t g = ws->col_group[bad_col];
        return ls_fail(err, LS_ERR_DATA, "row %zu, term '%s': value %g is not finite", bad_row + 1,
                       term_label(names, bad_col, buf, sizeof buf),
                       ws->grp->value[g][logit_level(ws->grp, g, bad_row)]);
    }
    for (size_t c = 0; c < ws->p; c++) {
        const double *col = ws->X + c * ws->n;
        for (size_t i = 0; i < bad_row; i++) {
            if (!isfinite(col[i]) && logit_weight(ws, i) > 0) {
                bad_row = i;
                bad_col = c;
                break;
            }
        }
    }
    if (bad_row == ws->n)
        return LS_OK;
    char buf[32];
    return ls_fail(err, LS_ERR_DATA, "row %zu, term '%s': value %g is not finite", bad_row + 1,
                   term_label(names, bad_col, buf, sizeof buf), ws->X[bad_col * ws->n + bad_row]);
}

static ls_status check_counts(const logit_ws *ws, int penalised, ls_error *err)
{
    if (ws->rows == 0)
        return ls_fail(err, LS_ERR_DATA, "no rows with a non-zero weight");
    if (ws->rows_pos == 0 || ws->rows_pos == ws->rows)
        return ls_fail(err, LS_ERR_DATA, "the target has only one class (%zu rows, all %s)",
                       ws->rows, ws->rows_pos ? "converted" : "not converted");
    if (!penalised && ws->rows < ws->k)
        return ls_fail(err, LS_ERR_DATA,
                       "%zu rows are too few to estimate %zu coefficients (add --l2 or drop terms)",
                       ws->rows, ws->k);
    return LS_OK;
}

/* ------------------------------------------------------------------------ */
/* Workspace                                                                */

static ls_status ws_alloc(logit_ws *ws)
{
    size_t k = ws->k, n = ws->n ? ws->n : 1, L = LOGIT_BLOCK_ROWS;
    ws->act = malloc(k * sizeof *ws->act);
    ws->aliased = calloc(k, sizeof *ws->aliased);
    ws->scale = malloc(k * sizeof *ws->scale);
    ws->gamma = calloc(k, sizeof *ws->gamma);
    ws->gamma_old = calloc(k, sizeof *ws->gamma_old);
    ws->eta = ls_big_alloc(logit_spool(ws), n * sizeof *ws->eta);
    ws->eta_old = ls_big_alloc(logit_spool(ws), n * sizeof *ws->eta_old);
    ws->hess = malloc(k * k * sizeof *ws->hess);
    ws->grad = malloc(k * sizeof *ws->grad);
    ws->fac = malloc(k * k * sizeof *ws->fac);
    ws->step = malloc(k * sizeof *ws->step);
    ws->scratch = malloc(2 * k * sizeof *ws->scratch);
    ws->support = malloc(k * sizeof *ws->support);
    ws->block = malloc(L * k * sizeof *ws->block);
    ws->row_sw = malloc(L * sizeof *ws->row_sw);
    ws->row_res = malloc(L * sizeof *ws->row_res);
    ws->row_idx = malloc(L * sizeof *ws->row_idx);
    if (!ws->act || !ws->aliased || !ws->scale || !ws->gamma || !ws->gamma_old || !ws->eta ||
        !ws->eta_old || !ws->hess || !ws->grad || !ws->fac || !ws->step || !ws->scratch ||
        !ws->support || !ws->block || !ws->row_sw || !ws->row_res || !ws->row_idx)
        return LS_ERR_NOMEM;
    ws->n_act = k;
    for (size_t j = 0; j < k; j++)
        ws->act[j] = j;
    return ws->grp ? logit_groups_prepare(ws) : LS_OK;
}

/* Column j of X (NULL for the intercept); grouped designs materialise it. */
const double *logit_column(logit_ws *ws, size_t j)
{
    if (!ws->grp || logit_is_intercept(ws, j))
        return logit_dense_column(ws, j);
    if (!ws->colbuf &&
        !(ws->colbuf = ls_big_alloc(logit_spool(ws), (ws->n ? ws->n : 1) * sizeof *ws->colbuf)))
        return NULL;
    logit_groups_column(ws, j - (size_t)ws->intercept, ws->colbuf);
    return ws->colbuf;
}

static void ws_release(logit_ws *ws)
{
    free(ws->act);
    free(ws->aliased);
    free(ws->scale);
    free(ws->gamma);
    free(ws->gamma_old);
    ls_big_free(logit_spool(ws), ws->eta);
    ls_big_free(logit_spool(ws), ws->eta_old);
    free(ws->hess);
    free(ws->grad);
    free(ws->fac);
    free(ws->step);
    free(ws->scratch);
    free(ws->support);
    free(ws->block);
    free(ws->row_sw);
    free(ws->row_res);
    free(ws->row_idx);
    if (ws->grp)
        logit_groups_release(ws);
}

/* Equilibration: each column to unit weighted root mean square, so X'WX is
 * well scaled whatever the units (seconds next to 0/1 indicators). */
static void set_scale(logit_ws *ws)
{
    for (size_t j = 0; j < ws->k; j++) {
        const double *col = ws->grp ? NULL : logit_column(ws, j);
        double ss[2] = {0.0, 0.0};
        if (ws->grp && !logit_is_intercept(ws, j))
            ss[0] = logit_groups_sum_squares(ws, j - (size_t)ws->intercept);
        if (col)
            for (size_t i = 0; i < ws->n; i++) {
                double wi = logit_weight(ws, i);
                ss[i & 1] += wi > 0 ? wi * col[i] * col[i] : 0.0;
            }
        int is_term = !logit_is_intercept(ws, j);
        double s = is_term ? 1.0 / sqrt((ss[0] + ss[1]) / ws->weight_sum) : 1.0;
        ws->scale[j] = isfinite(s) && s > 0 ? s : 1.0;
    }
}

/* Intercept-only start (η = 0 without an intercept). Every row then has the
 * same μ, so the first X'WX is X'diag(w)X times a constant: exactly the
 * matrix R's aliasing rule needs. */
static void start_point(logit_ws *ws)
{
    memset(ws->gamma, 0, ws->k * sizeof *ws->gamma);
    if (ws->intercept)
        ws->gamma[0] = log(ws->positives / (ws->weight_sum - ws->positives));
    /* a grouped design forms X'WX in the same pass */
    ws->gram_fresh = ws->grp && logit_groups_eval(ws, ws->gamma, &ws->deviance);
    if (!ws->gram_fresh) {
        logit_eta(ws, ws->gamma, ws->eta);
        ws->deviance = logit_deviance(ws, ws->eta);
    }
    ws->objective = ws->deviance + 2.0 * logit_penalty(ws, ws->gamma);
}

/* ------------------------------------------------------------------------ */
/* Aliasing                                                                 */

/* Solves H_SS·v = v over the kept indices S (positions 0..m) with the
 * partial factor L (k × k, rows/columns of dropped terms unused). */
static void subset_solve(const double *L, size_t k, const size_t *S, size_t m, double *v)
{
    for (size_t a = 0; a < m; a++) {
        const double *ls = L + S[a] * k;
        for (size_t b = 0; b < a; b++)
            v[a] -= ls[S[b]] * v[b];
        v[a] /= ls[S[a]];
    }
    for (size_t a = m; a-- > 0;) {
        for (size_t b = a + 1; b < m; b++)
            v[a] -= L[S[b] * k + S[a]] * v[b];
        v[a] /= L[S[a] * k + S[a]];
    }
}

/* e -= Σ_a coef[a]·z_{S[a]} over rows with weight > 0. */
static void subtract_combination(logit_ws *ws, const size_t *S, size_t m, const double *coef,
                                 double *e)
{
    for (size_t a = 0; a < m; a++) {
        const double *col = logit_column(ws, S[a]);
        double c = coef[a] * ws->scale[S[a]];
        for (size_t i = 0; i < ws->n; i++)
            if (logit_weight(ws, i) > 0)
                e[i] -= c * (col ? col[i] : 1.0);
    }
}

/* Weighted residual norm of column j after projection on the kept columns
 * S, over its own norm — computed on the data, since the Gram matrix alone
 * cannot resolve ratios near R's 1e-7 once n is large. One
 * re-orthogonalisation step makes it accurate ("twice is enough").
 * kappa = μ0(1-μ0) relates ws->hess to X'diag(w)X. Returns -1 if out of memory. */
static double residual_ratio(logit_ws *ws, size_t j, const size_t *S, size_t m, double kappa)
{
    double *c = malloc((m ? m : 1) * sizeof *c), *e = ws->eta_old;
    if (ws->grp && !ws->colbuf)
        ws->colbuf = ls_big_alloc(logit_spool(ws), (ws->n ? ws->n : 1) * sizeof *ws->colbuf);
    if (!c || (ws->grp && !ws->colbuf)) {
        free(c);
        return -1.0;
    }
    const double *colj = logit_column(ws, j);
    double norm2 = 0.0;
    for (size_t i = 0; i < ws->n; i++) {
        double wi = logit_weight(ws, i), z = colj ? colj[i] * ws->scale[j] : 1.0;
        e[i] = wi > 0 ? z : 0.0;
        norm2 += wi > 0 ? wi * z * z : 0.0;
    }
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t a = 0; a < m; a++) {
            const double *col = logit_column(ws, S[a]);
            double t = 0.0;
            for (size_t i = 0; i < ws->n; i++) {
                double wi = logit_weight(ws, i);
                if (wi > 0)
                    t += wi * (col ? col[i] * ws->scale[S[a]] : 1.0) * e[i];
            }
            c[a] = kappa * t;
        }
        subset_solve(ws->fac, ws->k, S, m, c);
        subtract_combination(ws, S, m, c, e);
    }
    double res2 = 0.0;
    for (size_t i = 0; i < ws->n; i++) {
        double wi = logit_weight(ws, i);
        if (wi > 0)
            res2 += wi * e[i] * e[i];
    }
    free(c);
    return norm2 > 0 ? sqrt(res2 / norm2) : 0.0;
}

/* R's rule (dqrdc2 with tol 1e-7): in column order, a term whose residual
 * norm after projection on the earlier kept terms is below tol of its own
 * norm is aliased. A sequential Cholesky of the first X'WX finds the
 * candidates; those within reach of rounding are settled on the data. */
static ls_status find_aliased(logit_ws *ws, double tol)
{
    size_t k = ws->k, m = 0, *S = malloc(k * sizeof *S);
    double *H = ws->hess, *L = ws->fac, doubt = fmax(1e-9, 100.0 * tol * tol);
    double z0 = exp(-fabs(ws->eta[0])), kappa = z0 / ((1.0 + z0) * (1.0 + z0));
    ls_status st = LS_ERR_NOMEM;
    if (!S)
        goto done;
    for (size_t j = 0; j < k; j++) {
        double *lj = L + j * k, hjj = H[j * k + j], r = hjj;
        memset(lj, 0, k * sizeof *lj);
        for (size_t a = 0; a < m; a++) {
            const double *la = L + S[a] * k;
            double s = H[j * k + S[a]];
            for (size_t b = 0; b < a; b++)
                s -= lj[S[b]] * la[S[b]];
            lj[S[a]] = s / la[S[a]];
            r -= lj[S[a]] * lj[S[a]];
        }
        int drop = !(hjj > 0);
        if (!drop && r <= doubt * hjj) {
            double ratio = residual_ratio(ws, j, S, m, kappa);
            if (ratio < 0)
                goto done;
            drop = ratio < tol;
            r = ratio * ratio * hjj;
        }
        if (drop) {
            ws->aliased[j] = 1;
            memset(lj, 0, k * sizeof *lj);
            continue;
        }
        lj[j] = sqrt(r);
        S[m++] = j;
    }
    st = LS_OK;
done:
    free(S);
    return st;
}

/* Keeps only the non-aliased coefficients in act, hess and grad. In-place
 * compaction is safe: every destination precedes its source. */
static void drop_aliased(logit_ws *ws)
{
    size_t k = ws->n_act, m = 0;
    for (size_t j = 0; j < k; j++)
        if (!ws->aliased[j])
            ws->act[m++] = j;
    for (size_t a = 0; a < m; a++) {
        for (size_t c = 0; c < m; c++)
            ws->hess[a * m + c] = ws->hess[ws->act[a] * k + ws->act[c]];
        ws->grad[a] = ws->grad[ws->act[a]];
    }
    ws->n_act = m;
}

/* ------------------------------------------------------------------------ */
/* Separation                                                               */

typedef struct {
    size_t one_pos, one_neg, zero_pos, zero_neg;
} indicator_counts;

/* Counts by value and class when column col is 0/1 on the weighted rows.
 * Branch-free counting: the class of consecutive rows is unpredictable. */
static int indicator_tally(const logit_ws *ws, const double *col, indicator_counts *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < ws->n; i++) {
        if (!(logit_weight(ws, i) > 0))
            continue;
        size_t one = col[i] == 1.0, zero = col[i] == 0.0, pos = ws->y[i] > 0.5;
        if (!(one | zero))
            return 0;
        t->one_pos += one & pos;
        t->one_neg += one & !pos;
        t->zero_pos += zero & pos;
        t->zero_neg += zero & !pos;
    }
    return 1;
}

/* Exact pre-check: a 0/1 term whose 1-rows (or, with an intercept, whose
 * 0-rows) all have one class has no finite estimate. */
static ls_status indicator_separation(const logit_ws *ws, const char *const *names, ls_error *err)
{
    char buf[32];
    for (size_t a = 0; a < ws->n_act; a++) {
        size_t j = ws->act[a];
        indicator_counts t;
        if (logit_is_intercept(ws, j))
            continue;
        if (ws->grp) {
            if (!logit_groups_tally(ws, j - (size_t)ws->intercept, &t.one_pos, &t.one_neg,
                                    &t.zero_pos, &t.zero_neg))
                continue;
        } else if (!indicator_tally(ws, logit_dense_column(ws, j), &t)) {
            continue;
        }
        size_t ones = t.one_pos + t.one_neg, zeros = t.zero_pos + t.zero_neg;
        int one_pure = ones > 0 && (t.one_pos == 0 || t.one_neg == 0);
        int zero_pure = ws->intercept && zeros > 0 && (t.zero_pos == 0 || t.zero_neg == 0);
        const char *name = coef_label(ws, names, j, buf, sizeof buf);
        if (one_pure && zero_pure)
            return ls_fail(err, LS_ERR_SEPARATION,
                           "complete separation: every row with '%s' %s and every row without it "
                           "%s; %s",
                           name, t.one_pos ? "converted" : "did not convert",
                           t.zero_pos ? "converted" : "did not", SEPARATION_ADVICE);
        if (one_pure)
            return ls_fail(err, LS_ERR_SEPARATION,
                           "quasi-complete separation: all %zu rows with '%s' %s; %s", ones, name,
                           t.one_pos ? "converted" : "did not convert", SEPARATION_ADVICE);
        if (zero_pure)
            return ls_fail(err, LS_ERR_SEPARATION,
                           "quasi-complete separation: all %zu rows without '%s' %s; %s", zeros,
                           name, t.zero_pos ? "converted" : "did not convert", SEPARATION_ADVICE);
    }
    return LS_OK;
}

/* The term (not the intercept) that moved most in the last step or, without
 * a step, the largest, in scaled units: the one being pushed to infinity. */
static size_t diverging_term(const logit_ws *ws)
{
    size_t best = ws->k;
    double best_v = -1.0;
    for (size_t a = 0; a < ws->n_act; a++) {
        size_t j = ws->act[a];
        if (logit_is_intercept(ws, j))
            continue;
        double v = ws->have_step ? fabs(ws->gamma[j] - ws->gamma_old[j]) : fabs(ws->gamma[j]);
        if (v > best_v) {
            best_v = v;
            best = j;
        }
    }
    return best;
}

/* General check after Newton. At a genuine optimum the last step barely
 * moves η; under separation the rows whose probability is numerically 0
 * or 1 keep moving outwards (≈ 1 per step) while the deviance stalls, and
 * the Hessian may lose definiteness. st is the Newton loop's status. */
static ls_status check_separation(logit_ws *ws, const char *const *names, ls_status st,
                                  ls_error *err)
{
    if (st != LS_OK && st != LS_ERR_NOCONVERGE && st != LS_ERR_NUMERIC)
        return st;
    size_t saturated = 0, moving = 0;
    for (size_t i = 0; i < ws->n; i++) {
        if (!(logit_weight(ws, i) > 0))
            continue;
        double e = ws->eta[i];
        if (fabs(e) <= SATURATED_ETA)
            continue;
        saturated++;
        if (ws->have_step && (e - ws->eta_old[i]) * (e > 0 ? 1 : -1) > DIVERGING_STEP)
            moving++;
    }
    int separated = st == LS_ERR_NUMERIC
                        ? saturated > 0
                        : moving > 0 && (st == LS_OK || ws->iterations >= SEPARATION_MIN_STEPS);
    size_t j = diverging_term(ws);
    if (!separated || j == ws->k)
        return st;
    ws->converged = 0;
    char buf[32];
    return ls_fail(err, LS_ERR_SEPARATION,
                   "%s separation: the fitted probabilities of %zu rows are numerically 0 or 1 "
                   "and the estimate of '%s' diverges; %s",
                   saturated == ws->rows ? "complete" : "quasi-complete", saturated,
                   coef_label(ws, names, j, buf, sizeof buf), SEPARATION_ADVICE);
}

/* ------------------------------------------------------------------------ */
/* Newton                                                                   */

int logit_line_search(logit_ws *ws, const double *dir, double tolerance)
{
    double *g = ws->gamma, *e = ws->eta;
    ws->gamma = ws->gamma_old;
    ws->gamma_old = g;
    ws->eta = ws->eta_old;
    ws->eta_old = e;
    double f0 = ws->objective, slack = tolerance * (fabs(f0) + 0.1), t = 1.0;
    for (int h = 0; h < MAX_HALVINGS; h++, t *= 0.5) {
        memcpy(ws->gamma, ws->gamma_old, ws->k * sizeof *ws->gamma);
        for (size_t a = 0; a < ws->n_act; a++)
            ws->gamma[ws->act[a]] += t * dir[a];
        double dev;
        /* Newton on a grouped design: X'WX comes in the same pass, for the next step */
        ws->gram_fresh = ws->fuse && logit_groups_eval(ws, ws->gamma, &dev);
        if (!ws->gram_fresh) {
            logit_eta(ws, ws->gamma, ws->eta);
            dev = logit_deviance(ws, ws->eta);
        }
        double f = dev + 2.0 * logit_penalty(ws, ws->gamma);
        if (isfinite(f) && f <= f0 + slack) {
            ws->deviance = dev;
            ws->objective = f;
            ws->have_step = 1;
            return 0;
        }
    }
    ws->gamma_old = ws->gamma;
    ws->gamma = g;
    ws->eta_old = ws->eta;
    ws->eta = e;
    ws->have_step = 0;
    if (ws->gram_fresh) /* it was formed at a trial point: back to gamma */
        logit_gram(ws);
    ws->gram_fresh = 0;
    return 1;
}

/* Solves (H + Λ)·step = grad - Λγ, Λ the ridge penalty in scaled units.
 * The right side is the exact gradient, so the fixed point is exact.
 * Returns 1 if the matrix is not numerically positive definite. */
static int newton_step(logit_ws *ws)
{
    size_t m = ws->n_act;
    memcpy(ws->fac, ws->hess, m * m * sizeof *ws->fac);
    for (size_t a = 0; a < m; a++) {
        size_t j = ws->act[a];
        double pen = logit_ridge_curvature(ws, j);
        ws->fac[a * m + a] += pen;
        ws->step[a] = ws->grad[a] - pen * ws->gamma[j];
    }
    if (logit_cholesky(ws->fac, m) != 0)
        return 1;
    logit_cholesky_solve(ws->fac, m, ws->step);
    return 0;
}

static int relative_change_below(double f_old, double f, double tol)
{
    return fabs(f_old - f) / (fabs(f) + 0.1) < tol;
}

/* ws->hess/grad are fresh at gamma on entry; on return they are at the
 * final gamma. */
static ls_status newton(logit_ws *ws, const ls_fit_options *o, ls_error *err)
{
    double f_old = ws->objective;
    ws->fuse = ws->grp != NULL;
    for (size_t it = 0;; it++) {
        if (it > 0) {
            if (!ws->gram_fresh)
                logit_gram(ws);
            ws->gram_fresh = 0;
            if (relative_change_below(f_old, ws->objective, o->tolerance)) {
                ws->converged = 1;
                return LS_OK;
            }
        }
        if (it == o->max_iterations)
            return ls_fail(err, LS_ERR_NOCONVERGE,
                           "no convergence after %zu iterations (relative change in deviance "
                           "%.3g, tolerance %.3g)",
                           it, fabs(f_old - ws->objective) / (fabs(ws->objective) + 0.1),
                           o->tolerance);
        if (newton_step(ws) != 0)
            return ls_fail(err, LS_ERR_NUMERIC,
                           "the Hessian is not positive definite at iteration %zu", it + 1);
        f_old = ws->objective;
        if (logit_line_search(ws, ws->step, o->tolerance) != 0)
            return ls_fail(err, LS_ERR_NUMERIC,
                           "step-halving could not reduce the deviance at iteration %zu", it + 1);
        ws->iterations = it + 1;
    }
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                              */

/* Checks, workspace, start point, aliasing. */
static ls_status prepare(logit_ws *ws, const char *const *names, const ls_fit_options *o,
                         ls_error *err)
{
    ls_status st = check_rows(ws, err);
    if (st == LS_OK && !ws->grp)
        st = check_design(ws, names, err);
    if (st == LS_OK)
        st = check_counts(ws, o->l1 > 0 || o->l2 > 0, err);
    if (st != LS_OK)
        return st;
    st = ws_alloc(ws);
    if (st == LS_ERR_USAGE)
        return ls_fail(err, LS_ERR_USAGE, "logit: inconsistent grouped design");
    if (st != LS_OK)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    if (ws->grp && (st = check_design(ws, names, err)) != LS_OK)
        return st;
    set_scale(ws);
    start_point(ws);
    if (!ws->gram_fresh)
        logit_gram(ws);
    ws->gram_fresh = 0;
    if (o->l2 == 0) {
        if (find_aliased(ws, o->alias_tolerance) != LS_OK)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        drop_aliased(ws);
        if (ws->n_act == 0) /* only possible without an intercept */
            return ls_fail(err, LS_ERR_DATA,
                           "every term is zero on the weighted rows: nothing to "
                           "estimate");
    }
    return LS_OK;
}

/* The fit proper, once the problem is in ws. */
static ls_status fit(logit_ws *ws, const char *const *term_names, const ls_fit_options *o,
                     ls_fit_result *res, ls_error *err)
{
    int unpenalised = o->l1 == 0 && o->l2 == 0;
    ls_status st = prepare(ws, term_names, o, err);
    if (st == LS_OK && unpenalised)
        st = indicator_separation(ws, term_names, err);
    if (st == LS_OK) {
        st = o->l1 > 0 ? logit_fit_cd(ws, o, err) : newton(ws, o, err);
        if (unpenalised)
            st = check_separation(ws, term_names, st, err);
    }
    if (st == LS_OK || st == LS_ERR_NOCONVERGE || st == LS_ERR_SEPARATION) {
        ls_status fs = logit_fill_result(ws, res, err);
        if (fs != LS_OK)
            st = fs;
    }
    ws_release(ws);
    return st;
}

ls_status ls_logit_fit(const double *X, size_t n, size_t p, const double *y, const double *w,
                       const char *const *term_names, const ls_fit_options *opts,
                       ls_fit_result *res, ls_error *err)
{
    logit_ws ws;
    memset(&ws, 0, sizeof ws);
    ls_fit_options o;
    if (opts)
        o = *opts;
    else
        ls_fit_options_init(&o);
    if (res)
        memset(res, 0, sizeof *res);
    if (!res || (n > 0 && !y) || (n > 0 && p > 0 && !X))
        return ls_fail(err, LS_ERR_USAGE, "ls_logit_fit: missing data or result");
    ls_status st = check_options(&o, p, err);
    if (st != LS_OK)
        return st;
    ws.X = X;
    ws.y = y;
    ws.w = w;
    ws.n = n;
    ws.p = p;
    ws.intercept = o.intercept ? 1 : 0;
    ws.l1 = o.l1;
    ws.l2 = o.l2;
    ws.k = p + (size_t)ws.intercept;
    return fit(&ws, term_names, &o, res, err);
}

ls_status logit_fit_groups(const logit_groups *groups, size_t n, size_t p, const double *y,
                           const double *w, const char *const *term_names,
                           const ls_fit_options *opts, ls_fit_result *res, ls_error *err)
{
    logit_ws ws;
    memset(&ws, 0, sizeof ws);
    ls_fit_options o;
    if (opts)
        o = *opts;
    else
        ls_fit_options_init(&o);
    if (res)
        memset(res, 0, sizeof *res);
    if (!res || !groups || (n > 0 && !y) || (n > 0 && groups->n_groups > 0 && !groups->codes))
        return ls_fail(err, LS_ERR_USAGE, "logit_fit_groups: missing data or result");
    ls_status st = check_options(&o, p, err);
    if (st != LS_OK)
        return st;
    ws.grp = groups;
    ws.y = y;
    ws.w = w;
    ws.n = n;
    ws.p = p;
    ws.intercept = o.intercept ? 1 : 0;
    ws.l1 = o.l1;
    ws.l2 = o.l2;
    ws.k = p + (size_t)ws.intercept;
    return fit(&ws, term_names, &o, res, err);
}
