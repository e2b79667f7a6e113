/* The decay of a behavioural feature fitted from data, by profile likelihood.
 *
 * For each half-life h on a grid (or lifespan, for linear decay) the
 * decayed feature is derived for every lead as of its snapshot, and a
 * logistic regression of the outcome on it (and on the spec's other
 * features) is fitted by maximum likelihood: ℓ(h) = max over β of the
 * log-likelihood with h fixed. The estimate is the grid point with the
 * largest ℓ; the likelihood-ratio 95% interval is {h : 2·(ℓ(ĥ) - ℓ(h)) ≤
 * χ²₁(0.95) = 3.841}, its ends interpolated linearly in log h between grid
 * points. Every grid point's feature is derived in the same single pass over
 * the events (one column per grid point), so the cost is one read of the
 * events plus one fit per grid point.
 *
 * Two references put the profile in context: the model without the feature
 * (does the behaviour matter at all?) and with it undecayed (a half-life of
 * 10^6 days, i.e. the all-history count or sum: does decay matter?).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error_internal.h"
#include "features_internal.h"
#include "leadscore/events.h"
#include "text.h"

#define CHI2_1_95 3.841458820694124
#define NO_DECAY_EXP 1e6 /* days: 2^(-age/h) ≈ 1 for any real age */
#define NO_DECAY_LINEAR 3660

static const double default_half_lives[] = {0.5, 1,  1.5, 2,  3,  4,  5,  6,  7,  8,  10,  12, 14,
                                            17,  21, 25,  30, 35, 42, 50, 60, 75, 90, 120, 180};
static const double default_lifespans[] = {1,  2,  3,  5,  7,   10,  14,  21,
                                           30, 45, 60, 90, 120, 180, 270, 365};

void ls_decay_options_init(ls_decay_options *o)
{
    memset(o, 0, sizeof *o);
    o->as_of = LS_TIME_NONE;
    o->others = 1;
    ls_fit_options_init(&o->fit);
}

void ls_decay_profile_release(ls_decay_profile *p)
{
    if (!p)
        return;
    free(p->feature);
    free(p->points);
    for (size_t i = 0; i < p->n_covariates; i++)
        free(p->covariates[i]);
    free(p->covariates);
    memset(p, 0, sizeof *p);
}

/* The outcome of a row: 1, 0, or -1 when missing. */
static int outcome(const char *value, const char *positive, int *y)
{
    if (!*value)
        return 0;
    if (positive) {
        *y = strcmp(value, positive) == 0;
        return 1;
    }
    return ls_parse_bool(value, y);
}

/* Fits y on X (n × p, column-major); returns the status, fills loglik and
 * the last coefficient's estimate and standard error. */
static ls_status fit_one(const double *X, size_t n, size_t p, const double *y,
                         const ls_fit_options *opts, double *loglik, double *est, double *se)
{
    ls_fit_result res;
    memset(&res, 0, sizeof res);
    ls_status st = ls_logit_fit(X, n, p, y, NULL, NULL, opts, &res, NULL);
    *loglik = st == LS_OK ? res.loglik : NAN;
    *est = st == LS_OK && p > 0 ? res.estimate[p] : NAN;
    *se = st == LS_OK && p > 0 ? res.std_error[p] : NAN;
    ls_fit_result_release(&res);
    return st;
}

/* Interpolated crossing of the drop threshold between grid points a (inside)
 * and b (outside), in log days. */
static double crossing(const ls_decay_point *a, const ls_decay_point *b, double max)
{
    double da = max - a->loglik, db = max - b->loglik, c = CHI2_1_95 / 2;
    double t = (c - da) / (db - da);
    return exp(log(a->days) + t * (log(b->days) - log(a->days)));
}

static void interval(ls_decay_profile *p)
{
    const ls_decay_point *pt = p->points;
    double max = pt[p->best].loglik, c = CHI2_1_95 / 2;
    p->ci_low = -INFINITY;
    for (size_t j = p->best; j-- > 0;) {
        if (isnan(pt[j].loglik))
            continue;
        if (max - pt[j].loglik > c) {
            size_t in = j + 1;
            while (isnan(pt[in].loglik))
                in++;
            p->ci_low = crossing(&pt[in], &pt[j], max);
            break;
        }
    }
    p->ci_high = INFINITY;
    for (size_t j = p->best + 1; j < p->n_points; j++) {
        if (isnan(pt[j].loglik))
            continue;
        if (max - pt[j].loglik > c) {
            size_t in = j - 1;
            while (isnan(pt[in].loglik))
                in--;
            p->ci_high = crossing(&pt[in], &pt[j], max);
            break;
        }
    }
}

ls_status ls_decay_fit(const ls_features *f, const char *leads_path, const char *events_path,
                       const ls_decay_options *o, ls_decay_profile *p, ls_error *err)
{
    memset(p, 0, sizeof *p);
    if (!o->target)
        return ls_fail(err, LS_ERR_USAGE, "the decay fit needs the outcome column (--target)");
    size_t def = (size_t)-1;
    if (o->feature) {
        def = ls_features_find_def(f, o->feature);
        if (def == (size_t)-1)
            return ls_fail(err, LS_ERR_NOTFOUND, "no [feature] named '%s' in the spec", o->feature);
        if (f->defs[def].decay == LS_DECAY_NONE)
            return ls_fail(err, LS_ERR_USAGE,
                           "feature '%s' does not decay (kind decayed_count or decayed_sum)",
                           o->feature);
    } else {
        for (size_t i = 0; i < f->n_defs && def == (size_t)-1; i++)
            if (f->defs[i].decay != LS_DECAY_NONE)
                def = i;
        if (def == (size_t)-1)
            return ls_fail(err, LS_ERR_USAGE, "the spec has no decayed feature to fit");
    }
    int linear = f->defs[def].decay == LS_DECAY_LINEAR;
    const double *grid = o->grid;
    size_t n_grid = o->n_grid;
    if (!grid) {
        grid = linear ? default_lifespans : default_half_lives;
        n_grid = linear ? sizeof default_lifespans / sizeof default_lifespans[0]
                        : sizeof default_half_lives / sizeof default_half_lives[0];
    }
    double none = linear ? NO_DECAY_LINEAR : NO_DECAY_EXP;
    for (size_t i = 0; i < n_grid; i++)
        if (!(grid[i] > 0 && grid[i] < none))
            return ls_fail(err, LS_ERR_USAGE, "grid value %g must be in (0, %g) days", grid[i],
                           none);

    ls_features *variant = NULL;
    ls_leads leads;
    memset(&leads, 0, sizeof leads);
    ls_usage *u = NULL;
    double *full = malloc((n_grid + 1) * sizeof *full), *values = NULL, *X = NULL, *y = NULL,
           *G = NULL;
    size_t *cov = NULL;
    ls_status st = full ? LS_OK : ls_fail(err, LS_ERR_NOMEM, "out of memory");
    if (st != LS_OK)
        goto done;
    memcpy(full, grid, n_grid * sizeof *full);
    full[n_grid] = none;
    if ((st = ls_features_with_params(f, def, full, n_grid + 1, &variant, err)) != LS_OK)
        goto done;
    const ls_feature_def *d = &variant->defs[def];

    ls_leads_options lo;
    memset(&lo, 0, sizeof lo);
    lo.id_column = o->id_column ? o->id_column : ls_features_leads_id(f);
    lo.label_date = o->label_date ? o->label_date : o->as_of == LS_TIME_NONE ? f->label_date : NULL;
    lo.as_of = o->as_of;
    lo.need_snapshot = 1;
    lo.extra_column = o->target;
    if ((st = ls_leads_read(leads_path, &lo, &leads, err)) != LS_OK)
        goto done;
    if ((st = ls_usage_new(variant, &leads, &u, err)) != LS_OK ||
        (st = ls_usage_read(u, events_path, err)) != LS_OK)
        goto done;

    /* Covariates: every output of the other defs. */
    size_t n_out = variant->n_outputs, n_cov = 0;
    cov = malloc(n_out * sizeof *cov);
    values = malloc(n_out * sizeof *values);
    if (!cov || !values) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; o->others && j < n_out; j++)
        if (variant->output_def[j] != def)
            cov[n_cov++] = j;
    p->covariates = calloc(n_cov ? n_cov : 1, sizeof *p->covariates);
    p->feature = ls_strdup(d->name);
    p->points = calloc(n_grid, sizeof *p->points);
    if (!p->covariates || !p->feature || !p->points) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < n_cov; j++)
        if (!(p->covariates[p->n_covariates++] = ls_strdup(variant->outputs[cov[j]]))) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
    p->linear = linear;

    /* Rows with an outcome. */
    size_t n = 0, cols = n_cov + 1;
    X = malloc((leads.n ? leads.n : 1) * cols * sizeof *X);
    G = malloc((leads.n ? leads.n : 1) * (n_grid + 1) * sizeof *G);
    y = malloc((leads.n ? leads.n : 1) * sizeof *y);
    if (!X || !G || !y) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < leads.n; r++) {
        int yi;
        if (!*leads.extra[r])
            continue; /* no outcome: not used */
        if (!outcome(leads.extra[r], o->positive, &yi)) {
            st = ls_fail_at(err, LS_ERR_DATA, leads_path, leads.lines[r], 0, o->target,
                            "'%.64s' is not a yes/no outcome (give the positive value)",
                            leads.extra[r]);
            goto done;
        }
        ls_usage_values(u, r, values);
        y[n] = yi;
        for (size_t j = 0; j < n_cov; j++)
            X[j * leads.n + n] = values[cov[j]];
        for (size_t k = 0; k <= n_grid; k++)
            G[k * leads.n + n] = values[d->first_output + k];
        p->positives += (size_t)yi;
        n++;
    }
    p->rows = n;
    if (n == 0 || p->positives == 0 || p->positives == n) {
        st = ls_fail(err, LS_ERR_DATA, "the outcome '%s' needs both classes among the leads",
                     o->target);
        goto done;
    }
    /* Columns are strided by leads.n; compact them to n rows. */
    if (n < leads.n) {
        for (size_t j = 0; j < n_cov; j++)
            memmove(X + j * n, X + j * leads.n, n * sizeof *X);
        for (size_t k = 0; k <= n_grid; k++)
            memmove(G + k * n, G + k * leads.n, n * sizeof *G);
    }
    double est, se;
    fit_one(X, n, n_cov, y, &o->fit, &p->loglik_without, &est, &se);
    int any = 0;
    for (size_t k = 0; k <= n_grid; k++) {
        memcpy(X + n_cov * n, G + k * n, n * sizeof *X);
        double ll;
        ls_status fs = fit_one(X, n, cols, y, &o->fit, &ll, &est, &se);
        if (k == n_grid) {
            p->loglik_none = ll;
            break;
        }
        ls_decay_point *pt = &p->points[p->n_points++];
        *pt = (ls_decay_point){d->params[k], ll, est, se, fs};
        if (fs == LS_OK && (!any || ll > p->points[p->best].loglik)) {
            p->best = k;
            any = 1;
        }
    }
    if (!any) {
        st = ls_fail(err, LS_ERR_DATA, "no grid point could be fitted (%s)",
                     ls_status_str(p->points[0].status));
        goto done;
    }
    interval(p);
done:
    free(full);
    free(values);
    free(cov);
    free(X);
    free(G);
    free(y);
    ls_usage_free(u);
    ls_leads_release(&leads);
    ls_features_free(variant);
    if (st != LS_OK)
        ls_decay_profile_release(p);
    return st;
}
