/* Hot / warm / nurture cut-offs from the sales team's capacity, a share of
 * leads, or a target precision, with the expected conversion rate and volume
 * of each tier on the leads given (held-out leads, so the rates are honest).
 *
 * Cut-offs are scores that occur in the data; every lead scoring at least a
 * tier's minimum is in it (or a higher tier). The hot tier never holds more
 * leads than asked: leads tied at the score where the share would be passed
 * all go below it (so it may be empty when one score holds more than the
 * share). The warm tier takes the next warm_share of the leads the same way,
 * but at least the next score's leads, so it is never empty while leads
 * remain.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "refine_internal.h"

void ls_tier_options_init(ls_tier_options *o)
{
    memset(o, 0, sizeof *o);
    o->mode = LS_TIERS_SHARE;
    o->hot_share = 0.10;
    o->warm_share = 0.30;
    o->capacity = NAN;
    o->per_week = NAN;
    o->target_precision = NAN;
}

typedef struct {
    double s, y;
} sy;

static int by_score_desc(const void *a, const void *b)
{
    const sy *x = a, *y = b;
    return (x->s < y->s) - (x->s > y->s);
}

static ls_status check(const ls_tier_options *o, ls_error *err)
{
    if (!(o->warm_share >= 0 && o->warm_share <= 1))
        return ls_fail(err, LS_ERR_USAGE, "the warm share must be between 0 and 1, not %g",
                       o->warm_share);
    switch (o->mode) {
    case LS_TIERS_SHARE:
        if (!(o->hot_share > 0 && o->hot_share <= 1))
            return ls_fail(err, LS_ERR_USAGE, "the hot share must be in (0, 1], not %g",
                           o->hot_share);
        break;
    case LS_TIERS_CAPACITY:
        if (!(o->capacity > 0) || !(o->per_week > 0) || isinf(o->capacity) || isinf(o->per_week))
            return ls_fail(err, LS_ERR_USAGE,
                           "capacity tiers need the leads sales can call per week (> 0) and the "
                           "leads arriving per week (> 0)");
        break;
    case LS_TIERS_PRECISION:
        if (!(o->target_precision > 0 && o->target_precision < 1))
            return ls_fail(err, LS_ERR_USAGE, "the target precision must be in (0, 1), not %g",
                           o->target_precision);
        break;
    default:
        return ls_fail(err, LS_ERR_USAGE, "unknown tier mode");
    }
    return LS_OK;
}

/* Index just past the largest top group (whole score ties) of at most
 * `limit` leads starting at from; from itself when even the first tie block
 * is larger. */
static size_t take(const sy *v, size_t n, size_t from, double limit)
{
    size_t end = from;
    for (size_t i = from; i < n;) {
        size_t j = i;
        while (j < n && v[j].s == v[i].s)
            j++;
        if ((double)(j - from) > limit + 1e-9)
            break;
        end = j;
        i = j;
    }
    return end;
}

static void fill(ls_tier_stat *t, const char *name, const sy *v, size_t n, size_t lo, size_t hi,
                 double min_score, const ls_tier_options *o)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->min_score = min_score;
    t->rows = hi - lo;
    for (size_t i = lo; i < hi; i++)
        t->positives += v[i].y > 0.5;
    t->share = n ? (double)t->rows / (double)n : NAN;
    t->rate = t->rows ? (double)t->positives / (double)t->rows : NAN;
    t->per_week = o->per_week > 0 ? t->share * o->per_week : NAN;
    t->conversions_per_week = o->per_week > 0 && t->rows ? t->per_week * t->rate : NAN;
}

ls_status ls_tiers_from_scores(const double *score, const double *y, size_t n,
                               const ls_tier_options *o, ls_tier_plan *out, ls_error *err)
{
    memset(out, 0, sizeof *out);
    ls_tier_options defaults;
    if (!o) {
        ls_tier_options_init(&defaults);
        o = &defaults;
    }
    ls_status st = check(o, err);
    if (st != LS_OK)
        return st;
    if (n == 0)
        return ls_fail(err, LS_ERR_DATA, "tiers need scored leads");
    sy *v = malloc(n * sizeof *v);
    if (!v)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (isnan(score[i])) {
            free(v);
            return ls_fail(err, LS_ERR_DATA, "score %zu is not a number", i + 1);
        }
        v[i] = (sy){score[i], y[i]};
    }
    qsort(v, n, sizeof *v, by_score_desc);
    out->mode = o->mode;
    size_t hot_end = 0;
    if (o->mode == LS_TIERS_PRECISION) {
        out->target_share = NAN;
        double pos = 0;
        out->precision_met = 0;
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && v[j].s == v[i].s)
                pos += v[j++].y > 0.5;
            if (pos / (double)j >= o->target_precision) {
                hot_end = j;
                out->precision_met = 1;
            }
            i = j;
        }
    } else {
        out->target_share =
            o->mode == LS_TIERS_CAPACITY ? fmin(1, o->capacity / o->per_week) : o->hot_share;
        hot_end = take(v, n, 0, out->target_share * (double)n);
    }
    size_t warm_end = take(v, n, hot_end, o->warm_share * (double)n);
    if (warm_end == hot_end && hot_end < n && o->warm_share > 0) {
        warm_end = hot_end; /* at least the next score's leads */
        while (warm_end < n && v[warm_end].s == v[hot_end].s)
            warm_end++;
    }
    double hot_min = hot_end > 0 ? v[hot_end - 1].s : v[0].s + 1;
    /* an empty warm tier (warm_share 0, or no leads left) gets a minimum no
     * whole score reaches */
    double warm_min = warm_end > hot_end ? v[warm_end - 1].s : hot_min - 0.5;
    fill(&out->tiers[0], "hot", v, n, 0, hot_end, hot_min, o);
    fill(&out->tiers[1], "warm", v, n, hot_end, warm_end, warm_min, o);
    fill(&out->tiers[2], "nurture", v, n, warm_end, n, -INFINITY, o);
    out->n_tiers = 3;
    free(v);
    return LS_OK;
}

ls_status ls_tiers_apply(ls_model *model, const ls_tier_plan *plan, ls_error *err)
{
    const char *names[3];
    double mins[3];
    for (size_t t = 0; t < plan->n_tiers && t < 3; t++) {
        names[t] = plan->tiers[t].name;
        mins[t] = plan->tiers[t].min_score;
    }
    return ls_model_set_tiers(model, names, mins, plan->n_tiers, err);
}
