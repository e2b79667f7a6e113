/* Offsetting terms: pairs of terms of different criteria whose estimates are
 * strongly negatively correlated are named, with their points; pairs within
 * one criterion, aliased terms and weaker correlations are not.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <string.h>

#include "leadscore/train.h"
#include "model_internal.h"
#include "offsetting.h"

/* terms: intercept, Source=Facebook (criterion 0), Origin=Import and
 * Origin=Form (criterion 1), Visits (criterion 2) */
static ls_model *four_terms(void)
{
    ls_model *m = ls_model_alloc();
    assert_non_null(m);
    const char *names[] = {"(intercept)", "Source=Facebook", "Origin=Import", "Origin=Form",
                           "Visits"};
    const long crit[] = {-1, 0, 1, 1, 2};
    const double pts[] = {0, 10, -11, 12, 3};
    for (int t = 0; t < 5; t++) {
        ls_term *term = ls_model_add_term(m, names[t], crit[t]);
        assert_non_null(term);
        term->points = pts[t];
    }
    return m;
}

/* A covariance with unit variances: the correlations are the entries. */
static void set_corr(double *cov, size_t i, size_t j, double r)
{
    cov[i * 5 + j] = cov[j * 5 + i] = r;
}

static void test_offsetting_pairs(void **state)
{
    (void)state;
    ls_model *m = four_terms();
    double cov[25] = {0};
    for (size_t i = 0; i < 5; i++)
        cov[i * 5 + i] = 1;
    set_corr(cov, 1, 2, -0.97); /* Facebook vs Import: reported */
    set_corr(cov, 2, 3, -0.99); /* two levels of Origin: never reported */
    set_corr(cov, 1, 4, -0.89); /* just above the threshold: not reported */
    set_corr(cov, 3, 4, 0.95);  /* positive: not reported */
    ls_fit_result res;
    memset(&res, 0, sizeof res);
    res.n_coef = 5;
    res.covariance = cov;
    ls_train_report report;
    memset(&report, 0, sizeof report);
    assert_int_equal(ls_note_offsetting_terms(m, &res, &report), LS_OK);
    assert_int_equal(report.n_notes, 1);
    assert_string_equal(report.notes[0],
                        "Source=Facebook (+10 points) and Origin=Import (-11 points) pick out "
                        "nearly the same leads: their estimates correlate at -0.97, so their "
                        "points are unstable and trade off against each other; consider leaving "
                        "one of the two criteria out");
    ls_train_report_release(&report);

    /* an aliased term has no estimate to correlate */
    m->terms[2].aliased = 1;
    assert_int_equal(ls_note_offsetting_terms(m, &res, &report), LS_OK);
    assert_int_equal(report.n_notes, 0);
    /* no report, or no covariance: nothing to do */
    m->terms[2].aliased = 0;
    assert_int_equal(ls_note_offsetting_terms(m, &res, NULL), LS_OK);
    res.covariance = NULL;
    assert_int_equal(ls_note_offsetting_terms(m, &res, &report), LS_OK);
    assert_int_equal(report.n_notes, 0);
    ls_train_report_release(&report);
    ls_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsetting_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
