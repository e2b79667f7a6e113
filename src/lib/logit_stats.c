/* The logistic likelihood at a coefficient vector — linear predictor,
 * deviance, gradient and Hessian X'WX — and the inference drawn from it
 * (covariance, Wald statistics, fit summaries, AUC).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_matrix.h>

#include "error_internal.h"
#include "logit_internal.h"
#include "radix.h"

/* Rows per block of the linear-predictor pass: the block of eta stays in L1. */
enum { ETA_BLOCK_ROWS = 2048 };

static const double Z_975 = 1.959963984540054;

/* ------------------------------------------------------------------------ */
/* Linear predictor, deviance, penalty                                      */

void logit_eta(logit_ws *ws, const double *gamma, double *eta)
{
    if (ws->grp) {
        logit_groups_eta(ws, gamma, eta);
        return;
    }
    double b0 = ws->intercept ? gamma[0] : 0.0;
    for (size_t r0 = 0; r0 < ws->n; r0 += ETA_BLOCK_ROWS) {
        size_t r1 = r0 + ETA_BLOCK_ROWS < ws->n ? r0 + ETA_BLOCK_ROWS : ws->n;
        for (size_t i = r0; i < r1; i++)
            eta[i] = b0;
        for (size_t a = 0; a < ws->n_act; a++) {
            size_t j = ws->act[a];
            const double *col = logit_dense_column(ws, j);
            double coef = ws->scale[j] * gamma[j];
            if (!col || coef == 0.0)
                continue;
            for (size_t i = r0; i < r1; i++)
                eta[i] += coef * col[i];
        }
    }
}

/* log(1 + exp(t)) without overflow or cancellation. */
static double log1pexp(double t)
{
    return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

double logit_deviance(const logit_ws *ws, const double *eta)
{
    if (ws->grp)
        return logit_groups_deviance(ws, eta);
    double dev = 0.0;
    for (size_t i = 0; i < ws->n; i++) {
        double wi = logit_weight(ws, i);
        if (wi > 0)
            /* -2·[yη - log(1+e^η)] = 2·log(1 + e^{∓η}) for y = 1 / 0. */
            dev += 2.0 * wi * log1pexp(ws->y[i] > 0.5 ? -eta[i] : eta[i]);
    }
    return dev;
}

double logit_penalty(const logit_ws *ws, const double *gamma)
{
    double l1 = 0.0, l2 = 0.0;
    for (size_t a = 0; a < ws->n_act; a++) {
        size_t j = ws->act[a];
        if (logit_is_intercept(ws, j))
            continue;
        double b = ws->scale[j] * gamma[j];
        l1 += fabs(b);
        l2 += b * b;
    }
    return ws->l1 * l1 + 0.5 * ws->l2 * l2;
}

/* ------------------------------------------------------------------------ */
/* Gradient and Hessian                                                     */

/* H[a][c] += Σ_t B_a[t]·B_c[t] for a 4 × 2 tile. Even and odd rows go to
 * separate sums so the compiler can pair them in SIMD registers without
 * reassociating anything. */
static void gram_tile42(const double *B, size_t ld, size_t m, size_t a, size_t c, double *H,
                        size_t k)
{
    const double *x0 = B + a * ld, *x1 = x0 + ld, *x2 = x1 + ld, *x3 = x2 + ld;
    const double *y0 = B + c * ld, *y1 = y0 + ld;
    double s[8][2] = {{0}};
    size_t t = 0;
    for (; t + 2 <= m; t += 2) {
        for (int e = 0; e < 2; e++) {
            double v0 = y0[t + e], v1 = y1[t + e];
            s[0][e] += x0[t + e] * v0;
            s[1][e] += x0[t + e] * v1;
            s[2][e] += x1[t + e] * v0;
            s[3][e] += x1[t + e] * v1;
            s[4][e] += x2[t + e] * v0;
            s[5][e] += x2[t + e] * v1;
            s[6][e] += x3[t + e] * v0;
            s[7][e] += x3[t + e] * v1;
        }
    }
    for (; t < m; t++) {
        s[0][0] += x0[t] * y0[t];
        s[1][0] += x0[t] * y1[t];
        s[2][0] += x1[t] * y0[t];
        s[3][0] += x1[t] * y1[t];
        s[4][0] += x2[t] * y0[t];
        s[5][0] += x2[t] * y1[t];
        s[6][0] += x3[t] * y0[t];
        s[7][0] += x3[t] * y1[t];
    }
    for (size_t r = 0; r < 4; r++)
        for (size_t q = 0; q < 2; q++)
            H[(a + r) * k + c + q] += s[r * 2 + q][0] + s[r * 2 + q][1];
}

static void gram_dot(const double *B, size_t ld, size_t m, size_t a, size_t c, double *H, size_t k)
{
    const double *x = B + a * ld, *y = B + c * ld;
    double s0 = 0.0, s1 = 0.0;
    size_t t = 0;
    for (; t + 2 <= m; t += 2) {
        s0 += x[t] * y[t];
        s1 += x[t + 1] * y[t + 1];
    }
    for (; t < m; t++)
        s0 += x[t] * y[t];
    H[a * k + c] += s0 + s1;
}

/* Upper triangle (and some of the lower, overwritten later) of H += B·B'
 * for a block B of k columns of m rows each (column stride ld). */
void logit_gram_block(const double *B, size_t ld, size_t m, size_t k, double *H)
{
    size_t a = 0;
    for (; a + 4 <= k; a += 4) {
        size_t c = a;
        for (; c + 2 <= k; c += 2)
            gram_tile42(B, ld, m, a, c, H, k);
        for (; c < k; c++)
            for (size_t r = 0; r < 4; r++)
                gram_dot(B, ld, m, a + r, c, H, k);
    }
    for (; a < k; a++)
        for (size_t c = a; c < k; c++)
            gram_dot(B, ld, m, a, c, H, k);
}

/* Rows [r0, r1) with weight > 0: their index, sqrt(w·μ(1-μ)) and w·(y - μ). */
static size_t pack_row_weights(logit_ws *ws, size_t r0, size_t r1)
{
    size_t m = 0;
    for (size_t i = r0; i < r1; i++) {
        double wi = logit_weight(ws, i);
        if (!(wi > 0))
            continue;
        /* μ and 1 - μ from e^{-|η|}, so neither loses digits in the tails. */
        double e = ws->eta[i], z = exp(-fabs(e));
        double big = 1.0 / (1.0 + z), small = z / (1.0 + z);
        double mu = e >= 0 ? big : small, one_minus_mu = e >= 0 ? small : big;
        ws->row_idx[m] = i;
        ws->row_sw[m] = sqrt(wi * big * small);
        ws->row_res[m] = wi * (ws->y[i] > 0.5 ? one_minus_mu : -mu);
        m++;
    }
    return m;
}

/* Packs coefficient j's values on the block's rows, times sqrt(W), into b
 * and returns their gradient contribution Σ x·w(y - μ). Two partial sums
 * keep the reduction off the latency of one chain of additions. */
static double pack_column(const logit_ws *ws, size_t j, size_t m, double *b)
{
    const double *col = logit_dense_column(ws, j), *sw = ws->row_sw, *res = ws->row_res;
    const size_t *idx = ws->row_idx;
    double s = ws->scale[j], g0 = 0.0, g1 = 0.0;
    size_t t = 0;
    for (; t + 2 <= m; t += 2) {
        double x0 = col ? col[idx[t]] * s : 1.0, x1 = col ? col[idx[t + 1]] * s : 1.0;
        b[t] = x0 * sw[t];
        b[t + 1] = x1 * sw[t + 1];
        g0 += x0 * res[t];
        g1 += x1 * res[t + 1];
    }
    if (t < m) {
        double x = col ? col[idx[t]] * s : 1.0;
        b[t] = x * sw[t];
        g0 += x * res[t];
    }
    return g0 + g1;
}

void logit_gram(logit_ws *ws)
{
    if (ws->grp) {
        logit_groups_gram(ws);
        return;
    }
    size_t k = ws->n_act, L = LOGIT_BLOCK_ROWS;
    memset(ws->hess, 0, k * k * sizeof *ws->hess);
    memset(ws->grad, 0, k * sizeof *ws->grad);
    for (size_t r0 = 0; r0 < ws->n; r0 += L) {
        size_t m = pack_row_weights(ws, r0, r0 + L < ws->n ? r0 + L : ws->n);
        if (m == 0)
            continue;
        for (size_t a = 0; a < k; a++)
            ws->grad[a] += pack_column(ws, ws->act[a], m, ws->block + a * L);
        logit_gram_block(ws->block, L, m, k, ws->hess);
    }
    for (size_t a = 0; a < k; a++)
        for (size_t c = a + 1; c < k; c++)
            ws->hess[c * k + a] = ws->hess[a * k + c];
}

/* ------------------------------------------------------------------------ */
/* Cholesky                                                                 */

int logit_cholesky(double *a, size_t m)
{
    for (size_t j = 0; j < m; j++) {
        double *lj = a + j * m, d = lj[j];
        for (size_t t = 0; t < j; t++)
            d -= lj[t] * lj[t];
        if (!(d > 0) || !isfinite(d))
            return 1;
        d = sqrt(d);
        lj[j] = d;
        for (size_t i = j + 1; i < m; i++) {
            double *li = a + i * m, s = li[j];
            for (size_t t = 0; t < j; t++)
                s -= li[t] * lj[t];
            li[j] = s / d;
        }
    }
    return 0;
}

void logit_cholesky_solve(const double *L, size_t m, double *b)
{
    if (m == 0) /* CBLAS rejects a leading dimension of 0 */
        return;
    gsl_matrix_const_view Lv = gsl_matrix_const_view_array(L, m, m);
    gsl_vector_view bv = gsl_vector_view_array(b, m);
    gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, &Lv.matrix, &bv.vector);
    gsl_blas_dtrsv(CblasLower, CblasTrans, CblasNonUnit, &Lv.matrix, &bv.vector);
}

/* inv = (L·L')⁻¹ from the lower factor L; work is m² scratch. */
static void cholesky_inverse(const double *L, size_t m, double *work, double *inv)
{
    gsl_matrix_const_view Lv = gsl_matrix_const_view_array(L, m, m);
    gsl_matrix_view Wv = gsl_matrix_view_array(work, m, m);
    gsl_matrix_view Iv = gsl_matrix_view_array(inv, m, m);
    gsl_matrix_set_identity(&Wv.matrix);
    gsl_blas_dtrsm(CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, 1.0, &Lv.matrix,
                   &Wv.matrix); /* work = L⁻¹ */
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &Wv.matrix, &Wv.matrix, 0.0, &Iv.matrix);
}

/* ------------------------------------------------------------------------ */
/* AUC                                                                      */

/* Pairs sorted by score key, the value a signed weight (+ for positives);
 * ties count one half. */
static double auc_of_sorted(const uint64_t *key, const uint64_t *val, size_t m)
{
    double neg_below = 0.0, pos = 0.0, num = 0.0;
    for (size_t t = 0; t < m;) {
        double tie_pos = 0.0, tie_neg = 0.0;
        size_t u = t;
        for (; u < m && key[u] == key[t]; u++) {
            double sw;
            memcpy(&sw, &val[u], sizeof sw);
            if (sw > 0)
                tie_pos += sw;
            else
                tie_neg -= sw;
        }
        num += tie_pos * (neg_below + 0.5 * tie_neg);
        neg_below += tie_neg;
        pos += tie_pos;
        t = u;
    }
    if (!(pos > 0) || !(neg_below > 0))
        return NAN;
    return num / (pos * neg_below);
}

/* Sorts keys as ls_radix_sort (LSD, 11 bits a pass), with its scratch
 * from spool: out of core, no array of the rows' size is on the heap. */
static int sort_keys(ls_spool *spool, uint64_t *key, size_t n)
{
    enum { BITS = 11, BUCKETS = 1 << BITS, PASSES = (64 + BITS - 1) / BITS };
    if (!spool)
        return ls_radix_sort(key, NULL, n);
    if (n < 2)
        return 0;
    size_t(*count)[BUCKETS] = calloc(PASSES, sizeof *count);
    uint64_t *k2 = ls_big_alloc(spool, n * sizeof *k2);
    if (!count || !k2) {
        free(count);
        ls_big_free(spool, k2);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        for (int p = 0; p < PASSES; p++)
            count[p][(key[i] >> (p * BITS)) & (BUCKETS - 1)]++;
    uint64_t *ks = key, *kd = k2;
    for (int p = 0; p < PASSES; p++) {
        size_t *c = count[p], sum = 0;
        if (c[(ks[0] >> (p * BITS)) & (BUCKETS - 1)] == n)
            continue;
        for (size_t b = 0; b < BUCKETS; b++) {
            size_t t = c[b];
            c[b] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++)
            kd[c[(ks[i] >> (p * BITS)) & (BUCKETS - 1)]++] = ks[i];
        uint64_t *t = ks;
        ks = kd;
        kd = t;
    }
    if (ks != key)
        memcpy(key, ks, n * sizeof *key);
    free(count);
    ls_big_free(spool, k2);
    return 0;
}

/* Without weights every sum below is a whole number of pairs, exact in
 * any order, so the classes can be sorted apart (keys alone, half the
 * memory of key-value pairs) and merged. */
static double auc_unweighted(const double *score, const double *y, size_t n, ls_spool *spool)
{
    size_t n_pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(score[i]))
            return NAN;
        n_pos += y[i] > 0.5;
    }
    size_t n_neg = n - n_pos;
    uint64_t *pos = ls_big_alloc(spool, (n_pos ? n_pos : 1) * sizeof *pos);
    uint64_t *neg = ls_big_alloc(spool, (n_neg ? n_neg : 1) * sizeof *neg);
    double auc = NAN;
    if (!pos || !neg)
        goto done;
    for (size_t i = 0, a = 0, b = 0; i < n; i++) {
        if (y[i] > 0.5)
            pos[a++] = ls_radix_key(score[i]);
        else
            neg[b++] = ls_radix_key(score[i]);
    }
    if (sort_keys(spool, pos, n_pos) != 0 || sort_keys(spool, neg, n_neg) != 0)
        goto done;
    if (n_pos == 0 || n_neg == 0)
        goto done;
    /* For each distinct positive score: negatives below, and tied. */
    double num = 0.0;
    size_t below = 0;
    for (size_t a = 0; a < n_pos;) {
        size_t u = a;
        while (u < n_pos && pos[u] == pos[a])
            u++;
        while (below < n_neg && neg[below] < pos[a])
            below++;
        size_t tied = below;
        while (tied < n_neg && neg[tied] == pos[a])
            tied++;
        num += (double)(u - a) * ((double)below + 0.5 * (double)(tied - below));
        a = u;
    }
    auc = num / ((double)n_pos * (double)n_neg);
done:
    ls_big_free(spool, pos);
    ls_big_free(spool, neg);
    return auc;
}

double ls_auc(const double *score, const double *y, const double *w, size_t n)
{
    if (!w)
        return auc_unweighted(score, y, n, NULL);
    uint64_t *key = malloc((n ? n : 1) * sizeof *key), *val = malloc((n ? n : 1) * sizeof *val);
    size_t m = 0;
    double auc = NAN;
    if (!key || !val)
        goto done;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        if (!(wi > 0))
            continue;
        if (isnan(score[i]))
            goto done;
        double sw = y[i] > 0.5 ? wi : -wi;
        key[m] = ls_radix_key(score[i]);
        memcpy(&val[m], &sw, sizeof sw);
        m++;
    }
    if (ls_radix_sort(key, val, m) == 0)
        auc = auc_of_sorted(key, val, m);
done:
    free(key);
    free(val);
    return auc;
}

/* ------------------------------------------------------------------------ */
/* The result                                                               */

static ls_status alloc_result(ls_fit_result *res, size_t k)
{
    memset(res, 0, sizeof *res);
    res->n_coef = k;
    double **vecs[] = {&res->estimate, &res->std_error, &res->z,
                       &res->p_value,  &res->ci_low,    &res->ci_high};
    for (size_t v = 0; v < sizeof vecs / sizeof vecs[0]; v++) {
        *vecs[v] = malloc(k * sizeof(double));
        if (!*vecs[v])
            return LS_ERR_NOMEM;
        for (size_t j = 0; j < k; j++)
            (*vecs[v])[j] = NAN;
    }
    res->aliased = calloc(k, sizeof *res->aliased);
    res->covariance = malloc(k * k * sizeof *res->covariance);
    if (!res->aliased || !res->covariance)
        return LS_ERR_NOMEM;
    for (size_t t = 0; t < k * k; t++)
        res->covariance[t] = NAN;
    return LS_OK;
}

/* Positions (in the active set) of the coefficients that get standard
 * errors: all active ones, except lasso zeros. Returns their count. */
static size_t inference_set(const logit_ws *ws, size_t *sel)
{
    size_t m = 0;
    for (size_t a = 0; a < ws->n_act; a++) {
        size_t j = ws->act[a];
        if (ws->l1 > 0 && !logit_is_intercept(ws, j) && ws->gamma[j] == 0.0)
            continue;
        sel[m++] = a;
    }
    return m;
}

/* Covariance of the selected coefficients from the (penalised) Hessian, and
 * the Wald statistics. Leaves NAN when the Hessian cannot be factored
 * (only under separation). */
static ls_status fill_inference(const logit_ws *ws, ls_fit_result *res)
{
    size_t k = ws->k, kk = k * k + 1, *sel = malloc((k + 1) * sizeof *sel);
    double *M = malloc(kk * sizeof *M), *work = malloc(kk * sizeof *work);
    ls_status st = LS_ERR_NOMEM;
    if (!sel || !M || !work)
        goto done;
    st = LS_OK;
    size_t m = inference_set(ws, sel), na = ws->n_act;
    for (size_t a = 0; a < m; a++) {
        for (size_t c = 0; c < m; c++)
            M[a * m + c] = ws->hess[sel[a] * na + sel[c]];
        M[a * m + a] += logit_ridge_curvature(ws, ws->act[sel[a]]);
    }
    if (m == 0 || logit_cholesky(M, m) != 0)
        goto done;
    double *cov = ws->fac; /* k² scratch, free at this point */
    cholesky_inverse(M, m, work, cov);
    for (size_t a = 0; a < m; a++) {
        size_t ja = ws->act[sel[a]];
        for (size_t c = 0; c < m; c++) {
            size_t jc = ws->act[sel[c]];
            res->covariance[ja * k + jc] = ws->scale[ja] * ws->scale[jc] * cov[a * m + c];
        }
    }
    for (size_t a = 0; a < m; a++) {
        size_t j = ws->act[sel[a]];
        double est = res->estimate[j], se = sqrt(res->covariance[j * k + j]);
        res->std_error[j] = se;
        res->z[j] = est / se;
        res->p_value[j] = 2.0 * gsl_cdf_ugaussian_Q(fabs(res->z[j]));
        res->ci_low[j] = est - Z_975 * se;
        res->ci_high[j] = est + Z_975 * se;
    }
done:
    free(sel);
    free(M);
    free(work);
    return st;
}

/* Number of coefficients counted as estimated (the rank). */
static size_t estimated_count(const logit_ws *ws)
{
    size_t m = 0;
    for (size_t a = 0; a < ws->n_act; a++) {
        size_t j = ws->act[a];
        if (ws->l1 > 0 && !logit_is_intercept(ws, j) && ws->gamma[j] == 0.0)
            continue;
        m++;
    }
    return m;
}

static void fill_summary(const logit_ws *ws, ls_fit_result *res)
{
    double W = ws->weight_sum, P = ws->positives;
    res->rows = ws->rows;
    res->rank = estimated_count(ws);
    res->weight_sum = W;
    res->positives = P;
    res->deviance = ws->deviance;
    res->loglik = -0.5 * ws->deviance;
    if (ws->intercept) {
        double pbar = P / W;
        res->null_loglik = P * log(pbar) + (W - P) * log1p(-pbar);
    } else {
        res->null_loglik = -W * log(2.0); /* η = 0: every probability 1/2 */
    }
    res->null_deviance = -2.0 * res->null_loglik;
    res->aic = res->deviance + 2.0 * (double)res->rank;
    res->bic = res->deviance + (double)res->rank * log((double)ws->rows);
    res->mcfadden_r2 = 1.0 - res->loglik / res->null_loglik;
    res->lr_chi2 = res->null_deviance - res->deviance;
    size_t df = res->rank - (size_t)(ws->intercept && res->rank > 0);
    res->lr_p_value = df > 0 ? gsl_cdf_chisq_Q(res->lr_chi2, (double)df) : NAN;
    res->iterations = ws->iterations;
    res->converged = ws->converged;
}

ls_status logit_fill_result(const logit_ws *ws, ls_fit_result *res, ls_error *err)
{
    ls_status st = alloc_result(res, ws->k);
    if (st != LS_OK)
        goto done;
    for (size_t j = 0; j < ws->k; j++) {
        res->aliased[j] = ws->aliased[j];
        if (!ws->aliased[j])
            res->estimate[j] = ws->scale[j] * ws->gamma[j];
    }
    st = fill_inference(ws, res);
    if (st != LS_OK)
        goto done;
    fill_summary(ws, res);
    res->auc = ws->w || !logit_spool(ws) ? ls_auc(ws->eta, ws->y, ws->w, ws->n)
                                         : auc_unweighted(ws->eta, ws->y, ws->n, logit_spool(ws));
done:
    if (st != LS_OK) {
        ls_fit_result_release(res);
        return ls_fail(err, st, "out of memory");
    }
    return LS_OK;
}
