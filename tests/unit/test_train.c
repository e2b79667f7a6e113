/* Trainer: encoding + fit on the raw shared files against R's glm, points
 * scaling, recovery of known weights, and the documented data errors.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "leadscore/synth.h"
#include "leadscore/train.h"
#include "model_internal.h"

static ls_model *train_file(const char *data, const char *spec_path, const ls_train_options *opts,
                            ls_status expect, ls_error *err)
{
    ls_spec *spec = NULL;
    ls_table *table = NULL;
    ls_model *model = NULL;
    ls_error_clear(err);
    ls_table_options topts;
    ls_table_options_init(&topts);
    if (spec_path) {
        assert_int_equal(ls_spec_load(spec_path, &spec, err), LS_OK);
        topts.missing_tokens = ls_spec_missing_tokens(spec, &topts.n_missing_tokens);
        topts.n_types = ls_spec_type_overrides(spec, &topts.type_names, &topts.types);
    }
    assert_int_equal(ls_table_load(data, &topts, &table, err), LS_OK);
    ls_train_options defaults;
    ls_train_options_init(&defaults);
    ls_status st = ls_train(table, spec, opts ? opts : &defaults, NULL, &model, NULL, err);
    if (st != expect) {
        char buf[1024];
        print_error("ls_train: %s\n", ls_error_format(err, buf, sizeof buf));
    }
    assert_int_equal(st, expect);
    ls_table_free(table);
    ls_spec_free(spec);
    return model;
}

/* Case-insensitive: the reference files spell booleans as Python does (True). */
static const ls_term *find_term(const ls_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_terms; i++)
        if (strcasecmp(m->terms[i].name, name) == 0)
            return &m->terms[i];
    return NULL;
}

/* Reads statistic,value rows of glm_summary.csv. */
static double summary_value(const char *dataset, const char *statistic)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/reference/%s/glm_summary.csv", dataset);
    ls_table *t = NULL;
    ls_error err;
    assert_int_equal(ls_table_load(ls_test_path(rel), NULL, &t, &err), LS_OK);
    size_t k = ls_table_find_level(t, 0, statistic);
    assert_true(k != (size_t)-1);
    const double *v = ls_table_values(t, 1);
    double value = NAN;
    for (size_t i = 0; i < ls_table_rows(t); i++)
        if (ls_table_codes(t, 0)[i] == k)
            value = v[i];
    ls_table_free(t);
    return value;
}

/* Every coefficient in glm_coefficients.csv matches the model's term of the
 * same name: the raw file, encoded by leadscore, gives R's design. */
static void check_coefficients(const ls_model *m, const char *dataset)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/reference/%s/glm_coefficients.csv", dataset);
    ls_table *t = NULL;
    ls_error err;
    ls_table_options o;
    ls_table_options_init(&o);
    static const char *const names[] = {"term"};
    static const ls_column_type types[] = {LS_TYPE_CATEGORICAL};
    o.type_names = names;
    o.types = types;
    o.n_types = 1;
    assert_int_equal(ls_table_load(ls_test_path(rel), &o, &t, &err), LS_OK);
    const double *est = ls_table_values(t, ls_table_find_column(t, "estimate"));
    const double *se = ls_table_values(t, ls_table_find_column(t, "std_error"));
    const uint32_t *term = ls_table_codes(t, 0);
    size_t matched = 0;
    for (size_t i = 0; i < ls_table_rows(t); i++) {
        const char *name = ls_table_level(t, 0, term[i]);
        const ls_term *mt = find_term(m, name);
        if (!mt) {
            fail_msg("reference term '%s' is not in the model", name);
            return;
        }
        assert_close(mt->estimate, est[i], 1e-7, 1e-12);
        assert_close(mt->std_error, se[i], 1e-6, 1e-12);
        matched++;
    }
    size_t live = 0;
    for (size_t i = 0; i < m->n_terms; i++)
        live += !m->terms[i].aliased;
    assert_int_equal(matched, live);
    ls_table_free(t);
}

static void test_x_education_raw_file_matches_glm(void **state)
{
    (void)state;
    ls_error err;
    ls_model *m =
        train_file(ls_test_path("datasets/x-education-leads/Leads.csv"),
                   ls_test_path("tests/data/specs/x-education-reference.ini"), NULL, LS_OK, &err);
    assert_close(m->deviance, summary_value("x-education-leads", "deviance"), 1e-8, 0);
    assert_close(m->null_deviance, summary_value("x-education-leads", "null_deviance"), 1e-8, 0);
    assert_close(m->aic, summary_value("x-education-leads", "aic"), 1e-8, 0);
    assert_close(m->bic, summary_value("x-education-leads", "bic"), 1e-8, 0);
    assert_close(m->auc, summary_value("x-education-leads", "auc_in_sample"), 1e-9, 0);
    check_coefficients(m, "x-education-leads");
    /* Joint Wald tests per criterion: scripts/expected-joint-tests.py */
    static const struct {
        const char *column;
        double df, chi2, p;
    } joint[] = {
        {"City", 7, 91.6484848149429, 5.67229656804875e-17},
        {"Specialization", 19, 151.475429640831, 1.13757089043157e-22},
        {"TotalVisits", 2, 7.3787376762941, 0.0249877683923929},
        {"Do Not Email", 1, 123.634752356739, 1.01269822046619e-28},
    };
    for (size_t k = 0; k < sizeof joint / sizeof joint[0]; k++) {
        const ls_criterion *c = NULL;
        for (size_t i = 0; i < m->n_criteria; i++)
            if (strcmp(m->criteria[i].column, joint[k].column) == 0)
                c = &m->criteria[i];
        if (!c) {
            fail_msg("no criterion '%s'", joint[k].column);
            return;
        }
        assert_close(c->joint_df, joint[k].df, 0, 0);
        assert_close(c->joint_chi2, joint[k].chi2, 1e-9, 0);
        assert_close(c->joint_p, joint[k].p, 1e-7, 0);
    }
    /* R drops the second of the two identical missing indicators. */
    const ls_term *aliased = find_term(m, "Page Views Per Visit=missing");
    if (!aliased) {
        fail_msg("no term 'Page Views Per Visit=missing'");
        return;
    }
    assert_true(aliased->aliased);
    assert_true(isnan(aliased->estimate));
    ls_model_free(m);
}

static void test_uci_raw_file_matches_glm(void **state)
{
    (void)state;
    ls_error err;
    ls_model *m =
        train_file(ls_test_path("datasets/uci-online-shoppers/online_shoppers_intention.csv"),
                   ls_test_path("tests/data/specs/uci-reference.ini"), NULL, LS_OK, &err);
    assert_close(m->deviance, summary_value("uci-online-shoppers", "deviance"), 1e-8, 0);
    assert_close(m->aic, summary_value("uci-online-shoppers", "aic"), 1e-8, 0);
    check_coefficients(m, "uci-online-shoppers");
    ls_model_free(m);
}

/* The deviance does not depend on the reference levels: leadscore's own
 * defaults (booleans as one term, "Select" as a level) give R's deviance. */
static void test_default_encoding_gives_same_deviance(void **state)
{
    (void)state;
    const char *spec = "[leadscore]\ntarget = Converted\ncriteria = listed\n"
                       "[criterion]\ncolumn = Do Not Email\n"
                       "[criterion]\ncolumn = City\n"
                       "[criterion]\ncolumn = Specialization\n"
                       "[criterion]\ncolumn = A free copy of Mastering The Interview\n"
                       "[criterion]\ncolumn = TotalVisits\n"
                       "[criterion]\ncolumn = Total Time Spent on Website\n"
                       "[criterion]\ncolumn = Page Views Per Visit\n";
    const char *path = ls_test_write_temp(spec, strlen(spec));
    ls_error err;
    ls_model *m =
        train_file(ls_test_path("datasets/x-education-leads/Leads.csv"), path, NULL, LS_OK, &err);
    assert_close(m->deviance, summary_value("x-education-leads", "deviance"), 1e-6, 0);
    assert_non_null(find_term(m, "Do Not Email")); /* boolean: one term named by the column */
    ls_model_free(m);
}

static void test_budget_points(void **state)
{
    (void)state;
    ls_error err;
    ls_model *m =
        train_file(ls_test_path("datasets/x-education-leads/Leads.csv"),
                   ls_test_path("datasets/x-education-leads/criteria.ini"), NULL, LS_OK, &err);
    assert_int_equal(m->scale, LS_SCALE_BUDGET);
    /* Best possible lead: each criterion's most favourable rule (or 0) totals ~100. */
    double best = 0;
    size_t criteria = 0;
    for (size_t c = 0; c < m->n_criteria; c++) {
        double top = 0;
        for (size_t k = 0; k < m->criteria[c].n_rules; k++)
            top = fmax(top, m->criteria[c].rules[k].points);
        best += top;
        criteria++;
    }
    assert_close(best, 100, 0, 0.5 * (double)criteria);
    /* Points are the scaled coefficients, rounded. */
    for (size_t t = 1; t < m->n_terms; t++)
        if (!m->terms[t].aliased)
            assert_close(m->terms[t].points, floor(m->factor * m->terms[t].estimate + 0.5), 0, 0);
    assert_true(m->points_auc > m->auc - 0.01);
    assert_int_equal(m->n_tiers, 3);
    assert_string_equal(m->tiers[0].name, "hot");
    assert_true(m->tiers[0].min_score > m->tiers[1].min_score);
    ls_model_free(m);
}

static void test_pdo_points(void **state)
{
    (void)state;
    ls_train_options o;
    ls_train_options_init(&o);
    o.scaling = LS_POINTS_PDO;
    o.pdo = 20;
    o.base_score = 600;
    o.base_odds = 1;
    o.round_to = 5;
    ls_error err;
    ls_model *m =
        train_file(ls_test_path("datasets/x-education-leads/Leads.csv"),
                   ls_test_path("tests/data/specs/x-education-reference.ini"), &o, LS_OK, &err);
    double factor = 20 / log(2.0);
    assert_close(m->factor, factor, 1e-15, 0);
    const ls_term *t = find_term(m, "Do Not Email=Yes");
    if (!t) {
        fail_msg("no term 'Do Not Email=Yes'");
        return;
    }
    assert_close(t->points, 5 * floor(factor * t->estimate / 5 + 0.5), 0, 0);
    assert_close(fmod(t->points, 5), 0, 0, 0);
    assert_close(m->base_points, floor(600 + factor * m->terms[0].estimate + 0.5), 0, 0);
    ls_model_free(m);
}

static void expect_data_error(const char *csv, const char *target, const char *positive,
                              const char *message, size_t line)
{
    const char *path = ls_test_write_temp(csv, strlen(csv));
    ls_table *table = NULL;
    ls_error err;
    assert_int_equal(ls_table_load(path, NULL, &table, &err), LS_OK);
    ls_train_options o;
    ls_train_options_init(&o);
    o.target = target;
    o.positive = positive;
    ls_model *m = NULL;
    assert_int_not_equal(ls_train(table, NULL, &o, NULL, &m, NULL, &err), LS_OK);
    assert_null(m);
    if (!strstr(err.message, message))
        fail_msg("message '%s' lacks '%s'", err.message, message);
    assert_int_equal(err.line, line);
    ls_table_free(table);
}

static void test_data_errors(void **state)
{
    (void)state;
    expect_data_error("x,won\n1,yes\n2,yes\n3,yes\n", "won", NULL, "only one class", 0);
    expect_data_error("x,won\n1,yes\n2,no\n3,maybe\n", "won", "yes", "third value 'maybe'", 4);
    expect_data_error("x,won\n1,yes\n2,\n", "won", NULL, "target is missing", 3);
    expect_data_error("x,won\n1,yes\n2,no\n", "lost", NULL, "not in the header", 1);
    expect_data_error("x,won\n1,a\n2,b\n", "won", NULL, "--positive", 0);
    expect_data_error("x,won\n1,yes\n2,no\n", "won", "maybe", "does not occur", 0);
}

/* ≥ 200k synthetic leads: the 95% intervals cover the true weights at close
 * to the nominal rate. */
static void test_recovers_synthetic_truth(void **state)
{
    (void)state;
    const char *spec = "[leadscore]\ntarget = converted\npositive = 1\nid = lead_id\n"
                       "[criterion]\ncolumn = company_size\ntype = numeric\n"
                       "bands = 1-10, 11-100, 101-500, 501+\n";
    const char *spec_path = ls_test_write_temp(spec, strlen(spec));
    size_t covered = 0, total = 0;
    for (uint64_t seed = 1; seed <= 2; seed++) {
        ls_synth_options so;
        ls_synth_options_init(&so);
        so.rows = 200000;
        so.seed = seed;
        const char *data = ls_test_write_temp("", 0);
        ls_error err;
        assert_int_equal(ls_synth_write_paths(&so, data, NULL, NULL, NULL, &err), LS_OK);
        ls_synth_truth truth;
        assert_int_equal(ls_synth_truth_init(&truth, &so, &err), LS_OK);
        ls_model *m = train_file(data, spec_path, NULL, LS_OK, &err);
        for (size_t k = 0; k < truth.count; k++) {
            const ls_term *t = find_term(m, truth.terms[k]);
            if (!t) {
                fail_msg("true term '%s' was not encoded", truth.terms[k]);
                return;
            }
            total++;
            covered += t->ci_low <= truth.weights[k] && truth.weights[k] <= t->ci_high;
        }
        assert_int_equal(m->n_terms, truth.count);
        ls_synth_truth_release(&truth);
        ls_model_free(m);
    }
    double rate = (double)covered / (double)total;
    print_message("95%% intervals covered %zu of %zu true weights (%.3f)\n", covered, total, rate);
    assert_true(rate >= 0.85);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x_education_raw_file_matches_glm),
        cmocka_unit_test(test_uci_raw_file_matches_glm),
        cmocka_unit_test(test_default_encoding_gives_same_deviance),
        cmocka_unit_test(test_budget_points),
        cmocka_unit_test(test_pdo_points),
        cmocka_unit_test(test_data_errors),
        cmocka_unit_test(test_recovers_synthetic_truth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
