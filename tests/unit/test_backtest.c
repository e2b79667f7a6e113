/* Backtest: the measures equal ls_metrics on the scored leads, each
 * threshold decides its own part of the recommendation, outcome errors are
 * placed, and on synthetic quarters: the same process keeps the model in
 * >= 95% of seeds, a changed effect recommends retraining.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leadscore/metrics.h"
#include "leadscore/monitor.h"
#include "leadscore/train.h"
#include "model_internal.h"
#include "quarter_fixture.h"
#include "quarter_synth.h"

/* Trains on a default quarter (seed) and backtests on the next one (with
 * the changes in next). */
static void backtest_pair(const quarter_paths *p, uint64_t seed, ls_quarter_options next,
                          ls_backtest_report *r)
{
    ls_quarter_options first;
    ls_quarter_options_init(&first);
    first.seed = seed;
    next.seed = seed + 7000;
    ls_table *ta = quarter_table(&first, p->a), *tb = quarter_table(&next, p->b);
    ls_model *m = quarter_train(ta);
    ls_error err;
    assert_int_equal(ls_backtest(m, tb, NULL, r, &err), LS_OK);
    ls_model_free(m);
    ls_table_free(ta);
    ls_table_free(tb);
}

static void test_measures_match_metrics(void **state)
{
    quarter_paths *p = *state;
    ls_quarter_options o;
    ls_quarter_options_init(&o);
    o.seed = 3;
    ls_table *ta = quarter_table(&o, p->a);
    o.seed = 4;
    ls_table *tb = quarter_table(&o, p->b);
    ls_model *m = quarter_train(ta);
    size_t n = ls_table_rows(tb);
    double *score = malloc(n * sizeof *score), *prob = malloc(n * sizeof *prob),
           *y = malloc(n * sizeof *y);
    ls_error err;
    assert_int_equal(ls_model_score_table(m, tb, score, prob, NULL, &err), LS_OK);
    assert_int_equal(ls_model_outcomes(m, tb, y, &err), LS_OK);
    ls_metrics want;
    assert_int_equal(ls_metrics_compute(score, prob, y, n, &want, &err), LS_OK);
    ls_backtest_report r;
    assert_int_equal(ls_backtest(m, tb, NULL, &r, &err), LS_OK);
    assert_int_equal(r.rows, n);
    assert_int_equal(r.positives, want.positives);
    assert_close(r.auc, want.auc, 0, 0);
    assert_close(r.auc_low, want.auc_low, 0, 0);
    assert_close(r.calibration_slope, want.calibration_slope, 0, 0);
    assert_close(r.calibration_intercept, want.calibration_intercept, 0, 0);
    assert_close(r.train_auc, m->points_auc, 0, 0);
    assert_close(r.auc_drop, m->points_auc - want.auc, 1e-15, 0);
    /* defaults */
    assert_close(r.thresholds.max_auc_drop, 0.03, 0, 0);
    assert_close(r.thresholds.slope_low, 0.8, 0, 0);
    assert_close(r.thresholds.slope_high, 1.2, 0, 0);
    assert_close(r.thresholds.max_intercept, 0.2, 0, 0);
    assert_false(r.retrain);

    /* each threshold decides its own flag */
    ls_backtest_options t;
    ls_backtest_report r2;
    ls_backtest_options_init(&t);
    t.slope_low = r.calibration_slope + 0.001;
    t.slope_high = r.calibration_slope + 1;
    assert_int_equal(ls_backtest(m, tb, &t, &r2, &err), LS_OK);
    assert_true(r2.slope_failed && !r2.intercept_failed && !r2.auc_failed && r2.retrain);
    ls_backtest_report_release(&r2);
    ls_backtest_options_init(&t);
    t.max_intercept = fabs(r.calibration_intercept) * 0.5;
    assert_int_equal(ls_backtest(m, tb, &t, &r2, &err), LS_OK);
    assert_true(!r2.slope_failed && r2.intercept_failed && !r2.auc_failed && r2.retrain);
    ls_backtest_report_release(&r2);
    m->points_auc = r.auc + 0.0301; /* as if training had ranked better */
    assert_int_equal(ls_backtest(m, tb, NULL, &r2, &err), LS_OK);
    assert_true(!r2.slope_failed && !r2.intercept_failed && r2.auc_failed && r2.retrain);
    ls_backtest_report_release(&r2);
    m->points_auc = r.auc + 0.0299;
    assert_int_equal(ls_backtest(m, tb, NULL, &r2, &err), LS_OK);
    assert_false(r2.auc_failed);
    ls_backtest_report_release(&r2);
    ls_backtest_options_init(&t);
    t.slope_low = 2;
    assert_int_equal(ls_backtest(m, tb, &t, &r2, &err), LS_ERR_USAGE);

    /* the report */
    char *buf = NULL;
    size_t size = 0;
    for (int f = 0; f < 3; f++) {
        FILE *out = open_memstream(&buf, &size);
        assert_int_equal(ls_backtest_write(&r, (ls_monitor_format)f, out, &err), LS_OK);
        fclose(out);
        if (f == LS_MONITOR_TEXT)
            assert_non_null(strstr(buf, "recommendation: keep the model"));
        else if (f == LS_MONITOR_CSV)
            assert_non_null(strstr(buf, "metric,value,threshold,status\nrows,5000,,\n"));
        else
            assert_non_null(strstr(buf, "\"retrain\":\tfalse"));
        free(buf);
        buf = NULL;
    }
    ls_backtest_report_release(&r);
    free(score);
    free(prob);
    free(y);
    ls_model_free(m);
    ls_table_free(ta);
    ls_table_free(tb);
}

static void test_outcome_errors(void **state)
{
    quarter_paths *p = *state;
    ls_quarter_options o;
    ls_quarter_options_init(&o);
    o.rows = 500;
    ls_table *ta = quarter_table(&o, p->a);
    ls_model *m = quarter_train(ta);
    ls_backtest_report r;
    ls_error err;
    ls_table *t = NULL;
    const char *no_target =
        "channel,region,demo,newsletter,visits,minutes\npaid,north,yes,no,1,2\n";
    assert_int_equal(
        ls_table_load(ls_test_write_temp(no_target, strlen(no_target)), NULL, &t, &err), LS_OK);
    assert_int_equal(ls_backtest(m, t, NULL, &r, &err), LS_ERR_NOTFOUND);
    assert_string_equal(err.column, "converted");
    ls_table_free(t);
    const char *missing = "channel,region,demo,newsletter,visits,minutes,converted\n"
                          "paid,north,yes,no,1,2,1\npaid,north,yes,no,1,2,\n";
    assert_int_equal(ls_table_load(ls_test_write_temp(missing, strlen(missing)), NULL, &t, &err),
                     LS_OK);
    assert_int_equal(ls_backtest(m, t, NULL, &r, &err), LS_ERR_DATA);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "missing"));
    ls_table_free(t);
    const char *one_class = "channel,region,demo,newsletter,visits,minutes,converted\n"
                            "paid,north,yes,no,1,2,0\nemail,west,no,no,3,,0\n";
    assert_int_equal(
        ls_table_load(ls_test_write_temp(one_class, strlen(one_class)), NULL, &t, &err), LS_OK);
    assert_int_equal(ls_backtest(m, t, NULL, &r, &err), LS_ERR_DATA);
    ls_table_free(t);
    const char *text = "channel,region,demo,newsletter,visits,minutes,converted\n"
                       "paid,north,yes,no,1,2,0\nemail,west,no,no,many,,1\n";
    assert_int_equal(ls_table_load(ls_test_write_temp(text, strlen(text)), NULL, &t, &err), LS_OK);
    assert_int_equal(ls_backtest(m, t, NULL, &r, &err), LS_ERR_PARSE);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.column, "visits");
    ls_table_free(t);
    ls_model_free(m);
    ls_table_free(ta);
}

#define NULL_SEEDS 100

static void test_same_process_keeps_model(void **state)
{
    quarter_paths *p = *state;
    ls_quarter_options same;
    ls_quarter_options_init(&same);
    size_t retrain = 0, auc = 0, slope = 0, icpt = 0;
    double worst_drop = -1, lo_slope = 9, hi_slope = 0, worst_a = 0;
    for (uint64_t seed = 1; seed <= NULL_SEEDS; seed++) {
        ls_backtest_report r;
        backtest_pair(p, seed, same, &r);
        retrain += r.retrain;
        auc += r.auc_failed;
        slope += r.slope_failed;
        icpt += r.intercept_failed;
        worst_drop = fmax(worst_drop, r.auc_drop);
        lo_slope = fmin(lo_slope, r.calibration_slope);
        hi_slope = fmax(hi_slope, r.calibration_slope);
        worst_a = fmax(worst_a, fabs(r.calibration_intercept));
        ls_backtest_report_release(&r);
    }
    print_message("backtest false alarms: %zu of %d seeds (AUC %zu, slope %zu, intercept %zu; "
                  "largest drop %.4f, slopes %.3f..%.3f, largest |a| %.3f)\n",
                  retrain, NULL_SEEDS, auc, slope, icpt, worst_drop, lo_slope, hi_slope, worst_a);
    assert_true(retrain * 100 <= 5 * NULL_SEEDS);
}

#define CHANGE_SEEDS 10

static void test_changed_effect_recommends_retraining(void **state)
{
    quarter_paths *p = *state;
    ls_quarter_options o;
    ls_quarter_options_init(&o);
    o.effect[LS_Q_DEMO] = 0; /* the strongest yes/no criterion stops mattering */
    size_t retrain = 0;
    for (uint64_t seed = 1; seed <= CHANGE_SEEDS; seed++) {
        ls_backtest_report r;
        backtest_pair(p, seed, o, &r);
        retrain += r.retrain;
        ls_backtest_report_release(&r);
    }
    print_message("backtest, demo effect x0: retrain in %zu of %d seeds\n", retrain, CHANGE_SEEDS);
    assert_int_equal(retrain, CHANGE_SEEDS);

    /* every effect doubled: the points are not spread out enough (slope > 1.2) */
    ls_quarter_options_init(&o);
    for (size_t k = 0; k < LS_Q_COLUMNS; k++)
        o.effect[k] = 2;
    size_t steeper = 0;
    for (uint64_t seed = 1; seed <= CHANGE_SEEDS; seed++) {
        ls_backtest_report r;
        backtest_pair(p, seed, o, &r);
        steeper += r.retrain && r.slope_failed && r.calibration_slope > 1.2;
        ls_backtest_report_release(&r);
    }
    print_message("backtest, every effect x2: slope above 1.2 in %zu of %d seeds\n", steeper,
                  CHANGE_SEEDS);
    assert_int_equal(steeper, CHANGE_SEEDS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_measures_match_metrics, quarter_paths_setup,
                                        quarter_paths_teardown),
        cmocka_unit_test_setup_teardown(test_outcome_errors, quarter_paths_setup,
                                        quarter_paths_teardown),
        cmocka_unit_test_setup_teardown(test_same_process_keeps_model, quarter_paths_setup,
                                        quarter_paths_teardown),
        cmocka_unit_test_setup_teardown(test_changed_effect_recommends_retraining,
                                        quarter_paths_setup, quarter_paths_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
