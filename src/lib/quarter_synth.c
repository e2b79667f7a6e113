/* Synthetic quarters for the monitoring tests; see quarter_synth.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "quarter_synth.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "error_internal.h"

#define INTERCEPT (-2.6)

static const char *const column_names[LS_Q_COLUMNS] = {"channel",    "region", "demo",
                                                       "newsletter", "visits", "minutes"};

static const char *const channel_levels[] = {"paid", "organic", "referral", "email", "event"};
static const double channel_p[] = {0.40, 0.25, 0.15, 0.12, 0.08};
static const double channel_b[] = {0, 0.3, 0.9, -0.5, 0.7};
static const char *const region_levels[] = {"north", "south", "west"};
static const double region_p[] = {0.45, 0.30, 0.25};
static const double region_b[] = {0, -0.3, 0.3};

#define DEMO_P 0.30
#define DEMO_B 1.0
#define NEWSLETTER_P 0.50
#define VISITS_MEAN 4.0
#define VISITS_B 0.12
#define MINUTES_MEAN 20.0
#define MINUTES_B 0.02
#define MINUTES_MISSING_B (-0.3)
#define MINUTES_MISSING 0.06

void ls_quarter_options_init(ls_quarter_options *o)
{
    memset(o, 0, sizeof *o);
    o->rows = 5000;
    o->seed = 1;
    for (size_t i = 0; i < LS_Q_COLUMNS; i++) {
        o->effect[i] = 1;
        o->missing[i] = NAN;
    }
}

const char *ls_quarter_column(size_t index)
{
    return index < LS_Q_COLUMNS ? column_names[index] : NULL;
}

/* splitmix64 (Steele, Lea & Flood): small, fast, good enough for tests. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
    return (double)(next_u64(s) >> 11) * 0x1.0p-53;
}

static double missing_rate(const ls_quarter_options *o, size_t col, double dflt)
{
    return isnan(o->missing[col]) ? dflt : o->missing[col];
}

/* Draws a level with probabilities (1 − s)·p + s·reverse(p). */
static size_t draw_level(uint64_t *s, const double *p, size_t n, double shift)
{
    double u = uniform(s), acc = 0;
    for (size_t k = 0; k < n; k++) {
        acc += (1 - shift) * p[k] + shift * p[n - 1 - k];
        if (u < acc)
            return k;
    }
    return n - 1;
}

/* Poisson by inversion (means stay small here). */
static unsigned poisson(uint64_t *s, double mean)
{
    double u = uniform(s), p = exp(-mean), acc = p;
    unsigned k = 0;
    while (u > acc && k < 1000) {
        k++;
        p *= mean / k;
        acc += p;
    }
    return k;
}

typedef struct {
    int missing, unseen;
    size_t level;
} cat_value;

static cat_value categorical(uint64_t *s, const ls_quarter_options *o, size_t col, const double *p,
                             size_t n)
{
    cat_value v = {0, 0, 0};
    double miss = uniform(s), new_level = uniform(s);
    v.level = draw_level(s, p, n, o->shift[col]);
    v.missing = miss < missing_rate(o, col, 0);
    v.unseen = !v.missing && new_level < o->unseen[col];
    return v;
}

static void put_categorical(FILE *out, cat_value v, size_t col, const char *const *levels)
{
    if (v.missing)
        return;
    if (v.unseen)
        fprintf(out, "new_%s", column_names[col]);
    else
        fputs(levels[v.level], out);
}

ls_status ls_quarter_write(const ls_quarter_options *o, FILE *out, ls_error *err)
{
    uint64_t s = o->seed * 0x2545F4914F6CDD1Dull + 0x1234567ull;
    fputs("lead_id,channel,region,demo,newsletter,visits,minutes,converted\n", out);
    for (size_t i = 0; i < o->rows; i++) {
        double eta = INTERCEPT;
        cat_value ch = categorical(&s, o, LS_Q_CHANNEL, channel_p, 5);
        cat_value rg = categorical(&s, o, LS_Q_REGION, region_p, 3);
        if (!ch.missing && !ch.unseen)
            eta += o->effect[LS_Q_CHANNEL] * channel_b[ch.level];
        if (!rg.missing && !rg.unseen)
            eta += o->effect[LS_Q_REGION] * region_b[rg.level];

        double u_demo = uniform(&s), m_demo = uniform(&s);
        int demo = u_demo < DEMO_P + o->shift[LS_Q_DEMO];
        int demo_missing = m_demo < missing_rate(o, LS_Q_DEMO, 0);
        if (!demo_missing && demo)
            eta += o->effect[LS_Q_DEMO] * DEMO_B;

        double u_news = uniform(&s), m_news = uniform(&s);
        int news = u_news < NEWSLETTER_P + o->shift[LS_Q_NEWSLETTER];
        int news_missing = m_news < missing_rate(o, LS_Q_NEWSLETTER, 0);

        unsigned visits = poisson(&s, VISITS_MEAN * (1 + o->shift[LS_Q_VISITS]));
        int visits_missing = uniform(&s) < missing_rate(o, LS_Q_VISITS, 0);
        if (!visits_missing)
            eta += o->effect[LS_Q_VISITS] * VISITS_B * visits;

        double u_min = uniform(&s);
        double minutes = -MINUTES_MEAN * (1 + o->shift[LS_Q_MINUTES]) * log1p(-u_min);
        long centi = lround(minutes * 100);
        int minutes_missing = uniform(&s) < missing_rate(o, LS_Q_MINUTES, MINUTES_MISSING);
        if (minutes_missing)
            eta += o->effect[LS_Q_MINUTES] * MINUTES_MISSING_B;
        else
            eta += o->effect[LS_Q_MINUTES] * MINUTES_B * ((double)centi / 100);

        int converted = uniform(&s) < 1 / (1 + exp(-eta));

        fprintf(out, "Q%07zu,", i + 1);
        put_categorical(out, ch, LS_Q_CHANNEL, channel_levels);
        fputc(',', out);
        put_categorical(out, rg, LS_Q_REGION, region_levels);
        fprintf(out, ",%s,%s,",
                demo_missing ? ""
                : demo       ? "yes"
                             : "no",
                news_missing ? ""
                : news       ? "yes"
                             : "no");
        if (!visits_missing)
            fprintf(out, "%u", visits);
        fputc(',', out);
        if (!minutes_missing)
            fprintf(out, "%ld.%02ld", centi / 100, centi % 100);
        fprintf(out, ",%d\n", converted);
    }
    return ferror(out) ? ls_fail(err, LS_ERR_IO, "write error") : LS_OK;
}

ls_status ls_quarter_write_path(const ls_quarter_options *o, const char *path, ls_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        return ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
    ls_status st = ls_quarter_write(o, fp, err);
    if (fclose(fp) != 0 && st == LS_OK)
        st = ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "write error");
    return st;
}
