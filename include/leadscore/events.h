/* leadscore — product usage: event files, features derived from them as of a
 * point in time, the decay half-life fitted from data, live re-scoring as
 * events arrive, and synthetic events from a known process.
 *
 * Time. Instants are int64 microseconds since 1970-01-01T00:00:00Z (UTC,
 * leap seconds ignored as POSIX does). Timestamps are ISO-8601:
 *   2024-03-05                       midnight UTC of that day
 *   2024-03-05T14:30[:05[.123456]]   a 'T' (or a space) before the time
 *   ... Z | +02:00 | -0530 | +02     UTC, or an offset from UTC
 * A time without a zone is read as UTC. Fractions beyond microseconds are
 * truncated (toward the past).
 *
 * Point in time. Features "as of S" use only events strictly before S. A
 * lead's snapshot is --as-of for scoring, or its own label date for training
 * (so an event at, or after, the moment a lead converted never leaks into the
 * criteria that predict the conversion). Windows work on whole days counted
 * back from the snapshot: an event is k days old when it falls k UTC days
 * before the day of the last instant before S (k = 0: the snapshot's own
 * day, up to S), and "the last 7 days" is k = 0..6. With a date-only
 * snapshot that is exactly the 7 calendar days before it.
 *
 * Feature definitions live in the criteria spec (see features.c and README
 * "Product usage"), in [events] and [feature] sections.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_EVENTS_H
#define LEADSCORE_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leadscore/error.h"
#include "leadscore/fit.h"
#include "leadscore/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- time ------------------------------------------------------------------ */

#define LS_TIME_SECOND INT64_C(1000000)
#define LS_TIME_DAY (INT64_C(86400) * LS_TIME_SECOND)
#define LS_TIME_NONE INT64_MIN /* "no instant" (an unset --as-of) */

/* Parses an ISO-8601 timestamp (the forms above) of len bytes. On failure
 * returns LS_ERR_PARSE with a message saying what is wrong and at which
 * character; err's place is left for the caller to fill. */
ls_status ls_time_parse(const char *text, size_t len, int64_t *out, ls_error *err);

/* Writes t as "2024-03-05T14:30:05Z", with ".ffffff" when t has a fraction
 * of a second (or the date alone when date_only and t is a midnight).
 * Returns buf; buf must hold at least 32 bytes. */
char *ls_time_format(int64_t t, int date_only, char *buf, size_t size);

/* The UTC day number of t (days since 1970-01-01, negative before). */
int64_t ls_time_day(int64_t t);

/* Parses a duration "7d", "12h", "2w", "90m", "30s" or a bare number of days
 * ("1.5"); returns 1 and the length in microseconds, or 0. */
int ls_duration_parse(const char *text, int64_t *out);

/* ---- event files ------------------------------------------------------------ */

typedef struct {
    const char *lead_column;  /* lead id (default "lead_id") */
    const char *event_column; /* event name (default "event") */
    const char *time_column;  /* ISO-8601 timestamp (default "timestamp") */
    const char *value_column; /* optional number (default "value"; absent = no values) */
    char separator;           /* 0 = detect among , ; tab | (default 0) */
    int live;                 /* 1: hand out each line as soon as it arrives (for pipes);
                                 0: read in large chunks (default) */
} ls_events_options;

void ls_events_options_init(ls_events_options *opts);

/* One event, valid until the next call on the reader. */
typedef struct {
    const char *lead; /* NUL-terminated; "" for an event without a lead */
    size_t lead_len;
    const char *name; /* event name, NUL-terminated, never empty */
    size_t name_len;
    int64_t time;
    double value; /* NAN when the record has no value */
    size_t line;  /* 1-based line in the file */
} ls_event;

typedef struct ls_event_reader ls_event_reader;

/* Opens path ("-" reads standard input) and reads the header. The lead, event
 * and time columns must be present; the value column may be absent. In live
 * mode a record may not span lines. *out is owned by the caller:
 * ls_events_free(). */
ls_status ls_events_open(const char *path, const ls_events_options *opts, ls_event_reader **out,
                         ls_error *err);

void ls_events_free(ls_event_reader *reader);

/* Reads the next event; *has_event is 0 at the end. A malformed record (bad
 * timestamp, text in the value column, empty event name, wrong field count)
 * is LS_ERR_PARSE at its line and column. */
ls_status ls_events_next(ls_event_reader *reader, ls_event *ev, int *has_event, ls_error *err);

/* Live mode: 1 if a complete line is already buffered, so the next call will
 * not wait for input (a caller flushes its output when this is 0). */
int ls_events_ready(const ls_event_reader *reader);

/* ---- feature definitions (the spec's [events] and [feature] sections) ----- */

typedef struct ls_features ls_features;

/* Reads the [events] and [feature] sections of a criteria spec file (other
 * sections are left to ls_spec_load). A spec without [feature] sections is an
 * LS_ERR_USAGE error. *out is owned by the caller: ls_features_free(). */
ls_status ls_features_load(const char *path, ls_features **out, ls_error *err);
ls_status ls_features_parse(const char *text, const char *name, ls_features **out, ls_error *err);
void ls_features_free(ls_features *features);

/* Output columns: one per feature, or per window / half-life of a section
 * that lists several. Names are owned by features. */
size_t ls_features_count(const ls_features *features);
const char *ls_features_name(const ls_features *features, size_t i);

/* What [events] says: the event file's columns, the leads file's id column
 * (default: the event file's lead column) and label-date column (NULL). */
const ls_events_options *ls_features_events_options(const ls_features *features);
const char *ls_features_leads_id(const ls_features *features);
const char *ls_features_label_date(const ls_features *features);

/* Writes a feature value as the feature files carry it: whole numbers as
 * integers, others rounded to 6 decimals with trailing zeros dropped ("0.125").
 * Returns the length; buf must hold at least 32 bytes. */
size_t ls_feature_format(double value, char *buf);

/* ---- deriving features for a leads file ------------------------------------- */

typedef struct {
    const char *leads_path;  /* leads CSV (read twice: not "-") */
    const char *events_path; /* events CSV ("-" = standard input) */
    const char *out_path;    /* leads with the feature columns appended ("-" = stdout) */
    const char *id_column;   /* overrides [events] leads_id */
    const char *label_date;  /* per-lead snapshot column; overrides [events] label_date */
    int64_t as_of;           /* snapshot for every lead, or for leads whose label date is
                                empty; LS_TIME_NONE = not set */
} ls_derive_options;

void ls_derive_options_init(ls_derive_options *opts);

typedef struct {
    size_t leads; /* rows in the leads file */
    size_t leads_with_events;
    size_t events;         /* records read */
    size_t used;           /* events that entered some lead's features */
    size_t unknown_lead;   /* events whose lead is not in the leads file (or has no id) */
    size_t after_snapshot; /* events at or after their lead's snapshot: left out */
    size_t unmatched;      /* events of a known lead matching no feature */
    int64_t first, last;   /* range of event times read (LS_TIME_NONE if none) */
} ls_derive_stats;

/* Features as of a snapshot, joined to the leads by id: each output row is
 * the leads row followed by the feature values. A lead with no events gets
 * zeros (and the recency cap). A snapshot is required: as_of, a label-date
 * column, or both (as_of then fills empty label dates). The output is
 * written atomically; stats may be NULL. */
ls_status ls_features_derive(const ls_features *features, const ls_derive_options *opts,
                             ls_derive_stats *stats, ls_error *err);

/* ---- decay: the half-life fitted by profile likelihood ---------------------- */

typedef struct {
    const char *feature; /* [feature] section name to profile; NULL = the first decayed one */
    const double *grid;  /* half-lives (or lifespans) in days; NULL = the default grid */
    size_t n_grid;
    const char *target;    /* outcome column in the leads file (required) */
    const char *positive;  /* value meaning converted; NULL = yes/true/1 */
    const char *id_column; /* as in ls_derive_options */
    const char *label_date;
    int64_t as_of;
    int others; /* 1 (default): the spec's other features are covariates too */
    ls_fit_options fit;
} ls_decay_options;

void ls_decay_options_init(ls_decay_options *opts);

typedef struct {
    double days;   /* half-life (exponential) or lifespan (linear) */
    double loglik; /* maximised log-likelihood with this decay; NAN if the fit failed */
    double estimate, std_error; /* the decayed feature's coefficient */
    ls_status status;           /* LS_OK, or why the fit at this point failed */
} ls_decay_point;

typedef struct {
    char *feature; /* the profiled section */
    int linear;    /* 1: lifespans (linear decay); 0: half-lives */
    ls_decay_point *points;
    size_t n_points;        /* in increasing days */
    size_t best;            /* index of the maximum */
    double ci_low, ci_high; /* likelihood-ratio 95% interval: where 2·(max - loglik) <= 3.841,
                               interpolated between grid points; -INFINITY / INFINITY when it
                               reaches the grid's edge */
    double loglik_none;     /* the same model with the feature undecayed (all-history sum) */
    double loglik_without;  /* the same model without the feature */
    size_t rows, positives;
    char **covariates; /* the other features in the model */
    size_t n_covariates;
} ls_decay_profile;

/* Derives the features as ls_features_derive does (the profiled feature once
 * per grid point, in one pass over the events), then fits logistic regression
 * of the target on them for each grid point. Fails (LS_ERR_DATA) when no grid
 * point could be fitted. profile must be released with ls_decay_profile_release. */
ls_status ls_decay_fit(const ls_features *features, const char *leads_path, const char *events_path,
                       const ls_decay_options *opts, ls_decay_profile *profile, ls_error *err);

void ls_decay_profile_release(ls_decay_profile *profile);

/* ---- live re-scoring ------------------------------------------------------------ */

typedef enum {
    LS_WATCH_INITIAL, /* a lead's starting score (opts.initial) */
    LS_WATCH_EVENT,   /* an event of the lead arrived; the score includes it */
    LS_WATCH_SWEEP,   /* time passed (opts.sweep): as of `time`, events before it */
    LS_WATCH_FINAL    /* the end of input: as of the clock + 1 µs */
} ls_watch_cause;

typedef struct {
    const char *lead; /* the lead's id */
    size_t row;       /* 0-based data row in the leads file */
    ls_watch_cause cause;
    int64_t time; /* the event's time (EVENT), the sweep instant (SWEEP), the clock
                     (FINAL); LS_TIME_NONE for INITIAL */
    double score;
    double previous_score; /* NAN on a lead's first report */
    const char *tier;      /* owned by the model; NULL when it has no tiers */
    const char *previous_tier;
    double probability;
} ls_watch_change;

/* Called for each change; a status other than LS_OK stops the watch. */
typedef ls_status (*ls_watch_fn)(void *user, const ls_watch_change *change, ls_error *err);

typedef struct {
    int tier_only;         /* 1: report only changes of tier (default 0: score or tier) */
    int every;             /* 1: report every re-score, changed or not (audits, tests) */
    int initial;           /* 1: report every lead's starting score first (default 0) */
    int64_t sweep;         /* > 0: re-score every lead that has events each time the clock crosses
                              a multiple of this, so decay and windows show without new events
                              (default 0: only at the end of input) */
    const char *id_column; /* overrides [events] leads_id */
} ls_watch_options;

void ls_watch_options_init(ls_watch_options *opts);

typedef struct ls_watch ls_watch;

/* Loads the leads (kept in memory: they are scored with their features) and
 * binds the model to the leads' columns plus the features. The model is
 * borrowed: keep it alive. *out is owned by the caller: ls_watch_free(). */
ls_status ls_watch_new(const ls_model *model, const ls_features *features, const char *leads_path,
                       const ls_watch_options *opts, ls_watch_fn fn, void *user, ls_watch **out,
                       ls_error *err);

/* Reports every lead's starting score when opts->initial is set (otherwise
 * nothing). Call once, before the first event. */
ls_status ls_watch_start(ls_watch *watch, ls_error *err);

/* Adds one event: the clock moves to the latest event time seen, the lead's
 * features are brought up to date as of just after the clock and its score
 * recomputed; a change of score (or tier) is reported. Events of unknown
 * leads, and events matching no feature, are counted and change nothing;
 * late events (older than the clock) still count. */
ls_status ls_watch_event(ls_watch *watch, const ls_event *ev, ls_error *err);

/* Adds n events in order, exactly as n calls of ls_watch_event would (the
 * same reports, in the same order; it stops at the first error), but faster
 * with many leads: the state of a group of events' leads is fetched from
 * memory together before the events are applied. */
ls_status ls_watch_events(ls_watch *watch, const ls_event *evs, size_t n, ls_error *err);

/* End of input: re-scores every lead with events as of the final clock and
 * reports the changes (LS_WATCH_FINAL). After it, each lead's last report
 * equals batch scoring with --as-of the clock + 1 µs. */
ls_status ls_watch_finish(ls_watch *watch, ls_error *err);

typedef struct {
    size_t leads, active_leads, events, unknown_lead, changes;
    int64_t clock;      /* latest event time (LS_TIME_NONE before any) */
    size_t state_bytes; /* memory held for per-lead state */
} ls_watch_stats;

void ls_watch_get_stats(const ls_watch *watch, ls_watch_stats *stats);

void ls_watch_free(ls_watch *watch);

/* ---- synthetic events from a known process -------------------------------------- */

typedef struct {
    size_t leads;     /* at least 1 (default 5000) */
    uint64_t seed;    /* default 1 */
    double half_life; /* true half-life of pricing_view, days (default 7) */
} ls_events_synth_options;

void ls_events_synth_options_init(ls_events_synth_options *opts);

/* Writes leads (lead_id,segment,label_date,converted), their events
 * (lead_id,event,timestamp,value; unsorted), the true weights
 * ("term,weight", with the true half_life_days) and a spec declaring the
 * features of the true process. Any path may be NULL to skip it; files are
 * written atomically. The process is documented in events_synth.c. */
ls_status ls_events_synth_write(const ls_events_synth_options *opts, const char *leads_path,
                                const char *events_path, const char *truth_path,
                                const char *spec_path, ls_error *err);

#ifdef __cplusplus
}
#endif
#endif
