/* Bands: for one criterion, each band (or level) with its weight of
 * evidence, ln(share of converted / share of not converted), as bars, its
 * conversion rate with a Wilson 95% interval on the right axis, and the
 * model's points above each bar. Banded criteria keep their numeric order
 * (the missing group last); levels are sorted by weight of evidence.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

typedef struct {
    const char *label;
    double rows, positives, points;
    double order; /* banded: sort key (lower bound, or the lowest value seen) */
    double woe;
    int missing;
} group;

static int by_order(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (x->missing != y->missing)
        return x->missing - y->missing;
    return (x->order > y->order) - (x->order < y->order);
}

static int by_woe(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (x->missing != y->missing)
        return x->missing - y->missing;
    return (x->woe < y->woe) - (x->woe > y->woe);
}

static ls_status chosen(const ls_model *m, const ls_plot_options *o, const ls_criterion **out,
                        ls_error *err)
{
    *out = NULL;
    if (o->criterion) {
        const ls_criterion *c = ls_plot_find_criterion(m, o->criterion);
        if (!c)
            return ls_fail(err, LS_ERR_NOTFOUND, "criterion '%s' is not in the model",
                           o->criterion);
        if (c->kind == LS_CRIT_NUMERIC || c->kind == LS_CRIT_RULES)
            return ls_fail(err, LS_ERR_USAGE,
                           "criterion '%s' is %s: bands need a banded, categorical or yes/no "
                           "criterion",
                           o->criterion, c->kind == LS_CRIT_NUMERIC ? "linear" : "hand-written");
        *out = c;
        return LS_OK;
    }
    for (size_t i = 0; i < m->n_criteria; i++)
        if (m->criteria[i].kind == LS_CRIT_BANDED) {
            *out = &m->criteria[i];
            return LS_OK;
        }
    return ls_fail(err, LS_ERR_USAGE,
                   "the model has no banded criterion: name one with --criterion");
}

ls_status ls_plot_bands(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                        ls_plot_text *t, ls_error *err)
{
    const ls_plot_data *d = in->data;
    const ls_criterion *c = NULL;
    ls_status st = chosen(m, o, &c, err);
    if (st != LS_OK)
        return st;
    size_t col = ls_table_find_column(d->table, c->column);
    if (col == (size_t)-1)
        return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(d->table), 1, 0, c->column,
                          "the criterion's column is not in the data");
    /* groups: one per rule, then the reference, then missing values no rule takes */
    size_t ng = c->n_rules + 2, ref = c->n_rules, unmatched = c->n_rules + 1;
    group *g = calloc(ng, sizeof *g);
    if (!g)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < c->n_rules; k++) {
        const ls_rule *r = &c->rules[k];
        g[k].label = c->kind == LS_CRIT_BOOLEAN && r->kind == LS_COND_TRUE
                         ? "yes"
                         : ls_plot_short_label(c, r);
        g[k].points = r->points;
        g[k].missing = r->kind == LS_COND_MISSING;
        g[k].order = r->kind == LS_COND_RANGE ? r->lo : INFINITY;
    }
    g[ref].label = c->kind == LS_CRIT_BOOLEAN ? "no" : c->reference ? c->reference : "other";
    g[ref].order = INFINITY;
    g[unmatched].label = "missing";
    g[unmatched].missing = 1;
    double P = 0, N = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (isnan(d->y[i]))
            continue;
        int missing;
        double x;
        long k = ls_plot_match(m, c, ls_plot_cell(d->table, col, ls_plot_row(d, i)), &missing, &x);
        size_t gi = k != LS_MATCH_NONE ? (size_t)k : missing ? unmatched : ref;
        if (gi == ref && !isnan(x) && c->kind == LS_CRIT_BANDED)
            g[ref].order = fmin(g[ref].order, x);
        g[gi].rows += 1;
        g[gi].positives += d->y[i];
        P += d->y[i];
        N += 1 - d->y[i];
    }
    if (P == 0 || N == 0) {
        free(g);
        return ls_fail(err, LS_ERR_DATA,
                       "weights of evidence need converted and not converted leads");
    }
    /* Keep groups with leads; 0.5 in an empty cell keeps the logarithm finite. */
    size_t n = 0;
    for (size_t k = 0; k < ng; k++) {
        if (g[k].rows == 0)
            continue;
        double pos = g[k].positives, neg = g[k].rows - g[k].positives;
        g[k].woe = log(((pos > 0 ? pos : 0.5) / P) / ((neg > 0 ? neg : 0.5) / N));
        g[n++] = g[k];
    }
    qsort(g, n, sizeof *g, c->kind == LS_CRIT_BANDED ? by_order : by_woe);

    ls_sbuf_puts(&t->data, "#band\tleads\tconverted\tconversion_rate\tweight_of_evidence"
                           "\tpoints\trate_low\trate_high\n");
    size_t longest = 0;
    for (size_t k = 0; k < n; k++) {
        double lo, hi;
        ls_wilson(g[k].positives, g[k].rows, &lo, &hi);
        if (strlen(g[k].label) > longest)
            longest = strlen(g[k].label);
        ls_sbuf_field(&t->data, g[k].label);
        ls_sbuf_printf(&t->data, "\t%.0f\t%.0f\t", g[k].rows, g[k].positives);
        const double v[] = {g[k].positives / g[k].rows, g[k].woe, g[k].points, lo, hi};
        for (size_t j = 0; j < 5; j++) {
            ls_sbuf_num(&t->data, v[j]);
            ls_sbuf_puts(&t->data, j + 1 < 5 ? "\t" : "\n");
        }
    }
    free(g);

    ls_sbuf *sc = &t->script;
    char title[600];
    snprintf(title, sizeof title, "%s: weight of evidence and conversion rate per %s",
             c->label ? c->label : c->column, c->kind == LS_CRIT_BANDED ? "band" : "level");
    ls_sbuf_puts(sc, "set title ");
    ls_sbuf_quote(sc, title);
    ls_sbuf_printf(sc,
                   "\nset grid ytics lc rgb '#e0e0e0' dt 1\nset border 11\n"
                   "set xtics nomirror scale 0\nset ytics nomirror\nset y2tics\n"
                   "set ylabel 'weight of evidence'\n"
                   "set y2label 'conversion rate (%%)'\n"
                   "set y2range [0:*]\nset xrange [-0.6:%zu.6]\n"
                   "set offsets 0, 0, graph 0.1, graph 0.05\n"
                   "set xzeroaxis lt -1 lc rgb '#444444'\n"
                   "set style fill solid 0.85 noborder\n",
                   n ? n - 1 : 0);
    /* Many levels: slanted labels, which take about half their length in lines. */
    int slanted = n > 6;
    if (slanted)
        ls_sbuf_puts(sc, "set xtics rotate by -30\n");
    ls_plot_key_below(sc, slanted ? 2 + (longest + 1) / 2 : 2, 0);
    ls_sbuf_printf(sc,
                   "plot DATA using 0:5:(0.6):xtic(1) with boxes lc rgb '%s' title 'weight of "
                   "evidence: ln(share of converted / share of not converted)', \\\n"
                   "     DATA using 0:($5 >= 0 ? $5 : 0):(sprintf('%%+g pts', $6)) with labels "
                   "offset 0,0.8 font ',9' tc rgb '#333333' notitle, \\\n"
                   "     DATA using 0:($4 * 100):($7 * 100):($8 * 100) axes x1y2 with "
                   "yerrorlines lw 2 pt 7 lc rgb '%s' title 'conversion rate (95%% interval)'\n",
                   LS_COLOUR_MAIN, LS_COLOUR_OTHER);
    return LS_OK;
}
