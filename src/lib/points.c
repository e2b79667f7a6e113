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

#include "error_internal.h"

double ls_points_round(double x)
{
    return floor(x + 0.5);
}

static double round_to(double x, double step)
{
    return step > 0 ? step * ls_points_round(x / step) : ls_points_round(x);
}

/* Largest contribution (in coefficient units) criterion c can make. */
static double criterion_max(const ls_model *m, const ls_design *d, size_t c)
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
        double total = 0;
        for (size_t c = 0; c < m->n_criteria; c++)
            total += criterion_max(m, d, c);
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
