/* The trainer's grouped fit (rows as level codes, X'WX by groups, on several
 * threads) against ls_logit_fit on the dense design of the same encoding:
 * the same model to rounding, on a categorical-rich file (the sparse
 * updates), a wide numeric one (the dense kernel), with weights and ridge.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "leadscore/table.h"
#include "leadscore/train.h"

static unsigned long long rng = 0x9E3779B97F4A7C15ULL;
static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* n rows: 3 categorical, 2 numeric (with missing), 1 boolean, or `wide`
 * numeric columns only; a target drawn from a logistic model. */
static const char *write_data(size_t n, size_t wide)
{
    size_t cap = n * (wide ? wide * 8 + 16 : 96) + 4096, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    static const char *const colour[] = {"red", "green", "blue", "black"};
    static const char *const size[] = {"S", "M", "L", "XL", "XXL"};
    static const char *const city[] = {"Paris", "Lyon", "Nice", "Lille", "Brest", "Metz"};
    if (wide) {
        for (size_t j = 0; j < wide; j++)
            len += (size_t)snprintf(buf + len, cap - len, "x%zu,", j);
        len += (size_t)snprintf(buf + len, cap - len, "converted\n");
    } else {
        len += (size_t)snprintf(buf + len, cap - len,
                                "colour,size,city,age,score,member,w,converted\n");
    }
    for (size_t i = 0; i < n; i++) {
        double eta = -1.0;
        if (wide) {
            for (size_t j = 0; j < wide; j++) {
                double x = round((uniform() * 4 - 2) * 100) / 100;
                eta += x * (j % 3 ? 0.2 : -0.1);
                len += (size_t)snprintf(buf + len, cap - len, "%.2f,", x);
            }
        } else {
            size_t c = (size_t)(uniform() * 4), s = (size_t)(uniform() * 5),
                   t = (size_t)(uniform() * 6);
            double age = round(uniform() * 60 + 18), score = round(uniform() * 1000) / 10;
            int member = uniform() < 0.3, age_missing = uniform() < 0.1,
                score_missing = uniform() < 0.05;
            eta += 0.3 * (double)c - 0.2 * (double)s + (t == 2 ? 0.5 : 0) + 0.01 * age +
                   (member ? 0.7 : 0) - 0.005 * score;
            char a[16] = "", sc[16] = "NA";
            if (!age_missing)
                snprintf(a, sizeof a, "%.0f", age);
            if (!score_missing)
                snprintf(sc, sizeof sc, "%.1f", score);
            len += (size_t)snprintf(buf + len, cap - len, "%s,%s,%s,%s,%s,%s,%.1f,", colour[c],
                                    size[s], city[t], a, sc, member ? "yes" : "no",
                                    1 + floor(uniform() * 3));
        }
        len += (size_t)snprintf(buf + len, cap - len, "%d\n", uniform() < 1 / (1 + exp(-eta)));
        assert_true(len + 1024 < cap);
    }
    const char *path = ls_test_write_temp(buf, len);
    free(buf);
    return path;
}

static void compare(const char *path, const ls_train_options *opts)
{
    ls_error err;
    ls_table *t = NULL;
    ls_table_options topts;
    ls_table_options_init(&topts);
    static const char *const tokens[] = {"", "NA"};
    topts.missing_tokens = tokens;
    topts.n_missing_tokens = 2;
    assert_int_equal(ls_table_load(path, &topts, &t, &err), LS_OK);
    ls_model *m1 = ls_model_alloc(), *m2 = ls_model_alloc();
    ls_design dense, grouped;
    ls_fit_result r1, r2;
    assert_int_equal(ls_encode(t, NULL, opts, m1, &dense, NULL, &err), LS_OK);
    assert_int_equal(ls_encode_grouped(t, NULL, opts, m2, &grouped, NULL, &err), LS_OK);
    assert_non_null(dense.X);
    assert_null(grouped.X);
    assert_int_equal(dense.p, grouped.p);
    ls_fit_options fo = opts->fit;
    assert_int_equal(ls_logit_fit(dense.X, dense.n, dense.p, dense.y, dense.w,
                                  (const char *const *)dense.names, &fo, &r1, &err),
                     LS_OK);
    assert_int_equal(ls_design_fit(&grouped, &fo, &r2, &err), LS_OK);
    assert_int_equal(r1.n_coef, r2.n_coef);
    assert_int_equal(r1.iterations, r2.iterations);
    assert_int_equal(r1.rank, r2.rank);
    for (size_t j = 0; j < r1.n_coef; j++) {
        assert_int_equal(r1.aliased[j], r2.aliased[j]);
        if (r1.aliased[j])
            continue;
        assert_close(r2.estimate[j], r1.estimate[j], 1e-9, 1e-12);
        assert_close(r2.std_error[j], r1.std_error[j], 1e-9, 0);
    }
    assert_close(r2.deviance, r1.deviance, 1e-12, 0);
    assert_close(r2.auc, r1.auc, 1e-12, 0);
    ls_fit_result_release(&r1);
    ls_fit_result_release(&r2);
    ls_design_release(&dense);
    ls_design_release(&grouped);
    ls_model_free(m1);
    ls_model_free(m2);
    ls_table_free(t);
}

static void test_categorical_rich(void **state)
{
    (void)state;
    setenv("LEADSCORE_THREADS", "2", 1);
    const char *path = write_data(120000, 0);
    ls_train_options o;
    ls_train_options_init(&o);
    o.target = "converted";
    static const char *const ex[] = {"w"};
    o.exclude = ex;
    o.n_exclude = 1;
    compare(path, &o);
    o.weights = "w";
    compare(path, &o);
    o.fit.l2 = 5;
    compare(path, &o);
}

static void test_wide_numeric(void **state)
{
    (void)state;
    setenv("LEADSCORE_THREADS", "3", 1);
    const char *path = write_data(40000, 40);
    ls_train_options o;
    ls_train_options_init(&o);
    o.target = "converted";
    compare(path, &o);
    setenv("LEADSCORE_THREADS", "2", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categorical_rich),
        cmocka_unit_test(test_wide_numeric),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
