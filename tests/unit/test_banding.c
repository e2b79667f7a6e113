/* Supervised banding (minimum share, monotonic WoE, exact optimum against
 * brute force, spec output that the spec reader takes back) and merging of
 * indistinguishable categorical levels.
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

static uint64_t lcg_state;
static double lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005u + 1442695040888963407u;
    return (double)(lcg_state >> 11) / 9007199254740992.0;
}

static ls_table *load_text(const char *text, size_t len, const char *const *missing, size_t nm)
{
    ls_table_options o;
    ls_table_options_init(&o);
    o.missing_tokens = missing;
    o.n_missing_tokens = nm;
    ls_table *t = NULL;
    ls_error err;
    if (ls_table_load(ls_test_write_temp(text, len), &o, &t, &err) != LS_OK)
        fail_msg("%s", err.message);
    return t;
}

static double *outcomes(const ls_table *t, const char *column)
{
    size_t c = ls_table_find_column(t, column), n = ls_table_rows(t);
    assert_true(c != (size_t)-1);
    const double *v = ls_table_values(t, c);
    double *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        y[i] = v[i];
    return y;
}

static void check_constraints(const ls_banding *b, double min_share, size_t max_bands, int monotone)
{
    size_t nb = 0;
    for (size_t k = 0; k < b->n_bands; k++) {
        const ls_band *band = &b->bands[k];
        if (band->is_missing) {
            assert_int_equal(k, b->n_bands - 1); /* the missing band comes last */
            continue;
        }
        nb++;
        assert_true(band->share >= min_share - 1e-12);
        if (k > 0) {
            assert_true(band->lo == b->bands[k - 1].hi);
            if (monotone && b->trend == LS_TREND_ASCENDING)
                assert_true(band->woe > b->bands[k - 1].woe);
            if (monotone && b->trend == LS_TREND_DESCENDING)
                assert_true(band->woe < b->bands[k - 1].woe);
        }
    }
    if (max_bands)
        assert_true(nb <= max_bands);
    assert_true(isinf(b->bands[0].lo) && b->bands[0].lo < 0);
    assert_true(isinf(b->bands[nb - 1].hi));
    if (monotone && nb > 1)
        assert_true(b->trend == LS_TREND_ASCENDING || b->trend == LS_TREND_DESCENDING);
}

static void test_x_education_bands_respect_share_and_trend(void **state)
{
    (void)state;
    static const char *const missing[] = {"", "Select"};
    ls_table_options o;
    ls_table_options_init(&o);
    o.missing_tokens = missing;
    o.n_missing_tokens = 2;
    ls_table *t = NULL;
    ls_error err;
    assert_int_equal(
        ls_table_load(ls_test_path("datasets/x-education-leads/Leads.csv"), &o, &t, &err), LS_OK);
    double *y = outcomes(t, "Converted");
    static const char *const cols[] = {"Total Time Spent on Website", "TotalVisits",
                                       "Page Views Per Visit"};
    for (size_t c = 0; c < 3; c++) {
        double shares[] = {0.05, 0.1, 0.2};
        for (size_t s = 0; s < 3; s++) {
            ls_band_options bo;
            ls_band_options_init(&bo);
            bo.min_share = shares[s];
            ls_banding auto_b, none_b, asc_b;
            assert_int_equal(ls_band_numeric(t, cols[c], y, NULL, &bo, &auto_b, &err), LS_OK);
            check_constraints(&auto_b, shares[s], bo.max_bands, 1);
            bo.trend = LS_TREND_ASCENDING;
            assert_int_equal(ls_band_numeric(t, cols[c], y, NULL, &bo, &asc_b, &err), LS_OK);
            check_constraints(&asc_b, shares[s], bo.max_bands, 1);
            bo.trend = LS_TREND_NONE;
            bo.max_bands = 0;
            assert_int_equal(ls_band_numeric(t, cols[c], y, NULL, &bo, &none_b, &err), LS_OK);
            check_constraints(&none_b, shares[s], 0, 0);
            /* fewer constraints, at least as much IV */
            assert_true(none_b.iv >= auto_b.iv - 1e-12);
            assert_true(auto_b.iv >= asc_b.iv - 1e-12);
            ls_banding_release(&auto_b);
            ls_banding_release(&asc_b);
            ls_banding_release(&none_b);
        }
    }
    /* TotalVisits has 137 missing leads: their own band, last */
    ls_band_options bo;
    ls_band_options_init(&bo);
    ls_banding b;
    assert_int_equal(ls_band_numeric(t, "TotalVisits", y, NULL, &bo, &b, &err), LS_OK);
    assert_true(b.bands[b.n_bands - 1].is_missing);
    assert_close(b.bands[b.n_bands - 1].rows, 137, 0, 0);
    assert_string_equal(b.bands[b.n_bands - 1].label, "missing");
    ls_banding_release(&b);
    /* only numbers can be banded */
    assert_int_equal(ls_band_numeric(t, "City", y, NULL, &bo, &b, &err), LS_ERR_DATA);
    assert_int_equal(ls_band_numeric(t, "No Such Column", y, NULL, &bo, &b, &err), LS_ERR_NOTFOUND);
    bo.min_share = 0.6;
    assert_int_equal(ls_band_numeric(t, "TotalVisits", y, NULL, &bo, &b, &err), LS_ERR_USAGE);
    free(y);
    ls_table_free(t);
}

/* IV of a partition of the values into bands by brute force, -inf when it
 * breaks a constraint. */
static double brute_iv(const double *pos, const double *neg, size_t nv, unsigned cuts, double min_w,
                       size_t max_bands, int dir)
{
    double P = 0, N = 0;
    for (size_t v = 0; v < nv; v++) {
        P += pos[v];
        N += neg[v];
    }
    double iv = 0, prev_woe = NAN, bp = 0, bn = 0;
    size_t bands = 0;
    for (size_t v = 0; v < nv; v++) {
        bp += pos[v];
        bn += neg[v];
        if (v + 1 < nv && !(cuts & (1u << v)))
            continue;
        if (bp + bn < min_w)
            return -INFINITY;
        double dp = bp / P, dn = bn / N, woe = log(dp / dn);
        if (dir && bands > 0 && !(dir > 0 ? woe > prev_woe : woe < prev_woe))
            return -INFINITY;
        iv += (dp - dn) * woe;
        prev_woe = woe;
        bands++;
        bp = bn = 0;
    }
    return bands <= max_bands ? iv : -INFINITY;
}

static void test_banding_is_the_exact_optimum(void **state)
{
    (void)state;
    enum { NV = 11 };
    for (uint64_t seed = 1; seed <= 12; seed++) {
        lcg_state = seed;
        double pos[NV], neg[NV];
        char *text = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&text, &len);
        fprintf(fp, "x,y\n");
        for (size_t v = 0; v < NV; v++) {
            int rows = 20 + (int)(lcg() * 120), p = 1 + (int)(lcg() * (rows - 2));
            pos[v] = p;
            neg[v] = rows - p;
            for (int i = 0; i < rows; i++)
                fprintf(fp, "%zu,%d\n", v * 3 + 1, i < p);
        }
        fclose(fp);
        ls_table *t = load_text(text, len, NULL, 0);
        free(text);
        double *y = outcomes(t, "y");
        double W = 0;
        for (size_t v = 0; v < NV; v++)
            W += pos[v] + neg[v];
        static const ls_trend trends[] = {LS_TREND_NONE, LS_TREND_ASCENDING, LS_TREND_DESCENDING,
                                          LS_TREND_AUTO};
        for (size_t tr = 0; tr < 4; tr++) {
            ls_band_options bo;
            ls_band_options_init(&bo);
            bo.prebins = 100; /* every value a candidate bin */
            bo.min_share = 0.08;
            bo.max_bands = 5;
            bo.trend = trends[tr];
            double best = -INFINITY;
            for (unsigned cuts = 0; cuts < (1u << (NV - 1)); cuts++)
                for (int dir = -1; dir <= 1; dir++) {
                    if ((trends[tr] == LS_TREND_NONE) != (dir == 0))
                        continue;
                    if ((trends[tr] == LS_TREND_ASCENDING && dir != 1) ||
                        (trends[tr] == LS_TREND_DESCENDING && dir != -1))
                        continue;
                    best = fmax(best, brute_iv(pos, neg, NV, cuts, bo.min_share * W, 5, dir));
                }
            ls_banding b;
            ls_error err;
            assert_int_equal(ls_band_numeric(t, "x", y, NULL, &bo, &b, &err), LS_OK);
            assert_close(b.iv, best, 1e-12, 1e-15);
            check_constraints(&b, bo.min_share, 5, trends[tr] != LS_TREND_NONE);
            ls_banding_release(&b);
        }
        free(y);
        ls_table_free(t);
    }
}

static void test_bands_as_spec_read_back(void **state)
{
    (void)state;
    /* minutes 0..399 with a few missing: conversion rises with the minutes */
    lcg_state = 99;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    fprintf(fp, "minutes,converted\n");
    for (int i = 0; i < 6000; i++) {
        int m = (int)(lcg() * 400);
        double p = 1 / (1 + exp(-(m - 200) / 80.0));
        if (i % 50 == 0)
            fprintf(fp, ",%d\n", lcg() < 0.3);
        else
            fprintf(fp, "%d,%d\n", m, lcg() < p);
    }
    fclose(fp);
    ls_table *t = load_text(text, len, NULL, 0);
    free(text);
    double *y = outcomes(t, "converted");
    size_t sizes[] = {8, 0};
    double shares[] = {0.05, 0.01};
    for (size_t c = 0; c < 2; c++) {
        ls_band_options bo;
        ls_band_options_init(&bo);
        bo.max_bands = sizes[c];
        bo.min_share = shares[c];
        bo.trend = LS_TREND_NONE;
        ls_banding b;
        ls_error err;
        assert_int_equal(ls_band_numeric(t, "minutes", y, NULL, &bo, &b, &err), LS_OK);
        assert_true(b.integer);
        char *spec = NULL;
        size_t slen = 0;
        fp = open_memstream(&spec, &slen);
        fprintf(fp, "[leadscore]\ntarget = converted\n\n");
        assert_int_equal(ls_banding_write_spec(&b, fp, &err), LS_OK);
        fclose(fp);
        /* lines stay within the spec reader's limit */
        for (char *line = spec; *line;) {
            char *end = strchr(line, '\n');
            size_t l = end ? (size_t)(end - line) : strlen(line);
            assert_true(l <= 199);
            line += l + (end != NULL);
        }
        ls_spec *s = NULL;
        if (ls_spec_parse(spec, "bands.ini", &s, &err) != LS_OK)
            fail_msg("spec does not read back: %s\n%s", err.message, spec);
        ls_train_options to;
        ls_train_options_init(&to);
        ls_model *m = NULL;
        assert_int_equal(ls_train(t, s, &to, NULL, &m, NULL, &err), LS_OK);
        assert_int_equal(m->n_criteria, 1);
        const ls_criterion *cr = &m->criteria[0];
        assert_int_equal(cr->kind, LS_CRIT_BANDED);
        size_t nb = b.n_bands - 1; /* the last band is the missing one */
        assert_true(b.bands[nb].is_missing);
        if (c == 1)
            assert_true(nb > 20); /* a list long enough to continue on indented lines */
        assert_int_equal(cr->n_rules, nb - 1 + 1); /* bands but the reference, plus missing */
        /* each band's lower bound reads back exactly */
        for (size_t k = 0; k < cr->n_rules; k++) {
            const ls_rule *r = &cr->rules[k];
            if (r->kind != LS_COND_RANGE)
                continue;
            int found = 0;
            for (size_t q = 0; q < nb; q++)
                found |= r->lo == b.bands[q].lo &&
                         (isinf(r->hi) ? isinf(b.bands[q].hi) : r->hi == b.bands[q].hi);
            assert_true(found);
        }
        ls_model_free(m);
        ls_spec_free(s);
        free(spec);
        ls_banding_release(&b);
    }
    free(y);
    ls_table_free(t);
}

/* ---- merging levels ------------------------------------------------------- */

static void test_merge_indistinguishable_levels(void **state)
{
    (void)state;
    /* plan: A and B convert alike, C and D alike and better, E much better;
     * x is an unrelated covariate held in the model */
    static const char *const levels[] = {"A", "B", "C", "D", "E"};
    static const double effect[] = {0, 0, 1.2, 1.2, 2.5};
    lcg_state = 2024;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    fprintf(fp, "plan,x,converted\n");
    for (int i = 0; i < 8000; i++) {
        size_t l = (size_t)(lcg() * 5);
        double x = lcg();
        double eta = -1.5 + effect[l] + 0.8 * x;
        fprintf(fp, "%s,%.4f,%d\n", levels[l], x, lcg() < 1 / (1 + exp(-eta)));
    }
    fclose(fp);
    ls_table *t = load_text(text, len, NULL, 0);
    free(text);
    ls_train_options to;
    ls_train_options_init(&to);
    to.target = "converted";
    ls_merge_options mo;
    ls_merge_options_init(&mo);
    ls_merge_result r;
    ls_error err;
    assert_int_equal(ls_merge_levels(t, NULL, &to, "plan", &mo, &r, &err), LS_OK);
    assert_int_equal(r.n_levels, 5);
    assert_int_equal(r.n_groups, 3);
    size_t group[5];
    for (size_t k = 0; k < 5; k++) {
        const char *name = r.levels[k].level;
        group[name[0] - 'A'] = r.levels[k].group;
    }
    assert_int_equal(group[0], group[1]);
    assert_int_equal(group[2], group[3]);
    assert_int_not_equal(group[0], group[2]);
    assert_int_not_equal(group[2], group[4]);
    assert_true(r.lr_p > 0.05); /* the merged model fits as well */
    assert_close(r.lr_df, 2, 0, 0);
    assert_true(r.aic_after < r.aic_before);
    double cd_vs_ab = r.groups[group[2]].estimate - r.groups[group[0]].estimate;
    assert_true(cd_vs_ab > 1 && cd_vs_ab < 1.5); /* true 1.2, whichever level is the reference */
    ls_merge_result_release(&r);
    /* only categorical criteria have levels to merge */
    assert_int_equal(ls_merge_levels(t, NULL, &to, "x", &mo, &r, &err), LS_ERR_DATA);
    assert_int_equal(ls_merge_levels(t, NULL, &to, "nope", &mo, &r, &err), LS_ERR_NOTFOUND);
    ls_table_free(t);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x_education_bands_respect_share_and_trend),
        cmocka_unit_test(test_banding_is_the_exact_optimum),
        cmocka_unit_test(test_bands_as_spec_read_back),
        cmocka_unit_test(test_merge_indistinguishable_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
