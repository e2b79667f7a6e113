/* Scorer: the seed through the library API with column/value pairs, the
 * learned-model semantics of model_internal.h (probability, per-unit
 * rounding and caps, transforms, reference and pooled levels, aliased terms,
 * missing values), unseen counting, errors, reasons, tiers and ID columns.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/model.h"
#include "leadscore/scorer.h"
#include "model_internal.h"

static ls_criterion *crit(ls_model *m, const char *col, ls_crit_kind kind)
{
    ls_criterion *c = ls_model_add_criterion(m, col, kind);
    assert_non_null(c);
    return c;
}

static ls_rule *rule(ls_criterion *c, ls_cond_kind kind, const char *label, double pts)
{
    ls_rule *r = ls_criterion_add_rule(c, kind, label);
    assert_non_null(r);
    r->points = pts;
    return r;
}

/* The seed, written in C: no points table involved. */
static ls_model *seed_model(void)
{
    ls_model *m = ls_model_alloc();
    assert_true(ls_rule_add_value(
        rule(crit(m, "Job Title", LS_CRIT_RULES), LS_COND_EQUALS, "Executive", 10), "Executive"));
    ls_rule *r =
        rule(crit(m, "Company Size", LS_CRIT_RULES), LS_COND_RANGE, "Company size 100-500", 8);
    r->lo = 100;
    r->hi = 500;
    rule(crit(m, "Visited Pricing Page", LS_CRIT_RULES), LS_COND_TRUE, "Visited pricing page", 15);
    rule(crit(m, "Signed Up for Free Trial", LS_CRIT_RULES), LS_COND_TRUE,
         "Signed up for free trial", 20);
    rule(crit(m, "Attended Webinar", LS_CRIT_RULES), LS_COND_TRUE, "Attended a webinar", 5);
    const char *const names[] = {"hot", "warm", "nurture"};
    const double mins[] = {50, 25, -INFINITY};
    assert_int_equal(ls_model_set_tiers(m, names, mins, 3, NULL), LS_OK);
    return m;
}

static void test_seed_pairs(void **state)
{
    (void)state;
    ls_model *m = seed_model();
    /* Column/value pairs in any order, with columns the model ignores. */
    const char *const names[] = {"Attended Webinar", "email",     "Signed Up for Free Trial",
                                 "Company Size",     "Job Title", "Visited Pricing Page"};
    const char *const values[] = {"no", "ceo@example.com", "yes", "300", "Executive", "yes"};
    ls_scorer *s = NULL;
    ls_error err;
    ls_error_clear(&err);
    assert_int_equal(ls_scorer_new(m, names, 6, &s, &err), LS_OK);
    ls_score_result r;
    assert_int_equal(ls_scorer_score(s, values, &r, &err), LS_OK);
    assert_true(r.score == 53);
    assert_string_equal(r.tier, "hot");
    assert_true(isnan(r.probability));
    assert_int_equal(r.n_reasons, 3);
    assert_string_equal(r.reasons[0].label, "Signed up for free trial");
    assert_true(r.reasons[0].points == 20);
    assert_string_equal(r.reasons[1].label, "Visited pricing page");
    assert_true(r.reasons[1].points == 15);
    assert_string_equal(r.reasons[2].label, "Executive");
    assert_true(r.reasons[2].points == 10);
    ls_scorer_set_max_reasons(s, 0);
    assert_int_equal(ls_scorer_score(s, values, &r, &err), LS_OK);
    assert_int_equal(r.n_reasons, 0);
    assert_true(r.score == 53);
    ls_scorer_free(s);

    /* A criterion's column missing from the data is an error naming it. */
    const char *const few[] = {"Job Title", "Company Size"};
    assert_int_equal(ls_scorer_new(m, few, 2, &s, &err), LS_ERR_NOTFOUND);
    assert_null(s);
    assert_non_null(strstr(err.message, "'Visited Pricing Page'"));
    ls_model_free(m);
}

/* A hand-written rule that never fires is named; rules that did fire, and
 * learned models, are not. */
static void test_unmatched_rules(void **state)
{
    (void)state;
    ls_model *m = seed_model();
    const char *const names[] = {"Job Title", "Company Size", "Visited Pricing Page",
                                 "Signed Up for Free Trial", "Attended Webinar"};
    const char *const lead[] = {"Manager", "300", "no", "yes", "no"};
    ls_scorer *s = NULL;
    ls_error err;
    assert_int_equal(ls_scorer_new(m, names, 5, &s, &err), LS_OK);
    assert_int_equal(ls_scorer_rows(s), 0);
    ls_score_result r;
    for (int i = 0; i < 3; i++)
        assert_int_equal(ls_scorer_score(s, lead, &r, &err), LS_OK);
    assert_int_equal(ls_scorer_rows(s), 3);
    /* Executive, pricing page and webinar never matched; size and trial did */
    assert_int_equal(ls_scorer_unmatched_count(s), 3);
    char buf[512];
    assert_int_equal(ls_scorer_unmatched_summary(s, buf, sizeof buf), LS_OK);
    assert_string_equal(buf, "'Job Title' = Executive; 'Visited Pricing Page' yes; "
                             "'Attended Webinar' yes");
    char tiny[12];
    assert_int_equal(ls_scorer_unmatched_summary(s, tiny, sizeof tiny), LS_ERR_LIMIT);
    ls_scorer_free(s);
    ls_model_free(m);
}

/* A learned model: every kind, with terms behind the rules. */
static ls_rule *lrule(ls_model *m, ls_criterion *c, ls_cond_kind kind, const char *label,
                      double est, double pts)
{
    ls_rule *r = rule(c, kind, label, pts);
    r->term = (long)m->n_terms;
    ls_term *t = ls_model_add_term(m, label, (long)(c - m->criteria));
    assert_non_null(t);
    t->estimate = est;
    return r;
}

static ls_model *learned_model(void)
{
    ls_model *m = ls_model_alloc();
    m->learned = 1;
    m->probability_offset = 0.125;
    m->base_points = 3;
    ls_term *icpt = ls_model_add_term(m, "(intercept)", -1);
    icpt->estimate = -1.5;
    /* criteria are added first so the pointers below stay valid */
    crit(m, "Source", LS_CRIT_CATEGORICAL);
    crit(m, "Minutes", LS_CRIT_NUMERIC);
    crit(m, "Trial", LS_CRIT_BOOLEAN);
    crit(m, "Size", LS_CRIT_BANDED);
    ls_criterion *src = &m->criteria[0], *min = &m->criteria[1], *tri = &m->criteria[2],
                 *siz = &m->criteria[3];
    src->reference = strdup("Google");
    assert_true(ls_rule_add_value(lrule(m, src, LS_COND_EQUALS, "Referral", 0.8, 8), "Referral"));
    ls_rule *al = lrule(m, src, LS_COND_EQUALS, "Partner", NAN, 0);
    m->terms[al->term].aliased = 1;
    assert_true(ls_rule_add_value(al, "Partner"));
    ls_rule *other = lrule(m, src, LS_COND_OTHER, "Other source", -0.3, -3);
    assert_true(ls_rule_add_value(other, "Bing"));
    lrule(m, src, LS_COND_MISSING, "Source unknown", -0.5, -5);
    min->log1p = 1;
    min->cap_hi = 100;
    lrule(m, min, LS_COND_PER_UNIT, "Minutes in app", 0.25, 2.5)->cap = 10;
    lrule(m, min, LS_COND_MISSING, "Minutes unknown", -0.2, -2);
    lrule(m, tri, LS_COND_TRUE, "Free trial", 2.0, 20);
    ls_rule *r = lrule(m, siz, LS_COND_RANGE, "Small company", -0.4, -4);
    r->lo = 0;
    r->hi = 10;
    r->hi_open = 1;
    r = lrule(m, siz, LS_COND_RANGE, "Large company", 0.6, 6);
    r->lo = 500;
    const char *const names[] = {"hot", "warm"};
    const double mins[] = {30, 10};
    assert_int_equal(ls_model_set_tiers(m, names, mins, 2, NULL), LS_OK);
    return m;
}

static const char *const lcols[] = {"Source", "Minutes", "Trial", "Size"};

static void score_ok(ls_scorer *s, const char *src, const char *minutes, const char *trial,
                     const char *size, ls_score_result *r)
{
    const char *const v[] = {src, minutes, trial, size};
    ls_error err;
    ls_error_clear(&err);
    if (ls_scorer_score(s, v, r, &err) != LS_OK)
        fail_msg("scoring failed: %s", err.message);
}

static double logistic(double eta)
{
    return 1.0 / (1.0 + exp(-eta));
}

static void test_learned(void **state)
{
    (void)state;
    ls_model *m = learned_model();
    ls_scorer *s = NULL;
    ls_error err;
    assert_int_equal(ls_scorer_new(m, lcols, 4, &s, &err), LS_OK);
    ls_score_result r;

    /* log1p(20) * 2.5 = 7.61 -> 8; eta adds 0.25 * log1p(20). */
    score_ok(s, "Referral", "20", "yes", "5", &r);
    assert_true(r.score == 3 + 8 + 8 + 20 - 4);
    assert_string_equal(r.tier, "hot");
    assert_close(r.probability, logistic(-1.5 + 0.125 + 0.8 + 0.25 * log1p(20) + 2.0 - 0.4), 1e-15,
                 0);
    assert_int_equal(r.n_reasons, 3);
    assert_string_equal(r.reasons[0].label, "Free trial");
    /* ties on |points| keep the criteria's order */
    assert_string_equal(r.reasons[1].label, "Referral");
    assert_string_equal(r.reasons[2].label, "Minutes in app");

    /* pooled level (not unseen), missing minutes, false trial, large company */
    score_ok(s, "Bing", "", "FALSE", "1000", &r);
    assert_true(r.score == 3 - 3 - 2 + 6);
    assert_string_equal(r.tier, "warm"); /* below every tier: the last one */
    assert_close(r.probability, logistic(-1.5 + 0.125 - 0.3 - 0.2 + 0.6), 1e-15, 0);
    assert_int_equal(ls_scorer_unseen_count(s, NULL), 0);

    /* cap on x (100), then on the points (10); the reference level; aliased */
    score_ok(s, "Google", "1e6", "no", "10", &r);
    assert_true(r.score == 3 + 10);
    assert_close(r.probability, logistic(-1.5 + 0.125 + 0.25 * log1p(100)), 1e-15, 0);
    score_ok(s, "Partner", "0", "no", "499.5", &r);
    assert_true(r.score == 3);
    assert_close(r.probability, logistic(-1.5 + 0.125), 1e-15, 0);
    assert_int_equal(r.n_reasons, 0);

    /* unseen levels: scored by "(other)", counted with examples */
    score_ok(s, "Yahoo", "0", "no", "50", &r);
    assert_true(r.score == 0);
    score_ok(s, "Yahoo", "0", "no", "50", &r);
    score_ok(s, "DuckDuckGo", "0", "no", "50", &r);
    size_t cols = 0;
    assert_int_equal(ls_scorer_unseen_count(s, &cols), 3);
    assert_int_equal(cols, 1);
    char buf[256];
    assert_int_equal(ls_scorer_unseen_summary(s, buf, sizeof buf), LS_OK);
    assert_string_equal(buf, "column 'Source': 3 rows (e.g. 'Yahoo', 'DuckDuckGo')");
    assert_int_equal(ls_scorer_unseen_summary(s, buf, 10), LS_ERR_LIMIT);
    assert_int_equal(strlen(buf), 9);

    /* missing: the empty value and the tokens given */
    score_ok(s, "Select", "5", "no", "50", &r);
    assert_true(r.score == 3 - 3 + 4); /* "Select" is a level here: unseen */
    const char *const tokens[] = {"Select", "n/a"};
    assert_int_equal(ls_scorer_set_missing_tokens(s, tokens, 2, &err), LS_OK);
    score_ok(s, "Select", "n/a", "n/a", "n/a", &r);
    assert_true(r.score == 3 - 5 - 2);
    score_ok(s, "", "", "", "", &r);
    assert_true(r.score == 3 - 5 - 2);

    /* values that cannot be scored are errors placed at their column */
    const char *const bad[][4] = {{"Google", "abc", "no", "1"},
                                  {"Google", "1", "maybe", "1"},
                                  {"Google", "1", "no", "big"},
                                  {"Google", "-5", "no", "1"},
                                  {"Google", "inf", "no", "1"}};
    const char *const bad_col[] = {"Minutes", "Trial", "Size", "Minutes", "Minutes"};
    const size_t bad_idx[] = {2, 3, 4, 2, 2};
    for (size_t i = 0; i < 5; i++) {
        ls_error_clear(&err);
        assert_int_equal(ls_scorer_score(s, bad[i], &r, &err), LS_ERR_PARSE);
        assert_string_equal(err.column, bad_col[i]);
        assert_int_equal(err.column_index, bad_idx[i]);
    }
    ls_scorer_free(s);
    ls_model_free(m);
}

/* The memo must not change answers: score many distinct values twice. */
static void test_memo_consistent(void **state)
{
    (void)state;
    ls_model *m = learned_model();
    ls_scorer *a = NULL;
    ls_error err;
    assert_int_equal(ls_scorer_new(m, lcols, 4, &a, &err), LS_OK);
    char minutes[32], size[32], src[32];
    double first[3000];
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < 3000; i++) {
            snprintf(minutes, sizeof minutes, "%d.%d", i % 97, i % 7);
            snprintf(size, sizeof size, "%d", (i * 37) % 1000);
            snprintf(src, sizeof src, "src%d", i % 1500);
            ls_score_result r;
            score_ok(a, src, minutes, i % 2 ? "yes" : "no", size, &r);
            double x = fmin(i % 97 + (i % 7) / 10.0, 100);
            double pts = fmin(floor(2.5 * log1p(x) + 0.5), 10);
            int sz = (i * 37) % 1000;
            double expect = 3 - 3 + pts + (i % 2 ? 20 : 0) + (sz < 10 ? -4 : sz >= 500 ? 6 : 0);
            if (r.score != expect)
                fail_msg("row %d pass %d: %g, expected %g", i, pass, r.score, expect);
            if (pass == 0)
                first[i] = r.probability;
            else
                assert_true(first[i] == r.probability);
        }
    assert_int_equal(ls_scorer_unseen_count(a, NULL), 6000);
    ls_scorer_free(a);
    ls_model_free(m);
}

static void test_id_columns(void **state)
{
    (void)state;
    size_t idx[4];
    const char *const a[] = {"Lead Number", "Prospect ID", "x"};
    assert_int_equal(ls_scorer_id_columns(NULL, a, 3, idx, 4), 1);
    assert_int_equal(idx[0], 1);
    const char *const b[] = {"email", "lead_id"};
    assert_int_equal(ls_scorer_id_columns(NULL, b, 2, idx, 4), 1);
    assert_int_equal(idx[0], 1);
    const char *const c[] = {"leadId", "UUID"};
    assert_int_equal(ls_scorer_id_columns(NULL, c, 2, idx, 4), 1);
    assert_int_equal(idx[0], 0);
    const char *const d[] = {"Paid", "valid", "Administrative"};
    assert_int_equal(ls_scorer_id_columns(NULL, d, 3, idx, 4), 0);
    /* the model's ID columns win, in the model's order */
    ls_model *m = ls_model_alloc();
    m->id_columns = calloc(2, sizeof(char *));
    m->id_columns[0] = strdup("Lead Number");
    m->id_columns[1] = strdup("x");
    m->n_id_columns = 2;
    assert_int_equal(ls_scorer_id_columns(m, a, 3, idx, 4), 2);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 2);
    ls_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_pairs), cmocka_unit_test(test_unmatched_rules),
        cmocka_unit_test(test_learned),    cmocka_unit_test(test_memo_consistent),
        cmocka_unit_test(test_id_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
