/* Training: encode → fit → statistics → points → tiers → lineage.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/train.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "encode.h"
#include "offsetting.h"
#include "error_internal.h"
#include "joint_test.h"
#include "parallel.h"
#include "points.h"
#include "radix.h"
#include "text.h"

#ifndef LEADSCORE_VERSION
#define LEADSCORE_VERSION "unknown"
#endif

/* Default tiers: the top 10% of training scores are hot, the next 30% warm. */
#define HOT_SHARE 0.10
#define WARM_SHARE 0.30
#define SCORE_BANDS 10

void ls_train_options_init(ls_train_options *o)
{
    memset(o, 0, sizeof *o);
    ls_fit_options_init(&o->fit);
    o->population_rate = NAN;
    o->scaling = LS_POINTS_BUDGET;
    o->budget = 100;
    o->pdo = 20;
    o->base_score = 600;
    o->base_odds = 1;
    o->round_to = 1;
}

void ls_train_report_release(ls_train_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_notes; i++)
        free(r->notes[i]);
    free(r->notes);
    free(r->bands);
    memset(r, 0, sizeof *r);
}

double ls_wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

double ls_cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void copy_fit(ls_model *m, const ls_fit_result *res)
{
    for (size_t t = 0; t < m->n_terms && t < res->n_coef; t++) {
        ls_term *term = &m->terms[t];
        term->estimate = res->estimate[t];
        term->std_error = res->std_error[t];
        term->z = res->z[t];
        term->p_value = res->p_value[t];
        term->ci_low = res->ci_low[t];
        term->ci_high = res->ci_high[t];
        term->aliased = res->aliased[t];
    }
    m->rows = (double)res->rows;
    m->positives = res->positives;
    m->deviance = res->deviance;
    m->null_deviance = res->null_deviance;
    m->loglik = res->loglik;
    m->null_loglik = res->null_loglik;
    m->aic = res->aic;
    m->bic = res->bic;
    m->auc = res->auc;
    m->mcfadden_r2 = res->mcfadden_r2;
    m->lr_chi2 = res->lr_chi2;
    m->lr_p_value = res->lr_p_value;
    m->iterations = res->iterations;
    m->rank = res->rank;
    m->converged = res->converged;
}

typedef struct {
    const ls_design *d;
    const size_t *off;
    const double *lv;
    double b0, *eta;
} eta_job;

static void eta_task(void *ctx, size_t t)
{
    const eta_job *job = ctx;
    const ls_design *d = job->d;
    size_t lo, hi;
    ls_parallel_range(d->n, 8, t, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        double e = job->b0;
        for (size_t g = 0; g < d->n_groups; g++)
            e += job->lv[job->off[g] + ls_design_level(d, i, g)];
        job->eta[i] = e;
    }
}

/* η of every row of a grouped design under the model's estimates (aliased
 * terms, NAN, add nothing), summed in column order as the scorer does. */
static ls_status linear_predictors(const ls_model *m, const ls_design *d, double *eta)
{
    size_t ng = d->n_groups, total = 0, *off = malloc((ng + 1) * sizeof *off);
    if (!off)
        return LS_ERR_NOMEM;
    for (size_t g = 0; g < ng; g++) {
        off[g] = total;
        total += d->groups[g].n_levels;
    }
    double *lv = malloc((total ? total : 1) * sizeof *lv);
    if (!lv) {
        free(off);
        return LS_ERR_NOMEM;
    }
    for (size_t g = 0; g < ng; g++) {
        const ls_design_group *gr = &d->groups[g];
        for (size_t l = 0; l < gr->n_levels; l++) {
            double b = gr->term[l] < 0 ? NAN : m->terms[gr->term[l] + 1].estimate;
            lv[off[g] + l] = isnan(b) ? 0.0 : b * gr->value[l];
        }
    }
    eta_job job = {d, off, lv, m->terms[0].estimate, eta};
    ls_parallel_run(8, eta_task, &job);
    free(lv);
    free(off);
    return LS_OK;
}

static double dense_linear_predictor(const ls_model *m, const ls_design *d, size_t i)
{
    double eta = m->terms[0].estimate;
    for (size_t j = 0; j < d->p; j++) {
        double b = m->terms[j + 1].estimate;
        if (!isnan(b))
            eta += b * d->X[j * d->n + i];
    }
    return eta;
}

/* Whole-number scores over a modest range (the usual case) need no sort:
 * counts per score give each row's place in score order (ties in row
 * order, as a stable sort) and the AUC of the scores, summed in the same
 * order as ls_auc sums them, so the value is the same. On success *start
 * (range + 1 entries: start[v] is the first place of score lo + v) is the
 * caller's. Returns 1 when done, 0 when the scores do not qualify, -1 when
 * out of memory. */
static int count_scores(const double *scores, const double *y, const double *w, size_t n,
                        double *lo_out, size_t **start_out, size_t *range_out, double *auc)
{
    enum { MAX_RANGE = 1 << 20 };
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = scores[i];
        if (!(v == floor(v)) || fabs(v) > 1e15)
            return 0;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (!(n > 0) || hi - lo >= MAX_RANGE)
        return 0;
    size_t range = (size_t)(hi - lo) + 1;
    size_t *start = calloc(range + 1, sizeof *start);
    double *pos = calloc(range, sizeof *pos), *neg = calloc(range, sizeof *neg);
    if (!start || !pos || !neg) {
        free(start);
        free(pos);
        free(neg);
        return -1;
    }
    int nan_weight = 0;
    for (size_t i = 0; i < n; i++) {
        size_t v = (size_t)(scores[i] - lo);
        double wi = w ? w[i] : 1.0;
        start[v + 1]++;
        nan_weight |= isnan(wi);
        if (!(wi > 0))
            continue;
        if (y[i] > 0.5)
            pos[v] += wi;
        else
            neg[v] += wi;
    }
    double neg_below = 0.0, pos_sum = 0.0, num = 0.0;
    for (size_t v = 0; v < range; v++) {
        num += pos[v] * (neg_below + 0.5 * neg[v]);
        neg_below += neg[v];
        pos_sum += pos[v];
        start[v + 1] += start[v];
    }
    *auc = pos_sum > 0 && neg_below > 0 && !nan_weight ? num / (pos_sum * neg_below) : NAN;
    free(pos);
    free(neg);
    *lo_out = lo;
    *start_out = start;
    *range_out = range;
    return 1;
}

/* The score at place t of the score order, from count_scores' start. */
static double score_at(const size_t *start, size_t range, double lo, size_t t)
{
    size_t a = 0, b = range; /* the last v with start[v] <= t */
    while (b - a > 1) {
        size_t mid = a + (b - a) / 2;
        if (start[mid] <= t)
            a = mid;
        else
            b = mid;
    }
    return lo + (double)a;
}

/* The score band (of SCORE_BANDS, by place in score order) of place t. */
static size_t band_of(size_t t, size_t n)
{
    size_t b = (size_t)((double)t * SCORE_BANDS / (double)n);
    b = b < SCORE_BANDS ? b : SCORE_BANDS - 1;
    while (b > 0 && b * n / SCORE_BANDS > t)
        b--;
    while (b + 1 < SCORE_BANDS && (b + 1) * n / SCORE_BANDS <= t)
        b++;
    return b;
}

/* Mean fitted probability and observed rate per score band: place[i] is
 * row i's place in score order; sums run in row order. */
typedef struct {
    double wsum, psum, ysum;
} band_sums;

static void add_to_band(band_sums *bs, const ls_model *m, const ls_design *d, size_t i,
                        const double *eta, size_t band)
{
    double wi = d->w ? d->w[i] : 1;
    double p = 1 / (1 + exp(-(eta[i] + m->probability_offset)));
    bs[band].wsum += wi;
    bs[band].psum += wi * p;
    bs[band].ysum += wi * d->y[i];
}

/* Score deciles, default tiers and the AUC of the integer points. Rows are
 * ordered by score, ties in row order (a stable sort): by counting when the
 * scores are whole numbers in a modest range (no per-row order is then
 * kept, and every pass reads the rows in order), else by a radix sort. */
static ls_status summarise_scores(ls_model *m, const ls_design *d, ls_train_report *report,
                                  ls_error *err)
{
    size_t n = d->n, range = 0, *start = NULL;
    ls_spool *sp = d->spool;
    double *scores = ls_big_alloc(sp, n * sizeof *scores), *eta = NULL, lo = 0;
    uint64_t *key = NULL, *row = NULL;
    ls_status st = LS_OK;
    if (!scores)
        goto nomem;
    if (d->X)
        ls_points_scores(m, d, scores);
    else if (ls_points_scores_grouped(m, d, scores) != LS_OK)
        goto nomem;
    int counted = count_scores(scores, d->y, d->w, n, &lo, &start, &range, &m->points_auc);
    if (counted < 0)
        goto nomem;
    if (!counted) {
        m->points_auc = ls_auc(scores, d->y, d->w, n);
        key = ls_big_alloc(sp, n * sizeof *key);
        row = ls_big_alloc(sp, n * sizeof *row);
        if (!key || !row)
            goto nomem;
        for (size_t i = 0; i < n; i++) {
            key[i] = ls_radix_key(scores[i]);
            row[i] = i;
        }
        if (ls_radix_sort(key, row, n) != 0)
            goto nomem;
        ls_big_free(sp, key);
        key = NULL;
    }
#define SCORE_AT(t) (counted ? score_at(start, range, lo, (t)) : scores[row[(t)]])
    double hot = SCORE_AT((size_t)((double)(n - 1) * (1 - HOT_SHARE)));
    double warm = SCORE_AT((size_t)((double)(n - 1) * (1 - HOT_SHARE - WARM_SHARE)));
    const char *names[] = {"hot", "warm", "nurture"};
    double mins[] = {hot, warm < hot ? warm : hot - 1, -INFINITY};
    st = ls_model_set_tiers(m, names, mins, 3, err);
    if (st != LS_OK || !report)
        goto done;
    report->coef_auc = m->auc;
    report->points_auc = m->points_auc;
    report->bands = calloc(SCORE_BANDS, sizeof *report->bands);
    eta = ls_big_alloc(sp, n * sizeof *eta);
    if (!report->bands || !eta)
        goto nomem;
    if (d->X) {
        for (size_t i = 0; i < n; i++)
            eta[i] = dense_linear_predictor(m, d, i);
    } else if (linear_predictors(m, d, eta) != LS_OK) {
        goto nomem;
    }
    band_sums bs[SCORE_BANDS];
    memset(bs, 0, sizeof bs);
    if (counted) {
        /* start[] becomes each score's next place */
        for (size_t i = 0; i < n; i++)
            add_to_band(bs, m, d, i, eta, band_of(start[(size_t)(scores[i] - lo)]++, n));
        for (size_t v = range; v > 0; v--) /* back to first places */
            start[v] = start[v - 1];
        start[0] = 0;
    } else {
        for (size_t t = 0; t < n; t++)
            add_to_band(bs, m, d, row[t], eta, band_of(t, n));
    }
    for (size_t b = 0; b < SCORE_BANDS; b++) {
        size_t blo = b * n / SCORE_BANDS, bhi = (b + 1) * n / SCORE_BANDS;
        if (bhi <= blo)
            continue;
        const band_sums *s = &bs[b];
        report->bands[report->n_bands++] = (ls_score_band){
            SCORE_AT(blo), SCORE_AT(bhi - 1), bhi - blo, s->wsum > 0 ? s->psum / s->wsum : NAN,
            s->wsum > 0 ? s->ysum / s->wsum : NAN};
    }
#undef SCORE_AT
    goto done;
nomem:
    st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
done:
    free(start);
    ls_big_free(sp, scores);
    ls_big_free(sp, eta);
    ls_big_free(sp, key);
    ls_big_free(sp, row);
    return st;
}

/* Intercept shift that maps the sample's conversion rate to the population's
 * (King & Zeng's prior correction). */
static ls_status prior_correction(ls_model *m, const ls_design *d, double rate, ls_error *err)
{
    if (isnan(rate))
        return LS_OK;
    if (!(rate > 0 && rate < 1))
        return ls_fail(err, LS_ERR_USAGE, "--population-rate must be between 0 and 1");
    double ybar = m->positives / m->rows;
    if (d->w) {
        double ws = 0, ys = 0;
        for (size_t i = 0; i < d->n; i++) {
            ws += d->w[i];
            ys += d->w[i] * d->y[i];
        }
        ybar = ys / ws;
    }
    m->probability_offset = log(rate / (1 - rate)) - log(ybar / (1 - ybar));
    return LS_OK;
}

/* The data file's SHA-256, read on a thread of its own while the model is
 * fitted (the file is then still in the page cache). */
typedef struct {
    const char *path;
    char hex[65];
    ls_status st;
    ls_error err;
    pthread_t thread;
    int running, finished;
} digest_job;

static void *digest_main(void *arg)
{
    digest_job *job = arg;
    job->st = ls_file_sha256(job->path, job->hex, &job->err);
    return NULL;
}

static void digest_start(digest_job *job, const char *data_path)
{
    memset(job, 0, sizeof *job);
    job->path = data_path && strcmp(data_path, "-") != 0 ? data_path : NULL;
    if (job->path)
        job->running = pthread_create(&job->thread, NULL, digest_main, job) == 0;
}

/* Waits for the digest (or computes it here if no thread ran). */
static ls_status digest_finish(digest_job *job, ls_error *err)
{
    if (!job->path || job->finished)
        return job->st;
    job->finished = 1;
    if (job->running) {
        pthread_join(job->thread, NULL);
        job->running = 0;
    } else {
        job->st = ls_file_sha256(job->path, job->hex, &job->err);
    }
    if (job->st != LS_OK && err)
        *err = job->err;
    return job->st;
}

static ls_status record_lineage(ls_model *m, digest_job *digest, ls_error *err)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    m->created = ls_strdup(stamp);
    m->version = ls_strdup(LEADSCORE_VERSION);
    if (!m->created || !m->version)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ls_status st = digest_finish(digest, err);
    if (st != LS_OK || !digest->path)
        return st;
    m->data_file = ls_strdup(digest->path);
    m->data_sha256 = ls_strdup(digest->hex);
    return m->data_file && m->data_sha256 ? LS_OK : ls_fail(err, LS_ERR_NOMEM, "out of memory");
}

ls_status ls_train(const ls_table *table, const ls_spec *spec, const ls_train_options *opts,
                   const char *data_path, ls_model **out, ls_train_report *report, ls_error *err)
{
    *out = NULL;
    if (report)
        memset(report, 0, sizeof *report);
    double start_wall = ls_wall_seconds(), start_cpu = ls_cpu_seconds();
    ls_model *m = ls_model_alloc();
    ls_design d;
    ls_fit_result res;
    memset(&d, 0, sizeof d);
    memset(&res, 0, sizeof res);
    if (!m)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    digest_job digest;
    digest_start(&digest, data_path);
    m->learned = 1;
    m->l2 = opts->fit.l2;
    m->l1 = opts->fit.l1;
    ls_status st = ls_encode_grouped(table, spec, opts, m, &d, report, err);
    if (st != LS_OK)
        goto done;
    ls_fit_options fit = opts->fit;
    fit.intercept = 1;
    double w0 = ls_wall_seconds(), c0 = ls_cpu_seconds();
    st = ls_design_fit(&d, &fit, &res, err);
    if (report) {
        report->fit_seconds = ls_wall_seconds() - w0;
        report->fit_cpu_seconds = ls_cpu_seconds() - c0;
    }
    if (st != LS_OK)
        goto done;
    copy_fit(m, &res);
    if ((st = ls_joint_tests(m, &res, err)) != LS_OK)
        goto done;
    for (size_t t = 1; t < m->n_terms; t++)
        if (m->terms[t].aliased &&
            (st = ls_report_note(report, "%s: dropped: a linear combination of earlier terms",
                                 m->terms[t].name)) != LS_OK)
            goto done;
    if ((st = prior_correction(m, &d, opts->population_rate, err)) != LS_OK)
        goto done;
    if ((st = ls_points_assign(m, &d, opts, err)) != LS_OK)
        goto done;
    if ((st = ls_note_offsetting_terms(m, &res, report)) != LS_OK) {
        st = ls_fail(err, st, "out of memory");
        goto done;
    }
    if ((st = summarise_scores(m, &d, report, err)) != LS_OK)
        goto done;
    st = record_lineage(m, &digest, err);
done:
    if (digest.running) { /* a failure before the lineage: wait, ignore the digest */
        pthread_join(digest.thread, NULL);
        digest.running = 0;
    }
    ls_fit_result_release(&res);
    ls_design_release(&d);
    if (st != LS_OK) {
        ls_model_free(m);
        if (report)
            ls_train_report_release(report);
        return st;
    }
    if (report) {
        report->total_seconds = ls_wall_seconds() - start_wall;
        report->total_cpu_seconds = ls_cpu_seconds() - start_cpu;
    }
    *out = m;
    return LS_OK;
}
