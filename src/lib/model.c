/* Points model: construction, accessors and release.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "model_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "text.h"

ls_model *ls_model_alloc(void)
{
    ls_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->round_to = 1;
    m->factor = 1;
    return m;
}

static void *grow_array(void *p, size_t n, size_t elem)
{
    /* Arrays here stay small (criteria, rules, terms): grow one at a time. */
    return realloc(p, (n + 1) * elem);
}

ls_criterion *ls_model_add_criterion(ls_model *m, const char *column, ls_crit_kind kind)
{
    ls_criterion *c = grow_array(m->criteria, m->n_criteria, sizeof *c);
    if (!c)
        return NULL;
    m->criteria = c;
    c = &m->criteria[m->n_criteria];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->cap_lo = NAN;
    c->cap_hi = NAN;
    c->joint_chi2 = c->joint_df = c->joint_p = NAN;
    c->column = ls_strdup(column);
    c->label = ls_strdup(column);
    if (!c->column || !c->label) {
        free(c->column);
        free(c->label);
        return NULL;
    }
    m->n_criteria++;
    return c;
}

ls_rule *ls_criterion_add_rule(ls_criterion *c, ls_cond_kind kind, const char *label)
{
    ls_rule *r = grow_array(c->rules, c->n_rules, sizeof *r);
    if (!r)
        return NULL;
    c->rules = r;
    r = &c->rules[c->n_rules];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->lo = -INFINITY;
    r->hi = INFINITY;
    r->cap = NAN;
    r->term = -1;
    r->label = ls_strdup(label ? label : "");
    if (!r->label)
        return NULL;
    c->n_rules++;
    return r;
}

int ls_rule_add_value(ls_rule *r, const char *value)
{
    char **v = grow_array(r->values, r->n_values, sizeof *v);
    if (!v)
        return 0;
    r->values = v;
    r->values[r->n_values] = ls_strdup(value);
    if (!r->values[r->n_values])
        return 0;
    r->n_values++;
    return 1;
}

ls_term *ls_model_add_term(ls_model *m, const char *name, long criterion)
{
    ls_term *t = grow_array(m->terms, m->n_terms, sizeof *t);
    if (!t)
        return NULL;
    m->terms = t;
    t = &m->terms[m->n_terms];
    memset(t, 0, sizeof *t);
    t->name = ls_strdup(name);
    if (!t->name)
        return NULL;
    t->criterion = criterion;
    t->estimate = t->std_error = t->z = t->p_value = t->ci_low = t->ci_high = NAN;
    m->n_terms++;
    return t;
}

static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
}

void ls_model_free(ls_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_criteria; i++) {
        ls_criterion *c = &m->criteria[i];
        for (size_t k = 0; k < c->n_rules; k++) {
            free_strings(c->rules[k].values, c->rules[k].n_values);
            free(c->rules[k].label);
        }
        free(c->rules);
        free(c->column);
        free(c->label);
        free(c->reference);
    }
    free(m->criteria);
    for (size_t i = 0; i < m->n_terms; i++)
        free(m->terms[i].name);
    free(m->terms);
    for (size_t i = 0; i < m->n_tiers; i++)
        free(m->tiers[i].name);
    free(m->tiers);
    free_strings(m->id_columns, m->n_id_columns);
    free_strings(m->missing_tokens, m->n_missing_tokens);
    free(m->target);
    free(m->positive);
    free(m->data_file);
    free(m->data_sha256);
    free(m->created);
    free(m->version);
    free(m->parent);
    free(m);
}

int ls_model_is_learned(const ls_model *m)
{
    return m->learned;
}

size_t ls_model_term_count(const ls_model *m)
{
    return m->n_terms;
}

ls_status ls_model_term(const ls_model *m, size_t i, ls_term_info *out)
{
    if (i >= m->n_terms)
        return LS_ERR_NOTFOUND;
    const ls_term *t = &m->terms[i];
    out->name = t->name;
    out->criterion = t->criterion >= 0 && (size_t)t->criterion < m->n_criteria
                         ? m->criteria[t->criterion].column
                         : NULL;
    out->estimate = t->estimate;
    out->std_error = t->std_error;
    out->z = t->z;
    out->p_value = t->p_value;
    out->ci_low = t->ci_low;
    out->ci_high = t->ci_high;
    out->points = t->points;
    out->aliased = t->aliased;
    return LS_OK;
}

size_t ls_model_tier_count(const ls_model *m)
{
    return m->n_tiers;
}

const char *ls_model_tier_name(const ls_model *m, size_t i)
{
    return i < m->n_tiers ? m->tiers[i].name : NULL;
}

double ls_model_tier_min(const ls_model *m, size_t i)
{
    return i < m->n_tiers ? m->tiers[i].min_score : NAN;
}

static int tier_cmp(const void *a, const void *b)
{
    const ls_tier *x = a, *y = b;
    return (x->min_score < y->min_score) - (x->min_score > y->min_score);
}

ls_status ls_model_set_tiers(ls_model *m, const char *const *names, const double *min_scores,
                             size_t n, ls_error *err)
{
    ls_tier *tiers = calloc(n ? n : 1, sizeof *tiers);
    if (!tiers)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!names[i] || !names[i][0] || isnan(min_scores[i])) {
            for (size_t k = 0; k < i; k++)
                free(tiers[k].name);
            free(tiers);
            return ls_fail(err, LS_ERR_USAGE, "tier %zu needs a name and a minimum score", i + 1);
        }
        tiers[i].name = ls_strdup(names[i]);
        tiers[i].min_score = min_scores[i];
        if (!tiers[i].name) {
            for (size_t k = 0; k < i; k++)
                free(tiers[k].name);
            free(tiers);
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        }
    }
    qsort(tiers, n, sizeof *tiers, tier_cmp);
    for (size_t i = 0; i < m->n_tiers; i++)
        free(m->tiers[i].name);
    free(m->tiers);
    m->tiers = tiers;
    m->n_tiers = n;
    return LS_OK;
}

const ls_rule *ls_merged_reference_rule(const ls_criterion *c)
{
    for (size_t k = 0; k < c->n_rules; k++)
        if (c->rules[k].kind == LS_COND_IN && c->rules[k].term < 0 && c->kind != LS_CRIT_RULES)
            return &c->rules[k];
    return NULL;
}

size_t ls_reference_values(const ls_criterion *c, char *const **values)
{
    *values = NULL;
    if (!c->reference)
        return 0;
    const ls_rule *merged = ls_merged_reference_rule(c);
    if (merged) {
        *values = merged->values;
        return merged->n_values;
    }
    int missing_rule = 0;
    for (size_t k = 0; k < c->n_rules; k++)
        missing_rule |= c->rules[k].kind == LS_COND_MISSING;
    if (!missing_rule && strcmp(c->reference, "missing") == 0)
        return 0; /* the encoder's level for the missing values */
    *values = &c->reference;
    return 1;
}
