/* Joint Wald tests: does a criterion matter at all, across all its levels?
 * A categorical's levels are tested against its reference one at a time by
 * their z values; the joint test answers the analyst's question "can this
 * criterion go?" without refitting, as car::Anova(type = 3, test = "Wald").
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "joint_test.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

#include "error_internal.h"
#include "logit_internal.h"

ls_status ls_joint_tests(ls_model *m, const ls_fit_result *fit, ls_error *err)
{
    size_t n = fit->n_coef;
    if (!fit->covariance || n != m->n_terms)
        return LS_OK;
    size_t *idx = malloc(n * sizeof *idx);
    double *V = malloc(n * n * sizeof *V), *b = malloc(n * sizeof *b), *x = malloc(n * sizeof *x);
    ls_status st = LS_OK;
    if (!idx || !V || !b || !x) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t c = 0; c < m->n_criteria; c++) {
        ls_criterion *crit = &m->criteria[c];
        size_t k = 0;
        for (size_t t = 1; t < n; t++)
            if (m->terms[t].criterion == (long)c && !fit->aliased[t] &&
                isfinite(fit->estimate[t]) && isfinite(fit->std_error[t]))
                idx[k++] = t;
        crit->joint_chi2 = crit->joint_df = crit->joint_p = NAN;
        if (k == 0)
            continue;
        for (size_t i = 0; i < k; i++) {
            b[i] = x[i] = fit->estimate[idx[i]];
            for (size_t j = 0; j < k; j++)
                V[i * k + j] = fit->covariance[idx[i] * n + idx[j]];
        }
        if (logit_cholesky(V, k) != 0)
            continue; /* a covariance that is not positive definite: no test */
        logit_cholesky_solve(V, k, x);
        double chi2 = 0;
        for (size_t i = 0; i < k; i++)
            chi2 += b[i] * x[i];
        crit->joint_chi2 = chi2;
        crit->joint_df = (double)k;
        crit->joint_p = gsl_cdf_chisq_Q(chi2, (double)k);
    }
done:
    free(idx);
    free(V);
    free(b);
    free(x);
    return st;
}
