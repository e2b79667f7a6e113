/* Compare: what changed between last quarter's model and this quarter's.
 * Per term the points and the coefficient, with a z-test of the change
 * (Holm-adjusted over the terms tested); criteria added and dropped; and,
 * given data, both models' AUC on the same leads with the paired DeLong test.
 * Definitions in leadscore/monitor.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/monitor.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "leadscore/metrics.h"
#include "model_internal.h"
#include "monitor_internal.h"
#include "text.h"

void ls_compare_options_init(ls_compare_options *o)
{
    o->alpha = 0.01;
    o->old_name = NULL;
    o->new_name = NULL;
}

const char *ls_presence_name(ls_presence p)
{
    switch (p) {
    case LS_ADDED:
        return "added";
    case LS_DROPPED:
        return "dropped";
    case LS_IN_BOTH:
        break;
    }
    return "both";
}

/* ---- the entries of one model -------------------------------------------- */

/* One comparable item of a model: a term of a learned model, a rule of a
 * hand-written one. */
typedef struct {
    char *key;
    const char *criterion; /* owned by the model */
    double points, estimate, se;
    int aliased, intercept;
} entry;

static void entries_free(entry *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++)
        free(e[i].key);
    free(e);
}

static ls_status model_entries(const ls_model *m, entry **out, size_t *n_out, ls_error *err)
{
    size_t cap = m->n_terms;
    for (size_t c = 0; c < m->n_criteria; c++)
        cap += m->criteria[c].n_rules;
    entry *e = calloc(cap ? cap : 1, sizeof *e);
    size_t n = 0;
    if (!e)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    if (m->learned) {
        for (size_t t = 0; t < m->n_terms; t++) {
            const ls_term *term = &m->terms[t];
            int icpt = term->criterion < 0;
            e[n] = (entry){ls_strdup(term->name),
                           icpt || (size_t)term->criterion >= m->n_criteria
                               ? NULL
                               : m->criteria[term->criterion].column,
                           icpt ? m->base_points : term->points,
                           term->estimate,
                           term->std_error,
                           term->aliased,
                           icpt};
            if (!e[n++].key)
                goto nomem;
        }
    } else {
        for (size_t c = 0; c < m->n_criteria; c++) {
            const ls_criterion *cr = &m->criteria[c];
            for (size_t k = 0; k < cr->n_rules; k++) {
                char buf[512];
                if (cr->rules[k].label && cr->rules[k].label[0])
                    snprintf(buf, sizeof buf, "%s: %s", cr->column, cr->rules[k].label);
                else
                    snprintf(buf, sizeof buf, "%s: rule %zu", cr->column, k + 1);
                e[n] = (entry){ls_strdup(buf), cr->column, cr->rules[k].points, NAN, NAN, 0, 0};
                if (!e[n++].key)
                    goto nomem;
            }
        }
    }
    *out = e;
    *n_out = n;
    return LS_OK;
nomem:
    entries_free(e, n);
    return ls_fail(err, LS_ERR_NOMEM, "out of memory");
}

static const ls_criterion *find_criterion(const ls_model *m, const char *column)
{
    for (size_t c = 0; column && c < m->n_criteria; c++)
        if (strcmp(m->criteria[c].column, column) == 0)
            return &m->criteria[c];
    return NULL;
}

/* ---- Holm ---------------------------------------------------------------- */

typedef struct {
    double p;
    size_t i;
} ranked_p;

static int by_p(const void *a, const void *b)
{
    const ranked_p *x = a, *y = b;
    if (x->p != y->p)
        return (x->p > y->p) - (x->p < y->p);
    return (x->i > y->i) - (x->i < y->i);
}

/* Holm's step-down adjustment: p_(j) → max over k ≤ j of min(1, (m − k + 1)·p_(k)). */
static ls_status holm(ls_comparison *c, ls_error *err)
{
    size_t m = 0;
    for (size_t i = 0; i < c->n_terms; i++)
        m += c->terms[i].tested;
    c->n_tested = m;
    if (m == 0)
        return LS_OK;
    ranked_p *r = malloc(m * sizeof *r);
    if (!r)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0, k = 0; i < c->n_terms; i++)
        if (c->terms[i].tested)
            r[k++] = (ranked_p){c->terms[i].p_value, i};
    qsort(r, m, sizeof *r, by_p);
    double running = 0;
    for (size_t k = 0; k < m; k++) {
        double adj = fmin(1, (double)(m - k) * r[k].p);
        running = fmax(running, adj);
        ls_term_change *t = &c->terms[r[k].i];
        t->p_holm = running;
        t->significant = running < c->alpha;
    }
    free(r);
    return LS_OK;
}

/* ---- paired DeLong ------------------------------------------------------- */

typedef struct {
    double s;
    size_t i;
} scored;

static int by_s(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    return (x->s > y->s) - (x->s < y->s);
}

/* Placements: v10[i] for a positive i, the share of negatives it outscores
 * (ties one half); v01[i] for a negative, the share of positives that
 * outscore it. Indexed by row; the other class's entries are unused. */
static ls_status placements(const double *score, const double *y, size_t n, double *v10,
                            double *v01, ls_error *err)
{
    scored *v = malloc(n * sizeof *v);
    if (!v)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    double pos = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = (scored){score[i], i};
        pos += y[i];
    }
    double neg = (double)n - pos;
    qsort(v, n, sizeof *v, by_s);
    double below_pos = 0, below_neg = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double bp = 0, bn = 0;
        while (j < n && v[j].s == v[i].s) {
            bp += y[v[j].i];
            bn += 1 - y[v[j].i];
            j++;
        }
        for (size_t k = i; k < j; k++) {
            size_t r = v[k].i;
            if (y[r] == 1)
                v10[r] = (below_neg + 0.5 * bn) / neg;
            else
                v01[r] = (pos - below_pos - bp + 0.5 * bp) / pos;
        }
        below_pos += bp;
        below_neg += bn;
        i = j;
    }
    free(v);
    return LS_OK;
}

/* Variance of AUC_b − AUC_a for two scores of the same leads (DeLong,
 * DeLong & Clarke-Pearson 1988). */
static ls_status delong_paired(const double *sa, const double *sb, const double *y, size_t n,
                               double *diff, double *se, ls_error *err)
{
    double *buf = malloc(4 * n * sizeof *buf);
    if (!buf)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    double *a10 = buf, *a01 = buf + n, *b10 = buf + 2 * n, *b01 = buf + 3 * n;
    ls_status st = placements(sa, y, n, a10, a01, err);
    if (st == LS_OK)
        st = placements(sb, y, n, b10, b01, err);
    if (st != LS_OK) {
        free(buf);
        return st;
    }
    double m = 0, k = 0, ma10 = 0, mb10 = 0, ma01 = 0, mb01 = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] == 1) {
            m++;
            ma10 += a10[i];
            mb10 += b10[i];
        } else {
            k++;
            ma01 += a01[i];
            mb01 += b01[i];
        }
    }
    ma10 /= m;
    mb10 /= m;
    ma01 /= k;
    mb01 /= k;
    double s10aa = 0, s10bb = 0, s10ab = 0, s01aa = 0, s01bb = 0, s01ab = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] == 1) {
            double da = a10[i] - ma10, db = b10[i] - mb10;
            s10aa += da * da;
            s10bb += db * db;
            s10ab += da * db;
        } else {
            double da = a01[i] - ma01, db = b01[i] - mb01;
            s01aa += da * da;
            s01bb += db * db;
            s01ab += da * db;
        }
    }
    double v10 = m > 1 ? (s10aa + s10bb - 2 * s10ab) / (m - 1) : 0;
    double v01 = k > 1 ? (s01aa + s01bb - 2 * s01ab) / (k - 1) : 0;
    *diff = mb10 - ma10;
    *se = sqrt(fmax(0, v10 / m + v01 / k));
    free(buf);
    return LS_OK;
}

static ls_status compare_on_data(const ls_model *om, const ls_model *nm, const ls_table *data,
                                 ls_comparison *c, ls_error *err)
{
    size_t n = ls_table_rows(data);
    double *so = malloc((n ? n : 1) * sizeof *so), *sn = malloc((n ? n : 1) * sizeof *sn);
    double *y = malloc((n ? n : 1) * sizeof *y);
    ls_status st = LS_OK;
    ls_metrics mo, mn;
    if (!so || !sn || !y || !(c->data_source = ls_strdup(ls_table_source(data)))) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    const ls_model *target_model = nm->target ? nm : om;
    if ((st = ls_model_outcomes(target_model, data, y, err)) != LS_OK ||
        (st = ls_model_score_table(om, data, so, NULL, NULL, err)) != LS_OK ||
        (st = ls_model_score_table(nm, data, sn, NULL, NULL, err)) != LS_OK ||
        (st = ls_metrics_compute(so, NULL, y, n, &mo, err)) != LS_OK ||
        (st = ls_metrics_compute(sn, NULL, y, n, &mn, err)) != LS_OK)
        goto done;
    c->has_data = 1;
    c->rows = n;
    c->positives = mn.positives;
    c->old_auc = mo.auc;
    c->old_auc_low = mo.auc_low;
    c->old_auc_high = mo.auc_high;
    c->new_auc = mn.auc;
    c->new_auc_low = mn.auc_low;
    c->new_auc_high = mn.auc_high;
    if ((st = delong_paired(so, sn, y, n, &c->auc_difference, &c->auc_difference_se, err)) != LS_OK)
        goto done;
    c->auc_difference_p =
        c->auc_difference_se > 0
            ? 2 * gsl_cdf_ugaussian_Q(fabs(c->auc_difference) / c->auc_difference_se)
            : (c->auc_difference == 0 ? 1 : 0);
done:
    free(so);
    free(sn);
    free(y);
    return st;
}

/* ---- building the comparison --------------------------------------------- */

static ls_status add_criterion(ls_comparison *c, const char *column, ls_presence presence,
                               const ls_criterion *oc, const ls_criterion *nc, ls_error *err)
{
    ls_criterion_change *cc = &c->criteria[c->n_criteria];
    memset(cc, 0, sizeof *cc);
    cc->presence = presence;
    cc->column = ls_strdup(column);
    if (oc && oc->kind == LS_CRIT_CATEGORICAL && oc->reference)
        cc->old_reference = ls_strdup(oc->reference);
    if (nc && nc->kind == LS_CRIT_CATEGORICAL && nc->reference)
        cc->new_reference = ls_strdup(nc->reference);
    c->n_criteria++;
    if (!cc->column ||
        (oc && oc->kind == LS_CRIT_CATEGORICAL && oc->reference && !cc->old_reference) ||
        (nc && nc->kind == LS_CRIT_CATEGORICAL && nc->reference && !cc->new_reference))
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    c->n_added += presence == LS_ADDED;
    c->n_dropped += presence == LS_DROPPED;
    return LS_OK;
}

/* The row for a term, tested when both fits give a usable estimate. */
static void fill_term(ls_term_change *t, const entry *o, const entry *n, int reference_changed)
{
    t->presence = o && n ? LS_IN_BOTH : o ? LS_DROPPED : LS_ADDED;
    t->old_points = o ? o->points : NAN;
    t->new_points = n ? n->points : NAN;
    t->change = o && n ? n->points - o->points : NAN;
    t->old_estimate = o ? o->estimate : NAN;
    t->old_se = o ? o->se : NAN;
    t->new_estimate = n ? n->estimate : NAN;
    t->new_se = n ? n->se : NAN;
    t->z = t->p_value = t->p_holm = NAN;
    if (!o || !n)
        return;
    if (o->intercept) {
        t->note = "intercept";
    } else if (o->aliased || n->aliased) {
        t->note = "aliased";
    } else if (reference_changed) {
        t->note = "reference changed";
    } else if (!isfinite(o->estimate) || !isfinite(n->estimate) || !(o->se > 0) || !(n->se > 0) ||
               !isfinite(o->se) || !isfinite(n->se)) {
        t->note = "no standard errors";
    } else {
        t->tested = 1;
    }
    /* the intercept's z is shown (it moves with the base rate) but never tested */
    if (t->tested || (o->intercept && isfinite(o->estimate) && isfinite(n->estimate) && o->se > 0 &&
                      n->se > 0)) {
        t->z = (n->estimate - o->estimate) / sqrt(o->se * o->se + n->se * n->se);
        t->p_value = 2 * gsl_cdf_ugaussian_Q(fabs(t->z));
    }
}

static int reference_changed(const ls_comparison *c, const char *column)
{
    for (size_t i = 0; column && i < c->n_criteria; i++) {
        const ls_criterion_change *cc = &c->criteria[i];
        if (strcmp(cc->column, column) == 0)
            return cc->old_reference && cc->new_reference &&
                   strcmp(cc->old_reference, cc->new_reference) != 0;
    }
    return 0;
}

/* Index of the criterion row for column (the intercept: n_criteria). */
static size_t criterion_row(const ls_comparison *c, const char *column)
{
    for (size_t i = 0; column && i < c->n_criteria; i++)
        if (strcmp(c->criteria[i].column, column) == 0)
            return i;
    return c->n_criteria;
}

typedef struct {
    size_t group, order;
    ls_term_change t;
} sortable_term;

static int by_group(const void *a, const void *b)
{
    const sortable_term *x = a, *y = b;
    /* the intercept (no criterion) first, then criteria in order */
    size_t gx = x->t.criterion ? x->group + 1 : 0, gy = y->t.criterion ? y->group + 1 : 0;
    if (gx != gy)
        return (gx > gy) - (gx < gy);
    return (x->order > y->order) - (x->order < y->order);
}

static ls_status build(const ls_model *om, const ls_model *nm, ls_comparison *c, ls_error *err)
{
    entry *oe = NULL, *ne = NULL;
    size_t no = 0, nn = 0;
    sortable_term *rows = NULL;
    char *matched = NULL;
    ls_status st;
    if ((st = model_entries(om, &oe, &no, err)) != LS_OK ||
        (st = model_entries(nm, &ne, &nn, err)) != LS_OK)
        goto done;
    c->criteria = calloc(om->n_criteria + nm->n_criteria + 1, sizeof *c->criteria);
    rows = calloc(no + nn + 1, sizeof *rows);
    matched = calloc(no + 1, 1);
    if (!c->criteria || !rows || !matched) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* criteria: the new model's order, then those dropped */
    for (size_t i = 0; i < nm->n_criteria && st == LS_OK; i++) {
        const ls_criterion *nc = &nm->criteria[i], *oc = find_criterion(om, nc->column);
        st = add_criterion(c, nc->column, oc ? LS_IN_BOTH : LS_ADDED, oc, nc, err);
    }
    for (size_t i = 0; i < om->n_criteria && st == LS_OK; i++)
        if (!find_criterion(nm, om->criteria[i].column))
            st = add_criterion(c, om->criteria[i].column, LS_DROPPED, &om->criteria[i], NULL, err);
    if (st != LS_OK)
        goto done;
    /* terms: each of the new model's with its old match, then the unmatched old */
    size_t n_rows = 0;
    for (size_t j = 0; j < nn + no; j++) {
        const entry *o = NULL, *n = NULL;
        if (j < nn) {
            n = &ne[j];
            for (size_t i = 0; i < no && !o; i++)
                if (!matched[i] && strcmp(oe[i].key, n->key) == 0) {
                    o = &oe[i];
                    matched[i] = 1;
                }
        } else if (!matched[j - nn]) {
            o = &oe[j - nn];
        } else {
            continue;
        }
        const entry *any = n ? n : o;
        if (!any)
            continue;
        sortable_term *r = &rows[n_rows++];
        r->order = j;
        r->group = criterion_row(c, any->criterion);
        r->t.name = ls_strdup(any->key);
        r->t.criterion = any->criterion ? ls_strdup(any->criterion) : NULL;
        if (!r->t.name || (any->criterion && !r->t.criterion)) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            break;
        }
        fill_term(&r->t, o, n, reference_changed(c, any->criterion));
    }
    qsort(rows, n_rows, sizeof *rows, by_group);
    c->terms = calloc(n_rows + 1, sizeof *c->terms);
    if (!c->terms) {
        for (size_t i = 0; i < n_rows; i++) {
            free(rows[i].t.name);
            free(rows[i].t.criterion);
        }
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_rows; i++)
        c->terms[i] = rows[i].t;
    c->n_terms = n_rows;
    if (st != LS_OK || (st = holm(c, err)) != LS_OK)
        goto done;
    for (size_t i = 0; i < c->n_terms; i++) {
        const ls_term_change *t = &c->terms[i];
        size_t g = criterion_row(c, t->criterion);
        if (t->significant && g < c->n_criteria)
            c->criteria[g].significant_terms++;
    }
    for (size_t i = 0; i < c->n_criteria; i++) {
        c->criteria[i].changed = c->criteria[i].significant_terms > 0;
        c->n_changed += c->criteria[i].changed;
    }
done:
    entries_free(oe, no);
    entries_free(ne, nn);
    free(rows);
    free(matched);
    return st;
}

ls_status ls_compare_models(const ls_model *old_model, const ls_model *new_model,
                            const ls_table *data, const ls_compare_options *opts,
                            ls_comparison *out, ls_error *err)
{
    ls_compare_options defaults;
    ls_compare_options_init(&defaults);
    const ls_compare_options *o = opts ? opts : &defaults;
    memset(out, 0, sizeof *out);
    if (!(o->alpha > 0 && o->alpha < 1))
        return ls_fail(err, LS_ERR_USAGE, "the significance level must be between 0 and 1");
    out->alpha = o->alpha;
    out->old_name = ls_strdup(o->old_name ? o->old_name : "old");
    out->new_name = ls_strdup(o->new_name ? o->new_name : "new");
    ls_status st =
        out->old_name && out->new_name ? LS_OK : ls_fail(err, LS_ERR_NOMEM, "out of memory");
    if (st == LS_OK)
        st = build(old_model, new_model, out, err);
    if (st == LS_OK && data)
        st = compare_on_data(old_model, new_model, data, out, err);
    if (st != LS_OK)
        ls_comparison_release(out);
    return st;
}

void ls_comparison_release(ls_comparison *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_terms; i++) {
        free(c->terms[i].name);
        free(c->terms[i].criterion);
    }
    free(c->terms);
    for (size_t i = 0; i < c->n_criteria; i++) {
        free(c->criteria[i].column);
        free(c->criteria[i].old_reference);
        free(c->criteria[i].new_reference);
    }
    free(c->criteria);
    free(c->old_name);
    free(c->new_name);
    free(c->data_source);
    memset(c, 0, sizeof *c);
}

/* ---- writing ------------------------------------------------------------- */

static void fmt_points(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%g", v);
}

static void fmt_p(char *buf, size_t size, double p)
{
    if (isnan(p))
        snprintf(buf, size, "-");
    else if (p < 1e-4)
        snprintf(buf, size, "<0.0001");
    else
        snprintf(buf, size, "%.4f", p);
}

static void list_criteria(const ls_comparison *c, FILE *out, const char *title, int which)
{
    fprintf(out, "%s: ", title);
    size_t k = 0;
    for (size_t i = 0; i < c->n_criteria; i++) {
        const ls_criterion_change *cc = &c->criteria[i];
        int hit = which < 0 ? cc->changed : (int)cc->presence == which;
        if (!hit)
            continue;
        fprintf(out, "%s%s", k++ ? ", " : "", cc->column);
        if (which < 0)
            fprintf(out, " (%zu term%s)", cc->significant_terms,
                    cc->significant_terms == 1 ? "" : "s");
    }
    fprintf(out, "%s\n", k ? "" : "none");
}

static void write_text(const ls_comparison *c, FILE *out)
{
    fprintf(out, "compare %s -> %s\n", c->old_name, c->new_name);
    fprintf(out,
            "coefficient change z = (b_new - b_old) / sqrt(se_old^2 + se_new^2), fits taken as "
            "independent;\nHolm-adjusted over %zu terms, significant at p < %g\n\n",
            c->n_tested, c->alpha);
    size_t w = 4;
    for (size_t i = 0; i < c->n_terms; i++)
        w = strlen(c->terms[i].name) > w ? strlen(c->terms[i].name) : w;
    int tw = (int)(w < 60 ? w : 60);
    fprintf(out, "%-*s %8s %8s %7s %10s %10s %8s %9s\n", tw, "term", "points", "->", "change",
            "estimate", "->", "z", "p (Holm)");
    for (size_t i = 0; i < c->n_terms; i++) {
        const ls_term_change *t = &c->terms[i];
        char op[32], np[32], ch[32], oe[32], ne[32], z[32], p[32];
        fmt_points(op, sizeof op, t->old_points);
        fmt_points(np, sizeof np, t->new_points);
        if (isnan(t->change))
            snprintf(ch, sizeof ch, "-");
        else
            snprintf(ch, sizeof ch, "%+g", t->change);
        snprintf(oe, sizeof oe, isfinite(t->old_estimate) ? "%.4f" : "-", t->old_estimate);
        snprintf(ne, sizeof ne, isfinite(t->new_estimate) ? "%.4f" : "-", t->new_estimate);
        snprintf(z, sizeof z, isfinite(t->z) ? "%.2f" : "-", t->z);
        fmt_p(p, sizeof p, t->tested ? t->p_holm : NAN);
        fprintf(out, "%-*s %8s %8s %7s %10s %10s %8s %9s", tw, t->name, op, np, ch, oe, ne, z, p);
        if (t->significant)
            fputs("  CHANGED", out);
        else if (t->presence != LS_IN_BOTH)
            fprintf(out, "  %s", ls_presence_name(t->presence));
        else if (t->note && strcmp(t->note, "intercept") != 0)
            fprintf(out, "  (%s)", t->note);
        fputc('\n', out);
    }
    fputc('\n', out);
    list_criteria(c, out, "changed criteria", -1);
    list_criteria(c, out, "criteria added", LS_ADDED);
    list_criteria(c, out, "criteria dropped", LS_DROPPED);
    for (size_t i = 0; i < c->n_criteria; i++) {
        const ls_criterion_change *cc = &c->criteria[i];
        if (cc->old_reference && cc->new_reference &&
            strcmp(cc->old_reference, cc->new_reference) != 0)
            fprintf(out, "reference level of %s changed: '%s' -> '%s' (its terms not tested)\n",
                    cc->column, cc->old_reference, cc->new_reference);
    }
    if (c->has_data) {
        fprintf(out, "\nAUC of the points on %s (%zu leads, %zu converted):\n", c->data_source,
                c->rows, c->positives);
        fprintf(out, "  %-10s %.4f  95%% CI [%.4f, %.4f]\n", "old", c->old_auc, c->old_auc_low,
                c->old_auc_high);
        fprintf(out, "  %-10s %.4f  95%% CI [%.4f, %.4f]\n", "new", c->new_auc, c->new_auc_low,
                c->new_auc_high);
        char p[32];
        fmt_p(p, sizeof p, c->auc_difference_p);
        fprintf(out, "  difference %+.4f (se %.4f, paired DeLong p = %s)\n", c->auc_difference,
                c->auc_difference_se, p);
    }
}

static void write_csv(const ls_comparison *c, FILE *out)
{
    fputs("term,criterion,presence,old_points,new_points,change,old_estimate,old_se,"
          "new_estimate,new_se,z,p_value,p_holm,significant,note\n",
          out);
    for (size_t i = 0; i < c->n_terms; i++) {
        const ls_term_change *t = &c->terms[i];
        ls_mon_csv_field(out, t->name);
        fputc(',', out);
        ls_mon_csv_field(out, t->criterion);
        fprintf(out, ",%s", ls_presence_name(t->presence));
        const double v[] = {t->old_points,   t->new_points, t->change, t->old_estimate, t->old_se,
                            t->new_estimate, t->new_se,     t->z,      t->p_value,      t->p_holm};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            fputc(',', out);
            ls_mon_csv_number(out, v[k]);
        }
        fprintf(out, ",%d,", t->significant);
        ls_mon_csv_field(out, t->note);
        fputc('\n', out);
    }
}

static ls_status write_json(const ls_comparison *c, FILE *out, ls_error *err)
{
    int ok = 1;
    cJSON *root = cJSON_CreateObject(), *terms = cJSON_CreateArray(), *crit = cJSON_CreateArray();
    ls_mon_json_add(root, "old", ls_mon_json_string(c->old_name), &ok);
    ls_mon_json_add(root, "new", ls_mon_json_string(c->new_name), &ok);
    ls_mon_json_add(root, "alpha", ls_mon_json_number(c->alpha), &ok);
    ls_mon_json_add(root, "tested", cJSON_CreateNumber((double)c->n_tested), &ok);
    ls_mon_json_add(root, "changed", cJSON_CreateNumber((double)c->n_changed), &ok);
    for (size_t i = 0; i < c->n_terms && terms; i++) {
        const ls_term_change *t = &c->terms[i];
        cJSON *o = cJSON_CreateObject();
        ls_mon_json_add(o, "term", ls_mon_json_string(t->name), &ok);
        ls_mon_json_add(o, "criterion", ls_mon_json_string(t->criterion), &ok);
        ls_mon_json_add(o, "presence", ls_mon_json_string(ls_presence_name(t->presence)), &ok);
        ls_mon_json_add(o, "old_points", ls_mon_json_number(t->old_points), &ok);
        ls_mon_json_add(o, "new_points", ls_mon_json_number(t->new_points), &ok);
        ls_mon_json_add(o, "change", ls_mon_json_number(t->change), &ok);
        ls_mon_json_add(o, "old_estimate", ls_mon_json_number(t->old_estimate), &ok);
        ls_mon_json_add(o, "old_se", ls_mon_json_number(t->old_se), &ok);
        ls_mon_json_add(o, "new_estimate", ls_mon_json_number(t->new_estimate), &ok);
        ls_mon_json_add(o, "new_se", ls_mon_json_number(t->new_se), &ok);
        ls_mon_json_add(o, "z", ls_mon_json_number(t->z), &ok);
        ls_mon_json_add(o, "p_value", ls_mon_json_number(t->p_value), &ok);
        ls_mon_json_add(o, "p_holm", ls_mon_json_number(t->p_holm), &ok);
        ls_mon_json_add(o, "tested", cJSON_CreateBool(t->tested), &ok);
        ls_mon_json_add(o, "significant", cJSON_CreateBool(t->significant), &ok);
        ls_mon_json_add(o, "note", ls_mon_json_string(t->note), &ok);
        if (o)
            cJSON_AddItemToArray(terms, o);
        else
            ok = 0;
    }
    ls_mon_json_add(root, "terms", terms, &ok);
    for (size_t i = 0; i < c->n_criteria && crit; i++) {
        const ls_criterion_change *cc = &c->criteria[i];
        cJSON *o = cJSON_CreateObject();
        ls_mon_json_add(o, "criterion", ls_mon_json_string(cc->column), &ok);
        ls_mon_json_add(o, "presence", ls_mon_json_string(ls_presence_name(cc->presence)), &ok);
        ls_mon_json_add(o, "old_reference", ls_mon_json_string(cc->old_reference), &ok);
        ls_mon_json_add(o, "new_reference", ls_mon_json_string(cc->new_reference), &ok);
        ls_mon_json_add(o, "significant_terms", cJSON_CreateNumber((double)cc->significant_terms),
                        &ok);
        ls_mon_json_add(o, "changed", cJSON_CreateBool(cc->changed), &ok);
        if (o)
            cJSON_AddItemToArray(crit, o);
        else
            ok = 0;
    }
    ls_mon_json_add(root, "criteria", crit, &ok);
    if (c->has_data) {
        cJSON *d = cJSON_CreateObject();
        ls_mon_json_add(d, "file", ls_mon_json_string(c->data_source), &ok);
        ls_mon_json_add(d, "rows", cJSON_CreateNumber((double)c->rows), &ok);
        ls_mon_json_add(d, "positives", cJSON_CreateNumber((double)c->positives), &ok);
        ls_mon_json_add(d, "old_auc", ls_mon_json_number(c->old_auc), &ok);
        ls_mon_json_add(d, "old_auc_low", ls_mon_json_number(c->old_auc_low), &ok);
        ls_mon_json_add(d, "old_auc_high", ls_mon_json_number(c->old_auc_high), &ok);
        ls_mon_json_add(d, "new_auc", ls_mon_json_number(c->new_auc), &ok);
        ls_mon_json_add(d, "new_auc_low", ls_mon_json_number(c->new_auc_low), &ok);
        ls_mon_json_add(d, "new_auc_high", ls_mon_json_number(c->new_auc_high), &ok);
        ls_mon_json_add(d, "auc_difference", ls_mon_json_number(c->auc_difference), &ok);
        ls_mon_json_add(d, "auc_difference_se", ls_mon_json_number(c->auc_difference_se), &ok);
        ls_mon_json_add(d, "auc_difference_p", ls_mon_json_number(c->auc_difference_p), &ok);
        ls_mon_json_add(root, "data", d, &ok);
    }
    return ls_mon_json_write(root, ok, out, err);
}

ls_status ls_comparison_write(const ls_comparison *c, ls_monitor_format format, FILE *out,
                              ls_error *err)
{
    locale_t old = ls_mon_locale_enter();
    ls_status st = LS_OK;
    if (format == LS_MONITOR_TEXT)
        write_text(c, out);
    else if (format == LS_MONITOR_CSV)
        write_csv(c, out);
    else
        st = write_json(c, out, err);
    ls_mon_locale_leave(old);
    return st == LS_OK ? ls_mon_stream_status(out, err) : st;
}
