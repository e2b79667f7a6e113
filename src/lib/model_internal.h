/* The points model shared by the trainer, the scorer, the model file and the
 * exports. A model is a list of criteria (one per input column); each
 * criterion has rules (conditions on the column's value) that give points and,
 * for learned models, the regression term behind them.
 *
 * Learned and hand-written models have the same shape: a learned categorical
 * criterion has one rule per non-reference level, a hand-written one has the
 * rows of its points table. Scoring a lead adds, per criterion, the points of
 * the first rule that matches its value.
 *
 * Scoring semantics (the scorer, the SQL export and the points table must all
 * agree on these, exactly):
 *  - A value is missing when it equals one of the model's missing tokens
 *    (default: the empty string). A missing value takes the first
 *    LS_COND_MISSING rule of the criterion, or 0 points if there is none; for
 *    learned numeric/boolean criteria x is imputed as 0 in the linear term.
 *  - NUMERIC: x = value parsed as a number (text is an error, never 0), then
 *    clamped to [cap_lo, cap_hi] where set, then log1p(x) if log1p is set.
 *    A PER_UNIT rule gives floor(points·x + 0.5) points (capped at `cap` when
 *    set) and adds estimate·x to the linear predictor.
 *  - BANDED: x as above; the first RANGE rule with lo <= x < hi (hi_open) or
 *    lo <= x <= hi matches; no match (the reference band) gives 0.
 *  - BOOLEAN: the value parsed as a boolean (yes/no, true/false, 1/0, any
 *    case; other text is an error); TRUE rule when true.
 *  - CATEGORICAL: the EQUALS rule whose value equals the text; else the
 *    reference level gives 0; else the OTHER rule (pooled levels, listed in
 *    its values[], and unseen levels) if any; else 0 — an unseen level is
 *    counted for the summary line unless it is in the OTHER rule's values.
 *  - RULES (hand-written): rules in order, first match wins; EQUALS compares
 *    text (as booleans when both sides are booleans, as numbers when both are
 *    numbers); RANGE parses x (text is an error).
 *  - score = base_points + Σ criterion points; all points are whole numbers
 *    (rule points are stored rounded; PER_UNIT rounds per lead as above).
 *  - probability (learned only) = 1 / (1 + exp(-(η + probability_offset)))
 *    with η = intercept + Σ estimate·x over the lead's terms (aliased terms,
 *    estimate NAN, contribute nothing).
 *  - tier: the first tier (highest min_score first) with score >= min_score,
 *    else the last tier.
 *  - reasons: criteria with non-zero points, largest |points| first, labelled
 *    with the matching rule's label.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_MODEL_INTERNAL_H
#define LS_MODEL_INTERNAL_H

#include <stddef.h>

#include "leadscore/model.h"

#define LS_MODEL_FORMAT_VERSION 1

typedef enum {
    LS_CRIT_NUMERIC,     /* linear in the (transformed) value, optional missing indicator */
    LS_CRIT_BANDED,      /* numeric cut into bands, one rule per band */
    LS_CRIT_BOOLEAN,     /* one rule for "true", optional missing indicator */
    LS_CRIT_CATEGORICAL, /* one rule per level */
    LS_CRIT_RULES        /* hand-written: arbitrary conditions, first match wins */
} ls_crit_kind;

typedef enum {
    LS_COND_EQUALS,   /* text equal to value (booleans compare as booleans) */
    LS_COND_IN,       /* text is one of values[] */
    LS_COND_RANGE,    /* lo <= x <= hi (either side may be ±inf; *_open makes it strict) */
    LS_COND_MISSING,  /* the value is missing */
    LS_COND_PER_UNIT, /* points per unit of x (learned linear terms, "each" rules) */
    LS_COND_TRUE,     /* boolean true */
    LS_COND_OTHER,    /* any non-missing value not matched by an earlier rule (pooled levels) */
    LS_COND_ANY       /* always (base points) */
} ls_cond_kind;

typedef struct {
    ls_cond_kind kind;
    char **values; /* EQUALS: 1 value; IN: n_values */
    size_t n_values;
    double lo, hi; /* RANGE */
    int lo_open, hi_open;
    double points; /* integer points, or points per unit for PER_UNIT */
    double cap;    /* PER_UNIT: max points (NAN = no cap) */
    char *label;   /* text shown in reasons ("Visited pricing page") */
    long term;     /* index into model terms, -1 if none (hand-written) */
} ls_rule;

typedef struct {
    char *column; /* input column name */
    char *label;  /* display name (defaults to column) */
    ls_crit_kind kind;
    /* value transform applied before numeric rules (learned models) */
    int log1p;
    double cap_lo, cap_hi; /* NAN = none */
    /* categorical: the reference level (no rule, 0 points) and whether a
     * pooled "(other)" rule exists for rare and unseen levels */
    char *reference;
    int has_other;
    /* banded: lower bounds of each band, labels in rules */
    ls_rule *rules;
    size_t n_rules;
    /* learned: joint Wald test that all the criterion's terms are 0 (NAN if not computed) */
    double joint_chi2, joint_df, joint_p;
} ls_criterion;

typedef struct {
    char *name;     /* "(intercept)", "COLUMN", "COLUMN=LEVEL", "COLUMN=missing" */
    long criterion; /* -1 for the intercept */
    double estimate, std_error, z, p_value, ci_low, ci_high;
    double points; /* integer points (per unit for linear terms) */
    int aliased;
} ls_term;

typedef struct {
    char *name;
    double min_score;
} ls_tier;

typedef enum { LS_SCALE_NONE = 0, LS_SCALE_BUDGET, LS_SCALE_PDO } ls_scale_kind;

struct ls_model {
    int learned; /* 1: fitted by train; 0: hand-written points */
    char *target, *positive;
    char **id_columns;
    size_t n_id_columns;
    char **missing_tokens;
    size_t n_missing_tokens;

    ls_criterion *criteria;
    size_t n_criteria;
    ls_term *terms; /* terms[0] is the intercept for learned models */
    size_t n_terms;

    /* points scaling: points = factor · coefficient; score = base + Σ points */
    ls_scale_kind scale;
    double factor;
    double base_points;                /* constant added to every score */
    double budget;                     /* BUDGET: points of the best possible lead */
    double pdo, base_score, base_odds; /* PDO convention */
    double round_to;                   /* points rounded to multiples of this (1 = whole points) */
    double probability_offset;         /* intercept adjustment (prior correction) */
    /* integer cards: P(convert | score s) = 1 / (1 + exp(-(card_intercept + s) / card_multiplier));
     * card_multiplier = 0: the card carries no probabilities */
    double card_intercept, card_multiplier;

    ls_tier *tiers; /* sorted by min_score, highest first; the last may be -inf */
    size_t n_tiers;

    /* fit statistics (learned) */
    double rows, positives, deviance, null_deviance, loglik, null_loglik, aic, bic, auc,
        mcfadden_r2, lr_chi2, lr_p_value, points_auc, l2, l1;
    size_t iterations, rank;
    int converged;

    /* lineage */
    char *data_file, *data_sha256, *created, *version, *parent;
};

/* Allocation helpers; all return NULL / nonzero status on allocation failure. */
ls_model *ls_model_alloc(void);
ls_criterion *ls_model_add_criterion(ls_model *m, const char *column, ls_crit_kind kind);
ls_rule *ls_criterion_add_rule(ls_criterion *c, ls_cond_kind kind, const char *label);
ls_term *ls_model_add_term(ls_model *m, const char *name, long criterion);
int ls_rule_add_value(ls_rule *r, const char *value);

/* The values of the data that a categorical criterion's reference level
 * stands for, in *values: its own text (1 value); the members of a merged
 * reference (the spec's merge key: a term-less `in` rule, 2 or more); or
 * none when the reference is the missing values (the encoder's "missing"
 * level, which has no rule of its own), or there is no reference. */
size_t ls_reference_values(const ls_criterion *c, char *const **values);

/* The `in` rule holding a merged reference's members, or NULL. */
const ls_rule *ls_merged_reference_rule(const ls_criterion *c);

#endif
