/* Metrics against independent values (scripts/expected-metrics.py: sklearn,
 * statsmodels, scipy) and hand-computed cases.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdlib.h>

#include "leadscore/metrics.h"
#include "leadscore/table.h"

/* X Education: R's fitted probabilities and the outcomes. */
static void load_fitted(double **p, double **y, size_t *n)
{
    ls_table *fit = NULL, *design = NULL;
    ls_error err;
    assert_int_equal(ls_table_load(ls_test_path("tests/reference/x-education-leads/fitted.csv"),
                                   NULL, &fit, &err),
                     LS_OK);
    assert_int_equal(ls_table_load(ls_test_path("tests/reference/x-education-leads/design.csv"),
                                   NULL, &design, &err),
                     LS_OK);
    *n = ls_table_rows(fit);
    *p = malloc(*n * sizeof **p);
    *y = malloc(*n * sizeof **y);
    const double *pv = ls_table_values(fit, ls_table_find_column(fit, "fitted_probability"));
    const double *yv = ls_table_values(design, ls_table_find_column(design, "y"));
    for (size_t i = 0; i < *n; i++) {
        (*p)[i] = pv[i];
        (*y)[i] = yv[i];
    }
    ls_table_free(fit);
    ls_table_free(design);
}

static void test_matches_independent_values(void **state)
{
    (void)state;
    double *p, *y;
    size_t n;
    load_fitted(&p, &y, &n);
    ls_metrics m;
    ls_error err;
    assert_int_equal(ls_metrics_compute(NULL, p, y, n, &m, &err), LS_OK);
    /* expected: scripts/expected-metrics.py */
    assert_close(m.auc, 0.795321239233565, 1e-12, 0);
    assert_close(m.auc_se, 0.00469979174432442, 1e-9, 0);
    assert_close(m.gini, 2 * 0.795321239233565 - 1, 1e-12, 0);
    assert_close(m.ks, 0.483173719876938, 1e-12, 0);
    assert_close(m.log_loss, 0.536392450104909, 1e-12, 0);
    assert_close(m.brier, 0.179474010552321, 1e-12, 0);
    assert_close(m.hl_chi2, 171.092105787144, 1e-9, 0);
    assert_close(m.hl_p, 7.61354775048362e-33, 1e-6, 0);
    assert_close(m.calibration_slope, 1.0, 1e-9, 0);
    assert_close(m.calibration_intercept, 0.0, 0, 1e-9);
    assert_close(m.auc_low, m.auc - 1.959963984540054 * m.auc_se, 1e-12, 0);
    free(p);
    free(y);
}

/* Four leads, hand-computed: scores 4,3,2,1 with outcomes 1,0,1,0. Pairs
 * (pos, neg): (4,3) (4,1) (2,1) ranked right, (2,3) wrong → AUC 3/4. */
static void test_hand_computed(void **state)
{
    (void)state;
    const double s[] = {4, 3, 2, 1}, y[] = {1, 0, 1, 0};
    ls_metrics m;
    ls_error err;
    assert_int_equal(ls_metrics_compute(s, NULL, y, 4, &m, &err), LS_OK);
    assert_close(m.auc, 0.75, 0, 1e-15);
    assert_close(m.ks, 0.5, 0, 1e-15); /* after the top lead: TPR 1/2, FPR 0 */
    assert_true(isnan(m.log_loss));
    /* ties count one half */
    const double tied[] = {1, 1, 1, 1};
    assert_int_equal(ls_metrics_compute(tied, NULL, y, 4, &m, &err), LS_OK);
    assert_close(m.auc, 0.5, 0, 1e-15);
    /* one class → error */
    const double ones[] = {1, 1, 1, 1};
    assert_int_equal(ls_metrics_compute(s, NULL, ones, 4, &m, &err), LS_ERR_DATA);
}

static void test_gains_table(void **state)
{
    (void)state;
    /* 10 leads, scores 10..1; the top 2 and the 5th converted. */
    double s[10], y[10] = {1, 1, 0, 0, 1, 0, 0, 0, 0, 0};
    for (int i = 0; i < 10; i++)
        s[i] = 10 - i;
    ls_group g[5];
    size_t ng;
    ls_error err;
    assert_int_equal(ls_gains_table(s, NULL, y, 10, 5, g, &ng, &err), LS_OK);
    assert_int_equal(ng, 5);
    assert_close(g[0].score_hi, 10, 0, 0);
    assert_close(g[0].score_lo, 9, 0, 0);
    assert_close(g[0].rate, 1.0, 0, 1e-15);
    assert_close(g[0].lift, 1.0 / 0.3, 1e-12, 0);
    assert_close(g[0].cum_gain, 2.0 / 3, 1e-12, 0);
    assert_close(g[2].cum_gain, 1.0, 1e-12, 0);
    assert_close(g[4].cum_rows_share, 1.0, 1e-12, 0);
    /* ties stay together: all equal scores make one group */
    double same[10] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    assert_int_equal(ls_gains_table(same, NULL, y, 10, 5, g, &ng, &err), LS_OK);
    assert_int_equal(ng, 1);
    assert_int_equal(g[0].rows, 10);
}

static void test_roc_curve(void **state)
{
    (void)state;
    const double s[] = {4, 3, 2, 1}, y[] = {1, 0, 1, 0};
    double *fpr, *tpr;
    size_t m;
    ls_error err;
    assert_int_equal(ls_roc_curve(s, y, 4, &fpr, &tpr, &m, &err), LS_OK);
    assert_int_equal(m, 5);
    const double ef[] = {0, 0, 0.5, 0.5, 1}, et[] = {0, 0.5, 0.5, 1, 1};
    for (size_t i = 0; i < m; i++) {
        assert_close(fpr[i], ef[i], 0, 1e-15);
        assert_close(tpr[i], et[i], 0, 1e-15);
    }
    free(fpr);
    free(tpr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_independent_values),
        cmocka_unit_test(test_hand_computed),
        cmocka_unit_test(test_gains_table),
        cmocka_unit_test(test_roc_curve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
