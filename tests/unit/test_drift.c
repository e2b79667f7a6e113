/* Drift: PSI and CSI against hand-computed examples, the bins of every
 * criterion kind, and on synthetic quarters: a shifted criterion is flagged
 * alone, and two samples of one process flag nothing in >= 95% of seeds.
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

#define EPS LS_PSI_EPSILON

/* ---- hand-made models and tables ----------------------------------------- */

static ls_model *categorical_model(const char *column, const char *const *levels,
                                   const double *points, size_t n, const char *reference)
{
    ls_model *m = ls_model_alloc();
    assert_non_null(m);
    ls_criterion *c = ls_model_add_criterion(m, column, LS_CRIT_CATEGORICAL);
    assert_non_null(c);
    c->reference = strdup(reference);
    for (size_t k = 0; k < n; k++) {
        ls_rule *r = ls_criterion_add_rule(c, LS_COND_EQUALS, levels[k]);
        assert_non_null(r);
        assert_true(ls_rule_add_value(r, levels[k]));
        r->points = points[k];
    }
    return m;
}

/* A CSV with an id column and one more: count[i] rows of values[i] ("" =
 * missing; the id keeps such a line from being blank). */
static const char *column_csv(const char *header, const char *const *values, const size_t *count,
                              size_t n)
{
    size_t cap = 64, len = 0, rows = 0;
    for (size_t i = 0; i < n; i++)
        rows += count[i], cap += count[i] * (strlen(values[i]) + 2);
    cap += rows * 24;
    char *buf = malloc(cap);
    assert_non_null(buf);
    len += (size_t)sprintf(buf, "id,%s\n", header);
    for (size_t i = 0, id = 1; i < n; i++)
        for (size_t k = 0; k < count[i]; k++)
            len += (size_t)sprintf(buf + len, "%zu,%s\n", id++, values[i]);
    const char *path = ls_test_write_temp(buf, len);
    free(buf);
    return path;
}

static ls_table *load(const char *path, const ls_model *m)
{
    ls_table *t = NULL;
    ls_error err;
    ls_status st = ls_monitor_load_table(path, &m, 1, &t, &err);
    if (st != LS_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, LS_OK);
    return t;
}

static const ls_drift_bin *find_bin(const ls_drift_characteristic *ch, const char *label)
{
    for (size_t i = 0; i < ch->n_bins; i++)
        if (strcmp(ch->bins[i].label, label) == 0)
            return &ch->bins[i];
    fail_msg("no bin '%s' in %s", label, ch->name);
    abort(); /* not reached: fail_msg jumps back to cmocka */
}

/* ---- the index itself ---------------------------------------------------- */

static void test_psi_hand_computed(void **state)
{
    (void)state;
    /* 50/30/20 -> 30/30/40: (0.3-0.5) ln(0.3/0.5) + 0 + (0.4-0.2) ln(0.4/0.2) */
    const double e[] = {50, 30, 20}, a[] = {30, 30, 40};
    double contrib[3];
    double want = -0.2 * log(0.6) + 0.2 * log(2);
    assert_close(ls_psi(e, a, 3, contrib), want, 1e-14, 0);
    assert_close(want, 0.24079456086518719, 1e-15, 0);
    assert_close(contrib[0], 0.2 * -log(0.6), 1e-14, 0);
    assert_close(contrib[1], 0, 0, 0);
    /* shares, not counts: scaling one side changes nothing */
    const double a10[] = {300, 300, 400};
    assert_close(ls_psi(e, a10, 3, NULL), want, 1e-14, 0);
    /* an empty bin takes the share EPS; empty on both sides counts 0 */
    const double e2[] = {90, 10, 0}, a2[] = {100, 0, 0};
    double want2 = (1.0 - 0.9) * log(1.0 / 0.9) + (EPS - 0.1) * log(EPS / 0.1);
    assert_close(ls_psi(e2, a2, 3, contrib), want2, 1e-14, 0);
    assert_close(want2, 0.70062080393609816, 1e-12, 0);
    assert_close(contrib[2], 0, 0, 0);
    /* identical distributions: 0; no rows: NAN */
    assert_close(ls_psi(e, e, 3, NULL), 0, 0, 0);
    const double zero[] = {0, 0, 0};
    assert_true(isnan(ls_psi(zero, a, 3, NULL)));
}

static void test_stability_reading(void **state)
{
    (void)state;
    assert_int_equal(ls_stability_of(0), LS_STABLE);
    assert_int_equal(ls_stability_of(0.0999), LS_STABLE);
    assert_int_equal(ls_stability_of(0.1), LS_WATCH);
    assert_int_equal(ls_stability_of(0.25), LS_WATCH);
    assert_int_equal(ls_stability_of(0.2501), LS_SHIFTED);
    assert_string_equal(ls_stability_name(LS_WATCH), "watch");
    assert_string_equal(ls_stability_name(LS_SHIFTED), "shifted");
    assert_string_equal(ls_stability_name(LS_STABLE), "stable");
}

/* ---- hand-computed drift reports ----------------------------------------- */

/* Baseline a 50, b 30, c 20; current a 30, b 30, c 20, d (unseen) 10,
 * missing 10. Points a 10, b 20, c 0 (reference). */
static void test_categorical_csi_and_score_psi(void **state)
{
    (void)state;
    const char *levels[] = {"a", "b"};
    const double points[] = {10, 20};
    ls_model *m = categorical_model("channel", levels, points, 2, "c");
    const char *bv[] = {"a", "b", "c"}, *cv[] = {"a", "b", "c", "d", ""};
    const size_t bn[] = {50, 30, 20}, cn[] = {30, 30, 20, 10, 10};
    ls_table *base = load(column_csv("channel", bv, bn, 3), m);
    ls_table *cur = load(column_csv("channel", cv, cn, 5), m);
    ls_drift_report r;
    ls_error err;
    assert_int_equal(ls_drift_compute(m, base, cur, NULL, &r, &err), LS_OK);
    assert_int_equal(r.n_criteria, 1);
    const ls_drift_characteristic *ch = &r.criteria[0];
    assert_string_equal(ch->kind, "categorical");
    /* bins: a, b, c (baseline rows, descending), (unseen), (missing) */
    assert_int_equal(ch->n_bins, 5);
    assert_string_equal(ch->bins[0].label, "a");
    assert_string_equal(ch->bins[3].label, "(unseen)");
    assert_string_equal(ch->bins[4].label, "(missing)");
    double want = (0.3 - 0.5) * log(0.3 / 0.5) + 2 * (0.1 - EPS) * log(0.1 / EPS);
    assert_close(ch->index, want, 1e-12, 0);
    assert_close(ch->index, 1.482334629493829, 1e-12, 0);
    assert_int_equal(ch->reading, LS_SHIFTED);
    assert_true(ch->flagged);
    assert_int_equal(r.n_flagged, 1);
    assert_close(ch->baseline_missing_rate, 0, 0, 0);
    assert_close(ch->current_missing_rate, 0.1, 1e-15, 0);
    assert_int_equal(ch->n_unseen, 1);
    assert_string_equal(ch->unseen[0].level, "d");
    assert_int_equal(ch->unseen[0].rows, 10);
    assert_int_equal(find_bin(ch, "(unseen)")->current_rows, 10);

    /* The score: baseline 0 x20, 10 x50, 20 x30; deciles v[10k] give cut
     * points 0, 10, 20 and bins (-inf,0] (0,10] (10,20] (20,inf). Current:
     * c, d and missing score 0 (40), a 10 (30), b 20 (30). */
    const ls_drift_characteristic *sc = &r.score;
    assert_int_equal(sc->n_bins, 4);
    assert_string_equal(sc->bins[0].label, "(-inf, 0]");
    assert_string_equal(sc->bins[1].label, "(0, 10]");
    assert_string_equal(sc->bins[3].label, "(20, inf)");
    assert_int_equal(sc->bins[0].baseline_rows, 20);
    assert_int_equal(sc->bins[0].current_rows, 40);
    double psi = (0.4 - 0.2) * log(2) + (0.3 - 0.5) * log(0.6);
    assert_close(sc->index, psi, 1e-12, 0);
    assert_int_equal(sc->reading, LS_WATCH);
    ls_drift_report_release(&r);
    ls_table_free(base);
    ls_table_free(cur);
    ls_model_free(m);
}

/* A hand-written numeric criterion: baseline 1..100 gives cut points
 * 10, 20, ..., 90; current 1..50 twice fills the first five deciles. */
static void test_numeric_deciles_with_empty_bins(void **state)
{
    (void)state;
    ls_model *m = ls_model_alloc();
    ls_criterion *c = ls_model_add_criterion(m, "x", LS_CRIT_RULES);
    ls_rule *r = ls_criterion_add_rule(c, LS_COND_RANGE, "high x");
    r->lo = 50;
    r->points = 5;
    char *b = malloc(1000), *cu = malloc(1000);
    size_t bl = (size_t)sprintf(b, "x\n"), cl = (size_t)sprintf(cu, "x\n");
    for (int i = 1; i <= 100; i++) {
        bl += (size_t)sprintf(b + bl, "%d\n", i);
        cl += (size_t)sprintf(cu + cl, "%d\n", (i - 1) % 50 + 1);
    }
    ls_table *base = load(ls_test_write_temp(b, bl), m), *cur = load(ls_test_write_temp(cu, cl), m);
    free(b);
    free(cu);
    ls_drift_report rep;
    ls_error err;
    assert_int_equal(ls_drift_compute(m, base, cur, NULL, &rep, &err), LS_OK);
    const ls_drift_characteristic *ch = &rep.criteria[0];
    assert_string_equal(ch->kind, "numeric");
    assert_int_equal(ch->n_bins, 11); /* ten deciles and missing */
    assert_string_equal(ch->bins[0].label, "(-inf, 10]");
    assert_string_equal(ch->bins[4].label, "(40, 50]");
    assert_string_equal(ch->bins[9].label, "(90, inf)");
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(ch->bins[i].baseline_rows, 10);
        assert_int_equal(ch->bins[i].current_rows, i < 5 ? 20 : 0);
    }
    double want = 5 * 0.1 * log(2) + 5 * (EPS - 0.1) * log(EPS / 0.1);
    assert_close(ch->index, want, 1e-12, 0);
    assert_close(ch->index, 3.79699735213155, 1e-12, 0);
    /* the score: 0 below 50, 5 from 50: baseline 49% / 51%, current 98 / 2;
     * cut points 0 and 5, so the bin (5, inf) is empty on both sides */
    assert_int_equal(rep.score.n_bins, 3);
    double psi = (0.98 - 0.49) * log(0.98 / 0.49) + (0.02 - 0.51) * log(0.02 / 0.51);
    assert_close(rep.score.index, psi, 1e-12, 0);
    ls_drift_report_release(&rep);
    ls_table_free(base);
    ls_table_free(cur);
    ls_model_free(m);
}

/* Bands from the model's rules, the reference band, yes/no and missing. */
static void test_banded_and_boolean_bins(void **state)
{
    (void)state;
    ls_model *m = ls_model_alloc();
    ls_criterion *c = ls_model_add_criterion(m, "size", LS_CRIT_BANDED);
    c->reference = strdup("11-100");
    ls_rule *r = ls_criterion_add_rule(c, LS_COND_RANGE, "1-10");
    r->lo = 1;
    r->hi = 10;
    r->points = -3;
    r = ls_criterion_add_rule(c, LS_COND_RANGE, "101+");
    r->lo = 101;
    r->points = 4;
    c = ls_model_add_criterion(m, "trial", LS_CRIT_BOOLEAN);
    r = ls_criterion_add_rule(c, LS_COND_TRUE, "free trial");
    r->points = 10;
    /* baseline: 1-10 x40, 11-100 x40, 101+ x20 with trial yes/no/missing 50/40/10;
     * current: 1-10 x20, 11-100 x40, 101+ x40; trial 50/50/0 */
    const char *base_csv = "size,trial\n", *cur_csv = "size,trial\n";
    char bb[4096], cb[4096];
    size_t bl = (size_t)sprintf(bb, "%s", base_csv), cl = (size_t)sprintf(cb, "%s", cur_csv);
    for (int i = 0; i < 100; i++) {
        int size = i < 40 ? 5 : i < 80 ? 50 : 500;
        const char *trial = i % 10 < 5 ? "yes" : i % 10 < 9 ? "no" : "";
        bl += (size_t)sprintf(bb + bl, "%d,%s\n", size, trial);
        size = i < 20 ? 10 : i < 60 ? 11 : 101;
        cl += (size_t)sprintf(cb + cl, "%d,%s\n", size, i % 2 ? "Yes" : "No");
    }
    ls_table *base = load(ls_test_write_temp(bb, bl), m),
             *cur = load(ls_test_write_temp(cb, cl), m);
    ls_drift_report rep;
    ls_error err;
    assert_int_equal(ls_drift_compute(m, base, cur, NULL, &rep, &err), LS_OK);
    const ls_drift_characteristic *size = &rep.criteria[0], *trial = &rep.criteria[1];
    assert_string_equal(size->kind, "banded");
    assert_int_equal(size->n_bins, 4);
    assert_string_equal(size->bins[2].label, "11-100");
    assert_int_equal(find_bin(size, "1-10")->current_rows, 20);
    assert_int_equal(find_bin(size, "101+")->current_rows, 40);
    assert_close(size->index, (0.2 - 0.4) * log(0.5) + (0.4 - 0.2) * log(2), 1e-12, 0);
    assert_string_equal(trial->kind, "yes/no");
    assert_int_equal(trial->n_bins, 3);
    assert_int_equal(find_bin(trial, "yes")->current_rows, 50);
    assert_close(trial->baseline_missing_rate, 0.1, 1e-15, 0);
    assert_close(trial->current_missing_rate, 0, 0, 0);
    double want = 0 + (0.5 - 0.4) * log(0.5 / 0.4) + (EPS - 0.1) * log(EPS / 0.1);
    assert_close(trial->index, want, 1e-12, 0);
    ls_drift_report_release(&rep);
    ls_table_free(base);
    ls_table_free(cur);
    ls_model_free(m);
}

/* Levels under 0.5% of the baseline share one bin, when there are two. */
static void test_rare_levels_pooled(void **state)
{
    (void)state;
    const char *levels[] = {"b", "r1", "r2"};
    const double points[] = {1, 2, 3};
    ls_model *m = categorical_model("source", levels, points, 3, "a");
    const char *v[] = {"a", "b", "r1", "r2"};
    const size_t bn[] = {600, 393, 4, 3}, cn[] = {600, 380, 10, 10};
    ls_table *base = load(column_csv("source", v, bn, 4), m);
    ls_table *cur = load(column_csv("source", v, cn, 4), m);
    ls_drift_report r;
    ls_error err;
    assert_int_equal(ls_drift_compute(m, base, cur, NULL, &r, &err), LS_OK);
    const ls_drift_characteristic *ch = &r.criteria[0];
    assert_int_equal(ch->n_bins, 5); /* a, b, (rare levels), (unseen), (missing) */
    const ls_drift_bin *rare = find_bin(ch, "(rare levels)");
    assert_int_equal(rare->baseline_rows, 7);
    assert_int_equal(rare->current_rows, 20);
    double want = (0.38 - 0.393) * log(0.38 / 0.393) + (0.02 - 0.007) * log(0.02 / 0.007);
    assert_close(ch->index, want, 1e-12, 0);
    ls_drift_report_release(&r);
    ls_table_free(base);
    ls_table_free(cur);

    /* one rare level keeps its own bin */
    const size_t bn1[] = {600, 396, 4, 0};
    base = load(column_csv("source", v, bn1, 4), m);
    assert_int_equal(ls_drift_compute(m, base, base, NULL, &r, &err), LS_OK);
    assert_int_equal(r.criteria[0].n_bins, 5); /* a, b, r1, (unseen), (missing) */
    assert_non_null(find_bin(&r.criteria[0], "r1"));
    assert_close(r.criteria[0].index, 0, 0, 0);
    ls_drift_report_release(&r);
    ls_table_free(base);
    ls_model_free(m);
}

static void test_drift_errors(void **state)
{
    (void)state;
    const char *levels[] = {"a"};
    const double points[] = {1};
    ls_model *m = categorical_model("channel", levels, points, 1, "b");
    const char *v[] = {"a", "b"};
    const size_t n[] = {3, 3};
    ls_table *base = load(column_csv("channel", v, n, 2), m);
    ls_table *other = load(column_csv("source", v, n, 2), m);
    ls_drift_report rep;
    ls_error err;
    assert_int_equal(ls_drift_compute(m, base, other, NULL, &rep, &err), LS_ERR_NOTFOUND);
    assert_non_null(strstr(err.message, "channel"));
    ls_drift_options o;
    ls_drift_options_init(&o);
    o.bins = 1;
    assert_int_equal(ls_drift_compute(m, base, base, &o, &rep, &err), LS_ERR_USAGE);
    ls_table_free(base);
    ls_table_free(other);
    ls_model_free(m);
}

static void test_drift_report_formats(void **state)
{
    (void)state;
    const char *levels[] = {"a", "b"};
    const double points[] = {10, 20};
    ls_model *m = categorical_model("channel", levels, points, 2, "c");
    const char *bv[] = {"a", "b", "c"};
    const size_t bn[] = {50, 30, 20};
    ls_table *base = load(column_csv("channel", bv, bn, 3), m);
    char curtext[2048]; /* "d, e" needs quotes in the CSV */
    size_t len = (size_t)sprintf(curtext, "channel\n");
    for (int i = 0; i < 100; i++)
        len += (size_t)sprintf(curtext + len, "%s\n",
                               i < 30   ? "a"
                               : i < 60 ? "b"
                               : i < 90 ? "c"
                                        : "\"d, e\"");
    ls_table *cur = load(ls_test_write_temp(curtext, len), m);
    ls_drift_report rep;
    ls_error err;
    assert_int_equal(ls_drift_compute(m, base, cur, NULL, &rep, &err), LS_OK);
    char *buf = NULL;
    size_t size = 0;
    for (int f = 0; f < 3; f++) {
        FILE *out = open_memstream(&buf, &size);
        assert_int_equal(ls_drift_write(&rep, (ls_monitor_format)f, out, &err), LS_OK);
        fclose(out);
        if (f == LS_MONITOR_TEXT) {
            assert_non_null(strstr(buf, "score PSI"));
            assert_non_null(strstr(buf, "flagged criteria: channel"));
            assert_non_null(strstr(buf, "'d, e' (10)"));
        } else if (f == LS_MONITOR_CSV) {
            assert_non_null(strstr(buf, "characteristic,kind,index,reading,flagged,"));
            assert_non_null(strstr(buf, "\n(score),score,"));
            assert_non_null(strstr(buf, "\nchannel,categorical,"));
            assert_non_null(strstr(buf, ",0,0,1,10\n")); /* one unseen level, 10 rows */
        } else {
            assert_non_null(strstr(buf, "\"unseen\":"));
            assert_non_null(strstr(buf, "\"level\":\t\"d, e\""));
        }
        free(buf);
        buf = NULL;
    }
    ls_drift_report_release(&rep);
    ls_table_free(base);
    ls_table_free(cur);
    ls_model_free(m);
}

/* ---- synthetic quarters -------------------------------------------------- */

/* Drift from a baseline quarter (seed) to a current one (seed + 1000, with
 * the changes in cur): bitmask of flagged criteria by LS_Q_* index; *score
 * gets the score's PSI. */
static unsigned drift_flags(const quarter_paths *p, uint64_t seed, ls_quarter_options cur,
                            double *score, double *csi)
{
    ls_quarter_options base;
    ls_quarter_options_init(&base);
    base.seed = seed;
    cur.seed = seed + 1000;
    ls_table *tb = quarter_table(&base, p->a), *tc = quarter_table(&cur, p->b);
    ls_model *m = quarter_train(tb);
    ls_drift_report r;
    ls_error err;
    assert_int_equal(ls_drift_compute(m, tb, tc, NULL, &r, &err), LS_OK);
    unsigned mask = 0;
    assert_int_equal(r.n_criteria, LS_Q_COLUMNS);
    for (size_t c = 0; c < r.n_criteria; c++) {
        size_t k = 0;
        while (k < LS_Q_COLUMNS && strcmp(ls_quarter_column(k), r.criteria[c].name) != 0)
            k++;
        assert_true(k < LS_Q_COLUMNS);
        if (r.criteria[c].flagged)
            mask |= 1u << k;
        if (csi)
            csi[k] = r.criteria[c].index;
    }
    if (score)
        *score = r.score.index;
    ls_drift_report_release(&r);
    ls_model_free(m);
    ls_table_free(tb);
    ls_table_free(tc);
    return mask;
}

#define NULL_SEEDS 100

/* Two samples of one process: count seeds where any criterion or the score
 * is flagged (PSI/CSI >= 0.1). Requirement: nothing flagged in >= 95%. */
static void test_same_process_false_alarms(void **state)
{
    quarter_paths *p = *state;
    ls_quarter_options same;
    ls_quarter_options_init(&same);
    size_t alarms = 0;
    double worst = 0;
    for (uint64_t seed = 1; seed <= NULL_SEEDS; seed++) {
        double score, csi[LS_Q_COLUMNS];
        unsigned mask = drift_flags(p, seed, same, &score, csi);
        alarms += mask != 0 || score >= LS_PSI_WATCH;
        worst = fmax(worst, score);
        for (size_t k = 0; k < LS_Q_COLUMNS; k++)
            worst = fmax(worst, csi[k]);
    }
    print_message("drift false alarms: %zu of %d seeds (largest index %.4f)\n", alarms, NULL_SEEDS,
                  worst);
    assert_true(alarms * 100 <= 5 * NULL_SEEDS);
}

#define SHIFT_SEEDS 10

static void expect_only(const quarter_paths *p, ls_quarter_options cur, size_t column,
                        const char *what)
{
    size_t exact = 0;
    for (uint64_t seed = 1; seed <= SHIFT_SEEDS; seed++) {
        unsigned mask = drift_flags(p, seed, cur, NULL, NULL);
        exact += mask == 1u << column;
    }
    print_message("drift, %s: %s alone flagged in %zu of %d seeds\n", what,
                  ls_quarter_column(column), exact, SHIFT_SEEDS);
    assert_int_equal(exact, SHIFT_SEEDS);
}

static void test_shifted_criterion_is_flagged_alone(void **state)
{
    quarter_paths *p = *state;
    ls_quarter_options o;

    ls_quarter_options_init(&o);
    o.shift[LS_Q_CHANNEL] = 0.5; /* half the mass moved to the minority channels */
    expect_only(p, o, LS_Q_CHANNEL, "channel mix shifted");

    ls_quarter_options_init(&o);
    o.shift[LS_Q_VISITS] = 0.5; /* mean visits 4 -> 6 */
    expect_only(p, o, LS_Q_VISITS, "visits +50%");

    ls_quarter_options_init(&o);
    o.shift[LS_Q_NEWSLETTER] = 0.25; /* a zero-weight criterion still drifts */
    expect_only(p, o, LS_Q_NEWSLETTER, "newsletter 50% -> 75% yes");

    ls_quarter_options_init(&o);
    o.missing[LS_Q_MINUTES] = 0.25; /* missing 6% -> 25% */
    expect_only(p, o, LS_Q_MINUTES, "minutes missing 6% -> 25%");

    ls_quarter_options_init(&o);
    o.unseen[LS_Q_REGION] = 0.05; /* 5% of leads from a region never seen */
    expect_only(p, o, LS_Q_REGION, "5% unseen regions");
}

/* A changed effect is no population shift: drift stays quiet. */
static void test_changed_effect_is_not_drift(void **state)
{
    quarter_paths *p = *state;
    ls_quarter_options o;
    ls_quarter_options_init(&o);
    o.effect[LS_Q_DEMO] = 0;
    double score;
    assert_int_equal(drift_flags(p, 7, o, &score, NULL), 0);
    assert_true(score < LS_PSI_WATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_psi_hand_computed),
        cmocka_unit_test(test_stability_reading),
        cmocka_unit_test(test_categorical_csi_and_score_psi),
        cmocka_unit_test(test_numeric_deciles_with_empty_bins),
        cmocka_unit_test(test_banded_and_boolean_bins),
        cmocka_unit_test(test_rare_levels_pooled),
        cmocka_unit_test(test_drift_errors),
        cmocka_unit_test(test_drift_report_formats),
        cmocka_unit_test_setup_teardown(test_same_process_false_alarms, quarter_paths_setup,
                                        quarter_paths_teardown),
        cmocka_unit_test_setup_teardown(test_shifted_criterion_is_flagged_alone,
                                        quarter_paths_setup, quarter_paths_teardown),
        cmocka_unit_test_setup_teardown(test_changed_effect_is_not_drift, quarter_paths_setup,
                                        quarter_paths_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
