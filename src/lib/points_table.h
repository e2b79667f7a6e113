/* Points tables: the hand-written model format (CSV criterion,condition,
 * points[,label]) and the export of any model — learned ones too — to it.
 * The format is described at the top of points_table.c.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_POINTS_TABLE_H
#define LS_POINTS_TABLE_H

#include <stdio.h>

#include "leadscore/error.h"
#include "model_internal.h"

/* Reads the points table at path into a hand-written model (every criterion
 * LS_CRIT_RULES). A malformed table is LS_ERR_PARSE placed at its file, line
 * and column. *out is owned by the caller: ls_model_free(). */
ls_status ls_points_table_load(const char *path, ls_model **out, ls_error *err);

/* As ls_points_table_load, over an open stream the caller keeps owning; name
 * is used in messages. */
ls_status ls_points_table_load_stream(FILE *fp, const char *name, ls_model **out, ls_error *err);

/* Writes model as a points table that, re-imported, scores every lead
 * exactly as model does (score, tier and reasons; the probability of a
 * learned model is not carried: the table holds points only). */
ls_status ls_points_table_write(const ls_model *model, FILE *fp, ls_error *err);

/* The condition of rule r as the table writes it ("= Executive",
 * "100..500", "each max 20"...), for messages and default labels. Returns a
 * string the caller frees, or NULL when out of memory. */
char *ls_points_condition_text(const ls_criterion *c, const ls_rule *r);

/* The label shown in reasons for rule r of criterion c: the rule's own label,
 * else "<criterion label> <condition>" (the criterion label alone for yes,
 * each and any rules). Caller frees; NULL when out of memory. */
char *ls_points_rule_label(const ls_criterion *c, const ls_rule *r);

/* 1 if s spells a boolean or a number, i.e. if "= s" in a hand-written
 * criterion compares more than the exact text (see points_table.c). */
int ls_points_value_is_smart(const char *s);

/* Formats v with the fewest of 15..17 significant digits that read back as
 * exactly v, with '.' whatever the locale. buf needs 32 bytes. */
char *ls_format_double(char *buf, double v);

#endif
