/* Numeric edge cases of training, each with its documented outcome (README
 * "Numeric edge cases"), through ls_train as the CLI calls it:
 *
 *   complete separation        LS_ERR_SEPARATION naming the term; fits with l2
 *   quasi-complete separation  LS_ERR_SEPARATION naming the level and its rows
 *   perfect collinearity       LS_OK; the later term is aliased (estimate NAN,
 *                              0 points) with a note, as R's glm reports NA
 *   more terms than rows       LS_ERR_DATA "N rows are too few to estimate M
 *                              coefficients"; fits with l2
 *   one-class target           LS_ERR_DATA "only one class"
 *   extreme magnitudes         1e300 in a numeric column: LS_ERR_NUMERIC (the
 *                              Hessian overflows), fits once the spec caps the
 *                              column or takes log1p; values near 1e-300 are
 *                              dropped as aliased (their squares underflow)
 *   zero weights               rows with weight 0 are left out exactly; all
 *                              zero is LS_ERR_DATA; a negative or missing weight
 *                              is LS_ERR_DATA placed at its line and column
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "leadscore/train.h"
#include "model_internal.h"

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

/* The error of the last train_text call, for its place. */
static ls_error last_err;

typedef struct {
    const char *spec;    /* criteria spec text, or NULL */
    const char *weights; /* weights column, or NULL */
    double l2;
    const double *row_weights;
} train_args;

/* Loads csv (with the spec's types), trains on target y and checks the
 * status and, when given, a substring of the message. Returns the model (or
 * NULL); notes, when not NULL, receives the report's notes joined by '\n'. */
static ls_model *train_text(const char *csv, const train_args *a, ls_status expect,
                            const char *message, char **notes)
{
    ls_error err;
    ls_error_clear(&err);
    ls_error_clear(&last_err);
    ls_spec *spec = NULL;
    ls_table_options topts;
    ls_table_options_init(&topts);
    if (a && a->spec) {
        assert_int_equal(ls_spec_parse(a->spec, "edge.ini", &spec, &err), LS_OK);
        topts.n_types = ls_spec_type_overrides(spec, &topts.type_names, &topts.types);
    }
    ls_table *table = NULL;
    ls_status st = ls_table_load(ls_test_write_temp(csv, strlen(csv)), &topts, &table, &err);
    if (st != LS_OK) {
        /* A few outcomes (bad weights) are decided while training, others
         * while loading: either way the status and message are checked. */
        ls_spec_free(spec);
        last_err = err;
        assert_int_equal(st, expect);
        if (message && !strstr(err.message, message))
            fail_msg("message '%s' lacks '%s'", err.message, message);
        return NULL;
    }
    ls_train_options o;
    ls_train_options_init(&o);
    o.target = "y";
    if (a) {
        o.weights = a->weights;
        o.fit.l2 = a->l2;
        o.row_weights = a->row_weights;
    }
    ls_model *model = NULL;
    ls_train_report report;
    memset(&report, 0, sizeof report);
    st = ls_train(table, spec, &o, NULL, &model, &report, &err);
    last_err = err;
    if (st != expect) {
        char buf[1024];
        print_error("ls_train: %s\n", ls_error_format(&err, buf, sizeof buf));
        ls_table_free(table);
        ls_spec_free(spec);
        ls_model_free(model);
    }
    assert_int_equal(st, expect);
    if (st != LS_OK && message && !strstr(err.message, message))
        fail_msg("message '%s' lacks '%s'", err.message, message);
    if (st == LS_OK && notes) {
        size_t len = 1;
        for (size_t i = 0; i < report.n_notes; i++)
            len += strlen(report.notes[i]) + 1;
        *notes = calloc(len, 1);
        assert_non_null(*notes);
        for (size_t i = 0; i < report.n_notes; i++) {
            strcat(*notes, report.notes[i]);
            strcat(*notes, "\n");
        }
    }
    if (st == LS_OK)
        ls_train_report_release(&report);
    ls_table_free(table);
    ls_spec_free(spec);
    return model;
}

static const ls_term *find_term(const ls_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_terms; i++)
        if (strcmp(m->terms[i].name, name) == 0)
            return &m->terms[i];
    fail_msg("no term '%s'", name);
    abort(); /* not reached: fail_msg jumps back to cmocka */
}

/* Every point and estimate of a model is finite (aliased estimates are NAN). */
static void assert_finite_model(const ls_model *m)
{
    for (size_t i = 0; i < m->n_terms; i++) {
        assert_true(isfinite(m->terms[i].points));
        assert_true(m->terms[i].aliased || isfinite(m->terms[i].estimate));
    }
    for (size_t c = 0; c < m->n_criteria; c++)
        for (size_t r = 0; r < m->criteria[c].n_rules; r++)
            assert_true(isfinite(m->criteria[c].rules[r].points));
}

/* A deterministic data set: x roughly N(0,1) from a fixed sequence, y from a
 * logistic link with some noise, so nothing separates. extra_fmt formats the
 * extra columns of row i from x (may be NULL). */
static char *make_csv(size_t n, const char *header, void (*extra)(char *, size_t, size_t, double))
{
    size_t cap = 256 + n * 256;
    char *csv = malloc(cap);
    assert_non_null(csv);
    size_t used = (size_t)snprintf(csv, cap, "x%s,y\n", header ? header : "");
    for (size_t i = 0; i < n; i++) {
        double x = sin(1.7 * (double)i) * 1.5;
        int y = cos(5.3 * (double)i) + 0.9 * x > 0;
        char more[200] = "";
        if (extra)
            extra(more, sizeof more, i, x);
        used += (size_t)snprintf(csv + used, cap - used, "%.17g%s,%d\n", x, more, y);
    }
    return csv;
}

/* ---- separation ---------------------------------------------------------- */

static void test_complete_separation(void **state)
{
    (void)state;
    const char *csv = "x,y\n1,0\n2,0\n3,0\n4,1\n5,1\n6,1\n";
    train_text(csv, NULL, LS_ERR_SEPARATION, "complete separation", NULL);
    train_text(csv, NULL, LS_ERR_SEPARATION, "the estimate of 'x' diverges", NULL);
    /* The documented remedy: a ridge penalty gives finite points. */
    train_args ridge = {.l2 = 1};
    ls_model *m = train_text(csv, &ridge, LS_OK, NULL, NULL);
    assert_non_null(m);
    assert_finite_model(m);
    assert_true(find_term(m, "x")->estimate > 0);
    ls_model_free(m);
}

static void test_quasi_complete_separation(void **state)
{
    (void)state;
    const char *csv = "x,c,y\n1,a,0\n2,a,0\n3,b,1\n4,b,0\n5,b,1\n6,b,0\n7,b,1\n8,b,1\n";
    train_text(csv, NULL, LS_ERR_SEPARATION, "all 2 rows with 'c=a' did not convert", NULL);
}

/* ---- collinearity ---------------------------------------------------------- */

static void twice_x(char *buf, size_t size, size_t i, double x)
{
    (void)i;
    snprintf(buf, size, ",%.17g", 2 * x);
}

static void test_perfect_collinearity(void **state)
{
    (void)state;
    char *csv = make_csv(60, ",x2", twice_x);
    char *notes = NULL;
    ls_model *m = train_text(csv, NULL, LS_OK, NULL, &notes);
    assert_non_null(m);
    const ls_term *x2 = find_term(m, "x2");
    assert_true(x2->aliased);
    assert_true(isnan(x2->estimate));
    assert_true(x2->points == 0);
    assert_false(find_term(m, "x")->aliased);
    assert_non_null(strstr(notes, "x2: dropped: a linear combination of earlier terms"));
    assert_finite_model(m);
    free(notes);
    free(csv);
    ls_model_free(m);
}

/* ---- more terms than rows -------------------------------------------------- */

static void test_more_terms_than_rows(void **state)
{
    (void)state;
    const char *csv = "a,b,x,y\np,q,1,0\nr,s,2,1\nt,u,3,0\np,v,4,1\nr,q,5,0\nt,s,6,1\n";
    train_text(csv, NULL, LS_ERR_DATA, "6 rows are too few to estimate 7 coefficients", NULL);
    train_args ridge = {.l2 = 1};
    ls_model *m = train_text(csv, &ridge, LS_OK, NULL, NULL);
    assert_non_null(m);
    assert_finite_model(m);
    ls_model_free(m);
}

/* ---- one class --------------------------------------------------------------- */

static void test_one_class_target(void **state)
{
    (void)state;
    train_text("x,y\n1,0\n2,0\n3,0\n", NULL, LS_ERR_DATA, "only one class", NULL);
    train_text("x,y\n1,1\n2,1\n3,1\n", NULL, LS_ERR_DATA, "only one class", NULL);
}

/* ---- extreme magnitudes -------------------------------------------------- */

static void huge(char *buf, size_t size, size_t i, double x)
{
    (void)x;
    snprintf(buf, size, ",%de300", (int)(i % 7) + 1);
}

static void tiny(char *buf, size_t size, size_t i, double x)
{
    (void)x;
    snprintf(buf, size, ",%de-300", (int)(i % 7) + 1);
}

static void test_extreme_magnitudes(void **state)
{
    (void)state;
    char *csv = make_csv(60, ",big", huge);
    train_text(csv, NULL, LS_ERR_NUMERIC, "not positive definite", NULL);
    /* A cap or log1p in the spec brings the column back into range. */
    train_args capped = {.spec = "[criterion]\ncolumn = big\ntype = numeric\ncap = 0, 1000\n"};
    ls_model *m = train_text(csv, &capped, LS_OK, NULL, NULL);
    assert_non_null(m);
    assert_finite_model(m);
    ls_model_free(m);
    train_args logged = {.spec = "[criterion]\ncolumn = big\ntransform = log1p\n"};
    m = train_text(csv, &logged, LS_OK, NULL, NULL);
    assert_non_null(m);
    assert_finite_model(m);
    ls_model_free(m);
    free(csv);

    csv = make_csv(60, ",small", tiny);
    char *notes = NULL;
    m = train_text(csv, NULL, LS_OK, NULL, &notes);
    assert_non_null(m);
    assert_true(find_term(m, "small")->aliased);
    assert_non_null(strstr(notes, "small: dropped"));
    assert_finite_model(m);
    free(notes);
    free(csv);
    ls_model_free(m);
}

/* ---- zero weights ---------------------------------------------------------- */

static void every_third_zero(char *buf, size_t size, size_t i, double x)
{
    (void)x;
    snprintf(buf, size, ",%d", i % 3 == 0 ? 0 : 1);
}

static void only_weighted(char *buf, size_t size, size_t i, double x)
{
    (void)x;
    (void)i;
    snprintf(buf, size, ",1");
}

static void all_zero(char *buf, size_t size, size_t i, double x)
{
    (void)x;
    (void)i;
    snprintf(buf, size, ",0");
}

static void test_zero_weights(void **state)
{
    (void)state;
    /* Weight 0 leaves a row out exactly: the fit equals the fit on the rows
     * that remain. */
    char *csv = make_csv(60, ",w", every_third_zero);
    train_args weighted = {.weights = "w"};
    ls_model *a = train_text(csv, &weighted, LS_OK, NULL, NULL);
    assert_non_null(a);
    /* The same rows without the zero-weight ones. */
    char *sub = make_csv(60, ",w", only_weighted);
    char *kept = malloc(strlen(sub) + 1);
    assert_non_null(kept);
    char *w = kept;
    size_t row = 0;
    for (char *line = strtok(sub, "\n"); line; line = strtok(NULL, "\n"), row++)
        if (row == 0 || (row - 1) % 3 != 0)
            w += sprintf(w, "%s\n", line);
    ls_model *b = train_text(kept, &weighted, LS_OK, NULL, NULL);
    assert_non_null(b);
    assert_close(find_term(a, "x")->estimate, find_term(b, "x")->estimate, 1e-9, 0);
    assert_close(a->deviance, b->deviance, 1e-9, 0);
    assert_close(a->rows, 40, 0, 0);
    ls_model_free(a);
    ls_model_free(b);
    free(kept);
    free(sub);
    free(csv);

    csv = make_csv(20, ",w", all_zero);
    train_text(csv, &weighted, LS_ERR_DATA, "no rows with a non-zero weight", NULL);
    free(csv);
    /* Per-row weights (holdout, folds) all zero: the same outcome. */
    csv = make_csv(20, NULL, NULL);
    double zeros[20] = {0};
    train_args rows_zero = {.row_weights = zeros};
    train_text(csv, &rows_zero, LS_ERR_DATA, "no rows with a non-zero weight", NULL);
    free(csv);

    train_text("x,w,y\n1,1,0\n2,-1,1\n3,1,0\n4,1,1\n", &weighted, LS_ERR_DATA,
               "a weight must be a number >= 0", NULL);
    assert_int_equal(last_err.line, 3);
    assert_int_equal(last_err.column_index, 2);
    train_text("x,w,y\n1,,0\n2,1,1\n3,1,0\n4,1,1\n", &weighted, LS_ERR_DATA,
               "a weight must be a number >= 0", NULL);
    assert_int_equal(last_err.line, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_separation),
        cmocka_unit_test(test_quasi_complete_separation),
        cmocka_unit_test(test_perfect_collinearity),
        cmocka_unit_test(test_more_terms_than_rows),
        cmocka_unit_test(test_one_class_target),
        cmocka_unit_test(test_extreme_magnitudes),
        cmocka_unit_test(test_zero_weights),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
