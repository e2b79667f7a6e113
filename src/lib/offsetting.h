/* Terms whose points cancel each other: two criteria levels that pick out
 * nearly the same leads (in X Education, 'Lead Source=Facebook' is 54 of the
 * 55 'Lead Origin=Lead Import' leads) get large opposite coefficients with
 * wide intervals, and both then show up as reasons (+10 and -11) saying
 * nothing. Their estimates' correlation, from the covariance the fit already
 * has, finds such pairs without touching the data again.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_OFFSETTING_H
#define LS_OFFSETTING_H

#include "leadscore/fit.h"
#include "leadscore/train.h"
#include "model_internal.h"

/* Correlation of two estimates at or below which their terms are reported. */
#define LS_OFFSETTING_CORRELATION (-0.9)

/* Adds a note to report for every pair of terms of different criteria whose
 * estimates correlate at LS_OFFSETTING_CORRELATION or below, naming both with
 * their points. m's terms are res's coefficients in order (terms[0] the
 * intercept). Nothing to do when report is NULL or res has no covariance. */
ls_status ls_note_offsetting_terms(const ls_model *m, const ls_fit_result *res,
                                   ls_train_report *report);

#endif
