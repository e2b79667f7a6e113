/* ls_logit_fit on small hand-made cases: errors and their messages,
 * separation, weights, lasso / elastic net (against values computed
 * independently in R and the optimality conditions), AUC, and the coverage
 * of the Wald intervals on synthetic data.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "leadscore/fit.h"
#include "test_support.h"

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

static ls_status fit(const double *X, size_t n, size_t p, const double *y, const double *w,
                     const char *const *names, const ls_fit_options *o, ls_fit_result *res,
                     ls_error *err)
{
    ls_error_clear(err);
    return ls_logit_fit(X, n, p, y, w, names, o, res, err);
}

static ls_fit_options options(double l1, double l2)
{
    ls_fit_options o;
    ls_fit_options_init(&o);
    o.l1 = l1;
    o.l2 = l2;
    return o;
}

/* The R data set shared by several tests (same formulas in R):
 *   x1 = 2·sin(i), x2 = (i mod 3 == 0), y = cos(3i) + 0.8·x1 - 0.5·x2 > 0,
 *   w = 1 + (i mod 4), i = 1..60. */
enum { R_N = 60 };
static double r_X[2 * R_N], r_y[R_N], r_w[R_N];

static void r_data(void)
{
    for (int i = 1; i <= R_N; i++) {
        double x1 = 2.0 * sin(i), x2 = i % 3 == 0;
        r_X[i - 1] = x1;
        r_X[R_N + i - 1] = x2;
        r_y[i - 1] = cos(3.0 * i) + 0.8 * x1 - 0.5 * x2 > 0;
        r_w[i - 1] = 1 + i % 4;
    }
}

/* Estimate, std error, z, p from R's summary(glm(...)) at epsilon 1e-15.
 * Estimates near 0 are judged against their standard error. R takes the
 * covariance from the QR of the last IRLS pass, whose weights are those of
 * the previous iterate, so its standard errors are stale by ~1e-8; ours
 * (as statsmodels') are at the estimate. */
static void check_r(const ls_fit_result *res, const double (*expect)[4], size_t k)
{
    assert_int_equal(res->n_coef, k);
    for (size_t j = 0; j < k; j++) {
        assert_close(res->estimate[j], expect[j][0], 1e-9, 1e-9 * expect[j][1]);
        assert_close(res->std_error[j], expect[j][1], 1e-7, 0);
        assert_close(res->z[j], expect[j][2], 1e-7, 1e-10);
        assert_close(res->p_value[j], expect[j][3], 1e-6, 0);
    }
}

/* ------------------------------------------------------------------------ */
/* Against R                                                                */

static void test_r_unweighted(void **state)
{
    (void)state;
    static const double expect[][4] = {
        {0.0075721485994686422, 0.60623379547543255, 0.012490475879079397, 0.99003430126775371},
        {2.745272293089557, 0.76508663774512231, 3.5881848638481975, 0.00033298816073281507},
        {-3.3339277063138226, 1.4186533388087454, -2.3500651040749307, 0.018770127703096561},
    };
    r_data();
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(r_X, R_N, 2, r_y, NULL, NULL, NULL, &res, &err), LS_OK);
    check_r(&res, expect, 3);
    assert_close(res.deviance, 28.243297856147986, 1e-10, 0);
    assert_close(res.null_deviance, 82.576657645630618, 1e-12, 0);
    assert_close(res.aic, 34.24329785614799, 1e-10, 0);
    assert_close(res.bic, 40.52633154281429, 1e-10, 0);
    assert_close(res.loglik, -14.121648928073995, 1e-10, 0);
    assert_int_equal(res.rows, R_N);
    assert_int_equal(res.rank, 3);
    ls_fit_result_release(&res);
}

static void test_r_weighted(void **state)
{
    (void)state;
    static const double expect[][4] = {
        {0.0030319949002381419, 0.39867522506038006, 0.0076051751141018135, 0.99393200668844151},
        {2.9506173014907731, 0.52924009725769228, 5.5751960533218785, 2.4725125046938021e-08},
        {-3.5955832204086327, 0.94127140698737777, -3.8199218564564861, 0.00013349396025211235},
    };
    r_data();
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(r_X, R_N, 2, r_y, r_w, NULL, NULL, &res, &err), LS_OK);
    check_r(&res, expect, 3);
    assert_close(res.deviance, 70.414655123333191, 1e-10, 0);
    assert_close(res.null_deviance, 206.63558377358873, 1e-12, 0);
    assert_close(res.aic, 76.414655123333176, 1e-10, 0);
    assert_close(res.bic, 82.697688809999477, 1e-10, 0); /* R: ln(rows), not ln(Σw) */
    assert_int_equal(res.rows, R_N);
    assert_close(res.weight_sum, 150, 0, 0);
    ls_fit_result_release(&res);
}

static void test_r_no_intercept(void **state)
{
    (void)state;
    static const double expect[][4] = {
        {2.7453994470735412, 0.76500311549869315, 3.5887428318299852, 0.00033227640892421968},
        {-3.3265250654206704, 1.2880160608819986, -2.5826735911528589, 0.0098038027908007881},
    };
    r_data();
    ls_fit_options o = options(0, 0);
    o.intercept = 0;
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(r_X, R_N, 2, r_y, NULL, NULL, &o, &res, &err), LS_OK);
    check_r(&res, expect, 2);
    assert_close(res.deviance, 28.243453863684675, 1e-10, 0);
    assert_close(res.null_deviance, 83.177661667193433, 1e-12, 0); /* η = 0 */
    assert_close(res.aic, 32.243453863684671, 1e-10, 0);
    assert_close(res.bic, 36.432142988128874, 1e-10, 0);
    assert_int_equal(res.rank, 2);
    ls_fit_result_release(&res);
}

/* Integer case weights are the same as repeating rows; zero weights the
 * same as leaving rows out (even with garbage in them). */
static void test_weights_equal_duplication(void **state)
{
    (void)state;
    r_data();
    size_t total = 0;
    for (size_t i = 0; i < R_N; i++)
        total += (size_t)r_w[i];
    double *X = malloc(2 * total * sizeof *X), *y = malloc(total * sizeof *y);
    size_t at = 0;
    for (size_t i = 0; i < R_N; i++)
        for (int c = 0; c < (int)r_w[i]; c++, at++) {
            X[at] = r_X[i];
            X[total + at] = r_X[R_N + i];
            y[at] = r_y[i];
        }
    ls_fit_result a, b;
    ls_error err;
    assert_int_equal(fit(r_X, R_N, 2, r_y, r_w, NULL, NULL, &a, &err), LS_OK);
    assert_int_equal(fit(X, total, 2, y, NULL, NULL, NULL, &b, &err), LS_OK);
    for (size_t j = 0; j < 3; j++) {
        assert_close(a.estimate[j], b.estimate[j], 1e-10, 1e-13);
        assert_close(a.std_error[j], b.std_error[j], 1e-10, 0);
    }
    assert_close(a.deviance, b.deviance, 1e-12, 0);
    assert_close(a.loglik, b.loglik, 1e-12, 0);
    assert_close(a.auc, b.auc, 1e-14, 0);
    assert_close(a.positives, b.positives, 0, 0);
    assert_int_equal(a.rows, R_N);
    assert_int_equal(b.rows, total);
    ls_fit_result_release(&a);
    ls_fit_result_release(&b);

    /* Zero weights: rows 0..9 out, with a NaN and a bad target in them. */
    double w[R_N], Xz[2 * R_N], yz[R_N];
    memcpy(Xz, r_X, sizeof Xz);
    memcpy(yz, r_y, sizeof yz);
    for (size_t i = 0; i < R_N; i++)
        w[i] = i < 10 ? 0.0 : 1.0;
    Xz[3] = NAN;
    yz[4] = 7;
    assert_int_equal(fit(Xz, R_N, 2, yz, w, NULL, NULL, &a, &err), LS_OK);
    double Xs[2 * (R_N - 10)];
    memcpy(Xs, r_X + 10, (R_N - 10) * sizeof *Xs);
    memcpy(Xs + R_N - 10, r_X + R_N + 10, (R_N - 10) * sizeof *Xs);
    assert_int_equal(fit(Xs, R_N - 10, 2, r_y + 10, NULL, NULL, NULL, &b, &err), LS_OK);
    assert_int_equal(a.rows, R_N - 10);
    for (size_t j = 0; j < 3; j++)
        assert_close(a.estimate[j], b.estimate[j], 1e-12, 1e-14);
    assert_close(a.auc, b.auc, 1e-14, 0);
    ls_fit_result_release(&a);
    ls_fit_result_release(&b);
    free(X);
    free(y);
}

static void test_intercept_only(void **state)
{
    (void)state;
    double y[] = {1, 0, 0, 1, 0, 0, 0, 1};
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(NULL, 8, 0, y, NULL, NULL, NULL, &res, &err), LS_OK);
    assert_close(res.estimate[0], log(3.0 / 5.0), 1e-14, 0);
    assert_close(res.std_error[0], sqrt(1.0 / (8 * 3.0 / 8 * 5.0 / 8)), 1e-12, 0);
    assert_close(res.deviance, res.null_deviance, 1e-14, 0);
    assert_true(isnan(res.lr_p_value));
    assert_int_equal(res.iterations, 1); /* the start is the optimum: one step to confirm */
    ls_fit_result_release(&res);
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */

static void test_one_class(void **state)
{
    (void)state;
    double X[] = {1, 2, 3, 4, 5}, y1[] = {1, 1, 1, 1, 1}, y0[] = {0, 0, 0, 0, 0};
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(X, 5, 1, y1, NULL, NULL, NULL, &res, &err), LS_ERR_DATA);
    assert_string_equal(err.message, "the target has only one class (5 rows, all converted)");
    assert_int_equal(res.n_coef, 0);
    assert_null(res.estimate);
    ls_fit_result_release(&res);
    ls_fit_options o = options(0, 1);
    assert_int_equal(fit(X, 5, 1, y0, NULL, NULL, &o, &res, &err), LS_ERR_DATA);
    assert_string_equal(err.message, "the target has only one class (5 rows, all not converted)");
}

static void test_fewer_rows_than_terms(void **state)
{
    (void)state;
    double X[] = {1, 2, 3, 0, 1, 0, 5, 3, 1}, y[] = {0, 1, 1};
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(X, 3, 3, y, NULL, NULL, NULL, &res, &err), LS_ERR_DATA);
    assert_string_equal(err.message,
                        "3 rows are too few to estimate 4 coefficients (add --l2 or drop terms)");
    ls_fit_options o = options(0, 1);
    assert_int_equal(fit(X, 3, 3, y, NULL, NULL, &o, &res, &err), LS_OK);
    assert_int_equal(res.rank, 4);
    ls_fit_result_release(&res);
}

static void test_bad_values(void **state)
{
    (void)state;
    const char *names[] = {"age", "visits"};
    double X[] = {1, 2, 3, 4, 5, 6, 1, 0, NAN, 1, INFINITY, 0}, y[] = {0, 1, 0, 1, 1, 0};
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(X, 6, 2, y, NULL, names, NULL, &res, &err), LS_ERR_DATA);
    assert_string_equal(err.message, "row 3, term 'visits': value nan is not finite");
    assert_int_equal(fit(X, 6, 2, y, NULL, NULL, NULL, &res, &err), LS_ERR_DATA);
    assert_string_equal(err.message, "row 3, term 'term 2': value nan is not finite");
    X[8] = 1;
    X[10] = 0;
    double y2[] = {0, 0.5, 0, 1, 1, 0};
    assert_int_equal(fit(X, 6, 2, y2, NULL, names, NULL, &res, &err), LS_ERR_DATA);
    assert_string_equal(err.message, "row 2: the target is 0.5, not 0 or 1");
    double w[] = {1, 1, 1, -1, 1, 1};
    assert_int_equal(fit(X, 6, 2, y, w, names, NULL, &res, &err), LS_ERR_DATA);
    assert_string_equal(err.message, "row 4: weight -1 is not a finite number >= 0");
    ls_fit_options o = options(-1, 0);
    assert_int_equal(fit(X, 6, 2, y, NULL, names, &o, &res, &err), LS_ERR_USAGE);
    o = options(0, 0);
    o.max_iterations = 0;
    assert_int_equal(fit(X, 6, 2, y, NULL, names, &o, &res, &err), LS_ERR_USAGE);
    double zero_w[] = {0, 0, 0, 0, 0, 0};
    assert_int_equal(fit(X, 6, 2, y, zero_w, names, NULL, &res, &err), LS_ERR_DATA);
    assert_string_equal(err.message, "no rows with a non-zero weight");
    assert_null(res.estimate);
}

/* Without an intercept a zero column is aliased (R gives NA); if every
 * column is zero there is nothing to estimate. */
static void test_zero_columns_without_intercept(void **state)
{
    (void)state;
    r_data();
    double X[3 * R_N] = {0};
    memcpy(X + R_N, r_X, 2 * R_N * sizeof *X);
    ls_fit_options o = options(0, 0);
    o.intercept = 0;
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(X, R_N, 3, r_y, NULL, NULL, &o, &res, &err), LS_OK);
    assert_int_equal(res.aliased[0], 1);
    assert_true(isnan(res.estimate[0]));
    assert_close(res.estimate[1], 2.7453994470735412, 1e-9, 0);
    assert_int_equal(res.rank, 2);
    ls_fit_result_release(&res);
    assert_int_equal(fit(X, R_N, 1, r_y, NULL, NULL, &o, &res, &err), LS_ERR_DATA);
    assert_string_equal(err.message,
                        "every term is zero on the weighted rows: nothing to estimate");
    assert_null(res.estimate);
}

static void test_max_iterations(void **state)
{
    (void)state;
    r_data();
    ls_fit_options o = options(0, 0);
    o.max_iterations = 2;
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(r_X, R_N, 2, r_y, NULL, NULL, &o, &res, &err), LS_ERR_NOCONVERGE);
    assert_non_null(strstr(err.message, "no convergence after 2 iterations"));
    assert_int_equal(res.converged, 0);
    assert_int_equal(res.iterations, 2);
    assert_true(isfinite(res.estimate[1]) && isfinite(res.std_error[1]) && isfinite(res.deviance));
    ls_fit_result_release(&res);
}

/* ------------------------------------------------------------------------ */
/* Separation                                                               */

static void test_separation_indicator(void **state)
{
    (void)state;
    const char *names[] = {"age", "Lead Origin=Quick Add Form"};
    double X[] = {3, 1, 4, 1, 5, 9, 2, 6, /* age */
                  0, 0, 0, 0, 1, 0, 1, 1};
    double y[] = {0, 1, 0, 1, 1, 0, 1, 1};
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(X, 8, 2, y, NULL, names, NULL, &res, &err), LS_ERR_SEPARATION);
    assert_string_equal(err.message,
                        "quasi-complete separation: all 3 rows with 'Lead Origin=Quick Add Form' "
                        "converted; the maximum-likelihood estimate does not exist (add --l2, or "
                        "pool rare levels)");
    assert_int_equal(res.n_coef, 3);
    assert_int_equal(res.converged, 0);
    assert_int_equal(res.iterations, 0);
    ls_fit_result_release(&res);

    double y0[] = {0, 1, 0, 1, 0, 1, 0, 0};
    assert_int_equal(fit(X, 8, 2, y0, NULL, NULL, NULL, &res, &err), LS_ERR_SEPARATION);
    assert_string_equal(err.message, "quasi-complete separation: all 3 rows with 'term 2' did not "
                                     "convert; the maximum-likelihood estimate does not exist "
                                     "(add --l2, or pool rare levels)");
    ls_fit_result_release(&res);

    /* Ridge makes it well-posed. */
    ls_fit_options o = options(0, 1);
    assert_int_equal(fit(X, 8, 2, y, NULL, names, &o, &res, &err), LS_OK);
    ls_fit_result_release(&res);
}

/* A three-valued term: -1 never converts, +1 always, 0 both. Not a 0/1
 * column, so the Newton iterations must see it. */
static void test_separation_quasi_general(void **state)
{
    (void)state;
    const char *names[] = {"noise", "score"};
    double X[2 * 16], y[16];
    for (int i = 0; i < 16; i++) {
        X[i] = sin(i * 1.7);
        X[16 + i] = i < 5 ? -1 : i < 11 ? 0 : 1;
        y[i] = i < 5 ? 0 : i < 11 ? (i % 2) : 1;
    }
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(X, 16, 2, y, NULL, names, NULL, &res, &err), LS_ERR_SEPARATION);
    print_message("%s\n", err.message);
    assert_non_null(strstr(err.message, "quasi-complete separation"));
    assert_non_null(strstr(err.message, "'score'"));
    assert_int_equal(res.converged, 0);
    assert_true(res.iterations > 0);
    assert_true(fabs(res.estimate[2]) > 10);
    ls_fit_result_release(&res);
}

static void test_separation_complete(void **state)
{
    (void)state;
    const char *names[] = {"minutes"};
    double X[20], y[20];
    for (int i = 0; i < 20; i++) {
        X[i] = 3.0 * i + 1;
        y[i] = i >= 8;
    }
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(X, 20, 1, y, NULL, names, NULL, &res, &err), LS_ERR_SEPARATION);
    print_message("%s\n", err.message);
    assert_non_null(strstr(err.message, "complete separation"));
    assert_null(strstr(err.message, "quasi"));
    assert_non_null(strstr(err.message, "'minutes'"));
    assert_int_equal(res.converged, 0);
    ls_fit_result_release(&res);
}

/* ------------------------------------------------------------------------ */
/* Lasso and elastic net                                                    */

/* Same formulas as the R script that computed the expected values:
 *   x_j = sin(0.7·i·j + j)·(1 + j/2), j = 1..6, i = 1..300,
 *   y = cos(1.3·i) + 0.8·x1 - 0.6·x2 + 0.3·x3 > 0. */
enum { EN_N = 300, EN_P = 6 };
static double en_X[EN_P * EN_N], en_y[EN_N];

static void en_data(void)
{
    for (int i = 1; i <= EN_N; i++) {
        for (int j = 1; j <= EN_P; j++)
            en_X[(j - 1) * EN_N + i - 1] = sin(0.7 * i * j + j) * (1 + 0.5 * j);
        en_y[i - 1] = cos(1.3 * i) + 0.8 * en_X[i - 1] - 0.6 * en_X[EN_N + i - 1] +
                          0.3 * en_X[2 * EN_N + i - 1] >
                      0;
    }
}

/* Optimality of -loglik + l1·‖β‖₁ + l2/2·‖β‖²: g_j = ∂loglik/∂β_j equals
 * l2·β_j + l1·sign(β_j) where β_j ≠ 0, and |g_j| ≤ l1 where β_j = 0. */
static void check_kkt(const double *X, size_t n, size_t p, const double *y, const double *w,
                      const ls_fit_result *res, double l1, double l2, double tol)
{
    double g[64] = {0};
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1, eta = res->estimate[0];
        for (size_t j = 0; j < p; j++)
            eta += res->estimate[j + 1] * X[j * n + i];
        double r = wi * (y[i] - 1.0 / (1.0 + exp(-eta)));
        g[0] += r;
        for (size_t j = 0; j < p; j++)
            g[j + 1] += r * X[j * n + i];
    }
    assert_close(g[0], 0, 0, tol);
    for (size_t j = 1; j <= p; j++) {
        double b = res->estimate[j];
        if (b == 0) {
            assert_true(fabs(g[j]) <= l1 + tol);
            assert_true(isnan(res->std_error[j]) && isnan(res->z[j]) && isnan(res->ci_low[j]));
        } else {
            assert_close(g[j], l2 * b + (b > 0 ? l1 : -l1), 0, tol);
            assert_true(isfinite(res->std_error[j]));
        }
    }
}

static void test_elastic_net_against_r(void **state)
{
    (void)state;
    /* R: L-BFGS-B on the split β = β⁺ - β⁻, polished by Newton on the active set. */
    static const double expect[] = {
        0.046107086079476563, 0.99395521367297945,  -0.80881713485312112, 0.28090574953145148, 0,
        0.017759777987206481, -0.068335437661662862};
    en_data();
    ls_fit_options o = options(8, 3);
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(en_X, EN_N, EN_P, en_y, NULL, NULL, &o, &res, &err), LS_OK);
    for (size_t j = 0; j <= EN_P; j++)
        assert_close(res.estimate[j], expect[j], 1e-8, 1e-12);
    assert_true(res.estimate[4] == 0.0);
    assert_int_equal(res.rank, 6);
    check_kkt(en_X, EN_N, EN_P, en_y, NULL, &res, 8, 3, 1e-6);
    ls_fit_result_release(&res);
}

static void test_lasso_against_r(void **state)
{
    (void)state;
    static const double expect[] = {
        0.038679809326216327,   0.8592049089634004,   -0.69687240657754712, 0.21622505524270572, 0,
        0.00058175510178563709, -0.057117728696741553};
    en_data();
    ls_fit_options o = options(15, 0);
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(en_X, EN_N, EN_P, en_y, NULL, NULL, &o, &res, &err), LS_OK);
    for (size_t j = 0; j <= EN_P; j++)
        assert_close(res.estimate[j], expect[j], 1e-7, 1e-11);
    check_kkt(en_X, EN_N, EN_P, en_y, NULL, &res, 15, 0, 1e-6);
    ls_fit_result_release(&res);
}

/* Along a path of λ1 up to λ_max = max_j |∂loglik/∂β_j| at the
 * intercept-only fit, the optimality conditions hold, with weights, and the
 * number of zeros grows until every slope is 0. */
static void test_lasso_path_kkt(void **state)
{
    (void)state;
    en_data();
    double w[EN_N], wsum = 0, wpos = 0;
    for (size_t i = 0; i < EN_N; i++) {
        w[i] = 0.5 + (double)(i % 3);
        wsum += w[i];
        wpos += w[i] * en_y[i];
    }
    double lambda_max = 0;
    for (size_t j = 0; j < EN_P; j++) {
        double g = 0;
        for (size_t i = 0; i < EN_N; i++)
            g += w[i] * (en_y[i] - wpos / wsum) * en_X[j * EN_N + i];
        lambda_max = fmax(lambda_max, fabs(g));
    }
    size_t prev_zeros = 0;
    const double path[] = {0.003, 0.05, 0.2, 0.5, 0.9, 1.001};
    for (size_t s = 0; s < sizeof path / sizeof path[0]; s++) {
        double l1 = path[s] * lambda_max;
        ls_fit_options o = options(l1, 0.5);
        ls_fit_result res;
        ls_error err;
        assert_int_equal(fit(en_X, EN_N, EN_P, en_y, w, NULL, &o, &res, &err), LS_OK);
        check_kkt(en_X, EN_N, EN_P, en_y, w, &res, l1, 0.5, 1e-6);
        size_t zeros = 0;
        for (size_t j = 1; j <= EN_P; j++)
            zeros += res.estimate[j] == 0.0;
        assert_true(zeros >= prev_zeros);
        assert_true(path[s] > 1 ? zeros == EN_P : zeros < EN_P);
        assert_int_equal(res.rank, 1 + EN_P - zeros);
        prev_zeros = zeros;
        ls_fit_result_release(&res);
    }
}

static void test_lasso_huge_lambda(void **state)
{
    (void)state;
    en_data();
    ls_fit_options o = options(1e6, 0);
    ls_fit_result res;
    ls_error err;
    assert_int_equal(fit(en_X, EN_N, EN_P, en_y, NULL, NULL, &o, &res, &err), LS_OK);
    double ybar = 0;
    for (size_t i = 0; i < EN_N; i++)
        ybar += en_y[i] / EN_N;
    assert_close(res.estimate[0], log(ybar / (1 - ybar)), 1e-12, 0);
    for (size_t j = 1; j <= EN_P; j++) {
        assert_true(res.estimate[j] == 0.0);
        assert_true(isnan(res.std_error[j]));
    }
    assert_int_equal(res.rank, 1);
    assert_close(res.deviance, res.null_deviance, 1e-12, 0);
    ls_fit_result_release(&res);
}

/* Coordinate descent with a vanishing λ1 lands on the Newton ridge fit. */
static void test_cd_matches_ridge(void **state)
{
    (void)state;
    en_data();
    ls_fit_options cd = options(1e-300, 2), nr = options(0, 2);
    ls_fit_result a, b;
    ls_error err;
    assert_int_equal(fit(en_X, EN_N, EN_P, en_y, NULL, NULL, &cd, &a, &err), LS_OK);
    assert_int_equal(fit(en_X, EN_N, EN_P, en_y, NULL, NULL, &nr, &b, &err), LS_OK);
    for (size_t j = 0; j <= EN_P; j++) {
        assert_close(a.estimate[j], b.estimate[j], 1e-9, 1e-12);
        assert_close(a.std_error[j], b.std_error[j], 1e-8, 0);
    }
    ls_fit_result_release(&a);
    ls_fit_result_release(&b);
}

/* ------------------------------------------------------------------------ */
/* AUC                                                                      */

static void test_auc(void **state)
{
    (void)state;
    double s1[] = {0.1, 0.4, 0.35, 0.8}, y1[] = {0, 0, 1, 1};
    assert_close(ls_auc(s1, y1, NULL, 4), 0.75, 1e-15, 0);
    /* Ties count one half: (0.5 + 0 + 1 + 0.5) / 4. */
    double s2[] = {1, 1, 2, 2}, y2[] = {0, 1, 0, 1};
    assert_close(ls_auc(s2, y2, NULL, 4), 0.5, 1e-15, 0);
    /* Weights act as repeats; weight 0 drops the row. */
    double s3[] = {0.1, 0.4, 0.35, 0.8, 0.9}, y3[] = {0, 0, 1, 1, 0}, w3[] = {2, 1, 1, 3, 0};
    double s4[] = {0.1, 0.1, 0.4, 0.35, 0.8, 0.8, 0.8}, y4[] = {0, 0, 0, 1, 1, 1, 1};
    assert_close(ls_auc(s3, y3, w3, 5), ls_auc(s4, y4, NULL, 7), 1e-15, 0);
    assert_close(ls_auc(s3, y3, w3, 5), (1 * 2 + 3 * 3) / 12.0, 1e-15, 0);
    assert_true(isnan(ls_auc(s1, y1, NULL, 2)));
    double sn[] = {NAN, 1}, yn[] = {0, 1};
    assert_true(isnan(ls_auc(sn, yn, NULL, 2)));
}

/* ------------------------------------------------------------------------ */
/* Coverage of the Wald intervals                                           */

/* 10 seeds × 10 coefficients of a 200,000-row logistic model with known
 * β: the 95% intervals should cover the truth about 95% of the time
 * (binomial sd of the count 2.2; 85 is 4.5 sd below 95). */
static void test_interval_coverage(void **state)
{
    (void)state;
    enum { N = 200000, P = 9, SEEDS = 10 };
    const double beta[P + 1] = {-1.0, 0.5, -0.25, 0.8, 0.0, 0.3, -0.6, 1.2, 0.1, -0.05};
    double *X = malloc((size_t)N * P * sizeof *X), *y = malloc(N * sizeof *y);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    int covered = 0, total = 0;
    for (unsigned long seed = 1; seed <= SEEDS; seed++) {
        gsl_rng_set(rng, seed);
        for (size_t i = 0; i < N; i++) {
            double eta = beta[0];
            for (size_t j = 0; j < P; j++) {
                /* Mix continuous and 0/1 terms, as a lead-scoring design has. */
                double x =
                    j % 3 == 2 ? (double)(gsl_rng_uniform(rng) < 0.3) : gsl_ran_gaussian(rng, 1.0);
                X[j * N + i] = x;
                eta += beta[j + 1] * x;
            }
            y[i] = gsl_rng_uniform(rng) < 1.0 / (1.0 + exp(-eta));
        }
        ls_fit_result res;
        ls_error err;
        assert_int_equal(fit(X, N, P, y, NULL, NULL, NULL, &res, &err), LS_OK);
        for (size_t j = 0; j <= P; j++) {
            covered += res.ci_low[j] <= beta[j] && beta[j] <= res.ci_high[j];
            total++;
        }
        ls_fit_result_release(&res);
    }
    print_message("95%% intervals covered the truth %d / %d times\n", covered, total);
    assert_true(covered >= 85);
    gsl_rng_free(rng);
    free(X);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_r_unweighted),
        cmocka_unit_test(test_r_weighted),
        cmocka_unit_test(test_r_no_intercept),
        cmocka_unit_test(test_weights_equal_duplication),
        cmocka_unit_test(test_intercept_only),
        cmocka_unit_test(test_one_class),
        cmocka_unit_test(test_fewer_rows_than_terms),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_zero_columns_without_intercept),
        cmocka_unit_test(test_max_iterations),
        cmocka_unit_test(test_separation_indicator),
        cmocka_unit_test(test_separation_quasi_general),
        cmocka_unit_test(test_separation_complete),
        cmocka_unit_test(test_elastic_net_against_r),
        cmocka_unit_test(test_lasso_against_r),
        cmocka_unit_test(test_lasso_path_kkt),
        cmocka_unit_test(test_lasso_huge_lambda),
        cmocka_unit_test(test_cd_matches_ridge),
        cmocka_unit_test(test_auc),
        cmocka_unit_test(test_interval_coverage),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
