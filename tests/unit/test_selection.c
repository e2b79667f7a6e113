/* Criterion selection: stepwise AIC / BIC against R's step() on the X
 * Education leads (numbers from scripts/expected-step.R), recovery of the
 * real and the pure-noise criteria of synthetic leads, forced and filtered
 * criteria, the lasso path, and reproducible cross-validation.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* open_memstream */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "leadscore/refine.h"
#include "leadscore/synth.h"
#include "leadscore/train.h"
#include "encode.h"
#include "model_internal.h"

typedef struct {
    ls_spec *spec;
    ls_table *table;
} dataset;

static void load(dataset *d, const char *data, const char *spec_path, const char *spec_text)
{
    ls_error err;
    ls_error_clear(&err);
    memset(d, 0, sizeof *d);
    if (spec_path)
        assert_int_equal(ls_spec_load(spec_path, &d->spec, &err), LS_OK);
    else if (spec_text)
        assert_int_equal(ls_spec_parse(spec_text, "spec", &d->spec, &err), LS_OK);
    ls_table_options o;
    ls_table_options_init(&o);
    if (d->spec) {
        o.missing_tokens = ls_spec_missing_tokens(d->spec, &o.n_missing_tokens);
        o.n_types = ls_spec_type_overrides(d->spec, &o.type_names, &o.types);
    }
    if (ls_table_load(data, &o, &d->table, &err) != LS_OK)
        fail_msg("%s: %s", data, err.message);
}

static void unload(dataset *d)
{
    ls_table_free(d->table);
    ls_spec_free(d->spec);
}

static void load_x_education(dataset *d)
{
    load(d, ls_test_path("datasets/x-education-leads/Leads.csv"),
         ls_test_path("datasets/x-education-leads/criteria.ini"), NULL);
}

static void select_or_fail(const dataset *d, const ls_select_options *o, ls_selection *sel)
{
    ls_error err;
    ls_error_clear(&err);
    ls_train_options t;
    ls_train_options_init(&t);
    if (!ls_spec_target(d->spec))
        t.target = "converted";
    if (ls_select(d->table, d->spec, &t, o, sel, &err) != LS_OK) {
        char buf[1024];
        fail_msg("ls_select: %s", ls_error_format(&err, buf, sizeof buf));
    }
}

static const ls_selection_item *item(const ls_selection *s, const char *criterion)
{
    for (size_t i = 0; i < s->n_items; i++)
        if (strcmp(s->items[i].criterion, criterion) == 0)
            return &s->items[i];
    fail_msg("criterion '%s' is not a candidate", criterion);
    abort(); /* not reached: fail_msg jumps back to cmocka */
}

/* ---- R's step() on X Education (scripts/expected-step.R) ----------------- */

/* The candidate set: every criterion datasets/x-education-leads/criteria.ini
 * leaves to the trainer, in the data's column order. */
static const char *const candidates[] = {"Lead Origin",
                                         "Lead Source",
                                         "Do Not Email",
                                         "TotalVisits",
                                         "Total Time Spent on Website",
                                         "Country",
                                         "Specialization",
                                         "How did you hear about X Education",
                                         "What is your current occupation",
                                         "City",
                                         "A free copy of Mastering The Interview"};
#define N_CANDIDATES (sizeof candidates / sizeof candidates[0])

typedef struct {
    const char *change; /* "" for the start */
    double df, deviance, resid_df, aic;
} r_step;

typedef struct {
    const char *criterion;
    int kept;
    double chi2, df, delta_aic;
} r_evidence;

static void check_path(const ls_selection *s, const r_step *want, size_t n)
{
    assert_int_equal(s->n_steps, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(s->steps[i].change, want[i].change);
        if (i > 0)
            assert_close(s->steps[i].df, want[i].df, 0, 0);
        assert_close(s->steps[i].deviance, want[i].deviance, 1e-11, 1e-6);
        assert_close(s->steps[i].resid_df, want[i].resid_df, 0, 0);
        assert_close(s->steps[i].aic, want[i].aic, 1e-11, 1e-6);
    }
}

static void check_evidence(const ls_selection *s, const r_evidence *want, size_t n)
{
    assert_int_equal(s->n_items, N_CANDIDATES);
    for (size_t i = 0; i < N_CANDIDATES; i++)
        assert_string_equal(s->items[i].criterion, candidates[i]);
    for (size_t i = 0; i < n; i++) {
        const ls_selection_item *it = item(s, want[i].criterion);
        assert_int_equal(it->kept, want[i].kept);
        assert_close(it->lr_chi2, want[i].chi2, 0, 1e-6);
        assert_close(it->lr_df, want[i].df, 0, 0);
        if (!isnan(want[i].delta_aic))
            assert_close(it->delta_aic, want[i].delta_aic, 0, 1e-6);
    }
}

static void test_step_aic_both_matches_r(void **state)
{
    (void)state;
    dataset d;
    load_x_education(&d);
    ls_select_options o;
    ls_select_options_init(&o);
    o.cv_auc = 0;
    ls_selection s;
    select_or_fail(&d, &o, &s);
    static const r_step path[] = {
        {"", NAN, 7887.8605576954, 9180, 8007.8605576954},
        {"- How did you hear about X Education", 8, 7894.9003945481, 9188, 7998.9003945481}};
    check_path(&s, path, 2);
    static const r_evidence ev[] = {
        {"Lead Origin", 1, 65.3874299711, 3, 59.3874299711},
        {"Lead Source", 1, 46.5111788870, 8, 30.5111788870},
        {"Do Not Email", 1, 96.8945142220, 1, 94.8945142220},
        {"TotalVisits", 1, 59.0999318430, 3, 53.0999318430},
        {"Total Time Spent on Website", 1, 1540.3999405071, 3, 1534.3999405071},
        {"Country", 1, 37.2839714074, 4, 29.2839714074},
        {"Specialization", 1, 37.7764142026, 18, 1.7764142026},
        {"How did you hear about X Education", 0, 7.0398368527, 8, -8.9601631473},
        {"What is your current occupation", 1, 779.0877285269, 4, 771.0877285269},
        {"City", 1, 22.4930542602, 6, 10.4930542602},
        {"A free copy of Mastering The Interview", 1, 2.8524937423, 1, 0.8524937423}};
    check_evidence(&s, ev, sizeof ev / sizeof ev[0]);
    assert_close(s.aic, 7998.9003945481, 1e-11, 1e-6);
    assert_int_equal(s.rank, 52);
    /* p-value of the LR test: pchisq(7.0398368527, 8, lower.tail = FALSE) */
    assert_close(item(&s, "How did you hear about X Education")->lr_p, 0.532341, 1e-5, 0);
    ls_selection_release(&s);
    unload(&d);
}

static void test_step_aic_forward_matches_r(void **state)
{
    (void)state;
    dataset d;
    load_x_education(&d);
    ls_select_options o;
    ls_select_options_init(&o);
    o.cv_auc = 0;
    o.direction = LS_STEP_FORWARD;
    ls_selection s;
    select_or_fail(&d, &o, &s);
    static const r_step path[] = {
        {"", NAN, 12319.5268880361, 9239, 12321.5268880361},
        {"+ Total Time Spent on Website", -3, 10529.4077450853, 9236, 10537.4077450853},
        {"+ What is your current occupation", -4, 9053.6505773399, 9232, 9069.6505773399},
        {"+ Lead Source", -8, 8219.5453945643, 9224, 8251.5453945643},
        {"+ Do Not Email", -1, 8107.1907933124, 9223, 8141.1907933124},
        {"+ TotalVisits", -3, 8044.9654660491, 9220, 8084.9654660491},
        {"+ City", -6, 8017.2441895429, 9214, 8069.2441895429},
        {"+ Lead Origin", -3, 7969.2466195481, 9211, 8027.2466195481},
        {"+ Country", -4, 7934.8287131353, 9207, 8000.8287131353},
        {"+ Specialization", -18, 7897.7528882904, 9189, 7999.7528882904},
        {"+ A free copy of Mastering The Interview", -1, 7894.9003945481, 9188, 7998.9003945481}};
    check_path(&s, path, sizeof path / sizeof path[0]);
    /* the same model as the backward search: the same evidence */
    assert_false(item(&s, "How did you hear about X Education")->kept);
    assert_close(item(&s, "Specialization")->delta_aic, 1.7764142026, 0, 1e-6);
    ls_selection_release(&s);
    unload(&d);
}

static void test_step_bic_matches_r(void **state)
{
    (void)state;
    dataset d;
    load_x_education(&d);
    ls_select_options o;
    ls_select_options_init(&o);
    o.cv_auc = 0;
    o.method = LS_SELECT_BIC;
    ls_selection s;
    select_or_fail(&d, &o, &s);
    assert_close(s.k, log(9240.0), 1e-15, 0);
    static const r_step path[] = {
        {"", NAN, 7887.8605576954, 9180, 8435.7383875735},
        {"- Specialization", 18, 7926.4894274318, 9198, 8310.0039083465},
        {"- How did you hear about X Education", 8, 7932.6768087507, 9206, 8243.1409123483},
        {"- Lead Source", 8, 7975.4634121840, 9214, 8212.8771384646},
        {"- A free copy of Mastering The Interview", 1, 7983.3319952211, 9215, 8211.6144243370}};
    check_path(&s, path, sizeof path / sizeof path[0]);
    static const r_evidence ev[] = {
        {"Lead Origin", 1, 590.8310128636, 3, NAN},
        {"Lead Source", 0, 48.5032820857, 8, NAN},
        {"Do Not Email", 1, 101.5256291530, 1, NAN},
        {"TotalVisits", 1, 69.5380138009, 3, NAN},
        {"Total Time Spent on Website", 1, 1565.9629535802, 3, NAN},
        {"Country", 1, 79.3998938592, 4, NAN},
        {"Specialization", 0, 32.6021902556, 18, NAN},
        {"How did you hear about X Education", 0, 11.0147497194, 8, NAN},
        {"What is your current occupation", 1, 894.9077667840, 4, NAN},
        {"City", 1, 83.0733618720, 6, NAN},
        {"A free copy of Mastering The Interview", 0, 7.8685830371, 1, NAN}};
    check_evidence(&s, ev, sizeof ev / sizeof ev[0]);
    /* dBIC = chi2 - ln(n)·df: the kept criteria all earn their place under BIC */
    for (size_t i = 0; i < s.n_items; i++)
        assert_true(s.items[i].kept ? s.items[i].delta_bic > 0 : s.items[i].delta_bic < 0);
    ls_selection_release(&s);
    unload(&d);
}

/* ---- forced, excluded and filtered criteria ------------------------------ */

static const char *x_education_spec(const char *extra)
{
    static char text[4096];
    FILE *fp = fopen(ls_test_path("datasets/x-education-leads/criteria.ini"), "r");
    assert_non_null(fp);
    size_t n = fread(text, 1, sizeof text - 512, fp);
    fclose(fp);
    text[n] = '\0';
    strcat(text, extra);
    return text;
}

static void test_forced_and_excluded_criteria(void **state)
{
    (void)state;
    dataset d;
    load(&d, ls_test_path("datasets/x-education-leads/Leads.csv"), NULL,
         x_education_spec("\n[criterion]\ncolumn = A free copy of Mastering The Interview\n"
                          "use = force\n\n[criterion]\ncolumn = City\nuse = no\n"));
    ls_select_options o;
    ls_select_options_init(&o);
    o.cv_auc = 0;
    o.method = LS_SELECT_BIC;
    ls_selection s;
    select_or_fail(&d, &o, &s);
    const ls_selection_item *free_copy = item(&s, "A free copy of Mastering The Interview");
    assert_true(free_copy->forced);
    assert_true(free_copy->kept); /* BIC drops it when it may (test above) */
    for (size_t i = 0; i < s.n_items; i++)
        assert_string_not_equal(s.items[i].criterion, "City");
    for (size_t i = 0; i < s.n_steps; i++)
        assert_null(strstr(s.steps[i].change, "Mastering"));
    ls_selection_release(&s);
    unload(&d);
}

static void test_iv_and_missing_filters(void **state)
{
    (void)state;
    dataset d;
    load_x_education(&d);
    ls_select_options o;
    ls_select_options_init(&o);
    o.cv_auc = 0;
    o.method = LS_SELECT_NONE;
    ls_selection s;
    select_or_fail(&d, &o, &s);
    /* IV over the encoded levels, as inspect defines it */
    assert_close(item(&s, "How did you hear about X Education")->iv, 0.0102, 0, 5e-5);
    assert_close(item(&s, "A free copy of Mastering The Interview")->iv, 0.0068, 0, 5e-5);
    /* "How did you hear": empty (2207) or Select (5043) in 7250 of 9240 leads */
    assert_close(item(&s, "How did you hear about X Education")->missing_rate, 7250.0 / 9240, 1e-12,
                 0);
    for (size_t i = 0; i < s.n_items; i++)
        assert_true(s.items[i].kept);
    ls_selection_release(&s);

    o.min_iv = 0.02;
    o.max_missing = 0.5;
    select_or_fail(&d, &o, &s);
    assert_true(item(&s, "How did you hear about X Education")->filtered);
    assert_true(item(&s, "A free copy of Mastering The Interview")->filtered);
    assert_false(item(&s, "A free copy of Mastering The Interview")->kept);
    assert_false(item(&s, "Country")->filtered); /* IV 0.0217, missing 26.6% */
    assert_true(item(&s, "Country")->kept);
    assert_int_equal(s.n_notes, 2);
    ls_selection_release(&s);
    unload(&d);
}

/* ---- reproducible cross-validation --------------------------------------- */

static void test_cv_identical_for_same_seed(void **state)
{
    (void)state;
    dataset d;
    load_x_education(&d);
    ls_select_options o;
    ls_select_options_init(&o);
    o.seed = 42;
    ls_selection a, b, c;
    select_or_fail(&d, &o, &a);
    select_or_fail(&d, &o, &b);
    o.seed = 43;
    select_or_fail(&d, &o, &c);
    assert_true(a.cv_auc > 0.86 && a.cv_auc < 0.88);
    assert_true(a.cv_auc == b.cv_auc);
    int differs = a.cv_auc != c.cv_auc;
    for (size_t i = 0; i < a.n_items; i++) {
        assert_memory_equal(&a.items[i].cv_auc_with, &b.items[i].cv_auc_with, sizeof(double));
        assert_memory_equal(&a.items[i].cv_auc_without, &b.items[i].cv_auc_without, sizeof(double));
        differs |= a.items[i].cv_auc_without != c.items[i].cv_auc_without;
    }
    assert_true(differs);
    /* time on website is worth the most AUC */
    assert_true(item(&a, "Total Time Spent on Website")->delta_cv_auc > 0.05);
    ls_selection_release(&a);
    ls_selection_release(&b);
    ls_selection_release(&c);
    unload(&d);
}

/* ---- lasso ---------------------------------------------------------------- */

static void test_lasso_path_and_cv(void **state)
{
    (void)state;
    dataset d;
    load_x_education(&d);
    ls_select_options o;
    ls_select_options_init(&o);
    o.method = LS_SELECT_LASSO;
    o.cv_auc = 0;
    ls_selection s, again;
    select_or_fail(&d, &o, &s);
    select_or_fail(&d, &o, &again);
    assert_true(s.n_lambda >= 5 && s.n_lambda <= 100);
    assert_int_equal(s.nonzero[0], 0); /* lambda_max: every penalised term is 0 */
    assert_true(s.nonzero[1] > 0);
    for (size_t k = 1; k < s.n_lambda; k++) {
        assert_true(s.lambda[k] < s.lambda[k - 1]);
        /* glmnet's sequence: a constant ratio (1e-4 over 99 steps) */
        assert_close(s.lambda[k] / s.lambda[k - 1], pow(1e-4, 1.0 / 99), 1e-12, 0);
        assert_true(s.cvm[k] >= s.cvm[s.index_min]);
    }
    assert_true(s.index_1se <= s.index_min);
    assert_true(s.cvm[s.index_1se] <= s.cvm[s.index_min] + s.cvsd[s.index_min]);
    if (s.index_1se > 0)
        assert_true(s.cvm[s.index_1se - 1] > s.cvm[s.index_min] + s.cvsd[s.index_min]);
    assert_true(s.lambda_chosen == s.lambda_1se);
    /* the first criteria to enter are the strongest */
    double time_entry = item(&s, "Total Time Spent on Website")->lasso_entry;
    assert_close(time_entry, s.lambda[1], 1e-12, 0);
    assert_true(item(&s, "A free copy of Mastering The Interview")->lasso_entry < time_entry / 10);
    /* the penalised fit at the chosen lambda is glmnet's optimum: the KKT
     * conditions of -loglik/n + lambda·Σ sd_j·|β_j| (columns standardised,
     * intercept free) hold on the encoded design */
    {
        ls_model *m = ls_model_alloc();
        ls_design des;
        ls_train_options to;
        ls_train_options_init(&to);
        ls_error err;
        assert_int_equal(ls_encode(d.table, d.spec, &to, m, &des, NULL, &err), LS_OK);
        assert_int_equal(s.n_coef, des.p + 1);
        size_t n = des.n;
        double *eta = malloc(n * sizeof *eta), worst = 0, g0 = 0;
        for (size_t i = 0; i < n; i++) {
            eta[i] = s.coef[0];
            for (size_t j = 0; j < des.p; j++)
                eta[i] += s.coef[j + 1] * des.X[j * n + i];
            g0 += des.y[i] - 1 / (1 + exp(-eta[i]));
        }
        for (size_t j = 0; j < des.p; j++) {
            const double *x = des.X + j * n;
            double g = 0, s1 = 0, s2 = 0;
            for (size_t i = 0; i < n; i++) {
                g += x[i] * (des.y[i] - 1 / (1 + exp(-eta[i])));
                s1 += x[i];
                s2 += x[i] * x[i];
            }
            double sd = sqrt(s2 / (double)n - (s1 / (double)n) * (s1 / (double)n));
            double pen = s.lambda_chosen * (double)n * sd, b = s.coef[j + 1];
            double viol = b != 0 ? fabs(g - (b > 0 ? pen : -pen)) : fmax(0, fabs(g) - pen);
            worst = fmax(worst, viol / pen);
        }
        print_message("lasso KKT: worst violation %.2g of the penalty, intercept gradient %.2g\n",
                      worst, g0);
        assert_true(worst < 1e-2);
        assert_close(g0, 0, 0, 1e-6 * (double)n);
        free(eta);
        ls_design_release(&des);
        ls_model_free(m);
    }
    /* equal seeds, equal path and CV */
    assert_int_equal(s.n_lambda, again.n_lambda);
    assert_memory_equal(s.cvm, again.cvm, s.n_lambda * sizeof *s.cvm);
    assert_memory_equal(s.lambda, again.lambda, s.n_lambda * sizeof *s.lambda);
    ls_selection_release(&s);
    ls_selection_release(&again);
    unload(&d);
}

/* ---- synthetic leads: real kept, noise dropped ---------------------------- */

/* 20 seeds of 20,000 leads. BIC, not AIC: AIC keeps a criterion whose LR
 * chi-squared exceeds 2 per parameter, which a pure-noise yes/no criterion
 * does with probability P(chi2_1 > 2) = 15.7%, so AIC cannot drop the noise
 * in 95% of seeds (measured: 14 of 20). Under BIC (ln 20000 = 9.9 per
 * parameter) the noise survives with probability 0.2% (newsletter) and
 * ~1e-5 (page_theme, 3 df). A base rate of 0.5 gives country (10 terms,
 * weights within ±0.55) the power to clear BIC's 99-point penalty: at 0.15 it
 * is dropped in most seeds (measured; at 0.5 kept in 100 of 100 seeds). */
static void test_synthetic_noise_dropped_real_kept(void **state)
{
    (void)state;
    const size_t seeds = 20;
    size_t good = 0;
    for (size_t seed = 1; seed <= seeds; seed++) {
        char *leads = NULL, *spec = NULL;
        size_t nl = 0, ns = 0;
        FILE *lf = open_memstream(&leads, &nl), *sf = open_memstream(&spec, &ns);
        ls_synth_options so;
        ls_synth_options_init(&so);
        so.rows = 20000;
        so.seed = seed;
        so.base_rate = 0.5;
        ls_error err;
        ls_error_clear(&err);
        assert_int_equal(ls_synth_write(&so, lf, NULL, sf, NULL, &err), LS_OK);
        fclose(lf);
        fclose(sf);
        dataset d;
        load(&d, ls_test_write_temp(leads, nl), NULL, spec);
        free(leads);
        free(spec);
        ls_select_options o;
        ls_select_options_init(&o);
        o.method = LS_SELECT_BIC;
        o.evidence = 0; /* the choice is all that is measured here */
        ls_selection s;
        select_or_fail(&d, &o, &s);
        assert_int_equal(s.n_items, 15); /* every column but lead_id and converted */
        int ok = 1;
        for (size_t i = 0; i < s.n_items; i++) {
            int noise = ls_synth_is_noise(s.items[i].criterion);
            if (noise == s.items[i].kept) {
                ok = 0;
                print_message("seed %zu: %s %s\n", seed, s.items[i].kept ? "kept" : "dropped",
                              s.items[i].criterion);
            }
        }
        good += ok;
        ls_selection_release(&s);
        unload(&d);
    }
    print_message("synthetic selection: right in %zu of %zu seeds\n", good, seeds);
    assert_true(good * 100 >= 95 * seeds);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_aic_both_matches_r),
        cmocka_unit_test(test_step_aic_forward_matches_r),
        cmocka_unit_test(test_step_bic_matches_r),
        cmocka_unit_test(test_forced_and_excluded_criteria),
        cmocka_unit_test(test_iv_and_missing_filters),
        cmocka_unit_test(test_cv_identical_for_same_seed),
        cmocka_unit_test(test_lasso_path_and_cv),
        cmocka_unit_test(test_synthetic_noise_dropped_real_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
