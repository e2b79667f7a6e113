/* Logistic regression internals shared by the Newton (logit_fit.c), coordinate
 * descent (logit_cd.c) and statistics (logit_stats.c) files.
 *
 * Coefficients live in scaled coordinates: column j of the design is
 * multiplied by scale[j] (unit weighted RMS), so β_j = scale[j]·γ_j. This
 * equilibrates X'WX before it is factored. Coefficient 0 is the intercept
 * when there is one; coefficient j ≥ intercept reads X column j - intercept.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_LOGIT_INTERNAL_H
#define LS_LOGIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "leadscore/fit.h"
#include "spool.h"

/* Rows packed per block when forming X'WX: the block (rows × terms) stays in cache. */
enum { LOGIT_BLOCK_ROWS = 128 };

/* A design given by groups instead of a dense X (the trainer's encoding).
 * Every row has one level per group, codes[i·n_groups + g]; level l of group
 * g puts value[g][l] into X column term[g][l] (-1: nothing, the row is 0 in
 * all the group's columns). So a row has at most one non-zero per group: a
 * categorical criterion is a group (its one-hot columns), so is a numeric
 * one (the value's column, or the missing indicator's). Columns of group g
 * precede those of group g + 1, and each column belongs to one group.
 * X'WX then costs O(n·g²) instead of O(n·p²), and the rows take a few bytes
 * each instead of 8·p. */
typedef struct {
    const void *data; /* one code per row: the level, or `missing` */
    unsigned width;   /* bytes per code: 1, 2 or 4 */
    uint32_t missing; /* the code that stands for the last level */
} logit_codes;

typedef struct {
    size_t n_groups;
    const size_t *n_levels;     /* per group */
    const int32_t *const *term; /* per group, per level: X column or -1 */
    const double *const *value; /* per group, per level: the value in that column */
    const logit_codes *codes;   /* per group: the rows' levels */
    ls_spool *spool;            /* where the per-row arrays go, or NULL: the heap */
} logit_groups;

/* Level of row i in group g. */
static inline size_t logit_level(const logit_groups *G, size_t g, size_t i)
{
    const logit_codes *c = &G->codes[g];
    uint32_t v = c->width == 1   ? ((const uint8_t *)c->data)[i]
                 : c->width == 2 ? ((const uint16_t *)c->data)[i]
                                 : ((const uint32_t *)c->data)[i];
    return v == c->missing ? G->n_levels[g] - 1 : v;
}

/* Rows per tile: the levels of a block of rows, decoded group by group into
 * a small row-major array that stays in L1 while the rows are used. */
enum { LOGIT_TILE_ROWS = 256 };

/* Levels of rows [r0, r0 + m) into tile[g·LOGIT_TILE_ROWS + (i - r0)], m ≤ LOGIT_TILE_ROWS. */
void logit_groups_tile(const logit_groups *G, size_t r0, size_t m, uint32_t *tile);

/* Fits as ls_logit_fit, on a grouped design (X absent). */
ls_status logit_fit_groups(const logit_groups *groups, size_t n, size_t p, const double *y,
                           const double *w, const char *const *term_names,
                           const ls_fit_options *opts, ls_fit_result *res, ls_error *err);

typedef struct {
    /* The problem, borrowed from the caller: X, or grp (grouped design). */
    const double *X, *y, *w;
    const logit_groups *grp;
    size_t n, p;
    int intercept;
    double l1, l2;

    /* k candidate coefficients, of which act[0..n_act) are fitted (not aliased). */
    size_t k, n_act;
    size_t *act;
    int *aliased;
    double *scale;
    double *gamma, *gamma_old; /* k scaled coefficients; 0 for aliased terms */

    /* Row totals over rows with weight > 0. */
    size_t rows, rows_pos;
    double weight_sum, positives;

    /* Linear predictor at gamma and at gamma_old; meaningful where w > 0. */
    double *eta, *eta_old;

    /* Newton system on the active set, at gamma: hess = Z'WZ (n_act², row-major,
     * unpenalised), grad = Z'w(y - μ) (gradient of the log-likelihood). */
    double *hess, *grad;
    double *fac;     /* k² scratch for factors */
    double *step;    /* k scratch */
    double *scratch; /* 2k scratch (coordinate descent) */
    size_t *support; /* k scratch (coordinate descent) */

    /* Packing buffers for logit_gram. */
    double *block, *row_sw, *row_res;
    size_t *row_idx;

    /* Grouped designs (logit_groups.c): flat per-level tables over all
     * groups (group g's levels start at lvl_off[g]), and per-task partials. */
    size_t *lvl_off;
    size_t *col_group; /* group of each X column */
    double *lvl_wsum;  /* Σ w over the level's rows with w > 0 */
    size_t *lvl_pos;   /* rows with w > 0 and y = 1 */
    size_t *lvl_neg;   /* rows with w > 0 and y = 0 */
    int32_t *lvl_act;  /* position in act of the level's column, -1 none */
    double *lvl_z;     /* the level's value in scaled units */
    double *lvl_eta;   /* its contribution to η under the last gamma */
    double *partial;   /* per task: n_act² Hessian, n_act gradient, deviance */
    uint32_t *tiles;   /* per task: LOGIT_TILE_ROWS × n_groups levels */
    double *blocks;    /* per task: k × LOGIT_BLOCK_ROWS, rows packed for dense designs */
    int dense_gram;    /* rows have non-zeros in most columns: pack and use the dense kernel */
    size_t n_tasks;
    double *colbuf; /* n: a column materialised (aliasing checks only) */

    int have_step;    /* gamma_old/eta_old hold the iterate before the last step */
    int fuse;         /* line searches also form X'WX at each trial (Newton, grouped) */
    int gram_fresh;   /* hess/grad are at gamma (formed by the last line search) */
    double deviance;  /* at gamma */
    double objective; /* deviance + 2·penalty at gamma */
    size_t iterations;
    int converged;
} logit_ws;

/* The spool of a grouped design's per-row arrays, or NULL (the heap). */
static inline ls_spool *logit_spool(const logit_ws *ws)
{
    return ws->grp ? ws->grp->spool : NULL;
}

static inline double logit_weight(const logit_ws *ws, size_t i)
{
    return ws->w ? ws->w[i] : 1.0;
}

/* Column of a dense X behind coefficient j, or NULL for the intercept. */
static inline const double *logit_dense_column(const logit_ws *ws, size_t j)
{
    if (ws->intercept && j == 0)
        return NULL;
    return ws->X + (j - (size_t)ws->intercept) * ws->n;
}

/* Column of X behind coefficient j, or NULL for the intercept. For a
 * grouped design the column is materialised in ws->colbuf (valid until the
 * next call): use it one column at a time. */
const double *logit_column(logit_ws *ws, size_t j);

static inline int logit_is_intercept(const logit_ws *ws, size_t j)
{
    return ws->intercept && j == 0;
}

/* λ2 in scaled units for coefficient j (0 for the intercept): the ridge
 * penalty's curvature, added to the diagonal of X'WX. */
static inline double logit_ridge_curvature(const logit_ws *ws, size_t j)
{
    return logit_is_intercept(ws, j) ? 0.0 : ws->l2 * ws->scale[j] * ws->scale[j];
}

/* --- logit_stats.c: the likelihood at γ, and inference ------------------ */

/* eta = Zγ for the active coefficients (all rows); grouped designs use ws's level tables. */
void logit_eta(logit_ws *ws, const double *gamma, double *eta);

/* -2·loglik over rows with weight > 0. */
double logit_deviance(const logit_ws *ws, const double *eta);

/* λ1·Σ|β_j| + λ2/2·Σβ_j² over the penalised active coefficients of gamma. */
double logit_penalty(const logit_ws *ws, const double *gamma);

/* Fills ws->hess and ws->grad at ws->eta over the active set, O(n·n_act²). */
void logit_gram(logit_ws *ws);

/* H += B·B' on the upper triangle (some of the lower is touched too: mirror
 * it afterwards) for a block B of k columns of m rows each, column stride ld. */
void logit_gram_block(const double *B, size_t ld, size_t m, size_t k, double *H);

/* --- logit_groups.c: the same passes over a grouped design ---------------- */

/* Allocates the per-level tables and the task partials, and tallies the
 * levels (weight sums and class counts over rows with w > 0). */
ls_status logit_groups_prepare(logit_ws *ws);
void logit_groups_release(logit_ws *ws);
/* Σ w·x² of X column xcol over rows with w > 0. */
double logit_groups_sum_squares(const logit_ws *ws, size_t xcol);
/* Class counts of X column xcol as logit's indicator tally: returns 0 if the
 * column takes a value other than 0 or 1 on a row with w > 0. */
int logit_groups_tally(const logit_ws *ws, size_t xcol, size_t *one_pos, size_t *one_neg,
                       size_t *zero_pos, size_t *zero_neg);
/* First row with w > 0 and a non-finite value (sets *xcol), or n. */
size_t logit_groups_bad_row(const logit_ws *ws, size_t *xcol);
void logit_groups_eta(logit_ws *ws, const double *gamma, double *eta);
double logit_groups_deviance(const logit_ws *ws, const double *eta);
void logit_groups_gram(logit_ws *ws);
/* η (into ws->eta), the deviance and X'WX with the gradient at gamma (which
 * must be ws->gamma), in one pass over the rows, with the same bits as
 * logit_groups_eta + logit_groups_deviance + logit_groups_gram. Returns 0
 * (nothing done) when the dense kernel is the one to use. */
int logit_groups_eval(logit_ws *ws, const double *gamma, double *deviance);
void logit_groups_column(const logit_ws *ws, size_t xcol, double *out);

/* In-place Cholesky of the m × m row-major symmetric a: L in the lower
 * triangle. Returns 0, or 1 if a pivot is not positive (no GSL error handler
 * is involved, so a near-singular Hessian is a value, not an abort). */
int logit_cholesky(double *a, size_t m);

/* Solves L·L'·x = b in place (b becomes x), L from logit_cholesky. */
void logit_cholesky_solve(const double *L, size_t m, double *b);

/* Allocates res and fills estimates, inference and fit statistics at ws->gamma
 * (ws->hess must be at ws->gamma). LS_ERR_NOMEM is the only failure. */
ls_status logit_fill_result(const logit_ws *ws, ls_fit_result *res, ls_error *err);

/* --- logit_fit.c --------------------------------------------------------- */

/* Moves from gamma along dir (n_act entries, scaled coordinates) by the
 * first of t = 1, 1/2, 1/4, ... that does not raise the objective by more
 * than tolerance·(|objective| + 0.1); gamma_old/eta_old keep the start.
 * Returns 0, or 1 if no step size worked (gamma and eta are then restored). */
int logit_line_search(logit_ws *ws, const double *dir, double tolerance);

/* --- logit_cd.c: lasso / elastic net ------------------------------------- */

/* Proximal Newton with a coordinate-descent inner loop, from ws->gamma with
 * ws->hess/grad fresh. Sets gamma, eta, hess (at the end point), deviance,
 * objective, iterations, converged. LS_OK or LS_ERR_NOCONVERGE. */
ls_status logit_fit_cd(logit_ws *ws, const ls_fit_options *opts, ls_error *err);

#endif
