/* The likelihood passes of logit_fit over a grouped design (see
 * logit_groups in logit_internal.h): the linear predictor, the deviance, and
 * X'WX with the gradient, plus the per-level tallies that stand in for column
 * scans (scaling, the 0/1 separation pre-check).
 *
 * A row of a grouped design has at most one non-zero per group, found by
 * looking its level up in small tables: η is a sum of g table entries and a
 * row adds (g+1)(g+2)/2 products to X'WX, whatever the number of columns.
 * Rows are cut into a fixed number of ranges (it depends on n only); each
 * range fills its own partial sums and the partials are added in range order,
 * so the result does not depend on how many cores ran them.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "logit_internal.h"
#include "parallel.h"

enum { TASK_MIN_WORK = 1 << 21, MAX_TASKS = 8 };

/* Ranges worth a task of their own: about 2M row × coefficient products
 * each, so narrow designs split only when long and wide ones sooner. The
 * count depends on the problem's shape alone, never on the machine. */
static size_t task_count(size_t n, size_t k)
{
    size_t t = n * (k + 1) / TASK_MIN_WORK;
    return t < 1 ? 1 : t > MAX_TASKS ? MAX_TASKS : t;
}

static inline size_t code_at(const logit_groups *G, size_t i, size_t g)
{
    return logit_level(G, g, i);
}

void logit_groups_tile(const logit_groups *G, size_t r0, size_t m, uint32_t *tile)
{
    for (size_t g = 0; g < G->n_groups; g++) {
        const logit_codes *c = &G->codes[g];
        uint32_t miss = c->missing, last = (uint32_t)(G->n_levels[g] - 1);
        uint32_t *out = tile + g * LOGIT_TILE_ROWS;
        if (c->width == 1) {
            const uint8_t *d = (const uint8_t *)c->data + r0;
            for (size_t i = 0; i < m; i++)
                out[i] = d[i] == miss ? last : d[i];
        } else if (c->width == 2) {
            const uint16_t *d = (const uint16_t *)c->data + r0;
            for (size_t i = 0; i < m; i++)
                out[i] = d[i] == miss ? last : d[i];
        } else {
            const uint32_t *d = (const uint32_t *)c->data + r0;
            for (size_t i = 0; i < m; i++)
                out[i] = d[i] == miss ? last : d[i];
        }
    }
}

/* ---- preparation ---------------------------------------------------------- */

/* Checks the promises of logit_groups: columns in range, each in one group,
 * groups in column order. */
static int layout_ok(logit_ws *ws)
{
    const logit_groups *G = ws->grp;
    long last = -1;
    for (size_t j = 0; j < ws->p; j++)
        ws->col_group[j] = (size_t)-1;
    for (size_t g = 0; g < G->n_groups; g++) {
        long lo = -1, hi = -1;
        for (size_t l = 0; l < G->n_levels[g]; l++) {
            long j = G->term[g][l];
            if (j < 0)
                continue;
            if ((size_t)j >= ws->p)
                return 0;
            if (ws->col_group[j] != (size_t)-1 && ws->col_group[j] != g)
                return 0;
            ws->col_group[j] = g;
            lo = lo < 0 || j < lo ? j : lo;
            hi = j > hi ? j : hi;
        }
        if (lo >= 0) {
            if (lo <= last)
                return 0;
            last = hi;
        }
    }
    return 1;
}

typedef struct {
    logit_ws *ws;
    size_t n_tasks, total;
    double *wsum; /* per task: total entries each (task 0 writes ws's own arrays) */
    size_t *pos, *neg;
    int bad[MAX_TASKS];
} tally_job;

static void tally_task(void *ctx, size_t t)
{
    tally_job *job = ctx;
    logit_ws *ws = job->ws;
    const logit_groups *G = ws->grp;
    size_t ng = G->n_groups, lo, hi;
    double *wsum = t ? job->wsum + (t - 1) * job->total : ws->lvl_wsum;
    size_t *pos = t ? job->pos + (t - 1) * job->total : ws->lvl_pos;
    size_t *neg = t ? job->neg + (t - 1) * job->total : ws->lvl_neg;
    uint32_t *tile = ws->tiles + t * LOGIT_TILE_ROWS * (ng ? ng : 1);
    ls_parallel_range(ws->n, job->n_tasks, t, &lo, &hi);
    for (size_t r0 = lo; r0 < hi; r0 += LOGIT_TILE_ROWS) {
        size_t m = hi - r0 < LOGIT_TILE_ROWS ? hi - r0 : LOGIT_TILE_ROWS;
        logit_groups_tile(G, r0, m, tile);
        for (size_t r = 0; r < m; r++) {
            size_t i = r0 + r;
            double wi = logit_weight(ws, i);
            if (!(wi > 0))
                continue;
            size_t p = ws->y[i] > 0.5;
            for (size_t g = 0; g < ng; g++) {
                size_t l = tile[g * LOGIT_TILE_ROWS + r];
                if (l >= G->n_levels[g]) {
                    job->bad[t] = 1;
                    return;
                }
                l += ws->lvl_off[g];
                wsum[l] += wi;
                pos[l] += p;
                neg[l] += 1 - p;
            }
        }
    }
}

/* Weight sums and class counts per level over rows with w > 0: the ranges
 * in parallel when their private tallies are small, added in range order. */
static ls_status tally(logit_ws *ws, size_t total)
{
    tally_job job = {ws, ws->n_tasks, total, NULL, NULL, NULL, {0}};
    if ((job.n_tasks - 1) * total > ((size_t)1 << 22))
        job.n_tasks = 1;
    size_t extra = (job.n_tasks - 1) * total;
    if (extra) {
        job.wsum = calloc(extra, sizeof *job.wsum);
        job.pos = calloc(extra, sizeof *job.pos);
        job.neg = calloc(extra, sizeof *job.neg);
        if (!job.wsum || !job.pos || !job.neg) {
            free(job.wsum);
            free(job.pos);
            free(job.neg);
            job.wsum = NULL;
            job.pos = job.neg = NULL;
            job.n_tasks = 1;
        }
    }
    ls_parallel_run(job.n_tasks, tally_task, &job);
    int bad = 0;
    for (size_t t = 0; t < job.n_tasks; t++)
        bad |= job.bad[t];
    for (size_t t = 1; t < job.n_tasks && !bad; t++)
        for (size_t f = 0; f < total; f++) {
            ws->lvl_wsum[f] += job.wsum[(t - 1) * total + f];
            ws->lvl_pos[f] += job.pos[(t - 1) * total + f];
            ws->lvl_neg[f] += job.neg[(t - 1) * total + f];
        }
    free(job.wsum);
    free(job.pos);
    free(job.neg);
    return bad ? LS_ERR_USAGE : LS_OK;
}

ls_status logit_groups_prepare(logit_ws *ws)
{
    const logit_groups *G = ws->grp;
    size_t ng = G->n_groups, total = 0, k = ws->k;
    ws->lvl_off = malloc((ng + 1) * sizeof *ws->lvl_off);
    ws->col_group = malloc((ws->p ? ws->p : 1) * sizeof *ws->col_group);
    if (!ws->lvl_off || !ws->col_group)
        return LS_ERR_NOMEM;
    for (size_t g = 0; g < ng; g++) {
        ws->lvl_off[g] = total;
        total += G->n_levels[g];
    }
    ws->lvl_off[ng] = total;
    if (!layout_ok(ws))
        return LS_ERR_USAGE;
    total = total ? total : 1;
    ws->lvl_wsum = calloc(total, sizeof *ws->lvl_wsum);
    ws->lvl_pos = calloc(total, sizeof *ws->lvl_pos);
    ws->lvl_neg = calloc(total, sizeof *ws->lvl_neg);
    ws->lvl_act = malloc(total * sizeof *ws->lvl_act);
    ws->lvl_z = malloc(total * sizeof *ws->lvl_z);
    ws->lvl_eta = malloc(total * sizeof *ws->lvl_eta);
    ws->n_tasks = task_count(ws->n, k);
    /* per task: k² Hessian, k gradient, 1 deviance, then (g+1) values and positions */
    ws->partial = malloc(ws->n_tasks * (k * k + k + 1 + 2 * (ng + 1)) * sizeof *ws->partial);
    ws->tiles = malloc(ws->n_tasks * LOGIT_TILE_ROWS * (ng ? ng : 1) * sizeof *ws->tiles);
    ws->blocks = malloc(ws->n_tasks * (k ? k : 1) * LOGIT_BLOCK_ROWS * sizeof *ws->blocks);
    if (!ws->lvl_wsum || !ws->lvl_pos || !ws->lvl_neg || !ws->lvl_act || !ws->lvl_z ||
        !ws->lvl_eta || !ws->partial || !ws->tiles || !ws->blocks)
        return LS_ERR_NOMEM;
    return tally(ws, total);
}

void logit_groups_release(logit_ws *ws)
{
    free(ws->lvl_off);
    free(ws->col_group);
    free(ws->lvl_wsum);
    free(ws->lvl_pos);
    free(ws->lvl_neg);
    free(ws->lvl_act);
    free(ws->lvl_z);
    free(ws->lvl_eta);
    free(ws->partial);
    free(ws->tiles);
    free(ws->blocks);
    ls_big_free(logit_spool(ws), ws->colbuf);
}

/* ---- column summaries from the level tallies -------------------------------- */

double logit_groups_sum_squares(const logit_ws *ws, size_t xcol)
{
    const logit_groups *G = ws->grp;
    size_t g = ws->col_group[xcol];
    double ss = 0.0;
    if (g == (size_t)-1)
        return 0.0;
    for (size_t l = 0; l < G->n_levels[g]; l++) {
        double v = G->value[g][l];
        if (G->term[g][l] == (int32_t)xcol)
            ss += ws->lvl_wsum[ws->lvl_off[g] + l] * v * v;
    }
    return ss;
}

int logit_groups_tally(const logit_ws *ws, size_t xcol, size_t *one_pos, size_t *one_neg,
                       size_t *zero_pos, size_t *zero_neg)
{
    const logit_groups *G = ws->grp;
    size_t g = ws->col_group[xcol];
    *one_pos = *one_neg = 0;
    *zero_pos = ws->rows_pos;
    *zero_neg = ws->rows - ws->rows_pos;
    if (g == (size_t)-1)
        return 1;
    *zero_pos = *zero_neg = 0;
    for (size_t l = 0; l < G->n_levels[g]; l++) {
        size_t pos = ws->lvl_pos[ws->lvl_off[g] + l], neg = ws->lvl_neg[ws->lvl_off[g] + l];
        if (pos + neg == 0)
            continue;
        double v = G->term[g][l] == (int32_t)xcol ? G->value[g][l] : 0.0;
        if (v == 1.0) {
            *one_pos += pos;
            *one_neg += neg;
        } else if (v == 0.0) {
            *zero_pos += pos;
            *zero_neg += neg;
        } else {
            return 0;
        }
    }
    return 1;
}

size_t logit_groups_bad_row(const logit_ws *ws, size_t *xcol)
{
    const logit_groups *G = ws->grp;
    int any = 0;
    for (size_t g = 0; g < G->n_groups && !any; g++)
        for (size_t l = 0; l < G->n_levels[g]; l++)
            any |= G->term[g][l] >= 0 && !isfinite(G->value[g][l]);
    if (!any)
        return ws->n;
    for (size_t i = 0; i < ws->n; i++) {
        if (!(logit_weight(ws, i) > 0))
            continue;
        for (size_t g = 0; g < G->n_groups; g++) {
            size_t l = code_at(G, i, g);
            if (l < G->n_levels[g] && G->term[g][l] >= 0 && !isfinite(G->value[g][l])) {
                *xcol = (size_t)G->term[g][l];
                return i;
            }
        }
    }
    return ws->n;
}

void logit_groups_column(const logit_ws *ws, size_t xcol, double *out)
{
    const logit_groups *G = ws->grp;
    size_t g = ws->col_group[xcol];
    if (g == (size_t)-1) {
        memset(out, 0, ws->n * sizeof *out);
        return;
    }
    const int32_t *term = G->term[g];
    const double *value = G->value[g];
    for (size_t i = 0; i < ws->n; i++) {
        size_t l = code_at(G, i, g);
        out[i] = term[l] == (int32_t)xcol ? value[l] : 0.0;
    }
}

/* ---- linear predictor and deviance ------------------------------------------ */

typedef struct {
    const logit_ws *ws;
    double b0;
    double *eta;
} eta_job;

static void eta_task(void *ctx, size_t t)
{
    const eta_job *job = ctx;
    const logit_ws *ws = job->ws;
    const logit_groups *G = ws->grp;
    const size_t *off = ws->lvl_off;
    const double *lv = ws->lvl_eta;
    size_t ng = G->n_groups, lo, hi;
    uint32_t *tile = ws->tiles + t * LOGIT_TILE_ROWS * (ng ? ng : 1);
    ls_parallel_range(ws->n, ws->n_tasks, t, &lo, &hi);
    double *eta = job->eta;
    for (size_t r0 = lo; r0 < hi; r0 += LOGIT_TILE_ROWS) {
        size_t m = hi - r0 < LOGIT_TILE_ROWS ? hi - r0 : LOGIT_TILE_ROWS;
        logit_groups_tile(G, r0, m, tile);
        for (size_t r = 0; r < m; r++)
            eta[r0 + r] = job->b0;
        for (size_t g = 0; g < ng; g++) {
            const uint32_t *c = tile + g * LOGIT_TILE_ROWS;
            const double *lg = lv + off[g];
            for (size_t r = 0; r < m; r++)
                eta[r0 + r] += lg[c[r]];
        }
    }
}

void logit_groups_eta(logit_ws *ws, const double *gamma, double *eta)
{
    const logit_groups *G = ws->grp;
    int ic = ws->intercept;
    double *lv = ws->lvl_eta;
    for (size_t g = 0; g < G->n_groups; g++)
        for (size_t l = 0; l < G->n_levels[g]; l++) {
            int32_t j = G->term[g][l];
            double coef = j < 0 ? 0.0 : ws->scale[(size_t)j + ic] * gamma[(size_t)j + ic];
            lv[ws->lvl_off[g] + l] = coef == 0.0 ? 0.0 : coef * G->value[g][l];
        }
    eta_job job = {ws, ic ? gamma[0] : 0.0, eta};
    ls_parallel_run(ws->n_tasks, eta_task, &job);
}

/* log(1 + exp(t)) without overflow or cancellation. */
static double log1pexp(double t)
{
    return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

typedef struct {
    const logit_ws *ws;
    const double *eta;
    double part[MAX_TASKS];
} deviance_job;

static void deviance_task(void *ctx, size_t t)
{
    deviance_job *job = ctx;
    const logit_ws *ws = job->ws;
    size_t lo, hi;
    ls_parallel_range(ws->n, ws->n_tasks, t, &lo, &hi);
    double dev = 0.0;
    for (size_t i = lo; i < hi; i++) {
        double wi = logit_weight(ws, i);
        if (wi > 0)
            dev += 2.0 * wi * log1pexp(ws->y[i] > 0.5 ? -job->eta[i] : job->eta[i]);
    }
    job->part[t] = dev;
}

double logit_groups_deviance(const logit_ws *ws, const double *eta)
{
    deviance_job job = {ws, eta, {0}};
    ls_parallel_run(ws->n_tasks, deviance_task, &job);
    double dev = 0.0;
    for (size_t t = 0; t < ws->n_tasks; t++)
        dev += job.part[t];
    return dev;
}

/* ---- X'WX and the gradient ---------------------------------------------------- */

static size_t partial_stride(const logit_ws *ws)
{
    return ws->k * ws->k + ws->k + 1 + 2 * (ws->grp->n_groups + 1);
}

/* The dense way, for designs whose rows fill most columns (many numeric
 * criteria): rows packed LOGIT_BLOCK_ROWS at a time, times sqrt(w·μ(1-μ)),
 * into column blocks for logit_gram_block, as ls_logit_fit does. */
static void gram_task_dense(logit_ws *ws, size_t t)
{
    const logit_groups *G = ws->grp;
    size_t m = ws->n_act, ng = G->n_groups, lo, hi, L = LOGIT_BLOCK_ROWS;
    double *H = ws->partial + t * partial_stride(ws), *grad = H + m * m;
    double *B = ws->blocks + t * (ws->k ? ws->k : 1) * L;
    uint32_t *tile = ws->tiles + t * LOGIT_TILE_ROWS * (ng ? ng : 1);
    const size_t *off = ws->lvl_off;
    const int32_t *act = ws->lvl_act;
    const double *z = ws->lvl_z;
    int icpt = ws->intercept && m > 0 && ws->act[0] == 0;
    memset(H, 0, (m * m + m) * sizeof *H);
    ls_parallel_range(ws->n, ws->n_tasks, t, &lo, &hi);
    for (size_t r0 = lo; r0 < hi; r0 += L) {
        size_t rows = hi - r0 < L ? hi - r0 : L, used = 0;
        logit_groups_tile(G, r0, rows, tile);
        memset(B, 0, m * L * sizeof *B);
        for (size_t r = 0; r < rows; r++) {
            size_t i = r0 + r;
            double wi = logit_weight(ws, i);
            if (!(wi > 0))
                continue;
            double e = ws->eta[i], ez = exp(-fabs(e));
            double big = 1.0 / (1.0 + ez), small = ez / (1.0 + ez);
            double mu = e >= 0 ? big : small, one_minus_mu = e >= 0 ? small : big;
            double sw = sqrt(wi * big * small), res = wi * (ws->y[i] > 0.5 ? one_minus_mu : -mu);
            if (icpt) {
                B[used] = sw;
                grad[0] += res;
            }
            for (size_t g = 0; g < ng; g++) {
                size_t l = off[g] + tile[g * LOGIT_TILE_ROWS + r];
                if (act[l] < 0)
                    continue;
                B[(size_t)act[l] * L + used] = z[l] * sw;
                grad[act[l]] += z[l] * res;
            }
            used++;
        }
        if (used)
            logit_gram_block(B, L, used, m, H);
    }
}

/* A pass of gram_task; with fuse, it first computes η (into ws->eta, as
 * eta_task) and the deviance (as deviance_task) of each tile's rows. */
typedef struct {
    logit_ws *ws;
    int fuse;
    double b0;
    double dev[MAX_TASKS];
} gram_job;

/* η of a tile's rows, summed as eta_task sums them (the same bits). */
static void tile_eta(const logit_ws *ws, const uint32_t *tile, size_t r0, size_t m, double b0,
                     double *eta)
{
    const logit_groups *G = ws->grp;
    for (size_t r = 0; r < m; r++)
        eta[r0 + r] = b0;
    for (size_t g = 0; g < G->n_groups; g++) {
        const uint32_t *c = tile + g * LOGIT_TILE_ROWS;
        const double *lg = ws->lvl_eta + ws->lvl_off[g];
        for (size_t r = 0; r < m; r++)
            eta[r0 + r] += lg[c[r]];
    }
}

/* Rows [lo, hi) into this task's partial Hessian (upper triangle) and gradient. */
static void gram_task(void *ctx, size_t t)
{
    gram_job *job = ctx;
    logit_ws *ws = job->ws;
    const logit_groups *G = ws->grp;
    size_t m = ws->n_act, ng = G->n_groups, lo, hi;
    double *H = ws->partial + t * partial_stride(ws), *grad = H + m * m;
    double *val = H + ws->k * ws->k + ws->k + 1, *posd = val + ng + 1;
    int32_t *pos = (int32_t *)posd; /* (g+1) positions fit in (g+1) doubles */
    const size_t *off = ws->lvl_off;
    const int32_t *act = ws->lvl_act;
    const double *z = ws->lvl_z;
    int32_t icpt = ws->intercept && m > 0 && ws->act[0] == 0 ? 0 : -1;
    uint32_t *tile = ws->tiles + t * LOGIT_TILE_ROWS * (ng ? ng : 1);
    if (ws->dense_gram) {
        gram_task_dense(ws, t);
        return;
    }
    memset(H, 0, (m * m + m) * sizeof *H);
    ls_parallel_range(ws->n, ws->n_tasks, t, &lo, &hi);
    double dev = 0.0;
    for (size_t r0 = lo; r0 < hi; r0 += LOGIT_TILE_ROWS) {
        size_t rows = hi - r0 < LOGIT_TILE_ROWS ? hi - r0 : LOGIT_TILE_ROWS;
        logit_groups_tile(G, r0, rows, tile);
        if (job->fuse)
            tile_eta(ws, tile, r0, rows, job->b0, ws->eta);
        for (size_t r = 0; r < rows; r++) {
            size_t i = r0 + r;
            double wi = logit_weight(ws, i);
            if (!(wi > 0))
                continue;
            /* μ and 1 - μ from e^{-|η|}, so neither loses digits in the tails. */
            double e = ws->eta[i], ez = exp(-fabs(e));
            if (job->fuse) {
                /* 2w·log(1 + e^t), t = ∓η, as log1pexp: e^{-|t|} is ez */
                double tt = ws->y[i] > 0.5 ? -e : e;
                dev += 2.0 * wi * (tt > 0 ? tt + log1p(ez) : log1p(ez));
            }
            double big = 1.0 / (1.0 + ez), small = ez / (1.0 + ez);
            double mu = e >= 0 ? big : small, one_minus_mu = e >= 0 ? small : big;
            double s = wi * big * small, res = wi * (ws->y[i] > 0.5 ? one_minus_mu : -mu);
            size_t nz = 0;
            if (icpt == 0) {
                pos[0] = 0;
                val[0] = 1.0;
                nz = 1;
            }
            for (size_t g = 0; g < ng; g++) {
                size_t l = off[g] + tile[g * LOGIT_TILE_ROWS + r];
                pos[nz] = act[l];
                val[nz] = z[l];
                nz += act[l] >= 0 && z[l] != 0.0; /* a zero adds ±0: the same bits */
            }
            for (size_t a = 0; a < nz; a++) {
                double *row = H + (size_t)pos[a] * m, u = s * val[a];
                grad[pos[a]] += res * val[a];
                for (size_t b = a; b < nz; b++)
                    row[pos[b]] += u * val[b];
            }
        }
    }
    job->dev[t] = dev;
}

/* The level tables of the active set, and the choice of kernel. */
static void gram_setup(logit_ws *ws)
{
    const logit_groups *G = ws->grp;
    size_t m = ws->n_act, k = ws->k, ic = (size_t)ws->intercept;
    /* Position in the active set of each coefficient (scratch: support). */
    size_t *where = ws->support;
    for (size_t j = 0; j < k; j++)
        where[j] = (size_t)-1;
    for (size_t a = 0; a < m; a++)
        where[ws->act[a]] = a;
    for (size_t g = 0; g < G->n_groups; g++)
        for (size_t l = 0; l < G->n_levels[g]; l++) {
            size_t f = ws->lvl_off[g] + l;
            int32_t j = G->term[g][l];
            size_t a = j < 0 ? (size_t)-1 : where[(size_t)j + ic];
            ws->lvl_act[f] = a == (size_t)-1 ? -1 : (int32_t)a;
            ws->lvl_z[f] = a == (size_t)-1 ? 0.0 : G->value[g][l] * ws->scale[(size_t)j + ic];
        }
    /* Non-zeros per row, from the tallies: the scattered updates cost about
     * nz²/2, the dense kernel m²/2 at about a third of the price each. */
    double nz = ws->intercept ? (double)ws->rows : 0.0;
    for (size_t f = 0; f < ws->lvl_off[G->n_groups]; f++)
        if (ws->lvl_act[f] >= 0 && ws->lvl_z[f] != 0.0)
            nz += (double)(ws->lvl_pos[f] + ws->lvl_neg[f]);
    nz /= ws->rows ? (double)ws->rows : 1.0;
    ws->dense_gram = nz > 0.6 * (double)m;
}

/* The partials, in task order, into ws->hess and ws->grad. */
static void gram_combine(logit_ws *ws)
{
    size_t m = ws->n_act;
    size_t stride = partial_stride(ws);
    memcpy(ws->hess, ws->partial, m * m * sizeof *ws->hess);
    double *grad = ws->partial + m * m;
    memcpy(ws->grad, grad, m * sizeof *ws->grad);
    for (size_t t = 1; t < ws->n_tasks; t++) {
        const double *H = ws->partial + t * stride, *gt = H + m * m;
        for (size_t a = 0; a < m; a++)
            for (size_t c = a; c < m; c++)
                ws->hess[a * m + c] += H[a * m + c];
        for (size_t a = 0; a < m; a++)
            ws->grad[a] += gt[a];
    }
    for (size_t a = 0; a < m; a++)
        for (size_t c = a + 1; c < m; c++)
            ws->hess[c * m + a] = ws->hess[a * m + c];
}

void logit_groups_gram(logit_ws *ws)
{
    gram_job job = {ws, 0, 0.0, {0}};
    gram_setup(ws);
    ls_parallel_run(ws->n_tasks, gram_task, &job);
    gram_combine(ws);
}

int logit_groups_eval(logit_ws *ws, const double *gamma, double *deviance)
{
    gram_setup(ws);
    if (ws->dense_gram || gamma != ws->gamma)
        return 0;
    const logit_groups *G = ws->grp;
    int ic = ws->intercept;
    for (size_t g = 0; g < G->n_groups; g++)
        for (size_t l = 0; l < G->n_levels[g]; l++) {
            int32_t j = G->term[g][l];
            double coef = j < 0 ? 0.0 : ws->scale[(size_t)j + ic] * gamma[(size_t)j + ic];
            ws->lvl_eta[ws->lvl_off[g] + l] = coef == 0.0 ? 0.0 : coef * G->value[g][l];
        }
    gram_job job = {ws, 1, ic ? gamma[0] : 0.0, {0}};
    ls_parallel_run(ws->n_tasks, gram_task, &job);
    gram_combine(ws);
    double dev = 0.0;
    for (size_t t = 0; t < ws->n_tasks; t++)
        dev += job.dev[t];
    *deviance = dev;
    return 1;
}
