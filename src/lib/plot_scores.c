/* Charts of the score distribution: converted against not converted leads
 * (with the tiers' thresholds), and the data against a baseline population
 * with the population stability index (PSI).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

#define TARGET_BINS 40
#define PSI_BINS 10
#define PSI_FLOOR 1e-4 /* share given to an empty bin, so ln() stays finite */

/* A bin width of 1, 2 or 5 × 10^k giving at most TARGET_BINS bins. */
static double nice_width(double range)
{
    double w = 1;
    static const double steps[] = {1, 2, 5};
    for (int e = 0; e < 12; e++) {
        for (size_t k = 0; k < 3; k++) {
            w = steps[k] * pow(10, e);
            if (range / w <= TARGET_BINS)
                return w;
        }
    }
    return w;
}

static int all_whole(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != floor(v[i]))
            return 0;
    return 1;
}

ls_status ls_plot_distribution(const ls_model *m, const ls_plot_inputs *in,
                               const ls_plot_options *o, ls_plot_text *t, ls_error *err)
{
    (void)o;
    double *score = NULL, *p = NULL, *y = NULL, *counts = NULL;
    size_t n = 0;
    ls_status st = ls_plot_known(in->data, &score, &p, &y, &n, err);
    if (st != LS_OK)
        return st;
    if (n == 0) {
        st = ls_fail(err, LS_ERR_DATA, "no leads with outcomes to plot");
        goto done;
    }
    double lo = score[0], hi = score[0], npos = 0;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, score[i]);
        hi = fmax(hi, score[i]);
        npos += y[i];
    }
    double nneg = (double)n - npos;
    double w = nice_width(hi - lo + 1);
    double start = floor(lo / w) * w;
    size_t nbins = (size_t)floor((hi - start) / w) + 1;
    if (!(counts = calloc(2 * nbins, sizeof *counts))) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t)floor((score[i] - start) / w);
        if (b >= nbins)
            b = nbins - 1;
        counts[2 * b + (y[i] == 1)] += 1;
    }
    int whole = all_whole(score, n) && w == floor(w);
    ls_sbuf_puts(&t->data, "#score_low\tscore_high\tnot_converted_pct\tconverted_pct"
                           "\tnot_converted\tconverted\n");
    for (size_t b = 0; b < nbins; b++) {
        double blo = start + (double)b * w;
        ls_sbuf_num(&t->data, blo);
        ls_sbuf_puts(&t->data, "\t");
        ls_sbuf_num(&t->data, whole ? blo + w - 1 : blo + w);
        ls_sbuf_puts(&t->data, "\t");
        ls_sbuf_num(&t->data, nneg > 0 ? 100 * counts[2 * b] / nneg : 0);
        ls_sbuf_puts(&t->data, "\t");
        ls_sbuf_num(&t->data, npos > 0 ? 100 * counts[2 * b + 1] / npos : 0);
        ls_sbuf_printf(&t->data, "\t%.0f\t%.0f\n", counts[2 * b], counts[2 * b + 1]);
    }

    ls_sbuf *sc = &t->script;
    char title[400];
    snprintf(title, sizeof title, "Score distribution of converted and not converted leads (%s)",
             in->data->name);
    ls_sbuf_puts(sc, "set title ");
    ls_sbuf_quote(sc, title);
    ls_sbuf_puts(sc, "\nset grid ytics lc rgb '#e0e0e0' dt 1\nset border 3\n"
                     "set xtics nomirror\nset ytics nomirror\n"
                     "set xlabel 'score (points)'\n"
                     "set ylabel 'share of the group (%)'\n"
                     "set yrange [0:*]\n"
                     "set style fill transparent solid 0.4 border\n");
    ls_plot_key_below(sc, 1, 1);
    /* Tier thresholds: a dashed line where each tier starts. */
    for (size_t k = 0; k < m->n_tiers; k++) {
        double min = m->tiers[k].min_score;
        if (!isfinite(min) || min <= lo || min > hi)
            continue;
        double x = whole ? min - 0.5 : min;
        ls_sbuf_printf(sc,
                       "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead dt 2 lc rgb '%s'\n",
                       x, x, LS_COLOUR_GUIDE);
        char label[200];
        snprintf(label, sizeof label, " %s >= %g", m->tiers[k].name, min);
        ls_sbuf_puts(sc, "set label ");
        ls_sbuf_quote(sc, label);
        ls_sbuf_printf(sc, " at %.17g, graph 0.97 left font ',9' tc rgb '#555555'\n", x);
    }
    char conv[120], notconv[120];
    snprintf(conv, sizeof conv, "converted (%.0f leads)", npos);
    snprintf(notconv, sizeof notconv, "not converted (%.0f leads)", nneg);
    /* A whole-number bin lo..hi spans lo - 0.5 to hi + 0.5. */
    ls_sbuf_printf(sc, "plot DATA using (($1 + $2) / 2):3:(%s) with boxes lc rgb '%s' title ",
                   whole ? "$2 - $1 + 1" : "$2 - $1", LS_COLOUR_OTHER);
    ls_sbuf_quote(sc, notconv);
    ls_sbuf_printf(sc, ", \\\n     DATA using (($1 + $2) / 2):4:(%s) with boxes lc rgb '%s' title ",
                   whole ? "$2 - $1 + 1" : "$2 - $1", LS_COLOUR_MAIN);
    ls_sbuf_quote(sc, conv);
    ls_sbuf_puts(sc, "\n");
done:
    free(score);
    free(p);
    free(y);
    free(counts);
    return st;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The bin of v: the first edge >= v, else the last bin. */
static size_t bin_of(const double *edges, size_t ne, double v)
{
    size_t b = 0;
    while (b < ne && v > edges[b])
        b++;
    return b;
}

static void bin_label(char *buf, size_t size, const double *edges, size_t ne, size_t b, int whole)
{
    if (ne == 0)
        snprintf(buf, size, "all");
    else if (b == 0)
        snprintf(buf, size, "<=%g", edges[0]);
    else if (b == ne)
        snprintf(buf, size, whole ? ">=%g" : ">%g", whole ? edges[ne - 1] + 1 : edges[ne - 1]);
    else if (whole && edges[b - 1] + 1 == edges[b])
        snprintf(buf, size, "%g", edges[b]);
    else if (whole)
        snprintf(buf, size, "%g..%g", edges[b - 1] + 1, edges[b]);
    else
        snprintf(buf, size, "(%g,%g]", edges[b - 1], edges[b]);
}

ls_status ls_plot_psi(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                      ls_plot_text *t, ls_error *err)
{
    (void)m;
    (void)o;
    const ls_plot_data *d = in->data, *base = in->baseline;
    if (!d->n || !base->n)
        return ls_fail(err, LS_ERR_DATA,
                       "the population stability index needs leads in both "
                       "the data and the baseline");
    double *sorted = malloc(base->n * sizeof *sorted);
    double edges[PSI_BINS];
    double cb[PSI_BINS + 1] = {0}, cd[PSI_BINS + 1] = {0};
    if (!sorted)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    memcpy(sorted, base->score, base->n * sizeof *sorted);
    qsort(sorted, base->n, sizeof *sorted, dbl_cmp);
    /* Edges at the baseline's deciles (upper ends, inclusive), distinct and
     * below its maximum so every bin holds some of the baseline. */
    size_t ne = 0;
    double max = sorted[base->n - 1];
    for (size_t k = 1; k < PSI_BINS; k++) {
        size_t idx = (size_t)ceil((double)k * (double)base->n / PSI_BINS);
        double e = sorted[idx ? idx - 1 : 0];
        if (e < max && (ne == 0 || e > edges[ne - 1]))
            edges[ne++] = e;
    }
    free(sorted);
    for (size_t i = 0; i < base->n; i++)
        cb[bin_of(edges, ne, base->score[i])] += 1;
    for (size_t i = 0; i < d->n; i++)
        cd[bin_of(edges, ne, d->score[i])] += 1;
    int whole = all_whole(base->score, base->n) && all_whole(d->score, d->n);
    double psi = 0;
    ls_sbuf_puts(&t->data, "#bin\tbaseline_pct\tdata_pct\tpsi_term\tbaseline\tdata\n");
    for (size_t b = 0; b <= ne; b++) {
        double a = fmax(cb[b] / (double)base->n, PSI_FLOOR);
        double x = fmax(cd[b] / (double)d->n, PSI_FLOOR);
        double term = (x - a) * log(x / a);
        psi += term;
        char label[80];
        bin_label(label, sizeof label, edges, ne, b, whole);
        ls_sbuf_field(&t->data, label);
        ls_sbuf_puts(&t->data, "\t");
        ls_sbuf_num(&t->data, 100 * cb[b] / (double)base->n);
        ls_sbuf_puts(&t->data, "\t");
        ls_sbuf_num(&t->data, 100 * cd[b] / (double)d->n);
        ls_sbuf_puts(&t->data, "\t");
        ls_sbuf_num(&t->data, term);
        ls_sbuf_printf(&t->data, "\t%.0f\t%.0f\n", cb[b], cd[b]);
    }
    const char *verdict = psi < 0.1 ? "stable" : psi < 0.25 ? "moderate shift" : "major shift";
    char title[300], tb[300], td[300];
    snprintf(title, sizeof title, "Population stability: PSI %.3f (%s)", psi, verdict);
    snprintf(tb, sizeof tb, "baseline: %s (%zu leads)", base->name, base->n);
    snprintf(td, sizeof td, "%s (%zu leads)", d->name, d->n);
    ls_sbuf *sc = &t->script;
    ls_sbuf_puts(sc, "set title ");
    ls_sbuf_quote(sc, title);
    ls_sbuf_printf(sc,
                   "\nset grid ytics lc rgb '#e0e0e0' dt 1\nset border 3\n"
                   "set xtics nomirror scale 0\nset ytics nomirror\n"
                   "set xlabel 'score bins: deciles of the baseline'\n"
                   "set ylabel 'share of leads (%%)'\n"
                   "set yrange [0:*]\nset xrange [-0.6:%zu.6]\n"
                   "set style fill solid 0.85 noborder\n"
                   "set key top right opaque box lc rgb '#cccccc'\n",
                   ne);
    if (ne + 1 > 12)
        ls_sbuf_puts(sc, "set xtics rotate by -30\n");
    ls_sbuf_printf(sc, "plot DATA using ($0 - 0.2):2:(0.38):xtic(1) with boxes lc rgb '%s' title ",
                   LS_COLOUR_OTHER);
    ls_sbuf_quote(sc, tb);
    ls_sbuf_printf(sc, ", \\\n     DATA using ($0 + 0.2):3:(0.38) with boxes lc rgb '%s' title ",
                   LS_COLOUR_MAIN);
    ls_sbuf_quote(sc, td);
    ls_sbuf_puts(sc, "\n");
    return LS_OK;
}
