/* Synthetic events from a known process: training on the derived features
 * recovers the true effects within their intervals, and the profile
 * likelihood finds the true half-life.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leadscore/events.h"
#include "leadscore/model.h"
#include "leadscore/train.h"

#define LEADS 20000
#define SEED 2024

static char dir[64], leads_path[128], events_path[128], truth_path[128], spec_path[128],
    features_path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/ls_decay_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(leads_path, sizeof leads_path, "%s/leads.csv", dir);
    snprintf(events_path, sizeof events_path, "%s/events.csv", dir);
    snprintf(truth_path, sizeof truth_path, "%s/truth.csv", dir);
    snprintf(spec_path, sizeof spec_path, "%s/spec.ini", dir);
    snprintf(features_path, sizeof features_path, "%s/features.csv", dir);
    ls_events_synth_options o;
    ls_events_synth_options_init(&o);
    o.leads = LEADS;
    o.seed = SEED;
    ls_error err;
    if (ls_events_synth_write(&o, leads_path, events_path, truth_path, spec_path, &err) != LS_OK)
        return -1;
    ls_features *f = NULL;
    if (ls_features_load(spec_path, &f, &err) != LS_OK)
        return -1;
    ls_derive_options d;
    ls_derive_options_init(&d);
    d.leads_path = leads_path;
    d.events_path = events_path;
    d.out_path = features_path;
    ls_status st = ls_features_derive(f, &d, NULL, &err); /* label_date from [events] */
    ls_features_free(f);
    return st == LS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    remove(leads_path);
    remove(events_path);
    remove(truth_path);
    remove(spec_path);
    remove(features_path);
    rmdir(dir);
    return 0;
}

/* Reads the truth file into parallel arrays; returns the count. */
static size_t read_truth(char names[][64], double *weights, size_t max)
{
    FILE *fp = fopen(truth_path, "r");
    assert_non_null(fp);
    char line[256];
    size_t n = 0;
    assert_non_null(fgets(line, sizeof line, fp));
    while (n < max && fgets(line, sizeof line, fp)) {
        char *comma = strrchr(line, ',');
        assert_non_null(comma);
        *comma = '\0';
        snprintf(names[n], 64, "%.63s", line);
        weights[n++] = atof(comma + 1);
    }
    fclose(fp);
    return n;
}

static void test_training_recovers_true_effects(void **state)
{
    (void)state;
    ls_error err;
    ls_error_clear(&err);
    ls_spec *spec = NULL;
    assert_int_equal(ls_spec_load(spec_path, &spec, &err), LS_OK);
    ls_table_options topts;
    ls_table_options_init(&topts);
    topts.n_types = ls_spec_type_overrides(spec, &topts.type_names, &topts.types);
    ls_table *table = NULL;
    assert_int_equal(ls_table_load(features_path, &topts, &table, &err), LS_OK);
    ls_train_options opts;
    ls_train_options_init(&opts);
    ls_model *model = NULL;
    ls_status st = ls_train(table, spec, &opts, NULL, &model, NULL, &err);
    if (st != LS_OK) {
        char buf[1024];
        print_error("ls_train: %s\n", ls_error_format(&err, buf, sizeof buf));
    }
    assert_int_equal(st, LS_OK);

    char names[32][64];
    double weights[32];
    size_t n = read_truth(names, weights, 32);
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        if (strchr(names[i], ':'))
            continue; /* the half-life, checked by the decay fit */
        int found = 0;
        for (size_t t = 0; t < ls_model_term_count(model); t++) {
            ls_term_info info;
            assert_int_equal(ls_model_term(model, t, &info), LS_OK);
            if (strcmp(info.name, names[i]) != 0)
                continue;
            found = 1;
            print_message("%-16s true %6.3f  estimate %8.4f  95%% CI [%8.4f, %8.4f]\n", names[i],
                          weights[i], info.estimate, info.ci_low, info.ci_high);
            if (!(info.ci_low <= weights[i] && weights[i] <= info.ci_high)) {
                print_error("%s: true weight %g outside [%g, %g]\n", names[i], weights[i],
                            info.ci_low, info.ci_high);
                fail();
            }
            checked++;
        }
        if (!found) {
            print_error("term '%s' of the truth is not in the model\n", names[i]);
            fail();
        }
    }
    assert_int_equal(checked, 9);
    /* Nothing from after the label dates leaked: a purchase feature would
     * separate; the fit converged with a moderate AUC instead. */
    ls_model_free(model);
    ls_table_free(table);
    ls_spec_free(spec);
}

static void test_decay_finds_true_half_life(void **state)
{
    (void)state;
    ls_features *f = NULL;
    ls_error err;
    ls_error_clear(&err);
    assert_int_equal(ls_features_load(spec_path, &f, &err), LS_OK);
    ls_decay_options o;
    ls_decay_options_init(&o);
    o.target = "converted";
    ls_decay_profile p;
    ls_status st = ls_decay_fit(f, leads_path, events_path, &o, &p, &err);
    if (st != LS_OK) {
        char buf[1024];
        print_error("ls_decay_fit: %s\n", ls_error_format(&err, buf, sizeof buf));
    }
    assert_int_equal(st, LS_OK);
    assert_string_equal(p.feature, "pricing_decay");
    assert_int_equal(p.rows, LEADS);
    assert_int_equal(p.n_covariates, 5);
    double best = p.points[p.best].days;
    print_message("half-life: best %g days, LR interval [%g, %g]; loglik %.3f, undecayed %.3f, "
                  "without %.3f\n",
                  best, p.ci_low, p.ci_high, p.points[p.best].loglik, p.loglik_none,
                  p.loglik_without);
    /* The grid around 7 is 5, 6, 7, 8, 10: the best is a neighbour of the truth
     * at most, and the interval covers the truth and is finite. */
    assert_true(best >= 5 && best <= 10);
    assert_true(p.ci_low <= 7 && 7 <= p.ci_high);
    assert_true(isfinite(p.ci_low) && isfinite(p.ci_high));
    assert_true(p.ci_high / p.ci_low < 3);
    /* Decay matters (undecayed is clearly worse) and so does the feature. */
    assert_true(2 * (p.points[p.best].loglik - p.loglik_none) > 10);
    assert_true(2 * (p.points[p.best].loglik - p.loglik_without) > 100);
    /* The profile is unimodal around the truth on this grid. */
    for (size_t j = 1; j <= p.best; j++)
        assert_true(p.points[j].loglik >= p.points[j - 1].loglik);
    for (size_t j = p.best + 1; j < p.n_points; j++)
        assert_true(p.points[j].loglik <= p.points[j - 1].loglik);
    assert_close(p.points[p.best].estimate, 1.0, 0.25, 0);
    ls_decay_profile_release(&p);

    /* A grid of the caller's, unsorted; the best point is the one nearest the truth. */
    const double grid[] = {28, 7, 1.75, 3.5, 14};
    o.grid = grid;
    o.n_grid = 5;
    assert_int_equal(ls_decay_fit(f, leads_path, events_path, &o, &p, &err), LS_OK);
    assert_int_equal(p.n_points, 5);
    assert_close(p.points[0].days, 1.75, 0, 0);
    assert_close(p.points[p.best].days, 7, 0, 0);
    ls_decay_profile_release(&p);
    ls_features_free(f);
}

static void test_decay_linear_lifespan(void **state)
{
    (void)state;
    /* The same data seen through a linear lifespan: the fit runs on whole
     * days and prefers a finite lifespan over no decay. */
    const char spec[] = "[events]\nlabel_date = label_date\n"
                        "[feature]\nname = pricing_linear\nkind = decayed_count\n"
                        "events = pricing_view\nlifespan = 30d\n"
                        "[feature]\nname = sessions_30d\nkind = count\nevents = session\n"
                        "window = 30d\n";
    ls_features *f = NULL;
    ls_error err;
    assert_int_equal(ls_features_parse(spec, "linear.ini", &f, &err), LS_OK);
    ls_decay_options o;
    ls_decay_options_init(&o);
    o.target = "converted";
    ls_decay_profile p;
    assert_int_equal(ls_decay_fit(f, leads_path, events_path, &o, &p, &err), LS_OK);
    assert_true(p.linear);
    double best = p.points[p.best].days;
    print_message("lifespan: best %g days, LR interval [%g, %g]\n", best, p.ci_low, p.ci_high);
    /* A 7-day half-life is best matched by a lifespan of two to four weeks. */
    assert_true(best >= 10 && best <= 30);
    assert_true(p.points[p.best].loglik > p.loglik_none);
    ls_decay_profile_release(&p);
    ls_features_free(f);
}

static void test_decay_errors(void **state)
{
    (void)state;
    ls_features *f = NULL;
    ls_error err;
    assert_int_equal(ls_features_load(spec_path, &f, &err), LS_OK);
    ls_decay_options o;
    ls_decay_options_init(&o);
    ls_decay_profile p;
    assert_int_equal(ls_decay_fit(f, leads_path, events_path, &o, &p, &err), LS_ERR_USAGE);
    o.target = "converted";
    o.feature = "sessions_30d";
    assert_int_equal(ls_decay_fit(f, leads_path, events_path, &o, &p, &err), LS_ERR_USAGE);
    assert_non_null(strstr(err.message, "does not decay"));
    o.feature = "nope";
    assert_int_equal(ls_decay_fit(f, leads_path, events_path, &o, &p, &err), LS_ERR_NOTFOUND);
    o.feature = NULL;
    o.target = "segment";
    assert_int_equal(ls_decay_fit(f, leads_path, events_path, &o, &p, &err), LS_ERR_DATA);
    assert_non_null(strstr(err.message, "not a yes/no outcome"));
    o.target = "converted";
    const double bad[] = {7, -1};
    o.grid = bad;
    o.n_grid = 2;
    assert_int_equal(ls_decay_fit(f, leads_path, events_path, &o, &p, &err), LS_ERR_USAGE);
    assert_non_null(strstr(err.message, "grid value -1 must be in (0,"));
    /* a repeated value is caught after the spec is copied: the message must be
     * written before the copy is freed (an AddressSanitizer build checks) */
    const double twice[] = {7, 3, 7};
    o.grid = twice;
    o.n_grid = 3;
    assert_int_equal(ls_decay_fit(f, leads_path, events_path, &o, &p, &err), LS_ERR_USAGE);
    assert_string_equal(err.message, "grid value 7 is listed twice");
    ls_features_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_training_recovers_true_effects),
        cmocka_unit_test(test_decay_finds_true_half_life),
        cmocka_unit_test(test_decay_linear_lifespan),
        cmocka_unit_test(test_decay_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
