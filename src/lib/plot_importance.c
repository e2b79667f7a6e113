/* Importance: one horizontal bar per criterion level (regression term) of
 * its points — or its standardised effect, estimate × SD of the term's
 * column on the data — with the 95% interval as whiskers on the same scale
 * (points: factor × the estimate's interval), sorted from the largest
 * value down, significant terms (p < 0.05) in colour and the rest in grey.
 * A hand-written model has no terms: its rules' points are drawn, without
 * intervals.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

#define SIGNIFICANCE 0.05

typedef struct {
    const char *term, *label;
    double value, low, high, points, estimate, p_value;
    int significant;
    int per_unit; /* the label gets " (per unit)" */
} bar;

static int bar_cmp(const void *a, const void *b)
{
    const bar *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? 1 : -1;
    if (x->points != y->points)
        return x->points < y->points ? 1 : -1;
    return strcmp(x->term, y->term);
}

/* The rule behind term t (its label names the level), or NULL. */
static const ls_rule *rule_of_term(const ls_model *m, size_t t)
{
    long ci = m->terms[t].criterion;
    if (ci < 0 || (size_t)ci >= m->n_criteria)
        return NULL;
    const ls_criterion *c = &m->criteria[ci];
    for (size_t k = 0; k < c->n_rules; k++)
        if (c->rules[k].term == (long)t)
            return &c->rules[k];
    return NULL;
}

/* Sample SD of every term's column on the data: the term's value is x for a
 * per-unit rule and 1 for any other rule when the lead matches it, else 0. */
static ls_status term_sds(const ls_model *m, const ls_plot_data *d, double *sd, ls_error *err)
{
    const ls_table *t = d->table;
    size_t n = d->n;
    if (n < 2)
        return ls_fail(err, LS_ERR_DATA, "standardised effects need at least two leads");
    for (size_t i = 0; i < m->n_terms; i++)
        sd[i] = NAN;
    for (size_t ci = 0; ci < m->n_criteria; ci++) {
        const ls_criterion *c = &m->criteria[ci];
        if (c->kind == LS_CRIT_RULES || c->n_rules == 0)
            continue;
        size_t col = ls_table_find_column(t, c->column);
        if (col == (size_t)-1)
            return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, c->column,
                              "the criterion's column is not in the data");
        double *sum = calloc(2 * c->n_rules, sizeof *sum);
        if (!sum)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        double *sumsq = sum + c->n_rules;
        for (size_t i = 0; i < n; i++) {
            int missing;
            double x;
            long k = ls_plot_match(m, c, ls_plot_cell(t, col, ls_plot_row(d, i)), &missing, &x);
            if (k == LS_MATCH_NONE)
                continue;
            double v = c->rules[k].kind == LS_COND_PER_UNIT ? (isnan(x) ? 0 : x) : 1;
            sum[k] += v;
            sumsq[k] += v * v;
        }
        for (size_t k = 0; k < c->n_rules; k++) {
            long term = c->rules[k].term;
            if (term < 0 || (size_t)term >= m->n_terms)
                continue;
            double mean = sum[k] / (double)n;
            double var = (sumsq[k] - (double)n * mean * mean) / (double)(n - 1);
            sd[term] = sqrt(fmax(0, var));
        }
        free(sum);
    }
    return LS_OK;
}

static ls_status learned_bars(const ls_model *m, const ls_plot_inputs *in, int standardised,
                              bar *bars, size_t *nb, ls_error *err)
{
    double *sd = NULL;
    if (standardised) {
        if (!(sd = malloc(m->n_terms * sizeof *sd)))
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        ls_status st = term_sds(m, in->data, sd, err);
        if (st != LS_OK) {
            free(sd);
            return st;
        }
    }
    for (size_t t = 0; t < m->n_terms; t++) {
        const ls_term *term = &m->terms[t];
        if (term->criterion < 0 || term->aliased || isnan(term->estimate))
            continue;
        const ls_rule *r = rule_of_term(m, t);
        double scale = sd ? sd[t] : m->factor;
        if (sd && isnan(scale))
            scale = 0;
        bar *b = &bars[(*nb)++];
        b->term = term->name;
        b->label = r && r->label && r->label[0] ? r->label : term->name;
        b->per_unit = r && r->kind == LS_COND_PER_UNIT;
        b->points = term->points;
        b->estimate = term->estimate;
        b->p_value = term->p_value;
        b->value = sd ? term->estimate * scale : term->points;
        b->low = term->ci_low * scale;
        b->high = term->ci_high * scale;
        b->significant = term->p_value < SIGNIFICANCE;
    }
    free(sd);
    return LS_OK;
}

static void handwritten_bars(const ls_model *m, bar *bars, size_t *nb)
{
    for (size_t ci = 0; ci < m->n_criteria; ci++) {
        const ls_criterion *c = &m->criteria[ci];
        for (size_t k = 0; k < c->n_rules; k++) {
            const ls_rule *r = &c->rules[k];
            bar *b = &bars[(*nb)++];
            b->term = r->label && r->label[0] ? r->label : c->column;
            b->label = b->term;
            b->value = b->points = r->points;
            b->low = b->high = b->estimate = b->p_value = NAN;
            b->significant = 1;
        }
    }
}

static void write_script(const ls_model *m, int standardised, size_t n, ls_sbuf *s)
{
    const char *what = standardised ? "standardised effects" : "points per criterion level";
    char title[600];
    if (m->target)
        snprintf(title, sizeof title, "What drives conversion: %s (target %s)", what, m->target);
    else
        snprintf(title, sizeof title, "What drives conversion: %s", what);
    ls_sbuf_puts(s, "set title ");
    ls_sbuf_quote(s, title);
    ls_sbuf_puts(s, "\n");
    ls_sbuf_puts(s, "set xlabel ");
    ls_sbuf_quote(s, !m->learned    ? "points (hand-written model: no intervals)"
                     : standardised ? "log-odds per SD of the term's column (estimate x SD); "
                                      "whiskers: 95% interval"
                                    : "points; whiskers: 95% interval (points factor x interval "
                                      "of the estimate)");
    ls_sbuf_puts(s, "\n");
    ls_sbuf_printf(s, "set yrange [%zu - 0.5 : -0.5]\n", n);
    ls_sbuf_puts(
        s,
        "set ytics nomirror scale 0\n"
        "set xtics nomirror\n"
        "set border 3\n"
        "set grid xtics lc rgb '#e0e0e0' dt 1\n"
        "set yzeroaxis lt -1 lc rgb '#444444'\n"
        "set offsets graph 0.06, graph 0.06, 0, 0\n"
        "set style fill solid 0.9 noborder\n"
        "set key at screen 0.5, screen 0.005 center bottom horizontal maxcols 3\nset bmargin 5.5\n"
        "end(lo, hi, v) = v >= 0 ? (lo == lo && hi > v ? hi : v) : "
        "(lo == lo && lo < v ? lo : v)\n");
    const char *fmt = standardised ? "%+.2f" : "%+g";
    ls_sbuf_printf(s,
                   "plot DATA using (0):0:(0):3:($0 - 0.38):($0 + 0.38):($6 > 0 ? 0x%s : 0x%s):"
                   "ytic(2) with boxxyerror fc rgb variable notitle, \\\n",
                   LS_COLOUR_MAIN + 1, LS_COLOUR_MUTED + 1);
    if (m->learned)
        ls_sbuf_puts(s, "     DATA using 3:0:4:5 with xerrorbars lc rgb '#333333' pt 7 ps 0.35 "
                        "notitle, \\\n");
    /* value labels beyond the whisker (a hand-written model has none: its
     * NaN intervals would make gnuplot skip the rows) */
    const char *at = m->learned ? "end($4, $5, $3)" : "$3";
    ls_sbuf_printf(s,
                   "     DATA using ($3 >= 0 ? %s : NaN):0:(sprintf(' %s', $3)) "
                   "with labels left font ',8' tc rgb '#333333' notitle, \\\n"
                   "     DATA using ($3 < 0 ? %s : NaN):0:(sprintf('%s ', $3)) "
                   "with labels right font ',8' tc rgb '#333333' notitle",
                   at, fmt, at, fmt);
    if (m->learned)
        ls_sbuf_printf(
            s,
            ", \\\n     keyentry with boxes fc rgb '%s' title 'significant (p < 0.05)', "
            "\\\n     keyentry with boxes fc rgb '%s' title 'not significant', "
            "\\\n     keyentry with xerrorbars lc rgb '#333333' pt 7 ps 0.35 title '95%% "
            "interval'\n",
            LS_COLOUR_MAIN, LS_COLOUR_MUTED);
    else
        ls_sbuf_puts(s, "\n");
}

ls_status ls_plot_importance(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                             ls_plot_text *t, ls_error *err)
{
    int standardised = o->standardised;
    if (standardised && !m->learned)
        return ls_fail(err, LS_ERR_USAGE, "standardised effects need a learned model");
    if (standardised && (!in || !in->data || !in->data->table))
        return ls_fail(err, LS_ERR_USAGE,
                       "standardised effects need the leads (--data) to measure each term's SD");
    size_t cap = m->n_terms;
    for (size_t ci = 0; ci < m->n_criteria; ci++)
        cap += m->criteria[ci].n_rules;
    bar *bars = calloc(cap ? cap : 1, sizeof *bars);
    if (!bars)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    size_t nb = 0;
    ls_status st = LS_OK;
    if (m->learned)
        st = learned_bars(m, in, standardised, bars, &nb, err);
    else
        handwritten_bars(m, bars, &nb);
    if (st == LS_OK && nb == 0)
        st = ls_fail(err, LS_ERR_DATA, "the model has no criterion levels to plot");
    if (st != LS_OK) {
        free(bars);
        return st;
    }
    qsort(bars, nb, sizeof *bars, bar_cmp);

    ls_sbuf_puts(&t->data,
                 "#term\tlabel\tvalue\tlow\thigh\tsignificant\tpoints\testimate\tp_value\n");
    for (size_t i = 0; i < nb; i++) {
        const bar *b = &bars[i];
        ls_sbuf_field(&t->data, b->term);
        ls_sbuf_puts(&t->data, "\t");
        ls_sbuf_field(&t->data, b->label);
        if (b->per_unit)
            ls_sbuf_puts(&t->data, " (per unit)");
        const double nums[] = {b->value, b->low, b->high};
        for (size_t k = 0; k < 3; k++) {
            ls_sbuf_puts(&t->data, "\t");
            ls_sbuf_num(&t->data, nums[k]);
        }
        ls_sbuf_printf(&t->data, "\t%d\t", b->significant);
        ls_sbuf_num(&t->data, b->points);
        ls_sbuf_puts(&t->data, "\t");
        ls_sbuf_num(&t->data, b->estimate);
        ls_sbuf_puts(&t->data, "\t");
        ls_sbuf_num(&t->data, b->p_value);
        ls_sbuf_puts(&t->data, "\n");
    }
    t->rows = nb;
    write_script(m, standardised, nb, &t->script);
    free(bars);
    return LS_OK;
}
