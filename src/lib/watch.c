/* Live re-scoring: features kept up to date as events arrive, each lead
 * re-scored when one of its events comes in.
 *
 * The clock is event time: the latest event time seen. After an event the
 * lead's features are those of a batch derivation as of the clock + 1 µs,
 * computed from state that does not grow with the number of events:
 *
 *   windows (count, sum, mean, active_days, trend, linear decay): a ring of
 *     one cell per day over the longest window, advanced as the clock moves
 *     (a cell that leaves the ring is zeroed); a window is the sum of its
 *     newest cells, exactly the batch's whole-day windows;
 *   all-history count, sum and mean: running totals;
 *   exponential decay: V and the instant τ it is taken at; an event at t
 *     adds 2^(-|t - τ|/h) on the right side, and V·2^(-(S - τ)/h) is its
 *     value at S: the batch's Σ 2^(-(S - t)/h), summed in another order;
 *   recency: the latest event time; distinct: the last day each name was seen.
 *
 * Memory. Every lead has a 24-byte record (its state block, last score and
 * tier). A lead's first matching event gives it a state block, carved from
 * 4 MiB slabs (no allocation per event), holding all of the above
 * contiguously, so an event touches a few cache lines: the block's size
 * depends on the spec only (8 bytes per scalar, 4-8 bytes per window day,
 * 4 bytes per distinct event name). When a distinct feature meets more
 * names than its blocks hold, every block is copied once into a wider
 * layout (capacity doubles). Memory is thus proportional to the leads,
 * never to the events.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "features_internal.h"
#include "leadscore/events.h"
#include "leadscore/scorer.h"
#include "text.h"

#define SLAB_BYTES (4u << 20)
#define DAY_NEVER INT32_MIN

/* Where a def's state lives in a lead's block (byte offsets; SIZE_MAX = none). */
typedef struct {
    size_t scalar; /* doubles: all-history totals, or exponential V per half-life */
    size_t time;   /* int64: τ of exponential decay, or the last time (recency) */
    size_t ring;   /* int64 head day, then `days` cells of `cell` bytes */
    uint32_t days;
    size_t cell;
    size_t dist; /* int32 last day per distinct name, `cap` of them */
    size_t cap;
} def_layout;

typedef struct slab {
    struct slab *next;
    size_t used;
    unsigned char data[];
} slab;

typedef struct {
    const char *fields;   /* the lead's fields, back to back (ls_leads_row) */
    unsigned char *block; /* NULL until the lead's first matching event */
    double score;
    const char *tier;
} lead_state;

struct ls_watch {
    const ls_model *model;
    const ls_features *f;
    ls_watch_options opts;
    ls_watch_fn fn;
    void *user;
    ls_leads leads;
    ls_scorer *scorer;
    ls_event_types types;
    size_t n_cols;
    const char **row; /* scorer input: the lead's fields, then the features */
    char *text;       /* feature values as text, 32 bytes each */
    double *values;
    def_layout *layout;
    size_t block_bytes;
    lead_state *state;
    /* id → lead: slots hold the row + 1 and 32 bits of the id's hash, so a
     * lookup touches the slot, the lead's record and its fields (the id is
     * one of them), which the scoring reads next anyway */
    uint64_t *index;
    size_t index_mask;
    uint32_t *active; /* leads with a block, in order of their first event */
    size_t n_active;
    slab *slabs;
    int started;
    int64_t clock;
    ls_watch_stats stats;
};

void ls_watch_options_init(ls_watch_options *o)
{
    memset(o, 0, sizeof *o);
}

static void free_slabs(slab *s)
{
    while (s) {
        slab *next = s->next;
        free(s);
        s = next;
    }
}

void ls_watch_free(ls_watch *w)
{
    if (!w)
        return;
    ls_scorer_free(w->scorer);
    ls_event_types_release(&w->types);
    free_slabs(w->slabs);
    free(w->row);
    free(w->text);
    free(w->values);
    free(w->layout);
    free(w->state);
    free(w->index);
    free(w->active);
    ls_leads_release(&w->leads);
    free(w);
}

/* ---- layout ----------------------------------------------------------------------- */

static int def_has_ring(const ls_feature_def *d)
{
    switch (d->kind) {
    case LS_FEAT_COUNT:
    case LS_FEAT_SUM:
    case LS_FEAT_MEAN:
        return d->n_params > 0;
    case LS_FEAT_ACTIVE_DAYS:
    case LS_FEAT_TREND:
        return 1;
    case LS_FEAT_DECAYED_COUNT:
    case LS_FEAT_DECAYED_SUM:
        return d->decay == LS_DECAY_LINEAR;
    default:
        return 0;
    }
}

/* Bytes per day: a count (uint32), a sum (double), both for a mean, a flag. */
static size_t cell_bytes(const ls_feature_def *d)
{
    switch (d->kind) {
    case LS_FEAT_SUM:
    case LS_FEAT_DECAYED_SUM:
        return sizeof(double);
    case LS_FEAT_MEAN:
        return 2 * sizeof(double);
    case LS_FEAT_ACTIVE_DAYS:
        return 1;
    default:
        return sizeof(uint32_t);
    }
}

static size_t scalars_of(const ls_feature_def *d)
{
    switch (d->kind) {
    case LS_FEAT_COUNT:
    case LS_FEAT_SUM:
        return d->n_params ? 0 : 1;
    case LS_FEAT_MEAN:
        return d->n_params ? 0 : 2;
    case LS_FEAT_DECAYED_COUNT:
    case LS_FEAT_DECAYED_SUM:
        return d->decay == LS_DECAY_EXP ? d->n_params : 0;
    default:
        return 0;
    }
}

static int has_time(const ls_feature_def *d)
{
    return d->kind == LS_FEAT_RECENCY ||
           ((d->kind == LS_FEAT_DECAYED_COUNT || d->kind == LS_FEAT_DECAYED_SUM) &&
            d->decay == LS_DECAY_EXP);
}

/* Lays a block out: times, scalars, rings (8-byte aligned), then distinct
 * cells with the given capacities (caps[i], or the current ones when NULL). */
static void plan_layout(const ls_features *f, def_layout *L, const size_t *caps, size_t *bytes)
{
    size_t at = 0;
    for (size_t i = 0; i < f->n_defs; i++) {
        L[i].time = has_time(&f->defs[i]) ? at : SIZE_MAX;
        at += has_time(&f->defs[i]) ? sizeof(int64_t) : 0;
    }
    for (size_t i = 0; i < f->n_defs; i++) {
        size_t n = scalars_of(&f->defs[i]);
        L[i].scalar = n ? at : SIZE_MAX;
        at += n * sizeof(double);
    }
    for (size_t i = 0; i < f->n_defs; i++) {
        const ls_feature_def *d = &f->defs[i];
        L[i].ring = SIZE_MAX;
        if (!def_has_ring(d))
            continue;
        at = (at + 7) & ~(size_t)7;
        L[i].ring = at;
        L[i].days = d->max_days;
        L[i].cell = cell_bytes(d);
        at += sizeof(int64_t) + (size_t)L[i].days * L[i].cell;
    }
    at = (at + 3) & ~(size_t)3;
    for (size_t i = 0; i < f->n_defs; i++) {
        L[i].dist = SIZE_MAX;
        if (f->defs[i].kind != LS_FEAT_DISTINCT)
            continue;
        L[i].cap = caps ? caps[i] : L[i].cap;
        L[i].dist = at;
        at += L[i].cap * sizeof(int32_t);
    }
    *bytes = (at + 7) & ~(size_t)7;
}

static void *slab_alloc(slab **slabs, size_t bytes, size_t *accounted)
{
    if (!*slabs || (*slabs)->used + bytes > SLAB_BYTES) {
        size_t size = bytes > SLAB_BYTES ? bytes : SLAB_BYTES;
        slab *s = malloc(sizeof *s + size);
        if (!s)
            return NULL;
        s->next = *slabs;
        s->used = 0;
        *slabs = s;
        *accounted += sizeof *s + size;
    }
    void *p = (*slabs)->data + (*slabs)->used;
    (*slabs)->used += bytes;
    return p;
}

/* A fresh block: zero totals and rings (their head at day), no times, no names. */
static void block_init(const ls_features *f, const def_layout *L, unsigned char *b, size_t bytes,
                       int64_t day)
{
    memset(b, 0, bytes);
    for (size_t i = 0; i < f->n_defs; i++) {
        if (L[i].time != SIZE_MAX) {
            int64_t none = LS_TIME_NONE;
            memcpy(b + L[i].time, &none, sizeof none);
        }
        if (L[i].ring != SIZE_MAX)
            memcpy(b + L[i].ring, &day, sizeof day);
        for (size_t s = 0; L[i].dist != SIZE_MAX && s < L[i].cap; s++) {
            int32_t never = DAY_NEVER;
            memcpy(b + L[i].dist + s * sizeof never, &never, sizeof never);
        }
    }
}

/* Gives def room for distinct slot `slot` in every block (copied into a wider layout). */
static ls_status grow_distinct(ls_watch *w, size_t def, uint32_t slot, ls_error *err)
{
    const ls_features *f = w->f;
    if (slot < w->layout[def].cap)
        return LS_OK;
    size_t *caps = malloc(f->n_defs * sizeof *caps);
    def_layout *L = malloc(f->n_defs * sizeof *L);
    if (!caps || !L) {
        free(caps);
        free(L);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < f->n_defs; i++)
        caps[i] = w->layout[i].cap;
    while (caps[def] <= slot)
        caps[def] = caps[def] ? caps[def] * 2 : 8;
    size_t bytes, accounted = 0;
    plan_layout(f, L, caps, &bytes);
    slab *slabs = NULL;
    for (size_t a = 0; a < w->n_active; a++) {
        lead_state *ls = &w->state[w->active[a]];
        unsigned char *nb = slab_alloc(&slabs, bytes, &accounted);
        if (!nb) {
            free_slabs(slabs);
            free(caps);
            free(L);
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        }
        block_init(f, L, nb, bytes, 0);
        /* Times, scalars and rings keep their offsets; distinct cells move. */
        size_t fixed = w->layout[def].dist;
        for (size_t i = 0; i < f->n_defs; i++)
            if (w->layout[i].dist != SIZE_MAX && w->layout[i].dist < fixed)
                fixed = w->layout[i].dist;
        memcpy(nb, ls->block, fixed);
        for (size_t i = 0; i < f->n_defs; i++)
            if (w->layout[i].dist != SIZE_MAX)
                memcpy(nb + L[i].dist, ls->block + w->layout[i].dist,
                       w->layout[i].cap * sizeof(int32_t));
        ls->block = nb;
    }
    free_slabs(w->slabs);
    w->slabs = slabs;
    w->stats.state_bytes += accounted;
    memcpy(w->layout, L, f->n_defs * sizeof *L);
    w->block_bytes = bytes;
    free(caps);
    free(L);
    return LS_OK;
}

/* ---- rings ---------------------------------------------------------------------------- */

static uint32_t mod_days(int64_t day, uint32_t n)
{
    int64_t m = day % (int64_t)n;
    return (uint32_t)(m < 0 ? m + n : m);
}

/* Moves the ring's newest day to `to`, zeroing the cells of the days that drop out. */
static void ring_advance(unsigned char *ring, const def_layout *L, int64_t to)
{
    int64_t head;
    memcpy(&head, ring, sizeof head);
    unsigned char *cells = ring + sizeof(int64_t);
    if (to <= head)
        return;
    if (to - head >= L->days) {
        memset(cells, 0, (size_t)L->days * L->cell);
    } else {
        uint32_t at = mod_days(head, L->days);
        for (int64_t d = head + 1; d <= to; d++) {
            at = at + 1 == L->days ? 0 : at + 1;
            memset(cells + (size_t)at * L->cell, 0, L->cell);
        }
    }
    memcpy(ring, &to, sizeof to);
}

/* The cell of day, or NULL when the day is older than the ring. */
static unsigned char *ring_cell(unsigned char *ring, const def_layout *L, int64_t day)
{
    int64_t head;
    memcpy(&head, ring, sizeof head);
    if (day > head || head - day >= L->days)
        return NULL;
    return ring + sizeof(int64_t) + (size_t)mod_days(day, L->days) * L->cell;
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static double get_f64(const unsigned char *p)
{
    double v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void add_u32(unsigned char *p, uint32_t x)
{
    uint32_t v = get_u32(p) + x;
    memcpy(p, &v, sizeof v);
}

static void add_f64(unsigned char *p, double x)
{
    double v = get_f64(p) + x;
    memcpy(p, &v, sizeof v);
}

static int64_t get_i64(const unsigned char *p)
{
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void set_i64(unsigned char *p, int64_t v)
{
    memcpy(p, &v, sizeof v);
}

/* Σ over the newest `n` days of a ring: counts (as doubles), or the first
 * (sums) or second (n of a mean) double of each cell. */
static double ring_sum(const unsigned char *cells, const def_layout *L, uint32_t top, uint32_t n,
                       int what)
{
    double s = 0;
    for (uint32_t k = 0, at = top; k < n; k++, at = at ? at - 1 : L->days - 1) {
        const unsigned char *c = cells + (size_t)at * L->cell;
        s += what == 0 ? (double)get_u32(c) : get_f64(c + (what == 2 ? sizeof(double) : 0));
    }
    return s;
}

/* ---- the lead index --------------------------------------------------------------------- */

static uint64_t mix_hash(const char *id, size_t len)
{
    uint64_t h = ls_hash_bytes(id, len);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* The id field of a lead: its fields are back to back, the id is column idc. */
static const char *lead_id(const ls_watch *w, const lead_state *ls)
{
    const char *p = ls->fields;
    for (size_t c = 0; c < w->leads.id_column; c++)
        p += strlen(p) + 1;
    return p;
}

static ls_status build_index(ls_watch *w, ls_error *err)
{
    size_t size = 16;
    while (size < w->leads.n * 2 + 16)
        size *= 2;
    w->index_mask = size - 1;
    w->index = calloc(size, sizeof *w->index);
    if (!w->index)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t r = 0; r < w->leads.n; r++) {
        w->state[r].fields = w->leads.fields[r];
        uint64_t h = mix_hash(w->leads.ids[r], w->leads.id_len[r]);
        size_t pos = h & w->index_mask;
        while (w->index[pos]) /* ids are unique (checked on reading) */
            pos = (pos + 1) & w->index_mask;
        w->index[pos] = (h >> 32) << 32 | (uint64_t)(r + 1);
    }
    /* The leads' own look-up tables are not needed from here on. */
    free(w->leads.table);
    free(w->leads.next);
    free((void *)w->leads.ids);
    free(w->leads.id_len);
    free((void *)w->leads.fields);
    w->leads.table = NULL;
    w->leads.next = NULL;
    w->leads.ids = NULL;
    w->leads.id_len = NULL;
    w->leads.fields = NULL;
    return LS_OK;
}

static size_t find_lead(const ls_watch *w, const char *id, size_t len)
{
    uint64_t h = mix_hash(id, len), tag = h >> 32;
    for (size_t pos = h & w->index_mask;; pos = (pos + 1) & w->index_mask) {
        uint64_t e = w->index[pos];
        if (!e)
            return (size_t)-1;
        size_t r = (size_t)(e & 0xffffffffu) - 1;
        if (e >> 32 != tag)
            continue;
        const char *stored = lead_id(w, &w->state[r]);
        if (strncmp(stored, id, len) == 0 && stored[len] == '\0')
            return r;
    }
}

/* ---- setup ---------------------------------------------------------------------------- */

ls_status ls_watch_new(const ls_model *model, const ls_features *f, const char *leads_path,
                       const ls_watch_options *opts, ls_watch_fn fn, void *user, ls_watch **out,
                       ls_error *err)
{
    *out = NULL;
    ls_watch *w = calloc(1, sizeof *w);
    if (!w)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    w->model = model;
    w->f = f;
    if (opts)
        w->opts = *opts;
    w->fn = fn;
    w->user = user;
    w->clock = LS_TIME_NONE;
    w->stats.clock = LS_TIME_NONE;
    ls_leads_options lo;
    memset(&lo, 0, sizeof lo);
    lo.id_column = w->opts.id_column ? w->opts.id_column : ls_features_leads_id(f);
    lo.as_of = LS_TIME_NONE;
    lo.keep_fields = 1;
    lo.unique_ids = 1;
    ls_status st = ls_leads_read(leads_path, &lo, &w->leads, err);
    if (st != LS_OK)
        goto fail;
    size_t n = w->leads.n ? w->leads.n : 1, nc = w->leads.n_columns, no = f->n_outputs;
    w->n_cols = nc + no;
    const char **names = calloc(w->n_cols, sizeof *names);
    if (!names) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t c = 0; c < nc; c++)
        names[c] = w->leads.columns[c];
    for (size_t i = 0; i < no; i++) {
        for (size_t c = 0; c < nc; c++)
            if (strcmp(names[c], f->outputs[i]) == 0) {
                st = ls_fail_at(err, LS_ERR_DATA, leads_path, 1, c + 1, w->leads.columns[c],
                                "the leads file already has a column named like the feature");
                free(names);
                goto fail;
            }
        names[nc + i] = f->outputs[i];
    }
    st = ls_scorer_new(model, names, w->n_cols, &w->scorer, err);
    free(names);
    if (st != LS_OK)
        goto fail;
    ls_scorer_set_max_reasons(w->scorer, 0);
    if ((st = ls_event_types_init(&w->types, f, err)) != LS_OK)
        goto fail;
    w->layout = calloc(f->n_defs ? f->n_defs : 1, sizeof *w->layout);
    size_t *caps = calloc(f->n_defs ? f->n_defs : 1, sizeof *caps);
    if (!w->layout || !caps) {
        free(caps);
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < f->n_defs; i++) /* listed names without prefixes: known in advance */
        caps[i] = f->defs[i].n_prefixes == 0 && f->defs[i].n_events ? f->defs[i].n_events : 8;
    plan_layout(f, w->layout, caps, &w->block_bytes);
    free(caps);
    w->row = calloc(w->n_cols, sizeof *w->row);
    w->text = malloc((no ? no : 1) * 32);
    w->values = malloc((no ? no : 1) * sizeof *w->values);
    w->state = calloc(n, sizeof *w->state);
    w->active = malloc(n * sizeof *w->active);
    if (!w->row || !w->text || !w->values || !w->state || !w->active) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((st = build_index(w, err)) != LS_OK)
        goto fail;
    w->stats.leads = w->leads.n;
    w->stats.state_bytes =
        n * (sizeof *w->state + sizeof *w->active) + (w->index_mask + 1) * sizeof *w->index;
    *out = w;
    return LS_OK;
fail:
    ls_watch_free(w);
    return st;
}

/* ---- evaluation ----------------------------------------------------------------------- */

/* The features of lead r as of S = clock + 1 µs (with no block: no events). */
static void evaluate(const ls_watch *w, size_t r, int64_t clock, double *out)
{
    const ls_features *f = w->f;
    unsigned char *b = w->state[r].block;
    int64_t S = clock == LS_TIME_NONE ? LS_TIME_NONE : clock + 1;
    int64_t DS = clock == LS_TIME_NONE ? 0 : ls_time_day(clock);
    for (size_t i = 0; i < f->n_defs; i++) {
        const ls_feature_def *d = &f->defs[i];
        const def_layout *L = &w->layout[i];
        double *o = out + d->first_output;
        if (!b) { /* no events: zeros, recency at its cap */
            for (size_t p = 0; p < d->n_outputs; p++)
                o[p] = d->kind == LS_FEAT_RECENCY ? d->cap : 0;
            continue;
        }
        const unsigned char *cells = NULL;
        uint32_t top = 0; /* day DS - k lives in cell (top - k) mod days */
        if (L->ring != SIZE_MAX) {
            ring_advance(b + L->ring, L, DS);
            cells = b + L->ring + sizeof(int64_t);
            top = mod_days(DS, L->days);
        }
        const unsigned char *sc = L->scalar != SIZE_MAX ? b + L->scalar : NULL;
        int64_t t = L->time != SIZE_MAX ? get_i64(b + L->time) : LS_TIME_NONE;
        switch (d->kind) {
        case LS_FEAT_COUNT:
        case LS_FEAT_SUM:
        case LS_FEAT_MEAN:
            if (d->n_params == 0) {
                double a0 = get_f64(sc), a1 = d->kind == LS_FEAT_MEAN ? get_f64(sc + 8) : 0;
                o[0] = d->kind != LS_FEAT_MEAN ? a0 : a1 > 0 ? a0 / a1 : 0;
                break;
            }
            for (size_t p = 0; p < d->n_outputs; p++) {
                uint32_t days = (uint32_t)d->params[p];
                double sum = ring_sum(cells, L, top, days, d->kind == LS_FEAT_COUNT ? 0 : 1);
                double cnt = d->kind == LS_FEAT_MEAN ? ring_sum(cells, L, top, days, 2) : 0;
                o[p] = d->kind != LS_FEAT_MEAN ? sum : cnt > 0 ? sum / cnt : 0;
            }
            break;
        case LS_FEAT_ACTIVE_DAYS:
            for (size_t p = 0; p < d->n_outputs; p++) {
                double c = 0;
                for (uint32_t k = 0, at = top; k < (uint32_t)d->params[p];
                     k++, at = at ? at - 1 : L->days - 1)
                    c += cells[at];
                o[p] = c;
            }
            break;
        case LS_FEAT_TREND: {
            double recent = ring_sum(cells, L, top, d->recent, 0);
            double base = ring_sum(cells, L, top, d->recent + d->baseline, 0) - recent;
            o[0] = recent - base * (double)d->recent / (double)d->baseline;
            break;
        }
        case LS_FEAT_DECAYED_COUNT:
        case LS_FEAT_DECAYED_SUM:
            for (size_t p = 0; p < d->n_outputs; p++) {
                if (d->decay == LS_DECAY_EXP) {
                    o[p] = t == LS_TIME_NONE
                               ? 0
                               : get_f64(sc + 8 * p) *
                                     exp2(-((double)(S - t) / (double)LS_TIME_DAY) / d->params[p]);
                    continue;
                }
                uint32_t life = (uint32_t)d->params[p];
                double s = 0;
                for (uint32_t k = 0, at = top; k < life; k++, at = at ? at - 1 : L->days - 1) {
                    const unsigned char *c = cells + (size_t)at * L->cell;
                    double v = d->kind == LS_FEAT_DECAYED_COUNT ? (double)get_u32(c) : get_f64(c);
                    s += v * (double)(life - k);
                }
                o[p] = s / d->params[p];
            }
            break;
        case LS_FEAT_RECENCY: {
            double days = t == LS_TIME_NONE ? d->cap : (double)(S - t) / (double)LS_TIME_DAY;
            o[0] = days < d->cap ? days : d->cap;
            break;
        }
        case LS_FEAT_DISTINCT: {
            const unsigned char *cellsd = b + L->dist;
            size_t seen = w->types.distinct_count[i] < L->cap ? w->types.distinct_count[i] : L->cap;
            for (size_t p = 0; p < d->n_outputs; p++) {
                int64_t oldest = d->n_params ? DS - (int64_t)d->params[p] + 1 : INT64_MIN;
                size_t c = 0;
                for (size_t s = 0; s < seen; s++) {
                    int32_t last;
                    memcpy(&last, cellsd + s * sizeof last, sizeof last);
                    c += last != DAY_NEVER && last >= oldest;
                }
                o[p] = (double)c;
            }
            break;
        }
        }
    }
}

static int same_tier(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Scores lead r as of the clock; reports when the score or tier changed. */
static ls_status rescore(ls_watch *w, size_t r, int64_t clock, ls_watch_cause cause, int64_t time,
                         ls_error *err)
{
    const ls_features *f = w->f;
    evaluate(w, r, clock, w->values);
    size_t nc = w->leads.n_columns;
    const char *p = w->state[r].fields;
    for (size_t c = 0; c < nc; c++) {
        w->row[c] = p;
        p += strlen(p) + 1;
    }
    for (size_t i = 0; i < f->n_outputs; i++) {
        char *t = w->text + 32 * i;
        ls_feature_format(w->values[i], t);
        w->row[nc + i] = t;
    }
    ls_score_result res;
    ls_status st = ls_scorer_score(w->scorer, w->row, &res, err);
    if (st != LS_OK) {
        char why[LS_ERROR_MESSAGE_MAX], column[LS_ERROR_FILE_MAX];
        snprintf(why, sizeof why, "%s", err ? err->message : "");
        snprintf(column, sizeof column, "%s", err ? err->column : "");
        return ls_fail_at(err, st, NULL, w->leads.lines[r], 0, *column ? column : NULL,
                          "lead '%.64s': %s", lead_id(w, &w->state[r]), why);
    }
    lead_state *ls = &w->state[r];
    int first = cause == LS_WATCH_INITIAL;
    int tier_changed = !first && !same_tier(res.tier, ls->tier);
    int changed = first || res.score != ls->score || tier_changed;
    double previous = first ? NAN : ls->score;
    const char *prev_tier = first ? NULL : ls->tier;
    ls->score = res.score;
    ls->tier = res.tier;
    int report = first ? w->opts.initial
                       : w->opts.every || (changed && (!w->opts.tier_only || tier_changed));
    if (!report || !w->fn)
        return LS_OK;
    ls_watch_change ch = {w->row[w->leads.id_column],
                          r,
                          cause,
                          time,
                          res.score,
                          previous,
                          res.tier,
                          prev_tier,
                          res.probability};
    w->stats.changes++;
    return w->fn(w->user, &ch, err);
}

ls_status ls_watch_start(ls_watch *w, ls_error *err)
{
    if (w->started)
        return LS_OK;
    for (size_t r = 0; r < w->leads.n; r++) {
        ls_status st = rescore(w, r, LS_TIME_NONE, LS_WATCH_INITIAL, LS_TIME_NONE, err);
        if (st != LS_OK)
            return st;
    }
    w->started = 1;
    return LS_OK;
}

/* Re-scores every lead with events as of the clock. */
static ls_status sweep(ls_watch *w, int64_t clock, ls_watch_cause cause, int64_t time,
                       ls_error *err)
{
    for (size_t i = 0; i < w->n_active; i++) {
        ls_status st = rescore(w, w->active[i], clock, cause, time, err);
        if (st != LS_OK)
            return st;
    }
    return LS_OK;
}

/* ---- events ----------------------------------------------------------------------------- */

/* The largest multiple of period at or before t. */
static int64_t floor_multiple(int64_t t, int64_t period)
{
    int64_t q = t / period;
    if (t % period != 0 && t < 0)
        q--;
    return q * period;
}

static void add_event(ls_watch *w, unsigned char *b, const ls_feature_match *m, size_t nm,
                      const ls_event *ev)
{
    const ls_features *f = w->f;
    int64_t day = ls_time_day(ev->time), clock_day = ls_time_day(w->clock);
    int has_value = !isnan(ev->value);
    for (size_t i = 0; i < nm; i++) {
        size_t di = m[i].def;
        const ls_feature_def *d = &f->defs[di];
        const def_layout *L = &w->layout[di];
        if (ls_feature_is_kind_value(d->kind) && !has_value)
            continue;
        unsigned char *cell = NULL;
        if (L->ring != SIZE_MAX) {
            ring_advance(b + L->ring, L, clock_day);
            cell = ring_cell(b + L->ring, L, day);
        }
        unsigned char *sc = L->scalar != SIZE_MAX ? b + L->scalar : NULL;
        switch (d->kind) {
        case LS_FEAT_COUNT:
        case LS_FEAT_SUM:
        case LS_FEAT_MEAN:
            if (d->n_params == 0) {
                add_f64(sc, d->kind == LS_FEAT_COUNT ? 1 : ev->value);
                if (d->kind == LS_FEAT_MEAN)
                    add_f64(sc + 8, 1);
            } else if (cell && d->kind == LS_FEAT_COUNT) {
                add_u32(cell, 1);
            } else if (cell) {
                add_f64(cell, ev->value);
                if (d->kind == LS_FEAT_MEAN)
                    add_f64(cell + 8, 1);
            }
            break;
        case LS_FEAT_ACTIVE_DAYS:
            if (cell)
                *cell = 1;
            break;
        case LS_FEAT_TREND:
            if (cell)
                add_u32(cell, 1);
            break;
        case LS_FEAT_DECAYED_COUNT:
        case LS_FEAT_DECAYED_SUM: {
            double weight = d->kind == LS_FEAT_DECAYED_SUM ? ev->value : 1;
            if (d->decay == LS_DECAY_LINEAR) {
                if (cell && d->kind == LS_FEAT_DECAYED_COUNT)
                    add_u32(cell, 1);
                else if (cell)
                    add_f64(cell, weight);
                break;
            }
            int64_t tau = get_i64(b + L->time);
            for (size_t p = 0; p < d->n_params; p++) {
                double V = get_f64(sc + 8 * p);
                if (tau == LS_TIME_NONE)
                    V = weight;
                else if (ev->time >= tau)
                    V = V * exp2(-((double)(ev->time - tau) / (double)LS_TIME_DAY) / d->params[p]) +
                        weight;
                else
                    V += weight *
                         exp2(-((double)(tau - ev->time) / (double)LS_TIME_DAY) / d->params[p]);
                memcpy(sc + 8 * p, &V, sizeof V);
            }
            if (tau == LS_TIME_NONE || ev->time > tau)
                set_i64(b + L->time, ev->time);
            break;
        }
        case LS_FEAT_RECENCY: {
            int64_t last = get_i64(b + L->time);
            if (last == LS_TIME_NONE || ev->time > last)
                set_i64(b + L->time, ev->time);
            break;
        }
        case LS_FEAT_DISTINCT: {
            unsigned char *c = b + L->dist + (size_t)m[i].slot * sizeof(int32_t);
            int32_t last, dd = day < INT32_MIN + 1 ? INT32_MIN + 1
                               : day > INT32_MAX   ? INT32_MAX
                                                   : (int32_t)day;
            memcpy(&last, c, sizeof last);
            if (last == DAY_NEVER || dd > last)
                memcpy(c, &dd, sizeof dd);
            break;
        }
        }
    }
}

ls_status ls_watch_event(ls_watch *w, const ls_event *ev, ls_error *err)
{
    ls_status st;
    if (!w->started && (st = ls_watch_start(w, err)) != LS_OK)
        return st;
    w->stats.events++;
    size_t r = ev->lead_len ? find_lead(w, ev->lead, ev->lead_len) : (size_t)-1;
    if (r == (size_t)-1) {
        w->stats.unknown_lead++;
        return LS_OK;
    }
    uint32_t type;
    int is_new;
    if ((st = ls_event_types_get(&w->types, ev->name, ev->name_len, &type, &is_new, err)) != LS_OK)
        return st;
    const ls_feature_match *m = w->types.matches + w->types.match_start[type];
    size_t nm = w->types.match_count[type];
    if (is_new)
        for (size_t i = 0; i < nm; i++)
            if (w->f->defs[m[i].def].kind == LS_FEAT_DISTINCT &&
                (st = grow_distinct(w, m[i].def, m[i].slot, err)) != LS_OK)
                return st;
    /* The clock moves. When it crosses multiples of the sweep period, every
     * lead with events is re-scored once, as of the last multiple crossed,
     * before this event counts. */
    if (w->clock == LS_TIME_NONE || ev->time > w->clock) {
        if (w->opts.sweep > 0 && w->clock != LS_TIME_NONE) {
            int64_t at = floor_multiple(ev->time, w->opts.sweep);
            if (at > w->clock && (st = sweep(w, at - 1, LS_WATCH_SWEEP, at, err)) != LS_OK)
                return st;
        }
        w->clock = ev->time;
        w->stats.clock = ev->time;
    }
    if (nm == 0)
        return LS_OK;
    lead_state *ls = &w->state[r];
    if (!ls->block) {
        ls->block = slab_alloc(&w->slabs, w->block_bytes, &w->stats.state_bytes);
        if (!ls->block)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        block_init(w->f, w->layout, ls->block, w->block_bytes, ls_time_day(w->clock));
        w->active[w->n_active++] = (uint32_t)r;
        w->stats.active_leads++;
    }
    add_event(w, ls->block, m, nm, ev);
    return rescore(w, r, w->clock, LS_WATCH_EVENT, ev->time, err);
}

ls_status ls_watch_finish(ls_watch *w, ls_error *err)
{
    ls_status st;
    if (!w->started && (st = ls_watch_start(w, err)) != LS_OK)
        return st;
    if (w->clock == LS_TIME_NONE)
        return LS_OK;
    return sweep(w, w->clock, LS_WATCH_FINAL, w->clock, err);
}

void ls_watch_get_stats(const ls_watch *w, ls_watch_stats *stats)
{
    *stats = w->stats;
}

void ls_watch_feature_values(ls_watch *w, size_t row, double *out)
{
    evaluate(w, row, w->clock, out);
}
