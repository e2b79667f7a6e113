/* leadscore — charts of a model and of the leads it scores, drawn by
 * gnuplot, and the HTML report that gathers them.
 *
 * gnuplot runs as a child process fed a script with the data inline; nothing
 * else draws. The library never looks for gnuplot itself beyond running it:
 * when it is not installed, plotting fails with LS_ERR_NOTFOUND and a message
 * saying how to install it, and everything else keeps working.
 *
 * Kinds:
 *  importance    points of each criterion level (or the standardised effect,
 *                estimate × SD of the term's column on the data), with 95%
 *                interval whiskers, sorted, significant terms told apart
 *  roc           ROC curve of the points, AUC in the legend (data and holdout)
 *  calibration   predicted vs observed conversion per decile of predicted
 *                probability, Wilson 95% intervals, the diagonal
 *  gains         share of conversions captured by the best-scored share of leads
 *  lift          conversion rate of each score decile over the overall rate
 *  distribution  score histograms of converted and not converted leads
 *  bands         weight of evidence and conversion rate per band (or level)
 *                of one criterion
 *  psi           score distribution of the data against a baseline population,
 *                binned by the baseline's deciles, with the population
 *                stability index
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_PLOT_H
#define LEADSCORE_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leadscore/error.h"
#include "leadscore/model.h"
#include "leadscore/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LS_PLOT_IMPORTANCE = 0,
    LS_PLOT_ROC,
    LS_PLOT_CALIBRATION,
    LS_PLOT_GAINS,
    LS_PLOT_LIFT,
    LS_PLOT_DISTRIBUTION,
    LS_PLOT_BANDS,
    LS_PLOT_PSI
} ls_plot_kind;

#define LS_PLOT_KIND_COUNT 8

/* "importance", "roc", ... Never NULL. */
const char *ls_plot_kind_name(ls_plot_kind kind);

/* Parses a kind name as above. Returns 1 and sets *out, or 0 if unknown. */
int ls_plot_kind_parse(const char *name, ls_plot_kind *out);

typedef enum {
    LS_PLOT_PNG = 0, /* gnuplot's pngcairo terminal */
    LS_PLOT_SVG,     /* svg */
    LS_PLOT_PDF,     /* pdfcairo */
    LS_PLOT_DUMB     /* text, for a terminal (ls_plot_print) */
} ls_plot_format;

/* The format named by a path's extension (.png, .svg, .pdf; any case).
 * Returns 1 and sets *out, or 0 for any other extension. */
int ls_plot_format_from_path(const char *path, ls_plot_format *out);

/* "png", "svg", "pdf" or "dumb". Never NULL. */
const char *ls_plot_format_name(ls_plot_format format);

typedef struct {
    ls_plot_format format;
    /* Pixels for PNG and SVG (points/100 inches for PDF, characters for
     * DUMB). 0 = default: 1000×650 (100×35 characters); importance grows
     * the height with the number of bars. */
    unsigned width, height;
    int standardised;      /* importance: estimate × SD of the term's column (needs data) */
    const char *criterion; /* bands: column or label of the criterion (NULL: the first
                              banded criterion of the model) */
    const char *gnuplot;   /* program to run; NULL = "gnuplot" searched on PATH */
} ls_plot_options;

/* format PNG, default size, points (not standardised), first banded
 * criterion, gnuplot from PATH. */
void ls_plot_options_init(ls_plot_options *opts);

/* ---- the leads plotted ------------------------------------------------- */

/* Leads scored by a model, with their outcomes where known. */
typedef struct ls_plot_data ls_plot_data;

/* Scores every row of table with model (the scorer's rules) and reads each
 * lead's outcome from target_column — NULL: the model's target, when the
 * table has it — where positive names the value meaning converted (NULL: the
 * model's for its own target, else yes/true/1). A row whose outcome is
 * missing is left out of the charts that need outcomes. name labels the
 * leads in legends ("Leads.csv", "holdout"); it is copied. model and table
 * are borrowed: keep both alive while data is used (standardised importance
 * and bands read the table's columns). A value the scorer cannot read is
 * LS_ERR_PARSE placed at its file, line and column; a target_column the table
 * lacks is LS_ERR_NOTFOUND. *out is owned by the caller: ls_plot_data_free(). */
ls_status ls_plot_data_new(const ls_model *model, const ls_table *table, const char *name,
                           const char *target_column, const char *positive, ls_plot_data **out,
                           ls_error *err);

/* Leads scored elsewhere: n scores, probabilities (NULL: none) and outcomes
 * (0/1, NAN where unknown; NULL: none). The arrays are copied. Charts that
 * need the table's columns (standardised importance, bands) refuse such data.
 * *out is owned by the caller: ls_plot_data_free(). */
ls_status ls_plot_data_from_arrays(const char *name, const double *score, const double *p,
                                   const double *y, size_t n, ls_plot_data **out, ls_error *err);

/* Splits data in two by test (one flag per lead of data, e.g. from
 * ls_split_holdout): *train gets the leads flagged 0, named "NAME
 * (training)", *holdout those flagged 1, "NAME (holdout)". Both borrow
 * data's model and table as data does (data itself may be freed). Both are
 * owned by the caller: ls_plot_data_free(). */
ls_status ls_plot_data_split(const ls_plot_data *data, const unsigned char *test,
                             ls_plot_data **train, ls_plot_data **holdout, ls_error *err);

/* Splits data as `refine` holds leads out (ls_split_holdout: stratified by
 * outcome, drawn from seed alone, frac in (0, 1)); leads without an outcome
 * stay in training. As ls_plot_data_split otherwise. */
ls_status ls_plot_data_split_holdout(const ls_plot_data *data, double frac, uint64_t seed,
                                     ls_plot_data **train, ls_plot_data **holdout, ls_error *err);

void ls_plot_data_free(ls_plot_data *data);

size_t ls_plot_data_rows(const ls_plot_data *data);
/* Rows whose outcome is known. */
size_t ls_plot_data_outcomes(const ls_plot_data *data);
const char *ls_plot_data_name(const ls_plot_data *data);
/* Per row: score, probability (NAN without), outcome (NAN where unknown). */
const double *ls_plot_data_scores(const ls_plot_data *data);
const double *ls_plot_data_probabilities(const ls_plot_data *data);
const double *ls_plot_data_outcomes_array(const ls_plot_data *data);

/* What a chart is drawn from; every member may be NULL. */
typedef struct {
    const ls_plot_data *data;     /* the leads (every kind but plain importance) */
    const ls_plot_data *holdout;  /* roc, calibration, gains, lift: drawn beside data */
    const ls_plot_data *baseline; /* psi: the reference population */
} ls_plot_inputs;

/* 1 if kind can be drawn from model and in (the data it needs is there);
 * otherwise 0 and, if why is not NULL, a short reason in why (e.g. "needs
 * --data with outcomes"). */
int ls_plot_available(const ls_model *model, ls_plot_kind kind, const ls_plot_inputs *in,
                      const ls_plot_options *opts, char *why, size_t why_size);

/* The columns of the model's banded criteria, in the model's order: stores
 * up to max of them (owned by the model) and returns how many there are. */
size_t ls_plot_banded_criteria(const ls_model *model, const char **columns, size_t max);

/* ---- drawing ------------------------------------------------------------- */

/* The gnuplot script and its data for a chart, before anything runs. The
 * script reads the data from the datablock named by the gnuplot variable
 * DATA, which it does not define: ls_plot_write defines it inline. data is
 * tab-separated with a '#' header line per block (blocks are separated by
 * two blank lines, gnuplot's `index`). Both strings are owned by the caller
 * (free()). The script sets no terminal and no output. */
ls_status ls_plot_script(const ls_model *model, ls_plot_kind kind, const ls_plot_inputs *in,
                         const ls_plot_options *opts, char **script, char **data, ls_error *err);

/* Draws the chart into path, atomically (gnuplot's output is collected and
 * written to a temporary file renamed into place). When script_path and/or
 * data_path are not NULL, the gnuplot script and its data are written there
 * too, so that `gnuplot SCRIPT` (run where the paths resolve) redraws path. */
ls_status ls_plot_write(const ls_model *model, ls_plot_kind kind, const ls_plot_inputs *in,
                        const ls_plot_options *opts, const char *path, const char *script_path,
                        const char *data_path, ls_error *err);

/* Draws the chart with gnuplot's dumb terminal (opts->format is ignored) and
 * writes the text to out. */
ls_status ls_plot_print(const ls_model *model, ls_plot_kind kind, const ls_plot_inputs *in,
                        const ls_plot_options *opts, FILE *out, ls_error *err);

/* Draws the chart in opts->format and returns gnuplot's output in *bytes
 * (*len bytes, malloc'd: the caller frees). */
ls_status ls_plot_render(const ls_model *model, ls_plot_kind kind, const ls_plot_inputs *in,
                         const ls_plot_options *opts, unsigned char **bytes, size_t *len,
                         ls_error *err);

/* ---- the HTML report ----------------------------------------------------- */

/* Writes one self-contained HTML file (no external resources: every chart is
 * inlined as a PNG data URI) to path, atomically: the model's summary, its
 * points table, validation metrics and gains by decile on in->data (and
 * in->holdout), tiers, and every chart that in allows. in->data must have
 * outcomes. title names the model in the page (e.g. its file name). Only
 * opts->gnuplot and opts->width are used. */
ls_status ls_report_html_write(const ls_model *model, const char *title, const ls_plot_inputs *in,
                               const ls_plot_options *opts, const char *path, ls_error *err);

#ifdef __cplusplus
}
#endif
#endif
