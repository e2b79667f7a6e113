/* What the refinement files share: the encoded design held sparsely, and a
 * lean logistic fit over any subset of its columns (selection.c), used where
 * hundreds of fits are needed (stepwise selection, cross-validation, level
 * merging). ls_logit_fit stays the reference fitter; this one computes the
 * same maximum-likelihood fit (R's glm) faster by exploiting that most
 * design entries are 0 and by starting from a neighbouring fit.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_REFINE_INTERNAL_H
#define LS_REFINE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "encode.h"
#include "leadscore/refine.h"

/* The design by rows (CSR), its outcome and weights, and its columns grouped
 * by criterion (the encoder adds a criterion's terms consecutively). */
typedef struct {
    size_t n, p;
    const double *y;   /* borrowed from the design */
    double *w;         /* n weights: case weights × row weights (owned) */
    size_t rows;       /* rows with weight > 0 */
    size_t *row_start; /* n + 1 */
    uint32_t *col;     /* column of each non-zero */
    double *val;
    size_t n_groups;
    size_t *group_first;     /* first column of each criterion */
    size_t *group_count;     /* its number of columns */
    size_t *group_of;        /* p: criterion of each column */
    const char **group_name; /* column names, borrowed from the model */
    const ls_design *design;
    const ls_model *model; /* the encoded criteria and terms */
} ls_xy;

/* Builds xy from an encoded design and its model (criteria and terms). */
ls_status ls_xy_init(ls_xy *xy, const ls_design *d, const ls_model *m, ls_error *err);
void ls_xy_release(ls_xy *xy);

/* The columns of the given criteria, in the order given; returns the count.
 * cols must hold p entries. */
size_t ls_xy_columns(const ls_xy *xy, const size_t *groups, size_t n_groups, size_t *cols);

typedef struct {
    size_t p;              /* design columns; coefficient 0 is the intercept */
    double *beta;          /* 1 + p; 0 for columns not in the fit and aliased ones */
    unsigned char *in_fit; /* 1 + p: 1 for the intercept and the fitted, non-aliased columns */
    double *cov;           /* (1 + p)² row-major inverse Hessian when asked, else NULL */
    double deviance;
    size_t rank; /* non-aliased coefficients, intercept included */
    size_t iterations;
    int converged; /* 0 after 25 iterations without convergence (R warns, we flag) */
} ls_glm;

/* Maximum likelihood over the columns cols[0..m) (in that order for
 * aliasing: a column that is a linear combination of earlier ones is left
 * out, as R's glm does) with weights w (NULL = xy->w). start: 1 + p
 * coefficients to start from (NULL = R's start). On LS_OK out must be
 * released with ls_glm_release(). */
ls_status ls_glm_fit(const ls_xy *xy, const double *w, const size_t *cols, size_t m,
                     const double *start, int want_cov, ls_glm *out, ls_error *err);

/* As ls_glm_fit with a ridge penalty: minimises -loglik + l2/2·Σβ_j² (the
 * intercept unpenalised), ls_logit_fit's l2; the covariance is then the
 * inverse of the penalised Hessian, as ls_logit_fit reports it. */
ls_status ls_glm_fit_ridge(const ls_xy *xy, const double *w, const size_t *cols, size_t m,
                           double l2, int want_cov, ls_glm *out, ls_error *err);
void ls_glm_release(ls_glm *g);

/* Linear predictor of every row (weights ignored). */
void ls_glm_eta(const ls_xy *xy, const ls_glm *g, double *eta);

/* Information value of criterion `group` over its encoded levels (numeric
 * terms by deciles of the value) on the rows with w > 0. */
double ls_xy_iv(const ls_xy *xy, size_t group, const double *w);

/* Selection over an encoded design (ls_select does the encoding). spec may
 * be NULL. */
ls_status ls_select_xy(const ls_xy *xy, const ls_spec *spec, const ls_select_options *opts,
                       ls_selection *out, ls_error *err);

/* Merging over an encoded design: criterion `group`, with the other columns
 * `others` (m of them) in the model. */
ls_status ls_merge_xy(const ls_xy *xy, const ls_model *m, size_t group, const size_t *others,
                      size_t n_others, const ls_merge_options *opts, ls_merge_result *out,
                      ls_error *err);

/* Random numbers for splits (validate.c). */
typedef struct {
    uint64_t s[4];
} ls_rng;

void ls_rng_seed(ls_rng *r, uint64_t seed);
uint64_t ls_rng_next(ls_rng *r);
/* Uniform integer in [0, bound), bound >= 1 (unbiased). */
uint64_t ls_rng_below(ls_rng *r, uint64_t bound);

/* Appends a formatted line to a list of notes. */
ls_status ls_notes_add(char ***notes, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ls_notes_free(char **notes, size_t n);

#endif
