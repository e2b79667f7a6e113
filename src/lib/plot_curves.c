/* Charts of how well the points rank and how well the probabilities are
 * calibrated: ROC, calibration, cumulative gains and lift. Each draws the
 * data and, when given, the holdout beside it (the data block of series i
 * is gnuplot's `index i`).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/metrics.h"
#include "plot_internal.h"

#define GROUPS 10

static const char *const colours[2] = {LS_COLOUR_MAIN, LS_COLOUR_OTHER};

/* The leads of one series with known outcomes. */
typedef struct {
    const char *name;
    double *score, *p, *y;
    size_t n;
} series;

static void series_release(series *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].score);
        free(s[i].p);
        free(s[i].y);
    }
}

/* The data and the holdout (when it has outcomes). Returns the count in *n. */
static ls_status collect(const ls_plot_inputs *in, series *s, size_t *n, ls_error *err)
{
    const ls_plot_data *sets[2] = {in->data, in->holdout};
    *n = 0;
    memset(s, 0, 2 * sizeof *s);
    for (size_t i = 0; i < 2; i++) {
        if (!sets[i] || !sets[i]->n_outcomes)
            continue;
        series *x = &s[*n];
        x->name = sets[i]->name;
        ls_status st = ls_plot_known(sets[i], &x->score, &x->p, &x->y, &x->n, err);
        if (st != LS_OK) {
            series_release(s, *n);
            return st;
        }
        (*n)++;
    }
    if (*n == 0)
        return ls_fail(err, LS_ERR_DATA, "no leads with outcomes to plot");
    return LS_OK;
}

static void block_separator(ls_sbuf *b, size_t i)
{
    if (i > 0)
        ls_sbuf_puts(b, "\n\n");
}

static void title_line(ls_sbuf *s, const char *title)
{
    ls_sbuf_puts(s, "set title ");
    ls_sbuf_quote(s, title);
    ls_sbuf_puts(s, "\n");
}

static void common_style(ls_sbuf *s)
{
    ls_sbuf_puts(s, "set grid lc rgb '#e0e0e0' dt 1\n"
                    "set border 3\n"
                    "set xtics nomirror\n"
                    "set ytics nomirror\n"
                    "set key opaque box lc rgb '#cccccc'\n");
}

/* ---- ROC ---------------------------------------------------------------------- */

ls_status ls_plot_roc(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                      ls_plot_text *t, ls_error *err)
{
    (void)m;
    (void)o;
    series s[2];
    size_t ns;
    ls_status st = collect(in, s, &ns, err);
    if (st != LS_OK)
        return st;
    char titles[2][400];
    for (size_t i = 0; i < ns && st == LS_OK; i++) {
        ls_metrics mt;
        double *fpr = NULL, *tpr = NULL;
        size_t k;
        if ((st = ls_metrics_compute(s[i].score, NULL, s[i].y, s[i].n, &mt, err)) != LS_OK)
            break;
        if ((st = ls_roc_curve(s[i].score, s[i].y, s[i].n, &fpr, &tpr, &k, err)) != LS_OK)
            break;
        snprintf(titles[i], sizeof titles[i], "%s: AUC %.3f (95%% CI %.3f-%.3f)", s[i].name, mt.auc,
                 mt.auc_low, mt.auc_high);
        block_separator(&t->data, i);
        ls_sbuf_printf(&t->data, "#%s: false_positive_rate\ttrue_positive_rate\n", "roc");
        for (size_t j = 0; j < k; j++) {
            ls_sbuf_num(&t->data, fpr[j]);
            ls_sbuf_puts(&t->data, "\t");
            ls_sbuf_num(&t->data, tpr[j]);
            ls_sbuf_puts(&t->data, "\n");
        }
        free(fpr);
        free(tpr);
    }
    if (st == LS_OK) {
        ls_sbuf *sc = &t->script;
        title_line(sc, "ROC curve of the points");
        common_style(sc);
        ls_plot_key_below(sc, ns + 1, 0);
        ls_sbuf_puts(sc, "set size square\n"
                         "set xrange [0:1]\nset yrange [0:1]\n"
                         "set xlabel 'false positive rate (non-converters reached)'\n"
                         "set ylabel 'true positive rate (converters reached)'\n"
                         "plot ");
        for (size_t i = 0; i < ns; i++) {
            ls_sbuf_printf(sc, "DATA index %zu using 1:2 with lines lw 2 lc rgb '%s' title ", i,
                           colours[i]);
            ls_sbuf_quote(sc, titles[i]);
            ls_sbuf_puts(sc, ", \\\n     ");
        }
        ls_sbuf_printf(sc, "x with lines dt 2 lc rgb '%s' title 'chance (AUC 0.5)'\n",
                       LS_COLOUR_GUIDE);
    }
    series_release(s, ns);
    return st;
}

/* ---- calibration ---------------------------------------------------------------- */

ls_status ls_plot_calibration(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                              ls_plot_text *t, ls_error *err)
{
    (void)m;
    (void)o;
    series s[2];
    size_t ns;
    ls_status st = collect(in, s, &ns, err);
    if (st != LS_OK)
        return st;
    char titles[2][400];
    double top = 0.1;
    for (size_t i = 0; i < ns && st == LS_OK; i++) {
        if (!s[i].p) {
            st = ls_fail(err, LS_ERR_DATA, "calibration needs probabilities: %s has none",
                         s[i].name);
            break;
        }
        ls_metrics mt;
        ls_group g[GROUPS];
        size_t ng;
        if ((st = ls_metrics_compute(NULL, s[i].p, s[i].y, s[i].n, &mt, err)) != LS_OK)
            break;
        if ((st = ls_gains_table(NULL, s[i].p, s[i].y, s[i].n, GROUPS, g, &ng, err)) != LS_OK)
            break;
        snprintf(titles[i], sizeof titles[i], "%s: slope %.2f, intercept %+.2f", s[i].name,
                 mt.calibration_slope, mt.calibration_intercept);
        block_separator(&t->data, i);
        ls_sbuf_puts(&t->data, "#decile\tpredicted\tobserved\tobserved_low\tobserved_high\tleads"
                               "\tconverted\n");
        for (size_t j = ng; j-- > 0;) { /* lowest predicted first */
            double lo, hi;
            ls_wilson((double)g[j].positives, (double)g[j].rows, &lo, &hi);
            top = fmax(top, fmax(hi, g[j].mean_predicted));
            ls_sbuf_printf(&t->data, "%zu\t", ng - j);
            const double v[] = {g[j].mean_predicted, g[j].rate, lo, hi};
            for (size_t k = 0; k < 4; k++) {
                ls_sbuf_num(&t->data, v[k]);
                ls_sbuf_puts(&t->data, "\t");
            }
            ls_sbuf_printf(&t->data, "%zu\t%zu\n", g[j].rows, g[j].positives);
        }
    }
    if (st == LS_OK) {
        double r = fmin(1, ceil(top * 10 * 1.02) / 10);
        ls_sbuf *sc = &t->script;
        title_line(sc, "Calibration: predicted vs observed conversion by decile of predicted "
                       "probability");
        common_style(sc);
        ls_plot_key_below(sc, ns + 1, 0);
        ls_sbuf_printf(sc,
                       "set size square\nset xrange [0:%g]\nset yrange [0:%g]\n"
                       "set xlabel 'mean predicted probability'\n"
                       "set ylabel 'observed conversion rate (95%% Wilson interval)'\n"
                       "plot ",
                       r, r);
        for (size_t i = 0; i < ns; i++) {
            ls_sbuf_printf(sc,
                           "DATA index %zu using 2:3:4:5 with yerrorlines lw 1.5 pt 7 ps 0.8 "
                           "lc rgb '%s' title ",
                           i, colours[i]);
            ls_sbuf_quote(sc, titles[i]);
            ls_sbuf_puts(sc, ", \\\n     ");
        }
        ls_sbuf_printf(sc, "x with lines dt 2 lc rgb '%s' title 'perfect calibration'\n",
                       LS_COLOUR_GUIDE);
    }
    series_release(s, ns);
    return st;
}

/* ---- gains and lift ---------------------------------------------------------------- */

static ls_status gains_blocks(series *s, size_t ns, ls_sbuf *data, double *rate0,
                              char titles[2][400], int lift, ls_error *err)
{
    for (size_t i = 0; i < ns; i++) {
        ls_group g[GROUPS];
        size_t ng;
        ls_status st = ls_gains_table(s[i].score, s[i].p, s[i].y, s[i].n, GROUPS, g, &ng, err);
        if (st != LS_OK)
            return st;
        double pos = 0;
        for (size_t j = 0; j < s[i].n; j++)
            pos += s[i].y[j];
        if (i == 0)
            *rate0 = pos / (double)s[i].n;
        block_separator(data, i);
        ls_sbuf_puts(data, "#group\tscore_low\tscore_high\tleads_share\tconversions_share\tlift"
                           "\tcumulative_lift\tleads\tconverted\n");
        if (!lift)
            ls_sbuf_puts(data, "0\tNaN\tNaN\t0\t0\tNaN\tNaN\t0\t0\n");
        for (size_t j = 0; j < ng; j++) {
            ls_sbuf_printf(data, "%zu\t", j + 1);
            const double v[] = {g[j].score_lo, g[j].score_hi, g[j].cum_rows_share,
                                g[j].cum_gain, g[j].lift,     g[j].cum_gain / g[j].cum_rows_share};
            for (size_t k = 0; k < 6; k++) {
                ls_sbuf_num(data, v[k]);
                ls_sbuf_puts(data, "\t");
            }
            ls_sbuf_printf(data, "%zu\t%zu\n", g[j].rows, g[j].positives);
        }
        double top = ng > 1 ? g[1].cum_gain : ng ? g[0].cum_gain : NAN;
        double share = ng > 1 ? g[1].cum_rows_share : ng ? g[0].cum_rows_share : NAN;
        if (lift)
            snprintf(titles[i], sizeof titles[i], "%s: top decile converts %.1fx the average",
                     s[i].name, ng ? g[0].lift : NAN);
        else
            snprintf(titles[i], sizeof titles[i], "%s: top %.0f%% of leads, %.0f%% of conversions",
                     s[i].name, 100 * share, 100 * top);
    }
    return LS_OK;
}

ls_status ls_plot_gains(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                        ls_plot_text *t, ls_error *err)
{
    (void)m;
    (void)o;
    series s[2];
    size_t ns;
    ls_status st = collect(in, s, &ns, err);
    if (st != LS_OK)
        return st;
    char titles[2][400];
    double rate = 0;
    st = gains_blocks(s, ns, &t->data, &rate, titles, 0, err);
    if (st == LS_OK) {
        ls_sbuf *sc = &t->script;
        title_line(sc, "Cumulative gains: conversions captured by calling the best-scored leads "
                       "first");
        common_style(sc);
        ls_plot_key_below(sc, ns + 2, 0);
        ls_sbuf_printf(
            sc,
            "set size square\nset xrange [0:1]\nset yrange [0:1.02]\n"
            "set xtics ('0%%%%' 0, '20%%%%' 0.2, '40%%%%' 0.4, '60%%%%' 0.6, '80%%%%' 0.8, "
            "'100%%%%' 1)\n"
            "set ytics ('0%%%%' 0, '20%%%%' 0.2, '40%%%%' 0.4, '60%%%%' 0.6, '80%%%%' 0.8, "
            "'100%%%%' 1)\n"
            "set xlabel 'share of leads, best-scored first'\n"
            "set ylabel 'share of conversions captured'\n"
            "set samples 1001\n"
            "ideal(x) = x < %.17g ? x / %.17g : 1\n"
            "plot ",
            rate, rate);
        for (size_t i = 0; i < ns; i++) {
            ls_sbuf_printf(sc,
                           "DATA index %zu using 4:5 with linespoints lw 2 pt 7 ps 0.7 "
                           "lc rgb '%s' title ",
                           i, colours[i]);
            ls_sbuf_quote(sc, titles[i]);
            ls_sbuf_puts(sc, ", \\\n     ");
        }
        ls_sbuf_printf(sc,
                       "DATA index 0 using 4:5:(sprintf('%%.0f%%%%', 100 * $5)) every ::1 with "
                       "labels offset -1.2,0.8 font ',8' tc rgb '%s' notitle, \\\n"
                       "     ideal(x) with lines dt 3 lc rgb '%s' title 'perfect ranking', \\\n"
                       "     x with lines dt 2 lc rgb '%s' title 'random order'\n",
                       LS_COLOUR_MAIN, LS_COLOUR_GUIDE, LS_COLOUR_GUIDE);
    }
    series_release(s, ns);
    return st;
}

ls_status ls_plot_lift(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                       ls_plot_text *t, ls_error *err)
{
    (void)m;
    (void)o;
    series s[2];
    size_t ns;
    ls_status st = collect(in, s, &ns, err);
    if (st != LS_OK)
        return st;
    char titles[2][400];
    double rate = 0;
    st = gains_blocks(s, ns, &t->data, &rate, titles, 1, err);
    if (st == LS_OK) {
        ls_sbuf *sc = &t->script;
        double w = ns > 1 ? 0.38 : 0.7;
        title_line(sc, "Lift: conversion rate of each score decile over the average");
        common_style(sc);
        ls_plot_key_below(sc, 2 * ns, 0);
        ls_sbuf_printf(sc,
                       "set xlabel 'score decile (1 = best-scored 10%% of leads)'\n"
                       "set ylabel 'lift (conversion rate / average rate)'\n"
                       "set yrange [0:*]\nset xrange [0.4:%d.6]\nset xtics 1\n"
                       "set grid noxtics\n"
                       "set style fill solid 0.85 noborder\n"
                       "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "
                       "'%s'\n"
                       "plot ",
                       GROUPS, LS_COLOUR_GUIDE);
        for (size_t i = 0; i < ns; i++) {
            double off = ns > 1 ? (i == 0 ? -0.2 : 0.2) : 0;
            ls_sbuf_printf(sc, "DATA index %zu using ($1 %+g):6:(%g) with boxes lc rgb '%s' title ",
                           i, off, w, colours[i]);
            ls_sbuf_quote(sc, titles[i]);
            ls_sbuf_printf(sc,
                           ", \\\n     DATA index %zu using ($1 %+g):6:(sprintf('%%.1f', $6)) "
                           "with labels offset 0,0.7 font ',8' notitle, \\\n     ",
                           i, off);
            ls_sbuf_printf(sc,
                           "DATA index %zu using 1:7 with linespoints dt 2 pt 6 ps 0.7 lc rgb "
                           "'%s' title ",
                           i, colours[i]);
            char cum[440];
            snprintf(cum, sizeof cum, "%s: cumulative lift", s[i].name);
            ls_sbuf_quote(sc, cum);
            ls_sbuf_puts(sc, i + 1 < ns ? ", \\\n     " : "\n");
        }
    }
    series_release(s, ns);
    return st;
}
