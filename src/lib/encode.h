/* Encoding a table into regression terms (the design matrix) and the
 * criteria of a model.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_ENCODE_H
#define LS_ENCODE_H

#include <stddef.h>

#include "leadscore/train.h"
#include "model_internal.h"

typedef struct {
    size_t n, p;   /* rows, terms (the intercept is not a column) */
    double *X;     /* n × p, column-major: term j (model term j + 1) at X + j*n */
    double *y;     /* 0/1 */
    double *w;     /* case weights, or NULL */
    char **names;  /* p term names, borrowed from the model's terms */
    int *per_unit; /* 1 where term j is linear in a value (not a 0/1 indicator) */
} ls_design;

/* Fills model->criteria and model->terms (terms[0] = "(intercept)", then one
 * per design column) and the design. Decisions (dropped constant columns,
 * pooled levels) are appended to report->notes when report is not NULL. */
ls_status ls_encode(const ls_table *table, const ls_spec *spec, const ls_train_options *opts,
                    ls_model *model, ls_design *design, ls_train_report *report, ls_error *err);

void ls_design_release(ls_design *design);

/* Appends a formatted note to report (ignored when report is NULL). */
ls_status ls_report_note(ls_train_report *report, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
