/* Criterion selection: stepwise by AIC / BIC as R's step(), an L1 /
 * elastic-net path with K-fold CV as cv.glmnet, filters by IV and missing
 * rate, and the evidence about every candidate.
 *
 * Selection works on criteria, not terms: adding or dropping a criterion
 * adds or drops all its terms (levels, bands, missing indicator), as step()
 * does with factors. The fits are maximum likelihood over the encoded design
 * held by rows (most entries are 0: a categorical criterion has at most one
 * non-zero term per lead), started from the neighbouring model's estimate.
 *
 * step(), exactly: AIC = deviance + k·rank for 0/1 outcomes (extractAIC.glm);
 * each step refits the model without each droppable criterion (drop1) and
 * with each addable one appended at the end (add1); a criterion whose
 * dropping removes no parameter is dropped at once (the last such in model
 * order); otherwise the smallest AIC wins, the current model ("<none>")
 * first on ties, then drops in model order, then additions in candidate
 * order; the search stops when "<none>" wins or the new AIC is not below
 * the old one by 1e-7.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_cdf.h>

#include "error_internal.h"
#include "refine_internal.h"
#include "spec.h"
#include "text.h"

#define GLM_MAX_ITER 25           /* glm.control()$maxit */
#define GLM_TOLERANCE 1e-8        /* relative change in deviance, glm.control()$epsilon */
#define ALIAS_TOLERANCE 1e-10     /* pivot / diagonal below which a column is aliased */
#define ETA_MAX 36.04365338911715 /* R's binomial linkinv clamps |eta| here */
#define STEP_TOLERANCE 1e-7       /* step(): stop unless AIC falls by more than this */
#define IV_DECILES 10

void ls_select_options_init(ls_select_options *o)
{
    memset(o, 0, sizeof *o);
    o->method = LS_SELECT_AIC;
    o->direction = LS_STEP_BOTH;
    o->max_steps = 1000;
    o->min_iv = 0;
    o->max_missing = 1;
    o->folds = 5;
    o->seed = 1;
    o->evidence = 1;
    o->cv_auc = 1;
    o->alpha = 1;
    o->n_lambda = 100;
}

static const char *const method_names[] = {"none", "aic", "bic", "lasso"};

const char *ls_select_method_name(ls_select_method m)
{
    return (unsigned)m < 4 ? method_names[m] : "unknown";
}

int ls_select_method_parse(const char *name, ls_select_method *out)
{
    for (unsigned i = 0; i < 4; i++)
        if (strcasecmp(name, method_names[i]) == 0) {
            *out = (ls_select_method)i;
            return 1;
        }
    return 0;
}

/* ======================================================================== */
/* The design by rows                                                        */

void ls_xy_release(ls_xy *xy)
{
    if (!xy)
        return;
    free(xy->w);
    free(xy->row_start);
    free(xy->col);
    free(xy->val);
    free(xy->group_first);
    free(xy->group_count);
    free(xy->group_of);
    free(xy->group_name);
    memset(xy, 0, sizeof *xy);
}

ls_status ls_xy_init(ls_xy *xy, const ls_design *d, const ls_model *m, ls_error *err)
{
    memset(xy, 0, sizeof *xy);
    size_t n = d->n, p = d->p, ng = m->n_criteria;
    xy->n = n;
    xy->p = p;
    xy->y = d->y;
    xy->design = d;
    xy->model = m;
    xy->n_groups = ng;
    xy->w = malloc((n ? n : 1) * sizeof *xy->w);
    xy->row_start = calloc(n + 1, sizeof *xy->row_start);
    xy->group_first = calloc(ng + 1, sizeof *xy->group_first);
    xy->group_count = calloc(ng + 1, sizeof *xy->group_count);
    xy->group_of = malloc((p ? p : 1) * sizeof *xy->group_of);
    xy->group_name = calloc(ng + 1, sizeof *xy->group_name);
    if (!xy->w || !xy->row_start || !xy->group_first || !xy->group_count || !xy->group_of ||
        !xy->group_name)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        xy->w[i] = d->w ? d->w[i] : 1;
        xy->rows += xy->w[i] > 0;
    }
    for (size_t g = 0; g < ng; g++) {
        xy->group_name[g] = m->criteria[g].column;
        xy->group_first[g] = p;
    }
    for (size_t j = 0; j < p; j++) {
        long c = m->terms[j + 1].criterion;
        if (c < 0 || (size_t)c >= ng) {
            ls_fail(err, LS_ERR_MODEL, "term '%s' has no criterion", m->terms[j + 1].name);
            ls_xy_release(xy);
            return LS_ERR_MODEL;
        }
        size_t g = (size_t)c;
        if (xy->group_count[g] && xy->group_first[g] + xy->group_count[g] != j) {
            ls_fail(err, LS_ERR_MODEL, "the terms of '%s' are not consecutive", xy->group_name[g]);
            ls_xy_release(xy);
            return LS_ERR_MODEL;
        }
        if (!xy->group_count[g])
            xy->group_first[g] = j;
        xy->group_count[g]++;
        xy->group_of[j] = g;
    }
    size_t nnz = 0;
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < n; i++)
            if (d->X[j * n + i] != 0) {
                xy->row_start[i + 1]++;
                nnz++;
            }
    for (size_t i = 0; i < n; i++)
        xy->row_start[i + 1] += xy->row_start[i];
    xy->col = malloc((nnz ? nnz : 1) * sizeof *xy->col);
    xy->val = malloc((nnz ? nnz : 1) * sizeof *xy->val);
    size_t *cursor = malloc((n ? n : 1) * sizeof *cursor);
    if (!xy->col || !xy->val || !cursor) {
        free(cursor);
        goto nomem;
    }
    memcpy(cursor, xy->row_start, n * sizeof *cursor);
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < n; i++) {
            double v = d->X[j * n + i];
            if (v != 0) {
                xy->col[cursor[i]] = (uint32_t)j;
                xy->val[cursor[i]++] = v;
            }
        }
    free(cursor);
    return LS_OK;
nomem:
    ls_xy_release(xy);
    return ls_fail(err, LS_ERR_NOMEM, "out of memory");
}

size_t ls_xy_columns(const ls_xy *xy, const size_t *groups, size_t n_groups, size_t *cols)
{
    size_t m = 0;
    for (size_t k = 0; k < n_groups; k++)
        for (size_t c = 0; c < xy->group_count[groups[k]]; c++)
            cols[m++] = xy->group_first[groups[k]] + c;
    return m;
}

/* ======================================================================== */
/* Lean maximum-likelihood fit                                               */

void ls_glm_release(ls_glm *g)
{
    if (!g)
        return;
    free(g->beta);
    free(g->in_fit);
    free(g->cov);
    memset(g, 0, sizeof *g);
}

static double clamp_eta(double eta)
{
    return eta > ETA_MAX ? ETA_MAX : eta < -ETA_MAX ? -ETA_MAX : eta;
}

typedef struct {
    size_t q;  /* coefficients in the fit: intercept + columns */
    long *pos; /* p: position of each design column in the fit, -1 if not in it */
    double *H; /* q × q, lower triangle used */
    double *L; /* Cholesky factor */
    double *b;
    double *beta;
    double *eta; /* n */
    double *mu;  /* n */
    unsigned char *aliased;
    uint32_t *ek; /* per-row scratch: positions */
    double *ev;   /* per-row scratch: values */
} glm_work;

static void work_free(glm_work *w)
{
    free(w->pos);
    free(w->H);
    free(w->L);
    free(w->b);
    free(w->beta);
    free(w->eta);
    free(w->mu);
    free(w->aliased);
    free(w->ek);
    free(w->ev);
}

/* -2 log-likelihood of a 0/1 outcome at eta, and the fitted probability:
 * one exp and one log. log(1 + e) for e = exp(-|eta|) <= 1 errs by at most
 * an ulp of 1 in absolute terms, which is all the deviance needs. */
static double unit_eval(double y, double eta, double *mu)
{
    eta = clamp_eta(eta);
    double e = exp(-fabs(eta)), l = log(1 + e);
    *mu = eta >= 0 ? 1 / (1 + e) : e / (1 + e);
    if (y > 0.5)
        return 2 * (eta < 0 ? l - eta : l);
    return 2 * (eta > 0 ? l + eta : l);
}

/* eta and mu of every row from the fit's coefficients; returns the deviance
 * over the rows with weight. */
static double eval_rows(const ls_xy *xy, const double *wt, const glm_work *w)
{
    double dev = 0;
    for (size_t i = 0; i < xy->n; i++) {
        double eta = w->beta[0];
        for (size_t k = xy->row_start[i]; k < xy->row_start[i + 1]; k++) {
            long at = w->pos[xy->col[k]];
            if (at > 0)
                eta += w->beta[at] * xy->val[k];
        }
        w->eta[i] = eta;
        if (wt[i] > 0)
            dev += wt[i] * unit_eval(xy->y[i], eta, &w->mu[i]);
    }
    return dev;
}

static double deviance_of(const ls_xy *xy, const double *wt, const double *eta)
{
    double dev = 0, mu;
    for (size_t i = 0; i < xy->n; i++)
        if (wt[i] > 0)
            dev += wt[i] * unit_eval(xy->y[i], eta[i], &mu);
    return dev;
}

/* Twice the ridge penalty (deviance scale): l2·Σβ_k² over the non-intercept
 * coefficients. */
static double penalty(const double *beta, size_t q, double l2)
{
    double s = 0;
    for (size_t k = 1; l2 > 0 && k < q; k++)
        s += beta[k] * beta[k];
    return l2 * s;
}

/* Accumulates X'WX and X'Wz (IRLS) at the current eta and mu. */
static void accumulate(const ls_xy *xy, const double *wt, glm_work *w)
{
    size_t q = w->q;
    memset(w->H, 0, q * q * sizeof *w->H);
    memset(w->b, 0, q * sizeof *w->b);
    for (size_t i = 0; i < xy->n; i++) {
        if (!(wt[i] > 0))
            continue;
        double mu = w->mu[i];
        double d = fmax(mu * (1 - mu), DBL_EPSILON);
        double W = wt[i] * d;
        double z = w->eta[i] + (xy->y[i] - mu) / d;
        size_t m = 0;
        w->ek[m] = 0;
        w->ev[m++] = 1;
        for (size_t k = xy->row_start[i]; k < xy->row_start[i + 1]; k++) {
            long at = w->pos[xy->col[k]];
            if (at > 0) {
                w->ek[m] = (uint32_t)at;
                w->ev[m++] = xy->val[k];
            }
        }
        for (size_t a = 0; a < m; a++) {
            double wa = W * w->ev[a];
            double *row = w->H + (size_t)w->ek[a] * q;
            w->b[w->ek[a]] += wa * z;
            for (size_t c = 0; c <= a; c++)
                row[w->ek[c]] += wa * w->ev[c];
        }
    }
    /* a row's entries come in column order, which need not be fit order:
     * fold what landed above the diagonal onto the lower triangle */
    for (size_t a = 0; a < q; a++)
        for (size_t c = a + 1; c < q; c++) {
            w->H[c * q + a] += w->H[a * q + c];
            w->H[a * q + c] = 0;
        }
}

/* Cholesky of H in fit order; a column whose pivot falls below
 * ALIAS_TOLERANCE of its diagonal is aliased (and stays so). */
static void cholesky(glm_work *w)
{
    size_t q = w->q;
    double *L = w->L, *H = w->H;
    memset(L, 0, q * q * sizeof *L);
    for (size_t k = 0; k < q; k++) {
        if (w->aliased[k])
            continue;
        double s = H[k * q + k];
        for (size_t l = 0; l < k; l++)
            s -= L[k * q + l] * L[k * q + l];
        if (!(H[k * q + k] > 0) || !(s > ALIAS_TOLERANCE * H[k * q + k])) {
            w->aliased[k] = 1;
            continue;
        }
        double piv = sqrt(s);
        L[k * q + k] = piv;
        for (size_t i = k + 1; i < q; i++) {
            if (w->aliased[i])
                continue;
            double t = H[i * q + k];
            for (size_t l = 0; l < k; l++)
                t -= L[i * q + l] * L[k * q + l];
            L[i * q + k] = t / piv;
        }
    }
}

/* Solves L L' x = b over the non-aliased positions (x = 0 elsewhere). */
static void solve(const glm_work *w, const double *b, double *x)
{
    size_t q = w->q;
    const double *L = w->L;
    for (size_t i = 0; i < q; i++) {
        if (w->aliased[i]) {
            x[i] = 0;
            continue;
        }
        double t = b[i];
        for (size_t l = 0; l < i; l++)
            t -= L[i * q + l] * x[l];
        x[i] = t / L[i * q + i];
    }
    for (size_t i = q; i-- > 0;) {
        if (w->aliased[i])
            continue;
        double t = x[i];
        for (size_t l = i + 1; l < q; l++)
            t -= L[l * q + i] * x[l];
        x[i] = t / L[i * q + i];
    }
}

static ls_status glm_fit(const ls_xy *xy, const double *wt, const size_t *cols, size_t m,
                         const double *start, double l2, int want_cov, ls_glm *out, ls_error *err)
{
    memset(out, 0, sizeof *out);
    size_t n = xy->n, p = xy->p, q = m + 1;
    if (!wt)
        wt = xy->w;
    glm_work w;
    memset(&w, 0, sizeof w);
    w.q = q;
    w.pos = malloc((p ? p : 1) * sizeof *w.pos);
    w.H = malloc(q * q * sizeof *w.H);
    w.L = malloc(q * q * sizeof *w.L);
    w.b = malloc(q * sizeof *w.b);
    w.beta = calloc(q, sizeof *w.beta);
    w.eta = malloc((n ? n : 1) * sizeof *w.eta);
    w.mu = malloc((n ? n : 1) * sizeof *w.mu);
    w.aliased = calloc(q, 1);
    w.ek = malloc(q * sizeof *w.ek);
    w.ev = malloc(q * sizeof *w.ev);
    double *next = malloc(q * sizeof *next);
    ls_status st = LS_OK;
    if (!w.pos || !w.H || !w.L || !w.b || !w.beta || !w.eta || !w.mu || !w.aliased || !w.ek ||
        !w.ev || !next) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < p; j++)
        w.pos[j] = -1;
    for (size_t k = 0; k < m; k++)
        w.pos[cols[k]] = (long)k + 1;
    double positives = 0, total = 0;
    for (size_t i = 0; i < n; i++)
        if (wt[i] > 0) {
            total += wt[i];
            positives += wt[i] * xy->y[i];
        }
    if (!(total > 0) || !(positives > 0) || !(positives < total)) {
        st = ls_fail(err, LS_ERR_DATA, "a fit needs converted and unconverted leads");
        goto done;
    }
    if (start) {
        w.beta[0] = start[0];
        for (size_t k = 0; k < m; k++)
            w.beta[k + 1] = isnan(start[cols[k] + 1]) ? 0 : start[cols[k] + 1];
    }
    double dev_old, dev;
    if (start) {
        dev_old = eval_rows(xy, wt, &w) + penalty(w.beta, q, l2);
    } else {
        /* R's binomial start: mu = (w·y + 0.5) / (w + 1) */
        for (size_t i = 0; i < n; i++) {
            w.mu[i] = wt[i] > 0 ? (wt[i] * xy->y[i] + 0.5) / (wt[i] + 1) : 0.5;
            w.eta[i] = log(w.mu[i] / (1 - w.mu[i]));
        }
        dev_old = deviance_of(xy, wt, w.eta);
    }
    dev = dev_old;
    int converged = 0;
    size_t it;
    for (it = 1; it <= GLM_MAX_ITER; it++) {
        accumulate(xy, wt, &w);
        for (size_t k = 1; k < q; k++)
            w.H[k * q + k] += l2;
        cholesky(&w);
        solve(&w, w.b, next);
        memcpy(w.b, w.beta, q * sizeof *w.b); /* b now keeps the previous coefficients */
        memcpy(w.beta, next, q * sizeof *w.beta);
        dev = eval_rows(xy, wt, &w) + penalty(w.beta, q, l2);
        /* step halving when the deviance rises (never needed at an optimum) */
        for (int h = 0; h < 30 && (it > 1 || start) && !(dev <= dev_old * (1 + 1e-12) + 1e-12);
             h++) {
            for (size_t k = 0; k < q; k++)
                w.beta[k] = 0.5 * (w.beta[k] + w.b[k]);
            dev = eval_rows(xy, wt, &w) + penalty(w.beta, q, l2);
        }
        if (fabs(dev - dev_old) / (fabs(dev) + 0.1) < GLM_TOLERANCE) {
            converged = 1;
            break;
        }
        dev_old = dev;
    }
    out->p = p;
    out->beta = calloc(p + 1, sizeof *out->beta);
    out->in_fit = calloc(p + 1, 1);
    if (!out->beta || !out->in_fit) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    out->beta[0] = w.beta[0];
    out->in_fit[0] = 1;
    out->rank = 1;
    for (size_t k = 0; k < m; k++) {
        out->beta[cols[k] + 1] = w.aliased[k + 1] ? 0 : w.beta[k + 1];
        out->in_fit[cols[k] + 1] = !w.aliased[k + 1];
        out->rank += !w.aliased[k + 1];
    }
    out->deviance = dev - penalty(w.beta, q, l2);
    out->iterations = it > GLM_MAX_ITER ? GLM_MAX_ITER : it;
    out->converged = converged;
    if (want_cov) {
        /* (X'WX)^-1 at the weights of the last iteration, as summary.glm */
        out->cov = malloc((p + 1) * (p + 1) * sizeof *out->cov);
        double *e = calloc(q, sizeof *e), *col = malloc(q * sizeof *col);
        if (!out->cov || !e || !col) {
            free(e);
            free(col);
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < (p + 1) * (p + 1); k++)
            out->cov[k] = NAN;
        long *where = malloc(q * sizeof *where);
        if (!where) {
            free(e);
            free(col);
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
        where[0] = 0;
        for (size_t k = 0; k < m; k++)
            where[k + 1] = (long)cols[k] + 1;
        for (size_t a = 0; a < q; a++) {
            if (w.aliased[a])
                continue;
            memset(e, 0, q * sizeof *e);
            e[a] = 1;
            solve(&w, e, col);
            for (size_t c = 0; c < q; c++)
                if (!w.aliased[c])
                    out->cov[(size_t)where[c] * (p + 1) + (size_t)where[a]] = col[c];
        }
        free(where);
        free(e);
        free(col);
    }
done:
    free(next);
    work_free(&w);
    if (st != LS_OK)
        ls_glm_release(out);
    return st;
}

ls_status ls_glm_fit(const ls_xy *xy, const double *wt, const size_t *cols, size_t m,
                     const double *start, int want_cov, ls_glm *out, ls_error *err)
{
    return glm_fit(xy, wt, cols, m, start, 0, want_cov, out, err);
}

ls_status ls_glm_fit_ridge(const ls_xy *xy, const double *wt, const size_t *cols, size_t m,
                           double l2, int want_cov, ls_glm *out, ls_error *err)
{
    if (!(l2 >= 0) || isinf(l2))
        return ls_fail(err, LS_ERR_USAGE, "the ridge penalty must be a number >= 0");
    return glm_fit(xy, wt, cols, m, NULL, l2, want_cov, out, err);
}

void ls_glm_eta(const ls_xy *xy, const ls_glm *g, double *eta)
{
    for (size_t i = 0; i < xy->n; i++) {
        double e = g->beta[0];
        for (size_t k = xy->row_start[i]; k < xy->row_start[i + 1]; k++)
            e += g->beta[xy->col[k] + 1] * xy->val[k];
        eta[i] = e;
    }
}

/* ======================================================================== */
/* Information value and missing rate of a criterion                         */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Bin of each row for criterion g: 0 the reference, 1 + column for an
 * indicator, 1 + p + decile for a linear term's value. */
static ls_status criterion_bins(const ls_xy *xy, size_t g, const double *w, size_t *bin,
                                size_t *n_bins)
{
    const ls_design *d = xy->design;
    size_t n = xy->n, first = xy->group_first[g], cnt = xy->group_count[g];
    size_t linear = (size_t)-1;
    for (size_t c = 0; c < cnt; c++)
        if (d->per_unit[first + c])
            linear = first + c;
    for (size_t i = 0; i < n; i++) {
        bin[i] = 0;
        for (size_t c = 0; c < cnt; c++) {
            size_t j = first + c;
            if (j != linear && d->X[j * n + i] != 0) {
                bin[i] = 1 + j;
                break;
            }
        }
    }
    *n_bins = 1 + xy->p + IV_DECILES;
    if (linear == (size_t)-1)
        return LS_OK;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return LS_ERR_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (w[i] > 0 && bin[i] == 0)
            v[m++] = d->X[linear * n + i];
    qsort(v, m, sizeof *v, cmp_double);
    double cut[IV_DECILES];
    for (size_t k = 1; k < IV_DECILES; k++)
        cut[k] = m ? v[k * m / IV_DECILES] : 0;
    for (size_t i = 0; i < n; i++) {
        if (bin[i] != 0)
            continue;
        double x = d->X[linear * n + i];
        size_t k = 0;
        while (k + 1 < IV_DECILES && x >= cut[k + 1])
            k++;
        bin[i] = 1 + xy->p + k;
    }
    free(v);
    return LS_OK;
}

double ls_xy_iv(const ls_xy *xy, size_t g, const double *w)
{
    size_t n = xy->n, nb = 0;
    if (!w)
        w = xy->w;
    size_t *bin = malloc((n ? n : 1) * sizeof *bin);
    if (!bin || criterion_bins(xy, g, w, bin, &nb) != LS_OK) {
        free(bin);
        return NAN;
    }
    double *pos = calloc(nb, sizeof *pos), *neg = calloc(nb, sizeof *neg);
    double iv = NAN;
    if (pos && neg) {
        for (size_t i = 0; i < n; i++)
            if (w[i] > 0) {
                if (xy->y[i] > 0.5)
                    pos[bin[i]] += w[i];
                else
                    neg[bin[i]] += w[i];
            }
        double tp = 0, tn = 0;
        for (size_t b = 0; b < nb; b++) {
            if (pos[b] + neg[b] == 0)
                continue;
            if (pos[b] == 0 || neg[b] == 0) { /* zero-cell adjustment, as inspect */
                pos[b] += 0.5;
                neg[b] += 0.5;
            }
            tp += pos[b];
            tn += neg[b];
        }
        iv = 0;
        for (size_t b = 0; b < nb; b++) {
            if (pos[b] + neg[b] == 0)
                continue;
            double dp = pos[b] / tp, dn = neg[b] / tn;
            iv += (dp - dn) * log(dp / dn);
        }
    }
    free(pos);
    free(neg);
    free(bin);
    return iv;
}

/* Share of the rows with w > 0 where criterion g is missing: its
 * "COLUMN=missing" term is 1, or — when missing is the reference level — no
 * term is. */
static double missing_rate(const ls_xy *xy, size_t g, const double *w)
{
    const ls_model *m = xy->model;
    const ls_criterion *c = &m->criteria[g];
    size_t n = xy->n, first = xy->group_first[g], cnt = xy->group_count[g];
    int ref_missing = c->reference && strcmp(c->reference, "missing") == 0;
    size_t jm = (size_t)-1;
    for (size_t k = 0; k < cnt; k++) {
        const char *name = m->terms[first + k + 1].name;
        size_t lc = strlen(c->column);
        if (strncmp(name, c->column, lc) == 0 && strcmp(name + lc, "=missing") == 0)
            jm = first + k;
    }
    double miss = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(w[i] > 0))
            continue;
        total += w[i];
        if (jm != (size_t)-1) {
            miss += w[i] * (xy->design->X[jm * n + i] != 0);
        } else if (ref_missing) {
            int any = 0;
            for (size_t k = 0; k < cnt && !any; k++)
                any = xy->design->X[(first + k) * n + i] != 0;
            miss += w[i] * !any;
        }
    }
    return total > 0 ? miss / total : NAN;
}

/* ======================================================================== */
/* Stepwise                                                                  */

typedef struct {
    const ls_xy *xy;
    const ls_select_options *opts;
    double k;
    size_t *cols; /* scratch: p */
    ls_error *err;
} stepper;

static ls_status fit_groups(stepper *s, const size_t *groups, size_t ng, const double *w,
                            const double *start, ls_glm *out)
{
    size_t m = ls_xy_columns(s->xy, groups, ng, s->cols);
    return ls_glm_fit(s->xy, w, s->cols, m, start, 0, out, s->err);
}

static double aic_of(const ls_glm *g, double k)
{
    return g->deviance + k * (double)g->rank;
}

static ls_status add_step(ls_selection *sel, const char *change, double df, const ls_glm *g,
                          double k, size_t rows)
{
    ls_selection_step *steps = realloc(sel->steps, (sel->n_steps + 1) * sizeof *steps);
    if (!steps)
        return LS_ERR_NOMEM;
    sel->steps = steps;
    ls_selection_step *s = &steps[sel->n_steps++];
    memset(s, 0, sizeof *s);
    snprintf(s->change, sizeof s->change, "%s", change);
    s->df = df;
    s->deviance = g->deviance;
    s->resid_df = (double)rows - (double)g->rank;
    s->aic = aic_of(g, k);
    return LS_OK;
}

static int in_set(const size_t *set, size_t n, size_t g)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == g)
            return 1;
    return 0;
}

/* R's step() over criteria. cur (capacity n_groups) holds the start set and
 * receives the selected one. */
static ls_status stepwise(stepper *s, const unsigned char *candidate, const unsigned char *forced,
                          size_t *cur, size_t *ncur, ls_selection *sel)
{
    const ls_xy *xy = s->xy;
    size_t G = xy->n_groups;
    int backward = s->opts->direction != LS_STEP_FORWARD;
    int forward = s->opts->direction != LS_STEP_BACKWARD;
    ls_glm fit, best, trial;
    memset(&fit, 0, sizeof fit);
    memset(&best, 0, sizeof best);
    memset(&trial, 0, sizeof trial);
    size_t *try_set = malloc((G + 1) * sizeof *try_set);
    ls_status st = LS_OK;
    if (!try_set)
        return ls_fail(s->err, LS_ERR_NOMEM, "out of memory");
    if ((st = fit_groups(s, cur, *ncur, NULL, NULL, &fit)) != LS_OK)
        goto done;
    double aic = aic_of(&fit, s->k);
    if (add_step(sel, "", NAN, &fit, s->k, xy->rows) != LS_OK)
        goto nomem;
    for (size_t step = 0; step < s->opts->max_steps; step++) {
        double best_aic = aic;
        long best_g = -1;
        int best_is_add = 0, zero_df = 0;
        /* drop1: every droppable criterion, in model order */
        for (size_t a = 0; backward && a < *ncur; a++) {
            size_t g = cur[a];
            if (forced[g])
                continue;
            size_t nt = 0;
            for (size_t b = 0; b < *ncur; b++)
                if (b != a)
                    try_set[nt++] = cur[b];
            if ((st = fit_groups(s, try_set, nt, NULL, fit.beta, &trial)) != LS_OK)
                goto done;
            if (trial.rank == fit.rank) {
                /* no parameter lost: step() drops the last such criterion at once */
                zero_df = 1;
                best_g = (long)a;
                best_is_add = 0;
                ls_glm_release(&best);
                best = trial;
                memset(&trial, 0, sizeof trial);
                continue;
            }
            double t_aic = aic_of(&trial, s->k);
            if (!zero_df && t_aic < best_aic) {
                best_aic = t_aic;
                best_g = (long)a;
                ls_glm_release(&best);
                best = trial;
                memset(&trial, 0, sizeof trial);
            } else {
                ls_glm_release(&trial);
            }
        }
        /* add1: every candidate not in the model, appended at the end */
        for (size_t g = 0; !zero_df && forward && g < G; g++) {
            if (!candidate[g] || in_set(cur, *ncur, g))
                continue;
            memcpy(try_set, cur, *ncur * sizeof *try_set);
            try_set[*ncur] = g;
            if ((st = fit_groups(s, try_set, *ncur + 1, NULL, fit.beta, &trial)) != LS_OK)
                goto done;
            double t_aic = aic_of(&trial, s->k);
            if (trial.rank != fit.rank && t_aic < best_aic) {
                best_aic = t_aic;
                best_g = (long)g;
                best_is_add = 1;
                ls_glm_release(&best);
                best = trial;
                memset(&trial, 0, sizeof trial);
            } else {
                ls_glm_release(&trial);
            }
        }
        if (best_g < 0)
            break; /* "<none>" is best */
        char change[300];
        double df;
        if (best_is_add) {
            snprintf(change, sizeof change, "+ %s", xy->group_name[best_g]);
            cur[(*ncur)++] = (size_t)best_g;
            df = -((double)best.rank - (double)fit.rank);
        } else {
            snprintf(change, sizeof change, "- %s", xy->group_name[cur[best_g]]);
            memmove(cur + best_g, cur + best_g + 1, (*ncur - (size_t)best_g - 1) * sizeof *cur);
            (*ncur)--;
            df = (double)fit.rank - (double)best.rank;
        }
        double new_aic = aic_of(&best, s->k);
        ls_glm_release(&fit);
        fit = best;
        memset(&best, 0, sizeof best);
        if (new_aic >= aic + STEP_TOLERANCE)
            break;
        aic = new_aic;
        if (add_step(sel, change, df, &fit, s->k, xy->rows) != LS_OK)
            goto nomem;
    }
    goto done;
nomem:
    st = ls_fail(s->err, LS_ERR_NOMEM, "out of memory");
done:
    ls_glm_release(&fit);
    ls_glm_release(&best);
    ls_glm_release(&trial);
    free(try_set);
    return st;
}

/* ======================================================================== */
/* Lasso / elastic net path (glmnet's conventions)                           */

typedef struct {
    size_t *start; /* p + 1 */
    uint32_t *row;
    double *val;
} csc;

static void csc_free(csc *c)
{
    free(c->start);
    free(c->row);
    free(c->val);
}

static ls_status csc_build(const ls_xy *xy, csc *c)
{
    size_t nnz = xy->row_start[xy->n];
    c->start = calloc(xy->p + 1, sizeof *c->start);
    c->row = malloc((nnz ? nnz : 1) * sizeof *c->row);
    c->val = malloc((nnz ? nnz : 1) * sizeof *c->val);
    size_t *cur = malloc((xy->p + 1) * sizeof *cur);
    if (!c->start || !c->row || !c->val || !cur) {
        free(cur);
        return LS_ERR_NOMEM;
    }
    for (size_t k = 0; k < nnz; k++)
        c->start[xy->col[k] + 1]++;
    for (size_t j = 0; j < xy->p; j++)
        c->start[j + 1] += c->start[j];
    memcpy(cur, c->start, (xy->p + 1) * sizeof *cur);
    for (size_t i = 0; i < xy->n; i++)
        for (size_t k = xy->row_start[i]; k < xy->row_start[i + 1]; k++) {
            c->row[cur[xy->col[k]]] = (uint32_t)i;
            c->val[cur[xy->col[k]]++] = xy->val[k];
        }
    free(cur);
    return LS_OK;
}

typedef struct {
    const ls_xy *xy;
    const csc *x;
    const size_t *cols; /* columns on the path */
    size_t m;
    const double *l1;    /* per column: penalty on |beta_j| (summed-loss scale, per unit lambda) */
    const double *l2;    /* per column: ridge penalty per unit lambda */
    double *beta;        /* 1 + p */
    double *eta, *r, *v; /* n */
    double *a;           /* p: weighted sums of squares */
} cd_state;

/* Coordinate descent for the penalised logistic fit at lam, from beta. */
static double cd_fit(cd_state *s, const double *w, double lam, double thr)
{
    const ls_xy *xy = s->xy;
    size_t n = xy->n;
    double dev = 0;
    for (int outer = 0; outer < 100; outer++) {
        double vsum = 0;
        for (size_t i = 0; i < n; i++) {
            if (!(w[i] > 0)) {
                s->v[i] = s->r[i] = 0;
                continue;
            }
            double mu = 1 / (1 + exp(-clamp_eta(s->eta[i])));
            double d = fmax(mu * (1 - mu), 1e-5);
            s->v[i] = w[i] * d;
            s->r[i] = (xy->y[i] - mu) / d;
            vsum += s->v[i];
        }
        for (size_t k = 0; k < s->m; k++) {
            size_t j = s->cols[k];
            double a = 0;
            for (size_t e = s->x->start[j]; e < s->x->start[j + 1]; e++)
                a += s->v[s->x->row[e]] * s->x->val[e] * s->x->val[e];
            s->a[j] = a;
        }
        double outer_change = 0;
        for (int sweep = 0; sweep < 10000; sweep++) {
            double change = 0;
            for (size_t k = 0; k < s->m; k++) {
                size_t j = s->cols[k];
                if (!(s->a[j] > 0))
                    continue;
                double g = 0;
                for (size_t e = s->x->start[j]; e < s->x->start[j + 1]; e++)
                    g += s->v[s->x->row[e]] * s->x->val[e] * s->r[s->x->row[e]];
                double old = s->beta[j + 1], u = g + s->a[j] * old, t = lam * s->l1[j];
                double nb = u > t ? u - t : u < -t ? u + t : 0;
                nb /= s->a[j] + lam * s->l2[j];
                if (nb == old)
                    continue;
                double dlt = nb - old;
                for (size_t e = s->x->start[j]; e < s->x->start[j + 1]; e++)
                    s->r[s->x->row[e]] -= dlt * s->x->val[e];
                s->beta[j + 1] = nb;
                change = fmax(change, s->a[j] * dlt * dlt);
            }
            double g0 = 0;
            for (size_t i = 0; i < n; i++)
                g0 += s->v[i] * s->r[i];
            double d0 = vsum > 0 ? g0 / vsum : 0;
            if (d0 != 0) {
                for (size_t i = 0; i < n; i++)
                    s->r[i] -= d0;
                s->beta[0] += d0;
                change = fmax(change, vsum * d0 * d0);
            }
            if (sweep == 0)
                outer_change = change;
            if (change < thr)
                break;
        }
        for (size_t i = 0; i < n; i++) {
            double e = s->beta[0];
            for (size_t k = xy->row_start[i]; k < xy->row_start[i + 1]; k++)
                e += s->beta[xy->col[k] + 1] * xy->val[k];
            s->eta[i] = e;
        }
        if (outer_change < thr)
            break;
    }
    dev = deviance_of(xy, w, s->eta);
    return dev;
}

typedef struct {
    size_t n_lambda;
    double *lambda;
    double *beta; /* n_lambda × (1 + p) */
    double *dev;
} path;

/* Leaves p empty, so a caller's cleanup may free it again (lasso_path frees
 * its output on failure, and its callers free on every exit). */
static void path_free(path *p)
{
    free(p->lambda);
    free(p->beta);
    free(p->dev);
    p->lambda = p->beta = p->dev = NULL;
    p->n_lambda = 0;
}

/* Fits the path on weights w. With fixed == NULL the lambda sequence is
 * computed (glmnet: from lambda_max down to ratio·lambda_max, stopping early
 * when the deviance explained stops growing) and stored in out; otherwise
 * the given sequence is followed. */
static ls_status lasso_path(const ls_xy *xy, const csc *x, const double *w, const size_t *cols,
                            size_t m, const size_t *fcols, size_t fm, const double *l1,
                            const double *l2, const ls_select_options *o, const path *fixed,
                            path *out, ls_error *err)
{
    size_t n = xy->n, p = xy->p;
    memset(out, 0, sizeof *out);
    cd_state s;
    memset(&s, 0, sizeof s);
    ls_glm base;
    memset(&base, 0, sizeof base);
    size_t nl = fixed ? fixed->n_lambda : o->n_lambda;
    s.xy = xy;
    s.x = x;
    s.cols = cols;
    s.m = m;
    s.l1 = l1;
    s.l2 = l2;
    s.beta = calloc(p + 1, sizeof *s.beta);
    s.eta = malloc(n * sizeof *s.eta);
    s.r = malloc(n * sizeof *s.r);
    s.v = malloc(n * sizeof *s.v);
    s.a = calloc(p + 1, sizeof *s.a);
    out->lambda = malloc((nl ? nl : 1) * sizeof *out->lambda);
    out->beta = calloc((nl ? nl : 1) * (p + 1), sizeof *out->beta);
    out->dev = malloc((nl ? nl : 1) * sizeof *out->dev);
    ls_status st = LS_OK;
    if (!s.beta || !s.eta || !s.r || !s.v || !s.a || !out->lambda || !out->beta || !out->dev) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* the unpenalised part first: intercept and forced criteria */
    if ((st = ls_glm_fit(xy, w, fcols, fm, NULL, 0, &base, err)) != LS_OK)
        goto done;
    memcpy(s.beta, base.beta, (p + 1) * sizeof *s.beta);
    ls_glm_eta(xy, &base, s.eta);
    double null_dev = 0, wsum = 0, ysum = 0, mu0;
    for (size_t i = 0; i < n; i++)
        if (w[i] > 0) {
            wsum += w[i];
            ysum += w[i] * xy->y[i];
        }
    double ybar = ysum / wsum;
    for (size_t i = 0; i < n; i++)
        if (w[i] > 0)
            null_dev += w[i] * unit_eval(xy->y[i], log(ybar / (1 - ybar)), &mu0);
    /* coordinate descent stops when no update changes the objective by more
     * than this (glmnet's thresh, 1e-7 there; 1e-9 here puts the KKT
     * conditions within 1% of the penalty) */
    double thr = 1e-9 * null_dev;
    if (!fixed) {
        double lmax = 0;
        for (size_t k = 0; k < m; k++) {
            size_t j = cols[k];
            if (!(l1[j] > 0))
                continue;
            double g = 0;
            for (size_t e = x->start[j]; e < x->start[j + 1]; e++) {
                size_t i = x->row[e];
                if (w[i] > 0)
                    g += w[i] * x->val[e] * (xy->y[i] - 1 / (1 + exp(-s.eta[i])));
            }
            lmax = fmax(lmax, fabs(g) / l1[j]);
        }
        double ratio = o->lambda_min_ratio > 0 ? o->lambda_min_ratio : xy->rows > m ? 1e-4 : 1e-2;
        for (size_t k = 0; k < nl; k++)
            out->lambda[k] = nl > 1 ? lmax * pow(ratio, (double)k / (double)(nl - 1)) : lmax;
    } else {
        memcpy(out->lambda, fixed->lambda, nl * sizeof *out->lambda);
    }
    double prev_ratio = 0;
    for (size_t k = 0; k < nl; k++) {
        double dev = cd_fit(&s, w, out->lambda[k], thr);
        memcpy(out->beta + k * (p + 1), s.beta, (p + 1) * sizeof *s.beta);
        out->dev[k] = dev;
        out->n_lambda = k + 1;
        double ratio = null_dev > 0 ? 1 - dev / null_dev : 0;
        /* glmnet stops when the deviance explained stops growing (fdev 1e-5)
         * or passes 0.999, after at least 5 values */
        if (!fixed && k + 1 >= 5 && (ratio - prev_ratio < 1e-5 || ratio > 0.999))
            break;
        prev_ratio = ratio;
    }
done:
    ls_glm_release(&base);
    free(s.beta);
    free(s.eta);
    free(s.r);
    free(s.v);
    free(s.a);
    if (st != LS_OK)
        path_free(out);
    return st;
}

static double binomial_deviance_clipped(double y, double eta)
{
    double p = 1 / (1 + exp(-clamp_eta(eta)));
    p = fmin(fmax(p, 1e-5), 1 - 1e-5);
    return -2 * (y > 0.5 ? log(p) : log(1 - p));
}

static ls_status lasso_select(const ls_xy *xy, const unsigned char *candidate,
                              const unsigned char *forced, const unsigned *fold,
                              const ls_select_options *o, ls_selection *sel, unsigned char *chosen,
                              ls_error *err)
{
    size_t n = xy->n, p = xy->p, G = xy->n_groups, K = o->folds;
    csc x;
    memset(&x, 0, sizeof x);
    path full, fp;
    memset(&full, 0, sizeof full);
    memset(&fp, 0, sizeof fp);
    size_t *cols = malloc((p ? p : 1) * sizeof *cols), *fcols = malloc((p ? p : 1) * sizeof *fcols);
    double *l1 = calloc(p + 1, sizeof *l1), *l2 = calloc(p + 1, sizeof *l2);
    double *wf = malloc(n * sizeof *wf);
    double *cvraw = NULL, *foldw = calloc(K, sizeof *foldw);
    ls_status st = LS_OK;
    if (!cols || !fcols || !l1 || !l2 || !wf || !foldw || csc_build(xy, &x) != LS_OK)
        goto nomem;
    /* glmnet: standardised columns (weighted population sd), penalty factors
     * 0 for forced criteria and rescaled to sum to the number of columns */
    double W = 0;
    for (size_t i = 0; i < n; i++)
        W += xy->w[i];
    size_t m = 0, fm = 0;
    double pf_sum = 0;
    for (size_t g = 0; g < G; g++) {
        if (!candidate[g])
            continue;
        for (size_t c = 0; c < xy->group_count[g]; c++) {
            size_t j = xy->group_first[g] + c;
            double s1 = 0, s2 = 0;
            for (size_t e = x.start[j]; e < x.start[j + 1]; e++) {
                double wi = xy->w[x.row[e]];
                s1 += wi * x.val[e];
                s2 += wi * x.val[e] * x.val[e];
            }
            double mean = s1 / W, sd = sqrt(fmax(s2 / W - mean * mean, 0));
            if (!(sd > 1e-12 * (fabs(mean) + 1)))
                continue; /* constant on the training rows: glmnet leaves it out */
            if (forced[g]) {
                fcols[fm++] = j;
                cols[m++] = j;
                l1[j] = l2[j] = 0;
            } else {
                cols[m++] = j;
                l1[j] = sd; /* pf·sd, pf rescaled below */
                l2[j] = sd * sd;
                pf_sum += 1;
            }
        }
    }
    if (pf_sum == 0) {
        for (size_t g = 0; g < G; g++)
            chosen[g] = candidate[g];
        goto done;
    }
    double scale = (double)m / pf_sum; /* glmnet: pf <- pf * nvars / sum(pf) */
    for (size_t k = 0; k < m; k++) {
        size_t j = cols[k];
        l1[j] *= scale * o->alpha * W;
        l2[j] *= scale * (1 - o->alpha) * W;
    }
    if ((st = lasso_path(xy, &x, xy->w, cols, m, fcols, fm, l1, l2, o, NULL, &full, err)) != LS_OK)
        goto done;
    size_t nl = full.n_lambda;
    cvraw = calloc(K * nl, sizeof *cvraw);
    sel->lambda = malloc(nl * sizeof *sel->lambda);
    sel->cvm = malloc(nl * sizeof *sel->cvm);
    sel->cvsd = malloc(nl * sizeof *sel->cvsd);
    sel->nonzero = malloc(nl * sizeof *sel->nonzero);
    if (!cvraw || !sel->lambda || !sel->cvm || !sel->cvsd || !sel->nonzero)
        goto nomem;
    sel->n_lambda = nl;
    for (size_t f = 0; f < K; f++) {
        for (size_t i = 0; i < n; i++)
            wf[i] = fold[i] == f ? 0 : xy->w[i];
        if ((st = lasso_path(xy, &x, wf, cols, m, fcols, fm, l1, l2, o, &full, &fp, err)) != LS_OK)
            goto done;
        for (size_t i = 0; i < n; i++)
            if (fold[i] == f)
                foldw[f] += xy->w[i];
        for (size_t k = 0; k < nl; k++) {
            const double *b = fp.beta + k * (p + 1);
            double dev = 0;
            for (size_t i = 0; i < n; i++) {
                if (fold[i] != f || !(xy->w[i] > 0))
                    continue;
                double e = b[0];
                for (size_t t = xy->row_start[i]; t < xy->row_start[i + 1]; t++)
                    e += b[xy->col[t] + 1] * xy->val[t];
                dev += xy->w[i] * binomial_deviance_clipped(xy->y[i], e);
            }
            cvraw[f * nl + k] = dev / foldw[f];
        }
        path_free(&fp);
        memset(&fp, 0, sizeof fp);
    }
    double fw = 0;
    for (size_t f = 0; f < K; f++)
        fw += foldw[f];
    size_t imin = 0;
    for (size_t k = 0; k < nl; k++) {
        double mean = 0, var = 0;
        for (size_t f = 0; f < K; f++)
            mean += foldw[f] * cvraw[f * nl + k];
        mean /= fw;
        for (size_t f = 0; f < K; f++)
            var += foldw[f] * (cvraw[f * nl + k] - mean) * (cvraw[f * nl + k] - mean);
        sel->cvm[k] = mean;
        sel->cvsd[k] = sqrt(var / fw / (double)(K - 1));
        size_t nz = 0;
        for (size_t t = 0; t < m; t++)
            nz += full.beta[k * (p + 1) + cols[t] + 1] != 0;
        sel->nonzero[k] = nz;
        if (sel->cvm[k] < sel->cvm[imin])
            imin = k; /* the largest lambda attaining the minimum */
    }
    size_t i1se = imin;
    for (size_t k = 0; k < nl; k++)
        if (sel->cvm[k] <= sel->cvm[imin] + sel->cvsd[imin]) {
            i1se = k;
            break;
        }
    /* sel->lambda on glmnet's scale: the l1 above carry W·alpha·sd, so the
     * path's lambda is already glmnet's lambda */
    for (size_t k = 0; k < nl; k++)
        sel->lambda[k] = full.lambda[k];
    sel->index_min = imin;
    sel->index_1se = i1se;
    sel->lambda_min = sel->lambda[imin];
    sel->lambda_1se = sel->lambda[i1se];
    size_t ic = o->use_lambda_min ? imin : i1se;
    sel->lambda_chosen = sel->lambda[ic];
    if (!(sel->coef = malloc((p + 1) * sizeof *sel->coef)))
        goto nomem;
    memcpy(sel->coef, full.beta + ic * (p + 1), (p + 1) * sizeof *sel->coef);
    sel->n_coef = p + 1;
    for (size_t g = 0; g < G; g++) {
        chosen[g] = candidate[g] && forced[g];
        sel->items[g].lasso_entry = 0;
    }
    for (size_t k = nl; k-- > 0;)
        for (size_t t = 0; t < m; t++) {
            size_t j = cols[t];
            if (full.beta[k * (p + 1) + j + 1] != 0)
                sel->items[xy->group_of[j]].lasso_entry = full.lambda[k];
        }
    for (size_t t = 0; t < m; t++) {
        size_t j = cols[t];
        if (full.beta[ic * (p + 1) + j + 1] != 0)
            chosen[xy->group_of[j]] = 1;
    }
    goto done;
nomem:
    st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
done:
    csc_free(&x);
    path_free(&full);
    path_free(&fp);
    free(cols);
    free(fcols);
    free(l1);
    free(l2);
    free(wf);
    free(cvraw);
    free(foldw);
    return st;
}

/* ======================================================================== */
/* Evidence                                                                  */

/* Mean held-out AUC over the folds of the model with the given criteria. */
static ls_status cv_auc(stepper *s, const size_t *groups, size_t ng, const unsigned *fold, size_t K,
                        double *wf, double *eta, double *sc, double *yy, double *out)
{
    const ls_xy *xy = s->xy;
    double sum = 0;
    for (size_t f = 0; f < K; f++) {
        for (size_t i = 0; i < xy->n; i++)
            wf[i] = fold[i] == f ? 0 : xy->w[i];
        ls_glm g;
        ls_status st = fit_groups(s, groups, ng, wf, NULL, &g);
        if (st != LS_OK)
            return st;
        ls_glm_eta(xy, &g, eta);
        ls_glm_release(&g);
        size_t m = 0;
        for (size_t i = 0; i < xy->n; i++)
            if (fold[i] == f && xy->w[i] > 0) {
                sc[m] = eta[i];
                yy[m] = xy->y[i];
                wf[m] = xy->w[i];
                m++;
            }
        sum += ls_auc(sc, yy, wf, m);
    }
    *out = sum / (double)K;
    return LS_OK;
}

static ls_status evidence(stepper *s, const unsigned char *chosen, const unsigned *fold,
                          ls_selection *sel)
{
    const ls_xy *xy = s->xy;
    size_t G = xy->n_groups, n = xy->n, K = s->opts->folds;
    size_t *S = malloc((G + 1) * sizeof *S), *T = malloc((G + 1) * sizeof *T), ns = 0;
    double *wf = malloc(n * sizeof *wf), *eta = malloc(n * sizeof *eta);
    double *sc = malloc(n * sizeof *sc), *yy = malloc(n * sizeof *yy);
    ls_glm base, other;
    memset(&base, 0, sizeof base);
    memset(&other, 0, sizeof other);
    ls_status st = LS_OK;
    if (!S || !T || !wf || !eta || !sc || !yy) {
        st = ls_fail(s->err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t g = 0; g < G; g++)
        if (chosen[g])
            S[ns++] = g;
    if ((st = fit_groups(s, S, ns, NULL, NULL, &base)) != LS_OK)
        goto done;
    sel->deviance = base.deviance;
    sel->rank = base.rank;
    sel->aic = aic_of(&base, s->k);
    sel->cv_auc = NAN;
    int do_cv = s->opts->evidence && s->opts->cv_auc && fold;
    if (do_cv && (st = cv_auc(s, S, ns, fold, K, wf, eta, sc, yy, &sel->cv_auc)) != LS_OK)
        goto done;
    double logn = log((double)xy->rows);
    for (size_t g = 0; g < G; g++) {
        ls_selection_item *it = &sel->items[g];
        if (!s->opts->evidence) {
            it->deviance_with = it->deviance_without = it->lr_chi2 = it->lr_df = it->lr_p = NAN;
            it->delta_aic = it->delta_bic = NAN;
            it->cv_auc_with = it->cv_auc_without = it->delta_cv_auc = NAN;
            continue;
        }
        size_t nt = 0;
        if (chosen[g]) {
            for (size_t k = 0; k < ns; k++)
                if (S[k] != g)
                    T[nt++] = S[k];
        } else {
            memcpy(T, S, ns * sizeof *T);
            T[ns] = g;
            nt = ns + 1;
        }
        if ((st = fit_groups(s, T, nt, NULL, base.beta, &other)) != LS_OK)
            goto done;
        const ls_glm *with = chosen[g] ? &base : &other, *without = chosen[g] ? &other : &base;
        it->deviance_with = with->deviance;
        it->deviance_without = without->deviance;
        it->rank_with = with->rank;
        it->rank_without = without->rank;
        it->lr_chi2 = without->deviance - with->deviance;
        it->lr_df = (double)with->rank - (double)without->rank;
        it->lr_p = it->lr_df > 0 ? gsl_cdf_chisq_Q(fmax(it->lr_chi2, 0), it->lr_df) : NAN;
        it->delta_aic = it->lr_chi2 - 2 * it->lr_df;
        it->delta_bic = it->lr_chi2 - logn * it->lr_df;
        ls_glm_release(&other);
        it->cv_auc_with = it->cv_auc_without = it->delta_cv_auc = NAN;
        if (do_cv) {
            double a;
            if ((st = cv_auc(s, T, nt, fold, K, wf, eta, sc, yy, &a)) != LS_OK)
                goto done;
            it->cv_auc_with = chosen[g] ? sel->cv_auc : a;
            it->cv_auc_without = chosen[g] ? a : sel->cv_auc;
            it->delta_cv_auc = it->cv_auc_with - it->cv_auc_without;
        }
    }
done:
    ls_glm_release(&base);
    ls_glm_release(&other);
    free(S);
    free(T);
    free(wf);
    free(eta);
    free(sc);
    free(yy);
    return st;
}

/* ======================================================================== */
/* Entry points                                                              */

void ls_selection_release(ls_selection *sel)
{
    if (!sel)
        return;
    for (size_t i = 0; i < sel->n_items; i++)
        free(sel->items[i].criterion);
    free(sel->items);
    free(sel->steps);
    free(sel->lambda);
    free(sel->cvm);
    free(sel->cvsd);
    free(sel->nonzero);
    free(sel->coef);
    ls_notes_free(sel->notes, sel->n_notes);
    memset(sel, 0, sizeof *sel);
}

ls_status ls_select_xy(const ls_xy *xy, const ls_spec *spec, const ls_select_options *o,
                       ls_selection *sel, ls_error *err)
{
    memset(sel, 0, sizeof *sel);
    size_t G = xy->n_groups, n = xy->n;
    ls_select_options defaults;
    if (!o) {
        ls_select_options_init(&defaults);
        o = &defaults;
    }
    if (o->method == LS_SELECT_LASSO && !(o->alpha > 0 && o->alpha <= 1))
        return ls_fail(err, LS_ERR_USAGE, "alpha must be in (0, 1], not %g", o->alpha);
    if (((o->evidence && o->cv_auc) || o->method == LS_SELECT_LASSO) &&
        (o->folds < 2 || o->folds > 100))
        return ls_fail(err, LS_ERR_USAGE, "folds must be between 2 and 100, not %zu", o->folds);
    if (o->method == LS_SELECT_LASSO && o->n_lambda < 1)
        return ls_fail(err, LS_ERR_USAGE, "the lasso path needs at least one lambda");
    unsigned char *candidate = calloc(G + 1, 1), *forced = calloc(G + 1, 1);
    unsigned char *chosen = calloc(G + 1, 1);
    size_t *cur = malloc((G + 1) * sizeof *cur), *cols = malloc((xy->p + 1) * sizeof *cols);
    unsigned *fold = NULL;
    stepper s = {xy, o, 0, cols, err};
    ls_status st = LS_OK;
    sel->items = calloc(G + 1, sizeof *sel->items);
    if (!candidate || !forced || !chosen || !cur || !cols || !sel->items)
        goto nomem;
    sel->n_items = G;
    sel->method = o->method;
    sel->direction = o->direction;
    sel->rows = xy->rows;
    sel->folds = o->folds;
    s.k = o->k > 0 ? o->k : o->method == LS_SELECT_BIC ? log((double)xy->rows) : 2;
    sel->k = s.k;
    for (size_t g = 0; g < G; g++) {
        ls_selection_item *it = &sel->items[g];
        if (!(it->criterion = ls_strdup(xy->group_name[g])))
            goto nomem;
        const ls_spec_criterion *sc = spec ? ls_spec_find(spec, xy->group_name[g]) : NULL;
        it->terms = xy->group_count[g];
        it->forced = sc && sc->use == LS_USE_FORCE;
        it->iv = ls_xy_iv(xy, g, NULL);
        it->missing_rate = missing_rate(xy, g, xy->w);
        it->lasso_entry = NAN;
        forced[g] = (unsigned char)it->forced;
        candidate[g] = 1;
        if (!it->forced && o->min_iv > 0 && !(it->iv >= o->min_iv)) {
            it->filtered = 1;
            candidate[g] = 0;
            if (ls_notes_add(&sel->notes, &sel->n_notes,
                             "%s: left out before selection: IV %.4f < %g", it->criterion, it->iv,
                             o->min_iv) != LS_OK)
                goto nomem;
        } else if (!it->forced && o->max_missing < 1 && it->missing_rate > o->max_missing) {
            it->filtered = 1;
            candidate[g] = 0;
            if (ls_notes_add(&sel->notes, &sel->n_notes,
                             "%s: left out before selection: missing in %.1f%% of leads > %g%%",
                             it->criterion, 100 * it->missing_rate, 100 * o->max_missing) != LS_OK)
                goto nomem;
        }
    }
    if ((o->evidence && o->cv_auc) || o->method == LS_SELECT_LASSO) {
        if (!(fold = malloc((n ? n : 1) * sizeof *fold)))
            goto nomem;
        if ((st = ls_split_kfold(xy->y, xy->w, n, o->folds, o->seed, fold, err)) != LS_OK)
            goto done;
    }
    size_t ncur = 0;
    switch (o->method) {
    case LS_SELECT_AIC:
    case LS_SELECT_BIC:
        for (size_t g = 0; g < G; g++)
            if (candidate[g] && (o->direction != LS_STEP_FORWARD || forced[g]))
                cur[ncur++] = g;
        if ((st = stepwise(&s, candidate, forced, cur, &ncur, sel)) != LS_OK)
            goto done;
        for (size_t k = 0; k < ncur; k++)
            chosen[cur[k]] = 1;
        break;
    case LS_SELECT_LASSO:
        if ((st = lasso_select(xy, candidate, forced, fold, o, sel, chosen, err)) != LS_OK)
            goto done;
        break;
    default:
        memcpy(chosen, candidate, G);
        break;
    }
    for (size_t g = 0; g < G; g++)
        sel->items[g].kept = chosen[g];
    st = evidence(&s, chosen, fold, sel);
    goto done;
nomem:
    st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
done:
    free(candidate);
    free(forced);
    free(chosen);
    free(cur);
    free(cols);
    free(fold);
    if (st != LS_OK)
        ls_selection_release(sel);
    return st;
}

ls_status ls_select(const ls_table *table, const ls_spec *spec, const ls_train_options *train,
                    const ls_select_options *opts, ls_selection *out, ls_error *err)
{
    memset(out, 0, sizeof *out);
    ls_model *m = ls_model_alloc();
    ls_design d;
    ls_xy xy;
    memset(&d, 0, sizeof d);
    memset(&xy, 0, sizeof xy);
    ls_train_options defaults;
    if (!train) {
        ls_train_options_init(&defaults);
        train = &defaults;
    }
    if (!m)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ls_status st = ls_encode(table, spec, train, m, &d, NULL, err);
    if (st == LS_OK)
        st = ls_xy_init(&xy, &d, m, err);
    if (st == LS_OK)
        st = ls_select_xy(&xy, spec, opts, out, err);
    ls_xy_release(&xy);
    ls_design_release(&d);
    ls_model_free(m);
    return st;
}
