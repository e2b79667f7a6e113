/* Synthetic product-usage events from a KNOWN process, so tests can check
 * that features + training recover the true effects, and that the decay fit
 * finds the true half-life.
 *
 * Lead i (lead_id E0000001 ...) has:
 *   segment     smb (60%), mid (30%), ent (10%)
 *   label_date  a day of 2024 (date only: midnight UTC), uniform
 *   engagement  g ~ Exponential(1), capped at 8 (not written)
 * and, before its label date:
 *   session        Poisson(0.3·g per day) over the 90 days before, value = minutes
 *                  in the session ~ Exponential(mean 12), written with 2 decimals
 *   pricing_view   Poisson(1 + 2·g) views at ages uniform over the 60 days before
 *   feature_X      for X in reports, api, export, sso: adopted with probability
 *                  g / (g + 2), at an age uniform over the 90 days before
 *   email_open     Poisson(4) over the 90 days before
 * The outcome is Bernoulli(p), p = logistic(η) with
 *   η = -3 + 1.0·pricing_decay + 0.05·sessions_30d + 0.4·[segment=mid] + 0.8·[segment=ent]
 *   pricing_decay  Σ over pricing views of 2^(-age / half_life), age in days
 *                  (half_life = 7 days unless set), as the decayed_count feature
 *   sessions_30d   sessions in the 30 days before the label date (the count
 *                  feature with window = 30d)
 * Nothing else matters: adoption, e-mails, minutes and recency have true
 * weight 0 given these (they are correlated with them through g).
 *
 * After the label date (leak bait that point-in-time features must ignore):
 * sessions go on for 14 days for everyone, and a converted lead has a
 * purchase (value = amount) within 2 days and 3 more pricing views.
 *
 * Events are written lead by lead (so the file is not in time order), in
 * mixed ISO-8601 spellings: "Z", "+hh:mm" and "-hhmm" offsets, and some with
 * milliseconds. Randomness: xoshiro256** seeded through splitmix64, so a seed
 * gives the same files everywhere.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/events.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "error_internal.h"
#include "leadscore/output.h"

#define TRUE_INTERCEPT (-3.0)
#define TRUE_PRICING 1.0
#define TRUE_SESSIONS 0.05
#define TRUE_MID 0.4
#define TRUE_ENT 0.8
#define YEAR_2024 INT64_C(1704067200) /* 2024-01-01T00:00:00Z, seconds */

void ls_events_synth_options_init(ls_events_synth_options *o)
{
    o->leads = 5000;
    o->seed = 1;
    o->half_life = 7;
}

/* ---- xoshiro256** ------------------------------------------------------------- */

typedef struct {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(rng *r)
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

/* Uniform in (0, 1). */
static double uniform(rng *r)
{
    return ((double)(next_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

static double exponential(rng *r, double mean)
{
    return -mean * log(uniform(r));
}

static unsigned poisson(rng *r, double lambda)
{
    /* Knuth's product of uniforms; lambda stays below a few hundred here. */
    double limit = exp(-lambda), p = 1;
    unsigned k = 0;
    do {
        k++;
        p *= uniform(r);
    } while (p > limit);
    return k - 1;
}

/* ---- writing -------------------------------------------------------------------- */

/* Writes instant t (µs) in one of the spellings the reader accepts. */
static void write_time(FILE *fp, int64_t t, rng *r)
{
    static const struct {
        int minutes;
        const char *colon, *plain;
    } zones[] = {{60, "+01:00", "+0100"},
                 {120, "+02:00", "+0200"},
                 {-300, "-05:00", "-0500"},
                 {-480, "-08:00", "-0800"},
                 {330, "+05:30", "+0530"}};
    char buf[48];
    double u = uniform(r);
    if (u < 0.75) {
        ls_time_format(t, 0, buf, sizeof buf); /* "Z", with .ffffff when t has milliseconds */
        fputs(buf, fp);
        return;
    }
    size_t z = (size_t)(next_u64(r) % (sizeof zones / sizeof zones[0]));
    int64_t local = t + (int64_t)zones[z].minutes * 60 * LS_TIME_SECOND;
    ls_time_format(local, 0, buf, sizeof buf);
    size_t len = strlen(buf);
    buf[len - 1] = '\0'; /* drop the Z */
    fprintf(fp, "%s%s", buf, u < 0.88 ? zones[z].colon : zones[z].plain);
}

/* The spelling of each timestamp comes from a stream of its own, so the
 * leads (and the truth) do not depend on whether events are written. */
typedef struct {
    FILE *events;
    rng *r;
    const char *lead;
} writer;

static void write_event(writer *w, const char *name, int64_t t, double value)
{
    fprintf(w->events, "%s,%s,", w->lead, name);
    write_time(w->events, t, w->r);
    if (isnan(value)) {
        fputs(",\n", w->events);
    } else {
        /* two decimals, by hand: no locale */
        long long cents = llround(value * 100);
        fprintf(w->events, ",%lld.%02lld\n", cents / 100, cents % 100);
    }
}

/* An instant `age` seconds (uniform over (0, span_days]) before label, in µs:
 * whole seconds, or with milliseconds one time in ten. */
static int64_t before(rng *r, int64_t label, double span_days)
{
    int64_t age = (int64_t)ceil(uniform(r) * span_days * 86400.0) * LS_TIME_SECOND;
    if (uniform(r) < 0.1)
        age -= (int64_t)(next_u64(r) % 1000) * 1000; /* stays > 0: age >= 1 s */
    return label - age;
}

static ls_status write_all(const ls_events_synth_options *o, FILE *leads, FILE *events,
                           ls_error *err)
{
    (void)err;
    rng r, spelling;
    uint64_t x = o->seed, y = o->seed ^ 0x5DEECE66DULL;
    for (int i = 0; i < 4; i++) {
        r.s[i] = splitmix64(&x);
        spelling.s[i] = splitmix64(&y);
    }
    if (leads)
        fputs("lead_id,segment,label_date,converted\n", leads);
    if (events)
        fputs("lead_id,event,timestamp,value\n", events);
    static const char *const features[] = {"feature_reports", "feature_api", "feature_export",
                                           "feature_sso"};
    for (size_t i = 0; i < o->leads; i++) {
        char id[32], date[40];
        snprintf(id, sizeof id, "E%07zu", i + 1);
        double u = uniform(&r);
        const char *segment = u < 0.6 ? "smb" : u < 0.9 ? "mid" : "ent";
        int64_t label = (YEAR_2024 + (int64_t)(next_u64(&r) % 366) * 86400) * LS_TIME_SECOND;
        double g = exponential(&r, 1);
        if (g > 8)
            g = 8;
        /* The features of the true process are computed exactly as the
         * feature engine does; events are written as they are drawn. */
        FILE *ev = events;
        writer w = {ev, &spelling, id};
        int64_t label_day = ls_time_day(label - 1);
        double sessions_30d = 0, pricing = 0;
        unsigned n = poisson(&r, 0.3 * g * 90);
        for (unsigned k = 0; k < n; k++) {
            int64_t t = before(&r, label, 90);
            double minutes = exponential(&r, 12);
            if (label_day - ls_time_day(t) < 30)
                sessions_30d += 1;
            if (ev)
                write_event(&w, "session", t, minutes);
        }
        n = poisson(&r, 1 + 2 * g);
        for (unsigned k = 0; k < n; k++) {
            int64_t t = before(&r, label, 60);
            pricing += exp2(-((double)(label - t) / (double)LS_TIME_DAY) / o->half_life);
            if (ev)
                write_event(&w, "pricing_view", t, NAN);
        }
        for (size_t k = 0; k < sizeof features / sizeof features[0]; k++)
            if (uniform(&r) < g / (g + 2)) {
                int64_t t = before(&r, label, 90);
                if (ev)
                    write_event(&w, features[k], t, NAN);
            }
        n = poisson(&r, 4);
        for (unsigned k = 0; k < n; k++) {
            int64_t t = before(&r, label, 90);
            if (ev)
                write_event(&w, "email_open", t, NAN);
        }
        double eta = TRUE_INTERCEPT + TRUE_PRICING * pricing + TRUE_SESSIONS * sessions_30d +
                     (strcmp(segment, "mid") == 0 ? TRUE_MID : 0) +
                     (strcmp(segment, "ent") == 0 ? TRUE_ENT : 0);
        int converted = uniform(&r) < 1 / (1 + exp(-eta));
        /* After the label date: must never reach the features. */
        n = poisson(&r, 0.3 * g * 14);
        for (unsigned k = 0; k < n; k++) {
            int64_t t = label + (int64_t)floor(uniform(&r) * 14 * 86400) * LS_TIME_SECOND;
            double minutes = exponential(&r, 12);
            if (ev)
                write_event(&w, "session", t, minutes);
        }
        if (converted) {
            int64_t t = label + (int64_t)floor(uniform(&r) * 2 * 86400) * LS_TIME_SECOND;
            double amount = 500 + exponential(&r, 2000);
            if (ev) {
                write_event(&w, "purchase", t, amount);
                for (int k = 0; k < 3; k++)
                    write_event(&w, "pricing_view", t + (k + 1) * 3600 * LS_TIME_SECOND, NAN);
            }
        }
        if (leads)
            fprintf(leads, "%s,%s,%s,%d\n", id, segment,
                    ls_time_format(label, 1, date, sizeof date), converted);
    }
    return LS_OK;
}

static void write_truth(FILE *fp, const ls_events_synth_options *o)
{
    fputs("term,weight\n", fp);
    fprintf(fp, "(intercept),%.17g\n", TRUE_INTERCEPT);
    fprintf(fp, "pricing_decay,%.17g\n", TRUE_PRICING);
    fprintf(fp, "sessions_30d,%.17g\n", TRUE_SESSIONS);
    fprintf(fp, "segment=mid,%.17g\n", TRUE_MID);
    fprintf(fp, "segment=ent,%.17g\n", TRUE_ENT);
    fputs("adopted,0\nemail_opens_30d,0\nminutes_30d,0\nlast_seen,0\n", fp);
    fprintf(fp, "pricing_decay:half_life_days,%.17g\n", o->half_life);
}

static void write_spec(FILE *fp, const ls_events_synth_options *o)
{
    char hl[40];
    ls_feature_format(o->half_life, hl);
    fprintf(fp,
            "; Synthetic product-usage leads (leadscore synth-events --seed %llu).\n"
            "[leadscore]\n"
            "target = converted\n"
            "positive = 1\n"
            "id = lead_id\n"
            "exclude = label_date\n"
            "\n"
            "[events]\n"
            "label_date = label_date\n"
            "\n"
            "[feature]\n"
            "name = pricing_decay\n"
            "kind = decayed_count\n"
            "events = pricing_view\n"
            "half_life = %sd\n"
            "\n"
            "[feature]\n"
            "name = sessions_30d\n"
            "kind = count\n"
            "events = session\n"
            "window = 30d\n"
            "\n"
            "[feature]\n"
            "name = adopted\n"
            "kind = distinct\n"
            "prefix = feature_\n"
            "window = 90d\n"
            "\n"
            "[feature]\n"
            "name = email_opens_30d\n"
            "kind = count\n"
            "events = email_open\n"
            "window = 30d\n"
            "\n"
            "[feature]\n"
            "name = minutes_30d\n"
            "kind = sum\n"
            "events = session\n"
            "window = 30d\n"
            "\n"
            "[feature]\n"
            "name = last_seen\n"
            "kind = recency\n"
            "cap = 90d\n",
            (unsigned long long)o->seed, hl);
}

ls_status ls_events_synth_write(const ls_events_synth_options *o, const char *leads_path,
                                const char *events_path, const char *truth_path,
                                const char *spec_path, ls_error *err)
{
    if (o->leads < 1)
        return ls_fail(err, LS_ERR_USAGE, "--leads must be at least 1");
    if (!(o->half_life > 0 && o->half_life <= 365))
        return ls_fail(err, LS_ERR_USAGE, "the half-life must be in (0, 365] days");
    const char *paths[4] = {leads_path, events_path, truth_path, spec_path};
    ls_output *outs[4] = {NULL, NULL, NULL, NULL};
    ls_status st = LS_OK;
    for (int i = 0; i < 4 && st == LS_OK; i++)
        if (paths[i])
            st = ls_output_open(paths[i], &outs[i], err);
    if (st == LS_OK)
        st = write_all(o, outs[0] ? ls_output_stream(outs[0]) : NULL,
                       outs[1] ? ls_output_stream(outs[1]) : NULL, err);
    if (st == LS_OK && outs[2])
        write_truth(ls_output_stream(outs[2]), o);
    if (st == LS_OK && outs[3])
        write_spec(ls_output_stream(outs[3]), o);
    for (int i = 0; i < 4; i++) {
        if (st == LS_OK && outs[i])
            st = ls_output_commit(outs[i], err);
        else
            ls_output_abort(outs[i]);
        outs[i] = NULL;
    }
    return st;
}
