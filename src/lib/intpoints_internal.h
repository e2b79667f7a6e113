/* Integer points: the shared internal forms of the indicators.
 *
 * An indicator is stored as the ascending list of the rows where it is 1 or,
 * when it is 1 on more than half of the rows, of the rows where it is 0
 * (`complement`). Every sum over an indicator's rows is then taken over the
 * shorter list, so no indicator costs more than n/2.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_INTPOINTS_INTERNAL_H
#define LS_INTPOINTS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "leadscore/intpoints.h"

typedef struct {
    uint32_t *idx; /* ascending rows (into the owning ip_data) */
    size_t len;
    int complement; /* 1: the indicator is 1 on the rows NOT listed */
    size_t ones;    /* rows where the indicator is 1 */
} ip_col;

typedef struct {
    size_t n, p;
    ip_col *cols;
    unsigned char *y; /* 0/1 */
    size_t pos;       /* rows with y = 1 */
    uint32_t *store;  /* the lists of every column, one allocation */
} ip_data;

void ip_data_release(ip_data *d);

/* The rows with keep[i] != 0, renumbered in order. 0 or LS_ERR_NOMEM. */
ls_status ip_data_subset(const ip_data *src, const unsigned char *keep, ip_data *dst);

/* Adds w to scores[i] for every row where column c is 1. */
void ip_col_add(const ip_data *d, size_t c, double w, double *scores);

/* The indicators of an ls_binary (all rows). */
const ip_data *ip_binary_data(const ls_binary *b);

/* Mean log-loss helpers. softplus(x) = log(1 + e^x), stable. */
double ip_softplus(double x);
double ip_sigmoid(double x);

/* Fits (a, c) in P = σ(a + c·s) to grouped totals: bins of score s[b] with
 * cnt[b] rows, pos[b] of them positive. Starts from *a, *c (c > 0 keeps the
 * card's direction; c is held >= 0). Returns the summed log-loss. */
double ip_fit_scale(const double *s, const double *cnt, const double *pos, size_t nb, double *a,
                    double *c);

/* Solves A x = b in place (A d×d symmetric positive definite, row-major;
 * only its lower triangle is read) by Cholesky, adding a growing jitter to
 * the diagonal when needed. 0 if it cannot. */
int ip_chol_solve(double *A, size_t d, double *b);

#endif
