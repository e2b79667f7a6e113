/* leadscore — points models: learned by `train` or written by hand.
 *
 * A model holds criteria (one per input column) whose rules give points,
 * the regression terms behind learned points with their statistics, the
 * points scaling, tiers (hot / warm / nurture) and lineage. It is saved as
 * JSON (see README "Model file") with doubles that round-trip exactly.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_MODEL_H
#define LEADSCORE_MODEL_H

#include <stddef.h>

#include "leadscore/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ls_model ls_model;

/* Reads a model file: the JSON written by ls_model_save, or — when the file
 * is a CSV points table (criterion,condition,points[,label]) — a hand-written
 * model. *out is owned by the caller: ls_model_free(). */
ls_status ls_model_load(const char *path, ls_model **out, ls_error *err);

/* Parses a model from JSON text (name is used in messages). */
ls_status ls_model_from_json(const char *json, size_t len, const char *name, ls_model **out,
                             ls_error *err);

/* Writes the model as JSON, atomically (temporary file, then rename). */
ls_status ls_model_save(const ls_model *model, const char *path, ls_error *err);

/* Serialises to a NUL-terminated JSON string; caller frees with free(). */
ls_status ls_model_to_json(const ls_model *model, char **json, ls_error *err);

void ls_model_free(ls_model *model);

/* 1 for a model fitted by train, 0 for hand-written points. */
int ls_model_is_learned(const ls_model *model);

/* Term statistics, for reports and plots. Index 0 is the intercept of a
 * learned model. Strings are owned by the model. */
typedef struct {
    const char *name;
    const char *criterion; /* column, NULL for the intercept */
    double estimate, std_error, z, p_value, ci_low, ci_high;
    double points;
    int aliased;
} ls_term_info;

size_t ls_model_term_count(const ls_model *model);
ls_status ls_model_term(const ls_model *model, size_t i, ls_term_info *out);

/* Tiers, highest first: name and minimum score. */
size_t ls_model_tier_count(const ls_model *model);
const char *ls_model_tier_name(const ls_model *model, size_t i);
double ls_model_tier_min(const ls_model *model, size_t i);

/* Replaces the tiers: names[i] applies from min_scores[i] up; sorted by the
 * model, highest first. Scores below every minimum get the last tier. */
ls_status ls_model_set_tiers(ls_model *model, const char *const *names, const double *min_scores,
                             size_t n, ls_error *err);

#ifdef __cplusplus
}
#endif
#endif
