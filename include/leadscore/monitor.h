/* leadscore — quarterly retraining: what changed between two models, whether
 * the population moved, whether last quarter's points still rank and
 * calibrate the new quarter's leads, and where each model came from.
 *
 * compare   Per term, old points → new points and whether the coefficient
 *           changed beyond what sampling explains:
 *               z = (b_new − b_old) / sqrt(se_old² + se_new²)
 *           treating the two fits as independent samples (two quarters of
 *           different leads), two-sided normal p-value. The p-values of all
 *           tested terms (the intercept excluded: it moves with the base rate)
 *           are Holm-adjusted together, and a criterion is flagged as changed
 *           when any of its terms has a Holm-adjusted p below alpha
 *           (default 0.01: about a 1% chance that two fits of the same process
 *           flag anything; measured 1 in 100 pairs of synthetic quarters of
 *           5 000 leads, tests/unit/test_compare.c). Not tested: aliased terms, terms without
 * standard errors (hand-written or penalised by L1), and the terms of a categorical criterion whose
 * reference level differs between the models (their coefficients measure against different levels).
 *           Standard errors of ridge/lasso fits are those of the penalised
 *           Hessian: the test is then approximate. Points are compared but not
 *           tested: under budget scaling every point moves when one effect
 *           does. Criteria and terms present in one model only are listed as
 *           added or dropped. With data, both models score the same leads:
 *           AUC of the integer points with DeLong 95% intervals, and the
 *           paired DeLong test of the difference (leads a model was trained
 *           on favour it: use a holdout or the next quarter).
 *
 * drift     Stability index of the score and of every criterion:
 *               index = Σ_bins (a − e) · ln(a / e)
 *           with e, a the shares of baseline and current rows in a bin; a share
 *           of exactly 0 is replaced by LS_PSI_EPSILON (1e-4) so an empty bin
 *           counts as a large but finite shift (bins empty on both sides count
 *           0). Reading: < 0.1 stable, 0.1–0.25 watch, > 0.25 shifted. A
 *           criterion (or the score) is flagged when its index is at least
 *           flag_at (default 0.1, i.e. "watch" or worse; two samples of 5 000
 *           leads of one process never reached it in 100 synthetic pairs,
 *           largest index 0.011, tests/unit/test_drift.c). Bins:
 *             score         baseline score deciles (see below);
 *             numeric       deciles of the baseline's non-missing values;
 *             banded        the model's bands, the reference band, missing;
 *             yes/no        yes, no, missing;
 *             categorical   every baseline level holding at least 0.5% of
 *                           the baseline rows, "(rare levels)" pooling the
 *                           others (when there are two or more), "(unseen)"
 *                           for values the baseline never had, missing;
 *             hand-written  deciles when every baseline value is a number,
 *                           else as categorical.
 *           Deciles: with the baseline's n values sorted, the cut points are
 *           v[ceil(k·n/10)] (1-based) for k = 1..9, duplicates removed; the
 *           bins are (−inf, c1], (c1, c2], …, (c_last, +inf). Missing values
 *           have their own bin in every criterion, so a change in the missing
 *           rate moves the index; the rates are reported too. Unseen levels
 *           are listed with their counts.
 *
 * backtest  The old model scores the new quarter and meets its outcomes:
 *           AUC of the points with the DeLong 95% interval, calibration-in-
 *           the-large a (logit P(y) = a + logit p) and calibration slope b
 *           (logit P(y) = a + b·logit p), as ls_metrics_compute defines them.
 *           Retraining is recommended when any of (defaults):
 *             the AUC fell more than 0.03 below the model's training AUC of
 *             the points (a loss analysts notice in the top tiers) and the
 *             drop is significant: above 1.96·sqrt(se_train² + se²), with
 *             se_train the Hanley–McNeil standard error of the training AUC
 *             and se the DeLong one of the backtest's (so a small quarter's
 *             noise alone does not trigger it; with 5 000 leads a side the
 *             0.03 decides);
 *             the slope is outside [0.8, 1.2] (points over- or under-spread);
 *             |a| > 0.2 (average odds off by more than about 22%).
 *           On the same process (5 000 leads a quarter) this recommended
 *           retraining in 3 of 100 synthetic pairs, each time for the AUC:
 *           a training and a backtest AUC differ by about 0.012 (one sd).
 *
 * lineage   ls_model_set_parent records the model a new one was refit from
 *           (the SHA-256 of the parent model file), and the history lists
 *           models with their training window and data hash.
 *
 * Reports are written to a stream the caller owns; numbers use '.' whatever
 * the locale; CSV and JSON numbers round-trip.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_MONITOR_H
#define LEADSCORE_MONITOR_H

#include <stddef.h>
#include <stdio.h>

#include "leadscore/error.h"
#include "leadscore/model.h"
#include "leadscore/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- shared -------------------------------------------------------------- */

typedef enum {
    LS_MONITOR_TEXT = 0, /* tables for people (default) */
    LS_MONITOR_CSV,      /* one table: the rows described by each writer */
    LS_MONITOR_JSON      /* everything, one object */
} ls_monitor_format;

/* Parses "text", "csv" or "json". Returns 1 and sets *out, else 0. */
int ls_monitor_format_parse(const char *name, ls_monitor_format *out);

/* Loads a CSV the way the models read it: the models' missing-value tokens
 * (all of them, the empty value always) make a value missing. models may
 * hold NULLs. *out is owned by the caller: ls_table_free(). */
ls_status ls_monitor_load_table(const char *path, const ls_model *const *models, size_t n_models,
                                ls_table **out, ls_error *err);

/* Scores every row of table with model (the scorer's semantics): scores[i]
 * the integer score, probabilities[i] the probability (NAN for hand-written
 * models); either array may be NULL. *unseen (may be NULL) receives the number
 * of values the model had never seen. A value that cannot be scored is an
 * error placed at its file, line and column. */
ls_status ls_model_score_table(const ls_model *model, const ls_table *table, double *scores,
                               double *probabilities, size_t *unseen, ls_error *err);

/* Outcomes (1 converted, 0 not) of every row, read from the model's target
 * column with its positive value (a boolean target's true value when the
 * model names none). A missing target or a third value is LS_ERR_DATA at its
 * line; a table without the column is LS_ERR_NOTFOUND. */
ls_status ls_model_outcomes(const ls_model *model, const ls_table *table, double *y, ls_error *err);

/* ---- stability index ----------------------------------------------------- */

#define LS_PSI_EPSILON 1e-4 /* replaces a share of exactly 0 */
#define LS_PSI_WATCH 0.1    /* index >= this: watch */
#define LS_PSI_SHIFTED 0.25 /* index > this: shifted */

typedef enum { LS_STABLE = 0, LS_WATCH, LS_SHIFTED } ls_stability;

/* "stable", "watch", "shifted". */
const char *ls_stability_name(ls_stability s);

/* The reading of an index: < 0.1 stable, 0.1–0.25 watch, > 0.25 shifted. */
ls_stability ls_stability_of(double index);

/* Stability index of two count vectors over the same k bins (shares are
 * taken over each vector's total). contributions (may be NULL) receives each
 * bin's term. Returns NAN when a total is 0. */
double ls_psi(const double *baseline, const double *current, size_t k, double *contributions);

/* ---- drift --------------------------------------------------------------- */

typedef struct {
    size_t bins;    /* quantile bins for the score and numeric criteria (10) */
    double flag_at; /* flag an index at or above this (LS_PSI_WATCH) */
} ls_drift_options;

void ls_drift_options_init(ls_drift_options *opts);

typedef struct {
    char *label; /* "(-inf, 3]", "email", "yes", "(unseen)", "(missing)" */
    size_t baseline_rows, current_rows;
    double baseline_share, current_share; /* of all rows, before the epsilon */
    double contribution;                  /* this bin's term of the index */
} ls_drift_bin;

typedef struct {
    char *level;
    size_t rows;
} ls_drift_level;

typedef struct {
    char *name;       /* criterion column, or "(score)" */
    const char *kind; /* binning: "score", "numeric", "banded", "yes/no", "categorical" */
    ls_drift_bin *bins;
    size_t n_bins;
    double index; /* PSI for the score, CSI for a criterion */
    ls_stability reading;
    int flagged; /* index >= flag_at */
    size_t baseline_missing, current_missing;
    double baseline_missing_rate, current_missing_rate;
    ls_drift_level *unseen; /* current levels the baseline never had, most rows first */
    size_t n_unseen;
    size_t unseen_rows;
} ls_drift_characteristic;

typedef struct {
    char *baseline_source, *current_source;
    size_t baseline_rows, current_rows;
    double flag_at;
    ls_drift_characteristic score;
    ls_drift_characteristic *criteria; /* in the model's order */
    size_t n_criteria;
    size_t n_flagged; /* criteria flagged (the score not counted) */
} ls_drift_report;

/* Measures drift from baseline to current for model's score and criteria.
 * opts may be NULL (defaults). On success out is filled and owned by the
 * caller: ls_drift_report_release(). Both tables must hold every criterion's
 * column (LS_ERR_NOTFOUND) and at least one row (LS_ERR_DATA). */
ls_status ls_drift_compute(const ls_model *model, const ls_table *baseline, const ls_table *current,
                           const ls_drift_options *opts, ls_drift_report *out, ls_error *err);

void ls_drift_report_release(ls_drift_report *report);

/* text: the score's PSI, one line per criterion, then the bins of flagged
 * characteristics; csv: one row per characteristic (the score first):
 * characteristic,kind,index,reading,flagged,baseline_missing_rate,
 * current_missing_rate,unseen_levels,unseen_rows; json: everything. */
ls_status ls_drift_write(const ls_drift_report *report, ls_monitor_format format, FILE *out,
                         ls_error *err);

/* ---- compare ------------------------------------------------------------- */

typedef struct {
    double alpha;         /* family-wise level of the Holm-adjusted tests (0.01) */
    const char *old_name; /* shown in reports (NULL: "old") */
    const char *new_name; /* (NULL: "new") */
} ls_compare_options;

void ls_compare_options_init(ls_compare_options *opts);

typedef enum { LS_IN_BOTH = 0, LS_ADDED, LS_DROPPED } ls_presence;

/* "both", "added", "dropped". */
const char *ls_presence_name(ls_presence p);

typedef struct {
    char *name;      /* term name; "COLUMN: LABEL" for a hand-written rule */
    char *criterion; /* column, NULL for the intercept */
    ls_presence presence;
    double old_points, new_points, change; /* NAN where absent */
    double old_estimate, old_se, new_estimate, new_se;
    double z, p_value, p_holm; /* NAN when not tested */
    int tested;
    int significant;  /* p_holm < alpha */
    const char *note; /* why not tested ("intercept", "aliased", ...), or NULL */
} ls_term_change;

typedef struct {
    char *column;
    ls_presence presence;
    char *old_reference, *new_reference; /* categorical reference levels, or NULL */
    size_t significant_terms;
    int changed; /* any significant term: flagged */
} ls_criterion_change;

typedef struct {
    char *old_name, *new_name;
    double alpha;
    ls_term_change *terms; /* grouped by criterion: the new model's order, dropped last */
    size_t n_terms;
    ls_criterion_change *criteria;
    size_t n_criteria;
    size_t n_tested;           /* terms in the Holm family */
    size_t n_changed;          /* criteria flagged as changed */
    size_t n_added, n_dropped; /* criteria */
    /* with data (has_data = 1) */
    int has_data;
    char *data_source;
    size_t rows, positives;
    double old_auc, old_auc_low, old_auc_high;
    double new_auc, new_auc_low, new_auc_high;
    double auc_difference, auc_difference_se, auc_difference_p; /* new − old, paired DeLong */
} ls_comparison;

/* Compares old_model with new_model; data (may be NULL) is scored by both.
 * opts may be NULL (defaults). On success out is owned by the caller:
 * ls_comparison_release(). */
ls_status ls_compare_models(const ls_model *old_model, const ls_model *new_model,
                            const ls_table *data, const ls_compare_options *opts,
                            ls_comparison *out, ls_error *err);

void ls_comparison_release(ls_comparison *c);

/* text: one line per term, then criteria changed, added and dropped, and
 * the AUCs; csv: one row per term: term,criterion,presence,old_points,
 * new_points,change,old_estimate,old_se,new_estimate,new_se,z,p_value,p_holm,
 * significant,note; json: everything. */
ls_status ls_comparison_write(const ls_comparison *c, ls_monitor_format format, FILE *out,
                              ls_error *err);

/* ---- backtest ------------------------------------------------------------ */

typedef struct {
    double max_auc_drop;          /* retrain when training AUC − AUC exceeds this (0.03)
                                     and the drop is significant */
    double slope_low, slope_high; /* retrain when the calibration slope is outside (0.8, 1.2) */
    double max_intercept;         /* retrain when |calibration-in-the-large| exceeds this (0.2) */
} ls_backtest_options;

void ls_backtest_options_init(ls_backtest_options *opts);

typedef struct {
    char *data_source;
    ls_backtest_options thresholds;
    size_t rows, positives, unseen;
    double observed_rate, mean_predicted; /* mean_predicted NAN without probabilities */
    double auc, auc_se, auc_low, auc_high;
    double train_auc;    /* the model's in-sample AUC of the points (NAN if unknown) */
    double train_auc_se; /* its Hanley–McNeil standard error (NAN if the sizes are unknown) */
    double auc_drop;     /* train_auc − auc */
    double auc_drop_se;  /* sqrt(train_auc_se² + auc_se²) */
    double calibration_intercept, calibration_slope; /* NAN without probabilities */
    double brier, log_loss;
    int auc_failed, slope_failed, intercept_failed;
    int retrain; /* any of the three */
} ls_backtest_report;

/* Scores data with model and measures it against the outcomes in the model's
 * target column. opts may be NULL (defaults). */
ls_status ls_backtest(const ls_model *model, const ls_table *data, const ls_backtest_options *opts,
                      ls_backtest_report *out, ls_error *err);

void ls_backtest_report_release(ls_backtest_report *report);

/* text: the measures against their thresholds and a one-line recommendation;
 * csv: metric,value,threshold,status rows; json: everything. */
ls_status ls_backtest_write(const ls_backtest_report *report, ls_monitor_format format, FILE *out,
                            ls_error *err);

/* ---- lineage ------------------------------------------------------------- */

/* Records the model this one was refit from: parent is the path of the parent
 * model file (it must load as a model; its SHA-256 is recorded) or 64
 * hexadecimal digits (recorded as given, in lower case). */
ls_status ls_model_set_parent(ls_model *model, const char *parent, ls_error *err);

typedef struct {
    char *file;
    char sha256[65];                                            /* of the model file */
    char *created, *data_file, *data_sha256, *version, *parent; /* NULL when not recorded */
    double rows, auc;                                           /* NAN when not recorded */
    long parent_index; /* entry whose file is the parent, -1 when not among them */
} ls_history_entry;

typedef struct {
    ls_history_entry *entries; /* oldest first: by creation time, then as given */
    size_t n;
} ls_history;

/* Loads the model files and orders them by creation time. On success out is
 * owned by the caller: ls_history_release(). */
ls_status ls_history_load(const char *const *paths, size_t n, ls_history *out, ls_error *err);

void ls_history_release(ls_history *history);

/* text: file, sha256, created, data file, data sha256, rows, AUC, parent
 * (hashes shortened to 12 digits; a parent named by its file when listed);
 * csv: file,sha256,created,data_file,data_sha256,rows,auc,parent,parent_file
 * in full; json: a list of objects. */
ls_status ls_history_write(const ls_history *history, ls_monitor_format format, FILE *out,
                           ls_error *err);

#ifdef __cplusplus
}
#endif
#endif
