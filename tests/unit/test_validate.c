/* Validation: seeded splits, ISO dates, held-out metrics, the paired DeLong
 * test against a brute-force computation, tiers from capacity / share /
 * precision, and the whole refinement on X Education against the
 * hand-written points (datasets/x-education-leads/current-points.csv).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* open_memstream */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "leadscore/refine.h"
#include "leadscore/train.h"
#include "model_internal.h"

/* A small deterministic generator for test data (not the library's). */
static uint64_t lcg_state;
static double lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005u + 1442695040888963407u;
    return (double)(lcg_state >> 11) / 9007199254740992.0;
}

/* ---- splits --------------------------------------------------------------- */

static void test_holdout_is_stratified_and_seeded(void **state)
{
    (void)state;
    enum { N = 1000 };
    double y[N], w[N];
    unsigned char a[N], b[N], c[N];
    for (size_t i = 0; i < N; i++) {
        y[i] = i % 10 < 3;
        w[i] = i % 50 == 7 ? 0 : 1; /* 20 rows left out, 0 of them positive */
    }
    ls_error err;
    assert_int_equal(ls_split_holdout(y, NULL, N, 0.25, 1, a, &err), LS_OK);
    assert_int_equal(ls_split_holdout(y, NULL, N, 0.25, 1, b, &err), LS_OK);
    assert_int_equal(ls_split_holdout(y, NULL, N, 0.25, 2, c, &err), LS_OK);
    assert_memory_equal(a, b, N);
    assert_memory_not_equal(a, c, N);
    size_t pos = 0, neg = 0, sum = 0;
    for (size_t i = 0; i < N; i++) {
        pos += a[i] && y[i] > 0.5;
        neg += a[i] && !(y[i] > 0.5);
        sum += a[i] ? i : 0;
    }
    assert_int_equal(pos, 75);  /* floor(0.25 · 300 + 0.5) */
    assert_int_equal(neg, 175); /* floor(0.25 · 700 + 0.5) */
    /* the draw itself is pinned: xoshiro256** from splitmix64(1), Fisher–Yates */
    assert_int_equal(sum, 127506);
    assert_int_equal(ls_split_holdout(y, w, N, 0.25, 1, a, &err), LS_OK);
    pos = neg = 0;
    for (size_t i = 0; i < N; i++) {
        if (w[i] == 0)
            assert_int_equal(a[i], 0);
        pos += a[i] && y[i] > 0.5;
        neg += a[i] && !(y[i] > 0.5);
    }
    assert_int_equal(pos, 75);
    assert_int_equal(neg, 170); /* floor(0.25 · 680 + 0.5) */
    assert_int_equal(ls_split_holdout(y, NULL, N, 1.0, 1, a, &err), LS_ERR_USAGE);
    assert_int_equal(ls_split_holdout(y, NULL, N, 0.0001, 1, a, &err), LS_ERR_DATA);
}

static void test_kfold_balanced_and_seeded(void **state)
{
    (void)state;
    enum { N = 1003 };
    double y[N];
    unsigned a[N], b[N];
    for (size_t i = 0; i < N; i++)
        y[i] = i % 10 < 3;
    ls_error err;
    assert_int_equal(ls_split_kfold(y, NULL, N, 5, 9, a, &err), LS_OK);
    assert_int_equal(ls_split_kfold(y, NULL, N, 5, 9, b, &err), LS_OK);
    assert_memory_equal(a, b, sizeof a);
    size_t rows[5] = {0}, pos[5] = {0}, sum = 0;
    for (size_t i = 0; i < N; i++) {
        assert_true(a[i] < 5);
        rows[a[i]]++;
        pos[a[i]] += y[i] > 0.5;
        sum += a[i] == 0 ? i : 0;
    }
    for (size_t f = 0; f < 5; f++) {
        assert_true(rows[f] == 200 || rows[f] == 201);
        assert_true(pos[f] == 60 || pos[f] == 61);
    }
    assert_int_equal(sum, 101882); /* pinned draw */
    assert_int_equal(ls_split_kfold(y, NULL, N, 1, 9, a, &err), LS_ERR_USAGE);
    double few[6] = {1, 1, 0, 0, 0, 0};
    assert_int_equal(ls_split_kfold(few, NULL, 6, 3, 9, a, &err), LS_ERR_DATA);
}

static void test_iso_dates(void **state)
{
    (void)state;
    double d;
    assert_true(ls_parse_iso_date("1970-01-01", &d));
    assert_close(d, 0, 0, 0);
    assert_true(ls_parse_iso_date("2000-03-01", &d));
    assert_close(d, 11017, 0, 0);
    assert_true(ls_parse_iso_date("2024-02-29", &d));
    assert_close(d, 19782, 0, 0);
    assert_false(ls_parse_iso_date("2023-02-29", &d));
    assert_false(ls_parse_iso_date("1900-02-29", &d));
    assert_true(ls_parse_iso_date("2000-02-29", &d));
    assert_true(ls_parse_iso_date("2024-01-05T12:00", &d));
    assert_close(d, 19727.5, 0, 1e-12);
    assert_true(ls_parse_iso_date("2024-01-05 06:00:00Z", &d));
    assert_close(d, 19727.25, 0, 1e-12);
    assert_true(ls_parse_iso_date("2024-01-05T02:00:00+02:00", &d)); /* midnight UTC */
    assert_close(d, 19727, 0, 1e-12);
    assert_true(ls_parse_iso_date("2024-01-05T00:00:30.5", &d));
    assert_close(d, 19727 + 30.5 / 86400, 0, 1e-12);
    assert_false(ls_parse_iso_date("2024-1-05", &d));
    assert_false(ls_parse_iso_date("05/01/2024", &d));
    assert_false(ls_parse_iso_date("2024-13-01", &d));
    assert_false(ls_parse_iso_date("2024-01-05x", &d));
    assert_false(ls_parse_iso_date("2024-01-05T25:00", &d));
    assert_false(ls_parse_iso_date("", &d));
}

static void test_time_split(void **state)
{
    (void)state;
    static const char csv[] = "id,signed_up,converted\n"
                              "a,2024-01-03,1\nb,2024-02-01,0\nc,2024-01-31,1\n"
                              "d,2024-02-15T08:00,0\ne,2023-12-31,0\n";
    ls_table *t = NULL;
    ls_error err;
    assert_int_equal(ls_table_load(ls_test_write_temp(csv, sizeof csv - 1), NULL, &t, &err), LS_OK);
    unsigned char test[5];
    assert_int_equal(ls_split_time(t, "signed_up", "2024-02-01", test, &err), LS_OK);
    static const unsigned char want[5] = {0, 1, 0, 1, 0};
    assert_memory_equal(test, want, 5);
    assert_int_equal(ls_split_time(t, "signed_up", "2025-01-01", test, &err), LS_ERR_DATA);
    assert_int_equal(ls_split_time(t, "signed_up", "Feb 1", test, &err), LS_ERR_USAGE);
    assert_int_equal(ls_split_time(t, "nope", "2024-02-01", test, &err), LS_ERR_NOTFOUND);
    ls_table_free(t);

    static const char bad[] = "id,signed_up,converted\na,2024-01-03,1\nb,,0\nc,2024-01-31,1\n";
    assert_int_equal(ls_table_load(ls_test_write_temp(bad, sizeof bad - 1), NULL, &t, &err), LS_OK);
    assert_int_equal(ls_split_time(t, "signed_up", "2024-01-10", test, &err), LS_ERR_DATA);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.column, "signed_up");
    ls_table_free(t);
}

/* ---- metrics -------------------------------------------------------------- */

static void test_validate_tables(void **state)
{
    (void)state;
    /* 20 leads, scores 1..20; the top 4 and leads 10, 12 convert */
    double score[20], p[20], y[20];
    for (size_t i = 0; i < 20; i++) {
        score[i] = (double)i + 1;
        p[i] = (double)(i + 1) / 21;
        y[i] = i >= 16 || i == 9 || i == 11;
    }
    ls_model *m = ls_model_alloc();
    const char *names[] = {"hot", "warm", "nurture"};
    double mins[] = {17, 10, -INFINITY};
    ls_error err;
    assert_int_equal(ls_model_set_tiers(m, names, mins, 3, &err), LS_OK);
    ls_validation v;
    assert_int_equal(ls_validate(score, p, y, 20, m, &v, &err), LS_OK);
    /* AUC: positives 17..20 beat all 14 negatives, 10 beats 9, 12 beats 10 */
    assert_close(v.metrics.auc, (4 * 14 + 9 + 10) / (6.0 * 14), 1e-15, 0);
    assert_int_equal(v.n_gains, 10);
    assert_close(v.gains[0].rate, 1, 0, 0);
    assert_close(v.gains[0].lift, 1 / (6.0 / 20), 1e-15, 0);
    assert_close(v.gains[1].cum_gain, 4.0 / 6, 1e-15, 0);
    assert_int_equal(v.n_calibration, 10);
    assert_close(v.calibration[0].mean_predicted, 1.5 / 21, 1e-15, 0); /* lowest first */
    assert_int_equal(v.n_thresholds, 3);
    assert_string_equal(v.thresholds[0].name, "hot");
    assert_int_equal(v.thresholds[0].rows, 4);
    assert_close(v.thresholds[0].precision, 1, 0, 0);
    assert_close(v.thresholds[0].recall, 4.0 / 6, 1e-15, 0);
    assert_int_equal(v.thresholds[1].rows, 11); /* scores 10..20 */
    assert_close(v.thresholds[1].precision, 6.0 / 11, 1e-15, 0);
    assert_close(v.thresholds[1].recall, 1, 0, 0);
    assert_int_equal(v.thresholds[1].tier_rows, 7);
    assert_close(v.thresholds[1].tier_rate, 2.0 / 7, 1e-15, 0);
    assert_int_equal(v.thresholds[2].tier_rows, 9);
    assert_close(v.thresholds[2].tier_rate, 0, 0, 0);
    ls_model_free(m);
}

/* DeLong's variance by brute force: placements from every pair. */
static void brute_delong(const double *a, const double *b, const double *y, size_t n,
                         ls_auc_comparison *out)
{
    size_t m = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        m += y[i] > 0.5;
    k = n - m;
    double *v10a = calloc(n, sizeof *v10a), *v10b = calloc(n, sizeof *v10b);
    double *v01a = calloc(n, sizeof *v01a), *v01b = calloc(n, sizeof *v01b);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (!(y[i] > 0.5) || y[j] > 0.5)
                continue;
            double pa = a[i] > a[j] ? 1 : a[i] == a[j] ? 0.5 : 0;
            double pb = b[i] > b[j] ? 1 : b[i] == b[j] ? 0.5 : 0;
            v10a[i] += pa / (double)k;
            v10b[i] += pb / (double)k;
            v01a[j] += pa / (double)m;
            v01b[j] += pb / (double)m;
        }
    double auca = 0, aucb = 0;
    for (size_t i = 0; i < n; i++)
        if (y[i] > 0.5) {
            auca += v10a[i] / (double)m;
            aucb += v10b[i] / (double)m;
        }
    double s10 = 0, s01 = 0;
    for (size_t i = 0; i < n; i++) {
        double da = (y[i] > 0.5 ? v10a[i] : v01a[i]) - auca;
        double db = (y[i] > 0.5 ? v10b[i] : v01b[i]) - aucb;
        if (y[i] > 0.5)
            s10 += (da - db) * (da - db) / (double)(m - 1);
        else
            s01 += (da - db) * (da - db) / (double)(k - 1);
    }
    out->auc_a = auca;
    out->auc_b = aucb;
    out->diff = auca - aucb;
    out->se = sqrt(s10 / (double)m + s01 / (double)k);
    free(v10a);
    free(v10b);
    free(v01a);
    free(v01b);
}

static void test_auc_comparison_matches_brute_force(void **state)
{
    (void)state;
    enum { N = 400 };
    double a[N], b[N], y[N];
    lcg_state = 7;
    for (size_t i = 0; i < N; i++) {
        y[i] = lcg() < 0.35;
        double signal = y[i] + lcg();
        a[i] = floor(4 * (signal + 0.8 * lcg())); /* coarse: many ties */
        b[i] = signal + 1.5 * lcg();
    }
    ls_auc_comparison got, want;
    ls_error err;
    assert_int_equal(ls_auc_compare(a, b, y, N, &got, &err), LS_OK);
    brute_delong(a, b, y, N, &want);
    assert_close(got.auc_a, want.auc_a, 1e-12, 0);
    assert_close(got.auc_b, want.auc_b, 1e-12, 0);
    assert_close(got.diff, want.diff, 1e-12, 1e-15);
    assert_close(got.se, want.se, 1e-10, 0);
    assert_close(got.low, got.diff - 1.959963984540054 * got.se, 1e-12, 1e-15);
    /* a score against itself: no difference, no variance */
    assert_int_equal(ls_auc_compare(a, a, y, N, &got, &err), LS_OK);
    assert_close(got.diff, 0, 0, 0);
    assert_close(got.se, 0, 0, 1e-15);
}

/* ---- tiers ---------------------------------------------------------------- */

static void test_tiers_from_capacity_share_and_precision(void **state)
{
    (void)state;
    enum { N = 2000 };
    double score[N], y[N];
    for (size_t i = 0; i < N; i++) {
        score[i] = (double)(i / 10); /* 200 scores, 10 leads each */
        y[i] = (double)(i % 100) < (double)i / 20;
    }
    ls_tier_options o;
    ls_tier_options_init(&o);
    o.mode = LS_TIERS_CAPACITY;
    o.capacity = 205; /* a week: 205 of the 2000 arriving leads can be called */
    o.per_week = 2000;
    ls_tier_plan p;
    ls_error err;
    assert_int_equal(ls_tiers_from_scores(score, y, N, &o, &p, &err), LS_OK);
    assert_close(p.target_share, 205.0 / 2000, 1e-15, 0);
    assert_int_equal(p.tiers[0].rows, 200); /* never more than capacity: ties go below */
    assert_close(p.tiers[0].min_score, 180, 0, 0);
    assert_int_equal(p.tiers[1].rows, 600);
    assert_close(p.tiers[1].min_score, 120, 0, 0);
    assert_int_equal(p.tiers[2].rows, 1200);
    assert_true(isinf(p.tiers[2].min_score));
    assert_close(p.tiers[0].per_week, 200, 1e-12, 0);
    size_t hot_pos = 0;
    for (size_t i = 1800; i < N; i++)
        hot_pos += y[i] > 0.5;
    assert_int_equal(p.tiers[0].positives, hot_pos);
    assert_close(p.tiers[0].conversions_per_week, (double)hot_pos, 1e-12, 0);

    o.mode = LS_TIERS_PRECISION;
    o.target_precision = 0.9;
    assert_int_equal(ls_tiers_from_scores(score, y, N, &o, &p, &err), LS_OK);
    assert_true(p.precision_met);
    assert_true(p.tiers[0].rate >= 0.9);
    /* one more score group would fall below 90% */
    size_t lo = N - p.tiers[0].rows - 10, pos = 0;
    for (size_t i = lo; i < N; i++)
        pos += y[i] > 0.5;
    assert_true((double)pos / (double)(N - lo) < 0.9);

    double flat[100]; /* every score converts half its leads */
    for (size_t i = 0; i < 100; i++)
        flat[i] = i % 2;
    assert_int_equal(ls_tiers_from_scores(score, flat, 100, &o, &p, &err), LS_OK);
    assert_false(p.precision_met);
    assert_int_equal(p.tiers[0].rows, 0);
    assert_true(p.tiers[0].min_score > 9); /* above every score */

    o.mode = LS_TIERS_SHARE;
    o.hot_share = 0.5;
    o.warm_share = 0;
    assert_int_equal(ls_tiers_from_scores(score, y, N, &o, &p, &err), LS_OK);
    assert_int_equal(p.tiers[0].rows, 1000);
    assert_int_equal(p.tiers[1].rows, 0);
    assert_true(p.tiers[1].min_score < p.tiers[0].min_score &&
                p.tiers[1].min_score > p.tiers[0].min_score - 1);

    o.mode = LS_TIERS_CAPACITY;
    o.per_week = NAN;
    assert_int_equal(ls_tiers_from_scores(score, y, N, &o, &p, &err), LS_ERR_USAGE);
}

/* ---- the whole refinement on X Education ---------------------------------- */

typedef struct {
    ls_spec *spec;
    ls_table *table;
    ls_model *baseline;
} xed;

static void load_xed(xed *x)
{
    ls_error err;
    ls_error_clear(&err);
    assert_int_equal(
        ls_spec_load(ls_test_path("datasets/x-education-leads/criteria.ini"), &x->spec, &err),
        LS_OK);
    ls_table_options o;
    ls_table_options_init(&o);
    o.missing_tokens = ls_spec_missing_tokens(x->spec, &o.n_missing_tokens);
    o.n_types = ls_spec_type_overrides(x->spec, &o.type_names, &o.types);
    assert_int_equal(
        ls_table_load(ls_test_path("datasets/x-education-leads/Leads.csv"), &o, &x->table, &err),
        LS_OK);
    if (ls_model_load(ls_test_path("datasets/x-education-leads/current-points.csv"), &x->baseline,
                      &err) != LS_OK)
        fail_msg("baseline: %s", err.message);
}

static void free_xed(xed *x)
{
    ls_model_free(x->baseline);
    ls_table_free(x->table);
    ls_spec_free(x->spec);
}

static ls_refine_result *refine_or_fail(const xed *x, const ls_refine_options *o)
{
    ls_refine_result *r = NULL;
    ls_error err;
    ls_error_clear(&err);
    if (ls_refine(x->table, x->spec, o, &r, &err) != LS_OK) {
        char buf[1024];
        fail_msg("ls_refine: %s", ls_error_format(&err, buf, sizeof buf));
    }
    return r;
}

static void test_x_education_refined_beats_baseline(void **state)
{
    (void)state;
    xed x;
    load_xed(&x);
    ls_refine_options o;
    ls_refine_options_init(&o);
    o.baseline = x.baseline;
    o.baseline_name = "current-points.csv";
    o.data_path = ls_test_path("datasets/x-education-leads/Leads.csv");
    const char *band[] = {"Total Time Spent on Website"};
    o.band_columns = band;
    o.n_band_columns = 1;
    ls_refine_result *r = refine_or_fail(&x, &o);
    assert_int_equal(r->test_rows, 2310);
    assert_int_equal(r->train_rows, 6930);
    assert_int_equal(r->refined.metrics.rows, 2310);
    assert_int_equal(r->baseline.metrics.rows, 2310);
    print_message("held-out AUC: refined %.4f, baseline %.4f\n", r->refined.metrics.auc,
                  r->baseline.metrics.auc);
    assert_true(r->refined.metrics.auc >= r->baseline.metrics.auc);
    assert_true(r->comparison.low > 0); /* and significantly so */
    assert_close(r->comparison.diff, r->refined.metrics.auc - r->baseline.metrics.auc, 1e-12, 0);
    /* the refined model is calibrated on leads it never saw */
    assert_close(r->refined.metrics.calibration_slope, 1, 0.1, 0);
    /* a dropped criterion's old points become 0; every baseline rule is listed */
    size_t rules = 0;
    for (size_t c = 0; c < x.baseline->n_criteria; c++)
        rules += x.baseline->criteria[c].n_rules;
    size_t old = 0;
    for (size_t i = 0; i < r->n_changes; i++) {
        const ls_points_change *ch = &r->changes[i];
        if (isnan(ch->old_points))
            continue;
        old++;
        if (!ch->criterion_kept)
            assert_close(ch->new_points, 0, 0, 0);
        else if (!isnan(ch->new_points))
            assert_true(ch->new_low <= ch->new_points && ch->new_points <= ch->new_high);
    }
    assert_int_equal(old, rules);
    /* tiers cut on the held-out scores: hot at most 10% */
    assert_true(r->tiers.tiers[0].rows <= 231);
    assert_int_equal(ls_model_tier_count(r->model), 3);
    /* the bands replaced the spec's for the criterion */
    assert_int_equal(r->n_bandings, 1);
    /* the report shows both */
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    ls_error err;
    assert_int_equal(ls_refine_write_report(r, NULL, 0, fp, &err), LS_OK);
    fclose(fp);
    char want[200];
    snprintf(want, sizeof want, "| AUC [95%% CI] | %.3f [%.3f, %.3f] | %.3f [%.3f, %.3f] |",
             r->baseline.metrics.auc, r->baseline.metrics.auc_low, r->baseline.metrics.auc_high,
             r->refined.metrics.auc, r->refined.metrics.auc_low, r->refined.metrics.auc_high);
    assert_non_null(strstr(text, want));
    assert_non_null(strstr(text, "## Points: old → new"));
    assert_non_null(strstr(text, "bands = "));
    free(text);
    ls_refine_free(r);
    free_xed(&x);
}

static void test_folds_identical_for_same_seed(void **state)
{
    (void)state;
    xed x;
    load_xed(&x);
    ls_refine_options o;
    ls_refine_options_init(&o);
    o.validate = LS_VALIDATE_FOLDS;
    o.folds = 4;
    o.seed = 11;
    o.select.method = LS_SELECT_BIC;
    o.select.cv_auc = 0;
    o.merge = 0;
    o.baseline = x.baseline;
    ls_refine_result *a = refine_or_fail(&x, &o);
    ls_refine_result *b = refine_or_fail(&x, &o);
    assert_int_equal(a->n_folds, 4);
    assert_memory_equal(a->fold_auc, b->fold_auc, 4 * sizeof *a->fold_auc);
    assert_true(a->refined.metrics.auc == b->refined.metrics.auc);
    assert_int_equal(a->refined.metrics.rows, 9240);
    assert_true(a->refined.ranked_by_probability);
    assert_true(a->refined.metrics.auc >= a->baseline.metrics.auc);
    for (size_t f = 0; f < 4; f++)
        assert_true(a->fold_auc[f] > 0.84 && a->fold_auc[f] < 0.9);
    ls_refine_free(a);
    ls_refine_free(b);
    free_xed(&x);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holdout_is_stratified_and_seeded),
        cmocka_unit_test(test_kfold_balanced_and_seeded),
        cmocka_unit_test(test_iso_dates),
        cmocka_unit_test(test_time_split),
        cmocka_unit_test(test_validate_tables),
        cmocka_unit_test(test_auc_comparison_matches_brute_force),
        cmocka_unit_test(test_tiers_from_capacity_share_and_precision),
        cmocka_unit_test(test_x_education_refined_beats_baseline),
        cmocka_unit_test(test_folds_identical_for_same_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
