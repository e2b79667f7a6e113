/* Out-of-core training (ls_train_file with a small memory limit) gives the
 * model of in-memory training: coefficients, standard errors, fit
 * statistics, points, tiers and score bands; temporary files are never left
 * behind, and an unusable TMPDIR is a clean error.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* mkdtemp, setenv */
#include "test_support.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leadscore/synth.h"
#include "leadscore/train.h"
#include "model_internal.h"

static const char spec_text[] = "[leadscore]\ntarget = converted\npositive = 1\nid = lead_id\n"
                                "missing = \"\", NA\n\n"
                                "[criterion]\ncolumn = company_size\ntype = numeric\n"
                                "bands = 1-10, 11-100, 101-500, 501+\n";

/* Relative difference, with an absolute floor for values near zero. */
static double rel(double a, double b)
{
    if (isnan(a) && isnan(b))
        return 0;
    return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 1e-300);
}

#define TOL 1e-12

static void same_model(const ls_model *a, const ls_model *b, const ls_train_report *ra,
                       const ls_train_report *rb)
{
    assert_int_equal(a->n_terms, b->n_terms);
    for (size_t t = 0; t < a->n_terms; t++) {
        const ls_term *x = &a->terms[t], *y = &b->terms[t];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->aliased, y->aliased);
        if (rel(x->estimate, y->estimate) > TOL || rel(x->std_error, y->std_error) > TOL ||
            rel(x->p_value, y->p_value) > TOL || x->points != y->points)
            fail_msg("%s: estimate %.17g / %.17g, SE %.17g / %.17g, points %g / %g", x->name,
                     x->estimate, y->estimate, x->std_error, y->std_error, x->points, y->points);
    }
    double stats[][2] = {{a->deviance, b->deviance},
                         {a->aic, b->aic},
                         {a->bic, b->bic},
                         {a->auc, b->auc},
                         {a->points_auc, b->points_auc},
                         {a->lr_chi2, b->lr_chi2},
                         {a->rows, b->rows},
                         {a->positives, b->positives}};
    for (size_t k = 0; k < sizeof stats / sizeof stats[0]; k++)
        if (rel(stats[k][0], stats[k][1]) > TOL)
            fail_msg("statistic %zu: %.17g / %.17g", k, stats[k][0], stats[k][1]);
    assert_int_equal(a->iterations, b->iterations);
    assert_int_equal(a->n_tiers, b->n_tiers);
    for (size_t t = 0; t < a->n_tiers; t++)
        assert_true(a->tiers[t].min_score == b->tiers[t].min_score);
    assert_int_equal(ra->n_bands, rb->n_bands);
    for (size_t k = 0; k < ra->n_bands; k++) {
        assert_int_equal(ra->bands[k].rows, rb->bands[k].rows);
        assert_true(rel(ra->bands[k].predicted, rb->bands[k].predicted) <= TOL);
        assert_true(rel(ra->bands[k].observed, rb->bands[k].observed) <= TOL);
    }
}

static void load_spec(const char *path, ls_spec **spec, ls_table_options *topts)
{
    ls_error err;
    assert_int_equal(ls_spec_load(path, spec, &err), LS_OK);
    ls_table_options_init(topts);
    topts->missing_tokens = ls_spec_missing_tokens(*spec, &topts->n_missing_tokens);
    topts->n_types = ls_spec_type_overrides(*spec, &topts->type_names, &topts->types);
}

static int dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    assert_non_null(d);
    int empty = 1;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty;
}

/* One data set, trained three ways: ls_train on a plain table, ls_train_file
 * in memory, and out of core. */
static void check_both_ways(const char *data, const ls_train_options *opts)
{
    ls_spec *spec = NULL;
    ls_table_options topts;
    load_spec(ls_test_write_temp(spec_text, strlen(spec_text)), &spec, &topts);
    ls_error err;
    ls_table *table = NULL;
    ls_model *ref = NULL, *mem = NULL, *ooc = NULL;
    ls_train_report rr, rm, ro;
    assert_int_equal(ls_table_load(data, &topts, &table, &err), LS_OK);
    assert_int_equal(ls_train(table, spec, opts, data, &ref, &rr, &err), LS_OK);
    ls_table_free(table);

    char tmpl[] = "/tmp/ls-stream-XXXXXX";
    const char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", dir, 1);
    int went = -1;
    assert_int_equal(ls_train_file(data, &topts, spec, opts, SIZE_MAX, &mem, &rm, &went, &err),
                     LS_OK);
    assert_int_equal(went, 0);
    assert_int_equal(ls_train_file(data, &topts, spec, opts, 1, &ooc, &ro, &went, &err), LS_OK);
    assert_int_equal(went, 1);
    assert_true(dir_is_empty(dir));

    /* an unusable TMPDIR: a clean I/O error naming it, no model */
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/no-such-dir", dir);
    setenv("TMPDIR", missing, 1);
    ls_model *none = NULL;
    ls_train_report rn;
    assert_int_equal(ls_train_file(data, &topts, spec, opts, 1, &none, &rn, &went, &err),
                     LS_ERR_IO);
    assert_null(none);
    assert_non_null(strstr(err.message, "no-such-dir"));
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    rmdir(dir);

    same_model(ref, mem, &rr, &rm);
    same_model(ref, ooc, &rr, &ro);
    ls_train_report_release(&rr);
    ls_train_report_release(&rm);
    ls_train_report_release(&ro);
    ls_model_free(ref);
    ls_model_free(mem);
    ls_model_free(ooc);
    ls_spec_free(spec);
}

static const char *synth_data(size_t rows, uint64_t seed)
{
    ls_synth_options so;
    ls_synth_options_init(&so);
    so.rows = rows;
    so.seed = seed;
    const char *data = ls_test_write_temp("", 0);
    ls_error err;
    assert_int_equal(ls_synth_write_paths(&so, data, NULL, NULL, NULL, &err), LS_OK);
    return data;
}

/* 60k leads: large enough for the parallel parse (two parts merged) and
 * several fit tasks. */
static void test_out_of_core_same_model(void **state)
{
    (void)state;
    const char *data = synth_data(60000, 11);
    ls_train_options opts;
    ls_train_options_init(&opts);
    check_both_ways(data, &opts);
}

static void test_out_of_core_same_ridge(void **state)
{
    (void)state;
    const char *data = synth_data(5000, 12);
    ls_train_options opts;
    ls_train_options_init(&opts);
    opts.fit.l2 = 2.5;
    opts.pool_below = 30;
    opts.population_rate = 0.05;
    check_both_ways(data, &opts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_of_core_same_model),
        cmocka_unit_test(test_out_of_core_same_ridge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
