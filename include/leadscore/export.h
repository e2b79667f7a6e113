/* leadscore — exporting a model for other systems: a SQL query that scores
 * leads inside a database, and the points table (the hand-written format,
 * see README "Points tables").
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_EXPORT_H
#define LEADSCORE_EXPORT_H

#include <stdio.h>
#include <stddef.h>

#include "leadscore/error.h"
#include "leadscore/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *table;             /* table (or view) holding the leads (default "leads") */
    const char *const *id_columns; /* columns copied first; NULL: the model's ID columns */
    size_t n_id_columns;
} ls_sql_options;

/* Sets the documented defaults. */
void ls_sql_options_init(ls_sql_options *opts);

/* Writes one standard SQL SELECT that scores every row of opts->table exactly
 * as ls_scorer_score does: the ID columns, `score` (integer), `tier`,
 * `probability` (learned models only) and one column per criterion, named
 * "points: <column>", with the points it gave. The lead columns are expected
 * as text (as loaded from CSV): numbers are cast only where a value is present
 * and spelled as a number; a value the CLI would refuse (text in a numeric
 * criterion) makes the query fail with a message naming the column. Uses
 * SIMILAR TO, GREATEST/LEAST, FLOOR, EXP and LN; tested on PostgreSQL. */
ls_status ls_export_sql(const ls_model *model, const ls_sql_options *opts, FILE *fp, ls_error *err);

/* Writes the model as a points table (criterion,condition,points,label)
 * that, read back by ls_model_load, gives every lead the same score, tier and
 * reasons. A learned model's probabilities are not carried. */
ls_status ls_export_points_table(const ls_model *model, FILE *fp, ls_error *err);

#ifdef __cplusplus
}
#endif
#endif
