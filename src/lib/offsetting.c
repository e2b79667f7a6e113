/* See offsetting.h. SPDX-License-Identifier: GPL-3.0-or-later */
#include "offsetting.h"

#include <math.h>

#include "encode.h"

ls_status ls_note_offsetting_terms(const ls_model *m, const ls_fit_result *res,
                                   ls_train_report *report)
{
    if (!report || !res->covariance || res->n_coef != m->n_terms)
        return LS_OK;
    size_t k = res->n_coef;
    const double *cov = res->covariance;
    for (size_t i = 1; i < k; i++) {
        const ls_term *a = &m->terms[i];
        double vi = cov[i * k + i];
        if (a->aliased || !(vi > 0))
            continue;
        for (size_t j = i + 1; j < k; j++) {
            const ls_term *b = &m->terms[j];
            double vj = cov[j * k + j];
            if (b->aliased || !(vj > 0) || a->criterion == b->criterion)
                continue; /* levels of one criterion share its reference: not a finding */
            double r = cov[i * k + j] / sqrt(vi * vj);
            if (!(r <= LS_OFFSETTING_CORRELATION))
                continue;
            ls_status st = ls_report_note(
                report,
                "%s (%+g points) and %s (%+g points) pick out nearly the same leads: their "
                "estimates correlate at %.2f, so their points are unstable and trade off "
                "against each other; consider leaving one of the two criteria out",
                a->name, a->points, b->name, b->points, r);
            if (st != LS_OK)
                return st;
        }
    }
    return LS_OK;
}
