/* Coefficients → integer points, and the integer score of training rows.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_POINTS_H
#define LS_POINTS_H

#include "encode.h"

/* Sets model->factor, base_points and every term's and rule's points from
 * the estimates, by the scaling in opts (see ls_train_options). */
ls_status ls_points_assign(ls_model *model, const ls_design *design, const ls_train_options *opts,
                           ls_error *err);

/* Integer score of each design row under the model's points (the scorer's
 * semantics, computed from the encoded columns). Dense designs only. */
void ls_points_scores(const ls_model *model, const ls_design *design, double *scores);

/* The same for any design (grouped ones by a table of points per level):
 * LS_OK or LS_ERR_NOMEM. */
ls_status ls_points_scores_grouped(const ls_model *model, const ls_design *design, double *scores);

/* Whole points: floor(x + 0.5), the rounding the scorer and SQL use. */
double ls_points_round(double x);

#endif
