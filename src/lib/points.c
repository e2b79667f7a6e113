/* Points from coefficients.
 *
 * Budget scaling (the default for leads): points = factor · coefficient,
 * with factor chosen so the best possible lead — the most favourable state
 * of every criterion, the reference level counting as 0 — totals `budget`
 * points (100). Reference levels score 0, so a typical lead scores near 0
 * and each point is readable as "this much more likely than usual".
 * PDO scaling (credit scorecards): factor = pdo / ln 2, so `pdo` points
 * double the odds, and base_points = base_score − factor·ln(base_odds) +
 * factor·intercept puts a lead of base_odds at base_score.
 * Points are rounded to multiples of round_to; per-unit points of linear
 * terms stay exact and are rounded per lead.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "points.h"

#include <math.h>
#include <stdlib.h>

#include "error_internal.h"
#include "parallel.h"

double ls_points_round(double x)
{
    return floor(x + 0.5);
}

static double round_to(double x, double step)
{
    return step > 0 ? step * ls_points_round(x / step) : ls_points_round(x);
}

/* Largest b·x of design column j over the rows of a grouped design: over
 * its levels, as every table level occurs on some row; rows at other levels
 * have x = 0, and 0 is where the caller's maximum starts. */
static double grouped_max(const ls_design *d, const size_t *group_of, size_t j, double b)
{
    double best = 0;
    if (group_of[j] == (size_t)-1)
        return best;
    const ls_design_group *gr = &d->groups[group_of[j]];
    for (size_t l = 0; l < gr->n_levels; l++)
        if (gr->term[l] == (int32_t)j)
            best = fmax(best, b * gr->value[l]);
    return best;
}

/* Largest contribution (in coefficient units) criterion c can make. */
static double criterion_max(const ls_model *m, const ls_design *d, const size_t *group_of, size_t c)
{
    double best = 0;
    for (size_t t = 1; t < m->n_terms; t++) {
        const ls_term *term = &m->terms[t];
        if (term->criterion != (long)c || isnan(term->estimate))
            continue;
        size_t j = t - 1;
        if (!d->per_unit[j]) {
            best = fmax(best, term->estimate);
            continue;
        }
        if (!d->X) {
            best = fmax(best, grouped_max(d, group_of, j, term->estimate));
            continue;
        }
        const double *x = d->X + j * d->n;
        for (size_t i = 0; i < d->n; i++)
            best = fmax(best, term->estimate * x[i]);
    }
    return best;
}

ls_status ls_points_assign(ls_model *m, const ls_design *d, const ls_train_options *opts,
                           ls_error *err)
{
    double factor;
    m->round_to = opts->round_to > 0 ? opts->round_to : 1;
    if (opts->scaling == LS_POINTS_PDO) {
        if (!(opts->pdo > 0) || !(opts->base_odds > 0))
            return ls_fail(err, LS_ERR_USAGE, "PDO scaling needs pdo > 0 and base odds > 0");
        factor = opts->pdo / log(2.0);
        m->scale = LS_SCALE_PDO;
        m->pdo = opts->pdo;
        m->base_score = opts->base_score;
        m->base_odds = opts->base_odds;
        m->base_points = ls_points_round(opts->base_score - factor * log(opts->base_odds) +
                                         factor * m->terms[0].estimate);
    } else {
        if (!(opts->budget > 0))
            return ls_fail(err, LS_ERR_USAGE, "the points budget must be > 0");
        /* the group of each design column, so each criterion reads only its own levels */
        size_t *group_of = malloc((d->p ? d->p : 1) * sizeof *group_of);
        if (!group_of)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        for (size_t j = 0; j < d->p; j++)
            group_of[j] = (size_t)-1;
        for (size_t g = 0; g < d->n_groups; g++)
            for (size_t l = 0; l < d->groups[g].n_levels; l++)
                if (d->groups[g].term[l] >= 0)
                    group_of[d->groups[g].term[l]] = g;
        double total = 0;
        for (size_t c = 0; c < m->n_criteria; c++)
            total += criterion_max(m, d, group_of, c);
        free(group_of);
        factor = total > 0 ? opts->budget / total : 1;
        m->scale = LS_SCALE_BUDGET;
        m->budget = opts->budget;
        m->base_points = 0;
    }
    m->factor = factor;
    m->terms[0].points = m->base_points;
    for (size_t t = 1; t < m->n_terms; t++) {
        ls_term *term = &m->terms[t];
        double raw = isnan(term->estimate) ? 0 : factor * term->estimate;
        term->points = d->per_unit[t - 1] ? raw : round_to(raw, m->round_to);
    }
    for (size_t c = 0; c < m->n_criteria; c++)
        for (size_t k = 0; k < m->criteria[c].n_rules; k++) {
            ls_rule *r = &m->criteria[c].rules[k];
            if (r->term >= 0)
                r->points = m->terms[r->term].points;
        }
    return LS_OK;
}

/* Points each level of each group adds, for a grouped design. */
static double *level_points(const ls_model *m, const ls_design *d, size_t *off)
{
    size_t total = 0;
    for (size_t g = 0; g < d->n_groups; g++) {
        off[g] = total;
        total += d->groups[g].n_levels;
    }
    double *pts = malloc((total ? total : 1) * sizeof *pts);
    if (!pts)
        return NULL;
    for (size_t g = 0; g < d->n_groups; g++) {
        const ls_design_group *gr = &d->groups[g];
        for (size_t l = 0; l < gr->n_levels; l++) {
            int32_t j = gr->term[l];
            double p = j < 0 ? 0 : m->terms[j + 1].points, x = gr->value[l];
            pts[off[g] + l] = p == 0 ? 0 : d->per_unit[j] ? ls_points_round(p * x) : p * x;
        }
    }
    return pts;
}

typedef struct {
    const ls_design *d;
    const size_t *off;
    const double *pts;
    double base, *scores;
} scores_job;

static void scores_task(void *ctx, size_t t)
{
    const scores_job *job = ctx;
    const ls_design *d = job->d;
    size_t lo, hi;
    ls_parallel_range(d->n, 8, t, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        double s = job->base;
        for (size_t g = 0; g < d->n_groups; g++)
            s += job->pts[job->off[g] + ls_design_level(d, i, g)];
        job->scores[i] = s;
    }
}

ls_status ls_points_scores_grouped(const ls_model *m, const ls_design *d, double *scores)
{
    size_t ng = d->n_groups, *off = malloc((ng + 1) * sizeof *off);
    double *pts = off ? level_points(m, d, off) : NULL;
    if (!pts) {
        free(off);
        return LS_ERR_NOMEM;
    }
    scores_job job = {d, off, pts, m->base_points, scores};
    ls_parallel_run(8, scores_task, &job);
    free(pts);
    free(off);
    return LS_OK;
}

void ls_points_scores(const ls_model *m, const ls_design *d, double *scores)
{
    for (size_t i = 0; i < d->n; i++)
        scores[i] = m->base_points;
    for (size_t j = 0; j < d->p; j++) {
        double pts = m->terms[j + 1].points;
        const double *x = d->X + j * d->n;
        if (pts == 0)
            continue;
        if (d->per_unit[j])
            for (size_t i = 0; i < d->n; i++)
                scores[i] += ls_points_round(pts * x[i]);
        else
            for (size_t i = 0; i < d->n; i++)
                scores[i] += pts * x[i];
    }
}
