/* leadscore — printing a model for people and for other tools: the
 * regression summary as R's summary(glm) prints it, the fit statistics, the
 * points table and the tiers (what `leadscore show` writes).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_REPORT_H
#define LEADSCORE_REPORT_H

#include <stdio.h>

#include "leadscore/error.h"
#include "leadscore/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LS_REPORT_TEXT = 0, /* R-style summary, statistics, points and tiers (default) */
    LS_REPORT_CSV,      /* one row per term with every statistic and its points; a
                           hand-written model: one row per rule */
    LS_REPORT_JSON,     /* the model file itself (ls_model_to_json) */
    LS_REPORT_MARKDOWN  /* the text report as Markdown tables */
} ls_report_format;

/* Parses "text", "csv", "json" or "markdown" (also "md"). Returns 1 and sets
 * *out, or 0 for any other name. */
int ls_report_format_parse(const char *name, ls_report_format *out);

/* Prints model to out. Numbers are written with '.' as decimal point whatever
 * the process locale. Returns LS_ERR_IO if the stream reports a write error
 * (the caller still owns and closes out). */
ls_status ls_model_print(const ls_model *model, ls_report_format format, FILE *out, ls_error *err);

#ifdef __cplusplus
}
#endif
#endif
