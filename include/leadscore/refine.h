/* leadscore — refining a points model each quarter: which criteria really
 * matter, how numeric criteria should be banded, which levels are one level,
 * where the hot / warm / nurture cut-offs belong, and how the result compares
 * with the points in use today, all measured on leads the model never saw.
 *
 * The steps are usable one by one (splits, held-out metrics, selection,
 * banding, level merging, tiers) or together through ls_refine(), which also
 * writes the Markdown report `leadscore refine` produces.
 *
 * Randomness: every split is drawn from the 64-bit seed alone (xoshiro256**
 * seeded through splitmix64, written out in validate.c), so equal data and
 * seeds give equal splits, folds and results on every platform.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_REFINE_H
#define LEADSCORE_REFINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leadscore/error.h"
#include "leadscore/metrics.h"
#include "leadscore/model.h"
#include "leadscore/table.h"
#include "leadscore/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Splits (validate.c)                                                       */

/* Stratified holdout: in each class (y > 0.5 or not) exactly
 * floor(frac · class size + 0.5) rows, drawn at random, are marked test[i] = 1,
 * the rest 0. Rows with w[i] == 0 (w may be NULL) are never drawn and stay 0.
 * frac must be in (0, 1); LS_ERR_DATA when either side would lack a class. */
ls_status ls_split_holdout(const double *y, const double *w, size_t n, double frac, uint64_t seed,
                           unsigned char *test, ls_error *err);

/* Stratified K-fold: fold[i] in 0..k-1, each class shuffled and dealt round
 * robin (the second class continuing where the first stopped), so fold sizes
 * differ by at most one and every fold holds both classes when each class has
 * at least k rows (LS_ERR_DATA otherwise). Rows with w[i] == 0 get fold
 * (unsigned)-1 and belong to no fold. 2 <= k <= 100. */
ls_status ls_split_kfold(const double *y, const double *w, size_t n, size_t k, uint64_t seed,
                         unsigned *fold, ls_error *err);

/* Parses an ISO 8601 date or date-time: YYYY-MM-DD, optionally followed by
 * 'T' or ' ' and HH:MM[:SS[.fraction]], optionally 'Z' or ±HH:MM (the time is
 * then converted to UTC). Returns 1 and the days since 1970-01-01 (fractional
 * for times), or 0 when s is not such a date (or names an impossible day). */
int ls_parse_iso_date(const char *s, double *days);

/* Out-of-time split: rows whose date in column is on or after `date` are
 * test, earlier rows train. A row whose date is missing or not an ISO date is
 * an error placed at its line (LS_ERR_DATA); so is a side without rows. */
ls_status ls_split_time(const ls_table *t, const char *column, const char *date,
                        unsigned char *test, ls_error *err);

/* ======================================================================== */
/* Held-out metrics (validate.c)                                             */

#define LS_VALIDATION_GROUPS 10
#define LS_MAX_TIERS 8

/* Precision and recall when leads scoring at least min_score are worked. */
typedef struct {
    char name[32];    /* the tier whose cut-off this is */
    double min_score; /* -inf for the last tier */
    size_t rows;      /* leads at or above the cut-off */
    size_t positives;
    double share;                     /* rows / all leads */
    double precision;                 /* positives / rows */
    double recall;                    /* positives / all positives */
    size_t tier_rows, tier_positives; /* in this tier alone */
    double tier_rate;                 /* tier_positives / tier_rows (NAN when empty) */
} ls_threshold_stat;

typedef struct {
    ls_metrics metrics;        /* AUC (DeLong CI), Gini, KS, log-loss, Brier, HL, calibration */
    int ranked_by_probability; /* 1 when no scores were given (out-of-fold probabilities) */
    /* Gains and lift: leads ranked by score (or probability), best first. */
    ls_group gains[LS_VALIDATION_GROUPS];
    size_t n_gains;
    /* Calibration: deciles of the predicted probability, lowest first
     * (mean_predicted against rate); none without probabilities. */
    ls_group calibration[LS_VALIDATION_GROUPS];
    size_t n_calibration;
    ls_threshold_stat thresholds[LS_MAX_TIERS]; /* at the model's tier cut-offs */
    size_t n_thresholds;
} ls_validation;

/* Evaluates scores (may be NULL: rank by p) and probabilities p (may be
 * NULL: hand-written points) against outcomes y over the n leads, and — when
 * tiers_model is not NULL and has tiers — precision and recall at each tier's
 * cut-off (needs score). */
ls_status ls_validate(const double *score, const double *p, const double *y, size_t n,
                      const ls_model *tiers_model, ls_validation *out, ls_error *err);

/* Two scores of the same leads compared by DeLong's test for correlated
 * AUCs (DeLong, DeLong & Clarke-Pearson 1988). */
typedef struct {
    double auc_a, auc_b;
    double diff;       /* auc_a - auc_b */
    double se;         /* of the difference */
    double low, high;  /* 95% interval of the difference */
    double z, p_value; /* two-sided */
} ls_auc_comparison;

ls_status ls_auc_compare(const double *score_a, const double *score_b, const double *y, size_t n,
                         ls_auc_comparison *out, ls_error *err);

/* ======================================================================== */
/* Criterion selection (selection.c)                                         */

typedef enum {
    LS_SELECT_NONE = 0, /* keep every candidate (filters still apply) */
    LS_SELECT_AIC,      /* stepwise, penalty k = 2 per parameter (R's step()) */
    LS_SELECT_BIC,      /* stepwise, k = ln(rows) (R's step(k = log(n))) */
    LS_SELECT_LASSO     /* L1 / elastic-net path, lambda by K-fold CV (glmnet's rule) */
} ls_select_method;

typedef enum {
    LS_STEP_BOTH = 0, /* start from every candidate; drop or re-add one criterion per step */
    LS_STEP_BACKWARD, /* start from every candidate; drops only */
    LS_STEP_FORWARD   /* start from the forced criteria; additions only */
} ls_step_direction;

typedef struct {
    ls_select_method method; /* default LS_SELECT_AIC */
    ls_step_direction direction;
    double k;           /* stepwise penalty per parameter; 0 = by method (default 0) */
    size_t max_steps;   /* stepwise steps (1000, as step()) */
    double min_iv;      /* filter: candidates with a lower IV are dropped first (0 = off) */
    double max_missing; /* filter: candidates missing in a larger share of rows are
                           dropped first (1 = off) */
    size_t folds;       /* K of the cross-validation (evidence and lasso): 5 */
    uint64_t seed;      /* folds are drawn from it (default 1) */
    int evidence;       /* 1 (default): refit each candidate against the selected model
                           (deviance, LR test, ΔAIC); 0 leaves those NAN */
    int cv_auc;         /* 1 (default): measure each criterion's change in CV AUC (needs
                           evidence) */
    /* lasso / elastic net, glmnet's conventions: columns standardised, loss averaged */
    double alpha;            /* 1 = lasso (default); 0 < alpha < 1 elastic net */
    size_t n_lambda;         /* path length (100) */
    double lambda_min_ratio; /* smallest / largest lambda; 0 = glmnet's default
                                (1e-4 when rows > terms, else 0.01) */
    int use_lambda_min;      /* 0 (default): choose lambda_1se; 1: lambda_min */
} ls_select_options;

void ls_select_options_init(ls_select_options *opts);

/* "none", "aic", "bic", "lasso"; ls_select_method_parse returns 0 if unknown. */
const char *ls_select_method_name(ls_select_method method);
int ls_select_method_parse(const char *name, ls_select_method *out);

/* The evidence about one candidate criterion, measured against the selected
 * model: "with" is the selected model with the criterion, "without" without
 * it (so one of the two is the selected model itself). */
typedef struct {
    char *criterion;     /* column */
    size_t terms;        /* regression terms of the criterion (levels, bands, indicators) */
    int kept;            /* in the selected model */
    int forced;          /* `use = force` in the spec: never dropped */
    int filtered;        /* dropped before selection by the IV or missing-rate filter */
    double iv;           /* information value over the criterion's encoded levels
                            (numeric criteria: deciles), training rows */
    double missing_rate; /* share of training rows where it is missing */
    double deviance_with, deviance_without;
    size_t rank_with, rank_without; /* estimated parameters, intercept included */
    double lr_chi2;                 /* deviance_without - deviance_with */
    double lr_df;                   /* rank_with - rank_without */
    double lr_p;                    /* upper tail of chi-squared(lr_df); NAN when lr_df is 0 */
    double delta_aic; /* AIC without - AIC with: > 0 means the criterion earns its place */
    double delta_bic; /* the same with ln(rows) per parameter */
    double cv_auc_with, cv_auc_without; /* mean held-out AUC over the folds (NAN if not
                                           measured) */
    double delta_cv_auc;                /* cv_auc_with - cv_auc_without */
    double lasso_entry;                 /* lasso: largest lambda at which a term of it is non-zero
                                           (0 = never); NAN for other methods */
} ls_selection_item;

/* One row of the stepwise path, as step()$anova. */
typedef struct {
    char change[300]; /* "" for the start, "- COLUMN" or "+ COLUMN" */
    double df;        /* parameters added (+) or removed (-); NAN at the start */
    double deviance;  /* residual deviance after the step */
    double resid_df;  /* rows - parameters */
    double aic;       /* with the penalty k */
} ls_selection_step;

typedef struct {
    ls_select_method method;
    ls_step_direction direction;
    double k;    /* penalty used (stepwise) */
    size_t rows; /* training rows (weight > 0) */
    size_t folds;
    ls_selection_item *items; /* every candidate, in the data's column order */
    size_t n_items;
    ls_selection_step *steps;
    size_t n_steps;
    double deviance, aic; /* of the selected model (aic with k) */
    size_t rank;
    double cv_auc; /* of the selected model (NAN if not measured) */
    /* lasso path (method LS_SELECT_LASSO) */
    size_t n_lambda;
    double *lambda;  /* glmnet's scale: the penalty on the averaged loss */
    double *cvm;     /* mean CV binomial deviance per lambda */
    double *cvsd;    /* its standard error */
    size_t *nonzero; /* non-zero terms of the full-data fit per lambda */
    double lambda_min, lambda_1se, lambda_chosen;
    size_t index_min, index_1se;
    double *coef; /* lasso: the penalised fit at lambda_chosen, intercept first, then
                     every encoded term of every candidate in the trainer's order */
    size_t n_coef;
    char **notes;
    size_t n_notes;
} ls_selection;

/* Selects criteria among the candidates the trainer would encode from table
 * with spec and train (its row_weights restrict every fit and filter to the
 * training rows). Criteria with `use = force` in the spec are kept whatever
 * the evidence; `use = no` ones are not candidates. On success out must be
 * released with ls_selection_release(). */
ls_status ls_select(const ls_table *table, const ls_spec *spec, const ls_train_options *train,
                    const ls_select_options *opts, ls_selection *out, ls_error *err);

void ls_selection_release(ls_selection *sel);

/* ======================================================================== */
/* Supervised banding (banding.c)                                            */

typedef enum {
    LS_TREND_AUTO = 0,  /* monotonic, in the direction that gives more IV (default) */
    LS_TREND_NONE,      /* any shape */
    LS_TREND_ASCENDING, /* WoE strictly rising with the value */
    LS_TREND_DESCENDING /* WoE strictly falling */
} ls_trend;

/* "auto", "none", "ascending", "descending". */
const char *ls_trend_name(ls_trend trend);
int ls_trend_parse(const char *name, ls_trend *out);

typedef struct {
    double min_share; /* smallest share of the rows with a value per band (0.05) */
    size_t max_bands; /* at most this many bands (8); 0 = as many as min_share allows */
    size_t prebins;   /* candidate cut points: quantiles into this many bins (50) */
    ls_trend trend;
} ls_band_options;

void ls_band_options_init(ls_band_options *opts);

typedef struct {
    char label[96]; /* "100-499", "1000+", "missing" (the spec's band syntax) */
    double lo, hi;  /* lo <= x < hi; -inf / +inf at the ends; NAN for missing */
    int is_missing;
    double rows, positives; /* weighted */
    double share;           /* of the rows with a value (the missing band: of all rows) */
    double rate;            /* positives / rows */
    double woe, iv;         /* as `leadscore inspect`: ln(dp/dn), zero cells adjusted by 0.5 */
} ls_band;

typedef struct {
    char *column;
    ls_band *bands; /* in value order, then the missing band if any row is missing */
    size_t n_bands;
    double iv;      /* total over the bands (missing band included) */
    ls_trend trend; /* the trend the bands follow (ASCENDING / DESCENDING / NONE) */
    int integer;    /* 1 when every value is a whole number (labels "lo-hi") */
} ls_banding;

/* Bands the numeric column so the bands' IV is as large as possible (dynamic
 * programming over the candidate cut points, exact), each band holding at
 * least min_share of the rows with a value and, unless trend is NONE, the WoE
 * moving one way. y: 0/1 outcome per table row; w: weights (NULL = 1; 0 leaves
 * a row out). On success release out with ls_banding_release(). LS_ERR_DATA
 * when the column is not numeric or no split satisfies the constraints. */
ls_status ls_band_numeric(const ls_table *t, const char *column, const double *y, const double *w,
                          const ls_band_options *opts, ls_banding *out, ls_error *err);

void ls_banding_release(ls_banding *b);

/* Writes the bands as a criteria spec section the analyst can paste:
 *   [criterion]
 *   column = NAME
 *   bands = 0-99, 100-499, 500+
 * (long lists continue on indented lines). LS_ERR_IO on a write error. */
ls_status ls_banding_write_spec(const ls_banding *b, FILE *out, ls_error *err);

/* ======================================================================== */
/* Merging categorical levels (merge_levels.c)                               */

typedef struct {
    double alpha;      /* levels merge while a pair's Holm-adjusted p-value exceeds it (0.05) */
    size_t max_merges; /* stop after this many merges (0 = no limit) */
} ls_merge_options;

void ls_merge_options_init(ls_merge_options *opts);

typedef struct {
    char *level;     /* level as encoded ("(other)", "missing" included) */
    char **values;   /* the data's values it stands for: one, the members of a */
    size_t n_values; /* spec merge, or none for "missing" and "(other)" */
    double rows, positives;
    double estimate, std_error; /* before merging, against the reference (0 for it) */
    size_t group;               /* index into the groups after merging */
} ls_merge_level;

typedef struct {
    char *label; /* "A | B | C" */
    double rows, positives;
    double estimate, std_error; /* after merging, against the reference's group */
    int reference;              /* the group holding the reference level */
} ls_merge_group;

typedef struct {
    char *criterion;
    ls_merge_level *levels; /* every level, the reference first */
    size_t n_levels;
    ls_merge_group *groups;
    size_t n_groups;
    double deviance_before, deviance_after;
    double lr_chi2, lr_df, lr_p; /* the merged model against the unmerged one */
    double aic_before, aic_after;
} ls_merge_result;

/* Merges the levels of the categorical criterion `column` whose effects,
 * adjusted for every other criterion the trainer encodes, are statistically
 * indistinguishable: repeatedly, all pairs of level groups are compared by
 * Wald tests, the p-values Holm-adjusted, and the least distinguishable pair
 * merged while its adjusted p-value exceeds alpha. Rare levels are pooled
 * first by the encoder (pool_below). Release with ls_merge_result_release(). */
ls_status ls_merge_levels(const ls_table *table, const ls_spec *spec, const ls_train_options *train,
                          const char *column, const ls_merge_options *opts, ls_merge_result *out,
                          ls_error *err);

void ls_merge_result_release(ls_merge_result *r);

/* ======================================================================== */
/* Tiers from data (tiers_from_data.c)                                       */

typedef enum {
    LS_TIERS_SHARE = 0, /* hot = the top hot_share of leads (default 0.10) */
    LS_TIERS_CAPACITY,  /* hot = what sales can call: capacity per week of per_week leads */
    LS_TIERS_PRECISION  /* hot = the largest top group converting at target_precision or more */
} ls_tier_mode;

typedef struct {
    ls_tier_mode mode;
    double hot_share;        /* SHARE: 0.10 */
    double warm_share;       /* every mode: the next share of leads below hot (0.30) */
    double capacity;         /* CAPACITY: leads sales can work per week */
    double per_week;         /* CAPACITY: leads arriving per week (also scales volumes) */
    double target_precision; /* PRECISION: conversion rate the hot tier must reach */
} ls_tier_options;

void ls_tier_options_init(ls_tier_options *opts);

typedef struct {
    char name[16];    /* "hot", "warm", "nurture" */
    double min_score; /* -inf for nurture */
    size_t rows, positives;
    double share;                /* of the leads */
    double rate;                 /* expected conversion rate: positives / rows */
    double per_week;             /* expected leads per week (NAN without per_week) */
    double conversions_per_week; /* NAN without per_week */
} ls_tier_stat;

typedef struct {
    ls_tier_mode mode;
    ls_tier_stat tiers[3];
    size_t n_tiers;
    double target_share; /* the hot share asked for (capacity / per_week, hot_share) */
    int precision_met;   /* PRECISION: 0 when no cut-off reaches the target */
} ls_tier_plan;

/* Chooses integer cut-offs on the scores of n leads with outcomes y: hot is
 * never larger than asked (ties at a cut-off go below it), warm the next
 * warm_share. LS_ERR_USAGE for options out of range. */
ls_status ls_tiers_from_scores(const double *score, const double *y, size_t n,
                               const ls_tier_options *opts, ls_tier_plan *out, ls_error *err);

/* Sets the plan's cut-offs as the model's tiers (ls_model_set_tiers). */
ls_status ls_tiers_apply(ls_model *model, const ls_tier_plan *plan, ls_error *err);

/* ======================================================================== */
/* The whole refinement (refine.c)                                           */

typedef enum {
    LS_VALIDATE_HOLDOUT = 0, /* stratified holdout of `holdout` (default 0.25) */
    LS_VALIDATE_FOLDS,       /* K-fold: selection and fit repeated per fold */
    LS_VALIDATE_TIME         /* train before time_split, test on and after it */
} ls_validate_mode;

typedef struct {
    ls_train_options train; /* target, exclusions, pooling, points scaling (row_weights
                               is set by ls_refine) */
    ls_validate_mode validate;
    double holdout;          /* HOLDOUT: share of leads held out (0.25) */
    size_t folds;            /* FOLDS: K (5) */
    const char *time_column; /* TIME: the date column (never a criterion) */
    const char *time_split;  /* TIME: first test date, ISO */
    uint64_t seed;           /* splits and folds (1) */
    ls_select_options select;
    const char *const *band_columns; /* numeric criteria to band (the bands replace the
                                        spec's for them) */
    size_t n_band_columns;
    ls_band_options band;
    int merge; /* 1 (default): look for mergeable levels of kept criteria */
    ls_merge_options merge_opts;
    ls_tier_options tiers;
    const ls_model *baseline;  /* points in use today, or NULL */
    const char *baseline_name; /* for the report */
    const char *data_path;     /* for the lineage and the report */
    const char *spec_path;     /* for the report */
} ls_refine_options;

void ls_refine_options_init(ls_refine_options *opts);

/* One baseline rule set against the refined model: the baseline's points and
 * what the refined model gives the same leads, relative to the leads the
 * baseline criterion gives no points (its reference), with a 95% interval. */
typedef struct {
    char *criterion; /* column */
    char *condition; /* as the points table writes it; "" when the criterion is only new */
    char *label;
    double old_points;        /* NAN when the baseline has no such rule */
    double new_points;        /* NAN when not comparable (e.g. a per-unit rule) */
    double new_low, new_high; /* 95% interval of new_points */
    double rows;              /* leads the rule applies to */
    int criterion_kept;       /* the refined model uses the criterion */
} ls_points_change;

typedef struct {
    ls_model *model;        /* the refined model (owned; ls_refine_take_model) */
    ls_selection selection; /* on the training rows */
    ls_banding *bandings;
    size_t n_bandings;
    ls_merge_result *merges; /* kept categorical criteria with 3 or more levels */
    size_t n_merges;
    ls_tier_plan tiers;    /* chosen on the held-out (FOLDS: training) scores */
    ls_validation refined; /* held out (FOLDS: pooled out-of-fold probabilities) */
    int has_baseline;
    ls_validation baseline;       /* the baseline's points on the same leads */
    ls_auc_comparison comparison; /* refined - baseline (paired DeLong) */
    ls_tier_plan baseline_tiers;  /* the baseline's hot tier on the held-out leads */
    ls_points_change *changes;
    size_t n_changes;
    double *fold_auc; /* FOLDS: held-out AUC per fold */
    size_t n_folds;
    size_t rows, positives, train_rows, test_rows;
    unsigned char *test; /* per table row: 1 when held out (holdout, time split) */
    char **notes;        /* decisions taken, one line each */
    size_t n_notes;
    ls_refine_options opts; /* as given (pointers borrowed) */
} ls_refine_result;

/* Runs the refinement: split, banding, selection, fit on the training rows,
 * tiers, held-out validation against the baseline, and the points comparison.
 * On success *out is owned by the caller: ls_refine_free(). */
ls_status ls_refine(const ls_table *table, const ls_spec *spec, const ls_refine_options *opts,
                    ls_refine_result **out, ls_error *err);

/* Hands the refined model over to the caller (who frees it); NULL after. */
ls_model *ls_refine_take_model(ls_refine_result *r);

/* A chart to show in the report: its path as the report should link it
 * (relative to the report) and a caption. */
typedef struct {
    const char *path;
    const char *caption;
} ls_report_image;

/* Writes the report as Markdown, showing the n_images charts (may be 0).
 * It reads r->model: write it before ls_refine_take_model (or put the model
 * back). Numbers use '.' whatever the locale. LS_ERR_IO on a write error. */
ls_status ls_refine_write_report(const ls_refine_result *r, const ls_report_image *images,
                                 size_t n_images, FILE *out, ls_error *err);

void ls_refine_free(ls_refine_result *r);

#ifdef __cplusplus
}
#endif
#endif
