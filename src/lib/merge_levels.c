/* Merging the levels of a categorical criterion whose effects cannot be told
 * apart.
 *
 * Rare levels are pooled by the encoder first (pool_below, into "(other)").
 * Then, with every other criterion of the model held in the fit, the levels
 * are merged agglomeratively: fit; compare every pair of level groups by a
 * Wald test of equal coefficients (the reference group's coefficient is 0);
 * Holm-adjust the p-values over the pairs; merge the pair with the largest
 * p-value while its adjusted p-value exceeds alpha; refit. Merging two groups
 * adds their indicator columns (or, for the reference group, removes the
 * other's). The last two groups are never merged: a criterion with one level
 * is no criterion, and whether it belongs in the model is the selection's
 * question. The merged model is tested against the unmerged one by the
 * likelihood ratio.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "error_internal.h"
#include "refine_internal.h"
#include "text.h"

void ls_merge_options_init(ls_merge_options *o)
{
    o->alpha = 0.05;
    o->max_merges = 0;
}

void ls_merge_result_release(ls_merge_result *r)
{
    if (!r)
        return;
    free(r->criterion);
    for (size_t i = 0; i < r->n_levels; i++) {
        free(r->levels[i].level);
        for (size_t v = 0; v < r->levels[i].n_values; v++)
            free(r->levels[i].values[v]);
        free(r->levels[i].values);
    }
    free(r->levels);
    for (size_t i = 0; i < r->n_groups; i++)
        free(r->groups[i].label);
    free(r->groups);
    memset(r, 0, sizeof *r);
}

/* A copy of src whose non-zeros of column j move to column map[j] (or are
 * dropped when map[j] < 0). Only the CSR arrays are owned by dst. */
static ls_status remap(const ls_xy *src, const long *map, ls_xy *dst)
{
    *dst = *src;
    size_t nnz = src->row_start[src->n];
    dst->row_start = malloc((src->n + 1) * sizeof *dst->row_start);
    dst->col = malloc((nnz ? nnz : 1) * sizeof *dst->col);
    dst->val = malloc((nnz ? nnz : 1) * sizeof *dst->val);
    if (!dst->row_start || !dst->col || !dst->val)
        return LS_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < src->n; i++) {
        dst->row_start[i] = k;
        for (size_t e = src->row_start[i]; e < src->row_start[i + 1]; e++) {
            long j = map[src->col[e]];
            if (j < 0)
                continue;
            dst->col[k] = (uint32_t)j;
            dst->val[k++] = src->val[e];
        }
    }
    dst->row_start[src->n] = k;
    return LS_OK;
}

static void remap_release(ls_xy *x)
{
    free(x->row_start);
    free(x->col);
    free(x->val);
}

typedef struct {
    size_t a, b;
    double p;
} pair;

static int by_p(const void *x, const void *y)
{
    const pair *u = x, *v = y;
    return (u->p > v->p) - (u->p < v->p);
}

/* Fits the model with the levels grouped by group_of (level 0 the
 * reference, level k >= 1 the group's column first + k - 1). */
static ls_status fit_grouped(const ls_xy *xy, size_t first, size_t L, const size_t *group_of,
                             size_t ref_group, const size_t *others, size_t n_others, size_t *rep,
                             ls_glm *fit, ls_error *err)
{
    long *map = malloc(xy->p * sizeof *map);
    size_t *cols = malloc((xy->p + 1) * sizeof *cols);
    ls_xy x;
    memset(&x, 0, sizeof x);
    ls_status st = LS_OK;
    if (!map || !cols) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < xy->p; j++)
        map[j] = (long)j;
    for (size_t g = 0; g < L; g++)
        rep[g] = (size_t)-1;
    for (size_t k = 1; k < L; k++) {
        size_t g = group_of[k], j = first + k - 1;
        if (g == ref_group) {
            map[j] = -1;
            continue;
        }
        if (rep[g] == (size_t)-1)
            rep[g] = j;
        map[j] = (long)rep[g];
    }
    if (remap(xy, map, &x) != LS_OK) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t m = 0;
    for (size_t k = 0; k < n_others; k++)
        cols[m++] = others[k];
    for (size_t g = 0; g < L; g++)
        if (rep[g] != (size_t)-1)
            cols[m++] = rep[g];
    st = ls_glm_fit(&x, NULL, cols, m, NULL, 1, fit, err);
done:
    remap_release(&x);
    free(map);
    free(cols);
    return st;
}

static double group_beta(const ls_glm *f, const size_t *rep, size_t g)
{
    return rep[g] == (size_t)-1 ? 0 : f->beta[rep[g] + 1];
}

static double group_cov(const ls_glm *f, const size_t *rep, size_t a, size_t b)
{
    if (rep[a] == (size_t)-1 || rep[b] == (size_t)-1)
        return 0;
    return f->cov[(rep[a] + 1) * (f->p + 1) + rep[b] + 1];
}

/* The data's values behind a level: the reference's (term -1) or those of
 * the rule of `term`; none for the missing values and (other). 0 when out
 * of memory. */
static int copy_level_values(const ls_criterion *c, long term, ls_merge_level *lv)
{
    char *const *values = NULL;
    size_t n = 0;
    if (term < 0)
        n = ls_reference_values(c, &values);
    for (size_t k = 0; term >= 0 && k < c->n_rules && !values; k++) {
        const ls_rule *r = &c->rules[k];
        if (r->term == term && (r->kind == LS_COND_EQUALS || r->kind == LS_COND_IN)) {
            values = r->values;
            n = r->n_values;
        }
    }
    if (n == 0)
        return 1;
    if (!(lv->values = calloc(n, sizeof *lv->values)))
        return 0;
    for (; lv->n_values < n; lv->n_values++)
        if (!(lv->values[lv->n_values] = ls_strdup(values[lv->n_values])))
            return 0;
    return 1;
}

ls_status ls_merge_xy(const ls_xy *xy, const ls_model *mdl, size_t group, const size_t *others,
                      size_t n_others, const ls_merge_options *opts, ls_merge_result *out,
                      ls_error *err)
{
    memset(out, 0, sizeof *out);
    ls_merge_options defaults;
    if (!opts) {
        ls_merge_options_init(&defaults);
        opts = &defaults;
    }
    const ls_criterion *c = &mdl->criteria[group];
    if (c->kind != LS_CRIT_CATEGORICAL)
        return ls_fail(err, LS_ERR_DATA, "'%s' is not categorical: only levels can be merged",
                       c->column);
    size_t first = xy->group_first[group], L = xy->group_count[group] + 1, n = xy->n;
    size_t *group_of = malloc(L * sizeof *group_of), *rep = malloc(L * sizeof *rep);
    size_t *level_of_row = malloc((n ? n : 1) * sizeof *level_of_row);
    size_t *ids = malloc(L * sizeof *ids);
    pair *pairs = malloc((L * L / 2 + 1) * sizeof *pairs);
    ls_glm fit, before;
    memset(&fit, 0, sizeof fit);
    memset(&before, 0, sizeof before);
    ls_status st = LS_OK;
    out->levels = calloc(L, sizeof *out->levels);
    out->criterion = ls_strdup(c->column);
    if (!group_of || !rep || !level_of_row || !ids || !pairs || !out->levels || !out->criterion)
        goto nomem;
    out->n_levels = L;
    size_t lc = strlen(c->column);
    for (size_t k = 0; k < L; k++) {
        const char *name = k == 0 ? c->reference : mdl->terms[first + k].name;
        if (k > 0 && strncmp(name, c->column, lc) == 0 && name[lc] == '=')
            name += lc + 1;
        if (!(out->levels[k].level = ls_strdup(name ? name : "")) ||
            !copy_level_values(c, k == 0 ? -1 : (long)(first + k), &out->levels[k]))
            goto nomem;
        group_of[k] = k;
    }
    for (size_t i = 0; i < n; i++) {
        level_of_row[i] = 0;
        for (size_t e = xy->row_start[i]; e < xy->row_start[i + 1]; e++)
            if (xy->col[e] >= first && xy->col[e] < first + L - 1)
                level_of_row[i] = xy->col[e] - first + 1;
        if (xy->w[i] > 0) {
            out->levels[level_of_row[i]].rows += xy->w[i];
            out->levels[level_of_row[i]].positives += xy->w[i] * xy->y[i];
        }
    }
    size_t groups = L, merges = 0;
    for (;;) {
        ls_glm_release(&fit);
        if ((st = fit_grouped(xy, first, L, group_of, group_of[0], others, n_others, rep, &fit,
                              err)) != LS_OK)
            goto done;
        if (merges == 0) {
            for (size_t k = 0; k < L; k++) {
                out->levels[k].estimate = group_beta(&fit, rep, k);
                double v = group_cov(&fit, rep, k, k);
                out->levels[k].std_error = k == 0 ? 0 : isnan(v) ? NAN : sqrt(v);
            }
            before.deviance = fit.deviance;
            before.rank = fit.rank;
        }
        if (groups <= 2 || (opts->max_merges && merges >= opts->max_merges))
            break;
        /* the distinct groups, by their lowest level */
        size_t np = 0, ng = 0;
        for (size_t k = 0; k < L; k++)
            if (group_of[k] == k)
                ids[ng++] = k;
        for (size_t a = 0; a < ng; a++)
            for (size_t b = a + 1; b < ng; b++) {
                size_t ga = ids[a], gb = ids[b];
                double d = group_beta(&fit, rep, ga) - group_beta(&fit, rep, gb);
                double v = group_cov(&fit, rep, ga, ga) + group_cov(&fit, rep, gb, gb) -
                           2 * group_cov(&fit, rep, ga, gb);
                int aliased = (rep[ga] != (size_t)-1 && !fit.in_fit[rep[ga] + 1]) ||
                              (rep[gb] != (size_t)-1 && !fit.in_fit[rep[gb] + 1]);
                double p = aliased || !(v > 0) ? 1 : 2 * gsl_cdf_ugaussian_Q(fabs(d) / sqrt(v));
                pairs[np++] = (pair){ga, gb, p};
            }
        qsort(pairs, np, sizeof *pairs, by_p);
        /* Holm: adjusted p of the largest raw p is the largest adjusted p */
        double adj = 0;
        for (size_t i = 0; i < np; i++)
            adj = fmax(adj, fmin(1, (double)(np - i) * pairs[i].p));
        if (!(adj > opts->alpha))
            break;
        size_t keep = pairs[np - 1].a, gone = pairs[np - 1].b; /* keep < gone: the reference
                                                                   group (0) always survives */
        for (size_t k = 0; k < L; k++)
            if (group_of[k] == gone)
                group_of[k] = keep;
        groups--;
        merges++;
    }
    out->deviance_before = before.deviance;
    out->deviance_after = fit.deviance;
    out->aic_before = before.deviance + 2 * (double)before.rank;
    out->aic_after = fit.deviance + 2 * (double)fit.rank;
    out->lr_chi2 = fit.deviance - before.deviance;
    out->lr_df = (double)before.rank - (double)fit.rank;
    out->lr_p = out->lr_df > 0 ? gsl_cdf_chisq_Q(fmax(out->lr_chi2, 0), out->lr_df) : NAN;
    out->groups = calloc(groups, sizeof *out->groups);
    if (!out->groups)
        goto nomem;
    for (size_t k = 0; k < L; k++) {
        if (group_of[k] != k)
            continue;
        ls_merge_group *g = &out->groups[out->n_groups];
        size_t len = 1;
        for (size_t q = 0; q < L; q++)
            if (group_of[q] == k)
                len += strlen(out->levels[q].level) + 3;
        if (!(g->label = malloc(len)))
            goto nomem;
        g->label[0] = '\0';
        for (size_t q = 0; q < L; q++) {
            if (group_of[q] != k)
                continue;
            if (g->label[0])
                strcat(g->label, " | ");
            strcat(g->label, out->levels[q].level);
            out->levels[q].group = out->n_groups;
            g->rows += out->levels[q].rows;
            g->positives += out->levels[q].positives;
        }
        g->reference = k == group_of[0];
        g->estimate = group_beta(&fit, rep, k);
        double v = group_cov(&fit, rep, k, k);
        g->std_error = g->reference ? 0 : isnan(v) ? NAN : sqrt(v);
        out->n_groups++;
    }
    goto done;
nomem:
    st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
done:
    ls_glm_release(&fit);
    free(group_of);
    free(rep);
    free(level_of_row);
    free(ids);
    free(pairs);
    if (st != LS_OK)
        ls_merge_result_release(out);
    return st;
}

ls_status ls_merge_levels(const ls_table *table, const ls_spec *spec, const ls_train_options *train,
                          const char *column, const ls_merge_options *opts, ls_merge_result *out,
                          ls_error *err)
{
    memset(out, 0, sizeof *out);
    ls_train_options defaults;
    if (!train) {
        ls_train_options_init(&defaults);
        train = &defaults;
    }
    ls_model *m = ls_model_alloc();
    ls_design d;
    ls_xy xy;
    memset(&d, 0, sizeof d);
    memset(&xy, 0, sizeof xy);
    size_t *others = NULL;
    if (!m)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ls_status st = ls_encode(table, spec, train, m, &d, NULL, err);
    if (st == LS_OK)
        st = ls_xy_init(&xy, &d, m, err);
    if (st != LS_OK)
        goto done;
    size_t g;
    for (g = 0; g < xy.n_groups; g++)
        if (strcmp(xy.group_name[g], column) == 0)
            break;
    if (g == xy.n_groups) {
        st = ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(table), 0, 0, column,
                        "not a criterion of the model (left out, or not in the data)");
        goto done;
    }
    if (!(others = malloc((xy.p + 1) * sizeof *others))) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t no = 0;
    for (size_t j = 0; j < xy.p; j++)
        if (xy.group_of[j] != g)
            others[no++] = j;
    st = ls_merge_xy(&xy, m, g, others, no, opts, out, err);
done:
    free(others);
    ls_xy_release(&xy);
    ls_design_release(&d);
    ls_model_free(m);
    return st;
}
