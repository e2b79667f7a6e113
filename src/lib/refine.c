/* The quarterly refinement: split → banding → selection → fit on the
 * training leads → tiers → held-out validation against the points in use →
 * per-criterion comparison of old and new points, and the Markdown report.
 *
 * Decisions (the report states them too):
 *  - Holdout and out-of-time: everything learned (bands, selection,
 *    coefficients) comes from the training leads; the model saved is the one
 *    validated, and its tiers are cut on the held-out scores.
 *  - K folds: selection and fit are repeated inside each fold and the
 *    metrics pool the out-of-fold probabilities; the model saved is fitted on
 *    every lead (bands from every lead, tiers cut on its in-sample scores).
 *  - Both models are scored through the scorer, as `leadscore score` would
 *    score them: the refined model's held-out AUC is that of its integer
 *    points, like the baseline's.
 *  - Old → new points: for each rule of the baseline, the refined model's
 *    points for the same leads are the mean contribution of the refined
 *    criterion over the leads the rule matches minus its mean over the leads
 *    the baseline criterion gives no points (all leads when every lead gets
 *    some); a linear combination of the coefficients, so its 95% interval
 *    comes from their covariance.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "ini_util.h"
#include "leadscore/scorer.h"
#include "points_table.h"
#include "refine_internal.h"
#include "spec.h"
#include "text.h"

#ifndef LEADSCORE_VERSION
#define LEADSCORE_VERSION "unknown"
#endif

#define Z95 1.959963984540054
#define REFINE_RIDGE 1.0 /* l2 when the training leads separate (sklearn's C = 1) */

void ls_refine_options_init(ls_refine_options *o)
{
    memset(o, 0, sizeof *o);
    ls_train_options_init(&o->train);
    o->validate = LS_VALIDATE_HOLDOUT;
    o->holdout = 0.25;
    o->folds = 5;
    o->seed = 1;
    ls_select_options_init(&o->select);
    ls_band_options_init(&o->band);
    o->merge = 1;
    ls_merge_options_init(&o->merge_opts);
    ls_tier_options_init(&o->tiers);
}

ls_model *ls_refine_take_model(ls_refine_result *r)
{
    ls_model *m = r ? r->model : NULL;
    if (r)
        r->model = NULL;
    return m;
}

void ls_refine_free(ls_refine_result *r)
{
    if (!r)
        return;
    ls_model_free(r->model);
    ls_selection_release(&r->selection);
    for (size_t i = 0; i < r->n_bandings; i++)
        ls_banding_release(&r->bandings[i]);
    free(r->bandings);
    for (size_t i = 0; i < r->n_merges; i++)
        ls_merge_result_release(&r->merges[i]);
    free(r->merges);
    for (size_t i = 0; i < r->n_changes; i++) {
        free(r->changes[i].criterion);
        free(r->changes[i].condition);
        free(r->changes[i].label);
    }
    free(r->changes);
    free(r->fold_auc);
    free(r->test);
    ls_notes_free(r->notes, r->n_notes);
    free(r);
}

/* ======================================================================== */
/* The spec with the learned bands                                           */

typedef struct {
    ls_spec s;              /* shallow copy of the caller's spec, own criteria array */
    unsigned char *own_col; /* per criterion: column allocated here */
    unsigned char *own_bands;
} spec_overlay;

static void overlay_release(spec_overlay *o)
{
    for (size_t i = 0; i < o->s.n_criteria; i++) {
        ls_spec_criterion *c = &o->s.criteria[i];
        if (o->own_bands && o->own_bands[i]) {
            for (size_t k = 0; k < c->n_bands; k++)
                free(c->bands[k]);
            free(c->bands);
            free(c->band_lo);
        }
        if (o->own_col && o->own_col[i])
            free(c->column);
    }
    free(o->s.criteria);
    free(o->own_col);
    free(o->own_bands);
    memset(o, 0, sizeof *o);
}

static ls_status overlay_init(spec_overlay *o, const ls_spec *base, const ls_banding *b, size_t nb,
                              ls_error *err)
{
    memset(o, 0, sizeof *o);
    if (base) {
        o->s = *base;
    } else {
        o->s.pool_below = -1;
    }
    size_t n = base ? base->n_criteria : 0;
    o->s.criteria = calloc(n + nb + 1, sizeof *o->s.criteria);
    o->own_col = calloc(n + nb + 1, 1);
    o->own_bands = calloc(n + nb + 1, 1);
    o->s.n_criteria = n;
    if (!o->s.criteria || !o->own_col || !o->own_bands)
        goto nomem;
    if (n)
        memcpy(o->s.criteria, base->criteria, n * sizeof *o->s.criteria);
    for (size_t k = 0; k < nb; k++) {
        size_t i;
        for (i = 0; i < o->s.n_criteria; i++)
            if (strcmp(o->s.criteria[i].column, b[k].column) == 0)
                break;
        ls_spec_criterion *c = &o->s.criteria[i];
        if (i == o->s.n_criteria) {
            memset(c, 0, sizeof *c);
            c->cap_lo = c->cap_hi = NAN;
            c->pool_below = -1;
            o->s.n_criteria++;
            if (!(c->column = ls_strdup(b[k].column)))
                goto nomem;
            o->own_col[i] = 1;
        }
        size_t cnt = 0;
        for (size_t q = 0; q < b[k].n_bands; q++)
            cnt += !b[k].bands[q].is_missing;
        c->bands = calloc(cnt + 1, sizeof *c->bands);
        c->band_lo = malloc((cnt + 1) * sizeof *c->band_lo);
        c->n_bands = 0;
        o->own_bands[i] = 1;
        if (!c->bands || !c->band_lo)
            goto nomem;
        for (size_t q = 0; q < b[k].n_bands; q++) {
            if (b[k].bands[q].is_missing)
                continue;
            c->band_lo[c->n_bands] = b[k].bands[q].lo;
            if (!(c->bands[c->n_bands++] = ls_strdup(b[k].bands[q].label)))
                goto nomem;
        }
        c->type = LS_TYPE_NUMERIC;
        c->reference = NULL; /* the spec's reference band may not exist any more */
        c->log1p = 0;
    }
    return LS_OK;
nomem:
    overlay_release(o);
    return ls_fail(err, LS_ERR_NOMEM, "out of memory");
}

/* ======================================================================== */
/* Scoring the table's rows                                                  */

/* Text of a row's field as the scorer gets it from a file ("" = missing). */
static const char *field_text(const ls_table *t, size_t col, size_t row)
{
    uint32_t code = ls_table_codes(t, col)[row];
    return code == LS_MISSING_CODE ? "" : ls_table_level(t, col, code);
}

static ls_status score_rows(const ls_model *m, const ls_table *t, const char *what, double *score,
                            double *prob, ls_error *err)
{
    size_t nc = ls_table_columns(t), n = ls_table_rows(t);
    const char **names = malloc((nc ? nc : 1) * sizeof *names);
    const char **fields = malloc((nc ? nc : 1) * sizeof *fields);
    ls_scorer *sc = NULL;
    ls_status st = LS_OK;
    if (!names || !fields) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t c = 0; c < nc; c++)
        names[c] = ls_table_column_name(t, c);
    if ((st = ls_scorer_new(m, names, nc, &sc, err)) != LS_OK) {
        char msg[LS_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "%.100s: %.400s", what, err ? err->message : "");
        if (err)
            snprintf(err->message, sizeof err->message, "%s", msg);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < nc; c++)
            fields[c] = field_text(t, c, i);
        ls_score_result res;
        if ((st = ls_scorer_score(sc, fields, &res, err)) != LS_OK) {
            if (err) {
                snprintf(err->file, sizeof err->file, "%s", ls_table_source(t));
                err->line = ls_table_line(t, i);
            }
            goto done;
        }
        score[i] = res.score;
        prob[i] = res.probability;
    }
done:
    ls_scorer_free(sc);
    free(names);
    free(fields);
    return st;
}

/* ======================================================================== */
/* Which rule of a criterion a value meets (model_internal.h's semantics)    */

static int is_missing_text(const ls_model *m, const char *v)
{
    if (!v[0])
        return 1;
    for (size_t i = 0; i < m->n_missing_tokens; i++)
        if (strcmp(m->missing_tokens[i], v) == 0)
            return 1;
    return 0;
}

static int range_ok(const ls_rule *r, double x)
{
    return (r->lo_open ? x > r->lo : x >= r->lo) && (r->hi_open ? x < r->hi : x <= r->hi);
}

static int value_x(const ls_criterion *c, const char *v, double *x)
{
    if (ls_parse_number(v, x) != LS_NUM_OK)
        return 0;
    if (!isnan(c->cap_lo) && *x < c->cap_lo)
        *x = c->cap_lo;
    if (!isnan(c->cap_hi) && *x > c->cap_hi)
        *x = c->cap_hi;
    if (c->log1p)
        *x = log1p(*x);
    return isfinite(*x);
}

static int in_values(const ls_rule *r, const char *v)
{
    for (size_t i = 0; i < r->n_values; i++)
        if (strcmp(r->values[i], v) == 0)
            return 1;
    return 0;
}

static int smart_equals(const char *rule, const char *v)
{
    int a, b;
    double x, y;
    if (ls_parse_bool(rule, &a) && ls_parse_bool(v, &b))
        return a == b;
    if (ls_parse_number(rule, &x) == LS_NUM_OK && ls_parse_number(v, &y) == LS_NUM_OK)
        return x == y;
    return strcmp(rule, v) == 0;
}

/* Index of the rule v meets, -1 for none (0 points). */
static long rule_of(const ls_model *m, const ls_criterion *c, const char *v)
{
    if (is_missing_text(m, v)) {
        long any = -1;
        for (size_t k = 0; k < c->n_rules; k++) {
            if (c->rules[k].kind == LS_COND_MISSING)
                return (long)k;
            if (c->rules[k].kind == LS_COND_ANY && any < 0)
                any = (long)k;
        }
        return c->kind == LS_CRIT_RULES ? any : -1;
    }
    double x;
    int b;
    switch (c->kind) {
    case LS_CRIT_CATEGORICAL:
        for (size_t k = 0; k < c->n_rules; k++)
            if ((c->rules[k].kind == LS_COND_EQUALS || c->rules[k].kind == LS_COND_IN) &&
                in_values(&c->rules[k], v))
                return (long)k;
        if (c->reference && strcmp(c->reference, v) == 0)
            return -1;
        for (size_t k = 0; k < c->n_rules; k++)
            if (c->rules[k].kind == LS_COND_OTHER)
                return (long)k;
        return -1;
    case LS_CRIT_BOOLEAN:
        if (!ls_parse_bool(v, &b) || !b)
            return -1;
        for (size_t k = 0; k < c->n_rules; k++)
            if (c->rules[k].kind == LS_COND_TRUE)
                return (long)k;
        return -1;
    case LS_CRIT_NUMERIC:
    case LS_CRIT_BANDED:
        if (!value_x(c, v, &x))
            return -1;
        for (size_t k = 0; k < c->n_rules; k++)
            if (c->rules[k].kind == LS_COND_PER_UNIT ||
                (c->rules[k].kind == LS_COND_RANGE && range_ok(&c->rules[k], x)))
                return (long)k;
        return -1;
    default:
        break;
    }
    int have_x = -1;
    for (size_t k = 0; k < c->n_rules; k++) {
        const ls_rule *r = &c->rules[k];
        switch (r->kind) {
        case LS_COND_EQUALS:
            if (r->n_values && smart_equals(r->values[0], v))
                return (long)k;
            break;
        case LS_COND_IN:
            if (in_values(r, v))
                return (long)k;
            break;
        case LS_COND_RANGE:
        case LS_COND_PER_UNIT:
            if (have_x < 0)
                have_x = value_x(c, v, &x);
            if (have_x && (r->kind == LS_COND_PER_UNIT || range_ok(r, x)))
                return (long)k;
            break;
        case LS_COND_TRUE:
            if (ls_parse_bool(v, &b) && b)
                return (long)k;
            break;
        case LS_COND_OTHER:
        case LS_COND_ANY:
            return (long)k;
        default:
            break;
        }
    }
    return -1;
}

/* ======================================================================== */
/* Old points → new points                                                   */

typedef struct {
    const ls_table *t;
    const ls_xy *xy;
    const ls_glm *fit; /* the refined fit on the design's columns, with covariance */
    const ls_model *refined;
    const ls_model *encoded; /* the candidates' encoding (column → term names) */
    double factor;
    ls_refine_result *r;
    double *c; /* p: contrast */
} changes_ctx;

static ls_status add_change(ls_refine_result *r, const char *criterion, const char *condition,
                            const char *label, double old_points, double new_points, double lo,
                            double hi, double rows, int kept)
{
    ls_points_change *grown = realloc(r->changes, (r->n_changes + 1) * sizeof *grown);
    if (!grown)
        return LS_ERR_NOMEM;
    r->changes = grown;
    ls_points_change *ch = &grown[r->n_changes];
    memset(ch, 0, sizeof *ch);
    ch->criterion = ls_strdup(criterion);
    ch->condition = ls_strdup(condition ? condition : "");
    ch->label = ls_strdup(label ? label : "");
    r->n_changes++;
    if (!ch->criterion || !ch->condition || !ch->label)
        return LS_ERR_NOMEM;
    ch->old_points = old_points;
    ch->new_points = new_points;
    ch->new_low = lo;
    ch->new_high = hi;
    ch->rows = rows;
    ch->criterion_kept = kept;
    return LS_OK;
}

/* The design group of the refined model's criterion for column, or -1 when
 * the refined model does not use it. */
static long refined_group(const changes_ctx *x, const char *column)
{
    for (size_t g = 0; g < x->xy->n_groups; g++)
        if (strcmp(x->xy->group_name[g], column) == 0) {
            size_t first = x->xy->group_first[g];
            for (size_t k = 0; k < x->xy->group_count[g]; k++)
                if (x->fit->in_fit[first + k + 1])
                    return (long)g;
            return -1;
        }
    return -1;
}

/* Contribution difference, in points, between leads matching `match` and
 * the base leads, over the columns of group g: value and 95% interval. */
static void contrast(const changes_ctx *x, size_t g, const long *rule, long which, const int *base,
                     double *value, double *lo, double *hi)
{
    const ls_xy *xy = x->xy;
    size_t n = xy->n, first = xy->group_first[g], cnt = xy->group_count[g], p = xy->p;
    const double *X = xy->design->X;
    double nm = 0, nb = 0;
    for (size_t k = 0; k < cnt; k++)
        x->c[k] = 0;
    for (size_t i = 0; i < n; i++) {
        nm += rule[i] == which;
        nb += base[i] != 0;
    }
    /* c = mean of each column over the matching leads - its mean over the base leads */
    for (size_t k = 0; k < cnt; k++) {
        const double *col = X + (first + k) * n;
        double sm = 0, sb = 0;
        for (size_t i = 0; i < n; i++) {
            if (rule[i] == which)
                sm += col[i];
            if (base[i])
                sb += col[i];
        }
        x->c[k] = (nm > 0 ? sm / nm : 0) - (nb > 0 ? sb / nb : 0);
    }
    double est = 0, var = 0;
    for (size_t a = 0; a < cnt; a++) {
        size_t ja = first + a + 1;
        if (!x->fit->in_fit[ja])
            continue;
        est += x->c[a] * x->fit->beta[ja];
        for (size_t b = 0; b < cnt; b++) {
            size_t jb = first + b + 1;
            if (x->fit->in_fit[jb])
                var += x->c[a] * x->c[b] * x->fit->cov[ja * (p + 1) + jb];
        }
    }
    double se = sqrt(fmax(var, 0));
    *value = x->factor * est;
    *lo = x->factor * (est - Z95 * se);
    *hi = x->factor * (est + Z95 * se);
}

static ls_status compare_points(changes_ctx *x, const ls_model *old, ls_error *err)
{
    const ls_table *t = x->t;
    size_t n = ls_table_rows(t);
    long *rule = malloc((n ? n : 1) * sizeof *rule);
    int *base = malloc((n ? n : 1) * sizeof *base);
    unsigned char *seen = calloc(x->xy->n_groups + 1, 1);
    ls_status st = LS_OK;
    if (!rule || !base || !seen)
        goto nomem;
    for (size_t ci = 0; ci < old->n_criteria; ci++) {
        const ls_criterion *c = &old->criteria[ci];
        size_t col = ls_table_find_column(t, c->column);
        long g = refined_group(x, c->column);
        if (g >= 0)
            seen[g] = 1;
        int any_base = 0;
        for (size_t i = 0; i < n; i++) {
            rule[i] = col == (size_t)-1 ? -1 : rule_of(old, c, field_text(t, col, i));
            base[i] = rule[i] < 0 || c->rules[rule[i]].points == 0;
            any_base |= base[i];
        }
        if (!any_base)
            for (size_t i = 0; i < n; i++)
                base[i] = 1;
        for (size_t k = 0; k < c->n_rules; k++) {
            const ls_rule *r = &c->rules[k];
            double rows = 0;
            for (size_t i = 0; i < n; i++)
                rows += rule[i] == (long)k;
            double v = NAN, lo = NAN, hi = NAN;
            if (g < 0) {
                v = lo = hi = 0; /* the refined model gives this criterion no points */
            } else if (r->kind == LS_COND_PER_UNIT) {
                v = NAN; /* per-unit points compare only with a per-unit term: below */
                const ls_xy *xy = x->xy;
                for (size_t q = 0; q < xy->group_count[g]; q++) {
                    size_t j = xy->group_first[g] + q;
                    if (xy->design->per_unit[j] && x->fit->in_fit[j + 1]) {
                        double b = x->fit->beta[j + 1];
                        double se = sqrt(x->fit->cov[(j + 1) * (xy->p + 1) + j + 1]);
                        v = x->factor * b;
                        lo = x->factor * (b - Z95 * se);
                        hi = x->factor * (b + Z95 * se);
                    }
                }
            } else if (rows > 0) {
                contrast(x, (size_t)g, rule, (long)k, base, &v, &lo, &hi);
            }
            char *cond = ls_points_condition_text(c, r);
            if (!cond)
                goto nomem;
            st = add_change(x->r, c->column, cond, r->label, r->points, v, lo, hi, rows, g >= 0);
            free(cond);
            if (st != LS_OK)
                goto nomem;
        }
    }
    /* criteria only the refined model uses: its own rules */
    for (size_t ci = 0; ci < x->refined->n_criteria; ci++) {
        const ls_criterion *c = &x->refined->criteria[ci];
        long g = refined_group(x, c->column);
        if (g < 0 || seen[g])
            continue;
        for (size_t k = 0; k < c->n_rules; k++) {
            const ls_rule *r = &c->rules[k];
            const ls_term *term = r->term >= 0 && (size_t)r->term < x->refined->n_terms
                                      ? &x->refined->terms[r->term]
                                      : NULL;
            double lo = term ? x->factor * term->ci_low : NAN;
            double hi = term ? x->factor * term->ci_high : NAN;
            char *cond = ls_points_condition_text(c, r);
            if (!cond)
                goto nomem;
            st = add_change(x->r, c->column, cond, r->label, NAN, r->points, lo, hi, NAN, 1);
            free(cond);
            if (st != LS_OK)
                goto nomem;
        }
    }
    goto done;
nomem:
    st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
done:
    free(rule);
    free(base);
    free(seen);
    return st;
}

/* ======================================================================== */
/* The refinement                                                            */

static ls_status note(ls_refine_result *r, ls_error *err, const char *fmt, ...) LS_PRINTF(3, 4);
static ls_status note(ls_refine_result *r, ls_error *err, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ls_notes_add(&r->notes, &r->n_notes, "%s", buf) == LS_OK
               ? LS_OK
               : ls_fail(err, LS_ERR_NOMEM, "out of memory");
}

/* K-fold validation: selection and fit inside each fold, out-of-fold
 * probabilities pooled. */
static ls_status fold_validation(ls_refine_result *r, const ls_xy *xy, const ls_spec *spec,
                                 const unsigned *fold, double *p_oof, ls_error *err)
{
    const ls_refine_options *o = &r->opts;
    size_t n = xy->n, K = o->folds, p = xy->p;
    double *wf = malloc(n * sizeof *wf), *eta = malloc(n * sizeof *eta);
    double *sc = malloc(n * sizeof *sc), *yy = malloc(n * sizeof *yy);
    size_t *groups = malloc((xy->n_groups + 1) * sizeof *groups);
    size_t *cols = malloc((p + 1) * sizeof *cols);
    ls_status st = LS_OK;
    r->fold_auc = calloc(K, sizeof *r->fold_auc);
    if (!wf || !eta || !sc || !yy || !groups || !cols || !r->fold_auc) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    r->n_folds = K;
    ls_select_options so = o->select;
    so.evidence = 0; /* only the choice matters inside a fold */
    so.cv_auc = 0;
    so.seed = o->seed + 1;
    for (size_t f = 0; f < K; f++) {
        ls_xy xf = *xy;
        xf.w = wf;
        xf.rows = 0;
        for (size_t i = 0; i < n; i++) {
            wf[i] = fold[i] == f ? 0 : xy->w[i];
            xf.rows += wf[i] > 0;
        }
        ls_selection sel;
        if ((st = ls_select_xy(&xf, spec, &so, &sel, err)) != LS_OK)
            goto done;
        size_t ng = 0;
        for (size_t g = 0; g < sel.n_items; g++)
            if (sel.items[g].kept)
                groups[ng++] = g;
        ls_selection_release(&sel);
        size_t m = ls_xy_columns(xy, groups, ng, cols);
        ls_glm fit;
        if ((st = ls_glm_fit(&xf, NULL, cols, m, NULL, 0, &fit, err)) != LS_OK)
            goto done;
        ls_glm_eta(xy, &fit, eta);
        ls_glm_release(&fit);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (fold[i] == f) {
                p_oof[i] = 1 / (1 + exp(-eta[i]));
                sc[k] = eta[i];
                yy[k++] = xy->y[i];
            }
        r->fold_auc[f] = ls_auc(sc, yy, NULL, k);
    }
done:
    free(wf);
    free(eta);
    free(sc);
    free(yy);
    free(groups);
    free(cols);
    return st;
}

static ls_status add_exclusions(const ls_refine_options *o, const ls_selection *sel,
                                const char ***out, size_t *n)
{
    size_t cap = o->train.n_exclude + 1 + (sel ? sel->n_items : 0);
    const char **ex = malloc((cap + 1) * sizeof *ex);
    if (!ex)
        return LS_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < o->train.n_exclude; i++)
        ex[k++] = o->train.exclude[i];
    if (o->validate == LS_VALIDATE_TIME && o->time_column)
        ex[k++] = o->time_column;
    for (size_t i = 0; sel && i < sel->n_items; i++)
        if (!sel->items[i].kept)
            ex[k++] = sel->items[i].criterion;
    *out = ex;
    *n = k;
    return LS_OK;
}

ls_status ls_refine(const ls_table *table, const ls_spec *spec, const ls_refine_options *opts,
                    ls_refine_result **out, ls_error *err)
{
    *out = NULL;
    ls_refine_result *r = calloc(1, sizeof *r);
    if (!r)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    r->opts = *opts;
    const ls_refine_options *o = &r->opts;
    size_t n = ls_table_rows(table);
    ls_model *enc0 = NULL, *enc = NULL;
    ls_design d0, d;
    ls_xy xy;
    ls_glm fit;
    spec_overlay ov;
    memset(&d0, 0, sizeof d0);
    memset(&d, 0, sizeof d);
    memset(&xy, 0, sizeof xy);
    memset(&fit, 0, sizeof fit);
    memset(&ov, 0, sizeof ov);
    ls_train_report trep;
    memset(&trep, 0, sizeof trep);
    const char **exclude = NULL;
    size_t n_exclude = 0;
    unsigned char *test = r->test = calloc(n + 1, 1); /* owned by r from here */
    unsigned *fold = NULL;
    double *train_w = malloc((n + 1) * sizeof *train_w);
    double *score_new = malloc((n + 1) * sizeof *score_new);
    double *p_new = malloc((n + 1) * sizeof *p_new);
    double *score_old = malloc((n + 1) * sizeof *score_old);
    double *p_old = malloc((n + 1) * sizeof *p_old);
    double *es = malloc((n + 1) * sizeof *es), *ep = malloc((n + 1) * sizeof *ep);
    double *ey = malloc((n + 1) * sizeof *ey), *eo = malloc((n + 1) * sizeof *eo);
    double *p_oof = NULL;
    size_t *groups = NULL, *cols = NULL;
    double *contrast_buf = NULL;
    ls_status st = LS_OK;
    if (!test || !train_w || !score_new || !p_new || !score_old || !p_old || !es || !ep || !ey ||
        !eo)
        goto nomem;
    if (o->validate == LS_VALIDATE_TIME && (!o->time_column || !o->time_split)) {
        st = ls_fail(err, LS_ERR_USAGE, "an out-of-time split needs a date column and a date");
        goto done;
    }

    /* 1. the outcome and the split */
    ls_train_options topt = o->train;
    topt.row_weights = NULL;
    if ((st = add_exclusions(o, NULL, &exclude, &n_exclude)) != LS_OK)
        goto nomem;
    topt.exclude = exclude;
    topt.n_exclude = n_exclude;
    if (!(enc0 = ls_model_alloc()))
        goto nomem;
    if ((st = ls_encode(table, spec, &topt, enc0, &d0, NULL, err)) != LS_OK)
        goto done;
    const double *y = d0.y;
    for (size_t i = 0; i < n; i++)
        train_w[i] = d0.w ? (d0.w[i] > 0) : 1;
    switch (o->validate) {
    case LS_VALIDATE_HOLDOUT:
        st = ls_split_holdout(y, d0.w, n, o->holdout, o->seed, test, err);
        break;
    case LS_VALIDATE_TIME:
        st = ls_split_time(table, o->time_column, o->time_split, test, err);
        break;
    case LS_VALIDATE_FOLDS:
        if (!(fold = malloc((n + 1) * sizeof *fold)))
            goto nomem;
        st = ls_split_kfold(y, d0.w, n, o->folds, o->seed, fold, err);
        break;
    }
    if (st != LS_OK)
        goto done;
    int held_out = o->validate != LS_VALIDATE_FOLDS;
    for (size_t i = 0; i < n; i++) {
        if (held_out && test[i])
            train_w[i] = 0;
        r->rows += !d0.w || d0.w[i] > 0;
        r->positives += (!d0.w || d0.w[i] > 0) && y[i] > 0.5;
        r->train_rows += train_w[i] > 0;
        r->test_rows += held_out && test[i] && (!d0.w || d0.w[i] > 0);
    }
    if (!held_out)
        r->test_rows = r->rows;
    if (!held_out)
        memset(test, 0, n);

    /* 2. bands, learned on the training leads */
    if (o->n_band_columns) {
        r->bandings = calloc(o->n_band_columns, sizeof *r->bandings);
        if (!r->bandings)
            goto nomem;
        for (size_t k = 0; k < o->n_band_columns; k++) {
            if ((st = ls_band_numeric(table, o->band_columns[k], y, train_w, &o->band,
                                      &r->bandings[k], err)) != LS_OK)
                goto done;
            r->n_bandings++;
        }
    }
    if ((st = overlay_init(&ov, spec, r->bandings, r->n_bandings, err)) != LS_OK)
        goto done;

    /* 3. candidates encoded on the training leads, and selection */
    topt.row_weights = train_w;
    if (!(enc = ls_model_alloc()))
        goto nomem;
    if ((st = ls_encode(table, &ov.s, &topt, enc, &d, NULL, err)) != LS_OK)
        goto done;
    if ((st = ls_xy_init(&xy, &d, enc, err)) != LS_OK)
        goto done;
    if ((st = ls_select_xy(&xy, &ov.s, &o->select, &r->selection, err)) != LS_OK)
        goto done;

    /* 4. the refined model: the selected criteria fitted on the training leads */
    free(exclude);
    exclude = NULL;
    if ((st = add_exclusions(o, &r->selection, &exclude, &n_exclude)) != LS_OK)
        goto nomem;
    ls_train_options fopt = o->train;
    fopt.exclude = exclude;
    fopt.n_exclude = n_exclude;
    fopt.row_weights = held_out ? train_w : NULL;
    st = ls_train(table, &ov.s, &fopt, o->data_path, &r->model, &trep, err);
    if (st == LS_ERR_SEPARATION && fopt.fit.l2 == 0 && fopt.fit.l1 == 0) {
        /* a holdout makes rare levels rarer: rather than fail, shrink a little */
        char why[LS_ERROR_MESSAGE_MAX];
        snprintf(why, sizeof why, "%s", err ? err->message : "");
        ls_error_clear(err);
        fopt.fit.l2 = REFINE_RIDGE;
        if ((st = note(r, err,
                       "the maximum-likelihood fit does not exist on the training leads (%s); "
                       "the refined model is fitted with a ridge penalty l2 = %g instead",
                       why, REFINE_RIDGE)) != LS_OK)
            goto done;
        st = ls_train(table, &ov.s, &fopt, o->data_path, &r->model, &trep, err);
    }
    if (st != LS_OK)
        goto done;
    for (size_t i = 0; i < trep.n_notes; i++)
        if ((st = note(r, err, "%s", trep.notes[i])) != LS_OK)
            goto done;
    for (size_t i = 0; i < r->selection.n_notes; i++)
        if ((st = note(r, err, "%s", r->selection.notes[i])) != LS_OK)
            goto done;
    groups = malloc((xy.p + xy.n_groups + 1) * sizeof *groups); /* groups, later columns */
    cols = malloc((xy.p + 1) * sizeof *cols);
    if (!groups || !cols)
        goto nomem;
    size_t ng = 0;
    for (size_t g = 0; g < r->selection.n_items; g++)
        if (r->selection.items[g].kept)
            groups[ng++] = g;
    size_t m = ls_xy_columns(&xy, groups, ng, cols);
    if ((st = ls_glm_fit_ridge(&xy, NULL, cols, m, fopt.fit.l2, 1, &fit, err)) != LS_OK)
        goto done;

    /* 5. both models scored as `score` would score them */
    if ((st = score_rows(r->model, table, "the refined model", score_new, p_new, err)) != LS_OK)
        goto done;
    if (o->baseline &&
        (st = score_rows(o->baseline, table, "the baseline", score_old, p_old, err)) != LS_OK)
        goto done;
    r->has_baseline = o->baseline != NULL;

    /* 6. the leads the numbers are measured on */
    size_t ne = 0;
    int old_has_p = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(!d0.w || d0.w[i] > 0) || (held_out && !test[i]))
            continue;
        es[ne] = score_new[i];
        ep[ne] = p_new[i];
        ey[ne] = y[i];
        eo[ne] = o->baseline ? score_old[i] : 0;
        old_has_p |= o->baseline && !isnan(p_old[i]);
        ne++;
    }
    /* tiers: cut on the held-out scores (folds: the saved model's own scores) */
    if ((st = ls_tiers_from_scores(es, ey, ne, &o->tiers, &r->tiers, err)) != LS_OK)
        goto done;
    if ((st = ls_tiers_apply(r->model, &r->tiers, err)) != LS_OK)
        goto done;
    if (held_out) {
        if ((st = ls_validate(es, ep, ey, ne, r->model, &r->refined, err)) != LS_OK)
            goto done;
    } else {
        if (!(p_oof = malloc((n + 1) * sizeof *p_oof)))
            goto nomem;
        if ((st = fold_validation(r, &xy, &ov.s, fold, p_oof, err)) != LS_OK)
            goto done;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!d0.w || d0.w[i] > 0)
                ep[k++] = p_oof[i];
        if ((st = ls_validate(NULL, ep, ey, ne, NULL, &r->refined, err)) != LS_OK)
            goto done;
    }
    if (o->baseline) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if ((!d0.w || d0.w[i] > 0) && !(held_out && !test[i]))
                ep[k++] = p_old[i];
        if ((st = ls_validate(eo, old_has_p ? ep : NULL, ey, ne, o->baseline, &r->baseline, err)) !=
            LS_OK)
            goto done;
        /* the refined ranking: held out, its points; folds, out-of-fold probabilities */
        if (!held_out) {
            k = 0;
            for (size_t i = 0; i < n; i++)
                if (!d0.w || d0.w[i] > 0)
                    es[k++] = p_oof[i];
        }
        if ((st = ls_auc_compare(es, eo, ey, ne, &r->comparison, err)) != LS_OK)
            goto done;
        if (held_out && r->tiers.tiers[0].rows > 0) {
            ls_tier_options same;
            ls_tier_options_init(&same);
            same.hot_share = r->tiers.tiers[0].share;
            same.warm_share = r->tiers.tiers[1].share;
            if ((st = ls_tiers_from_scores(eo, ey, ne, &same, &r->baseline_tiers, err)) != LS_OK)
                goto done;
        }
        contrast_buf = malloc((xy.p + 1) * sizeof *contrast_buf);
        if (!contrast_buf)
            goto nomem;
        changes_ctx cx = {table, &xy, &fit, r->model, enc, r->model->factor, r, contrast_buf};
        if ((st = compare_points(&cx, o->baseline, err)) != LS_OK)
            goto done;
    }

    /* 7. levels that could be merged, among the kept categorical criteria */
    if (o->merge) {
        r->merges = calloc(xy.n_groups + 1, sizeof *r->merges);
        if (!r->merges)
            goto nomem;
        for (size_t g = 0; g < xy.n_groups; g++) {
            if (!r->selection.items[g].kept || enc->criteria[g].kind != LS_CRIT_CATEGORICAL ||
                xy.group_count[g] < 2)
                continue;
            size_t no = 0;
            for (size_t j = 0; j < m; j++)
                if (xy.group_of[cols[j]] != g)
                    groups[no++] = cols[j];
            ls_error merr;
            ls_error_clear(&merr);
            ls_status ms = ls_merge_xy(&xy, enc, g, groups, no, &o->merge_opts,
                                       &r->merges[r->n_merges], &merr);
            if (ms == LS_OK)
                r->n_merges++;
            else if (ms == LS_ERR_NOMEM)
                goto nomem;
            else if ((st = note(r, err, "%s: levels not merged: %s", xy.group_name[g],
                                merr.message)) != LS_OK)
                goto done;
        }
    }
    goto done;
nomem:
    st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
done:
    ls_model_free(enc0);
    ls_model_free(enc);
    ls_design_release(&d0);
    ls_design_release(&d);
    ls_xy_release(&xy);
    ls_glm_release(&fit);
    overlay_release(&ov);
    ls_train_report_release(&trep);
    free(exclude);
    free(fold);
    free(train_w);
    free(score_new);
    free(p_new);
    free(score_old);
    free(p_old);
    free(es);
    free(ep);
    free(ey);
    free(eo);
    free(p_oof);
    free(groups);
    free(cols);
    free(contrast_buf);
    if (st != LS_OK) {
        ls_refine_free(r);
        return st;
    }
    *out = r;
    return LS_OK;
}

/* ======================================================================== */
/* The report                                                                */

/* Formats v with prec decimals, "–" for NAN; buffers rotate over 8 slots so
 * one printf can hold several. */
static const char *num(double v, int prec)
{
    static _Thread_local char slots[8][48];
    static _Thread_local int next;
    char *b = slots[next++ % 8];
    if (isnan(v))
        snprintf(b, 48, "–");
    else if (isinf(v))
        snprintf(b, 48, v > 0 ? "∞" : "−∞");
    else
        snprintf(b, 48, "%.*f", prec, v);
    return b;
}

static const char *signed_num(double v, int prec)
{
    static _Thread_local char slots[8][48];
    static _Thread_local int next;
    char *b = slots[next++ % 8];
    if (isnan(v))
        snprintf(b, 48, "–");
    else
        snprintf(b, 48, "%+.*f", prec, v);
    return b;
}

static const char *pct(double v, int prec)
{
    static _Thread_local char slots[8][48];
    static _Thread_local int next;
    char *b = slots[next++ % 8];
    if (isnan(v))
        snprintf(b, 48, "–");
    else
        snprintf(b, 48, "%.*f%%", prec, 100 * v);
    return b;
}

static const char *pvalue(double p)
{
    static _Thread_local char slots[4][48];
    static _Thread_local int next;
    char *b = slots[next++ % 4];
    if (isnan(p))
        snprintf(b, 48, "–");
    else if (p < 1e-4)
        snprintf(b, 48, "< 0.0001");
    else
        snprintf(b, 48, "%.4f", p);
    return b;
}

/* "= 0.1234" or "< 0.0001", for "p %s" in sentences. */
static const char *p_eq(double p)
{
    static _Thread_local char slots[4][48];
    static _Thread_local int next;
    char *b = slots[next++ % 4];
    if (isnan(p))
        snprintf(b, 48, "= –");
    else if (p < 1e-4)
        snprintf(b, 48, "< 0.0001");
    else
        snprintf(b, 48, "= %.4f", p);
    return b;
}

/* Markdown table cells: '|' would end the cell. */
static void cell(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

static const char *base_name(const char *path)
{
    if (!path)
        return "(not given)";
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static const char *method_text(const ls_selection *s)
{
    switch (s->method) {
    case LS_SELECT_AIC:
        return "stepwise by AIC (R's step(), k = 2)";
    case LS_SELECT_BIC:
        return "stepwise by BIC (R's step(), k = ln(rows))";
    case LS_SELECT_LASSO:
        return "lasso / elastic net path, lambda by K-fold CV (glmnet's rule)";
    default:
        return "none (every candidate kept)";
    }
}

static const char *direction_text(ls_step_direction d)
{
    return d == LS_STEP_FORWARD    ? "forward from the forced criteria"
           : d == LS_STEP_BACKWARD ? "backward from every candidate"
                                   : "both directions from every candidate";
}

static void report_header(const ls_refine_result *r, FILE *f)
{
    const ls_refine_options *o = &r->opts;
    fprintf(f, "# Lead scoring refinement\n\n");
    fprintf(f, "| | |\n|---|---|\n");
    fprintf(f, "| Data | `");
    cell(f, base_name(o->data_path));
    fprintf(f, "`: %zu leads, %zu converted (%s) |\n", r->rows, r->positives,
            pct(r->rows ? (double)r->positives / (double)r->rows : NAN, 1));
    fprintf(f, "| Criteria spec | `");
    cell(f, base_name(o->spec_path));
    fprintf(f, "` |\n| Target | `");
    cell(f, r->model && r->model->target ? r->model->target : "");
    fprintf(f, "` |\n| Validation | ");
    switch (o->validate) {
    case LS_VALIDATE_HOLDOUT:
        fprintf(f,
                "stratified holdout: %s of the leads (%zu) held out, %zu to learn from, seed %llu",
                pct(o->holdout, 0), r->test_rows, r->train_rows, (unsigned long long)o->seed);
        break;
    case LS_VALIDATE_TIME:
        fprintf(
            f,
            "out of time: leads dated before %s (%zu) to learn from, from %s on (%zu) held out, "
            "by `",
            o->time_split, r->train_rows, o->time_split, r->test_rows);
        cell(f, o->time_column);
        fprintf(f, "`");
        break;
    case LS_VALIDATE_FOLDS:
        fprintf(f,
                "stratified %zu-fold cross-validation (selection and fit repeated in each fold), "
                "seed %llu",
                o->folds, (unsigned long long)o->seed);
        break;
    }
    fprintf(f, " |\n| Selection | %s", method_text(&r->selection));
    if (r->selection.method == LS_SELECT_AIC || r->selection.method == LS_SELECT_BIC)
        fprintf(f, ", %s", direction_text(r->selection.direction));
    fprintf(f, " |\n| Baseline | ");
    if (r->has_baseline) {
        fprintf(f, "`");
        cell(f, base_name(o->baseline_name));
        fprintf(f, "` (%s) |\n",
                ls_model_is_learned(o->baseline) ? "a learned model" : "hand-written points");
    } else {
        fprintf(f, "none given |\n");
    }
    fprintf(f, "| leadscore | %s |\n\n", LEADSCORE_VERSION);
}

static double top_lift(const ls_validation *v)
{
    return v->n_gains ? v->gains[0].lift : NAN;
}

static void report_summary(const ls_refine_result *r, FILE *f)
{
    const ls_validation *nv = &r->refined, *ov = &r->baseline;
    int b = r->has_baseline;
    int folds = r->opts.validate == LS_VALIDATE_FOLDS;
    fprintf(f, "## Summary\n\n");
    fprintf(f, "Measured on %zu %s leads (%zu converted)%s.\n\n", nv->metrics.rows,
            folds ? "out-of-fold" : "held-out", nv->metrics.positives,
            folds ? "; the refined model's ranking is its out-of-fold probability" : "");
    fprintf(f, "| | %s%s |\n|---|%s---:|\n", b ? "Baseline | " : "", "Refined", b ? "---:|" : "");
#define ROW(label, fmt_old, fmt_new)                                                               \
    do {                                                                                           \
        fprintf(f, "| %s | ", label);                                                              \
        if (b)                                                                                     \
            fprintf(f, "%s | ", fmt_old);                                                          \
        fprintf(f, "%s |\n", fmt_new);                                                             \
    } while (0)
    char a_old[80], a_new[80];
    snprintf(a_old, sizeof a_old, "%s [%s, %s]", num(ov->metrics.auc, 3),
             num(ov->metrics.auc_low, 3), num(ov->metrics.auc_high, 3));
    snprintf(a_new, sizeof a_new, "%s [%s, %s]", num(nv->metrics.auc, 3),
             num(nv->metrics.auc_low, 3), num(nv->metrics.auc_high, 3));
    ROW("AUC [95% CI]", a_old, a_new);
    ROW("Gini", num(ov->metrics.gini, 3), num(nv->metrics.gini, 3));
    ROW("KS", num(ov->metrics.ks, 3), num(nv->metrics.ks, 3));
    ROW("Top-decile lift", num(top_lift(ov), 2), num(top_lift(nv), 2));
    if (!folds) {
        const ls_tier_stat *hn = &r->tiers.tiers[0];
        const ls_tier_stat *ho = &r->baseline_tiers.tiers[0];
        double pos_total = (double)nv->metrics.positives;
        char lo[64], ln[64];
        snprintf(lo, sizeof lo, "%zu (%s)", ho->rows, pct(ho->share, 1));
        snprintf(ln, sizeof ln, "%zu (%s)", hn->rows, pct(hn->share, 1));
        ROW("Hot tier: leads", b && r->baseline_tiers.n_tiers ? lo : "–", ln);
        ROW("Hot tier: conversion rate", b && r->baseline_tiers.n_tiers ? pct(ho->rate, 1) : "–",
            pct(hn->rate, 1));
        snprintf(lo, sizeof lo, "%zu (%s)", ho->positives,
                 pct((double)ho->positives / pos_total, 1));
        snprintf(ln, sizeof ln, "%zu (%s)", hn->positives,
                 pct((double)hn->positives / pos_total, 1));
        ROW("Hot tier: conversions captured", b && r->baseline_tiers.n_tiers ? lo : "–", ln);
    }
    ROW("Log-loss", num(ov->metrics.log_loss, 4), num(nv->metrics.log_loss, 4));
    ROW("Brier score", num(ov->metrics.brier, 4), num(nv->metrics.brier, 4));
#undef ROW
    fputc('\n', f);
    if (b && !folds)
        fprintf(f,
                "The baseline's hot tier here is its top %s of leads, the same volume as the "
                "refined hot tier, so the two capture conversions at equal calling effort.\n\n",
                pct(r->tiers.tiers[0].share, 1));
    if (b) {
        const ls_auc_comparison *c = &r->comparison;
        fprintf(f,
                "AUC difference, refined − baseline: **%s** [95%% CI %s, %s], DeLong's test for "
                "correlated AUCs z = %s, p %s. ",
                signed_num(c->diff, 3), signed_num(c->low, 3), signed_num(c->high, 3), num(c->z, 2),
                p_eq(c->p_value));
        if (c->diff >= 0)
            fprintf(f,
                    "The refined model ranks these leads at least as well as the baseline%s.\n\n",
                    c->low > 0 ? ", and the difference is statistically significant" : "");
        else
            fprintf(f, "The refined model ranks these leads **worse** than the baseline%s.\n\n",
                    c->high < 0 ? " (significantly)" : " (not significantly)");
    }
}

static const char *decision(const ls_selection_item *it)
{
    if (it->forced)
        return "kept (forced)";
    if (it->filtered)
        return "dropped (filter)";
    return it->kept ? "kept" : "dropped";
}

static void report_selection(const ls_refine_result *r, FILE *f)
{
    const ls_selection *s = &r->selection;
    fprintf(f, "## Criteria: kept and dropped\n\n");
    fprintf(f,
            "Selection %s on the %zu training leads. Each criterion is judged against the "
            "selected model: with it and without it (all its levels at once). ",
            method_text(s), s->rows);
    fprintf(f,
            "**ΔAIC** = AIC without − AIC with: positive means the criterion earns its "
            "place. **LR χ²** is the likelihood-ratio test of the same two models. **IV** is "
            "the information value over its levels (deciles for linear criteria). "
            "**ΔCV AUC** is the change in %zu-fold cross-validated AUC it brings.\n\n",
            s->folds);
    fprintf(f, "| Criterion | Decision | Terms | IV | Missing | ΔAIC | ΔBIC | LR χ² (df) | p | ΔCV "
               "AUC |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < s->n_items; i++) {
            const ls_selection_item *it = &s->items[i];
            if (it->kept != (pass == 0))
                continue;
            fprintf(f, "| ");
            cell(f, it->criterion);
            fprintf(f, " | %s | %zu | %s | %s | %s | %s | %s (%s) | %s | %s |\n", decision(it),
                    it->terms, num(it->iv, 3), pct(it->missing_rate, 1),
                    signed_num(it->delta_aic, 2), signed_num(it->delta_bic, 2), num(it->lr_chi2, 2),
                    num(it->lr_df, 0), pvalue(it->lr_p), signed_num(it->delta_cv_auc, 4));
        }
    fprintf(f, "\nSelected model: deviance %s, %zu parameters, %s %s", num(s->deviance, 3), s->rank,
            s->method == LS_SELECT_BIC ? "BIC" : "AIC", num(s->aic, 3));
    if (!isnan(s->cv_auc))
        fprintf(f, ", %zu-fold CV AUC %s", s->folds, num(s->cv_auc, 4));
    fprintf(f, ".\n\n");
    if (s->n_steps) {
        fprintf(f, "### Stepwise path\n\nAs R's `step()$anova` (penalty k = %s per parameter).\n\n",
                num(s->k, 4));
        fprintf(f,
                "| Step | Df | Deviance | Resid. Df | Resid. Dev | %s |\n"
                "|---|---:|---:|---:|---:|---:|\n",
                s->method == LS_SELECT_BIC ? "BIC" : "AIC");
        for (size_t i = 0; i < s->n_steps; i++) {
            const ls_selection_step *st = &s->steps[i];
            fprintf(f, "| ");
            cell(f, i == 0 ? "(start)" : st->change);
            fprintf(f, " | %s | %s | %s | %s | %s |\n", i == 0 ? "" : num(st->df, 0),
                    i == 0 ? "" : num(fabs(st->deviance - s->steps[i - 1].deviance), 3),
                    num(st->resid_df, 0), num(st->deviance, 3), num(st->aic, 3));
        }
        fputc('\n', f);
    }
    if (s->n_lambda) {
        fprintf(f,
                "### Lasso path\n\n%zu values of lambda; cross-validated binomial deviance "
                "(%zu folds). lambda_min = %s, lambda_1se = %s; the criteria with a non-zero "
                "term at **%s** (%s) are kept, then refitted without penalty.\n\n",
                s->n_lambda, s->folds, num(s->lambda_min, 6), num(s->lambda_1se, 6),
                s->lambda_chosen == s->lambda_min && s->index_min != s->index_1se ? "lambda_min"
                                                                                  : "lambda_1se",
                num(s->lambda_chosen, 6));
        fprintf(f, "| lambda | non-zero terms | CV deviance | SE | |\n|---:|---:|---:|---:|---|\n");
        for (size_t k = 0; k < s->n_lambda; k++) {
            int mark = k == s->index_min || k == s->index_1se;
            if (!mark && k % 10 != 0 && k + 1 != s->n_lambda)
                continue;
            fprintf(f, "| %s | %zu | %s | %s | %s%s |\n", num(s->lambda[k], 6), s->nonzero[k],
                    num(s->cvm[k], 4), num(s->cvsd[k], 4), k == s->index_min ? "min " : "",
                    k == s->index_1se ? "1se" : "");
        }
        fputc('\n', f);
    }
}

static void report_changes(const ls_refine_result *r, FILE *f)
{
    if (!r->has_baseline || !r->n_changes)
        return;
    fprintf(f, "## Points: old → new\n\n");
    fprintf(f, "For each rule of the baseline, *new* is what the refined model gives the same "
               "leads: the refined criterion's mean points over the leads the rule matches minus "
               "its mean over the leads the baseline criterion gives no points, with a 95%% "
               "interval from the coefficients' covariance. A criterion the refined model dropped "
               "gets 0.\n\n");
    fprintf(f, "| Criterion | Condition | Leads | Old | New [95%% CI] | Change |\n"
               "|---|---|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < r->n_changes; i++) {
        const ls_points_change *c = &r->changes[i];
        if (isnan(c->old_points))
            continue;
        fprintf(f, "| ");
        cell(f, c->criterion);
        fprintf(f, " | ");
        cell(f, c->condition);
        fprintf(f, " | %s | %s | ", num(c->rows, 0), signed_num(c->old_points, 0));
        if (!c->criterion_kept)
            fprintf(f, "0 (dropped) | %s |\n", signed_num(-c->old_points, 0));
        else if (isnan(c->new_points))
            fprintf(f, "– | – |\n");
        else
            fprintf(f, "%s [%s, %s] | %s |\n", signed_num(c->new_points, 1),
                    signed_num(c->new_low, 1), signed_num(c->new_high, 1),
                    signed_num(c->new_points - c->old_points, 1));
    }
    int header = 0;
    for (size_t i = 0; i < r->n_changes; i++) {
        const ls_points_change *c = &r->changes[i];
        if (!isnan(c->old_points))
            continue;
        if (!header) {
            fprintf(f, "\nCriteria the baseline does not score:\n\n| Criterion | Condition | "
                       "New points [95%% CI] |\n|---|---|---:|\n");
            header = 1;
        }
        fprintf(f, "| ");
        cell(f, c->criterion);
        fprintf(f, " | ");
        cell(f, c->condition);
        fprintf(f, " | %s [%s, %s] |\n", signed_num(c->new_points, 1), signed_num(c->new_low, 1),
                signed_num(c->new_high, 1));
    }
    fputc('\n', f);
}

static void report_points(const ls_refine_result *r, FILE *f)
{
    const ls_model *m = r->model;
    if (!m)
        return;
    fprintf(f, "## Refined points\n\n");
    fprintf(f,
            "Points = %s × coefficient (the best possible lead totals %s points); the "
            "interval is the coefficient's 95%% Wald interval on the same scale. Reference "
            "levels score 0.\n\n",
            num(m->factor, 4), num(m->budget, 0));
    fprintf(f, "| Criterion | Condition | Points | 95%% CI | Coefficient | p |\n"
               "|---|---|---:|---:|---:|---:|\n");
    for (size_t ci = 0; ci < m->n_criteria; ci++) {
        const ls_criterion *c = &m->criteria[ci];
        for (size_t k = 0; k < c->n_rules; k++) {
            const ls_rule *ru = &c->rules[k];
            const ls_term *t =
                ru->term >= 0 && (size_t)ru->term < m->n_terms ? &m->terms[ru->term] : NULL;
            char *cond = ls_points_condition_text(c, ru);
            fprintf(f, "| ");
            cell(f, c->label ? c->label : c->column);
            fprintf(f, " | ");
            cell(f, cond ? cond : "");
            free(cond);
            int per_unit = ru->kind == LS_COND_PER_UNIT;
            fprintf(f, " | %s%s | ", signed_num(ru->points, per_unit ? 3 : 0),
                    per_unit ? " per unit" : "");
            if (t && !t->aliased)
                fprintf(f, "[%s, %s] | %s | %s |\n", signed_num(m->factor * t->ci_low, 1),
                        signed_num(m->factor * t->ci_high, 1), num(t->estimate, 4),
                        pvalue(t->p_value));
            else
                fprintf(f, "– | – | – |\n");
        }
        if (c->reference) {
            fprintf(f, "| ");
            cell(f, c->label ? c->label : c->column);
            fprintf(f, " | reference: ");
            cell(f, c->reference);
            fprintf(f, " | 0 | | | |\n");
        }
    }
    fputc('\n', f);
}

static void report_bands(const ls_refine_result *r, FILE *f)
{
    if (!r->n_bandings)
        return;
    fprintf(f, "## Bands\n\n");
    fprintf(f,
            "Bands chosen on the training leads to maximise the information value, each "
            "holding at least %s of the leads with a value%s%s.\n\n",
            pct(r->opts.band.min_share, 0), r->opts.band.max_bands ? ", at most " : "",
            r->opts.band.max_bands ? num((double)r->opts.band.max_bands, 0) : "");
    for (size_t k = 0; k < r->n_bandings; k++) {
        const ls_banding *b = &r->bandings[k];
        fprintf(f, "### ");
        cell(f, b->column);
        fprintf(f,
                "\n\nIV %s, WoE trend: %s.\n\n| Band | Leads | Share | Conversion | WoE | IV "
                "|\n|---|---:|---:|---:|---:|---:|\n",
                num(b->iv, 3), ls_trend_name(b->trend));
        for (size_t q = 0; q < b->n_bands; q++) {
            const ls_band *band = &b->bands[q];
            fprintf(f, "| %s | %s | %s | %s | %s | %s |\n", band->label, num(band->rows, 0),
                    pct(band->share, 1), pct(band->rate, 1), signed_num(band->woe, 3),
                    num(band->iv, 4));
        }
        fprintf(f, "\nFor the criteria spec:\n\n```ini\n");
        ls_banding_write_spec(b, f, NULL);
        fprintf(f, "```\n\n");
    }
}

/* One item of a merge line, quoted when a comma or blanks at either end
 * would otherwise be lost. */
static int put_merge_item(char *line, size_t size, const char *sep, const char *item)
{
    size_t n = strlen(item);
    int quote = strchr(item, ',') || n == 0 || item[0] == ' ' || item[n - 1] == ' ';
    return snprintf(line, size, quote ? "%s\"%s\"" : "%s%s", sep, item);
}

/* The criteria spec lines that apply m's groups of two or more levels of
 * the data. A level the spec already merged ("A + B") is written as its
 * members, and the line then replaces the spec's line for them; "missing"
 * and "(other)" stand for no value a spec could name, and keep their terms. */
static void write_merge_lines(const ls_merge_result *m, FILE *f)
{
    int any = 0;
    for (size_t g = 0; g < m->n_groups; g++) {
        size_t levels = 0, pseudo = 0;
        for (size_t q = 0; q < m->n_levels; q++)
            if (m->levels[q].group == g) {
                levels++;
                pseudo += m->levels[q].n_values == 0;
            }
        if (levels - pseudo < 2)
            continue;
        if (!any)
            fprintf(f, "For the criteria spec:\n\n```ini\n[criterion]\ncolumn = %s\n",
                    m->criterion);
        any = 1;
        char line[LS_INI_MAX_LINE + 2];
        size_t used = (size_t)snprintf(line, sizeof line, "merge = ");
        const char *sep = "";
        int replaces = 0;
        for (size_t q = 0; q < m->n_levels && used < sizeof line; q++) {
            const ls_merge_level *lv = &m->levels[q];
            if (lv->group != g)
                continue;
            replaces |= lv->n_values > 1;
            for (size_t v = 0; v < lv->n_values && used < sizeof line; v++) {
                int w = put_merge_item(line + used, sizeof line - used, sep, lv->values[v]);
                used = w < 0 ? sizeof line : used + (size_t)w;
                sep = ", ";
            }
        }
        if (replaces)
            fputs("# in place of the spec's merge line(s) for these levels:\n", f);
        /* the spec reads lines of LS_INI_MAX_LINE characters at most */
        if (used <= LS_INI_MAX_LINE)
            fprintf(f, "%s\n", line);
        else
            fprintf(f, "# group %zu: its merge line would pass the spec's %d characters\n", g + 1,
                    LS_INI_MAX_LINE);
        if (pseudo)
            fputs("# the group also holds missing values or (other), which keep their own "
                  "terms\n",
                  f);
    }
    if (any)
        fputs("```\n\n", f);
}

static void report_merges(const ls_refine_result *r, FILE *f)
{
    if (!r->n_merges)
        return;
    fprintf(f, "## Levels that could be merged\n\n");
    fprintf(f,
            "Levels of each kept categorical criterion compared pairwise (Wald tests, Holm "
            "adjustment, the other criteria held in the model); the least distinguishable "
            "pair is merged while its adjusted p-value exceeds %s. The refined model keeps "
            "every level; to score a group as one level, add the `merge` lines shown to the "
            "criteria spec and train again.\n\n",
            num(r->opts.merge_opts.alpha, 2));
    for (size_t k = 0; k < r->n_merges; k++) {
        const ls_merge_result *m = &r->merges[k];
        fprintf(f, "### ");
        cell(f, m->criterion);
        fprintf(f,
                "\n\n%zu levels → %zu groups; merged vs unmerged: LR χ² %s on %s df, p %s; "
                "AIC %s → %s.\n\n",
                m->n_levels, m->n_groups, num(m->lr_chi2, 2), num(m->lr_df, 0), p_eq(m->lr_p),
                num(m->aic_before, 2), num(m->aic_after, 2));
        fprintf(f, "| Level | Leads | Conversion | Coefficient before (SE) | Group | Coefficient "
                   "after (SE) |\n|---|---:|---:|---:|---|---:|\n");
        for (size_t q = 0; q < m->n_levels; q++) {
            const ls_merge_level *lv = &m->levels[q];
            const ls_merge_group *g = &m->groups[lv->group];
            fprintf(f, "| ");
            cell(f, lv->level);
            fprintf(f, "%s | %s | %s | %s (%s) | %zu%s | %s (%s) |\n", q == 0 ? " (reference)" : "",
                    num(lv->rows, 0), pct(lv->rows > 0 ? lv->positives / lv->rows : NAN, 1),
                    signed_num(lv->estimate, 3), num(lv->std_error, 3), lv->group + 1,
                    g->reference ? " (ref.)" : "", signed_num(g->estimate, 3),
                    num(g->std_error, 3));
        }
        fputc('\n', f);
        write_merge_lines(m, f);
    }
}

static void report_tiers(const ls_refine_result *r, FILE *f)
{
    const ls_tier_options *o = &r->opts.tiers;
    const ls_tier_plan *p = &r->tiers;
    fprintf(f, "## Tiers\n\n");
    switch (o->mode) {
    case LS_TIERS_CAPACITY:
        fprintf(f,
                "Sales can call %s leads a week out of %s arriving: the hot tier is at most "
                "the top %s. ",
                num(o->capacity, 0), num(o->per_week, 0), pct(p->target_share, 1));
        break;
    case LS_TIERS_PRECISION:
        fprintf(f, "The hot tier is the largest top group converting at %s or more%s. ",
                pct(o->target_precision, 1),
                p->precision_met ? "" : " — **no cut-off reaches it: the hot tier is empty**");
        break;
    default:
        fprintf(f, "The hot tier is at most the top %s of leads. ", pct(p->target_share, 1));
    }
    fprintf(f,
            "Warm is the next %s. Cut-offs and rates are measured on the %s leads; ties at a "
            "cut-off go below it.\n\n",
            pct(o->warm_share, 0),
            r->opts.validate == LS_VALIDATE_FOLDS ? "training (in-sample)" : "held-out");
    int weekly = o->per_week > 0;
    fprintf(f,
            "| Tier | Min score | Leads | Share | Expected conversion |%s\n|---|---:|---:|---:|"
            "---:|%s\n",
            weekly ? " Leads / week | Conversions / week |" : "", weekly ? "---:|---:|" : "");
    for (size_t t = 0; t < p->n_tiers; t++) {
        const ls_tier_stat *s = &p->tiers[t];
        fprintf(f, "| %s | %s | %zu | %s | %s |", s->name,
                isinf(s->min_score) ? "below" : num(s->min_score, 1), s->rows, pct(s->share, 1),
                pct(s->rate, 1));
        if (weekly)
            fprintf(f, " %s | %s |", num(s->per_week, 0), num(s->conversions_per_week, 1));
        fputc('\n', f);
    }
    fputc('\n', f);
}

static void report_validation(const ls_refine_result *r, const ls_validation *v, const char *title,
                              FILE *f)
{
    const ls_metrics *m = &v->metrics;
    fprintf(f, "### %s\n\n", title);
    fprintf(f, "| Metric | Value |\n|---|---:|\n");
    fprintf(f, "| Leads (converted) | %zu (%zu) |\n", m->rows, m->positives);
    fprintf(f, "| AUC [DeLong 95%% CI] | %s [%s, %s] |\n", num(m->auc, 4), num(m->auc_low, 4),
            num(m->auc_high, 4));
    fprintf(f, "| Gini | %s |\n| KS | %s |\n", num(m->gini, 4), num(m->ks, 4));
    fprintf(f, "| Log-loss | %s |\n| Brier score | %s |\n", num(m->log_loss, 4), num(m->brier, 4));
    fprintf(f, "| Hosmer–Lemeshow χ² (df) | %s (%s), p %s |\n", num(m->hl_chi2, 2),
            m->hl_groups > 2 && !isnan(m->hl_chi2) ? num((double)m->hl_groups - 2, 0) : "–",
            p_eq(m->hl_p));
    fprintf(f, "| Calibration slope / intercept | %s / %s |\n", num(m->calibration_slope, 3),
            signed_num(m->calibration_intercept, 3));
    fprintf(f, "| Mean predicted / observed | %s / %s |\n\n", pct(m->mean_predicted, 1),
            pct(m->observed_rate, 1));
    if (v->n_calibration) {
        fprintf(f, "Calibration by decile of predicted probability:\n\n| Decile | Leads | "
                   "Predicted | Observed |\n|---:|---:|---:|---:|\n");
        for (size_t k = 0; k < v->n_calibration; k++)
            fprintf(f, "| %zu | %zu | %s | %s |\n", k + 1, v->calibration[k].rows,
                    pct(v->calibration[k].mean_predicted, 1), pct(v->calibration[k].rate, 1));
        fputc('\n', f);
    }
    if (v->n_gains) {
        fprintf(f,
                "Gains and lift by decile of %s, best first:\n\n| Decile | %s | Leads | "
                "Conversion | Lift | Cum. leads | Cum. conversions |\n|---:|---|---:|---:|---:|"
                "---:|---:|\n",
                v->ranked_by_probability ? "probability" : "score",
                v->ranked_by_probability ? "Probability" : "Score");
        for (size_t k = 0; k < v->n_gains; k++) {
            const ls_group *g = &v->gains[k];
            int prec = v->ranked_by_probability ? 3 : 0;
            fprintf(f, "| %zu | %s..%s | %zu | %s | %s | %s | %s |\n", k + 1,
                    num(g->score_lo, prec), num(g->score_hi, prec), g->rows, pct(g->rate, 1),
                    num(g->lift, 2), pct(g->cum_rows_share, 1), pct(g->cum_gain, 1));
        }
        fputc('\n', f);
    }
    if (v->n_thresholds) {
        fprintf(f, "Precision and recall at the tier cut-offs (leads at or above):\n\n| Tier | "
                   "Min score | Leads | Share | Precision | Recall | Tier alone: conversion |\n"
                   "|---|---:|---:|---:|---:|---:|---:|\n");
        for (size_t k = 0; k < v->n_thresholds; k++) {
            const ls_threshold_stat *t = &v->thresholds[k];
            fprintf(f, "| ");
            cell(f, t->name);
            fprintf(f, " | %s | %zu | %s | %s | %s | %s |\n",
                    isinf(t->min_score) ? "below" : num(t->min_score, 1), t->rows, pct(t->share, 1),
                    pct(t->precision, 1), pct(t->recall, 1), pct(t->tier_rate, 1));
        }
        fputc('\n', f);
    }
    (void)r;
}

ls_status ls_refine_write_report(const ls_refine_result *r, const ls_report_image *images,
                                 size_t n_images, FILE *f, ls_error *err)
{
    locale_t c = ls_c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0;
    report_header(r, f);
    report_summary(r, f);
    report_selection(r, f);
    report_changes(r, f);
    report_points(r, f);
    report_bands(r, f);
    report_merges(r, f);
    report_tiers(r, f);
    fprintf(f, "## Validation\n\n");
    if (r->n_folds) {
        fprintf(f, "Held-out AUC per fold:");
        double s = 0, s2 = 0;
        for (size_t k = 0; k < r->n_folds; k++) {
            fprintf(f, " %s", num(r->fold_auc[k], 4));
            s += r->fold_auc[k];
            s2 += r->fold_auc[k] * r->fold_auc[k];
        }
        double mean = s / (double)r->n_folds;
        double sd =
            r->n_folds > 1
                ? sqrt(fmax(s2 - (double)r->n_folds * mean * mean, 0) / (double)(r->n_folds - 1))
                : NAN;
        fprintf(f, " (mean %s, SD %s).\n\n", num(mean, 4), num(sd, 4));
    }
    report_validation(r, &r->refined, "Refined model", f);
    if (r->has_baseline)
        report_validation(r, &r->baseline, "Baseline", f);
    if (n_images) {
        fprintf(f, "## Charts\n\n");
        for (size_t k = 0; k < n_images; k++) {
            fprintf(f, "![");
            cell(f, images[k].caption);
            fprintf(f, "](%s)\n\n", images[k].path);
        }
    }
    if (r->n_notes) {
        fprintf(f, "## Notes\n\n");
        for (size_t k = 0; k < r->n_notes; k++) {
            fprintf(f, "- ");
            cell(f, r->notes[k]);
            fputc('\n', f);
        }
        fputc('\n', f);
    }
    if (old)
        uselocale(old);
    if (ferror(f))
        return ls_fail(err, LS_ERR_IO, "cannot write the report: write error");
    return LS_OK;
}
