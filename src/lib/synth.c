/* Synthetic leads with known true weights. SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One table per kind of column (categorical, yes/no) plus a few named
 * constants for the numeric columns; the generator, the linear predictor and
 * the truth table are all read from the same tables, so they cannot drift
 * apart. Rows are formatted by hand into one reusable buffer (no per-row
 * allocation, no printf, no locale). */
#include "leadscore/synth.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/output.h"
#include "error_internal.h"

/* ---- the population ------------------------------------------------------ */

typedef struct {
    const char *level;
    double prob;   /* sampling probability; a column's levels and missing_prob sum to 1 */
    double weight; /* true log-odds weight against the reference (levels[0], weight 0) */
} level_def;

typedef struct {
    const char *column;
    const level_def *levels; /* levels[0] is the reference: clearly the most frequent */
    size_t n_levels;
    double missing_prob;
    double missing_weight;
} categorical_def;

typedef struct {
    const char *column;
    double prob_yes;
    double weight;
} flag_def;

static const level_def job_levels[] = {
    {"Manager", 0.34, 0.0},   {"Individual Contributor", 0.22, -0.30},
    {"Director", 0.14, 0.45}, {"Executive", 0.08, 0.60},
    {"Student", 0.10, -1.20}, {"Other", 0.09, -0.50},
};

static const level_def industry_levels[] = {
    {"Software", 0.22, 0.0},
    {"Banking, Financial Services and Insurance", 0.10, 0.35},
    {"Healthcare", 0.09, 0.20},
    {"Retail", 0.08, -0.25},
    {"Manufacturing", 0.08, -0.15},
    {"Education", 0.07, -0.45},
    {"Media, Marketing and Advertising", 0.07, 0.10},
    {"Telecommunications", 0.06, -0.20},
    {"Government", 0.06, -0.60},
    {"Real Estate", 0.06, 0.25},
    {"Logistics", 0.05, -0.10},
    {"Consulting \"Big Four\"", 0.06, 0.40},
};

static const level_def source_levels[] = {
    {"Google", 0.30, 0.0},    {"Direct Traffic", 0.18, -0.20},  {"Organic Search", 0.14, 0.15},
    {"Referral", 0.10, 0.90}, {"Olark Chat", 0.08, -0.50},      {"Facebook", 0.07, -0.70},
    {"Partner", 0.06, 0.55},  {"Welingak Website", 0.05, 1.40},
};

static const level_def country_levels[] = {
    {"United States", 0.38, 0.0}, {"India", 0.12, -0.35},  {"United Kingdom", 0.10, 0.10},
    {"Germany", 0.08, -0.10},     {"Canada", 0.07, 0.15},  {"Australia", 0.06, 0.20},
    {"France", 0.05, -0.15},      {"Brazil", 0.05, -0.40}, {"Singapore", 0.04, 0.30},
    {"Other", 0.03, -0.55},
};

/* Noise: any effect a fit finds here is chance. */
static const level_def theme_levels[] = {
    {"Light", 0.50, 0.0},
    {"Dark", 0.32, 0.0},
    {"System", 0.14, 0.0},
    {"High Contrast", 0.04, 0.0},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum { CAT_JOB, CAT_INDUSTRY, CAT_SOURCE, CAT_COUNTRY, CAT_THEME, N_CAT };

static const categorical_def categoricals[N_CAT] = {
    {"job_title", job_levels, COUNT(job_levels), 0.03, -0.40},
    {"industry", industry_levels, COUNT(industry_levels), 0.0, 0.0},
    {"lead_source", source_levels, COUNT(source_levels), 0.02, -0.30},
    {"country", country_levels, COUNT(country_levels), 0.02, -0.25},
    {"page_theme", theme_levels, COUNT(theme_levels), 0.0, 0.0},
};

enum { FLAG_PRICING, FLAG_TRIAL, FLAG_WEBINAR, FLAG_NEWSLETTER, N_FLAG };

static const flag_def flags[N_FLAG] = {
    {"visited_pricing_page", 0.30, 1.10},
    {"free_trial", 0.22, 0.85},
    {"webinar", 0.12, 0.50},
    {"newsletter", 0.40, 0.0}, /* noise */
};

/* company_size: log-normal employees (median 50, σ 1.6 on the log scale),
 * rounded and clamped to 1..20000; the truth is banded. About 16% fall in
 * 1-10, 50% in 11-100, 26% in 101-500 and 8% in 501+. */
#define SIZE_LOG_MEDIAN 3.912023005428146 /* log(50) */
#define SIZE_LOG_SD 1.6
#define SIZE_MAX_EMPLOYEES 20000
#define SIZE_MISSING_PROB 0.05
#define SIZE_MISSING_WEIGHT (-0.20)

/* Bands in file order of the terms; BAND_REF is the reference. */
static const struct {
    const char *name;
    long upper; /* inclusive upper bound */
    double weight;
} size_bands[] = {
    {"1-10", 10, -0.45},
    {"11-100", 100, 0.0},
    {"101-500", 500, 0.30},
    {"501+", SIZE_MAX_EMPLOYEES, 0.65},
};
#define BAND_REF 1

#define EMAIL_WEIGHT 0.035   /* per email opened */
#define SESSIONS_WEIGHT 0.06 /* per product session */
#define FEATURES_WEIGHT 0.18 /* per feature adopted (of 12) */
#define MINUTES_WEIGHT 0.004 /* per minute in the app */
#define MINUTES_MISSING_PROB 0.08
#define MINUTES_MISSING_WEIGHT (-0.35)
#define DAYS_WEIGHT (-0.004) /* per day since signup */
#define DAYS_MEAN 120.0
#define DAYS_MAX 1095

#define LEADS_HEADER                                                                               \
    "lead_id,job_title,industry,lead_source,country,company_size,visited_pricing_page,"            \
    "free_trial,webinar,email_opens,product_sessions,features_adopted,minutes_in_app,"             \
    "days_since_signup,newsletter,page_theme,converted\n"

static const char spec_text[] =
    "# leadscore criteria spec\n"
    "# written by 'leadscore synth': company_size has a banded truth, so it is\n"
    "# declared with the bands; every other column uses the default encoding.\n"
    "[leadscore]\n"
    "target = converted\n"
    "positive = 1\n"
    "id = lead_id\n"
    "missing = \"\", NA\n"
    "\n"
    "[criterion]\n"
    "column = company_size\n"
    "type = numeric\n"
    "bands = 1-10, 11-100, 101-500, 501+\n";

/* The intercept is calibrated on this many leads drawn from a fixed seed. */
#define CALIBRATION_ROWS 65536
#define CALIBRATION_SEED UINT64_C(0x6c65616473636f72) /* "leadscor" */

#define MAX_TERMS 96

/* ---- random numbers: xoshiro256** seeded by splitmix64 ------------------- */

typedef struct {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform on [0, 1) with 53 random bits. */
static double rng_uniform(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Standard normal by Marsaglia's polar method (the second value is dropped
 * so that no state is carried between calls). */
static double rng_normal(rng *r)
{
    double u, v, s;
    do {
        u = 2.0 * rng_uniform(r) - 1.0;
        v = 2.0 * rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

/* Poisson by Knuth's product of uniforms; lambda is kept at most 60. */
static int rng_poisson(rng *r, double lambda)
{
    if (lambda > 60.0)
        lambda = 60.0;
    double limit = exp(-lambda), prod = 1.0;
    int k = -1;
    do {
        k++;
        prod *= rng_uniform(r);
    } while (prod > limit);
    return k;
}

static int rng_binomial(rng *r, int n, double p)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += rng_uniform(r) < p;
    return k;
}

/* ---- one lead ------------------------------------------------------------- */

typedef struct {
    int cat[N_CAT]; /* level index, -1 for missing */
    int flag[N_FLAG];
    long company_size; /* -1 for missing */
    int size_band;     /* index into size_bands, -1 for missing */
    int email_opens;
    int product_sessions;
    int features_adopted;
    long minutes_cents; /* minutes_in_app in hundredths, -1 for missing */
    int days_since_signup;
} lead;

static int draw_level(rng *r, const categorical_def *c)
{
    double u = rng_uniform(r), acc = 0.0;
    for (size_t i = 0; i < c->n_levels; i++) {
        acc += c->levels[i].prob;
        if (u < acc)
            return (int)i;
    }
    return c->missing_prob > 0.0 ? -1 : (int)c->n_levels - 1;
}

static int band_of(long employees)
{
    int b = 0;
    while (employees > size_bands[b].upper)
        b++;
    return b;
}

/* Draws the covariates, column by column in file order. */
static void draw_lead(rng *r, lead *l)
{
    l->cat[CAT_JOB] = draw_level(r, &categoricals[CAT_JOB]);
    l->cat[CAT_INDUSTRY] = draw_level(r, &categoricals[CAT_INDUSTRY]);
    l->cat[CAT_SOURCE] = draw_level(r, &categoricals[CAT_SOURCE]);
    l->cat[CAT_COUNTRY] = draw_level(r, &categoricals[CAT_COUNTRY]);

    if (rng_uniform(r) < SIZE_MISSING_PROB) {
        l->company_size = -1;
        l->size_band = -1;
    } else {
        double v = exp(SIZE_LOG_MEDIAN + SIZE_LOG_SD * rng_normal(r));
        long n = v >= SIZE_MAX_EMPLOYEES ? SIZE_MAX_EMPLOYEES : lround(v);
        l->company_size = n < 1 ? 1 : n;
        l->size_band = band_of(l->company_size);
    }

    for (int f = FLAG_PRICING; f <= FLAG_WEBINAR; f++)
        l->flag[f] = rng_uniform(r) < flags[f].prob_yes;
    int trial = l->flag[FLAG_TRIAL];

    /* Over-dispersed opens: Poisson with a log-normal mean (median 4.5). */
    int opens = rng_poisson(r, exp(1.5 + 0.7 * rng_normal(r)));
    l->email_opens = opens > 40 ? 40 : opens;
    l->product_sessions = rng_poisson(r, trial ? 6.5 : 1.5);
    l->features_adopted = rng_binomial(r, 12, trial ? 0.35 : 0.10);

    if (rng_uniform(r) < MINUTES_MISSING_PROB) {
        l->minutes_cents = -1;
    } else {
        double m = exp(2.70805020110221 /* log(15) */ + 0.9 * rng_normal(r)) *
                   (1.0 + 0.2 * l->product_sessions);
        if (m > 5000.0)
            m = 5000.0;
        long cents = lround(m * 100.0);
        l->minutes_cents = cents < 1 ? 1 : cents;
    }

    double days = -DAYS_MEAN * log1p(-rng_uniform(r));
    l->days_since_signup = days >= DAYS_MAX ? DAYS_MAX : (int)days;

    l->flag[FLAG_NEWSLETTER] = rng_uniform(r) < flags[FLAG_NEWSLETTER].prob_yes;
    l->cat[CAT_THEME] = draw_level(r, &categoricals[CAT_THEME]);
}

/* The linear predictor without the intercept, over the values as written. */
static double lead_eta(const lead *l)
{
    double eta = 0.0;
    for (int c = 0; c < N_CAT; c++)
        eta += l->cat[c] < 0 ? categoricals[c].missing_weight
                             : categoricals[c].levels[l->cat[c]].weight;
    eta += l->size_band < 0 ? SIZE_MISSING_WEIGHT : size_bands[l->size_band].weight;
    for (int f = 0; f < N_FLAG; f++)
        if (l->flag[f])
            eta += flags[f].weight;
    eta += EMAIL_WEIGHT * l->email_opens;
    eta += SESSIONS_WEIGHT * l->product_sessions;
    eta += FEATURES_WEIGHT * l->features_adopted;
    eta += l->minutes_cents < 0 ? MINUTES_MISSING_WEIGHT
                                : MINUTES_WEIGHT * ((double)l->minutes_cents / 100.0);
    eta += DAYS_WEIGHT * l->days_since_signup;
    return eta;
}

static double logistic(double eta)
{
    return 1.0 / (1.0 + exp(-eta));
}

/* ---- the intercept -------------------------------------------------------- */

/* Solves mean(logistic(b + eta_i)) = base_rate over the calibration sample by
 * Newton's method kept inside a shrinking bracket (the mean is increasing in b). */
static ls_status solve_intercept(double base_rate, double *out, ls_error *err)
{
    ls_status st = LS_OK;
    double *eta = malloc(CALIBRATION_ROWS * sizeof *eta);
    if (!eta) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    rng r;
    rng_seed(&r, CALIBRATION_SEED);
    double mean_eta = 0.0;
    for (size_t i = 0; i < CALIBRATION_ROWS; i++) {
        lead l;
        draw_lead(&r, &l);
        eta[i] = lead_eta(&l);
        mean_eta += eta[i];
    }
    mean_eta /= CALIBRATION_ROWS;

    double lo = -60.0, hi = 60.0;
    double b = log(base_rate / (1.0 - base_rate)) - mean_eta;
    if (!(b > lo && b < hi))
        b = 0.0;
    int converged = 0;
    for (int it = 0; it < 200 && !converged; it++) {
        double m = 0.0, d = 0.0;
        for (size_t i = 0; i < CALIBRATION_ROWS; i++) {
            double p = logistic(b + eta[i]);
            m += p;
            d += p * (1.0 - p);
        }
        double f = m / CALIBRATION_ROWS - base_rate;
        d /= CALIBRATION_ROWS;
        if (fabs(f) <= 1e-13) {
            converged = 1;
            break;
        }
        if (f > 0.0)
            hi = b;
        else
            lo = b;
        double next = d > 0.0 ? b - f / d : 0.5 * (lo + hi);
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        if (next == b)
            converged = 1;
        b = next;
    }
    if (!converged) {
        st = ls_fail(err, LS_ERR_NOCONVERGE, "cannot calibrate the intercept to base rate %g",
                     base_rate);
        goto done;
    }
    *out = b;
done:
    free(eta);
    return st;
}

/* ---- options and the truth ------------------------------------------------ */

void ls_synth_options_init(ls_synth_options *opts)
{
    opts->rows = 1000;
    opts->seed = 1;
    opts->base_rate = 0.15;
}

ls_status ls_synth_options_check(const ls_synth_options *opts, ls_error *err)
{
    if (opts->rows < 1)
        return ls_fail(err, LS_ERR_USAGE, "rows must be at least 1");
    if (!(opts->base_rate >= 0.001 && opts->base_rate <= 0.999))
        return ls_fail(err, LS_ERR_USAGE, "base rate must be between 0.001 and 0.999, not %g",
                       opts->base_rate);
    return LS_OK;
}

typedef struct {
    const char *criterion;
    const char *level; /* NULL: the term is named after the criterion alone */
    double weight;
} term_def;

/* Lists every term in file order after the intercept; returns the count. */
static size_t list_terms(term_def *t)
{
    size_t n = 0;
#define ADD(crit, lvl, w) (t[n].criterion = (crit), t[n].level = (lvl), t[n].weight = (w), n++)
    for (int c = CAT_JOB; c <= CAT_COUNTRY; c++) {
        const categorical_def *cd = &categoricals[c];
        for (size_t i = 1; i < cd->n_levels; i++)
            ADD(cd->column, cd->levels[i].level, cd->levels[i].weight);
        if (cd->missing_prob > 0.0)
            ADD(cd->column, "missing", cd->missing_weight);
    }
    for (size_t b = 0; b < COUNT(size_bands); b++)
        if (b != BAND_REF)
            ADD("company_size", size_bands[b].name, size_bands[b].weight);
    ADD("company_size", "missing", SIZE_MISSING_WEIGHT);
    for (int f = FLAG_PRICING; f <= FLAG_WEBINAR; f++)
        ADD(flags[f].column, NULL, flags[f].weight);
    ADD("email_opens", NULL, EMAIL_WEIGHT);
    ADD("product_sessions", NULL, SESSIONS_WEIGHT);
    ADD("features_adopted", NULL, FEATURES_WEIGHT);
    ADD("minutes_in_app", NULL, MINUTES_WEIGHT);
    ADD("minutes_in_app", "missing", MINUTES_MISSING_WEIGHT);
    ADD("days_since_signup", NULL, DAYS_WEIGHT);
    ADD(flags[FLAG_NEWSLETTER].column, NULL, flags[FLAG_NEWSLETTER].weight);
    const categorical_def *theme = &categoricals[CAT_THEME];
    for (size_t i = 1; i < theme->n_levels; i++)
        ADD(theme->column, theme->levels[i].level, theme->levels[i].weight);
#undef ADD
    return n;
}

static const char intercept_name[] = "(intercept)";

ls_status ls_synth_truth_init(ls_synth_truth *truth, const ls_synth_options *opts, ls_error *err)
{
    memset(truth, 0, sizeof *truth);
    term_def defs[MAX_TERMS];
    size_t n = list_terms(defs);
    double intercept = 0.0;
    ls_status st = ls_synth_options_check(opts, err);
    if (st != LS_OK)
        goto done;
    st = solve_intercept(opts->base_rate, &intercept, err);
    if (st != LS_OK)
        goto done;

    size_t bytes = sizeof intercept_name;
    for (size_t i = 0; i < n; i++)
        bytes += strlen(defs[i].criterion) + (defs[i].level ? 1 + strlen(defs[i].level) : 0) + 1;
    truth->terms = malloc((n + 1) * sizeof *truth->terms);
    truth->criteria = malloc((n + 1) * sizeof *truth->criteria);
    truth->weights = malloc((n + 1) * sizeof *truth->weights);
    truth->storage_ = malloc(bytes);
    if (!truth->terms || !truth->criteria || !truth->weights || !truth->storage_) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    char *p = truth->storage_;
    memcpy(p, intercept_name, sizeof intercept_name);
    truth->terms[0] = p;
    truth->criteria[0] = intercept_name;
    truth->weights[0] = intercept;
    p += sizeof intercept_name;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(defs[i].criterion);
        truth->terms[i + 1] = p;
        truth->criteria[i + 1] = defs[i].criterion;
        truth->weights[i + 1] = defs[i].weight;
        memcpy(p, defs[i].criterion, len);
        p += len;
        if (defs[i].level) {
            size_t ll = strlen(defs[i].level);
            *p++ = '=';
            memcpy(p, defs[i].level, ll);
            p += ll;
        }
        *p++ = '\0';
    }
    truth->count = n + 1;
done:
    if (st != LS_OK)
        ls_synth_truth_release(truth);
    return st;
}

void ls_synth_truth_release(ls_synth_truth *truth)
{
    if (!truth)
        return;
    free(truth->terms);
    free(truth->criteria);
    free(truth->weights);
    free(truth->storage_);
    memset(truth, 0, sizeof *truth);
}

size_t ls_synth_truth_find(const ls_synth_truth *truth, const char *name)
{
    for (size_t i = 0; i < truth->count; i++)
        if (strcmp(truth->terms[i], name) == 0)
            return i;
    return (size_t)-1;
}

static const categorical_def *find_categorical(const char *column)
{
    for (int c = 0; c < N_CAT; c++)
        if (strcmp(categoricals[c].column, column) == 0)
            return &categoricals[c];
    return NULL;
}

const char *ls_synth_reference(const char *column)
{
    const categorical_def *c = find_categorical(column);
    if (c)
        return c->levels[0].level;
    if (strcmp(column, "company_size") == 0)
        return size_bands[BAND_REF].name;
    return NULL;
}

double ls_synth_missing_rate(const char *column)
{
    const categorical_def *c = find_categorical(column);
    if (c)
        return c->missing_prob;
    if (strcmp(column, "company_size") == 0)
        return SIZE_MISSING_PROB;
    if (strcmp(column, "minutes_in_app") == 0)
        return MINUTES_MISSING_PROB;
    return 0.0;
}

int ls_synth_is_noise(const char *column)
{
    return strcmp(column, "newsletter") == 0 || strcmp(column, "page_theme") == 0;
}

/* ---- output ---------------------------------------------------------------- */

#define WRITER_BUFFER (1 << 16)
#define WRITER_ROOM 2048 /* more than the longest line we format */

typedef struct {
    FILE *fp;
    size_t len;
    int error; /* errno of the first failed write, or EIO */
    char buf[WRITER_BUFFER];
} writer;

static void w_flush(writer *w)
{
    if (w->len && !w->error) {
        errno = 0;
        if (fwrite(w->buf, 1, w->len, w->fp) != w->len)
            w->error = errno ? errno : EIO;
    }
    w->len = 0;
}

/* Makes room for one line. */
static void w_reserve(writer *w)
{
    if (WRITER_BUFFER - w->len < WRITER_ROOM)
        w_flush(w);
}

static void w_char(writer *w, char c)
{
    w->buf[w->len++] = c;
}

static void w_str(writer *w, const char *s)
{
    size_t n = strlen(s);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* Writes s as a CSV field, quoted when it holds a separator, quote or line break. */
static void w_field(writer *w, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        w_str(w, s);
        return;
    }
    w_char(w, '"');
    for (; *s; s++) {
        if (*s == '"')
            w_char(w, '"');
        w_char(w, *s);
    }
    w_char(w, '"');
}

/* Decimal digits of v, at least min_digits of them (zero padded). */
static void w_uint(writer *w, uint64_t v, int min_digits)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < min_digits)
        tmp[n++] = '0';
    while (n)
        w_char(w, tmp[--n]);
}

static void w_cents(writer *w, long cents)
{
    w_uint(w, (uint64_t)(cents / 100), 1);
    w_char(w, '.');
    w_uint(w, (uint64_t)(cents % 100), 2);
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v, with '.' as the
 * decimal point whatever the locale. */
static void format_double(char *buf, size_t size, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    const char *dp = localeconv()->decimal_point;
    if (dp && dp[0] && strcmp(dp, ".") != 0) {
        char *at = strstr(buf, dp);
        if (at) {
            size_t dl = strlen(dp);
            *at = '.';
            memmove(at + 1, at + dl, strlen(at + dl) + 1);
        }
    }
}

static void w_lead(writer *w, size_t id, const lead *l, int converted)
{
    w_reserve(w);
    w_char(w, 'L');
    w_uint(w, id, 7);
    for (int c = CAT_JOB; c <= CAT_COUNTRY; c++) {
        w_char(w, ',');
        if (l->cat[c] >= 0)
            w_field(w, categoricals[c].levels[l->cat[c]].level);
    }
    w_char(w, ',');
    if (l->company_size >= 0)
        w_uint(w, (uint64_t)l->company_size, 1);
    for (int f = FLAG_PRICING; f <= FLAG_WEBINAR; f++)
        w_str(w, l->flag[f] ? ",yes" : ",no");
    w_char(w, ',');
    w_uint(w, (uint64_t)l->email_opens, 1);
    w_char(w, ',');
    w_uint(w, (uint64_t)l->product_sessions, 1);
    w_char(w, ',');
    w_uint(w, (uint64_t)l->features_adopted, 1);
    w_char(w, ',');
    if (l->minutes_cents >= 0)
        w_cents(w, l->minutes_cents);
    w_char(w, ',');
    w_uint(w, (uint64_t)l->days_since_signup, 1);
    w_str(w, l->flag[FLAG_NEWSLETTER] ? ",yes," : ",no,");
    w_field(w, categoricals[CAT_THEME].levels[l->cat[CAT_THEME]].level);
    w_str(w, converted ? ",1\n" : ",0\n");
}

static ls_status w_finish(writer *w, const char *what, ls_error *err)
{
    w_flush(w);
    if (!w->error && ferror(w->fp))
        w->error = EIO;
    if (w->error)
        return ls_fail(err, LS_ERR_IO, "cannot write the %s: %s", what, strerror(w->error));
    return LS_OK;
}

static ls_status write_leads(const ls_synth_options *opts, double intercept, writer *w,
                             ls_synth_summary *summary, ls_error *err)
{
    rng r;
    rng_seed(&r, opts->seed);
    double sum_p = 0.0;
    size_t converted = 0;
    w_str(w, LEADS_HEADER);
    for (size_t i = 0; i < opts->rows; i++) {
        lead l;
        draw_lead(&r, &l);
        double p = logistic(intercept + lead_eta(&l));
        int y = rng_uniform(&r) < p;
        sum_p += p;
        converted += (size_t)y;
        w_lead(w, i + 1, &l, y);
        if (w->error)
            break;
    }
    summary->rows = opts->rows;
    summary->converted = converted;
    summary->mean_probability = sum_p / (double)opts->rows;
    return w_finish(w, "leads", err);
}

static ls_status write_truth(const ls_synth_truth *truth, writer *w, ls_error *err)
{
    char num[64];
    w_str(w, "term,weight\n");
    for (size_t i = 0; i < truth->count; i++) {
        w_reserve(w);
        w_field(w, truth->terms[i]);
        w_char(w, ',');
        format_double(num, sizeof num, truth->weights[i]);
        w_str(w, num);
        w_char(w, '\n');
    }
    return w_finish(w, "true weights", err);
}

ls_status ls_synth_write(const ls_synth_options *opts, FILE *leads, FILE *truth, FILE *spec,
                         ls_synth_summary *summary, ls_error *err)
{
    ls_synth_truth t = {0};
    ls_synth_summary sum = {0};
    writer *w = NULL;
    ls_status st = ls_synth_truth_init(&t, opts, err);
    if (st != LS_OK)
        goto done;
    sum.intercept = t.weights[0];
    w = malloc(sizeof *w);
    if (!w) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (leads) {
        w->fp = leads;
        w->len = 0;
        w->error = 0;
        st = write_leads(opts, t.weights[0], w, &sum, err);
        if (st != LS_OK)
            goto done;
    }
    if (truth) {
        w->fp = truth;
        w->len = 0;
        w->error = 0;
        st = write_truth(&t, w, err);
        if (st != LS_OK)
            goto done;
    }
    if (spec) {
        w->fp = spec;
        w->len = 0;
        w->error = 0;
        w_str(w, spec_text);
        st = w_finish(w, "criteria spec", err);
        if (st != LS_OK)
            goto done;
    }
done:
    if (summary)
        *summary = sum;
    free(w);
    ls_synth_truth_release(&t);
    return st;
}

ls_status ls_synth_write_paths(const ls_synth_options *opts, const char *leads_path,
                               const char *truth_path, const char *spec_path,
                               ls_synth_summary *summary, ls_error *err)
{
    const char *paths[3] = {leads_path, truth_path, spec_path};
    ls_output *out[3] = {NULL, NULL, NULL};
    FILE *fp[3] = {NULL, NULL, NULL};
    ls_status st = ls_synth_options_check(opts, err);
    if (st != LS_OK)
        goto done;
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (paths[i] && paths[j] &&
                (strcmp(paths[i], paths[j]) == 0 || ls_same_file(paths[i], paths[j]))) {
                st = ls_fail(err, LS_ERR_USAGE, "'%s' is named for two outputs", paths[i]);
                goto done;
            }
    for (int i = 0; i < 3; i++) {
        if (!paths[i])
            continue;
        st = ls_output_open(paths[i], &out[i], err);
        if (st != LS_OK)
            goto done;
        fp[i] = ls_output_stream(out[i]);
    }
    st = ls_synth_write(opts, fp[0], fp[1], fp[2], summary, err);
    if (st != LS_OK)
        goto done;
    for (int i = 0; i < 3; i++) {
        if (!out[i])
            continue;
        ls_output *o = out[i];
        out[i] = NULL;
        st = ls_output_commit(o, err);
        if (st != LS_OK)
            goto done;
    }
done:
    for (int i = 0; i < 3; i++)
        ls_output_abort(out[i]);
    return st;
}
