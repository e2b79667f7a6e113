/* leadscore — integer points learned directly, not by rounding a regression.
 *
 * A points card is a handful of yes/no criteria, each worth a small whole
 * number of points; a lead's score is the sum of the points of the criteria
 * it meets, and its conversion probability is read off the card's table:
 *
 *     P(convert | score s) = 1 / (1 + exp(-(β0 + s) / m)),
 *
 * with a free intercept β0 and a multiplier m > 0 (FasterRisk's form: Liu,
 * Zhong, Li, Rudin & Seltzer, NeurIPS 2022). Rounding a fitted regression to
 * small integers loses accuracy; here the integer card is searched for
 * directly:
 *
 *  1. ls_binary_new() turns a table into 0/1 indicators: one per categorical
 *     (or yes/no) level with at least min_rows rows, one per column with
 *     missing values ("COLUMN missing"), and `x <= t` for numeric columns at
 *     the deciles t of the non-missing values. Near-aliased indicators (two
 *     that agree, or are complementary, on all but a handful of rows) are
 *     detected and one of each pair is dropped with a note naming both.
 *  2. ls_intpoints_fit() runs a sparse beam search over supports (continuous
 *     logistic regression, coefficients boxed to the points range, refit
 *     exactly on each support), then turns the best supports into integer
 *     cards: a star-ray search over multipliers, rounding, and an integer
 *     coordinate search in which the intercept and the multiplier are refit
 *     for every trial. It returns the best card of each size K, K-1, ...
 *  3. ls_intpoints_cross_validate() measures each card size by seeded,
 *     stratified K-fold CV, next to an L2 logistic regression on the same
 *     criteria, to that regression rounded naively into the points range, and
 *     to an L2 regression on every indicator.
 *  4. ls_intpoints_model() writes a card as a hand-written-style model (rules
 *     per column) that `leadscore score` and `show` read.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_INTPOINTS_H
#define LEADSCORE_INTPOINTS_H

#include <stddef.h>
#include <stdint.h>

#include "leadscore/error.h"
#include "leadscore/metrics.h"
#include "leadscore/model.h"
#include "leadscore/table.h"
#include "leadscore/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Binary features                                                           */

typedef enum {
    LS_BIN_LEVEL = 0, /* COLUMN = LEVEL (categorical or yes/no) */
    LS_BIN_MISSING,   /* COLUMN is missing */
    LS_BIN_AT_MOST    /* COLUMN <= threshold (numeric; missing counts as 0) */
} ls_bin_kind;

typedef struct {
    const char *target;         /* required unless the spec names it */
    const char *positive;       /* value meaning converted; NULL = infer (yes/true, or 1) */
    const char *const *exclude; /* columns never used */
    size_t n_exclude;
    const ls_spec *spec; /* optional: its target, positive, ids, exclude and `use = no` apply */
    size_t min_rows;     /* an indicator needs at least this many rows with 1 and with 0 (30) */
    size_t quantiles;    /* numeric thresholds at the 1/q, ..., (q-1)/q quantiles (10: deciles) */
    size_t alias_rows;   /* two indicators are near-aliased when they agree (or are
                            complementary) on all but at most this many rows; SIZE_MAX (the
                            default) = 0.1% of the rows, at least 3 */
} ls_binary_options;

void ls_binary_options_init(ls_binary_options *opts);

typedef struct {
    const char *name;   /* "Lead Origin = API", "TotalVisits <= 3", "Country missing" */
    const char *column; /* source column */
    ls_bin_kind kind;
    const char *level; /* LEVEL: the value's text (yes/no columns: as in the data); else NULL */
    double threshold;  /* AT_MOST: t; else NAN */
    size_t rows;       /* rows where the indicator is 1 */
} ls_binary_feature;

typedef struct ls_binary ls_binary;

/* Builds the indicators of table. Thresholds are the type-1 (inverse ECDF)
 * quantiles of the column's non-missing values: t_k is the smallest value
 * with at least k/q of the values <= t_k, so `x <= t_k` holds every row tied
 * at t_k; equal thresholds are merged and one equal to the maximum (it would
 * only say "not missing") is left out. A missing value makes every `x <= t`
 * of its column 0. An indicator with fewer than min_rows ones or zeros is
 * left out. The construction never looks at the target, so it may be done
 * once before cross-validation. Decisions are kept as notes.
 * *out is owned by the caller: ls_binary_free(). */
ls_status ls_binary_new(const ls_table *table, const ls_binary_options *opts, ls_binary **out,
                        ls_error *err);

void ls_binary_free(ls_binary *b);

size_t ls_binary_rows(const ls_binary *b);
size_t ls_binary_count(const ls_binary *b); /* indicators kept */
const ls_binary_feature *ls_binary_feature_at(const ls_binary *b, size_t j);
const double *ls_binary_outcomes(const ls_binary *b); /* n values, 0 or 1 */
const char *ls_binary_target(const ls_binary *b);
const char *ls_binary_positive(const ls_binary *b);

/* Value (0 or 1) of indicator j for row i. */
int ls_binary_value(const ls_binary *b, size_t j, size_t row);

/* Notes: left-out levels, merged thresholds, near-aliased pairs. Owned by b. */
size_t ls_binary_note_count(const ls_binary *b);
const char *ls_binary_note(const ls_binary *b, size_t i);

/* ======================================================================== */
/* Integer cards                                                             */

#define LS_INTPOINTS_MAX_CRITERIA 30

typedef struct {
    size_t max_criteria;       /* K, 1..LS_INTPOINTS_MAX_CRITERIA (7) */
    long points_lo, points_hi; /* points range, lo < hi, 0 inside it (-5, 5) */
    long step;                 /* points are multiples of step (1) */
    size_t cards;              /* cards returned: the best of each size K, K-1, ... (3) */
    size_t beam_width;         /* supports kept per size (10; FasterRisk's parent_size) */
    size_t children;           /* new supports tried per kept support (10; child_size) */
    size_t multipliers;        /* multipliers tried per support (20; num_ray_search) */
    int local_search;          /* 1 (default): integer coordinate search after rounding */
} ls_intpoints_options;

void ls_intpoints_options_init(ls_intpoints_options *opts);

/* Checks the options before any work; LS_ERR_USAGE with a message if bad. */
ls_status ls_intpoints_options_check(const ls_intpoints_options *opts, ls_error *err);

typedef struct {
    size_t slot;               /* the size the card was searched at (its criteria are <= slot) */
    size_t size;               /* criteria (indicators with non-zero points) */
    size_t *features;          /* size indicator indices, ascending */
    long *points;              /* their points: non-zero multiples of step within the range */
    double intercept;          /* β0 */
    double multiplier;         /* m > 0 */
    long score_min, score_max; /* lowest and highest total a lead can reach */
    double *probability;       /* score_max - score_min + 1 values: P at each total */
    double loss;               /* mean log-loss on the rows it was fitted on */
    double auc;                /* AUC on those rows */
} ls_card;

typedef struct {
    ls_card *cards; /* best first by size: cards[0] has max_criteria criteria at most */
    size_t n_cards;
    double seconds;     /* wall-clock time of the search */
    double cpu_seconds; /* processor time of the search (the process's, one thread) */
} ls_cardset;

/* Learns cards on the rows with rows[i] != 0 (rows NULL = every row). On
 * success out must be released with ls_cardset_release(). */
ls_status ls_intpoints_fit(const ls_binary *b, const unsigned char *rows,
                           const ls_intpoints_options *opts, ls_cardset *out, ls_error *err);

void ls_cardset_release(ls_cardset *set);

/* Refits the intercept and multiplier of given points (points need not be in
 * any range) on the rows with rows[i] != 0, by maximum likelihood of
 * P = 1/(1 + exp(-(β0 + s)/m)); *loss (may be NULL) receives the mean log-loss.
 * LS_ERR_DATA when every lead has the same total or the rows lack a class. */
ls_status ls_intpoints_calibrate(const ls_binary *b, const unsigned char *rows,
                                 const size_t *features, const long *points, size_t k,
                                 double *intercept, double *multiplier, double *loss,
                                 ls_error *err);

/* Total points of every row (n values) under a card. */
void ls_card_scores(const ls_binary *b, const ls_card *card, double *scores);

/* ======================================================================== */
/* Cross-validation                                                          */

typedef struct {
    double auc;        /* mean of the held-out fold AUCs */
    double auc_sd;     /* their standard deviation (n - 1) */
    ls_metrics pooled; /* out-of-fold probabilities of every row pooled: log-loss, Brier,
                          Hosmer-Lemeshow, calibration slope and intercept */
    double mean_size;  /* criteria, averaged over the folds */
} ls_cv_summary;

typedef struct {
    size_t slot;         /* card size searched for */
    ls_cv_summary card;  /* the integer card */
    ls_cv_summary l2;    /* L2 logistic regression on the card's criteria (unconstrained) */
    ls_cv_summary naive; /* that regression scaled so its largest coefficient reaches the
                            points range, then rounded to multiples of step */
} ls_intpoints_cv_row;

typedef struct {
    size_t folds;
    uint64_t seed;
    double l2;                 /* ridge penalty of the baselines */
    ls_intpoints_cv_row *rows; /* one per card of ls_intpoints_fit, same order */
    size_t n_rows;
    ls_cv_summary full_l2;    /* L2 logistic regression on every indicator */
    ls_cv_summary full_naive; /* that regression scaled into the points range and rounded, as
                                 the naive rounding (mean_size: its non-zero points) */
    double fit_seconds;       /* mean wall-clock time of ls_intpoints_fit per fold */
    double fit_cpu_seconds;   /* and its mean processor time */
} ls_intpoints_cv;

/* Seeded stratified K-fold CV (ls_split_kfold) of ls_intpoints_fit: on each
 * fold the cards are learned on the other folds and scored on it. The
 * baselines use the ridge penalty l2 (summed loss, the intercept unpenalised;
 * 1 is scikit-learn's default C = 1). Release with ls_intpoints_cv_release. */
ls_status ls_intpoints_cross_validate(const ls_binary *b, const ls_intpoints_options *opts,
                                      size_t folds, uint64_t seed, double l2, ls_intpoints_cv *out,
                                      ls_error *err);

void ls_intpoints_cv_release(ls_intpoints_cv *cv);

/* ======================================================================== */
/* The card as a model                                                       */

/* A hand-written-style model (learned = 0) with one criterion per source
 * column: `= LEVEL` rules, `missing` rules and `<= t` ranges (several
 * thresholds of one column become nested ranges with summed points, first
 * match wins), hot / warm / nurture tiers at the top 10% and next 30% of the
 * scores of the rows (rows NULL = all), the missing tokens given, and lineage
 * (data_path, may be NULL, is hashed). *out is owned by the caller. */
ls_status ls_intpoints_model(const ls_binary *b, const ls_card *card, const unsigned char *rows,
                             const char *const *missing_tokens, size_t n_missing_tokens,
                             const char *data_path, ls_model **out, ls_error *err);

#ifdef __cplusplus
}
#endif
#endif
