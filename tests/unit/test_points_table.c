/* Points tables: the seed example, every condition, first match wins,
 * special rows, bad tables placed at line and column, and the round trip of
 * learned and hand-written models through the table on both datasets.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/csv.h"
#include "leadscore/export.h"
#include "leadscore/model.h"
#include "leadscore/scorer.h"
#include "model_internal.h"
#include "points_table.h"

static ls_model *load_text(const char *text, ls_error *err)
{
    FILE *fp = fmemopen((void *)(size_t)text, strlen(text), "r");
    assert_non_null(fp);
    ls_model *m = NULL;
    ls_status st = ls_points_table_load_stream(fp, "table.csv", &m, err);
    fclose(fp);
    if (st != LS_OK) {
        assert_null(m);
        return NULL;
    }
    return m;
}

static ls_model *load_ok(const char *text)
{
    ls_error err;
    ls_error_clear(&err);
    ls_model *m = load_text(text, &err);
    if (!m) {
        char buf[1024];
        fail_msg("table did not load: %s", ls_error_format(&err, buf, sizeof buf));
    }
    return m;
}

/* Scores one lead of n columns; returns the status. */
static ls_status score(const ls_model *m, const char *const *names, const char *const *values,
                       size_t n, ls_score_result *res, ls_error *err)
{
    ls_scorer *s = NULL;
    ls_status st = ls_scorer_new(m, names, n, &s, err);
    if (st == LS_OK) {
        ls_scorer_set_max_reasons(s, LS_MAX_REASONS);
        st = ls_scorer_score(s, values, res, err);
    }
    ls_scorer_free(s);
    return st;
}

/* ---- the seed ------------------------------------------------------------- */

static const char *const seed_columns[] = {"lead_id",
                                           "Job Title",
                                           "Company Size",
                                           "Visited Pricing Page",
                                           "Signed Up for Free Trial",
                                           "Attended Webinar"};

static void test_seed_table(void **state)
{
    (void)state;
    ls_model *m = NULL;
    ls_error err;
    ls_error_clear(&err);
    assert_int_equal(ls_points_table_load(ls_test_path("tests/data/points/seed.csv"), &m, &err),
                     LS_OK);
    assert_false(ls_model_is_learned(m));
    assert_int_equal(ls_model_tier_count(m), 3);
    assert_string_equal(ls_model_tier_name(m, 0), "hot");
    assert_true(ls_model_tier_min(m, 2) == -INFINITY);

    ls_scorer *s = NULL;
    assert_int_equal(ls_scorer_new(m, seed_columns, 6, &s, &err), LS_OK);
    ls_score_result r;
    /* The seed: an executive at a 300-employee company who visited pricing
     * and signed up for the trial (no webinar). */
    const char *const lead[] = {"L1", "Executive", "300", "yes", "yes", "no"};
    assert_int_equal(ls_scorer_score(s, lead, &r, &err), LS_OK);
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
    ls_scorer_set_max_reasons(s, 5);
    assert_int_equal(ls_scorer_score(s, lead, &r, &err), LS_OK);
    assert_int_equal(r.n_reasons, 4);
    assert_string_equal(r.reasons[3].label, "Company size 100-500");
    assert_true(r.reasons[3].points == 8);

    /* Booleans in any spelling; bounds inclusive; below every tier. */
    const char *const l2[] = {"L2", "Executive", "100", "TRUE", "0", "Y"};
    assert_int_equal(ls_scorer_score(s, l2, &r, &err), LS_OK);
    assert_true(r.score == 38);
    assert_string_equal(r.tier, "warm");
    const char *const l3[] = {"L3", "executive", "501", "no", "", "1"};
    assert_int_equal(ls_scorer_score(s, l3, &r, &err), LS_OK);
    assert_true(r.score == 5);
    assert_string_equal(r.tier, "nurture");
    assert_int_equal(ls_scorer_unseen_count(s, NULL), 0);

    /* Text in a yes/no criterion is an error placed at its column. */
    const char *const bad[] = {"L4", "Executive", "300", "maybe", "yes", "no"};
    assert_int_equal(ls_scorer_score(s, bad, &r, &err), LS_ERR_PARSE);
    assert_string_equal(err.column, "Visited Pricing Page");
    assert_int_equal(err.column_index, 4);
    assert_non_null(strstr(err.message, "'maybe' is not a yes/no value"));
    const char *const bad2[] = {"L5", "Executive", "about 300", "yes", "yes", "no"};
    assert_int_equal(ls_scorer_score(s, bad2, &r, &err), LS_ERR_PARSE);
    assert_string_equal(err.column, "Company Size");
    assert_int_equal(err.column_index, 3);
    ls_scorer_free(s);
    ls_model_free(m);
}

/* ---- each condition -------------------------------------------------------- */

#define ERR 99999.0

typedef struct {
    const char *condition;
    const char *value;
    double points; /* the criterion's points, or ERR for a data error */
} cond_case;

static const cond_case cond_cases[] = {
    {"= Executive", "Executive", 7},
    {"= Executive", "executive", 0},
    {"Executive", "Executive", 7},
    {"= Vice President", "Vice President", 7},
    {"= yes", "TRUE", 7},
    {"= yes", "1", 7},
    {"= yes", "Y", 7},
    {"= yes", "no", 0},
    {"= yes", "maybe", 0},
    {"= no", "FALSE", 7},
    {"= 5", "5.0", 7},
    {"= 5", "5e0", 7},
    {"= 5", "05", 7},
    {"= 5", "five", 0},
    {"= 1", "yes", 7},
    {"= 1", "1.0", 7},
    {"= 0", "no", 7},
    {"= 0", "1", 0},
    {"== 1", "1", 7},
    {"== 1", "1.0", 0},
    {"== 1", "yes", 0},
    {"= \" padded \"", " padded ", 7},
    {"= \"say \"\"hi\"\"\"", "say \"hi\"", 7},
    {"in A | B | C", "B", 7},
    {"in A | B | C", "b", 0},
    {"in A | B | C", "D", 0},
    {"in \"x | y\" | z", "x | y", 7},
    {"in \"x | y\" | z", "z", 7},
    {"in 1 | 2", "1.0", 0},
    {"100..500", "100", 7},
    {"100..500", "500", 7},
    {"100..500", "300", 7},
    {"100..500", "500.5", 0},
    {"100..500", "99", 0},
    {"100..<500", "500", 0},
    {"100..<500", "499.99", 7},
    {"100<..500", "100", 0},
    {"100<..500", "100.01", 7},
    {"-5..-1", "-3", 7},
    {"0.5..1.5", "1E0", 7},
    {">= 10", "10", 7},
    {"> 10", "10", 0},
    {"> 10", "10.001", 7},
    {"<= 10", "10", 7},
    {"< 10", "10", 0},
    {"< 10", "-1e3", 7},
    {"100..500", "abc", ERR},
    {">= 1", "yes", ERR},
    {"100..500", "nan", ERR},
    {"100..500", "1e999", ERR},
    {"missing", "", 7},
    {"missing", "x", 0},
    {"missing", "Select", 7}, /* a (missing) token of the table below */
    {"any", "", 7},
    {"any", "x", 7},
    {"yes", "Yes", 7},
    {"yes", "TRUE", 7},
    {"yes", "no", 0},
    {"yes", "", 0},
    {"yes", "maybe", ERR},
    {"true", "y", 7},
    {"YES", "1", 7},
    {"other", "x", 7},
    {"other", "", 0},
    {"each", "3", 21},
    {"each", "0.5", 4},   /* floor(3.5 + 0.5) */
    {"each", "-0.5", -3}, /* floor(-3.5 + 0.5) */
    {"each", "", 0},
    {"each", "abc", ERR},
    {"each max 10", "3", 10},
    {"each max 10", "-3", -10},
    {"each max 10", "1", 7},
    {"each, max 10", "2", 10},
};

static void test_conditions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cond_cases / sizeof cond_cases[0]; i++) {
        const cond_case *c = &cond_cases[i];
        char text[512];
        /* Quote the condition as CSV: it may hold quotes and commas. */
        char quoted[256];
        size_t q = 0;
        quoted[q++] = '"';
        for (const char *p = c->condition; *p; p++) {
            if (*p == '"')
                quoted[q++] = '"';
            quoted[q++] = *p;
        }
        quoted[q++] = '"';
        quoted[q] = '\0';
        snprintf(text, sizeof text,
                 "criterion,condition,points\n(missing),Select,\nC,%s,7\nD,any,1\n", quoted);
        ls_model *m = load_ok(text);
        const char *const names[] = {"C", "D"};
        const char *const values[] = {c->value, "z"};
        ls_score_result r;
        ls_error err;
        ls_error_clear(&err);
        ls_status st = score(m, names, values, 2, &r, &err);
        if (c->points == ERR) {
            if (st != LS_ERR_PARSE)
                fail_msg("case %zu: '%s' with '%s' should be an error", i, c->condition, c->value);
            assert_string_equal(err.column, "C");
            assert_int_equal(err.column_index, 1);
        } else {
            if (st != LS_OK)
                fail_msg("case %zu: '%s' with '%s' failed: %s", i, c->condition, c->value,
                         err.message);
            if (r.score != c->points + 1)
                fail_msg("case %zu: '%s' with '%s' gave %g points, expected %g", i, c->condition,
                         c->value, r.score - 1, c->points);
        }
        ls_model_free(m);
    }
}

/* First matching row wins; rows of other criteria add up. */
static void test_first_match_wins(void **state)
{
    (void)state;
    ls_model *m = load_ok("criterion,condition,points,label\n"
                          "Source,= A,1,Source A\n"
                          "Visits,< 0,-5,Negative visits\n"
                          "Source,in A | B,2,A or B\n"
                          "Source,missing,-4,\n"
                          "Visits,each max 20,2,Visits\n"
                          "Source,other,3,Other source\n"
                          "Visits,missing,-1,\n");
    const char *const names[] = {"Visits", "Source"};
    struct {
        const char *visits, *source;
        double score;
        size_t unseen;
    } cases[] = {
        {"-1", "A", -4, 0}, {"3", "B", 8, 0}, {"100", "Z", 23, 1},
        {"", "", -5, 0},    {"0", "Y", 3, 1}, {"2.25", "A", 6, 0},
    };
    ls_scorer *s = NULL;
    ls_error err;
    assert_int_equal(ls_scorer_new(m, names, 2, &s, &err), LS_OK);
    size_t unseen = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const v[] = {cases[i].visits, cases[i].source};
        ls_score_result r;
        assert_int_equal(ls_scorer_score(s, v, &r, &err), LS_OK);
        if (r.score != cases[i].score)
            fail_msg("case %zu: score %g, expected %g", i, r.score, cases[i].score);
        unseen += cases[i].unseen;
        assert_int_equal(ls_scorer_unseen_count(s, NULL), unseen);
    }
    /* Labels: given, or made from the criterion and the condition. */
    const char *const v[] = {"", ""};
    ls_score_result r;
    assert_int_equal(ls_scorer_score(s, v, &r, &err), LS_OK);
    assert_int_equal(r.n_reasons, 2);
    assert_string_equal(r.reasons[0].label, "Source missing");
    assert_string_equal(r.reasons[1].label, "Visits missing");
    char summary[256];
    assert_int_equal(ls_scorer_unseen_summary(s, summary, sizeof summary), LS_OK);
    assert_string_equal(summary, "column 'Source': 2 rows (e.g. 'Z', 'Y')");
    ls_scorer_free(s);
    ls_model_free(m);
}

/* "other" after a numeric row reports nothing as unseen; a transform. */
static void test_other_and_transform(void **state)
{
    (void)state;
    ls_model *m = load_ok("criterion,condition,points\n"
                          "Size,= unknown,-3\n"
                          "Size,>= 100,5\n"
                          "Size,other,1\n"
                          "Minutes,transform clip 0..10 log1p,\n"
                          "Minutes,each,10\n");
    const char *const names[] = {"Size", "Minutes"};
    ls_scorer *s = NULL;
    ls_error err;
    assert_int_equal(ls_scorer_new(m, names, 2, &s, &err), LS_OK);
    ls_score_result r;
    const char *const a[] = {"unknown", "1000000"};
    assert_int_equal(ls_scorer_score(s, a, &r, &err), LS_OK);
    /* floor(10 * log1p(10) + 0.5) = floor(24.48...) = 24 */
    assert_true(r.score == -3 + 24);
    const char *const b[] = {"50", "-7"}; /* clipped to 0: log1p(0) = 0 */
    assert_int_equal(ls_scorer_score(s, b, &r, &err), LS_OK);
    assert_true(r.score == 1);
    const char *const c[] = {"many", "1"}; /* reaches ">= 100" with text */
    assert_int_equal(ls_scorer_score(s, c, &r, &err), LS_ERR_PARSE);
    assert_string_equal(err.column, "Size");
    assert_int_equal(ls_scorer_unseen_count(s, NULL), 0);
    ls_scorer_free(s);
    ls_model_free(m);
}

static void test_special_rows(void **state)
{
    (void)state;
    ls_model *m = load_ok("Label;Points;Condition;Criterion\n" /* any order, any case, ';' */
                          ";;Prospect ID;(id)\n"
                          ";;Select;(missing)\n"
                          ";;\"= N/A\";(missing)\n"
                          ";10;any;(base)\n"
                          ";;cold;(tier)\n"
                          ";40;hot;(tier)\n"
                          "City known;5;other;City\n"
                          "No city;-5;missing;City\n");
    assert_int_equal(m->n_id_columns, 1);
    assert_string_equal(m->id_columns[0], "Prospect ID");
    assert_int_equal(m->n_missing_tokens, 2);
    assert_string_equal(m->missing_tokens[1], "N/A");
    assert_true(m->base_points == 10);
    assert_string_equal(ls_model_tier_name(m, 0), "hot");
    assert_string_equal(ls_model_tier_name(m, 1), "cold");
    const char *const names[] = {"Prospect ID", "City"};
    size_t ids[4];
    assert_int_equal(ls_scorer_id_columns(m, names, 2, ids, 4), 1);
    assert_int_equal(ids[0], 0);
    struct {
        const char *city;
        double score;
        const char *tier;
    } cases[] = {
        {"Mumbai", 15, "cold"}, {"Select", 5, "cold"}, {"N/A", 5, "cold"}, {"", 5, "cold"}};
    for (size_t i = 0; i < 4; i++) {
        const char *const v[] = {"p1", cases[i].city};
        ls_score_result r;
        ls_error err;
        assert_int_equal(score(m, names, v, 2, &r, &err), LS_OK);
        assert_true(r.score == cases[i].score);
        assert_string_equal(r.tier, cases[i].tier);
    }
    ls_model_free(m);
}

/* ---- bad tables ------------------------------------------------------------ */

typedef struct {
    const char *text;
    size_t line, column;
    const char *message; /* a part of the message */
} bad_case;

static const bad_case bad_cases[] = {
    {"criterion,condition\nA,= x\n", 1, 0, "no 'points' column"},
    {"criterion,condition,points,lable\nA,= x,1,\n", 1, 4, "unknown column 'lable'"},
    {"criterion,points,condition,points\n", 1, 4, "duplicate column name"},
    {"criterion,condition,points\nA,between 1 and 2,5\n", 2, 2, "unknown condition"},
    {"criterion,condition,points\nA,!= x,5\n", 2, 2, "unknown condition '!= x'"},
    {"criterion,condition,points\nA,>= abc,5\n", 2, 2, "expected a number after '>='"},
    {"criterion,condition,points\nA,1..x,5\n", 2, 2, "bad range '1..x'"},
    {"criterion,condition,points\nA,5..1,5\n", 2, 2, "empty range"},
    {"criterion,condition,points\nA,5<..5,5\n", 2, 2, "empty range"},
    {"criterion,condition,points\nA,each 5,5\n", 2, 2, "bad 'each' condition"},
    {"criterion,condition,points\nA,each max 2.5,5\n", 2, 2, "bad 'each' condition"},
    {"criterion,condition,points\nA,in,5\n", 2, 2, "empty value in an 'in' list"},
    {"criterion,condition,points\nA,in x || y,5\n", 2, 2, "empty value in an 'in' list"},
    {"criterion,condition,points\nA,=,5\n", 2, 2, "no value to compare with"},
    {"criterion,condition,points\nA,,5\n", 2, 2, "empty condition"},
    {"criterion,condition,points\nA,\"= \"\"x\"\" y\",5\n", 2, 2, "text after the closing quote"},
    {"criterion,condition,points\nA,transform sqrt,\n", 2, 2, "bad transform"},
    {"criterion,condition,points\nA,= x,ten\n", 2, 3, "points 'ten' are not a number"},
    {"criterion,condition,points\nA,= x,nan\n", 2, 3, "not a finite number"},
    {"criterion,condition,points\nA,= x,-inf\n", 2, 3, "not a finite number"},
    {"criterion,condition,points\nA,= x,1e999\n", 2, 3, "not a finite number"},
    {"criterion,condition,points\nA,= x,2.5\n", 2, 3, "not a whole number"},
    {"criterion,condition,points\nA,= x,\n", 2, 3, "the points are missing"},
    {"criterion,condition,points\nA,transform log1p,3\n", 2, 3, "takes no points"},
    {"criterion,condition,points\nA,= x,1\nB,= x,1\nA,x,2\n", 4, 2, "repeats line 2"},
    {"criterion,condition,points\nA,missing,1\nA,missing,2\n", 3, 2, "repeats line 2"},
    {"criterion,condition,points\nA,other,1\nA,= x,2\n", 3, 2, "can never match"},
    {"criterion,condition,points\nA,any,1\nA,5..6,2\n", 3, 2, "can never match"},
    {"criterion,condition,points\n,= x,1\n", 2, 1, "criterion (a data column) is empty"},
    {"criterion,condition,points\n(tierr),hot,1\n", 2, 1, "unknown special row '(tierr)'"},
    {"criterion,condition,points\n(tier),hot,50\n(tier),hot,40\nA,any,1\n", 3, 2,
     "already defined on line 2"},
    {"criterion,condition,points\n(tier),a,\n(tier),b,\nA,any,1\n", 3, 3, "same minimum"},
    {"criterion,condition,points\n(tier),,50\n", 2, 2, "needs the tier name"},
    {"criterion,condition,points\n(tier),hot,x\n", 2, 3, "not a number"},
    {"criterion,condition,points\n(missing),,\n", 2, 2, "always missing"},
    {"criterion,condition,points\n(missing),NA,1\n", 2, 3, "takes no points"},
    {"criterion,condition,points\n(base),yes,5\n", 2, 2, "'any'"},
    {"criterion,condition,points\n(base),any,1\n(base),any,2\n", 3, 1, "a second (base)"},
    {"criterion,condition,points\n(tier),hot,50\n", 1, 0, "no criteria"},
    {"criterion,condition,points\nA,transform log1p,\n", 2, 0, "no rows giving points"},
    {"criterion,condition,points\nA,transform log1p,\nA,transform log1p,\n", 3, 2,
     "already has a transform"},
    {"criterion,condition,points\nA,\"= x,1\n", 2, 2, "unterminated"},
    {"criterion,condition,points\nA,= x\n", 2, 0, "expected 3 fields"},
    {"", 1, 0, "empty file"},
};

static void test_bad_tables(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        ls_error err;
        ls_error_clear(&err);
        ls_model *m = load_text(c->text, &err);
        char buf[1024];
        if (m)
            fail_msg("case %zu loaded but should fail: %s", i, c->text);
        if (err.code != LS_ERR_PARSE || strcmp(err.file, "table.csv") != 0 || err.line != c->line ||
            (c->column && err.column_index != c->column) || !strstr(err.message, c->message))
            fail_msg("case %zu: got %s (%s line %zu col %zu); expected line %zu col %zu '%s'", i,
                     ls_error_format(&err, buf, sizeof buf), ls_status_str(err.code), err.line,
                     err.column_index, c->line, c->column, c->message);
    }
}

/* ---- round trips ----------------------------------------------------------- */

/* Writes m as a table and reads it back. */
static ls_model *round_trip(const ls_model *m, char **text_out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    ls_error err;
    ls_error_clear(&err);
    assert_int_equal(ls_export_points_table(m, fp, &err), LS_OK);
    fclose(fp);
    ls_model *back = load_ok(text);
    if (text_out)
        *text_out = text;
    else
        free(text);
    return back;
}

/* Scores every row of a dataset with both models; they must agree on the
 * score, tier, reasons and unseen counts. Returns the rows scored. */
static size_t compare_on(const char *data, char sep, const ls_model *a, const ls_model *b,
                         double *spread)
{
    ls_csv_options opts;
    ls_csv_options_init(&opts);
    opts.separator = sep;
    ls_csv_reader *r = NULL;
    ls_error err;
    ls_error_clear(&err);
    if (ls_csv_open(data, &opts, &r, &err) != LS_OK)
        fail_msg("cannot read the shared dataset %s: %s (the bundled datasets/ folder)", data,
                 err.message);
    size_t n = ls_csv_columns(r);
    const char **cols = calloc(n, sizeof *cols);
    for (size_t i = 0; i < n; i++)
        cols[i] = ls_csv_column_name(r, i);
    ls_scorer *sa = NULL, *sb = NULL;
    assert_int_equal(ls_scorer_new(a, cols, n, &sa, &err), LS_OK);
    assert_int_equal(ls_scorer_new(b, cols, n, &sb, &err), LS_OK);
    ls_scorer_set_max_reasons(sa, LS_MAX_REASONS);
    ls_scorer_set_max_reasons(sb, LS_MAX_REASONS);
    size_t rows = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (;;) {
        const char *const *f;
        int has;
        assert_int_equal(ls_csv_next(r, &f, &has, &err), LS_OK);
        if (!has)
            break;
        ls_score_result ra, rb;
        assert_int_equal(ls_scorer_score(sa, f, &ra, &err), LS_OK);
        assert_int_equal(ls_scorer_score(sb, f, &rb, &err), LS_OK);
        if (ra.score != rb.score || strcmp(ra.tier ? ra.tier : "", rb.tier ? rb.tier : "") != 0)
            fail_msg("%s line %zu: %g %s vs %g %s after the round trip", data, ls_csv_line(r),
                     ra.score, ra.tier, rb.score, rb.tier);
        assert_int_equal(ra.n_reasons, rb.n_reasons);
        for (size_t k = 0; k < ra.n_reasons; k++) {
            assert_string_equal(ra.reasons[k].label, rb.reasons[k].label);
            assert_true(ra.reasons[k].points == rb.reasons[k].points);
        }
        lo = fmin(lo, ra.score);
        hi = fmax(hi, ra.score);
        rows++;
    }
    assert_int_equal(ls_scorer_unseen_count(sa, NULL), ls_scorer_unseen_count(sb, NULL));
    *spread = hi - lo;
    ls_scorer_free(sa);
    ls_scorer_free(sb);
    ls_csv_free(r);
    free(cols);
    return rows;
}

static const char *dataset(const char *rel)
{
    return ls_test_path(rel);
}

#define XEDU "datasets/x-education-leads/Leads.csv"
#define UCI "datasets/uci-online-shoppers/online_shoppers_intention.csv"

static ls_term *term(ls_model *m, const char *name, long crit, double est, double pts)
{
    ls_term *t = ls_model_add_term(m, name, crit);
    assert_non_null(t);
    t->estimate = est;
    t->points = pts;
    return t;
}

/* A rule with its own term (learned models). */
static ls_rule *lrule(ls_model *m, long ci, ls_cond_kind kind, const char *label, double est,
                      double pts)
{
    ls_rule *r = ls_criterion_add_rule(&m->criteria[ci], kind, label);
    assert_non_null(r);
    r->points = pts;
    r->term = (long)m->n_terms;
    term(m, label, ci, est, pts);
    return r;
}

static long crit(ls_model *m, const char *col, ls_crit_kind kind)
{
    assert_non_null(ls_model_add_criterion(m, col, kind));
    return (long)m->n_criteria - 1;
}

/* A learned model on X Education with every kind of criterion. */
static ls_model *xedu_learned(void)
{
    ls_model *m = ls_model_alloc();
    m->learned = 1;
    m->base_points = 7;
    term(m, "(intercept)", -1, -1.25, 0);
    m->missing_tokens = calloc(2, sizeof(char *));
    m->missing_tokens[0] = strdup("");
    m->missing_tokens[1] = strdup("Select");
    m->n_missing_tokens = 2;
    m->id_columns = calloc(1, sizeof(char *));
    m->id_columns[0] = strdup("Prospect ID");
    m->n_id_columns = 1;

    long c = crit(m, "Lead Origin", LS_CRIT_CATEGORICAL);
    m->criteria[c].reference = strdup("Landing Page Submission");
    assert_true(ls_rule_add_value(lrule(m, c, LS_COND_EQUALS, "Origin: API", 0.3, 3), "API"));
    assert_true(ls_rule_add_value(lrule(m, c, LS_COND_EQUALS, "", 2.1, 21), "Lead Add Form"));
    ls_rule *other = lrule(m, c, LS_COND_OTHER, "Origin: (other)", 0.5, 5);
    m->criteria[c].has_other = 1;
    assert_true(ls_rule_add_value(other, "Quick Add Form"));

    c = crit(m, "Lead Source", LS_CRIT_CATEGORICAL);
    m->criteria[c].reference = strdup("Google");
    static const char *const sources[] = {"Direct Traffic", "Olark Chat",       "Organic Search",
                                          "Reference",      "Welingak Website", "google"};
    static const double sp[] = {-1, -3, 0, 9, 15, 2};
    for (size_t i = 0; i < 6; i++)
        assert_true(ls_rule_add_value(lrule(m, c, LS_COND_EQUALS, sources[i], sp[i] / 10, sp[i]),
                                      sources[i]));
    lrule(m, c, LS_COND_MISSING, "Source missing", -0.2, -2);

    c = crit(m, "TotalVisits", LS_CRIT_NUMERIC);
    m->criteria[c].log1p = 1;
    m->criteria[c].cap_hi = 50;
    m->criteria[c].cap_lo = 0;
    lrule(m, c, LS_COND_PER_UNIT, "Visits", 0.331, 3.31)->cap = 12;
    lrule(m, c, LS_COND_MISSING, "Visits missing", -0.1, -1);

    c = crit(m, "Total Time Spent on Website", LS_CRIT_NUMERIC);
    lrule(m, c, LS_COND_PER_UNIT, "Time on site", 0.00213, 0.0213);

    c = crit(m, "Page Views Per Visit", LS_CRIT_BANDED);
    ls_rule *r = lrule(m, c, LS_COND_RANGE, "Pages <1", -0.4, -4);
    r->hi = 1;
    r->hi_open = 1;
    r = lrule(m, c, LS_COND_RANGE, "Pages 2.5-4", 0.2, 2);
    r->lo = 2.5;
    r->lo_open = 1;
    r->hi = 4;
    r = lrule(m, c, LS_COND_RANGE, "Pages 6+", 0.1, 1);
    r->lo = 6;
    lrule(m, c, LS_COND_MISSING, "Pages missing", 0.05, 1);

    c = crit(m, "Do Not Email", LS_CRIT_BOOLEAN);
    lrule(m, c, LS_COND_TRUE, "Do not email", -0.9, -9);

    c = crit(m, "Asymmetrique Activity Index", LS_CRIT_CATEGORICAL);
    m->criteria[c].reference = strdup("02.Medium");
    assert_true(ls_rule_add_value(lrule(m, c, LS_COND_EQUALS, "", 0.6, 6), "01.High"));
    /* an aliased term: no share of the probability */
    ls_rule *al = lrule(m, c, LS_COND_EQUALS, "", NAN, 0);
    m->terms[al->term].aliased = 1;
    assert_true(ls_rule_add_value(al, "03.Low"));
    lrule(m, c, LS_COND_MISSING, "No activity index", -0.3, -3);

    const char *const names[] = {"hot", "warm", "cold"};
    const double mins[] = {40, 20, -INFINITY};
    assert_int_equal(ls_model_set_tiers(m, names, mins, 3, NULL), LS_OK);
    return m;
}

/* A learned model on UCI: integer-coded levels, TRUE/FALSE, log1p, tiny bands. */
static ls_model *uci_learned(void)
{
    ls_model *m = ls_model_alloc();
    m->learned = 1;
    term(m, "(intercept)", -1, -2.5, 0);
    long c = crit(m, "OperatingSystems", LS_CRIT_CATEGORICAL);
    m->criteria[c].reference = strdup("2");
    assert_true(ls_rule_add_value(lrule(m, c, LS_COND_EQUALS, "", 0.1, 1), "1"));
    assert_true(ls_rule_add_value(lrule(m, c, LS_COND_EQUALS, "", -0.2, -2), "3"));
    ls_rule *o = lrule(m, c, LS_COND_OTHER, "Rare OS", -0.3, -3);
    assert_true(ls_rule_add_value(o, "5"));
    assert_true(ls_rule_add_value(o, "7"));

    c = crit(m, "Month", LS_CRIT_CATEGORICAL);
    m->criteria[c].reference = strdup("May");
    assert_true(ls_rule_add_value(lrule(m, c, LS_COND_EQUALS, "", 1.0, 10), "Nov"));
    assert_true(ls_rule_add_value(lrule(m, c, LS_COND_EQUALS, "", -0.4, -4), "Feb"));

    c = crit(m, "Weekend", LS_CRIT_BOOLEAN);
    lrule(m, c, LS_COND_TRUE, "Weekend", 0.1, 1);

    c = crit(m, "PageValues", LS_CRIT_NUMERIC);
    m->criteria[c].log1p = 1;
    lrule(m, c, LS_COND_PER_UNIT, "Page value", 0.857, 8.57);

    c = crit(m, "BounceRates", LS_CRIT_BANDED);
    ls_rule *r = lrule(m, c, LS_COND_RANGE, "No bounce", 0.2, 2);
    r->hi = 9.83e-05;
    r = lrule(m, c, LS_COND_RANGE, "High bounce", -1.3, -13);
    r->lo = 0.1;

    c = crit(m, "ProductRelated_Duration", LS_CRIT_NUMERIC);
    m->criteria[c].cap_lo = 0;
    m->criteria[c].cap_hi = 20000;
    lrule(m, c, LS_COND_PER_UNIT, "Time on products", 0.00007264, -0.0007264);

    const char *const names[] = {"hot", "warm", "cold"};
    const double mins[] = {28, 5, -INFINITY};
    assert_int_equal(ls_model_set_tiers(m, names, mins, 3, NULL), LS_OK);
    return m;
}

static void test_round_trip_learned(void **state)
{
    (void)state;
    double spread;
    ls_model *m = xedu_learned();
    char *text = NULL;
    ls_model *back = round_trip(m, &text);
    /* The table reads well: exact levels, the reference, pooled levels. */
    assert_non_null(strstr(text, "Lead Origin,= Lead Add Form,21,Lead Origin: Lead Add Form"
                                 "\n") ||
                    strstr(text, "Lead Origin,= Lead Add Form,21,Lead Origin = Lead Add Form\n"));
    assert_non_null(strstr(text, "Lead Origin,== Quick Add Form,5,Origin: (other)\n"));
    assert_non_null(strstr(text, "TotalVisits,transform clip 0..50 log1p,,\n"));
    assert_non_null(strstr(text, "TotalVisits,each max 12,3.31,Visits\n"));
    assert_non_null(strstr(text, "Page Views Per Visit,2.5<..4,2,Pages 2.5-4\n"));
    assert_non_null(strstr(text, "(base),any,7,\n"));
    free(text);
    assert_int_equal(compare_on(dataset(XEDU), 0, m, back, &spread), 9240);
    assert_true(spread >= 30);
    ls_model_free(back);
    ls_model_free(m);

    m = uci_learned();
    back = round_trip(m, &text);
    assert_non_null(strstr(text, "OperatingSystems,== 1,1,OperatingSystems = 1\n") ||
                    strstr(text, "OperatingSystems,== 1,1,OperatingSystems == 1\n"));
    assert_non_null(strstr(text, "OperatingSystems,in 5 | 7,-3,Rare OS\n"));
    assert_non_null(strstr(text, "BounceRates,<= 9.83e-05,2,No bounce\n"));
    free(text);
    assert_int_equal(compare_on(dataset(UCI), ';', m, back, &spread), 12330);
    assert_true(spread >= 20);
    /* and once more: the table of the table is the same table */
    ls_model *again = round_trip(back, NULL);
    assert_int_equal(compare_on(dataset(UCI), ';', back, again, &spread), 12330);
    ls_model_free(again);
    ls_model_free(back);
    ls_model_free(m);
}

static void test_round_trip_tables(void **state)
{
    (void)state;
    const char *tables[] = {"tests/data/points/x-education.csv",
                            "tests/data/points/online-shoppers.csv"};
    for (int i = 0; i < 2; i++) {
        ls_model *m = NULL;
        ls_error err;
        assert_int_equal(ls_points_table_load(ls_test_path(tables[i]), &m, &err), LS_OK);
        ls_model *back = round_trip(m, NULL);
        double spread;
        if (i == 0) {
            assert_int_equal(compare_on(dataset(XEDU), 0, m, back, &spread), 9240);
        } else {
            /* the UCI file has no ID: the table names "rownum", absent here */
            assert_int_equal(compare_on(dataset(UCI), ';', m, back, &spread), 12330);
        }
        assert_true(spread >= 20);
        ls_model_free(back);
        ls_model_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_table),         cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_first_match_wins),   cmocka_unit_test(test_other_and_transform),
        cmocka_unit_test(test_special_rows),       cmocka_unit_test(test_bad_tables),
        cmocka_unit_test(test_round_trip_learned), cmocka_unit_test(test_round_trip_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
