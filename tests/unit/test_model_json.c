/* Model file: save / load round trips (every field, every bit, every byte),
 * a table of bad model files with their messages, hostile text, and the
 * report formats. SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leadscore/model.h"
#include "leadscore/report.h"
#include "model_internal.h"

/* ---- helpers ----------------------------------------------------------------- */

static char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

/* A fresh path in a fresh temporary directory (removed by the caller). */
static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ls_model_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *tmp_path(const char *name)
{
    static char buf[4][128];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
    return p;
}

/* Bit-identical doubles (NAN equals NAN; -0.0 differs from 0.0). */
#define assert_same_bits(a, b) same_bits((a), (b), #a, __FILE__, __LINE__)
static void same_bits(double a, double b, const char *what, const char *file, int line)
{
    if (isnan(a) && isnan(b))
        return;
    if (memcmp(&a, &b, sizeof a) != 0) {
        print_error("%s: %.17g and %.17g differ in their bits\n", what, a, b);
        _fail(file, line);
    }
}

#define assert_same_str(a, b) same_str((a), (b), #a, __FILE__, __LINE__)
static void same_str(const char *a, const char *b, const char *what, const char *file, int line)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) {
        print_error("%s: '%s' and '%s' differ\n", what, a ? a : "(null)", b ? b : "(null)");
        _fail(file, line);
    }
}

static void assert_same_model(const ls_model *a, const ls_model *b)
{
    assert_int_equal(a->learned, b->learned);
    assert_same_str(a->target, b->target);
    assert_same_str(a->positive, b->positive);
    assert_int_equal(a->n_id_columns, b->n_id_columns);
    for (size_t i = 0; i < a->n_id_columns; i++)
        assert_same_str(a->id_columns[i], b->id_columns[i]);
    assert_int_equal(a->n_missing_tokens, b->n_missing_tokens);
    for (size_t i = 0; i < a->n_missing_tokens; i++)
        assert_same_str(a->missing_tokens[i], b->missing_tokens[i]);
    assert_int_equal(a->n_criteria, b->n_criteria);
    for (size_t i = 0; i < a->n_criteria; i++) {
        const ls_criterion *x = &a->criteria[i], *y = &b->criteria[i];
        assert_same_str(x->column, y->column);
        assert_same_str(x->label, y->label);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->log1p, y->log1p);
        assert_same_bits(x->cap_lo, y->cap_lo);
        assert_same_bits(x->cap_hi, y->cap_hi);
        assert_same_str(x->reference, y->reference);
        assert_int_equal(x->has_other, y->has_other);
        assert_int_equal(x->n_rules, y->n_rules);
        for (size_t k = 0; k < x->n_rules; k++) {
            const ls_rule *r = &x->rules[k], *s = &y->rules[k];
            assert_int_equal(r->kind, s->kind);
            assert_int_equal(r->n_values, s->n_values);
            for (size_t v = 0; v < r->n_values; v++)
                assert_same_str(r->values[v], s->values[v]);
            assert_same_bits(r->lo, s->lo);
            assert_same_bits(r->hi, s->hi);
            assert_int_equal(r->lo_open, s->lo_open);
            assert_int_equal(r->hi_open, s->hi_open);
            assert_same_bits(r->points, s->points);
            assert_same_bits(r->cap, s->cap);
            assert_same_str(r->label, s->label);
            assert_int_equal(r->term, s->term);
        }
    }
    assert_int_equal(a->n_terms, b->n_terms);
    for (size_t i = 0; i < a->n_terms; i++) {
        const ls_term *x = &a->terms[i], *y = &b->terms[i];
        assert_same_str(x->name, y->name);
        assert_int_equal(x->criterion, y->criterion);
        assert_same_bits(x->estimate, y->estimate);
        assert_same_bits(x->std_error, y->std_error);
        assert_same_bits(x->z, y->z);
        assert_same_bits(x->p_value, y->p_value);
        assert_same_bits(x->ci_low, y->ci_low);
        assert_same_bits(x->ci_high, y->ci_high);
        assert_same_bits(x->points, y->points);
        assert_int_equal(x->aliased, y->aliased);
    }
    assert_int_equal(a->scale, b->scale);
    assert_same_bits(a->factor, b->factor);
    assert_same_bits(a->base_points, b->base_points);
    assert_same_bits(a->budget, b->budget);
    assert_same_bits(a->pdo, b->pdo);
    assert_same_bits(a->base_score, b->base_score);
    assert_same_bits(a->base_odds, b->base_odds);
    assert_same_bits(a->round_to, b->round_to);
    assert_same_bits(a->probability_offset, b->probability_offset);
    assert_int_equal(a->n_tiers, b->n_tiers);
    for (size_t i = 0; i < a->n_tiers; i++) {
        assert_same_str(a->tiers[i].name, b->tiers[i].name);
        assert_same_bits(a->tiers[i].min_score, b->tiers[i].min_score);
    }
    const double *fa[] = {&a->rows,       &a->positives,   &a->deviance, &a->null_deviance,
                          &a->loglik,     &a->null_loglik, &a->aic,      &a->bic,
                          &a->auc,        &a->mcfadden_r2, &a->lr_chi2,  &a->lr_p_value,
                          &a->points_auc, &a->l2,          &a->l1};
    const double *fb[] = {&b->rows,       &b->positives,   &b->deviance, &b->null_deviance,
                          &b->loglik,     &b->null_loglik, &b->aic,      &b->bic,
                          &b->auc,        &b->mcfadden_r2, &b->lr_chi2,  &b->lr_p_value,
                          &b->points_auc, &b->l2,          &b->l1};
    for (size_t i = 0; i < sizeof fa / sizeof fa[0]; i++)
        assert_same_bits(*fa[i], *fb[i]);
    assert_int_equal(a->iterations, b->iterations);
    assert_int_equal(a->rank, b->rank);
    assert_int_equal(a->converged, b->converged);
    assert_same_str(a->data_file, b->data_file);
    assert_same_str(a->data_sha256, b->data_sha256);
    assert_same_str(a->created, b->created);
    assert_same_str(a->version, b->version);
    assert_same_str(a->parent, b->parent);
}

/* ---- a model with every kind of criterion, rule and awkward number -------- */

static ls_term *term(ls_model *m, const char *name, long criterion, double est, double points)
{
    ls_term *t = ls_model_add_term(m, name, criterion);
    assert_non_null(t);
    t->estimate = est;
    t->std_error = fabs(est) / 3 + 0.1;
    t->z = est / t->std_error;
    t->p_value = 1.0 / 3;
    t->ci_low = est - 1.959963984540054 * t->std_error;
    t->ci_high = est + 1.959963984540054 * t->std_error;
    t->points = points;
    return t;
}

static ls_rule *rule(ls_criterion *c, ls_cond_kind kind, const char *label, double points,
                     long term_index)
{
    ls_rule *r = ls_criterion_add_rule(c, kind, label);
    assert_non_null(r);
    r->points = points;
    r->term = term_index;
    return r;
}

static ls_model *build_model(void)
{
    ls_model *m = ls_model_alloc();
    assert_non_null(m);
    m->learned = 1;
    m->target = strdup("Converted");
    m->positive = strdup("1");
    m->id_columns = calloc(2, sizeof *m->id_columns);
    m->id_columns[0] = strdup("Prospect ID");
    m->id_columns[1] = strdup("Lead Number");
    m->n_id_columns = 2;
    m->missing_tokens = calloc(2, sizeof *m->missing_tokens);
    m->missing_tokens[0] = strdup("");
    m->missing_tokens[1] = strdup("Select");
    m->n_missing_tokens = 2;

    term(m, "(intercept)", -1, -1.0 / 3, 0)->p_value = 1e-20;

    /* 0: numeric, log1p and caps, per-unit with a points cap, missing */
    ls_criterion *c = ls_model_add_criterion(m, "TotalVisits", LS_CRIT_NUMERIC);
    assert_non_null(c);
    c->log1p = 1;
    c->cap_lo = 0;
    c->cap_hi = 1e-300;
    term(m, "TotalVisits", 0, 0.1, 0.1 + 0.2);
    term(m, "TotalVisits=missing", 0, 9007199254740993.0, -5);
    ls_rule *r = rule(c, LS_COND_PER_UNIT, "Total visits", 0.1 + 0.2, 1);
    r->cap = 25;
    rule(c, LS_COND_MISSING, "Total visits: missing", -5, 2);

    /* 1: banded with infinite ends and open bounds; an aliased missing band */
    c = ls_model_add_criterion(m, "Company Size", LS_CRIT_BANDED);
    c = &m->criteria[1];
    free(c->label);
    c->label = strdup("Company size");
    c->reference = strdup("11-100");
    term(m, "Company Size=1-10", 1, -0.0, 0);
    term(m, "Company Size=101+", 1, DBL_MAX / 4, 40);
    ls_term *al = term(m, "Company Size=missing", 1, NAN, 0);
    al->aliased = 1;
    al->std_error = al->z = al->p_value = al->ci_low = al->ci_high = NAN;
    r = rule(c, LS_COND_RANGE, "Company size: 1-10", 0, 3);
    r->hi = 11;
    r->hi_open = 1;
    r = rule(c, LS_COND_RANGE, "Company size: 101+", 40, 4);
    r->lo = 100;
    r->lo_open = 1;
    rule(c, LS_COND_MISSING, "Company size: missing", 0, 5);

    /* 2: boolean */
    c = ls_model_add_criterion(m, "Do Not Email", LS_CRIT_BOOLEAN);
    term(m, "Do Not Email", 2, -1.5e-7, -1);
    term(m, "Do Not Email=missing", 2, 4.9406564584124654e-324, 0);
    rule(c, LS_COND_TRUE, "Do not email", -1, 6);
    rule(c, LS_COND_MISSING, "Do not email: missing", 0, 7);

    /* 3: categorical with a reference, levels, pooled (other) and missing */
    c = ls_model_add_criterion(m, "Lead Source", LS_CRIT_CATEGORICAL);
    c->reference = strdup("Google");
    c->has_other = 1;
    term(m, "Lead Source=Direct Traffic", 3, 1e-300, 0);
    term(m, "Lead Source=Réf \"quoted\", comma\ttab", 3, 123456.789, 3);
    term(m, "Lead Source=(other)", 3, -2.5, -70);
    term(m, "Lead Source=missing", 3, 0.5, 14);
    r = rule(c, LS_COND_EQUALS, "Lead source: Direct Traffic", 0, 8);
    assert_true(ls_rule_add_value(r, "Direct Traffic"));
    r = rule(c, LS_COND_EQUALS, "Lead source: Réf", 3, 9);
    assert_true(ls_rule_add_value(r, "Réf \"quoted\", comma\ttab"));
    r = rule(c, LS_COND_OTHER, "Lead source: other", -70, 10);
    assert_true(ls_rule_add_value(r, "bing"));
    assert_true(ls_rule_add_value(r, "Pay per Click Ads"));
    rule(c, LS_COND_MISSING, "Lead source: missing", 14, 11);

    /* 4: hand-written rules of every condition (no terms) */
    c = ls_model_add_criterion(m, "Notes", LS_CRIT_RULES);
    r = rule(c, LS_COND_EQUALS, "", 1, -1); /* an empty label; an empty value is missing */
    assert_true(ls_rule_add_value(r, "Exec"));
    r = rule(c, LS_COND_IN, "in", 2, -1);
    assert_true(ls_rule_add_value(r, "a"));
    assert_true(ls_rule_add_value(r, "b|c"));
    r = rule(c, LS_COND_RANGE, "range", 3, -1);
    r->lo = -1e308;
    r->hi = 0.1;
    r->lo_open = 1;
    rule(c, LS_COND_MISSING, "missing", 4, -1);
    r = rule(c, LS_COND_PER_UNIT, "each", 1.0 / 3, -1);
    rule(c, LS_COND_TRUE, "true", 5, -1);
    rule(c, LS_COND_OTHER, "other", 6, -1);
    rule(c, LS_COND_ANY, "any", -7, -1);

    m->scale = LS_SCALE_PDO;
    m->factor = 20 / log(2);
    m->base_points = 600;
    m->budget = NAN;
    m->pdo = 20;
    m->base_score = 600;
    m->base_odds = 1.0 / 3;
    m->round_to = 5;
    m->probability_offset = -0.0;

    const char *names[] = {"nurture", "hot", "warm"};
    const double mins[] = {-INFINITY, 60, 0.1};
    assert_int_equal(ls_model_set_tiers(m, names, mins, 3, NULL), LS_OK);

    m->rows = 9240;
    m->positives = 3561;
    m->deviance = 8000.123456789;
    m->null_deviance = 12000.1;
    m->loglik = -4000.0617283945;
    m->null_loglik = -6000.05;
    m->aic = 8024.123456789;
    m->bic = 8100.5;
    m->auc = 0.85;
    m->mcfadden_r2 = 1 - 8000.123456789 / 12000.1;
    m->lr_chi2 = 12000.1 - 8000.123456789;
    m->lr_p_value = 0;
    m->points_auc = NAN;
    m->l2 = 1;
    m->l1 = 0;
    m->iterations = 7;
    m->rank = 11;
    m->converged = 1;
    m->data_file = strdup("leads.csv");
    m->data_sha256 = strdup("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    m->created = strdup("2024-05-01T12:00:00Z");
    m->version = strdup("0.1.0");
    m->parent = strdup("old model.json");
    return m;
}

/* ---- round trips --------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    ls_model *m = build_model();
    ls_error err;
    ls_error_clear(&err);
    const char *p1 = tmp_path("m1.json"), *p2 = tmp_path("m2.json");
    assert_int_equal(ls_model_save(m, p1, &err), LS_OK);

    ls_model *back = NULL;
    if (ls_model_load(p1, &back, &err) != LS_OK)
        fail_msg("load: %s", err.message);
    assert_same_model(m, back);
    assert_int_equal(ls_model_save(back, p2, &err), LS_OK);

    size_t n1, n2;
    char *t1 = read_all(p1, &n1), *t2 = read_all(p2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(t1, t2, n1);

    /* to_json gives exactly the file's bytes */
    char *json = NULL;
    assert_int_equal(ls_model_to_json(back, &json, &err), LS_OK);
    assert_string_equal(json, t1);

    /* the public accessors see the same numbers */
    ls_term_info info;
    assert_int_equal(ls_model_term(back, 5, &info), LS_OK);
    assert_string_equal(info.name, "Company Size=missing");
    assert_string_equal(info.criterion, "Company Size");
    assert_true(info.aliased);
    assert_true(isnan(info.estimate));
    assert_int_equal(ls_model_tier_count(back), 3);
    assert_string_equal(ls_model_tier_name(back, 2), "nurture");
    assert_true(isinf(ls_model_tier_min(back, 2)));

    free(json);
    free(t1);
    free(t2);
    ls_model_free(back);
    ls_model_free(m);
}

/* Awkward doubles are written in their shortest exact form and read back
 * bit for bit. */
static void test_awkward_doubles(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0.1, "0.1"},
        {1.0 / 3, "0.3333333333333333"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1e-300, "1e-300"},
        {-0.0, "-0"},
        {9007199254740993.0, "9007199254740992"}, /* 2^53 + 1 is 2^53 as a double */
        {9007199254740994.0, "9007199254740994"},
        {4.9406564584124654e-324, "4.94065645841247e-324"}, /* subnormal */
        {DBL_MAX, "1.7976931348623157e+308"},
        {-123456.789, "-123456.789"},
        {2.0 / 3 * 1e-5, "6.666666666666667e-06"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ls_model *m = ls_model_alloc();
        assert_non_null(m);
        m->probability_offset = cases[i].v;
        char *json = NULL;
        ls_error err;
        assert_int_equal(ls_model_to_json(m, &json, &err), LS_OK);
        char expect[128];
        snprintf(expect, sizeof expect, "\"probability_offset\":\t%s\n", cases[i].text);
        if (!strstr(json, expect))
            fail_msg("case %zu: '%s' not in\n%s", i, expect, json);
        ls_model *back = NULL;
        assert_int_equal(ls_model_from_json(json, strlen(json), "x", &back, &err), LS_OK);
        assert_same_bits(back->probability_offset, cases[i].v);
        ls_model_free(back);
        ls_model_free(m);
        free(json);
    }
}

/* A hand-written model (no terms, no fit) round-trips and is written without
 * a "fit" object. */
static void test_hand_written(void **state)
{
    (void)state;
    ls_model *m = ls_model_alloc();
    ls_criterion *c = ls_model_add_criterion(m, "Visited Pricing Page", LS_CRIT_RULES);
    rule(c, LS_COND_TRUE, "Visited pricing page", 15, -1);
    char *json = NULL;
    ls_error err;
    assert_int_equal(ls_model_to_json(m, &json, &err), LS_OK);
    assert_null(strstr(json, "\"fit\""));
    assert_non_null(strstr(json, "\"kind\":\t\"hand-written\""));
    ls_model *back = NULL;
    assert_int_equal(ls_model_from_json(json, strlen(json), "x", &back, &err), LS_OK);
    assert_same_model(m, back);
    ls_model_free(back);
    ls_model_free(m);
    free(json);
}

/* Writer, reader and report are independent of the caller's locale (where
 * one with a decimal comma is installed; LOCPATH may point to one made with
 * localedef -i de_DE -f UTF-8 DIR/de_DE.UTF-8). */
static void test_locale(void **state)
{
    (void)state;
    const char *locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "nl_NL.UTF-8"};
    const char *found = NULL;
    for (size_t i = 0; !found && i < sizeof locales / sizeof locales[0]; i++)
        if (setlocale(LC_ALL, locales[i]))
            found = locales[i];
    if (!found)
        skip();
    ls_model *m = build_model();
    char *json = NULL;
    ls_error err;
    assert_int_equal(ls_model_to_json(m, &json, &err), LS_OK);
    assert_non_null(strstr(json, "\"l2\":\t1,"));
    assert_non_null(strstr(json, "0.30000000000000004"));
    ls_model *back = NULL;
    assert_int_equal(ls_model_from_json(json, strlen(json), "x", &back, &err), LS_OK);
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(ls_model_print(m, LS_REPORT_TEXT, fp, &err), LS_OK);
    assert_int_equal(ls_model_print(m, LS_REPORT_CSV, fp, &err), LS_OK);
    long n = ftell(fp);
    rewind(fp);
    char *report = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(report, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    setlocale(LC_ALL, "C");
    assert_non_null(strstr(report, "Null deviance: 12000.1  on 9239"));
    assert_non_null(strstr(report, ",0.30000000000000004,"));
    free(report);
    assert_same_model(m, back);
    ls_model_free(back);
    ls_model_free(m);
    free(json);
}

/* Saving refuses a model the loader would refuse, and writes nothing. */
static void test_save_refuses_invalid(void **state)
{
    (void)state;
    const char *p = tmp_path("invalid.json");
    ls_model *m = build_model();
    m->criteria[3].rules[0].points = NAN;
    ls_error err;
    ls_error_clear(&err);
    assert_int_equal(ls_model_save(m, p, &err), LS_ERR_MODEL);
    assert_string_equal(err.file, p);
    assert_non_null(
        strstr(err.message, "criteria[3].rules[0].points: expected a finite number, not null"));
    assert_int_not_equal(access(p, F_OK), 0);
    m->criteria[3].rules[0].points = INFINITY;
    assert_int_equal(ls_model_save(m, p, &err), LS_ERR_MODEL);
    assert_non_null(strstr(err.message, "criteria[3].rules[0].points: expected a finite number"));
    m->criteria[3].rules[0].points = 0;
    m->criteria[3].rules[0].term = 42;
    assert_int_equal(ls_model_save(m, p, &err), LS_ERR_MODEL);
    assert_non_null(
        strstr(err.message, "criteria[3].rules[0].term: coefficient 42 is out of range"));
    m->criteria[3].rules[0].term = 8;
    m->terms[1].criterion = 99;
    assert_int_equal(ls_model_save(m, p, &err), LS_ERR_MODEL);
    assert_non_null(strstr(err.message, "coefficients[1]: criterion index 99 is out of range"));
    m->terms[1].criterion = 0;
    m->tiers[1].min_score = NAN;
    assert_int_equal(ls_model_save(m, p, &err), LS_ERR_MODEL);
    assert_non_null(strstr(err.message, "tiers[1].min_score: null (no minimum) is only allowed"));
    assert_int_not_equal(access(p, F_OK), 0);
    ls_model_free(m);
}

/* ---- bad model files -------------------------------------------------------- */

static void test_bad_files(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        ls_status status;
        const char *message; /* substring of the formatted error */
    } cases[] = {
        {"bad_version_newer.json", LS_ERR_MODEL,
         "bad_version_newer.json: model format version 2 is newer than this leadscore supports "
         "(1); upgrade leadscore"},
        {"bad_version_string.json", LS_ERR_MODEL,
         "format_version: expected a whole number, not a string"},
        {"bad_version_zero.json", LS_ERR_MODEL, "format_version: 0 is not a model format version"},
        {"bad_not_json.json", LS_ERR_MODEL, "bad_not_json.json:2:4: not valid JSON"},
        {"bad_truncated.json", LS_ERR_MODEL, "the JSON text ends early (is the file truncated?)"},
        {"bad_trailing_garbage.json", LS_ERR_MODEL, "not valid JSON"},
        {"bad_deep_nesting.json", LS_ERR_MODEL, "not valid JSON"},
        {"bad_fit_deviance_nan.json", LS_ERR_MODEL, "not valid JSON"},
        {"bad_binary.json", LS_ERR_MODEL, "bad_binary.json:1:2: the file holds a NUL byte"},
        {"bad_nul_byte.json", LS_ERR_MODEL, "the file holds a NUL byte"},
        {"bad_nul_escape.json", LS_ERR_MODEL, "a string holds the character \\u0000"},
        {"bad_invalid_utf8.json", LS_ERR_MODEL, "criteria[0].rules[1].label: not valid UTF-8"},
        {"empty.json", LS_ERR_MODEL, "empty.json: model file is empty"},
        {"blank.json", LS_ERR_MODEL, "blank.json: model file is empty"},
        {"bad_missing_coefficients.json", LS_ERR_MODEL, ": missing key 'coefficients'"},
        {"bad_missing_criteria.json", LS_ERR_MODEL, ": missing key 'criteria'"},
        {"bad_missing_points.json", LS_ERR_MODEL, ": missing key 'points'"},
        {"bad_learned_without_fit.json", LS_ERR_MODEL,
         "missing key 'fit' (required for a learned model)"},
        {"bad_unknown_key.json", LS_ERR_MODEL, "bad_unknown_key.json: unknown key 'coeficients'"},
        {"bad_duplicate_key.json", LS_ERR_MODEL,
         "criteria[0].rules[1]: key 'points' is given twice"},
        {"bad_estimate_null.json", LS_ERR_MODEL,
         "coefficients[3].estimate: expected a finite number, not null"},
        {"bad_aliased_with_estimate.json", LS_ERR_MODEL,
         "coefficients[4].estimate: expected null for an aliased term"},
        {"bad_term_points_null.json", LS_ERR_MODEL,
         "coefficients[2].points: expected a finite number, not null"},
        {"bad_term_points_1e999.json", LS_ERR_MODEL,
         "coefficients[8].points: expected a finite number"},
        {"bad_rule_points_1e999.json", LS_ERR_MODEL,
         "criteria[3].rules[0].points: expected a finite number"},
        {"bad_rule_points_string.json", LS_ERR_MODEL,
         "criteria[2].rules[1].points: expected a finite number, not a string"},
        {"bad_rule_points_fractional.json", LS_ERR_MODEL,
         "criteria[2].rules[1].points: expected a whole number of points, not 24.5"},
        {"bad_rule_points_huge.json", LS_ERR_MODEL,
         "criteria[2].rules[1].points: 10000000000000 is beyond the limit of 1e+12 points"},
        {"bad_criterion_kind.json", LS_ERR_MODEL,
         "criteria[1].kind: unknown criterion kind 'ordinal' (expected numeric, banded, boolean, "
         "categorical or rules)"},
        {"bad_condition_kind.json", LS_ERR_MODEL,
         "criteria[0].rules[1].condition: unknown condition 'between'"},
        {"bad_condition_for_kind.json", LS_ERR_MODEL,
         "criteria[2].rules[0].condition: a 'range' rule cannot be used in a categorical "
         "criterion"},
        {"bad_rule_term_out_of_range.json", LS_ERR_MODEL,
         "criteria[2].rules[0].term: coefficient 99 is out of range (the model has 9)"},
        {"bad_rule_term_negative.json", LS_ERR_MODEL,
         "criteria[2].rules[0].term: expected a whole number from 0 to"},
        {"bad_rule_term_other_criterion.json", LS_ERR_MODEL,
         "criteria[2].rules[0].term: coefficient 8 ('trial') does not belong to criterion "
         "'source'"},
        {"bad_term_criterion_unknown.json", LS_ERR_MODEL,
         "coefficients[1].criterion: no criterion has the column 'visitz'"},
        {"bad_term_duplicate.json", LS_ERR_MODEL,
         "coefficients[6].term: duplicate term 'source=Direct'"},
        {"bad_criterion_duplicate.json", LS_ERR_MODEL,
         "criteria[1].column: another criterion has the column 'visits'"},
        {"bad_tiers_unsorted.json", LS_ERR_MODEL,
         "tiers[1].min_score: tiers must be listed highest min_score first, without ties"},
        {"bad_tiers_tie.json", LS_ERR_MODEL, "tiers[1].min_score: tiers must be listed"},
        {"bad_tiers_duplicate_name.json", LS_ERR_MODEL, "tiers[2].name: duplicate tier name 'hot'"},
        {"bad_tiers_null_not_last.json", LS_ERR_MODEL,
         "tiers[0].min_score: null (no minimum) is only allowed for the last tier"},
        {"bad_sha256.json", LS_ERR_MODEL, "training.data_sha256: expected 64 hexadecimal digits"},
        {"bad_range_empty.json", LS_ERR_MODEL,
         "criteria[0].rules[0]: the range from lo to hi is empty"},
        {"no_such_model.json", LS_ERR_NOTFOUND, "cannot open model file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "tests/data/models/%s", cases[i].file);
        const char *path = ls_test_path(rel);
        ls_error err;
        ls_error_clear(&err);
        ls_model *m = (ls_model *)&err; /* must be reset to NULL */
        ls_status st = ls_model_load(path, &m, &err);
        char buf[LS_ERROR_MESSAGE_MAX + 2 * LS_ERROR_FILE_MAX + 64];
        ls_error_format(&err, buf, sizeof buf);
        if (st != cases[i].status || !strstr(buf, cases[i].message))
            fail_msg("%s: status %d (%s), expected %d; message\n  %s\nexpected to contain\n  %s",
                     cases[i].file, st, ls_status_str(st), cases[i].status, buf, cases[i].message);
        assert_null(m);
        assert_string_equal(err.file, path);
    }
}

/* The committed good models load, and their canonical form is the file. */
static void test_good_files(void **state)
{
    (void)state;
    const char *files[] = {"tests/data/models/good_small.json",
                           "tests/data/models/good_handwritten.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        ls_model *m = NULL;
        ls_error err;
        ls_error_clear(&err);
        if (ls_model_load(ls_test_path(files[i]), &m, &err) != LS_OK)
            fail_msg("%s: %s", files[i], err.message);
        char *json = NULL;
        assert_int_equal(ls_model_to_json(m, &json, &err), LS_OK);
        size_t n;
        char *text = read_all(ls_test_path(files[i]), &n);
        assert_string_equal(json, text);
        free(text);
        free(json);
        ls_model_free(m);
    }
}

/* Hostile text given directly: never a crash, always LS_ERR_MODEL. */
static void test_hostile_text(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        {"[1, 2, 3]", "expected a JSON object at the top level, not a list"},
        {"\"model\"", "expected a JSON object at the top level, not a string"},
        {"{}", "missing key 'format_version'"},
        {"{\"format_version\": 1.5}", "format_version: 1.5 is not a model format version"},
        {"{\"format_version\": 1e999}", "format_version: inf is not a model format version"},
        {"{\"format_version\": 3, \"future\": {}}",
         "model format version 3 is newer than this leadscore supports (1); upgrade leadscore"},
        {"{\"format_version\": 1, \"kind\": \"learnt\"}",
         "kind: unknown model kind 'learnt' (expected hand-written or learned)"},
        {"{\"format_version\": 1, \"kind\": \"hand-written\", \"criteria\": {}}",
         "criteria: expected a list, not an object"},
        {"{\"format_version\": 1, \"kind\": \"hand-written\", \"criteria\": [7]}",
         "criteria[0]: expected an object, not a number"},
        {"{\"format_version\": 1, \"kind\": \"hand-written\", \"criteria\": [{\"column\": \"\"}]}",
         "criteria[0].column: must not be empty"},
        {"{\"format_version\": 1, \"kind\": \"hand-written\", \"criteria\": [{\"column\": \"a\", "
         "\"kind\": \"rules\", \"rules\": [{\"condition\": \"equals\", \"values\": [\"x\", \"y\"], "
         "\"points\": 1}]}]}",
         "criteria[0].rules[0].values: an 'equals' rule needs exactly one value, not 2"},
        {"{\"format_version\": 1, \"kind\": \"hand-written\", \"criteria\": [{\"column\": \"a\", "
         "\"kind\": \"rules\", \"rules\": [{\"condition\": \"true\", \"lo\": 1, \"points\": 1}]}]}",
         "criteria[0].rules[0].lo: not allowed in a 'true' rule"},
        {"{\"format_version\": 1, \"kind\": \"hand-written\", \"criteria\": [], \"coefficients\": "
         "[], \"fit\": {}}",
         "fit: not allowed in a hand-written model"},
        {"{\"format_version\": 1, \"kind\": \"hand-written\", \"criteria\": [], \"coefficients\": "
         "[], \"points\": {\"scale\": \"none\", \"factor\": 1, \"base_points\": 0.5, \"budget\": "
         "null, \"pdo\": null, \"base_score\": null, \"base_odds\": null, \"round_to\": 1, "
         "\"probability_offset\": 0}}",
         "points.base_points: expected a whole number of points, not 0.5"},
        {"{\"format_version\": 1, \"kind\": \"hand-written\", \"criteria\": [], \"coefficients\": "
         "[], \"points\": {\"scale\": \"none\", \"factor\": 1, \"base_points\": 0, \"budget\": "
         "null, \"pdo\": null, \"base_score\": null, \"base_odds\": null, \"round_to\": 0, "
         "\"probability_offset\": 0}}",
         "points.round_to: must be greater than 0"},
        {"{\"format_version\": 1, \"\\u00e9\\u0001\": 1}", "unknown key '\xc3\xa9?'"},
        {"{\"format_version\": 1, \"kind\": \"hand-written\", \"criteria\": [{\"column\": "
         "\"\\ud800\"}]}",
         "not valid JSON"},
        {"{\"format_version\": 1,", "the JSON text ends early"},
        {"\xEF\xBB\xBF  {\"format_version\": 2}", "model format version 2 is newer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ls_error err;
        ls_error_clear(&err);
        ls_model *m = NULL;
        ls_status st = ls_model_from_json(cases[i].text, strlen(cases[i].text), "t.json", &m, &err);
        if (st != LS_ERR_MODEL || !strstr(err.message, cases[i].message))
            fail_msg("case %zu: status %d, message '%s', expected '%s'", i, st, err.message,
                     cases[i].message);
        assert_null(m);
    }
    /* a very long unknown key is cut short in the message */
    char big[400];
    memset(big, 'k', sizeof big);
    snprintf(big, sizeof big, "{\"format_version\": 1, \"%0300d\": 1}", 0);
    ls_error err;
    ls_model *m = NULL;
    assert_int_equal(ls_model_from_json(big, strlen(big), "t", &m, &err), LS_ERR_MODEL);
    assert_non_null(strstr(err.message, "000...'"));
    /* not NUL-terminated text is read only up to len */
    const char *text = "{\"format_version\": 2}garbage";
    assert_int_equal(ls_model_from_json(text, 21, "t", &m, &err), LS_ERR_MODEL);
    assert_non_null(strstr(err.message, "version 2 is newer"));
}

/* A file that does not start with '{' is read as a points table. */
static void test_points_table_detection(void **state)
{
    (void)state;
    const char *p = tmp_path("table.csv");
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("criterion,condition,points,label\nVisited Pricing Page,yes,15,Visited pricing page\n",
          fp);
    fclose(fp);
    ls_model *m = NULL;
    ls_error err;
    ls_error_clear(&err);
    if (ls_model_load(p, &m, &err) != LS_OK)
        fail_msg("%s", err.message);
    assert_false(ls_model_is_learned(m));
    assert_int_equal(m->n_criteria, 1);
    assert_string_equal(m->criteria[0].column, "Visited Pricing Page");
    /* and it can be saved as JSON and read back */
    const char *j = tmp_path("table.json");
    assert_int_equal(ls_model_save(m, j, &err), LS_OK);
    ls_model *back = NULL;
    assert_int_equal(ls_model_load(j, &back, &err), LS_OK);
    assert_same_model(m, back);
    ls_model_free(back);
    ls_model_free(m);
}

/* ---- report ----------------------------------------------------------------- */

static char *print_to_string(const ls_model *m, ls_report_format f)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    ls_error err;
    ls_error_clear(&err);
    if (ls_model_print(m, f, fp, &err) != LS_OK)
        fail_msg("print: %s", err.message);
    long n = ftell(fp);
    rewind(fp);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void test_report_formats(void **state)
{
    (void)state;
    ls_report_format f;
    assert_true(ls_report_format_parse("markdown", &f));
    assert_int_equal(f, LS_REPORT_MARKDOWN);
    assert_false(ls_report_format_parse("xml", &f));

    ls_model *m = build_model();
    char *text = print_to_string(m, LS_REPORT_TEXT);
    assert_non_null(strstr(text, "Coefficients: (1 not defined because of singularities)\n"));
    assert_non_null(strstr(text, "(Dispersion parameter for binomial family taken to be 1)\n"));
    assert_non_null(strstr(text, "    Null deviance: 12000.1  on 9239  degrees of freedom\n"));
    assert_non_null(strstr(text, "Residual deviance:  8000.1  on 9229  degrees of freedom\n"));
    assert_non_null(strstr(text, "Number of Fisher Scoring iterations: 7\n"));
    assert_non_null(strstr(text, "<2e-16 ***"));
    free(text);

    char *csv = print_to_string(m, LS_REPORT_CSV);
    size_t lines = 0;
    for (const char *s = csv; *s; s++)
        lines += *s == '\n';
    assert_int_equal(lines, 1 + m->n_terms);
    assert_non_null(strstr(csv, "\"Lead Source=Réf \"\"quoted\"\", comma\ttab\""));
    free(csv);

    char *json = print_to_string(m, LS_REPORT_JSON);
    ls_model *back = NULL;
    ls_error err;
    assert_int_equal(ls_model_from_json(json, strlen(json), "x", &back, &err), LS_OK);
    ls_model_free(back);
    free(json);

    char *md = print_to_string(m, LS_REPORT_MARKDOWN);
    assert_non_null(
        strstr(md, "| Term | Estimate | Std. Error | z value | Pr(>\\|z\\|) | Signif. |"));
    assert_non_null(strstr(md, "## Tiers"));
    free(md);
    ls_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_awkward_doubles),
        cmocka_unit_test(test_hand_written),
        cmocka_unit_test(test_locale),
        cmocka_unit_test(test_save_refuses_invalid),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_good_files),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_points_table_detection),
        cmocka_unit_test(test_report_formats),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
