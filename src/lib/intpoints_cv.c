/* Integer points: cross-validation of the cards against their baselines.
 *
 * Folds come from refine's seeded stratified split (ls_split_kfold), so a
 * seed gives the same folds on every platform. The indicators are built once
 * on all rows (they never look at the target). On each fold:
 *  - the cards are learned on the other folds (ls_intpoints_fit) and scored
 *    on this one, probability from each card's own table;
 *  - "l2": a ridge logistic regression (penalty l2 on the summed loss, the
 *    intercept free; 1 = scikit-learn's default C = 1) on the card's own
 *    criteria, i.e. the unconstrained model on the same criteria;
 *  - "naive": that regression scaled so its largest coefficient just reaches
 *    the points range, rounded to multiples of step, with the intercept and
 *    multiplier refit on the training folds (so only the rounding differs);
 *  - "full l2": the ridge regression on every indicator.
 * Each summary holds the mean and standard deviation of the fold AUCs, and
 * the log-loss, Brier score and calibration of the out-of-fold
 * probabilities of every row pooled.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "intpoints_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "leadscore/refine.h"

/* ---- ridge logistic regression on a few or all indicators ---------------- */

/* Rows as lists of the chosen indicators that are 1 (CSR). */
typedef struct {
    size_t n, k;
    size_t *start; /* n + 1 */
    uint32_t *col; /* indicator position 0..k-1 */
} csr;

static void csr_release(csr *m)
{
    free(m->start);
    free(m->col);
}

static ls_status csr_build(const ip_data *d, const size_t *feats, size_t k, csr *m)
{
    memset(m, 0, sizeof *m);
    size_t n = d->n;
    m->n = n;
    m->k = k;
    m->start = calloc(n + 1, sizeof *m->start);
    if (!m->start)
        return LS_ERR_NOMEM;
    size_t total = 0;
    for (size_t j = 0; j < k; j++)
        total += d->cols[feats[j]].ones;
    m->col = malloc((total ? total : 1) * sizeof *m->col);
    if (!m->col) {
        csr_release(m);
        return LS_ERR_NOMEM;
    }
    /* pass 1: counts per row; pass 2: fill (columns in order, so rows stay sorted) */
    for (int pass = 0; pass < 2; pass++) {
        size_t *fillp = NULL;
        if (pass == 1) {
            for (size_t i = 0; i < n; i++)
                m->start[i + 1] += m->start[i];
            fillp = malloc((n ? n : 1) * sizeof *fillp);
            if (!fillp) {
                csr_release(m);
                return LS_ERR_NOMEM;
            }
            memcpy(fillp, m->start, n * sizeof *fillp);
        }
        for (size_t j = 0; j < k; j++) {
            const ip_col *c = &d->cols[feats[j]];
            size_t q = 0;
            for (size_t i = 0; i < n; i++) {
                int listed = q < c->len && c->idx[q] == i;
                q += (size_t)listed;
                if (listed == c->complement)
                    continue;
                if (pass == 0)
                    m->start[i + 1]++;
                else
                    m->col[fillp[i]++] = (uint32_t)j;
            }
        }
        free(fillp);
    }
    return LS_OK;
}

static double ridge_objective(const csr *m, const unsigned char *y, const double *x, double l2)
{
    double f = 0;
    for (size_t i = 0; i < m->n; i++) {
        double e = x[0];
        for (size_t q = m->start[i]; q < m->start[i + 1]; q++)
            e += x[1 + m->col[q]];
        f += ip_softplus(e) - y[i] * e;
    }
    for (size_t j = 0; j < m->k; j++)
        f += 0.5 * l2 * x[1 + j] * x[1 + j];
    return f;
}

/* Newton (exact Hessian, backtracking) for the intercept x[0] and the k
 * coefficients x[1..k]. LS_ERR_NOCONVERGE if 200 steps are not enough. */
static ls_status ridge_fit(const ip_data *d, const size_t *feats, size_t k, double l2, double *x)
{
    csr m;
    ls_status st = csr_build(d, feats, k, &m);
    if (st != LS_OK)
        return st;
    size_t dim = k + 1, n = d->n;
    double *H = malloc(dim * dim * sizeof *H), *g = malloc(dim * sizeof *g);
    double *xn = malloc(dim * sizeof *xn);
    if (!H || !g || !xn) {
        st = LS_ERR_NOMEM;
        goto done;
    }
    memset(x, 0, dim * sizeof *x);
    x[0] = log(((double)d->pos + 0.5) / ((double)(n - d->pos) + 0.5));
    double f = ridge_objective(&m, d->y, x, l2);
    st = LS_ERR_NOCONVERGE;
    for (int it = 0; it < 200; it++) {
        memset(H, 0, dim * dim * sizeof *H);
        memset(g, 0, dim * sizeof *g);
        for (size_t i = 0; i < n; i++) {
            double e = x[0];
            size_t a = m.start[i], b = m.start[i + 1];
            for (size_t q = a; q < b; q++)
                e += x[1 + m.col[q]];
            double p = ip_sigmoid(e), r = p - d->y[i], w = p * (1 - p);
            g[0] += r;
            H[0] += w;
            for (size_t q = a; q < b; q++) {
                size_t u = 1 + m.col[q];
                g[u] += r;
                H[u * dim] += w;
                double *row = H + u * dim + 1;
                for (size_t q2 = a; q2 <= q; q2++)
                    row[m.col[q2]] += w;
            }
        }
        for (size_t j = 1; j < dim; j++) {
            g[j] += l2 * x[j];
            H[j * dim + j] += l2;
            for (size_t i = 0; i < j; i++)
                H[i * dim + j] = H[j * dim + i];
        }
        for (size_t j = 0; j < dim; j++)
            g[j] = -g[j];
        if (!ip_chol_solve(H, dim, g)) {
            st = LS_ERR_NUMERIC;
            break;
        }
        double t = 1, fn = f;
        int moved = 0;
        for (int q = 0; q < 40; q++, t *= 0.5) {
            for (size_t j = 0; j < dim; j++)
                xn[j] = x[j] + t * g[j];
            fn = ridge_objective(&m, d->y, xn, l2);
            if (fn <= f) {
                moved = 1;
                break;
            }
        }
        double change = 0;
        for (size_t j = 0; j < dim && moved; j++)
            change = fmax(change, fabs(xn[j] - x[j]));
        if (moved) {
            memcpy(x, xn, dim * sizeof *x);
        }
        double gain = f - fn;
        f = fn;
        if (!moved || change < 1e-9 || gain <= 1e-14 * (1 + f)) {
            st = LS_OK;
            break;
        }
    }
done:
    free(H);
    free(g);
    free(xn);
    csr_release(&m);
    return st;
}

/* ---- one fold ------------------------------------------------------------- */

typedef struct {
    double *auc; /* per fold */
    double *p;   /* out-of-fold probability per row (all rows) */
    double size_sum;
    size_t folds_seen;
} collector;

static void collector_release(collector *c)
{
    free(c->auc);
    free(c->p);
}

static int collector_init(collector *c, size_t folds, size_t n)
{
    memset(c, 0, sizeof *c);
    c->auc = malloc(folds * sizeof *c->auc);
    c->p = malloc((n ? n : 1) * sizeof *c->p);
    for (size_t f = 0; c->auc && f < folds; f++)
        c->auc[f] = NAN;
    for (size_t i = 0; c->p && i < n; i++)
        c->p[i] = NAN;
    return c->auc && c->p;
}

/* Scores of the test rows for coefficients w on feats; probabilities
 * σ(a + c·score). Records the fold's AUC and the pooled probabilities. */
static ls_status record(const ip_data *test, const size_t *where, const size_t *feats,
                        const double *w, size_t k, double a, double c, collector *col, size_t fold,
                        double *score, double *prob, ls_error *err)
{
    size_t n = test->n;
    for (size_t i = 0; i < n; i++)
        score[i] = 0;
    for (size_t j = 0; j < k; j++)
        if (w[j] != 0)
            ip_col_add(test, feats[j], w[j], score);
    double *y = calloc(n ? n : 1, sizeof *y);
    if (!y)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        prob[i] = ip_sigmoid(a + c * score[i]);
        y[i] = test->y[i];
        col->p[where[i]] = prob[i];
    }
    ls_metrics m;
    ls_status st = ls_metrics_compute(score, prob, y, n, &m, err);
    free(y);
    if (st != LS_OK)
        return st;
    col->auc[fold] = m.auc;
    size_t nz = 0;
    for (size_t j = 0; j < k; j++)
        nz += w[j] != 0;
    col->size_sum += (double)nz;
    col->folds_seen++;
    return LS_OK;
}

static ls_status summarise(const collector *c, size_t folds, const double *y, size_t n,
                           ls_cv_summary *out, ls_error *err)
{
    memset(out, 0, sizeof *out);
    double sum = 0, sq = 0;
    size_t k = 0;
    for (size_t f = 0; f < folds; f++)
        if (!isnan(c->auc[f])) {
            sum += c->auc[f];
            k++;
        }
    out->auc = k ? sum / (double)k : NAN;
    for (size_t f = 0; f < folds; f++)
        if (!isnan(c->auc[f]))
            sq += (c->auc[f] - out->auc) * (c->auc[f] - out->auc);
    out->auc_sd = k > 1 ? sqrt(sq / (double)(k - 1)) : NAN;
    out->mean_size = c->folds_seen ? c->size_sum / (double)c->folds_seen : NAN;
    for (size_t i = 0; i < n; i++)
        if (isnan(c->p[i])) {
            /* a fold failed for this method: no pooled figures */
            ls_metrics *m = &out->pooled;
            m->auc = m->auc_se = m->auc_low = m->auc_high = m->gini = m->ks = NAN;
            m->log_loss = m->brier = m->hl_chi2 = m->hl_p = NAN;
            m->calibration_slope = m->calibration_intercept = NAN;
            m->mean_predicted = m->observed_rate = NAN;
            return LS_OK;
        }
    return ls_metrics_compute(NULL, c->p, y, n, &out->pooled, err);
}

/* The naive rounding of ridge coefficients beta (k) into [ulo, uhi] steps. */
static int naive_points(const double *beta, size_t k, long ulo, long uhi, long *u)
{
    double f = INFINITY;
    for (size_t j = 0; j < k; j++) {
        if (beta[j] > 0)
            f = fmin(f, (double)uhi / beta[j]);
        else if (beta[j] < 0)
            f = fmin(f, (double)ulo / beta[j]);
    }
    if (!isfinite(f) || f <= 0)
        return 0;
    int any = 0;
    for (size_t j = 0; j < k; j++) {
        double v = floor(f * beta[j] + 0.5);
        u[j] = (long)fmin((double)uhi, fmax((double)ulo, v));
        any |= u[j] != 0;
    }
    return any;
}

void ls_intpoints_cv_release(ls_intpoints_cv *cv)
{
    if (!cv)
        return;
    free(cv->rows);
    memset(cv, 0, sizeof *cv);
}

ls_status ls_intpoints_cross_validate(const ls_binary *b, const ls_intpoints_options *opts,
                                      size_t folds, uint64_t seed, double l2, ls_intpoints_cv *out,
                                      ls_error *err)
{
    memset(out, 0, sizeof *out);
    ls_intpoints_options defaults;
    if (!opts) {
        ls_intpoints_options_init(&defaults);
        opts = &defaults;
    }
    ls_status st = ls_intpoints_options_check(opts, err);
    if (st != LS_OK)
        return st;
    if (!(l2 >= 0) || !isfinite(l2))
        return ls_fail(err, LS_ERR_USAGE, "the ridge penalty must be a number >= 0");
    const ip_data *d = ip_binary_data(b);
    const double *y = ls_binary_outcomes(b);
    size_t n = d->n, p = d->p;
    size_t K = opts->max_criteria < p ? opts->max_criteria : p;
    size_t n_slots = opts->cards < K ? opts->cards : K;
    long ulo = -((-opts->points_lo) / opts->step), uhi = opts->points_hi / opts->step;

    unsigned *fold = malloc((n ? n : 1) * sizeof *fold);
    unsigned char *train = malloc(n ? n : 1), *test = malloc(n ? n : 1);
    size_t *where = malloc((n ? n : 1) * sizeof *where);
    double *score = malloc((n ? n : 1) * sizeof *score), *prob = malloc((n ? n : 1) * sizeof *prob);
    size_t *all = malloc((p ? p : 1) * sizeof *all);
    double *beta = malloc((p + 1) * sizeof *beta), *w = malloc((p + 1) * sizeof *w);
    collector *cols = calloc(3 * n_slots + 2, sizeof *cols);
    long *ufull = malloc((p ? p : 1) * sizeof *ufull), *pfull = malloc((p ? p : 1) * sizeof *pfull);
    size_t *ffull = malloc((p ? p : 1) * sizeof *ffull);
    out->rows = calloc(n_slots ? n_slots : 1, sizeof *out->rows);
    ip_data tr, te;
    memset(&tr, 0, sizeof tr);
    memset(&te, 0, sizeof te);
    ls_cardset set;
    memset(&set, 0, sizeof set);
    double seconds = 0, cpu = 0;
    size_t fits = 0;
    if (!fold || !train || !test || !where || !score || !prob || !all || !beta || !w || !cols ||
        !out->rows || !ufull || !pfull || !ffull) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t c = 0; c < 3 * n_slots + 2; c++)
        if (!collector_init(&cols[c], folds, n)) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
    for (size_t j = 0; j < p; j++)
        all[j] = j;
    out->folds = folds;
    out->seed = seed;
    out->l2 = l2;
    out->n_rows = n_slots;
    for (size_t s = 0; s < n_slots; s++)
        out->rows[s].slot = K - s;
    if ((st = ls_split_kfold(y, NULL, n, folds, seed, fold, err)) != LS_OK)
        goto done;
    for (size_t f = 0; f < folds; f++) {
        size_t nt = 0;
        for (size_t i = 0; i < n; i++) {
            train[i] = fold[i] != f;
            test[i] = fold[i] == f;
            if (test[i])
                where[nt++] = i;
        }
        if (ip_data_subset(d, train, &tr) != LS_OK || ip_data_subset(d, test, &te) != LS_OK) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
        /* full ridge (a fold where it fails is left out of its summary) */
        ls_status fit_st = ridge_fit(&tr, all, p, l2, beta);
        if (fit_st == LS_ERR_NOMEM) {
            st = ls_fail(err, fit_st, "out of memory");
            goto done;
        }
        if (fit_st == LS_OK)
            st = record(&te, where, all, beta + 1, p, beta[0], 1, &cols[3 * n_slots], f, score,
                        prob, err);
        if (fit_st == LS_OK && st == LS_OK && naive_points(beta + 1, p, ulo, uhi, ufull)) {
            size_t kk = 0;
            for (size_t j = 0; j < p; j++)
                if (ufull[j] != 0) {
                    ffull[kk] = j;
                    pfull[kk] = ufull[j] * opts->step;
                    w[kk] = (double)pfull[kk];
                    kk++;
                }
            double b0, m;
            if (ls_intpoints_calibrate(b, train, ffull, pfull, kk, &b0, &m, NULL, NULL) == LS_OK)
                st = record(&te, where, ffull, w, kk, b0 / m, 1 / m, &cols[3 * n_slots + 1], f,
                            score, prob, err);
        }
        if (st != LS_OK)
            goto done;
        /* the cards */
        if ((st = ls_intpoints_fit(b, train, opts, &set, err)) != LS_OK)
            goto done;
        seconds += set.seconds;
        cpu += set.cpu_seconds;
        fits++;
        for (size_t c = 0; c < set.n_cards; c++) {
            const ls_card *card = &set.cards[c];
            if (card->slot > K || K - card->slot >= n_slots)
                continue;
            size_t s = K - card->slot, k = card->size;
            for (size_t j = 0; j < k; j++)
                w[j] = (double)card->points[j];
            st = record(&te, where, card->features, w, k, card->intercept / card->multiplier,
                        1 / card->multiplier, &cols[3 * s], f, score, prob, err);
            if (st != LS_OK)
                goto done;
            /* the unconstrained model on the same criteria, and its naive rounding */
            if (ridge_fit(&tr, card->features, k, l2, beta) != LS_OK)
                continue;
            st = record(&te, where, card->features, beta + 1, k, beta[0], 1, &cols[3 * s + 1], f,
                        score, prob, err);
            if (st != LS_OK)
                goto done;
            long u[LS_INTPOINTS_MAX_CRITERIA];
            long pts[LS_INTPOINTS_MAX_CRITERIA];
            if (!naive_points(beta + 1, k, ulo, uhi, u))
                continue;
            size_t feats[LS_INTPOINTS_MAX_CRITERIA], kk = 0;
            for (size_t j = 0; j < k; j++)
                if (u[j] != 0) {
                    feats[kk] = card->features[j];
                    pts[kk] = u[j] * opts->step;
                    w[kk] = (double)pts[kk];
                    kk++;
                }
            double b0, m;
            if (ls_intpoints_calibrate(b, train, feats, pts, kk, &b0, &m, NULL, NULL) != LS_OK)
                continue;
            st = record(&te, where, feats, w, kk, b0 / m, 1 / m, &cols[3 * s + 2], f, score, prob,
                        err);
            if (st != LS_OK)
                goto done;
        }
        ls_cardset_release(&set);
        ip_data_release(&tr);
        ip_data_release(&te);
    }
    st = summarise(&cols[3 * n_slots], folds, y, n, &out->full_l2, err);
    if (st == LS_OK)
        st = summarise(&cols[3 * n_slots + 1], folds, y, n, &out->full_naive, err);
    for (size_t s = 0; st == LS_OK && s < n_slots; s++) {
        st = summarise(&cols[3 * s], folds, y, n, &out->rows[s].card, err);
        if (st == LS_OK)
            st = summarise(&cols[3 * s + 1], folds, y, n, &out->rows[s].l2, err);
        if (st == LS_OK)
            st = summarise(&cols[3 * s + 2], folds, y, n, &out->rows[s].naive, err);
    }
    out->fit_seconds = fits ? seconds / (double)fits : NAN;
    out->fit_cpu_seconds = fits ? cpu / (double)fits : NAN;
done:
    ls_cardset_release(&set);
    ip_data_release(&tr);
    ip_data_release(&te);
    for (size_t c = 0; cols && c < 3 * n_slots + 2; c++)
        collector_release(&cols[c]);
    free(ufull);
    free(pfull);
    free(ffull);
    free(cols);
    free(fold);
    free(train);
    free(test);
    free(where);
    free(score);
    free(prob);
    free(all);
    free(beta);
    free(w);
    if (st != LS_OK)
        ls_intpoints_cv_release(out);
    return st;
}
