/* Encoding a table into regression terms (the design matrix) and the
 * criteria of a model.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_ENCODE_H
#define LS_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "leadscore/train.h"
#include "logit_internal.h"
#include "model_internal.h"
#include "spool.h"

/* One criterion in the design. Every row is at one level of it: its table
 * code, or n_levels - 1 when the value is missing. Level l puts value[l]
 * into design column term[l] (-1: none, the reference); so the criterion's
 * columns hold at most one non-zero per row. */
typedef struct {
    size_t column;   /* table column */
    size_t n_levels; /* table levels + 1 (missing) */
    int32_t *term;   /* per level: design column, or -1 */
    double *value;   /* per level: the value there (1 for indicators) */
} ls_design_group;

typedef struct {
    size_t n, p;   /* rows, terms (the intercept is not a column) */
    double *X;     /* n × p, column-major: term j (model term j + 1) at X + j*n;
                      NULL for a grouped design (ls_encode_grouped) */
    double *y;     /* 0/1 */
    double *w;     /* case weights, or NULL */
    char **names;  /* p term names, borrowed from the model's terms */
    int *per_unit; /* 1 where term j is linear in a value (not a 0/1 indicator) */

    /* The criteria as groups, in column order (both kinds of design). */
    ls_design_group *groups;
    size_t n_groups;
    /* Grouped designs: the rows' levels are the table's own codes (borrowed:
     * the table must outlive the design), and the view the fitter reads. */
    logit_codes *codes;
    logit_groups view;
    size_t *view_levels;
    const int32_t **view_term;
    const double **view_value;
    ls_spool *spool; /* where y and w live (the table's), or NULL: the heap */
} ls_design;

/* Fills model->criteria and model->terms (terms[0] = "(intercept)", then one
 * per design column) and the design. Decisions (dropped constant columns,
 * pooled levels) are appended to report->notes when report is not NULL. */
ls_status ls_encode(const ls_table *table, const ls_spec *spec, const ls_train_options *opts,
                    ls_model *model, ls_design *design, ls_train_report *report, ls_error *err);

/* As ls_encode, without the dense X: the rows stay the table's level codes
 * (1 or 2 bytes per criterion for most data), read in place by ls_design_fit
 * and the grouped helpers of points.c and train.c. */
ls_status ls_encode_grouped(const ls_table *table, const ls_spec *spec,
                            const ls_train_options *opts, ls_model *model, ls_design *design,
                            ls_train_report *report, ls_error *err);

/* Fits the design (dense or grouped) as ls_logit_fit. */
ls_status ls_design_fit(const ls_design *design, const ls_fit_options *opts, ls_fit_result *res,
                        ls_error *err);

/* Level of row i in group g of a grouped design. */
static inline size_t ls_design_level(const ls_design *d, size_t i, size_t g)
{
    return logit_level(&d->view, g, i);
}

void ls_design_release(ls_design *design);

/* Monotonic wall-clock seconds, and the CPU seconds of the whole process
 * (every thread), for the train report's timings. */
double ls_wall_seconds(void);
double ls_cpu_seconds(void);

/* Appends a formatted note to report (ignored when report is NULL). */
ls_status ls_report_note(ls_train_report *report, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
