/* Integer points: the search (FasterRisk's three steps, done exactly where
 * the data allow it, in C).
 *
 * Grouping. On a support of s indicators every row falls into one of at most
 * min(n, 2^s) patterns; the logistic loss of any model on that support
 * depends only on the count and positives of each pattern. A support is
 * therefore kept as its groups (mask, count, positives) and each row's group
 * id; fits on a support cost O(groups·s²), not O(n·s), and adding an
 * indicator splits every group in two in O(n) (its rows' list marks the 1s).
 *
 * 1. Sparse beam search (FasterRisk's sparseBeamSearch, parent_size and
 *    child_size): from the intercept-only model, each kept support proposes
 *    `children` new indicators, ranked by the score test (gradient² over the
 *    information left after refitting the intercept), each refit on its own
 *    (new coefficient and intercept, the rest held). The 2·beam_width best
 *    distinct supports are refit exactly — box-constrained Newton on the
 *    groups, coefficients in [lo, hi] in step units — and the beam_width best
 *    are kept for the next size.
 * 2. Star-ray search (FasterRisk's starRaySearch): each kept support's
 *    coefficients β are scaled by `multipliers` values m from 1 to the
 *    largest that keeps m·β in the range, and rounded; the intercept stays
 *    free (FasterRisk rounds it too).
 * 3. Integer search (ours): on the best few roundings, every indicator's
 *    points are tried at every value within ±SEARCH_WINDOW steps, refitting
 *    the intercept and the multiplier for each trial on the histogram of
 *    totals, until no single change lowers the loss; then moves of two or
 *    three points by ±1 at once, and again. FasterRisk scores a rounding with
 *    the multiplier it was scaled by; refitting it is never worse.
 * The card of a size is the lowest-loss integer card over the kept supports,
 * except that cards within half a standard error of that loss (they cannot be
 * told apart on the training rows) are ranked by training AUC: integer totals
 * tie, and the finer-ranking of two equally good cards is the better card.
 *
 * Every step is deterministic: ties in rankings go to the lower index.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "intpoints_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "error_internal.h"

#define KMAX LS_INTPOINTS_MAX_CRITERIA
#define ROUNDINGS_SEARCHED 3 /* best roundings of a support given to the coordinate search */
#define SEARCH_WINDOW                                                                              \
    4 /* a coordinate move tries values within ±4 steps (repeated                                 \
         sweeps walk further) */

void ls_intpoints_options_init(ls_intpoints_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_criteria = 7;
    o->points_lo = -5;
    o->points_hi = 5;
    o->step = 1;
    o->cards = 3;
    o->beam_width = 10;
    o->children = 10;
    o->multipliers = 20;
    o->local_search = 1;
}

ls_status ls_intpoints_options_check(const ls_intpoints_options *o, ls_error *err)
{
    if (o->max_criteria < 1 || o->max_criteria > KMAX)
        return ls_fail(err, LS_ERR_USAGE,
                       "the number of criteria must be between 1 and %d, not %zu", KMAX,
                       o->max_criteria);
    if (o->step < 1)
        return ls_fail(err, LS_ERR_USAGE, "the points step must be at least 1, not %ld", o->step);
    if (!(o->points_lo <= 0 && o->points_hi >= 0 && o->points_lo < o->points_hi))
        return ls_fail(err, LS_ERR_USAGE,
                       "the points range %ld..%ld must hold 0 and at least one other value",
                       o->points_lo, o->points_hi);
    if (o->points_hi / o->step == 0 && o->points_lo / o->step == 0)
        return ls_fail(err, LS_ERR_USAGE, "no multiple of %ld other than 0 lies in %ld..%ld",
                       o->step, o->points_lo, o->points_hi);
    if (o->points_hi > 10000 || o->points_lo < -10000)
        return ls_fail(err, LS_ERR_USAGE, "the points range is limited to -10000..10000");
    if ((o->points_hi - o->points_lo) / o->step > 2000)
        return ls_fail(
            err, LS_ERR_USAGE, "%ld..%ld in steps of %ld is %ld values: at most 2001 are searched",
            o->points_lo, o->points_hi, o->step, (o->points_hi - o->points_lo) / o->step + 1);
    if (o->cards < 1)
        return ls_fail(err, LS_ERR_USAGE, "ask for at least one card");
    if (o->beam_width < 1 || o->beam_width > 1000 || o->children < 1 || o->children > 1000)
        return ls_fail(err, LS_ERR_USAGE, "beam width and children must be between 1 and 1000");
    if (o->multipliers < 1 || o->multipliers > 10000)
        return ls_fail(err, LS_ERR_USAGE, "multipliers must be between 1 and 10000");
    return LS_OK;
}

/* ---- supports as groups --------------------------------------------------- */

typedef struct {
    size_t s;
    size_t feat[KMAX];
    double beta0, beta[KMAX]; /* continuous fit, step units */
    double loss;              /* summed log-loss of that fit */
    size_t G;
    uint32_t *gid;  /* n: each row's group */
    uint32_t *mask; /* G: bit k set when indicator feat[k] is 1 */
    double *cnt, *pos;
} node;

static void node_release(node *nd)
{
    free(nd->gid);
    free(nd->mask);
    free(nd->cnt);
    free(nd->pos);
    memset(nd, 0, sizeof *nd);
}

typedef struct {
    const ip_data *d;
    const ls_intpoints_options *o;
    long ulo, uhi; /* the range in steps */
    /* scratch, n or more entries */
    float *prow;     /* n: the parent's fitted probability of each row's group */
    double *listpos; /* p: positives among each column's listed rows */
    unsigned char *mark;
    double *c1, *p1;     /* per parent group: rows / positives with the new indicator */
    uint32_t *id0, *id1; /* per parent group: child group ids */
    double *eta, *pr;    /* per group */
    size_t cap_groups;
} search;

static int support_has(const node *nd, size_t j)
{
    for (size_t k = 0; k < nd->s; k++)
        if (nd->feat[k] == j)
            return 1;
    return 0;
}

/* Marks (1) the rows where indicator j is 1; clear_marks undoes it. */
static void set_marks(search *S, size_t j)
{
    const ip_col *c = &S->d->cols[j];
    if (c->complement) {
        memset(S->mark, 1, S->d->n);
        for (size_t k = 0; k < c->len; k++)
            S->mark[c->idx[k]] = 0;
    } else {
        for (size_t k = 0; k < c->len; k++)
            S->mark[c->idx[k]] = 1;
    }
}

static void clear_marks(search *S, size_t j)
{
    const ip_col *c = &S->d->cols[j];
    if (c->complement)
        memset(S->mark, 0, S->d->n);
    else
        for (size_t k = 0; k < c->len; k++)
            S->mark[c->idx[k]] = 0;
}

/* Rows and positives with indicator j = 1 in each group of nd, into S->c1/p1. */
static void split_counts(search *S, const node *nd, size_t j)
{
    const ip_col *c = &S->d->cols[j];
    const unsigned char *y = S->d->y;
    memset(S->c1, 0, nd->G * sizeof *S->c1);
    memset(S->p1, 0, nd->G * sizeof *S->p1);
    for (size_t k = 0; k < c->len; k++) {
        uint32_t i = c->idx[k], g = nd->gid[i];
        S->c1[g] += 1;
        S->p1[g] += y[i];
    }
    if (c->complement)
        for (size_t g = 0; g < nd->G; g++) {
            S->c1[g] = nd->cnt[g] - S->c1[g];
            S->p1[g] = nd->pos[g] - S->p1[g];
        }
}

/* child = parent + indicator j: groups, counts and row ids. The caller sets
 * the coefficients. 0 on allocation failure. */
static int materialize(search *S, const node *parent, size_t j, node *child)
{
    memset(child, 0, sizeof *child);
    size_t n = S->d->n, G = parent->G;
    split_counts(S, parent, j);
    size_t cg = 0;
    for (size_t g = 0; g < G; g++) {
        S->id0[g] = parent->cnt[g] - S->c1[g] > 0 ? (uint32_t)cg++ : UINT32_MAX;
        S->id1[g] = S->c1[g] > 0 ? (uint32_t)cg++ : UINT32_MAX;
    }
    child->gid = malloc((n ? n : 1) * sizeof *child->gid);
    child->mask = malloc(cg * sizeof *child->mask);
    child->cnt = malloc(cg * sizeof *child->cnt);
    child->pos = malloc(cg * sizeof *child->pos);
    if (!child->gid || !child->mask || !child->cnt || !child->pos) {
        node_release(child);
        return 0;
    }
    uint32_t bit = (uint32_t)1 << parent->s;
    for (size_t g = 0; g < G; g++) {
        if (S->id0[g] != UINT32_MAX) {
            child->mask[S->id0[g]] = parent->mask[g];
            child->cnt[S->id0[g]] = parent->cnt[g] - S->c1[g];
            child->pos[S->id0[g]] = parent->pos[g] - S->p1[g];
        }
        if (S->id1[g] != UINT32_MAX) {
            child->mask[S->id1[g]] = parent->mask[g] | bit;
            child->cnt[S->id1[g]] = S->c1[g];
            child->pos[S->id1[g]] = S->p1[g];
        }
    }
    set_marks(S, j);
    for (size_t i = 0; i < n; i++) {
        uint32_t g = parent->gid[i];
        child->gid[i] = S->mark[i] ? S->id1[g] : S->id0[g];
    }
    clear_marks(S, j);
    child->G = cg;
    child->s = parent->s + 1;
    memcpy(child->feat, parent->feat, parent->s * sizeof *child->feat);
    child->feat[parent->s] = j;
    return 1;
}

/* ---- continuous fits on groups -------------------------------------------- */

static double group_loss(const node *nd, const double *x, double l2, double *eta)
{
    double f = 0;
    for (size_t g = 0; g < nd->G; g++) {
        double e = x[0];
        for (uint32_t m = nd->mask[g]; m; m &= m - 1)
            e += x[1 + __builtin_ctz(m)];
        if (eta)
            eta[g] = e;
        f += nd->cnt[g] * ip_softplus(e) - nd->pos[g] * e;
    }
    for (size_t k = 0; k < nd->s; k++)
        f += 0.5 * l2 * x[1 + k] * x[1 + k];
    return f;
}

/* Solves A x = b (A d×d symmetric, row-major, overwritten) by Cholesky with
 * growing jitter. 0 if it cannot. */
int ip_chol_solve(double *A, size_t d, double *b)
{
    double jitter = 0;
    double *L = malloc(d * d * sizeof *L);
    if (!L)
        return 0;
    double diag = 0;
    for (size_t i = 0; i < d; i++)
        diag = fmax(diag, A[i * d + i]);
    for (int attempt = 0; attempt < 12; attempt++) {
        int ok = 1;
        for (size_t i = 0; i < d && ok; i++)
            for (size_t j = 0; j <= i; j++) {
                double sum = A[i * d + j] + (i == j ? jitter : 0);
                for (size_t k = 0; k < j; k++)
                    sum -= L[i * d + k] * L[j * d + k];
                if (i == j) {
                    if (!(sum > 0)) {
                        ok = 0;
                        break;
                    }
                    L[i * d + i] = sqrt(sum);
                } else {
                    L[i * d + j] = sum / L[j * d + j];
                }
            }
        if (ok) {
            for (size_t i = 0; i < d; i++) {
                double sum = b[i];
                for (size_t k = 0; k < i; k++)
                    sum -= L[i * d + k] * b[k];
                b[i] = sum / L[i * d + i];
            }
            for (size_t i = d; i-- > 0;) {
                double sum = b[i];
                for (size_t k = i + 1; k < d; k++)
                    sum -= L[k * d + i] * b[k];
                b[i] = sum / L[i * d + i];
            }
            free(L);
            return 1;
        }
        jitter = jitter ? jitter * 100 : 1e-10 * (diag > 0 ? diag : 1);
    }
    free(L);
    return 0;
}

/* Box-constrained Newton (projected, with an active set) of the intercept
 * x[0] and coefficients x[1..s] (each in [lo, hi]) on the groups of nd, with
 * ridge l2 on the coefficients. Returns the summed objective. */
static double fit_support(search *S, const node *nd, double *x, double lo, double hi, double l2)
{
    size_t s = nd->s, d = s + 1;
    double H[(KMAX + 1) * (KMAX + 1)], g[KMAX + 1], dir[KMAX + 1], xn[KMAX + 1],
        Hf[(KMAX + 1) * (KMAX + 1)];
    size_t freev[KMAX + 1] = {0};
    for (size_t k = 1; k < d; k++)
        x[k] = fmin(hi, fmax(lo, x[k]));
    double f = group_loss(nd, x, l2, S->eta);
    for (int it = 0; it < 100; it++) {
        memset(H, 0, d * d * sizeof *H);
        memset(g, 0, d * sizeof *g);
        for (size_t q = 0; q < nd->G; q++) {
            double p = ip_sigmoid(S->eta[q]);
            double r = nd->cnt[q] * p - nd->pos[q], w = nd->cnt[q] * p * (1 - p);
            size_t on[KMAX + 1], m = 0;
            on[m++] = 0;
            for (uint32_t mk = nd->mask[q]; mk; mk &= mk - 1)
                on[m++] = 1 + (size_t)__builtin_ctz(mk);
            for (size_t a = 0; a < m; a++) {
                g[on[a]] += r;
                for (size_t b = 0; b <= a; b++)
                    H[on[a] * d + on[b]] += w;
            }
        }
        for (size_t k = 1; k < d; k++) {
            g[k] += l2 * x[k];
            H[k * d + k] += l2;
        }
        size_t nf = 0;
        for (size_t k = 0; k < d; k++) {
            int at_lo = k > 0 && x[k] <= lo && g[k] > 0;
            int at_hi = k > 0 && x[k] >= hi && g[k] < 0;
            if (!at_lo && !at_hi)
                freev[nf++] = k;
        }
        for (size_t a = 0; a < nf; a++) {
            for (size_t b = 0; b < nf; b++) {
                size_t i = freev[a], j = freev[b];
                Hf[a * nf + b] = i >= j ? H[i * d + j] : H[j * d + i];
            }
            dir[a] = -g[freev[a]];
        }
        if (nf == 0 || !ip_chol_solve(Hf, nf, dir))
            break;
        double t = 1, fn = f;
        int moved = 0;
        for (int k = 0; k < 40; k++, t *= 0.5) {
            memcpy(xn, x, d * sizeof *xn);
            for (size_t a = 0; a < nf; a++) {
                size_t i = freev[a];
                xn[i] = x[i] + t * dir[a];
                if (i > 0)
                    xn[i] = fmin(hi, fmax(lo, xn[i]));
            }
            fn = group_loss(nd, xn, l2, NULL);
            if (fn <= f) {
                moved = 1;
                break;
            }
        }
        if (!moved)
            break;
        double change = 0;
        for (size_t k = 0; k < d; k++)
            change = fmax(change, fabs(xn[k] - x[k]));
        double gain = f - fn;
        memcpy(x, xn, d * sizeof *x);
        f = group_loss(nd, x, l2, S->eta);
        if (change < 1e-10 || gain <= 1e-13 * (1 + f))
            break;
    }
    return f;
}

/* ---- beam search ---------------------------------------------------------- */

typedef struct {
    size_t parent, j;
    double loss; /* after refitting the new coefficient and the intercept */
    double d0, bj;
} child;

static int by_child_loss(const void *a, const void *b)
{
    const child *x = a, *y = b;
    if (x->loss != y->loss)
        return (x->loss > y->loss) - (x->loss < y->loss);
    if (x->parent != y->parent)
        return (x->parent > y->parent) - (x->parent < y->parent);
    return (x->j > y->j) - (x->j < y->j);
}

typedef struct {
    double score;
    size_t j;
} ranked;

static int by_score_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score)
        return (x->score < y->score) - (x->score > y->score);
    return (x->j > y->j) - (x->j < y->j);
}

static double two_loss(search *S, const node *nd, const double *eta, double x0, double x1)
{
    double f = 0;
    for (size_t q = 0; q < nd->G; q++) {
        double c1 = S->c1[q], p1 = S->p1[q];
        double c0 = nd->cnt[q] - c1, p0 = nd->pos[q] - p1;
        double e0 = eta[q] + x0, e1 = e0 + x1;
        f += c0 * ip_softplus(e0) - p0 * e0 + c1 * ip_softplus(e1) - p1 * e1;
    }
    return f;
}

/* Refits (intercept shift d0, new coefficient bj in the box) of parent + j
 * with the parent's other coefficients held; the counts are in S->c1/p1.
 * Newton with backtracking; returns the summed loss. */
static double fit_new_coefficient(search *S, const node *nd, const double *eta, double *d0,
                                  double *bj)
{
    double lo = (double)S->ulo, hi = (double)S->uhi;
    double x0 = 0, x1 = 0, f = two_loss(S, nd, eta, 0, 0);
    for (int it = 0; it < 50; it++) {
        double g0 = 0, g1 = 0, h00 = 1e-12, h01 = 0, h11 = 1e-12;
        for (size_t q = 0; q < nd->G; q++) {
            double c1 = S->c1[q], p1 = S->p1[q];
            double c0 = nd->cnt[q] - c1, p0 = nd->pos[q] - p1;
            double q0 = ip_sigmoid(eta[q] + x0), q1 = ip_sigmoid(eta[q] + x0 + x1);
            double v1 = c1 * q1 * (1 - q1);
            g0 += c0 * q0 - p0 + c1 * q1 - p1;
            g1 += c1 * q1 - p1;
            h00 += c0 * q0 * (1 - q0) + v1;
            h01 += v1;
            h11 += v1;
        }
        double det = h00 * h11 - h01 * h01, s0, s1;
        if (det > 1e-12 * h00 * h11) {
            s0 = -(h11 * g0 - h01 * g1) / det;
            s1 = -(h00 * g1 - h01 * g0) / det;
        } else {
            s0 = -g0 / h00;
            s1 = 0;
        }
        /* at a bound with the gradient pushing out: the intercept alone */
        if ((x1 >= hi && g1 < 0) || (x1 <= lo && g1 > 0)) {
            s0 = -g0 / h00;
            s1 = 0;
        }
        double t = 1, n0 = x0, n1 = x1, fn = f;
        int moved = 0;
        for (int k = 0; k < 40; k++, t *= 0.5) {
            n1 = fmin(hi, fmax(lo, x1 + t * s1));
            n0 = x0 + t * s0;
            fn = two_loss(S, nd, eta, n0, n1);
            if (fn <= f) {
                moved = 1;
                break;
            }
        }
        if (!moved)
            break;
        double change = fabs(n0 - x0) + fabs(n1 - x1), gain = f - fn;
        x0 = n0;
        x1 = n1;
        f = fn;
        if (change < 1e-9 || gain <= 1e-13 * (1 + f))
            break;
    }
    *d0 = x0;
    *bj = x1;
    return f;
}

/* Σ p and Σ p² over the listed rows, four independent sums at a time (the
 * loop is bound by the latency of the additions, not by memory). */
static void list_moments(const float *p, const uint32_t *idx, size_t len, double *s1, double *s2)
{
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    size_t k = 0;
    for (; k + 4 <= len; k += 4) {
        double p0 = p[idx[k]], p1 = p[idx[k + 1]], p2 = p[idx[k + 2]], p3 = p[idx[k + 3]];
        a0 += p0;
        a1 += p1;
        a2 += p2;
        a3 += p3;
        b0 += p0 * p0;
        b1 += p1 * p1;
        b2 += p2 * p2;
        b3 += p3 * p3;
    }
    for (; k < len; k++) {
        double q = p[idx[k]];
        a0 += q;
        b0 += q * q;
    }
    *s1 = (a0 + a1) + (a2 + a3);
    *s2 = (b0 + b1) + (b2 + b3);
}

/* Proposes up to `children` children of beam[b] into out; returns how many. */
static size_t expand(search *S, const node *nd, size_t b, child *out, ranked *rank)
{
    const ip_data *d = S->d;
    size_t n = d->n, nc = 0;
    double x[KMAX + 1];
    x[0] = nd->beta0;
    memcpy(x + 1, nd->beta, nd->s * sizeof *x);
    group_loss(nd, x, 0, S->eta);
    double R = 0, V = 0;
    for (size_t q = 0; q < nd->G; q++) {
        double p = ip_sigmoid(S->eta[q]);
        S->pr[q] = p;
        R += nd->cnt[q] * p - nd->pos[q];
        V += nd->cnt[q] * p * (1 - p);
    }
    /* The gradient and curvature of indicator j are sums over its rows of
     * p - y and p(1 - p), p the row's group probability: one float per row
     * is read, the positives of each list are known in advance. */
    for (size_t i = 0; i < n; i++)
        S->prow[i] = (float)S->pr[nd->gid[i]];
    size_t m = 0;
    for (size_t j = 0; j < d->p; j++) {
        if (support_has(nd, j))
            continue;
        const ip_col *c = &d->cols[j];
        double s1 = 0, s2 = 0;
        list_moments(S->prow, c->idx, c->len, &s1, &s2);
        double gr = s1 - S->listpos[j], h = s1 - s2;
        if (c->complement) {
            gr = R - gr;
            h = V - h;
        }
        double info = h - (V > 0 ? h * h / V : 0);
        rank[m++] = (ranked){info > 1e-12 ? gr * gr / info : 0, j};
    }
    qsort(rank, m, sizeof *rank, by_score_desc);
    for (size_t k = 0; k < m && nc < S->o->children; k++) {
        size_t j = rank[k].j;
        split_counts(S, nd, j);
        double d0, bj;
        double f = fit_new_coefficient(S, nd, S->eta, &d0, &bj);
        out[nc++] = (child){b, j, f, d0, bj};
    }
    return nc;
}

static int same_support(const node *nd, size_t j, const size_t *feat, size_t s)
{
    /* nd + j against feat (both s indicators) as sets */
    for (size_t k = 0; k < s; k++) {
        size_t f = feat[k];
        if (f != j && !support_has(nd, f))
            return 0;
    }
    return 1;
}

/* ---- integer cards -------------------------------------------------------- */

typedef struct {
    long u[KMAX]; /* points in steps, in support order */
    double a, c;  /* P = σ(a + c·Σu) */
    double loss;  /* summed log-loss */
    size_t node;  /* beam index of the support */
    double auc;   /* training AUC (filled when choosing) */
} intsol;

/* Integer cards whose loss is within a relative tolerance of the best seen.
 * Integer totals tie, and two cards can fit the data equally well while one
 * ranks leads far more finely (X Education, 5 criteria: points 5,-3,3,-2,2
 * and 5,-4,4,-2,3 differ by 0.005% in log-loss and by 0.0035 in AUC). Cards
 * whose mean log-loss is within NEAR_TIE_SE standard errors of the best (the
 * standard error of the mean log-loss per row of the support's continuous
 * fit) cannot be told apart on the training data; among them the card with
 * the higher training AUC is returned. With many rows the tolerance shrinks
 * and the choice is by log-loss alone, as FasterRisk's. */
#define NEAR_TIE_SE 0.5
#define ELITES 64

typedef struct {
    intsol v[ELITES];
    size_t n;
    double best;
    double tol; /* relative */
} elites;

static int same_u(const long *a, const long *b, size_t s)
{
    for (size_t k = 0; k < s; k++)
        if (a[k] != b[k])
            return 0;
    return 1;
}

static void elite_offer(elites *E, const intsol *x, size_t s)
{
    int any = 0;
    for (size_t k = 0; k < s && !any; k++)
        any = x->u[k] != 0;
    if (!any)
        return; /* no points at all: not a card */
    if (E->n && x->loss > E->best * (1 + E->tol))
        return;
    if (!E->n || x->loss < E->best) {
        E->best = x->loss;
        size_t w = 0;
        for (size_t i = 0; i < E->n; i++)
            if (E->v[i].loss <= E->best * (1 + E->tol))
                E->v[w++] = E->v[i];
        E->n = w;
    }
    for (size_t i = 0; i < E->n; i++)
        if (E->v[i].node == x->node && same_u(E->v[i].u, x->u, s)) {
            if (x->loss < E->v[i].loss)
                E->v[i] = *x;
            return;
        }
    if (E->n < ELITES) {
        E->v[E->n++] = *x;
        return;
    }
    size_t worst = 0;
    for (size_t i = 1; i < E->n; i++)
        if (E->v[i].loss > E->v[worst].loss)
            worst = i;
    if (x->loss < E->v[worst].loss)
        E->v[worst] = *x;
}

typedef struct {
    long lo;     /* total of bin 0 */
    size_t span; /* bins that cover every reachable total */
    double *acc_c, *acc_p;
    double *s0, *c0, *p0, *s1, *c1, *p1; /* the two halves of a coordinate's histogram */
    double *ts, *tc, *tp;                /* a trial's bins */
} int_ws;

/* Histogram of totals Σ u over the groups of nd, as bins (total, rows,
 * positives) ascending. bit_state -1: every group, full totals; 0 or 1: only
 * the groups whose indicator `bit` is in that state, totals without it. */
static size_t fill_bins(const node *nd, const long *u, int bit_state, size_t bit, int_ws *w,
                        double *s, double *cnt, double *pos)
{
    memset(w->acc_c, 0, w->span * sizeof *w->acc_c);
    memset(w->acc_p, 0, w->span * sizeof *w->acc_p);
    for (size_t q = 0; q < nd->G; q++) {
        uint32_t mk = nd->mask[q];
        if (bit_state >= 0) {
            if ((int)((mk >> bit) & 1) != bit_state)
                continue;
            mk &= ~((uint32_t)1 << bit);
        }
        long t = 0;
        for (uint32_t m = mk; m; m &= m - 1)
            t += u[__builtin_ctz(m)];
        w->acc_c[t - w->lo] += nd->cnt[q];
        w->acc_p[t - w->lo] += nd->pos[q];
    }
    size_t nb = 0;
    for (size_t b = 0; b < w->span; b++)
        if (w->acc_c[b] > 0) {
            s[nb] = (double)(w->lo + (long)b);
            cnt[nb] = w->acc_c[b];
            pos[nb] = w->acc_p[b];
            nb++;
        }
    return nb;
}

static double int_loss(const node *nd, int_ws *w, intsol *x)
{
    size_t nb = fill_bins(nd, x->u, -1, 0, w, w->ts, w->tc, w->tp);
    x->loss = ip_fit_scale(w->ts, w->tc, w->tp, nb, &x->a, &x->c);
    return x->loss;
}

/* NEAR_TIE_SE standard errors of the mean per-row log-loss of nd's
 * continuous fit, relative to that mean. */
static double near_tie(const node *nd)
{
    double x[KMAX + 1], sum = 0, sq = 0, n = 0;
    x[0] = nd->beta0;
    memcpy(x + 1, nd->beta, nd->s * sizeof *x);
    for (size_t q = 0; q < nd->G; q++) {
        double e = x[0];
        for (uint32_t m = nd->mask[q]; m; m &= m - 1)
            e += x[1 + __builtin_ctz(m)];
        double l0 = ip_softplus(e), l1 = l0 - e, neg = nd->cnt[q] - nd->pos[q];
        sum += nd->pos[q] * l1 + neg * l0;
        sq += nd->pos[q] * l1 * l1 + neg * l0 * l0;
        n += nd->cnt[q];
    }
    double mean = sum / n, var = sq / n - mean * mean;
    if (!(mean > 0) || !(var > 0))
        return 0;
    return NEAR_TIE_SE * sqrt(var / n) / mean;
}

/* Integer coordinate search: see the file comment. Every trial is offered
 * to the near-ties. */
static void local_search(search *S, const node *nd, int_ws *w, intsol *x, elites *E)
{
    size_t s = nd->s;
    for (int sweep = 0; sweep < 50; sweep++) {
        int improved = 0;
        for (size_t k = 0; k < s; k++) {
            size_t n0 = fill_bins(nd, x->u, 0, k, w, w->s0, w->c0, w->p0);
            size_t n1 = fill_bins(nd, x->u, 1, k, w, w->s1, w->c1, w->p1);
            intsol best = *x, trial = *x;
            long vlo = x->u[k] - SEARCH_WINDOW, vhi = x->u[k] + SEARCH_WINDOW;
            vlo = vlo < S->ulo ? S->ulo : vlo;
            vhi = vhi > S->uhi ? S->uhi : vhi;
            for (long v = vlo; v <= vhi; v++) {
                if (v == x->u[k])
                    continue;
                memcpy(w->ts, w->s0, n0 * sizeof *w->ts);
                memcpy(w->tc, w->c0, n0 * sizeof *w->tc);
                memcpy(w->tp, w->p0, n0 * sizeof *w->tp);
                for (size_t b = 0; b < n1; b++) {
                    w->ts[n0 + b] = w->s1[b] + (double)v;
                    w->tc[n0 + b] = w->c1[b];
                    w->tp[n0 + b] = w->p1[b];
                }
                trial.u[k] = v;
                trial.a = x->a;
                trial.c = x->c;
                trial.loss = ip_fit_scale(w->ts, w->tc, w->tp, n0 + n1, &trial.a, &trial.c);
                elite_offer(E, &trial, s);
                if (trial.loss < best.loss - 1e-9 * (1 + best.loss))
                    best = trial;
            }
            if (best.u[k] != x->u[k]) {
                *x = best;
                improved = 1;
            }
        }
        if (!improved)
            break;
    }
}

/* Moves of two or three points at once by ±1 each (single moves are the
 * coordinate search's). Returns 1 and updates x when one lowers the loss. */
static int joint_moves(search *S, const node *nd, int_ws *w, intsol *x, elites *E)
{
    size_t s = nd->s;
    intsol best = *x;
    size_t idx[3];
    for (size_t h = 2; h <= 3 && h <= s; h++) {
        /* every h-subset of the support, every sign pattern */
        for (size_t i = 0; i < h; i++)
            idx[i] = i;
        for (;;) {
            for (unsigned signs = 0; signs < (1u << h); signs++) {
                intsol t = *x;
                int ok = 1;
                for (size_t q = 0; q < h && ok; q++) {
                    long v = t.u[idx[q]] + ((signs >> q) & 1 ? 1 : -1);
                    ok = v >= S->ulo && v <= S->uhi;
                    t.u[idx[q]] = v;
                }
                if (!ok)
                    continue;
                int_loss(nd, w, &t);
                elite_offer(E, &t, s);
                if (t.loss < best.loss - 1e-9 * (1 + best.loss))
                    best = t;
            }
            size_t q = h;
            while (q > 0 && idx[q - 1] == s - h + q - 1)
                q--;
            if (q == 0)
                break;
            idx[q - 1]++;
            for (size_t r = q; r < h; r++)
                idx[r] = idx[r - 1] + 1;
        }
    }
    if (same_u(best.u, x->u, s))
        return 0;
    *x = best;
    return 1;
}

/* Integer cards on nd's support (beam index b), offered to E. 0 when none
 * (every β is zero), -1 when out of memory. */
static int integerize(search *S, const node *nd, size_t b, elites *E)
{
    size_t s = nd->s;
    double mmax = INFINITY;
    for (size_t k = 0; k < s; k++) {
        if (nd->beta[k] > 1e-8)
            mmax = fmin(mmax, (double)S->uhi / nd->beta[k]);
        else if (nd->beta[k] < -1e-8)
            mmax = fmin(mmax, (double)S->ulo / nd->beta[k]);
    }
    if (!isfinite(mmax))
        return 0;
    int_ws w;
    memset(&w, 0, sizeof w);
    long maxabs = S->uhi > -S->ulo ? S->uhi : -S->ulo;
    w.lo = -(long)s * maxabs - maxabs;
    w.span = (size_t)(2 * ((long)s + 1) * maxabs + 1);
    size_t nbmax = w.span < nd->G ? w.span : nd->G;
    w.acc_c = malloc(w.span * sizeof(double));
    w.acc_p = malloc(w.span * sizeof(double));
    double *buf = malloc((12 * nbmax + 6) * sizeof(double));
    if (!w.acc_c || !w.acc_p || !buf) {
        free(w.acc_c);
        free(w.acc_p);
        free(buf);
        return -1;
    }
    w.s0 = buf;
    w.c0 = w.s0 + nbmax + 1;
    w.p0 = w.c0 + nbmax + 1;
    w.s1 = w.p0 + nbmax + 1;
    w.c1 = w.s1 + nbmax + 1;
    w.p1 = w.c1 + nbmax + 1;
    w.ts = w.p1 + nbmax + 1;
    w.tc = w.ts + 2 * nbmax;
    w.tp = w.tc + 2 * nbmax;

    /* star ray: m from 1 to mmax, each rounding scored with (a, c) refit */
    size_t M = S->o->multipliers;
    intsol top[ROUNDINGS_SEARCHED];
    size_t ntop = 0;
    for (size_t r = 0; r < M; r++) {
        double m =
            M == 1 || mmax <= 1 ? fmin(1, mmax) : 1 + (mmax - 1) * (double)r / (double)(M - 1);
        intsol x;
        memset(&x, 0, sizeof x);
        x.node = b;
        for (size_t k = 0; k < s; k++) {
            double v = floor(m * nd->beta[k] + 0.5);
            x.u[k] = (long)fmin((double)S->uhi, fmax((double)S->ulo, v));
        }
        x.a = nd->beta0;
        x.c = 1 / m;
        int_loss(nd, &w, &x);
        elite_offer(E, &x, s);
        int dup = 0;
        for (size_t t = 0; t < ntop && !dup; t++)
            dup = same_u(top[t].u, x.u, s);
        if (dup)
            continue;
        size_t pos = ntop;
        while (pos > 0 && top[pos - 1].loss > x.loss)
            pos--;
        if (pos >= ROUNDINGS_SEARCHED)
            continue;
        size_t last = ntop < ROUNDINGS_SEARCHED ? ntop : ROUNDINGS_SEARCHED - 1;
        memmove(&top[pos + 1], &top[pos], (last - pos) * sizeof *top);
        top[pos] = x;
        if (ntop < ROUNDINGS_SEARCHED)
            ntop++;
    }
    /* coordinate search from each of the best roundings; joint moves from the best result */
    size_t best_t = 0;
    for (size_t t = 0; t < ntop && S->o->local_search; t++) {
        local_search(S, nd, &w, &top[t], E);
        if (top[t].loss < top[best_t].loss)
            best_t = t;
    }
    for (int round = 0; ntop && S->o->local_search && round < 20; round++) {
        if (!joint_moves(S, nd, &w, &top[best_t], E))
            break;
        local_search(S, nd, &w, &top[best_t], E);
    }
    free(w.acc_c);
    free(w.acc_p);
    free(buf);
    return ntop > 0;
}

/* AUC of totals given as bins ascending by total (ties count one half). */
static double histogram_auc(const double *cnt, const double *pos, size_t nb)
{
    double P = 0, N = 0, auc = 0, below_neg = 0;
    for (size_t b = 0; b < nb; b++) {
        P += pos[b];
        N += cnt[b] - pos[b];
    }
    for (size_t b = 0; b < nb; b++) {
        double neg = cnt[b] - pos[b];
        auc += pos[b] * (below_neg + 0.5 * neg);
        below_neg += neg;
    }
    return P > 0 && N > 0 ? auc / (P * N) : NAN;
}

/* Training AUC of an integer solution on its support's groups. */
static double solution_auc(search *S, const node *nd, const intsol *x)
{
    long maxabs = S->uhi > -S->ulo ? S->uhi : -S->ulo;
    long lo = -(long)nd->s * maxabs;
    size_t span = (size_t)(2 * (long)nd->s * maxabs + 1);
    double *acc = calloc(2 * span, sizeof *acc);
    if (!acc)
        return NAN;
    for (size_t q = 0; q < nd->G; q++) {
        long t = 0;
        for (uint32_t m = nd->mask[q]; m; m &= m - 1)
            t += x->u[__builtin_ctz(m)];
        acc[t - lo] += nd->cnt[q];
        acc[span + (size_t)(t - lo)] += nd->pos[q];
    }
    double auc = histogram_auc(acc, acc + span, span);
    free(acc);
    return auc;
}

static ls_status make_card(search *S, const node *nd, const intsol *x, size_t slot, ls_card *card)
{
    memset(card, 0, sizeof *card);
    size_t k = 0;
    for (size_t q = 0; q < nd->s; q++)
        k += x->u[q] != 0;
    card->slot = slot;
    card->size = k;
    card->features = malloc((k ? k : 1) * sizeof *card->features);
    card->points = malloc((k ? k : 1) * sizeof *card->points);
    if (!card->features || !card->points)
        return LS_ERR_NOMEM;
    /* ascending indicator order */
    size_t used = 0;
    for (size_t q = 0; q < nd->s; q++) {
        if (x->u[q] == 0)
            continue;
        size_t pos = used;
        while (pos > 0 && card->features[pos - 1] > nd->feat[q]) {
            card->features[pos] = card->features[pos - 1];
            card->points[pos] = card->points[pos - 1];
            pos--;
        }
        card->features[pos] = nd->feat[q];
        card->points[pos] = x->u[q] * S->o->step;
        used++;
    }
    long lo = 0, hi = 0;
    for (size_t q = 0; q < k; q++) {
        lo += card->points[q] < 0 ? card->points[q] : 0;
        hi += card->points[q] > 0 ? card->points[q] : 0;
    }
    card->score_min = lo;
    card->score_max = hi;
    double c = x->c > 0 ? x->c : 1e-300;
    card->multiplier = (double)S->o->step / c;
    card->intercept = x->a * card->multiplier;
    card->loss = x->loss / (double)S->d->n;
    size_t nt = (size_t)(hi - lo) + 1;
    card->probability = malloc(nt * sizeof *card->probability);
    if (!card->probability)
        return LS_ERR_NOMEM;
    for (size_t t = 0; t < nt; t++)
        card->probability[t] =
            ip_sigmoid((card->intercept + (double)(lo + (long)t)) / card->multiplier);
    /* training AUC from the groups' totals */
    double *acc = calloc(2 * nt, sizeof *acc);
    if (!acc)
        return LS_ERR_NOMEM;
    for (size_t q = 0; q < nd->G; q++) {
        long t = 0;
        for (uint32_t m = nd->mask[q]; m; m &= m - 1)
            t += x->u[__builtin_ctz(m)] * S->o->step;
        acc[t - lo] += nd->cnt[q];
        acc[nt + (size_t)(t - lo)] += nd->pos[q];
    }
    card->auc = histogram_auc(acc, acc + nt, nt);
    free(acc);
    return LS_OK;
}

static void card_release(ls_card *c)
{
    free(c->features);
    free(c->points);
    free(c->probability);
    memset(c, 0, sizeof *c);
}

void ls_cardset_release(ls_cardset *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n_cards; i++)
        card_release(&set->cards[i]);
    free(set->cards);
    memset(set, 0, sizeof *set);
}

/* ---- the driver ----------------------------------------------------------- */

static void search_release(search *S)
{
    free(S->prow);
    free(S->listpos);
    free(S->mark);
    free(S->c1);
    free(S->p1);
    free(S->id0);
    free(S->id1);
    free(S->eta);
    free(S->pr);
}

static ls_status run_search(search *S, ls_cardset *out, ls_error *err)
{
    const ip_data *d = S->d;
    const ls_intpoints_options *o = S->o;
    size_t n = d->n, B = o->beam_width;
    size_t K = o->max_criteria < d->p ? o->max_criteria : d->p;
    size_t n_slots = o->cards < K ? o->cards : K;
    node *beam = calloc(B, sizeof *beam), *next = calloc(2 * B, sizeof *next);
    child *kids = malloc(B * o->children * sizeof *kids);
    ranked *rank = malloc((d->p ? d->p : 1) * sizeof *rank);
    elites *E = malloc(sizeof *E);
    size_t nbeam = 0;
    ls_status st = LS_OK;
    out->cards = calloc(n_slots ? n_slots : 1, sizeof *out->cards);
    if (!beam || !next || !kids || !rank || !out->cards || !E) {
        st = LS_ERR_NOMEM;
        goto done;
    }
    /* root: the intercept alone */
    node *root = &beam[0];
    root->gid = calloc(n ? n : 1, sizeof *root->gid);
    root->mask = calloc(1, sizeof *root->mask);
    root->cnt = malloc(sizeof *root->cnt);
    root->pos = malloc(sizeof *root->pos);
    if (!root->gid || !root->mask || !root->cnt || !root->pos) {
        st = LS_ERR_NOMEM;
        goto done;
    }
    root->G = 1;
    root->cnt[0] = (double)n;
    root->pos[0] = (double)d->pos;
    root->beta0 = log((double)d->pos / (double)(n - d->pos));
    nbeam = 1;
    for (size_t level = 1; level <= K; level++) {
        size_t nk = 0;
        for (size_t b = 0; b < nbeam; b++)
            nk += expand(S, &beam[b], b, kids + nk, rank);
        qsort(kids, nk, sizeof *kids, by_child_loss);
        /* the 2B best distinct supports, refit exactly */
        size_t nn = 0;
        for (size_t c = 0; c < nk && nn < 2 * B; c++) {
            const node *par = &beam[kids[c].parent];
            int dup = 0;
            for (size_t q = 0; q < nn && !dup; q++)
                dup = same_support(par, kids[c].j, next[q].feat, level);
            if (dup)
                continue;
            if (!materialize(S, par, kids[c].j, &next[nn])) {
                st = LS_ERR_NOMEM;
                goto done;
            }
            double x[KMAX + 1];
            x[0] = par->beta0 + kids[c].d0;
            memcpy(x + 1, par->beta, par->s * sizeof *x);
            x[level] = kids[c].bj;
            next[nn].loss = fit_support(S, &next[nn], x, (double)S->ulo, (double)S->uhi, 0);
            next[nn].beta0 = x[0];
            memcpy(next[nn].beta, x + 1, level * sizeof *x);
            nn++;
        }
        if (nn == 0)
            break;
        /* keep the B best (selection by loss, ties by order) */
        for (size_t a = 0; a < nn; a++)
            for (size_t b2 = a + 1; b2 < nn; b2++)
                if (next[b2].loss < next[a].loss) {
                    node t = next[a];
                    next[a] = next[b2];
                    next[b2] = t;
                }
        for (size_t b = 0; b < nbeam; b++)
            node_release(&beam[b]);
        nbeam = nn < B ? nn : B;
        for (size_t b = 0; b < nbeam; b++)
            beam[b] = next[b];
        for (size_t b = nbeam; b < nn; b++)
            node_release(&next[b]);
        memset(next, 0, 2 * B * sizeof *next);
        /* a card size asked for: the best integer card over the beam */
        if (level + n_slots > K) {
            memset(E, 0, sizeof *E);
            E->tol = near_tie(&beam[0]);
            for (size_t b = 0; b < nbeam; b++)
                if (integerize(S, &beam[b], b, E) < 0) {
                    st = LS_ERR_NOMEM;
                    goto done;
                }
            if (E->n) {
                size_t pick = 0;
                for (size_t i = 0; i < E->n; i++) {
                    E->v[i].auc = solution_auc(S, &beam[E->v[i].node], &E->v[i]);
                    if (E->v[i].auc > E->v[pick].auc ||
                        (E->v[i].auc == E->v[pick].auc && E->v[i].loss < E->v[pick].loss))
                        pick = i;
                }
                size_t slot = K - level; /* cards[0] is the largest */
                st = make_card(S, &beam[E->v[pick].node], &E->v[pick], level, &out->cards[slot]);
                if (st != LS_OK)
                    goto done;
                out->n_cards++;
            }
        }
    }
    /* cards[] were filled from the back; close any gap left by a size without a card */
    size_t w = 0;
    for (size_t i = 0; i < n_slots; i++)
        if (out->cards[i].features) {
            ls_card c = out->cards[i];
            memset(&out->cards[i], 0, sizeof c);
            out->cards[w++] = c;
        }
    out->n_cards = w;
done:
    if (st != LS_OK && out->cards)
        out->n_cards = n_slots; /* every entry is a card or zeroes: release them all */
    for (size_t b = 0; beam && b < B; b++)
        node_release(&beam[b]);
    for (size_t b = 0; next && b < 2 * B; b++)
        node_release(&next[b]);
    free(beam);
    free(next);
    free(kids);
    free(rank);
    free(E);
    if (st == LS_ERR_NOMEM)
        ls_fail(err, st, "out of memory");
    return st;
}

ls_status ls_intpoints_fit(const ls_binary *b, const unsigned char *rows,
                           const ls_intpoints_options *opts, ls_cardset *out, ls_error *err)
{
    memset(out, 0, sizeof *out);
    ls_intpoints_options defaults;
    if (!opts) {
        ls_intpoints_options_init(&defaults);
        opts = &defaults;
    }
    ls_status st = ls_intpoints_options_check(opts, err);
    if (st != LS_OK)
        return st;
    double t0 = ls_wall_seconds(), c0 = ls_cpu_seconds();
    ip_data sub;
    memset(&sub, 0, sizeof sub);
    const ip_data *d = ip_binary_data(b);
    if (rows) {
        if (ip_data_subset(d, rows, &sub) != LS_OK)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        d = &sub;
    }
    search S;
    memset(&S, 0, sizeof S);
    S.d = d;
    S.o = opts;
    S.ulo = -((-opts->points_lo) / opts->step);
    S.uhi = opts->points_hi / opts->step;
    size_t n = d->n ? d->n : 1;
    if (d->pos == 0 || d->pos == d->n) {
        st = ls_fail(err, LS_ERR_DATA, "the rows need converted and unconverted leads");
        goto done;
    }
    S.prow = malloc(n * sizeof *S.prow);
    S.listpos = calloc(d->p ? d->p : 1, sizeof *S.listpos);
    S.mark = calloc(n, 1);
    S.c1 = malloc(n * sizeof *S.c1);
    S.p1 = malloc(n * sizeof *S.p1);
    S.id0 = malloc(n * sizeof *S.id0);
    S.id1 = malloc(n * sizeof *S.id1);
    S.eta = malloc(n * sizeof *S.eta);
    S.pr = malloc(n * sizeof *S.pr);
    if (!S.prow || !S.listpos || !S.mark || !S.c1 || !S.p1 || !S.id0 || !S.id1 || !S.eta || !S.pr) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < d->p; j++)
        for (size_t k = 0; k < d->cols[j].len; k++)
            S.listpos[j] += d->y[d->cols[j].idx[k]];
    st = run_search(&S, out, err);
    if (st == LS_OK && out->n_cards == 0)
        st = ls_fail(err, LS_ERR_DATA, "no indicator moves the conversion rate: no card to learn");
done:
    search_release(&S);
    ip_data_release(&sub);
    if (st != LS_OK) {
        ls_cardset_release(out);
        return st;
    }
    out->seconds = ls_wall_seconds() - t0;
    out->cpu_seconds = ls_cpu_seconds() - c0;
    return LS_OK;
}
