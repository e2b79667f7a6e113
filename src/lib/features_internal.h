/* Product-usage features: the parsed [feature] definitions, the tables shared
 * by the batch derivation (features.c), the decay fit (decay_fit.c) and the
 * live engine (watch.c): interned event names, the lead-id map, the leads
 * file in memory, and per-lead accumulators as of a fixed snapshot.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_FEATURES_INTERNAL_H
#define LS_FEATURES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "leadscore/events.h"

typedef enum {
    LS_FEAT_COUNT,         /* events in the window */
    LS_FEAT_SUM,           /* total value in the window */
    LS_FEAT_MEAN,          /* mean value in the window (0 without values) */
    LS_FEAT_DISTINCT,      /* distinct matching event names in the window */
    LS_FEAT_RECENCY,       /* days since the last matching event (cap when never) */
    LS_FEAT_ACTIVE_DAYS,   /* days with at least one matching event in the window */
    LS_FEAT_TREND,         /* events in the recent period minus the baseline's, per period */
    LS_FEAT_DECAYED_COUNT, /* Σ decay(age) */
    LS_FEAT_DECAYED_SUM    /* Σ value·decay(age) */
} ls_feature_kind;

typedef enum { LS_DECAY_NONE = 0, LS_DECAY_EXP, LS_DECAY_LINEAR } ls_decay_kind;

typedef struct {
    char *name;
    ls_feature_kind kind;
    char **events; /* exact event names; none and no prefixes = every event */
    size_t n_events;
    char **prefixes;
    size_t n_prefixes;
    ls_decay_kind decay;
    /* windows (whole days; none = all history), half-lives (days) or
     * lifespans (whole days): one output column each */
    double *params;
    size_t n_params;
    double cap;                /* recency: days reported when never seen, and the maximum */
    uint32_t recent, baseline; /* trend periods, days */
    size_t first_output, n_outputs;
    size_t line; /* spec line of the section, for messages */
    int kind_set;
    uint32_t max_days; /* largest window / lifespan / recent + baseline (0 = none) */
} ls_feature_def;

struct ls_features {
    char *source; /* spec file name */
    char *text;   /* the spec text, to derive variants (decay grids) */
    ls_events_options events;
    char *lead_column, *event_column, *time_column, *value_column;
    char *leads_id, *label_date;
    ls_feature_def *defs;
    size_t n_defs;
    char **outputs; /* output column names */
    size_t n_outputs;
    size_t *output_def;   /* def of each output */
    size_t *output_param; /* index into the def's params (0 when it has none) */
};

int ls_feature_is_kind_value(ls_feature_kind kind); /* uses event values */

/* A copy of features in which def's params are replaced by grid (days). */
ls_status ls_features_with_params(const ls_features *features, size_t def, const double *grid,
                                  size_t n, ls_features **out, ls_error *err);

/* Index of the def called name, or (size_t)-1. */
size_t ls_features_find_def(const ls_features *features, const char *name);

/* ---- interned event names and the defs each one feeds -------------------- */

typedef struct {
    uint32_t def;  /* index of a def the name matches */
    uint32_t slot; /* DISTINCT: the name's index among the def's distinct names */
} ls_feature_match;

typedef struct {
    const ls_features *features;
    char **names;
    size_t n, cap;
    uint32_t *table; /* open addressing: type index + 1, 0 = empty */
    uint64_t *hashes;
    size_t mask;
    uint32_t *match_start; /* per type: first entry in matches, and count */
    uint32_t *match_count;
    ls_feature_match *matches;
    size_t n_matches, cap_matches;
    uint32_t *distinct_count; /* per def: distinct names seen so far */
} ls_event_types;

ls_status ls_event_types_init(ls_event_types *types, const ls_features *features, ls_error *err);
void ls_event_types_release(ls_event_types *types);

/* The type of an event name, interning it (and its matches) when new.
 * *is_new is set when a name was added (callers grow DISTINCT state). */
ls_status ls_event_types_get(ls_event_types *types, const char *name, size_t len, uint32_t *type,
                             int *is_new, ls_error *err);

/* ---- the leads file ------------------------------------------------------------- */

typedef struct {
    size_t n;         /* data rows */
    size_t n_columns; /* when keep_fields */
    char **columns;   /* header names (keep_fields) */
    const char **ids; /* per row, NUL-terminated */
    size_t *id_len;
    int64_t *snapshot;   /* per row, or NULL when no snapshot was asked for */
    const char **extra;  /* per row value of the extra column, or NULL */
    const char **fields; /* keep_fields: per row its first field; the row's n_columns
                            fields follow it back to back (ls_leads_row) */
    size_t *lines;       /* source line per row */
    char *arena;
    size_t id_column, extra_column;
    char separator;
    /* id → rows: open addressing over first rows, rows of one id chained.
     * A slot holds the row + 1 (low 32 bits) and 32 bits of the id's hash, so
     * a probe touches the row's id only when the hashes agree. */
    uint64_t *table;
    size_t mask;
    uint32_t *next; /* next row with the same id, or UINT32_MAX */
} ls_leads;

typedef struct {
    const char *id_column;
    const char *label_date;   /* per-row snapshot column, or NULL */
    int64_t as_of;            /* snapshot (or fallback for empty label dates) */
    int need_snapshot;        /* 1: every row must get a snapshot */
    const char *extra_column; /* one more column to keep (the target), or NULL */
    int keep_fields;          /* 1: keep every field (watch) */
    int unique_ids;           /* 1: a repeated id is an error */
} ls_leads_options;

ls_status ls_leads_read(const char *path, const ls_leads_options *opts, ls_leads *leads,
                        ls_error *err);
void ls_leads_release(ls_leads *leads);

/* The n_columns fields of row r (keep_fields) into out. */
void ls_leads_row(const ls_leads *leads, size_t r, const char **out);

/* First row with this id, or (size_t)-1; further rows through leads->next. */
size_t ls_leads_find(const ls_leads *leads, const char *id, size_t len);

/* ---- per-lead accumulators as of each row's snapshot (batch) ------------------- */

typedef struct ls_usage ls_usage;

ls_status ls_usage_new(const ls_features *features, const ls_leads *leads, ls_usage **out,
                       ls_error *err);
void ls_usage_free(ls_usage *usage);

/* Feeds one event to every row of its lead whose snapshot is after it. */
ls_status ls_usage_add(ls_usage *usage, const ls_event *ev, ls_error *err);

/* Streams an events file (opened with the spec's [events] settings). */
ls_status ls_usage_read(ls_usage *usage, const char *events_path, ls_error *err);

/* The feature values of a row, ls_features_count() of them. */
void ls_usage_values(const ls_usage *usage, size_t row, double *out);

/* Counters so far (events, used, unknown_lead, after_snapshot, ...). */
void ls_usage_stats(const ls_usage *usage, ls_derive_stats *stats);

/* ---- live state (watch.c), for tests ------------------------------------------ */

/* The feature values of leads row r as the watch holds them now: as of its
 * clock + 1 µs (no events yet: the values of a lead without events). */
void ls_watch_feature_values(ls_watch *watch, size_t row, double *out);

#endif
