/* Shared by the chart builders (plot_*.c), the plot driver (plot.c) and the
 * HTML report: the scored leads, a growing text buffer for scripts and data,
 * and one builder per kind.
 *
 * A builder writes two texts: the data (tab-separated, one '#' header line per
 * block, blocks separated by two blank lines so gnuplot's `index` picks them)
 * and the script that plots it from the datablock named by the variable DATA.
 * The driver adds the terminal, the output and the datablock itself.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_PLOT_INTERNAL_H
#define LS_PLOT_INTERNAL_H

#include <stddef.h>

#include "error_internal.h"
#include "leadscore/plot.h"
#include "model_internal.h"
#include "sbuf.h"

struct ls_plot_data {
    char *name;
    size_t n;
    double *score, *p, *y; /* p: NAN without; y: NAN where unknown */
    size_t n_outcomes;     /* rows with y known */
    int has_p;             /* some probability is a number */
    const ls_model *model; /* borrowed; NULL for data from arrays */
    const ls_table *table; /* borrowed; NULL for data from arrays */
    size_t *rows;          /* table row of each lead (a split); NULL: lead i is row i */
};

/* The table row of lead i. */
static inline size_t ls_plot_row(const ls_plot_data *d, size_t i)
{
    return d->rows ? d->rows[i] : i;
}

/* ---- text for gnuplot (the buffer is sbuf.h's) ------------------------------ */

/* s as a gnuplot single-quoted string ('' for a quote; control characters
 * become spaces). */
void ls_sbuf_quote(ls_sbuf *b, const char *s);
/* s as a data field: tabs, newlines and control characters become spaces,
 * double quotes become typographic ones (gnuplot reads " as a string
 * delimiter in data, with no escape), empty text becomes "-". */
void ls_sbuf_field(ls_sbuf *b, const char *s);
/* A double with 17 significant digits ("NaN" for NAN, gnuplot's spelling). */
void ls_sbuf_num(ls_sbuf *b, double v);

/* Puts the key under the plot, centred on the picture, with room for
 * `lines` lines of entries (a key inside would hide part of a curve or a
 * label on small pictures). */
void ls_plot_key_below(ls_sbuf *script, size_t lines, int horizontal);

/* ---- builders ------------------------------------------------------------- */

typedef struct {
    ls_sbuf data;
    ls_sbuf script;
    size_t rows; /* importance: bars, so the driver can size the picture */
} ls_plot_text;

/* The leads of d whose outcome is known, as parallel arrays (caller frees
 * each with free()); *n receives the count. p is NULL when d has no
 * probabilities. */
ls_status ls_plot_known(const ls_plot_data *d, double **score, double **p, double **y, size_t *n,
                        ls_error *err);

/* Wilson score interval for k successes in n trials at 95%. */
void ls_wilson(double k, double n, double *lo, double *hi);

ls_status ls_plot_importance(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                             ls_plot_text *t, ls_error *err);
ls_status ls_plot_roc(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                      ls_plot_text *t, ls_error *err);
ls_status ls_plot_calibration(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                              ls_plot_text *t, ls_error *err);
ls_status ls_plot_gains(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                        ls_plot_text *t, ls_error *err);
ls_status ls_plot_lift(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                       ls_plot_text *t, ls_error *err);
ls_status ls_plot_distribution(const ls_model *m, const ls_plot_inputs *in,
                               const ls_plot_options *o, ls_plot_text *t, ls_error *err);
ls_status ls_plot_bands(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                        ls_plot_text *t, ls_error *err);
ls_status ls_plot_psi(const ls_model *m, const ls_plot_inputs *in, const ls_plot_options *o,
                      ls_plot_text *t, ls_error *err);

/* ---- per-lead view of a criterion (plot_data.c) ---------------------------- */

#define LS_MATCH_NONE (-1L) /* no rule: the reference level or band, 0 points */

/* Which rule of criterion c (a learned kind: numeric, banded, boolean,
 * categorical) the text v matches, by the rules of model_internal.h: its
 * index, or LS_MATCH_NONE. *missing is set when v is missing, *x to the
 * transformed number for numeric and banded criteria (0 when missing, NAN
 * when not a number). */
long ls_plot_match(const ls_model *m, const ls_criterion *c, const char *v, int *missing,
                   double *x);

/* The text of row's value in column col of t ("" when missing). */
const char *ls_plot_cell(const ls_table *t, size_t col, size_t row);

/* The criterion named by column or label, or NULL. */
const ls_criterion *ls_plot_find_criterion(const ls_model *m, const char *name);

/* A rule's short label: its label without the leading "<criterion label>: ". */
const char *ls_plot_short_label(const ls_criterion *c, const ls_rule *r);

/* Colours shared by the charts. */
#define LS_COLOUR_MAIN "#2166ac"  /* significant terms, the data, converted leads */
#define LS_COLOUR_OTHER "#d95f02" /* the holdout, not converted leads, the baseline */
#define LS_COLOUR_MUTED "#bdbdbd" /* non-significant terms */
#define LS_COLOUR_GUIDE "#888888" /* diagonals and reference lines */

#endif
