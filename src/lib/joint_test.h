/* Joint Wald tests per criterion. SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_JOINT_TEST_H
#define LS_JOINT_TEST_H

#include "leadscore/fit.h"
#include "model_internal.h"

/* For each criterion, the Wald statistic bᵀV⁻¹b of its estimable terms
 * (all its levels at once), its degrees of freedom and p-value, from the
 * fit's covariance. Sets the criterion's joint_* fields (NAN when the
 * criterion has no estimable term). */
ls_status ls_joint_tests(ls_model *model, const ls_fit_result *fit, ls_error *err);

#endif
