/* Compare: the z-test of a coefficient change and Holm's adjustment against
 * hand-computed values, terms and criteria added and dropped, the paired
 * DeLong test against an independent computation, and on synthetic quarters:
 * a criterion whose effect changed is flagged alone, and two samples of one
 * process flag nothing in >= 95% of seeds.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leadscore/monitor.h"
#include "leadscore/train.h"
#include "model_internal.h"
#include "quarter_fixture.h"
#include "quarter_synth.h"

/* ---- hand-made learned models -------------------------------------------- */

static long criterion(ls_model *m, const char *column, ls_crit_kind kind, const char *reference)
{
    ls_criterion *c = ls_model_add_criterion(m, column, kind);
    assert_non_null(c);
    if (reference)
        c->reference = strdup(reference);
    return (long)m->n_criteria - 1;
}

static void term(ls_model *m, const char *name, long crit, double est, double se, double points)
{
    ls_term *t = ls_model_add_term(m, name, crit);
    assert_non_null(t);
    t->estimate = est;
    t->std_error = se;
    t->points = points;
    t->aliased = isnan(est);
}

static const ls_term_change *find_term(const ls_comparison *c, const char *name)
{
    for (size_t i = 0; i < c->n_terms; i++)
        if (strcmp(c->terms[i].name, name) == 0)
            return &c->terms[i];
    fail_msg("no term '%s' in the comparison", name);
    abort(); /* not reached: fail_msg jumps back to cmocka */
}

static const ls_criterion_change *find_criterion(const ls_comparison *c, const char *column)
{
    for (size_t i = 0; i < c->n_criteria; i++)
        if (strcmp(c->criteria[i].column, column) == 0)
            return &c->criteria[i];
    fail_msg("no criterion '%s' in the comparison", column);
    abort(); /* not reached: fail_msg jumps back to cmocka */
}

/* old: a (1.0 ± 0.1), b=x (0.5 ± 0.2), b=y (0.3 ± 0.1), b=w, c (dropped),
 *      e=r with reference p
 * new: a (1.5 ± 0.2), b=x (0.5 ± 0.2), b=y (0.0 ± 0.1), b=w aliased,
 *      d (added), e=r with reference q */
static void build_pair(ls_model **old_out, ls_model **new_out)
{
    ls_model *o = ls_model_alloc(), *n = ls_model_alloc();
    o->learned = n->learned = 1;
    term(o, "(intercept)", -1, -1.0, 0.1, 0);
    term(n, "(intercept)", -1, -0.8, 0.1, 0);
    long oa = criterion(o, "a", LS_CRIT_BOOLEAN, NULL),
         ob = criterion(o, "b", LS_CRIT_CATEGORICAL, "z"),
         oc = criterion(o, "c", LS_CRIT_NUMERIC, NULL),
         oe = criterion(o, "e", LS_CRIT_CATEGORICAL, "p");
    term(o, "a", oa, 1.0, 0.1, 10);
    term(o, "b=x", ob, 0.5, 0.2, 5);
    term(o, "b=y", ob, 0.3, 0.1, 3);
    term(o, "b=w", ob, 0.1, 0.1, 1);
    term(o, "c", oc, 0.2, 0.05, 2);
    term(o, "e=r", oe, 0.4, 0.1, 4);
    long na = criterion(n, "a", LS_CRIT_BOOLEAN, NULL),
         nb = criterion(n, "b", LS_CRIT_CATEGORICAL, "z"),
         nd = criterion(n, "d", LS_CRIT_BOOLEAN, NULL),
         ne = criterion(n, "e", LS_CRIT_CATEGORICAL, "q");
    term(n, "a", na, 1.5, 0.2, 15);
    term(n, "b=x", nb, 0.5, 0.2, 5);
    term(n, "b=y", nb, 0.0, 0.1, 0);
    term(n, "b=w", nb, NAN, NAN, 0);
    term(n, "d", nd, 0.7, 0.1, 7);
    term(n, "e=r", ne, 2.4, 0.1, 24);
    *old_out = o;
    *new_out = n;
}

static void test_z_and_holm_hand_computed(void **state)
{
    (void)state;
    ls_model *o, *n;
    build_pair(&o, &n);
    ls_compare_options opts;
    ls_compare_options_init(&opts);
    assert_close(opts.alpha, 0.01, 0, 0);
    opts.alpha = 0.1;
    ls_comparison c;
    ls_error err;
    assert_int_equal(ls_compare_models(o, n, NULL, &opts, &c, &err), LS_OK);
    /* z = (1.5 - 1.0) / sqrt(0.1² + 0.2²) = sqrt(5); p = erfc(z/√2) */
    const ls_term_change *a = find_term(&c, "a");
    assert_close(a->z, 2.23606797749979, 1e-14, 0);
    assert_close(a->p_value, 0.025347318677468273, 1e-10, 0);
    assert_close(a->old_points, 10, 0, 0);
    assert_close(a->new_points, 15, 0, 0);
    assert_close(a->change, 5, 0, 0);
    const ls_term_change *y = find_term(&c, "b=y");
    assert_close(y->z, -2.1213203435596424, 1e-14, 0);
    assert_close(y->p_value, 0.0338948535246893, 1e-10, 0);
    const ls_term_change *x = find_term(&c, "b=x");
    assert_close(x->z, 0, 0, 0);
    /* Holm over the 3 tested terms: 3·p_a = 0.07604, max(3·p_a, 2·p_y), 1 */
    assert_int_equal(c.n_tested, 3);
    assert_close(a->p_holm, 0.07604195603240482, 1e-10, 0);
    assert_close(y->p_holm, 0.07604195603240482, 1e-10, 0);
    assert_close(x->p_holm, 1, 0, 0);
    assert_true(a->significant && y->significant && !x->significant);
    /* not tested, with the reason */
    const ls_term_change *w = find_term(&c, "b=w"), *e = find_term(&c, "e=r"),
                         *i = find_term(&c, "(intercept)");
    assert_false(w->tested);
    assert_string_equal(w->note, "aliased");
    assert_false(e->tested);
    assert_string_equal(e->note, "reference changed");
    assert_false(i->tested);
    assert_string_equal(i->note, "intercept");
    assert_close(i->z, 0.2 / sqrt(0.02), 1e-12, 0); /* shown, never tested */
    /* added and dropped */
    assert_int_equal(find_term(&c, "c")->presence, LS_DROPPED);
    assert_int_equal(find_term(&c, "d")->presence, LS_ADDED);
    assert_true(isnan(find_term(&c, "d")->change));
    assert_int_equal(find_criterion(&c, "c")->presence, LS_DROPPED);
    assert_int_equal(find_criterion(&c, "d")->presence, LS_ADDED);
    assert_int_equal(c.n_added, 1);
    assert_int_equal(c.n_dropped, 1);
    /* changed criteria: a and b, not e (untested) */
    assert_true(find_criterion(&c, "a")->changed);
    assert_true(find_criterion(&c, "b")->changed);
    assert_false(find_criterion(&c, "e")->changed);
    assert_int_equal(c.n_changed, 2);
    /* terms grouped: intercept first, then the new model's criteria, dropped last */
    assert_string_equal(c.terms[0].name, "(intercept)");
    assert_string_equal(c.terms[c.n_terms - 1].name, "c");
    ls_comparison_release(&c);

    /* at the default 1% nothing is significant */
    assert_int_equal(ls_compare_models(o, n, NULL, NULL, &c, &err), LS_OK);
    assert_int_equal(c.n_changed, 0);
    ls_comparison_release(&c);
    opts.alpha = 0;
    assert_int_equal(ls_compare_models(o, n, NULL, &opts, &c, &err), LS_ERR_USAGE);
    ls_model_free(o);
    ls_model_free(n);
}

/* Hand-written models compare rule by rule, points only. */
static void test_hand_written_models(void **state)
{
    (void)state;
    ls_model *o = ls_model_alloc(), *n = ls_model_alloc();
    ls_criterion *c = ls_model_add_criterion(o, "source", LS_CRIT_RULES);
    ls_rule *r = ls_criterion_add_rule(c, LS_COND_EQUALS, "Referral");
    ls_rule_add_value(r, "referral");
    r->points = 10;
    c = ls_model_add_criterion(n, "source", LS_CRIT_RULES);
    r = ls_criterion_add_rule(c, LS_COND_EQUALS, "Referral");
    ls_rule_add_value(r, "referral");
    r->points = 15;
    r = ls_criterion_add_rule(c, LS_COND_EQUALS, "");
    ls_rule_add_value(r, "event");
    r->points = 5;
    ls_comparison cmp;
    ls_error err;
    assert_int_equal(ls_compare_models(o, n, NULL, NULL, &cmp, &err), LS_OK);
    assert_int_equal(cmp.n_terms, 2);
    const ls_term_change *t = find_term(&cmp, "source: Referral");
    assert_close(t->change, 5, 0, 0);
    assert_false(t->tested);
    assert_string_equal(t->note, "no standard errors");
    assert_int_equal(find_term(&cmp, "source: rule 2")->presence, LS_ADDED);
    assert_int_equal(cmp.n_tested, 0);
    assert_int_equal(cmp.n_changed, 0);
    ls_comparison_release(&cmp);
    ls_model_free(o);
    ls_model_free(n);
}

/* Scores 1..5 through a categorical criterion on column, levels "1".."5". */
static ls_model *level_points_model(const char *column)
{
    ls_model *m = ls_model_alloc();
    m->target = strdup("converted");
    ls_criterion *c = ls_model_add_criterion(m, column, LS_CRIT_CATEGORICAL);
    c->reference = strdup("0");
    for (int k = 1; k <= 5; k++) {
        char level[8];
        snprintf(level, sizeof level, "%d", k);
        ls_rule *r = ls_criterion_add_rule(c, LS_COND_EQUALS, level);
        ls_rule_add_value(r, level);
        r->points = k;
    }
    return m;
}

/* Expected values from an independent O(n²) DeLong in numpy:
 * structural components, covariance of (V_A, V_B) per class, var(B − A). */
static void test_auc_on_same_data_paired_delong(void **state)
{
    (void)state;
    const int a[] = {1, 2, 3, 4, 5, 2, 3, 4, 1, 5, 3, 2},
              b[] = {2, 1, 3, 5, 4, 3, 3, 5, 1, 4, 2, 1},
              y[] = {0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1};
    char text[512];
    size_t len = (size_t)sprintf(text, "a,b,converted\n");
    for (int i = 0; i < 12; i++)
        len += (size_t)sprintf(text + len, "%d,%d,%d\n", a[i], b[i], y[i]);
    const char *path = ls_test_write_temp(text, len);
    ls_model *ma = level_points_model("a"), *mb = level_points_model("b");
    const ls_model *both[] = {ma, mb};
    ls_table *t = NULL;
    ls_error err;
    assert_int_equal(ls_monitor_load_table(path, both, 2, &t, &err), LS_OK);
    ls_comparison c;
    assert_int_equal(ls_compare_models(ma, mb, t, NULL, &c, &err), LS_OK);
    assert_true(c.has_data);
    assert_int_equal(c.rows, 12);
    assert_int_equal(c.positives, 6);
    assert_close(c.old_auc, 0.8194444444444443, 1e-14, 0);
    assert_close(c.new_auc, 0.7083333333333334, 1e-14, 0);
    assert_close(c.auc_difference, -0.11111111111111094, 1e-13, 0);
    assert_close(c.auc_difference_se, 0.09212846639876113, 1e-12, 0);
    assert_close(c.auc_difference_p, 0.22779999398822987, 1e-10, 0);
    ls_comparison_release(&c);
    /* a model against itself: no difference, and a p-value of 1 */
    assert_int_equal(ls_compare_models(ma, ma, t, NULL, &c, &err), LS_OK);
    assert_close(c.auc_difference, 0, 0, 0);
    assert_close(c.auc_difference_se, 0, 0, 0);
    assert_close(c.auc_difference_p, 1, 0, 0);
    ls_comparison_release(&c);
    ls_table_free(t);
    ls_model_free(ma);
    ls_model_free(mb);
}

static void test_comparison_formats(void **state)
{
    (void)state;
    ls_model *o, *n;
    build_pair(&o, &n);
    ls_compare_options opts;
    ls_compare_options_init(&opts);
    opts.alpha = 0.1;
    opts.old_name = "q1.json";
    opts.new_name = "q2.json";
    ls_comparison c;
    ls_error err;
    assert_int_equal(ls_compare_models(o, n, NULL, &opts, &c, &err), LS_OK);
    char *buf = NULL;
    size_t size = 0;
    for (int f = 0; f < 3; f++) {
        FILE *out = open_memstream(&buf, &size);
        assert_int_equal(ls_comparison_write(&c, (ls_monitor_format)f, out, &err), LS_OK);
        fclose(out);
        if (f == LS_MONITOR_TEXT) {
            assert_non_null(strstr(buf, "compare q1.json -> q2.json"));
            assert_non_null(strstr(buf, "changed criteria: a (1 term), b (1 term)"));
            assert_non_null(strstr(buf, "criteria added: d"));
            assert_non_null(strstr(buf, "criteria dropped: c"));
            assert_non_null(strstr(buf, "reference level of e changed: 'p' -> 'q'"));
        } else if (f == LS_MONITOR_CSV) {
            assert_non_null(strstr(buf, "term,criterion,presence,old_points,new_points,change,"));
            assert_non_null(strstr(buf, "\na,a,both,10,15,5,1,0.1,1.5,0.2,2.236"));
            assert_non_null(strstr(buf, "\nd,d,added,,7,,"));
        } else {
            assert_non_null(strstr(buf, "\"changed\":\t2"));
            assert_non_null(strstr(buf, "\"note\":\t\"reference changed\""));
        }
        free(buf);
        buf = NULL;
    }
    ls_comparison_release(&c);
    ls_model_free(o);
    ls_model_free(n);
}

/* ---- synthetic quarters -------------------------------------------------- */

static ls_model *train_quarter(const ls_quarter_options *o, const char *path)
{
    ls_table *t = quarter_table(o, path);
    ls_model *m = quarter_train(t);
    ls_table_free(t);
    return m;
}

/* Bitmask (by LS_Q_* index) of the criteria compare flags between a quarter
 * of the default process (seed) and one with the changes in next. */
static unsigned compare_flags(const quarter_paths *p, uint64_t seed, ls_quarter_options next)
{
    ls_quarter_options first;
    ls_quarter_options_init(&first);
    first.seed = seed;
    next.seed = seed + 5000;
    ls_model *mo = train_quarter(&first, p->a), *mn = train_quarter(&next, p->b);
    ls_comparison c;
    ls_error err;
    assert_int_equal(ls_compare_models(mo, mn, NULL, NULL, &c, &err), LS_OK);
    assert_int_equal(c.n_added + c.n_dropped, 0);
    unsigned mask = 0;
    for (size_t i = 0; i < c.n_criteria; i++) {
        size_t k = 0;
        while (k < LS_Q_COLUMNS && strcmp(ls_quarter_column(k), c.criteria[i].column) != 0)
            k++;
        assert_true(k < LS_Q_COLUMNS);
        if (c.criteria[i].changed)
            mask |= 1u << k;
    }
    ls_comparison_release(&c);
    ls_model_free(mo);
    ls_model_free(mn);
    return mask;
}

#define NULL_SEEDS 100

static void test_same_process_false_alarms(void **state)
{
    quarter_paths *p = *state;
    ls_quarter_options same;
    ls_quarter_options_init(&same);
    size_t alarms = 0;
    for (uint64_t seed = 1; seed <= NULL_SEEDS; seed++)
        alarms += compare_flags(p, seed, same) != 0;
    print_message("compare false alarms (Holm, alpha 0.01): %zu of %d seeds\n", alarms, NULL_SEEDS);
    assert_true(alarms * 100 <= 5 * NULL_SEEDS);
}

#define EFFECT_SEEDS 10

static void expect_only(const quarter_paths *p, ls_quarter_options next, size_t column,
                        const char *what)
{
    size_t exact = 0;
    for (uint64_t seed = 1; seed <= EFFECT_SEEDS; seed++)
        exact += compare_flags(p, seed, next) == 1u << column;
    print_message("compare, %s: %s alone flagged in %zu of %d seeds\n", what,
                  ls_quarter_column(column), exact, EFFECT_SEEDS);
    assert_int_equal(exact, EFFECT_SEEDS);
}

static void test_changed_effect_is_flagged_alone(void **state)
{
    quarter_paths *p = *state;
    ls_quarter_options o;

    ls_quarter_options_init(&o);
    o.effect[LS_Q_DEMO] = 0; /* a demo no longer helps: 1.0 -> 0 */
    expect_only(p, o, LS_Q_DEMO, "demo effect x0");

    ls_quarter_options_init(&o);
    o.effect[LS_Q_CHANNEL] = 2; /* every channel's effect doubled */
    expect_only(p, o, LS_Q_CHANNEL, "channel effects x2");

    ls_quarter_options_init(&o);
    o.effect[LS_Q_VISITS] = 0; /* 0.12 per visit -> 0 */
    expect_only(p, o, LS_Q_VISITS, "visits effect x0");

    ls_quarter_options_init(&o);
    o.effect[LS_Q_REGION] = -1; /* south and west swap signs */
    expect_only(p, o, LS_Q_REGION, "region effects x-1");
}

/* A shifted population with unchanged effects: compare stays quiet. */
static void test_shifted_population_is_not_a_change(void **state)
{
    quarter_paths *p = *state;
    ls_quarter_options o;
    ls_quarter_options_init(&o);
    o.shift[LS_Q_VISITS] = 0.5;
    o.shift[LS_Q_DEMO] = 0.2;
    assert_int_equal(compare_flags(p, 11, o), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_z_and_holm_hand_computed),
        cmocka_unit_test(test_hand_written_models),
        cmocka_unit_test(test_auc_on_same_data_paired_delong),
        cmocka_unit_test(test_comparison_formats),
        cmocka_unit_test_setup_teardown(test_same_process_false_alarms, quarter_paths_setup,
                                        quarter_paths_teardown),
        cmocka_unit_test_setup_teardown(test_changed_effect_is_flagged_alone, quarter_paths_setup,
                                        quarter_paths_teardown),
        cmocka_unit_test_setup_teardown(test_shifted_population_is_not_a_change,
                                        quarter_paths_setup, quarter_paths_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
