/* leadscore — applying a points model to leads, one at a time or in batch.
 *
 * The scorer compiles a model into look-up tables (points per level) bound
 * to a set of column names, then scores rows given as strings. For each lead
 * it gives the integer score, the conversion probability (learned models),
 * the tier and the reasons: the criteria that contributed most points.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_SCORER_H
#define LEADSCORE_SCORER_H

#include <stddef.h>

#include "leadscore/error.h"
#include "leadscore/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ls_scorer ls_scorer;

/* One reason: a criterion's label (e.g. "Visited pricing page") and points. */
typedef struct {
    const char *label; /* owned by the scorer; valid as long as the scorer */
    double points;
} ls_reason;

#define LS_MAX_REASONS 16

typedef struct {
    double score;       /* integer points */
    double probability; /* NAN for hand-written models without calibration */
    const char *tier;   /* owned by the model; NULL when the model has no tiers */
    size_t n_reasons;
    ls_reason reasons[LS_MAX_REASONS]; /* largest |points| first */
} ls_score_result;

/* Binds model to the columns of the input (header names, in order). Every
 * criterion's column must be present. The scorer borrows model: keep it alive
 * while the scorer is in use. *out is owned by the caller: ls_scorer_free(). */
ls_status ls_scorer_new(const ls_model *model, const char *const *columns, size_t n_columns,
                        ls_scorer **out, ls_error *err);

void ls_scorer_free(ls_scorer *scorer);

/* The model scorer applies. */
const ls_model *ls_scorer_model(const ls_scorer *scorer);

/* Maximum number of reasons to report per lead (default 3, at most LS_MAX_REASONS). */
void ls_scorer_set_max_reasons(ls_scorer *scorer, size_t k);

/* Scores one lead given its fields in the bound column order. A value that
 * cannot be scored (text in a numeric criterion) is LS_ERR_PARSE with
 * err->column naming the column. */
ls_status ls_scorer_score(ls_scorer *scorer, const char *const *fields, ls_score_result *out,
                          ls_error *err);

/* As ls_scorer_score, given each field's length (strlen of fields[i], which
 * are still NUL-terminated): saves measuring them again. */
ls_status ls_scorer_score_n(ls_scorer *scorer, const char *const *fields, const size_t *lengths,
                            ls_score_result *out, ls_error *err);

/* Unseen categorical levels met so far, for the summary line: count per
 * criterion column and up to a few example values.
 * ls_scorer_unseen_count returns how many values were unseen in all (a lead
 * counts once per criterion) and sets *n_columns (may be NULL) to the number
 * of criteria that met any. ls_scorer_unseen_summary writes
 * "column 'X': N rows (e.g. 'a', 'b'); column 'Y': ..." into buf, truncated
 * to size (LS_ERR_LIMIT when it did not fit). */
size_t ls_scorer_unseen_count(const ls_scorer *scorer, size_t *n_columns);
ls_status ls_scorer_unseen_summary(const ls_scorer *scorer, char *buf, size_t size);

/* Leads scored so far by this scorer. */
size_t ls_scorer_rows(const ls_scorer *scorer);

/* Rules of a hand-written model that name values (equality, sets, ranges,
 * yes/no) and have matched no lead scored so far: usually a typo ('yse') or a
 * value spelt differently in the data, which would otherwise silently score 0.
 * ls_scorer_unmatched_summary writes "'Column' condition; ..." (the
 * condition as a points table writes it, e.g. "= yse", "100..500") into buf
 * (LS_ERR_LIMIT when it did not fit). Learned models report none. */
size_t ls_scorer_unmatched_count(const ls_scorer *scorer);
ls_status ls_scorer_unmatched_summary(const ls_scorer *scorer, char *buf, size_t size);

/* Replaces the model's missing-value tokens for this scorer (the empty value
 * is always missing). tokens are copied. */
ls_status ls_scorer_set_missing_tokens(ls_scorer *scorer, const char *const *tokens, size_t n,
                                       ls_error *err);

/* A scorer for another thread: the same model, columns, reasons and missing
 * tokens, with its own value cache and counts (a scorer is not thread-safe).
 * *out is owned by the caller: ls_scorer_free(). */
ls_status ls_scorer_clone(const ls_scorer *scorer, ls_scorer **out, ls_error *err);

/* Adds from's counts (leads scored, unseen values and their examples, rule
 * matches) to into's and clears them in from. Absorbing the parts of a batch
 * in input order gives the summaries one scorer would have given. */
void ls_scorer_absorb(ls_scorer *into, ls_scorer *from);

/* The ID columns to copy beside the scores: the model's ID columns that are
 * among columns (all of them, in the model's order), else the first column
 * whose name looks like an ID (a last word "id", "uuid" or "guid" in any case:
 * "Prospect ID", "lead_id", "leadId"), else none. Stores up to max column
 * indices in idx and returns how many it stored. */
size_t ls_scorer_id_columns(const ls_model *model, const char *const *columns, size_t n_columns,
                            size_t *idx, size_t max);

/* Writes v into out (at least 32 bytes) exactly as snprintf(out, 32, "%.17g", v)
 * does, NUL included, and returns the length; several times faster for
 * probabilities (0 < |v| < 1). */
size_t ls_format_probability(double v, char *out);

#ifdef __cplusplus
}
#endif
#endif
