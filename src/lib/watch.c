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
 * Memory. Every lead has a record: its last score, its state block's number
 * and its row (16 bytes), followed by its fields (the id is one of them),
 * padded to 16 bytes; its tier is not kept, as the tier is a function of the
 * score. A lead's first matching event gives it a state block: blocks are
 * numbered in the order of the leads' first events and live in slabs of
 * 2^slab_shift blocks (no allocation per event), each holding all of the
 * above contiguously, so an event touches a few cache lines. A block's size
 * depends on the spec only: 8 bytes per scalar, one day number shared by all
 * rings, 8-16 bytes per day of a ring of sums, 1 byte per day of a ring of
 * counts (2, then 4 once a count outgrows it), 4 bytes per distinct event
 * name. When a count outgrows its cells, or a distinct feature meets more
 * names than its blocks hold, every block is copied once into a wider
 * layout, slab by slab. Memory is thus proportional to the leads, never to
 * the events.
 *
 * Speed. With many leads, an event's lead is rarely in the caches: its index
 * slot, record and block are each a miss (the record holds the fields, so
 * they are not one more). ls_watch_events takes events by the batch and, for
 * a group of them at a time, first hashes every lead id and prefetches its
 * index slot, then prefetches the records the slots point to, then the
 * blocks the records point to, and only then applies the events one by one,
 * in order, exactly as ls_watch_event does.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#endif

#include "error_internal.h"
#include "features_internal.h"
#include "leadscore/events.h"
#include "leadscore/scorer.h"
#include "model_internal.h"
#include "text.h"

#define SLAB_BYTES ((size_t)8 << 20) /* at most, when the layout is first planned */
#define DAY_NEVER INT32_MIN
#define NO_LEAD UINT32_MAX
#define REC_ALIGN 16
/* Events whose memory is fetched together before they are applied. */
#define GROUP 64
#define LINE 64

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch((p), 1, 3)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* Where a def's state lives in a lead's block (byte offsets; SIZE_MAX = none). */
typedef struct {
    size_t scalar; /* doubles: all-history totals, or exponential V per half-life */
    size_t time;   /* int64: τ of exponential decay, or the last time (recency) */
    size_t ring;   /* `days` cells of `cell` bytes (the head day is the block's) */
    uint32_t days;
    size_t cell;
    int counter; /* the cells are counts, `cell` (1, 2 or 4) bytes wide */
    size_t dist; /* int32 last day per distinct name, `cap` of them */
    size_t cap;
} def_layout;

/* A lead's record, followed by its fields back to back (the id is column
 * id_column), the whole padded to REC_ALIGN bytes. A lead is known by the
 * place of its record in the table, in units of REC_ALIGN bytes. */
typedef struct {
    double score;   /* the last score (the tier follows from it) */
    uint32_t block; /* block number + 1; 0 until the lead's first matching event */
    uint32_t row;   /* 0-based data row in the leads file */
} lead_rec;

struct ls_watch {
    const ls_model *model;
    const ls_features *f;
    ls_watch_options opts;
    ls_watch_fn fn;
    void *user;
    ls_leads leads;       /* the columns and the source lines */
    unsigned char *table; /* the leads' records, in row order */
    size_t table_bytes;
    ls_scorer *scorer;
    ls_event_types types;
    size_t n_cols;
    const char **row; /* scorer input: the lead's fields, then the features */
    char *text;       /* feature values as text, 32 bytes each */
    double *values;
    def_layout *layout;
    size_t block_bytes;
    size_t *rings; /* defs with a ring */
    size_t n_rings;
    /* id → lead: slots hold the lead + 1 and 32 bits of the id's hash, so a
     * lookup touches the slot and the lead's record, which holds the id and
     * which the scoring reads next anyway */
    uint64_t *index;
    size_t index_mask;
    uint32_t *active; /* leads with a block, by block number */
    size_t n_active;
    unsigned char **slabs; /* slab k holds blocks k·2^slab_shift onwards */
    size_t n_slabs, cap_slabs;
    unsigned slab_shift;
    int started;
    int broken; /* a re-layout ran out of memory half way: the state is lost */
    int64_t clock;
    ls_watch_stats stats;
};

static lead_rec *rec_at(const ls_watch *w, uint32_t u)
{
    return (lead_rec *)(void *)(w->table + (size_t)u * REC_ALIGN);
}

static const char *rec_fields(const lead_rec *lr)
{
    return (const char *)(lr + 1);
}

void ls_watch_options_init(ls_watch_options *o)
{
    memset(o, 0, sizeof *o);
}

static size_t slab_bytes(const ls_watch *w, size_t block_bytes)
{
    return ((size_t)1 << w->slab_shift) * block_bytes;
}

/* A slab is mapped on its own where the system allows it, so that freeing
 * it gives its memory back at once: a re-layout then needs one slab more
 * than the blocks, not twice as much. */
static unsigned char *slab_alloc(size_t bytes)
{
#ifdef MAP_ANONYMOUS
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
#else
    return malloc(bytes);
#endif
}

static void slab_free(unsigned char *p, size_t bytes)
{
#ifdef MAP_ANONYMOUS
    if (p)
        munmap(p, bytes);
#else
    (void)bytes;
    free(p);
#endif
}

static void free_slabs(ls_watch *w)
{
    for (size_t k = 0; k < w->n_slabs; k++)
        slab_free(w->slabs[k], slab_bytes(w, w->block_bytes));
    free(w->slabs);
    w->slabs = NULL;
    w->n_slabs = w->cap_slabs = 0;
}

void ls_watch_free(ls_watch *w)
{
    if (!w)
        return;
    ls_scorer_free(w->scorer);
    ls_event_types_release(&w->types);
    free_slabs(w);
    free(w->row);
    free(w->text);
    free(w->values);
    free(w->layout);
    free(w->rings);
    free(w->table);
    free(w->index);
    free(w->active);
    ls_leads_release(&w->leads);
    free(w);
}

static ls_status broken_error(ls_error *err)
{
    return ls_fail(err, LS_ERR_NOMEM, "out of memory");
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

/* 1 if the def's ring cells count events (their width can grow). */
static int def_counts(const ls_feature_def *d)
{
    return d->kind == LS_FEAT_COUNT || d->kind == LS_FEAT_TREND || d->kind == LS_FEAT_DECAYED_COUNT;
}

/* Bytes per day: a count (cw bytes), a sum (double), both for a mean, a flag. */
static size_t cell_bytes(const ls_feature_def *d, size_t cw)
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
        return cw;
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

/* Lays a block out, widest first so nothing needs padding: the rings' head
 * day, times, scalars, rings of doubles, distinct cells (caps[i] of them),
 * then rings of 4-, 2- and 1-byte cells (counts cws[i] bytes wide). */
static void plan_layout(const ls_features *f, def_layout *L, const size_t *caps, const size_t *cws,
                        size_t *bytes)
{
    size_t at = 0;
    for (size_t i = 0; i < f->n_defs; i++) {
        const ls_feature_def *d = &f->defs[i];
        L[i].time = L[i].scalar = L[i].ring = L[i].dist = SIZE_MAX;
        L[i].days = 0;
        L[i].counter = def_has_ring(d) && def_counts(d);
        L[i].cell = def_has_ring(d) ? cell_bytes(d, cws[i]) : 0;
        L[i].cap = d->kind == LS_FEAT_DISTINCT ? caps[i] : 0;
        if (def_has_ring(d)) {
            L[i].days = d->max_days;
            at = sizeof(int64_t);
        }
    }
    for (size_t i = 0; i < f->n_defs; i++)
        if (has_time(&f->defs[i])) {
            L[i].time = at;
            at += sizeof(int64_t);
        }
    for (size_t i = 0; i < f->n_defs; i++) {
        size_t n = scalars_of(&f->defs[i]);
        if (n) {
            L[i].scalar = at;
            at += n * sizeof(double);
        }
    }
    for (size_t i = 0; i < f->n_defs; i++)
        if (L[i].cell >= sizeof(double)) {
            L[i].ring = at;
            at += (size_t)L[i].days * L[i].cell;
        }
    for (size_t i = 0; i < f->n_defs; i++)
        if (f->defs[i].kind == LS_FEAT_DISTINCT) {
            L[i].dist = at;
            at += L[i].cap * sizeof(int32_t);
        }
    for (size_t width = 4; width >= 1; width /= 2)
        for (size_t i = 0; i < f->n_defs; i++)
            if (L[i].cell == width) {
                L[i].ring = at;
                at += (size_t)L[i].days * L[i].cell;
            }
    *bytes = (at + 7) & ~(size_t)7;
}

static unsigned char *block_at(const ls_watch *w, uint32_t k)
{
    return w->slabs[k >> w->slab_shift] +
           (size_t)(k & ((1u << w->slab_shift) - 1)) * w->block_bytes;
}

static void set_i64(unsigned char *p, int64_t v)
{
    memcpy(p, &v, sizeof v);
}

static int64_t get_i64(const unsigned char *p)
{
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* A fresh block: zero totals and rings (their head at day), no times, no names. */
static void block_init(const ls_watch *w, const def_layout *L, unsigned char *b, size_t bytes,
                       int64_t day)
{
    const ls_features *f = w->f;
    memset(b, 0, bytes);
    if (w->n_rings)
        set_i64(b, day);
    for (size_t i = 0; i < f->n_defs; i++) {
        if (L[i].time != SIZE_MAX)
            set_i64(b + L[i].time, LS_TIME_NONE);
        for (size_t s = 0; L[i].dist != SIZE_MAX && s < L[i].cap; s++) {
            int32_t never = DAY_NEVER;
            memcpy(b + L[i].dist + s * sizeof never, &never, sizeof never);
        }
    }
}

static uint32_t get_count(const unsigned char *p, size_t width)
{
    if (width == 1)
        return *p;
    if (width == 2) {
        uint16_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void put_count(unsigned char *p, size_t width, uint32_t v)
{
    if (width == 1) {
        *p = (unsigned char)v;
    } else if (width == 2) {
        uint16_t x = (uint16_t)v;
        memcpy(p, &x, sizeof x);
    } else {
        memcpy(p, &v, sizeof v);
    }
}

/* Copies block ob (layout OL) into nb (layout NL), widening cells as needed. */
static void block_copy(const ls_watch *w, const def_layout *OL, const unsigned char *ob,
                       const def_layout *NL, unsigned char *nb, size_t new_bytes)
{
    const ls_features *f = w->f;
    block_init(w, NL, nb, new_bytes, w->n_rings ? get_i64(ob) : 0);
    for (size_t i = 0; i < f->n_defs; i++) {
        if (OL[i].time != SIZE_MAX)
            memcpy(nb + NL[i].time, ob + OL[i].time, sizeof(int64_t));
        if (OL[i].scalar != SIZE_MAX)
            memcpy(nb + NL[i].scalar, ob + OL[i].scalar, scalars_of(&f->defs[i]) * sizeof(double));
        if (OL[i].ring != SIZE_MAX && OL[i].cell == NL[i].cell) {
            memcpy(nb + NL[i].ring, ob + OL[i].ring, (size_t)OL[i].days * OL[i].cell);
        } else if (OL[i].ring != SIZE_MAX) {
            for (uint32_t c = 0; c < OL[i].days; c++)
                put_count(nb + NL[i].ring + c * NL[i].cell, NL[i].cell,
                          get_count(ob + OL[i].ring + c * OL[i].cell, OL[i].cell));
        }
        if (OL[i].dist != SIZE_MAX)
            memcpy(nb + NL[i].dist, ob + OL[i].dist, OL[i].cap * sizeof(int32_t));
    }
}

/* Re-lays every block out with these distinct capacities and count widths,
 * slab by slab (each old slab is freed once copied, so memory grows by one
 * slab at a time). Running out of memory half way loses the state. */
static ls_status relayout(ls_watch *w, const size_t *caps, const size_t *cws, ls_error *err)
{
    const ls_features *f = w->f;
    def_layout *L = malloc(f->n_defs * sizeof *L);
    if (!L)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    size_t bytes;
    plan_layout(f, L, caps, cws, &bytes);
    size_t per = (size_t)1 << w->slab_shift;
    for (size_t k = 0; k < w->n_slabs; k++) {
        unsigned char *ns = slab_alloc(slab_bytes(w, bytes));
        if (!ns) { /* slabs before k have the new layout, the others the old one */
            for (size_t j = 0; j < w->n_slabs; j++)
                slab_free(w->slabs[j], slab_bytes(w, j < k ? bytes : w->block_bytes));
            w->n_slabs = 0;
            free(L);
            w->broken = 1;
            return broken_error(err);
        }
        size_t first = k * per;
        size_t n = w->n_active - first < per ? w->n_active - first : per;
        for (size_t j = 0; j < n; j++)
            block_copy(w, w->layout, w->slabs[k] + j * w->block_bytes, L, ns + j * bytes, bytes);
        slab_free(w->slabs[k], slab_bytes(w, w->block_bytes));
        w->slabs[k] = ns;
    }
    w->stats.state_bytes += w->n_slabs * slab_bytes(w, bytes);
    w->stats.state_bytes -= w->n_slabs * slab_bytes(w, w->block_bytes);
    memcpy(w->layout, L, f->n_defs * sizeof *L);
    w->block_bytes = bytes;
    free(L);
    return LS_OK;
}

/* Changes def's capacity (cap > 0) or count width (cw > 0) in every block. */
static ls_status relayout_def(ls_watch *w, size_t def, size_t cap, size_t cw, ls_error *err)
{
    const ls_features *f = w->f;
    size_t *caps = malloc(2 * f->n_defs * sizeof *caps);
    if (!caps)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    size_t *cws = caps + f->n_defs;
    for (size_t i = 0; i < f->n_defs; i++) {
        caps[i] = w->layout[i].cap;
        cws[i] = w->layout[i].counter ? w->layout[i].cell : 1;
    }
    if (cap)
        caps[def] = cap;
    if (cw)
        cws[def] = cw;
    ls_status st = relayout(w, caps, cws, err);
    free(caps);
    return st;
}

/* Gives def room for distinct slot `slot` in every block. */
static ls_status grow_distinct(ls_watch *w, size_t def, uint32_t slot, ls_error *err)
{
    size_t cap = w->layout[def].cap;
    if (slot < cap)
        return LS_OK;
    while (cap <= slot)
        cap = cap ? cap * 2 : 8;
    return relayout_def(w, def, cap, 0, err);
}

static ls_status new_block(ls_watch *w, uint32_t u, ls_error *err)
{
    uint32_t k = (uint32_t)w->n_active;
    if ((k & ((1u << w->slab_shift) - 1)) == 0) {
        if (w->n_slabs == w->cap_slabs) {
            size_t cap = w->cap_slabs ? w->cap_slabs * 2 : 16;
            unsigned char **s = realloc(w->slabs, cap * sizeof *s);
            if (!s)
                return ls_fail(err, LS_ERR_NOMEM, "out of memory");
            w->slabs = s;
            w->cap_slabs = cap;
        }
        /* Pages are touched as blocks are handed out. */
        unsigned char *slab = slab_alloc(slab_bytes(w, w->block_bytes));
        if (!slab)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        w->slabs[w->n_slabs++] = slab;
        w->stats.state_bytes += slab_bytes(w, w->block_bytes);
    }
    block_init(w, w->layout, block_at(w, k), w->block_bytes, ls_time_day(w->clock));
    w->active[w->n_active++] = u;
    rec_at(w, u)->block = k + 1;
    w->stats.active_leads++;
    return LS_OK;
}

/* ---- rings ---------------------------------------------------------------------------- */

static uint32_t mod_days(int64_t day, uint32_t n)
{
    int64_t m = day % (int64_t)n;
    return (uint32_t)(m < 0 ? m + n : m);
}

/* Moves the rings' newest day to `to`, zeroing the cells of the days that drop out. */
static void rings_advance(const ls_watch *w, unsigned char *b, int64_t to)
{
    int64_t head = get_i64(b);
    if (to <= head)
        return;
    for (size_t k = 0; k < w->n_rings; k++) {
        const def_layout *L = &w->layout[w->rings[k]];
        unsigned char *cells = b + L->ring;
        if (to - head >= L->days) {
            memset(cells, 0, (size_t)L->days * L->cell);
        } else {
            uint32_t at = mod_days(head, L->days);
            for (int64_t d = head + 1; d <= to; d++) {
                at = at + 1 == L->days ? 0 : at + 1;
                memset(cells + (size_t)at * L->cell, 0, L->cell);
            }
        }
    }
    set_i64(b, to);
}

/* The cell of day, or NULL when the day is older than the ring. */
static unsigned char *ring_cell(unsigned char *b, const def_layout *L, int64_t day)
{
    int64_t head = get_i64(b);
    if (day > head || head - day >= L->days)
        return NULL;
    return b + L->ring + (size_t)mod_days(day, L->days) * L->cell;
}

static double get_f64(const unsigned char *p)
{
    double v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void add_f64(unsigned char *p, double x)
{
    double v = get_f64(p) + x;
    memcpy(p, &v, sizeof v);
}

/* Σ of cells [from, to) of a ring of counts. */
static uint64_t count_range(const unsigned char *cells, size_t width, uint32_t from, uint32_t to)
{
    uint64_t s = 0;
    if (width == 1) {
        uint32_t s8 = 0; /* (windows are at most a few thousand days of 255) */
        for (uint32_t k = from; k < to; k++)
            s8 += cells[k];
        return s8;
    }
    for (uint32_t k = from; k < to; k++)
        s += get_count(cells + (size_t)k * width, width);
    return s;
}

/* Σ of the counts of the newest `n` days of a ring (top is the newest cell).
 * They are integers, so in any order: the one or two runs of cells they
 * take, which the compiler vectorises. */
static double count_sum(const unsigned char *cells, const def_layout *L, uint32_t top, uint32_t n)
{
    uint64_t s;
    if (n > top) /* cells 0..top, then the oldest n - top - 1 at the end */
        s = count_range(cells, L->cell, 0, top + 1) +
            count_range(cells, L->cell, L->days - (n - top - 1), L->days);
    else
        s = count_range(cells, L->cell, top + 1 - n, top + 1);
    return (double)s;
}

/* Σ over the newest `n` days of a ring of doubles: the first (sums) or the
 * second (n of a mean) double of each cell, newest first. */
static double ring_sum(const unsigned char *cells, const def_layout *L, uint32_t top, uint32_t n,
                       int second)
{
    double s = 0;
    size_t off = second ? sizeof(double) : 0;
    for (uint32_t k = 0, at = top; k < n; k++, at = at ? at - 1 : L->days - 1)
        s += get_f64(cells + (size_t)at * L->cell + off);
    return s;
}

/* ---- the leads -------------------------------------------------------------------------- */

static uint64_t mix_hash(const char *id, size_t len)
{
    uint64_t h = ls_hash_bytes(id, len);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static const char *lead_id(const ls_watch *w, const lead_rec *lr)
{
    const char *p = rec_fields(lr);
    for (size_t c = 0; c < w->leads.id_column; c++)
        p += strlen(p) + 1;
    return p;
}

/* Bytes of a row's fields, back to back. */
static size_t fields_length(const char *fields, size_t n_columns)
{
    const char *p = fields;
    for (size_t c = 0; c < n_columns; c++)
        p += strlen(p) + 1;
    return (size_t)(p - fields);
}

/* REC_ALIGN-byte units of a record with len bytes of fields. */
static size_t rec_units(size_t len)
{
    return (sizeof(lead_rec) + len + REC_ALIGN - 1) / REC_ALIGN;
}

/* The lead of leads row r (records are in row order: a walk, for tests). */
static uint32_t lead_of_row(const ls_watch *w, size_t r)
{
    size_t u = 0;
    for (size_t k = 0; k < r; k++)
        u += rec_units(fields_length(rec_fields(rec_at(w, (uint32_t)u)), w->leads.n_columns));
    return (uint32_t)u;
}

/* Copies the leads' fields into the table of records and indexes the ids;
 * the leads' own arena and look-up tables go. */
static ls_status build_index(ls_watch *w, ls_error *err)
{
    size_t n = w->leads.n, nc = w->leads.n_columns, units = 0;
    for (size_t r = 0; r < n; r++)
        units += rec_units(fields_length(w->leads.fields[r], nc));
    if (units >= UINT32_MAX)
        return ls_fail(err, LS_ERR_LIMIT, "the leads file is too large to watch (%zu leads)", n);
    w->table_bytes = (units ? units : 1) * REC_ALIGN;
    size_t size = 16;
    while (size < n * 2 + 16)
        size *= 2;
    w->index_mask = size - 1;
    w->table = calloc(1, w->table_bytes);
    w->index = calloc(size, sizeof *w->index);
    if (!w->table || !w->index)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    uint32_t u = 0;
    for (size_t r = 0; r < n; r++) {
        size_t len = fields_length(w->leads.fields[r], nc);
        lead_rec *lr = rec_at(w, u);
        lr->row = (uint32_t)r;
        memcpy(lr + 1, w->leads.fields[r], len);
        uint64_t h = mix_hash(w->leads.ids[r], w->leads.id_len[r]);
        size_t pos = h & w->index_mask;
        while (w->index[pos]) /* ids are unique (checked on reading) */
            pos = (pos + 1) & w->index_mask;
        w->index[pos] = (h >> 32) << 32 | (uint64_t)(u + 1);
        u += (uint32_t)rec_units(len);
    }
    free(w->leads.table);
    free(w->leads.next);
    free((void *)w->leads.ids);
    free(w->leads.id_len);
    free((void *)w->leads.fields);
    free(w->leads.arena);
    w->leads.table = NULL;
    w->leads.next = NULL;
    w->leads.ids = NULL;
    w->leads.id_len = NULL;
    w->leads.fields = NULL;
    w->leads.arena = NULL;
    return LS_OK;
}

/* strncmp(stored, id, len) == 0 && stored[len] == '\0', without a call: ids
 * are short. */
static int same_id(const char *stored, const char *id, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (stored[i] != id[i])
            return 0;
        if (stored[i] == '\0')
            break;
    }
    return stored[len] == '\0';
}

/* The lead whose id hashes to h, or NO_LEAD. */
static uint32_t find_lead(const ls_watch *w, uint64_t h, const char *id, size_t len)
{
    uint64_t tag = h >> 32;
    for (size_t pos = h & w->index_mask;; pos = (pos + 1) & w->index_mask) {
        uint64_t e = w->index[pos];
        if (!e)
            return NO_LEAD;
        if (e >> 32 != tag)
            continue;
        uint32_t u = (uint32_t)(e & 0xffffffffu) - 1;
        if (same_id(lead_id(w, rec_at(w, u)), id, len))
            return u;
    }
}

/* The first lead whose slot has h's tag (the lead, most likely), or NO_LEAD. */
static uint32_t guess_lead(const ls_watch *w, uint64_t h)
{
    uint64_t tag = h >> 32;
    for (size_t pos = h & w->index_mask;; pos = (pos + 1) & w->index_mask) {
        uint64_t e = w->index[pos];
        if (!e)
            return NO_LEAD;
        if (e >> 32 == tag)
            return (uint32_t)(e & 0xffffffffu) - 1;
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
    size_t nd = f->n_defs ? f->n_defs : 1;
    w->layout = calloc(nd, sizeof *w->layout);
    w->rings = calloc(nd, sizeof *w->rings);
    size_t *caps = calloc(2 * nd, sizeof *caps);
    if (!w->layout || !w->rings || !caps) {
        free(caps);
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    size_t *cws = caps + nd;
    for (size_t i = 0; i < f->n_defs; i++) { /* listed names without prefixes: known in advance */
        caps[i] = f->defs[i].n_prefixes == 0 && f->defs[i].n_events ? f->defs[i].n_events : 8;
        cws[i] = 1;
        if (def_has_ring(&f->defs[i]))
            w->rings[w->n_rings++] = i;
    }
    plan_layout(f, w->layout, caps, cws, &w->block_bytes);
    free(caps);
    w->slab_shift = 6;
    while (w->slab_shift < 16 && ((size_t)2 << w->slab_shift) * w->block_bytes <= SLAB_BYTES)
        w->slab_shift++;
    w->row = calloc(w->n_cols, sizeof *w->row);
    w->text = malloc((no ? no : 1) * 32);
    w->values = malloc((no ? no : 1) * sizeof *w->values);
    w->active = malloc(n * sizeof *w->active);
    if (!w->row || !w->text || !w->values || !w->active) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((st = build_index(w, err)) != LS_OK)
        goto fail;
    w->stats.leads = w->leads.n;
    w->stats.state_bytes =
        w->table_bytes + n * sizeof *w->active + (w->index_mask + 1) * sizeof *w->index;
    *out = w;
    return LS_OK;
fail:
    ls_watch_free(w);
    return st;
}

/* ---- evaluation ----------------------------------------------------------------------- */

/* The features of a lead as of S = clock + 1 µs (with no block: no events). */
static void evaluate(const ls_watch *w, const lead_rec *lr, int64_t clock, double *out)
{
    const ls_features *f = w->f;
    unsigned char *b = lr->block ? block_at(w, lr->block - 1) : NULL;
    int64_t S = clock == LS_TIME_NONE ? LS_TIME_NONE : clock + 1;
    int64_t DS = clock == LS_TIME_NONE ? 0 : ls_time_day(clock);
    if (b && w->n_rings)
        rings_advance(w, b, DS);
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
            cells = b + L->ring;
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
                if (d->kind == LS_FEAT_COUNT) {
                    o[p] = count_sum(cells, L, top, days);
                    continue;
                }
                double sum = ring_sum(cells, L, top, days, 0);
                double cnt = d->kind == LS_FEAT_MEAN ? ring_sum(cells, L, top, days, 1) : 0;
                o[p] = d->kind != LS_FEAT_MEAN ? sum : cnt > 0 ? sum / cnt : 0;
            }
            break;
        case LS_FEAT_ACTIVE_DAYS:
            for (size_t p = 0; p < d->n_outputs; p++)
                o[p] = count_sum(cells, L, top, (uint32_t)d->params[p]);
            break;
        case LS_FEAT_TREND: {
            double recent = count_sum(cells, L, top, d->recent);
            double base = count_sum(cells, L, top, d->recent + d->baseline) - recent;
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
                    double v = d->kind == LS_FEAT_DECAYED_COUNT ? (double)get_count(c, L->cell)
                                                                : get_f64(c);
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

/* The tier of a score, as the scorer assigns it: the first tier (highest
 * minimum first) the score reaches, else the last one. */
static const char *tier_of(const ls_model *m, double score)
{
    const char *tier = NULL;
    for (size_t t = 0; t < m->n_tiers; t++) {
        tier = m->tiers[t].name;
        if (score >= m->tiers[t].min_score)
            break;
    }
    return tier;
}

/* Scores a lead as of the clock; reports when the score or tier changed. */
static ls_status rescore(ls_watch *w, lead_rec *lr, int64_t clock, ls_watch_cause cause,
                         int64_t time, ls_error *err)
{
    const ls_features *f = w->f;
    evaluate(w, lr, clock, w->values);
    size_t nc = w->leads.n_columns;
    const char *p = rec_fields(lr);
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
        return ls_fail_at(err, st, NULL, w->leads.lines[lr->row], 0, *column ? column : NULL,
                          "lead '%.64s': %s", lead_id(w, lr), why);
    }
    assert(res.tier == tier_of(w->model, res.score));
    int first = cause == LS_WATCH_INITIAL;
    double previous = first ? NAN : lr->score;
    const char *prev_tier = NULL;
    if (!first)
        prev_tier = res.score == previous ? res.tier : tier_of(w->model, previous);
    int tier_changed = !first && !same_tier(res.tier, prev_tier);
    int changed = first || res.score != previous || tier_changed;
    lr->score = res.score;
    int report = first ? w->opts.initial
                       : w->opts.every || (changed && (!w->opts.tier_only || tier_changed));
    if (!report || !w->fn)
        return LS_OK;
    ls_watch_change ch = {w->row[w->leads.id_column],
                          lr->row,
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
    for (size_t r = 0, u = 0; r < w->leads.n; r++) {
        lead_rec *lr = rec_at(w, (uint32_t)u);
        ls_status st = rescore(w, lr, LS_TIME_NONE, LS_WATCH_INITIAL, LS_TIME_NONE, err);
        if (st != LS_OK)
            return st;
        u += rec_units(fields_length(rec_fields(lr), w->leads.n_columns));
    }
    w->started = 1;
    return LS_OK;
}

/* Re-scores every lead with events as of the clock, in the order of their
 * first events (which is the blocks' order: only the records are scattered,
 * so they are fetched ahead). */
static ls_status sweep(ls_watch *w, int64_t clock, ls_watch_cause cause, int64_t time,
                       ls_error *err)
{
    enum { AHEAD = 16 };
    for (size_t i = 0; i < w->n_active; i++) {
        if (i + AHEAD < w->n_active)
            PREFETCH(rec_at(w, w->active[i + AHEAD]));
        ls_status st = rescore(w, rec_at(w, w->active[i]), clock, cause, time, err);
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

/* Adds one to a count cell of def di in block k, first widening the def's
 * cells in every block when this one is full; *cell follows the block. */
static ls_status count_one(ls_watch *w, uint32_t k, size_t di, int64_t day, unsigned char **cell,
                           ls_error *err)
{
    const def_layout *L = &w->layout[di];
    uint32_t v = get_count(*cell, L->cell);
    if (L->cell < 4 && v == (L->cell == 1 ? UINT8_MAX : UINT16_MAX)) {
        ls_status st = relayout_def(w, di, 0, L->cell * 2, err);
        if (st != LS_OK)
            return st;
        L = &w->layout[di];
        *cell = ring_cell(block_at(w, k), L, day);
    }
    put_count(*cell, L->cell, v + 1);
    return LS_OK;
}

static ls_status add_event(ls_watch *w, uint32_t k, const ls_feature_match *m, size_t nm,
                           const ls_event *ev, ls_error *err)
{
    const ls_features *f = w->f;
    int64_t day = ls_time_day(ev->time);
    int has_value = !isnan(ev->value);
    for (size_t i = 0; i < nm; i++) {
        size_t di = m[i].def;
        const ls_feature_def *d = &f->defs[di];
        const def_layout *L = &w->layout[di];
        if (ls_feature_is_kind_value(d->kind) && !has_value)
            continue;
        unsigned char *b = block_at(w, k); /* (a widening moves blocks) */
        unsigned char *cell = L->ring != SIZE_MAX ? ring_cell(b, L, day) : NULL;
        unsigned char *sc = L->scalar != SIZE_MAX ? b + L->scalar : NULL;
        ls_status st = LS_OK;
        switch (d->kind) {
        case LS_FEAT_COUNT:
        case LS_FEAT_SUM:
        case LS_FEAT_MEAN:
            if (d->n_params == 0) {
                add_f64(sc, d->kind == LS_FEAT_COUNT ? 1 : ev->value);
                if (d->kind == LS_FEAT_MEAN)
                    add_f64(sc + 8, 1);
            } else if (cell && d->kind == LS_FEAT_COUNT) {
                st = count_one(w, k, di, day, &cell, err);
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
                st = count_one(w, k, di, day, &cell, err);
            break;
        case LS_FEAT_DECAYED_COUNT:
        case LS_FEAT_DECAYED_SUM: {
            double weight = d->kind == LS_FEAT_DECAYED_SUM ? ev->value : 1;
            if (d->decay == LS_DECAY_LINEAR) {
                if (cell && d->kind == LS_FEAT_DECAYED_COUNT)
                    st = count_one(w, k, di, day, &cell, err);
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
        if (st != LS_OK)
            return st;
    }
    return LS_OK;
}

/* One event, its lead id hashed to h. */
static ls_status apply(ls_watch *w, const ls_event *ev, uint64_t h, ls_error *err)
{
    ls_status st;
    w->stats.events++;
    uint32_t u = ev->lead_len ? find_lead(w, h, ev->lead, ev->lead_len) : NO_LEAD;
    if (u == NO_LEAD) {
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
    lead_rec *lr = rec_at(w, u);
    if (!lr->block && (st = new_block(w, u, err)) != LS_OK)
        return st;
    uint32_t k = lr->block - 1;
    if (w->n_rings)
        rings_advance(w, block_at(w, k), ls_time_day(w->clock));
    if ((st = add_event(w, k, m, nm, ev, err)) != LS_OK)
        return st;
    return rescore(w, lr, w->clock, LS_WATCH_EVENT, ev->time, err);
}

ls_status ls_watch_events(ls_watch *w, const ls_event *evs, size_t n, ls_error *err)
{
    ls_status st;
    if (w->broken)
        return broken_error(err);
    if (!w->started && (st = ls_watch_start(w, err)) != LS_OK)
        return st;
    uint64_t h[GROUP];
    uint32_t cand[GROUP];
    for (size_t s = 0; s < n; s += GROUP) {
        const ls_event *e = evs + s;
        size_t g = n - s < GROUP ? n - s : GROUP;
        /* Each stage fetches what the next one reads: slots, records, then
         * blocks. A guess that is wrong costs a wasted fetch; apply() looks
         * every lead up again, exactly. */
        for (size_t i = 0; i < g; i++) {
            h[i] = e[i].lead_len ? mix_hash(e[i].lead, e[i].lead_len) : 0;
            PREFETCH(&w->index[h[i] & w->index_mask]);
        }
        for (size_t i = 0; i < g; i++) {
            cand[i] = e[i].lead_len ? guess_lead(w, h[i]) : NO_LEAD;
            if (cand[i] != NO_LEAD)
                PREFETCH(rec_at(w, cand[i]));
        }
        /* (Every line of the block. The prefetches must stay in this loop:
         * GCC deems a function that only prefetches free of side effects and
         * drops the calls to it.) */
        for (size_t i = 0; i < g; i++) {
            uint32_t block = cand[i] != NO_LEAD ? rec_at(w, cand[i])->block : 0;
            if (!block)
                continue;
            const unsigned char *b = block_at(w, block - 1);
            for (size_t o = 0; o < w->block_bytes; o += LINE)
                PREFETCH(b + o);
            PREFETCH(b + w->block_bytes - 1);
        }
        for (size_t i = 0; i < g; i++)
            if ((st = apply(w, &e[i], h[i], err)) != LS_OK)
                return st;
    }
    return LS_OK;
}

ls_status ls_watch_event(ls_watch *w, const ls_event *ev, ls_error *err)
{
    return ls_watch_events(w, ev, 1, err);
}

ls_status ls_watch_finish(ls_watch *w, ls_error *err)
{
    ls_status st;
    if (w->broken)
        return broken_error(err);
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
    if (w->broken) {
        memset(out, 0, w->f->n_outputs * sizeof *out);
        return;
    }
    evaluate(w, rec_at(w, lead_of_row(w, row)), w->clock, out);
}
