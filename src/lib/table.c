/* A CSV file loaded into dictionary-coded, typed columns.
 *
 * Each column keeps its distinct values once (a dictionary in first-seen
 * order, found by hash) and one code per row in as few bytes as the
 * dictionary allows (1, 2 or 4). The uint32 codes and per-row doubles of the
 * public API are filled in on first use, so a trainer that reads the codes
 * directly never pays for them.
 *
 * Regular files are parsed in ranges on several cores (parallel_parse.c):
 * each range fills its own dictionaries and codes, and the ranges are
 * merged in file order, so levels keep their first-seen order. Anything not
 * well formed sends the load back to the one-record-at-a-time reader
 * (csv.c), whose error names the exact line and column.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _XOPEN_SOURCE 700 /* open, fstat */
#include "leadscore/table.h"

#include <errno.h>
#include <fcntl.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv_internal.h"
#include "error_internal.h"
#include "parallel.h"
#include "parallel_parse.h"
#include "spool.h"
#include "table_internal.h"
#include "text.h"

/* Below this many bytes of data one core parses the file. */
enum { PARALLEL_MIN_BYTES = 4 << 20, MAX_PARTS = 8 };

typedef struct {
    char *text; /* NUL-separated level strings */
    size_t text_len, text_cap;
    size_t *level_offset;
    uint64_t *level_hash;
    size_t *level_rows;
    size_t n_levels, levels_cap;
    /* Open addressing, two words a slot: the hash's high half << 32 | level
     * index + 1 (0 = empty), then the level's short key (short_key), so a
     * lookup of a short value reads one cache line, not the level's text. */
    uint64_t *slots;
    size_t n_slots;
} dict;

/* Codes of the rows in 1, 2 or 4 bytes; the largest value of the width means missing. */
typedef struct {
    void *data;
    unsigned width;
    size_t n, cap;
    ls_spool *sp; /* where the codes live: a spool, or the heap (NULL) */
} codevec;

typedef struct {
    char *name;
    ls_column_type type;
    dict d;
    codevec codes;
    size_t missing;
    double *level_values; /* numeric/boolean: value per level */
    /* The public per-row arrays: allocated with the table, so asking for
     * them cannot fail, but filled on first use (untouched pages take no
     * memory), so code that reads the compact codes never pays for them. */
    uint32_t *codes32;
    double *values; /* numeric/boolean columns */
    int codes32_filled, values_filled;
    int skipped; /* not stored (ls_table_load_with): no levels, every row missing */
} column;

/* Rows from `row` on sit on consecutive lines from `line` (until the next break). */
typedef struct {
    size_t row, line;
} line_break;

struct ls_table {
    char *source;
    column *cols;
    size_t n_cols;
    size_t n_rows;
    line_break *breaks;
    size_t n_breaks;
    pthread_mutex_t *lazy; /* guards codes32 / values while they are built */
    ls_spool *spool;       /* where the codes live, or NULL: the heap */
    unsigned char *skip;   /* per column: not stored, or NULL */
};

const char *ls_column_type_name(ls_column_type type)
{
    switch (type) {
    case LS_TYPE_AUTO:
        return "auto";
    case LS_TYPE_NUMERIC:
        return "numeric";
    case LS_TYPE_BOOLEAN:
        return "boolean";
    case LS_TYPE_CATEGORICAL:
        return "categorical";
    case LS_TYPE_ID:
        return "id";
    case LS_TYPE_IGNORE:
        return "ignore";
    }
    return "auto";
}

int ls_column_type_parse(const char *name, ls_column_type *out)
{
    for (int t = LS_TYPE_AUTO; t <= LS_TYPE_IGNORE; t++)
        if (strcasecmp(name, ls_column_type_name((ls_column_type)t)) == 0) {
            *out = (ls_column_type)t;
            return 1;
        }
    return 0;
}

void ls_table_options_init(ls_table_options *opts)
{
    memset(opts, 0, sizeof *opts);
    ls_csv_options_init(&opts->csv);
}

/* ---- dictionary ---------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return 0;
    *p = q;
    *cap = c;
    return 1;
}

static inline uint64_t load_le(const char *s, size_t bytes)
{
    unsigned char b[8] = {0};
    memcpy(b, s, bytes);
    uint64_t v = 0;
    for (size_t i = bytes; i-- > 0;)
        v = v << 8 | b[i];
    return v;
}

/* Up to 8 bytes of s as a little number (bytes past n are 0): two
 * overlapping loads instead of a byte loop (most fields are short). */
static inline uint64_t load_tail(const char *s, size_t n)
{
    if (n >= 4) {
        uint64_t lo = load_le(s, 4), hi = load_le(s + n - 4, 4);
        return n >= 8 ? load_le(s, 8) : lo | hi << (8 * (n - 4));
    }
    if (n >= 2)
        return load_le(s, 2) | load_le(s + n - 2, 2) << (8 * (n - 2));
    return n ? (unsigned char)s[0] : 0;
}

/* A fast hash of len bytes, 8 at a time, well mixed in the low bits. */
static inline uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        h = (h ^ v) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    h = (h ^ load_tail(s, n)) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 32;
    return h;
}

static inline int same_bytes(const char *a, const char *b, size_t n)
{
    while (n >= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return 0;
        a += 8;
        b += 8;
        n -= 8;
    }
    return load_tail(a, n) == load_tail(b, n);
}

static const char *level_text(const dict *d, size_t k)
{
    return d->text + d->level_offset[k];
}

static inline size_t level_len(const dict *d, size_t k)
{
    size_t end = k + 1 < d->n_levels ? d->level_offset[k + 1] : d->text_len;
    return end - d->level_offset[k] - 1;
}

static void dict_free(dict *d)
{
    free(d->text);
    free(d->level_offset);
    free(d->level_hash);
    free(d->level_rows);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

static inline uint64_t slot_of(uint64_t h, size_t k)
{
    return (h & 0xFFFFFFFF00000000ULL) | (uint64_t)(k + 1);
}

/* A value of up to 7 bytes and its length in one word (equal words: equal
 * values); longer values all get UINT64_MAX and are compared in full. */
static inline uint64_t short_key(const char *s, size_t len)
{
    return len <= 7 ? load_tail(s, len) | (uint64_t)len << 56 : UINT64_MAX;
}

static inline void slot_put(dict *d, uint64_t h, size_t k, uint64_t key)
{
    size_t i = h & (d->n_slots - 1);
    while (d->slots[2 * i])
        i = (i + 1) & (d->n_slots - 1);
    d->slots[2 * i] = slot_of(h, k);
    d->slots[2 * i + 1] = key;
}

static int rehash(dict *d)
{
    size_t n = d->n_slots ? d->n_slots * 2 : 64;
    uint64_t *slots = calloc(2 * n, sizeof *slots);
    if (!slots)
        return 0;
    free(d->slots);
    d->slots = slots;
    d->n_slots = n;
    for (size_t k = 0; k < d->n_levels; k++)
        slot_put(d, d->level_hash[k], k, short_key(level_text(d, k), level_len(d, k)));
    return 1;
}

/* Where a lookup of hash h starts: prefetching it hides a large
 * dictionary's cache miss behind other work. */
static inline void dict_prefetch(const dict *d, uint64_t h)
{
#if defined(__GNUC__)
    if (d->n_slots)
        __builtin_prefetch(&d->slots[2 * (h & (d->n_slots - 1))]);
#else
    (void)d;
    (void)h;
#endif
}

static inline size_t dict_find(const dict *d, const char *value, size_t len, uint64_t h)
{
    if (!d->n_slots)
        return (size_t)-1;
    size_t i = h & (d->n_slots - 1);
    uint64_t hi = h & 0xFFFFFFFF00000000ULL, key = short_key(value, len);
    for (uint64_t sl; (sl = d->slots[2 * i]); i = (i + 1) & (d->n_slots - 1)) {
        if ((sl & 0xFFFFFFFF00000000ULL) != hi || d->slots[2 * i + 1] != key)
            continue;
        size_t k = (size_t)(sl & 0xFFFFFFFFu) - 1;
        if (len <= 7 || (level_len(d, k) == len && same_bytes(level_text(d, k), value, len)))
            return k;
    }
    return (size_t)-1;
}

/* Adds value (len bytes, hash h), known to be absent; returns its code, or
 * UINT32_MAX on no memory or too many levels. */
static uint32_t dict_add(dict *d, const char *value, size_t len, uint64_t h)
{
    if (d->n_levels >= UINT32_MAX - 1)
        return UINT32_MAX;
    if ((d->n_levels + 1) * 4 > d->n_slots * 3 && !rehash(d)) /* load factor at most 3/4 */
        return UINT32_MAX;
    size_t cap = d->levels_cap;
    if (!grow((void **)&d->level_offset, &cap, d->n_levels + 1, sizeof(size_t)))
        return UINT32_MAX;
    cap = d->levels_cap;
    if (!grow((void **)&d->level_hash, &cap, d->n_levels + 1, sizeof(uint64_t)))
        return UINT32_MAX;
    cap = d->levels_cap;
    if (!grow((void **)&d->level_rows, &cap, d->n_levels + 1, sizeof(size_t)))
        return UINT32_MAX;
    d->levels_cap = cap;
    if (!grow((void **)&d->text, &d->text_cap, d->text_len + len + 1, 1))
        return UINT32_MAX;
    memcpy(d->text + d->text_len, value, len);
    d->text[d->text_len + len] = '\0';
    size_t k = d->n_levels++;
    d->level_offset[k] = d->text_len;
    d->level_hash[k] = h;
    d->level_rows[k] = 0;
    d->text_len += len + 1;
    slot_put(d, h, k, short_key(value, len));
    return (uint32_t)k;
}

/* The level code of value (len bytes, hash h), added if new; UINT32_MAX on
 * no memory or too many levels. */
static inline uint32_t intern_hashed(dict *d, const char *value, size_t len, uint64_t h)
{
    size_t found = dict_find(d, value, len, h);
    return found != (size_t)-1 ? (uint32_t)found : dict_add(d, value, len, h);
}

/* ---- codes --------------------------------------------------------------- */

static uint32_t missing_of(unsigned width)
{
    return width == 1 ? UINT8_MAX : width == 2 ? UINT16_MAX : UINT32_MAX;
}

static uint32_t code_get(const codevec *v, size_t i)
{
    if (!v->data)
        return LS_MISSING_CODE; /* a skipped column */
    uint32_t c, miss = missing_of(v->width);
    if (v->width == 1)
        c = ((const uint8_t *)v->data)[i];
    else if (v->width == 2)
        c = ((const uint16_t *)v->data)[i];
    else
        c = ((const uint32_t *)v->data)[i];
    return c == miss ? LS_MISSING_CODE : c;
}

static void code_put(codevec *v, size_t i, uint32_t code)
{
    if (code == LS_MISSING_CODE)
        code = missing_of(v->width);
    if (v->width == 1)
        ((uint8_t *)v->data)[i] = (uint8_t)code;
    else if (v->width == 2)
        ((uint16_t *)v->data)[i] = (uint16_t)code;
    else
        ((uint32_t *)v->data)[i] = code;
}

/* The narrowest width whose codes 0..n_levels-1 leave the missing value free. */
static unsigned width_for(size_t n_levels)
{
    return n_levels < UINT8_MAX ? 1 : n_levels < UINT16_MAX ? 2 : 4;
}

/* Re-stores v with at least width bytes per code and room for cap codes. */
static int codes_reshape(codevec *v, unsigned width, size_t cap)
{
    if (width < v->width)
        width = v->width;
    if (width == v->width) {
        if (cap <= v->cap)
            return 1;
        void *d = ls_big_realloc(v->sp, v->data, cap * width);
        if (!d)
            return 0;
        v->data = d;
        v->cap = cap;
        return 1;
    }
    codevec w = {ls_big_alloc(v->sp, (cap ? cap : 1) * width), width, v->n, cap, v->sp};
    if (!w.data)
        return 0;
    for (size_t i = 0; i < v->n; i++)
        code_put(&w, i, code_get(v, i));
    ls_big_free(v->sp, v->data);
    *v = w;
    return 1;
}

static int code_push(codevec *v, uint32_t code)
{
    if (!v->width)
        v->width = 1;
    unsigned need = code == LS_MISSING_CODE ? v->width : width_for((size_t)code + 1);
    if ((need > v->width || v->n == v->cap) &&
        !codes_reshape(v, need, v->n == v->cap ? (v->cap ? v->cap * 2 : 1024) : v->cap))
        return 0;
    code_put(v, v->n++, code);
    return 1;
}

/* ---- building: one part per parsed range ------------------------------------ */

typedef struct {
    size_t n_cols;
    dict *d;
    codevec *codes;
    size_t *missing;
    size_t rows, last_line;
    line_break *breaks;
    size_t n_breaks, breaks_cap;
    const char *const *tokens; /* missing tokens, NULL = {""} */
    size_t *token_len;
    size_t n_tokens;
    uint64_t *hash;            /* per column, scratch of add_row */
    size_t *order;             /* columns by dictionary size, small first (see add_row) */
    const unsigned char *skip; /* per column: not stored, or NULL */
    int nomem;
} part;

static int part_init(part *pt, size_t n_cols, const ls_table_options *opts, ls_spool *spool,
                     const unsigned char *skip)
{
    memset(pt, 0, sizeof *pt);
    pt->n_cols = n_cols;
    pt->d = calloc(n_cols ? n_cols : 1, sizeof *pt->d);
    pt->codes = calloc(n_cols ? n_cols : 1, sizeof *pt->codes);
    pt->missing = calloc(n_cols ? n_cols : 1, sizeof *pt->missing);
    pt->tokens = opts->missing_tokens;
    pt->n_tokens = opts->missing_tokens ? opts->n_missing_tokens : 0;
    pt->token_len = malloc((pt->n_tokens ? pt->n_tokens : 1) * sizeof *pt->token_len);
    pt->hash = malloc((n_cols ? n_cols : 1) * sizeof *pt->hash);
    pt->order = malloc((n_cols ? n_cols : 1) * sizeof *pt->order);
    if (!pt->d || !pt->codes || !pt->missing || !pt->token_len || !pt->hash || !pt->order)
        return 0;
    for (size_t j = 0; j < n_cols; j++) {
        pt->order[j] = j;
        pt->codes[j].sp = spool;
    }
    pt->skip = skip;
    for (size_t k = 0; k < pt->n_tokens; k++)
        pt->token_len[k] = strlen(pt->tokens[k]);
    return 1;
}

static void part_release(part *pt)
{
    for (size_t j = 0; pt->d && j < pt->n_cols; j++)
        dict_free(&pt->d[j]);
    for (size_t j = 0; pt->codes && j < pt->n_cols; j++)
        ls_big_free(pt->codes[j].sp, pt->codes[j].data);
    free(pt->d);
    free(pt->codes);
    free(pt->missing);
    free(pt->breaks);
    free(pt->token_len);
    free(pt->hash);
    free(pt->order);
    memset(pt, 0, sizeof *pt);
}

static int is_missing(const part *pt, const char *v, size_t len)
{
    if (!pt->tokens)
        return len == 0;
    for (size_t k = 0; k < pt->n_tokens; k++)
        if (pt->token_len[k] == len && same_bytes(v, pt->tokens[k], len))
            return 1;
    return 0;
}

/* Insertion sort of the columns by dictionary size (a few dozen columns,
 * mostly in order already). */
static void sort_by_levels(part *pt)
{
    for (size_t a = 1; a < pt->n_cols; a++) {
        size_t j = pt->order[a], b = a;
        for (; b > 0 && pt->d[pt->order[b - 1]].n_levels > pt->d[j].n_levels; b--)
            pt->order[b] = pt->order[b - 1];
        pt->order[b] = j;
    }
}

/* The sink of both parsers: one record into the part. Non-zero: out of memory. */
static int add_row(void *ctx, const char *const *fields, const size_t *lens, size_t line)
{
    part *pt = ctx;
    if (pt->rows == 0 || line != pt->last_line + 1) {
        if (!grow((void **)&pt->breaks, &pt->breaks_cap, pt->n_breaks + 1, sizeof *pt->breaks))
            return pt->nomem = 1;
        pt->breaks[pt->n_breaks++] = (line_break){pt->rows, line};
    }
    pt->last_line = line;
    /* Hashes first, with their slots prefetched, then the lookups, large
     * dictionaries last: an ID column's slot (a cache miss in a table of
     * millions) then arrives while the small ones are looked up. */
    uint64_t *h = pt->hash;
    if ((pt->rows & 0xFFFF) == 0)
        sort_by_levels(pt);
    for (size_t j = 0; j < pt->n_cols; j++) {
        h[j] = hash_bytes(fields[j], lens[j]);
        dict_prefetch(&pt->d[j], h[j]);
    }
    for (size_t k = 0; k < pt->n_cols; k++) {
        size_t j = pt->order[k];
        uint32_t code = LS_MISSING_CODE;
        if (pt->skip && pt->skip[j])
            continue;
        if (is_missing(pt, fields[j], lens[j])) {
            pt->missing[j]++;
        } else {
            code = intern_hashed(&pt->d[j], fields[j], lens[j], h[j]);
            if (code == UINT32_MAX)
                return pt->nomem = 1;
            pt->d[j].level_rows[code]++;
        }
        if (!code_push(&pt->codes[j], code))
            return pt->nomem = 1;
    }
    pt->rows++;
    return 0;
}

/* ---- merging the parts ---------------------------------------------------------- */

/* Column j of every part into the table: part 0's dictionary grows by the
 * later parts' new levels (so first-seen order holds), their codes remapped. */
static int merge_column(ls_table *t, part *parts, size_t n_parts, size_t j)
{
    column *c = &t->cols[j];
    c->d = parts[0].d[j];
    memset(&parts[0].d[j], 0, sizeof parts[0].d[j]);
    c->missing = parts[0].missing[j];
    uint32_t **maps = calloc(n_parts, sizeof *maps);
    if (!maps)
        return 0;
    int ok = 1;
    for (size_t p = 1; p < n_parts && ok; p++) {
        dict *src = &parts[p].d[j];
        c->missing += parts[p].missing[j];
        maps[p] = malloc((src->n_levels ? src->n_levels : 1) * sizeof *maps[p]);
        if (!maps[p]) {
            ok = 0;
            break;
        }
        for (size_t k = 0; k < src->n_levels; k++) {
            if (k + 8 < src->n_levels)
                dict_prefetch(&c->d, src->level_hash[k + 8]);
            uint32_t code =
                intern_hashed(&c->d, level_text(src, k), level_len(src, k), src->level_hash[k]);
            if (code == UINT32_MAX) {
                ok = 0;
                break;
            }
            c->d.level_rows[code] += src->level_rows[k];
            maps[p][k] = code;
        }
    }
    unsigned width = width_for(c->d.n_levels);
    if (ok && c->skipped) {
        c->missing = t->n_rows;
        for (size_t p = 0; p < n_parts; p++)
            dict_free(&parts[p].d[j]);
    } else if (ok) {
        /* part 0's codes grow in place; the others are appended, remapped */
        c->codes = parts[0].codes[j];
        memset(&parts[0].codes[j], 0, sizeof parts[0].codes[j]);
        if (!c->codes.width)
            c->codes.width = 1;
        ok = codes_reshape(&c->codes, width, t->n_rows);
    }
    for (size_t p = 1; p < n_parts && ok && !c->skipped; p++) {
        const codevec *v = &parts[p].codes[j];
        for (size_t i = 0; i < v->n; i++) {
            uint32_t code = code_get(v, i);
            code_put(&c->codes, c->codes.n++, code == LS_MISSING_CODE ? code : maps[p][code]);
        }
        ls_big_free(parts[p].codes[j].sp, parts[p].codes[j].data);
        memset(&parts[p].codes[j], 0, sizeof parts[p].codes[j]);
        dict_free(&parts[p].d[j]);
    }
    for (size_t p = 0; p < n_parts; p++)
        free(maps[p]);
    free(maps);
    return ok;
}

typedef struct {
    ls_table *t;
    part *parts;
    size_t n_parts;
    int *ok;
} merge_ctx;

static void merge_task(void *ctx, size_t j)
{
    merge_ctx *m = ctx;
    m->ok[j] = merge_column(m->t, m->parts, m->n_parts, j);
}

/* parts[p]'s lines are relative to line_base[p] (0 for absolute). */
static ls_status merge_parts(ls_table *t, part *parts, size_t n_parts, const size_t *line_base,
                             ls_error *err)
{
    size_t n_breaks = 0;
    t->n_rows = 0;
    for (size_t p = 0; p < n_parts; p++) {
        if (parts[p].nomem)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        t->n_rows += parts[p].rows;
        n_breaks += parts[p].n_breaks;
    }
    t->breaks = malloc((n_breaks ? n_breaks : 1) * sizeof *t->breaks);
    int *ok = malloc((t->n_cols ? t->n_cols : 1) * sizeof *ok);
    if (!t->breaks || !ok) {
        free(ok);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    size_t row0 = 0;
    for (size_t p = 0; p < n_parts; p++) {
        for (size_t b = 0; b < parts[p].n_breaks; b++) {
            line_break br = parts[p].breaks[b];
            br.row += row0;
            br.line += line_base[p];
            /* a part that goes on where the last one stopped needs no break */
            if (t->n_breaks > 0) {
                const line_break *last = &t->breaks[t->n_breaks - 1];
                if (br.line == last->line + (br.row - last->row))
                    continue;
            }
            t->breaks[t->n_breaks++] = br;
        }
        row0 += parts[p].rows;
    }
    merge_ctx m = {t, parts, n_parts, ok};
    if (n_parts > 1)
        ls_parallel_run(t->n_cols, merge_task, &m);
    else
        for (size_t j = 0; j < t->n_cols; j++)
            merge_task(&m, j);
    int all = 1;
    for (size_t j = 0; j < t->n_cols; j++)
        all &= ok[j];
    free(ok);
    return all ? LS_OK : ls_fail(err, LS_ERR_NOMEM, "out of memory");
}

/* ---- loading ------------------------------------------------------------- */

/* Reads the records one at a time with the reader (stdin, and files that
 * are not well formed: the reader's error is the one reported). */
static ls_status load_sequential(ls_table *t, ls_csv_reader *reader, const ls_table_options *opts,
                                 ls_error *err)
{
    part pt;
    size_t *lens = calloc(t->n_cols + 1, sizeof *lens);
    ls_status st = LS_OK;
    if (!part_init(&pt, t->n_cols, opts, t->spool, t->skip) || !lens) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (;;) {
        const char *const *fields;
        int has;
        st = ls_csv_next(reader, &fields, &has, err);
        if (st != LS_OK || !has)
            break;
        for (size_t j = 0; j < t->n_cols; j++)
            lens[j] = ls_csv_field_length(reader, j);
        if (add_row(&pt, fields, lens, ls_csv_line(reader)) != 0) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            break;
        }
    }
    if (st == LS_OK) {
        size_t base = 0;
        st = merge_parts(t, &pt, 1, &base, err);
    }
done:
    part_release(&pt);
    free(lens);
    return st;
}

typedef struct {
    int fd;
    unsigned long long size;
    const ls_csv_layout_info *lay;
    unsigned long long cut[MAX_PARTS + 1];
    part parts[MAX_PARTS];
    ls_fastcsv_result res[MAX_PARTS];
    ls_fastcsv_status st[MAX_PARTS];
    int err[MAX_PARTS]; /* errno of a read error */
} fast_job;

static void fast_task(void *ctx, size_t p)
{
    fast_job *job = ctx;
    errno = 0;
    job->st[p] = ls_fastcsv_parse(job->fd, job->cut[p], job->cut[p + 1], job->size,
                                  p == 0 ? job->lay->data_line : 0, job->lay, add_row,
                                  &job->parts[p], &job->res[p]);
    job->err[p] = errno;
}

typedef enum {
    FAST_DONE,     /* loaded, or failed with err set (the status says which) */
    FAST_ONE_PART, /* a cut fell inside a quoted field: parse again as one range */
    FAST_REREAD    /* the file is not well formed: read it with ls_csv_next */
} fast_outcome;

/* Parses the data in n_parts ranges. */
static ls_status load_fast(ls_table *t, int fd, unsigned long long size,
                           const ls_csv_layout_info *lay, const ls_table_options *opts,
                           size_t n_parts, fast_outcome *outcome, ls_error *err)
{
    *outcome = FAST_DONE;
    fast_job *job = calloc(1, sizeof *job);
    ls_status st = LS_OK;
    if (!job)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    job->fd = fd;
    job->size = size;
    job->lay = lay;
    unsigned long long begin = lay->data_offset, span = size - begin;
    job->cut[0] = begin;
    for (size_t p = 1; p < n_parts; p++) {
        unsigned long long at = ls_fastcsv_next_line(fd, begin + span / n_parts * p, size);
        if (at == (unsigned long long)-1) {
            st = ls_fail_at(err, LS_ERR_IO, t->source, 0, 0, NULL, "read error: %s",
                            strerror(errno));
            goto done;
        }
        job->cut[p] = at < job->cut[p - 1] ? job->cut[p - 1] : at;
    }
    job->cut[n_parts] = size;
    for (size_t p = 0; p < n_parts; p++)
        if (!part_init(&job->parts[p], t->n_cols, opts, t->spool, t->skip)) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
    ls_parallel_run(n_parts, fast_task, job);
    size_t base[MAX_PARTS] = {0};
    for (size_t p = 0; p < n_parts; p++) {
        /* a range that ran past the next cut: the cut was inside a quoted field */
        if (p + 1 < n_parts && job->res[p].end != job->cut[p + 1] && job->st[p] == LS_FASTCSV_OK) {
            *outcome = FAST_ONE_PART;
            goto done;
        }
        if (job->st[p] == LS_FASTCSV_INVALID) {
            *outcome = FAST_REREAD;
            goto done;
        }
        if (job->st[p] == LS_FASTCSV_IO) {
            st = ls_fail_at(err, LS_ERR_IO, t->source, 0, 0, NULL, "read error: %s",
                            strerror(job->err[p]));
            goto done;
        }
        if (job->st[p] != LS_FASTCSV_OK) { /* no memory, here or in the sink */
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (p > 0)
            base[p] = base[p - 1] + job->res[p - 1].lines + (p == 1 ? lay->data_line : 0);
    }
    st = merge_parts(t, job->parts, n_parts, base, err);
done:
    for (size_t p = 0; p < n_parts; p++)
        part_release(&job->parts[p]);
    free(job);
    return st;
}

/* ---- type inference ------------------------------------------------------ */

static size_t first_row_with(const column *c, size_t n_rows, size_t level)
{
    for (size_t i = 0; i < n_rows; i++)
        if (code_get(&c->codes, i) == level)
            return i;
    return 0;
}

static int is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

/* "id", "Prospect ID", "lead_id", "leadId", "Lead Number", "email": the hint
 * must be a word of its own, so "Paid" or "Covid" do not count. */
static int name_suggests_id(const char *name)
{
    static const char *const hints[] = {"id", "number", "key", "uuid", "email"};
    size_t n = strlen(name);
    for (size_t k = 0; k < sizeof hints / sizeof hints[0]; k++) {
        size_t m = strlen(hints[k]);
        if (n < m)
            continue;
        const char *tail = name + n - m;
        if (strcasecmp(tail, hints[k]) == 0 &&
            (n == m || !is_lower(tail[-1]) || (is_upper(tail[0]) && is_lower(tail[1]))))
            return 1;
        if (n > m && strncasecmp(name, hints[k], m) == 0 &&
            (name[m] == '_' || name[m] == ' ' || name[m] == '-'))
            return 1;
    }
    return 0;
}

/* Classifies the levels: all boolean spellings? all finite numbers (and are
 * they integers)? Levels are in first-seen order, so the first offending
 * level is also the one on the earliest line. */
typedef struct {
    int all_bool, all_number, all_integer;
    size_t finite;          /* levels that are finite numbers */
    size_t nonfinite;       /* levels that read as NaN/Inf/overflow */
    size_t bad_number;      /* first level that is not a finite number, or SIZE_MAX */
    int bad_nonfinite;      /* that level looked numeric but was NaN/Inf/overflow */
    size_t first_nonfinite; /* first NaN/Inf/overflow level, or SIZE_MAX */
} level_scan;

static level_scan scan_levels(const column *c)
{
    level_scan s = {1, 1, 1, 0, 0, SIZE_MAX, 0, SIZE_MAX};
    for (size_t k = 0; k < c->d.n_levels; k++) {
        const char *v = level_text(&c->d, k);
        int b;
        if (!ls_parse_bool(v, &b))
            s.all_bool = 0;
        double x = NAN;
        ls_num_status ns = ls_parse_number(v, &x);
        if (ns == LS_NUM_OK) {
            s.finite++;
            if (x != floor(x))
                s.all_integer = 0;
            continue;
        }
        if (s.bad_number == SIZE_MAX) {
            s.bad_number = k;
            s.bad_nonfinite = ns == LS_NUM_NONFINITE;
        }
        if (ns == LS_NUM_NONFINITE && s.nonfinite++ == 0)
            s.first_nonfinite = k;
        s.all_number = 0;
        s.all_integer = 0;
        /* neither boolean nor numeric: the rest cannot change the verdict */
        if (!s.all_bool && ns == LS_NUM_NOT_NUMBER)
            break;
    }
    return s;
}

/* Numbers of the levels; the per-row values wait for ls_table_values(). */
static ls_status fill_level_values(column *c, ls_column_type type)
{
    c->level_values = malloc((c->d.n_levels ? c->d.n_levels : 1) * sizeof *c->level_values);
    if (!c->level_values)
        return LS_ERR_NOMEM;
    for (size_t k = 0; k < c->d.n_levels; k++) {
        const char *v = level_text(&c->d, k);
        if (type == LS_TYPE_BOOLEAN) {
            int b = 0;
            ls_parse_bool(v, &b);
            c->level_values[k] = b;
        } else {
            double x = NAN;
            ls_parse_number(v, &x);
            c->level_values[k] = x;
        }
    }
    return LS_OK;
}

static ls_column_type infer_type(const ls_table *t, const column *c, const level_scan *s)
{
    size_t non_missing = t->n_rows - c->missing;
    int all_distinct = c->d.n_levels == non_missing && non_missing >= 2 && c->missing == 0;
    int id_sized = non_missing >= 20 || name_suggests_id(c->name);
    if (c->d.n_levels > 0 && s->all_bool && c->d.n_levels <= 2)
        return LS_TYPE_BOOLEAN;
    if (c->d.n_levels > 0 && s->all_number)
        return all_distinct && s->all_integer && id_sized ? LS_TYPE_ID : LS_TYPE_NUMERIC;
    if (all_distinct && id_sized)
        return LS_TYPE_ID;
    return LS_TYPE_CATEGORICAL;
}

static ls_status type_error(ls_table *t, size_t j, size_t level, const char *what, ls_error *err)
{
    const column *c = &t->cols[j];
    size_t row = first_row_with(c, t->n_rows, level);
    return ls_fail_at(err, LS_ERR_PARSE, t->source, ls_table_line(t, row), j + 1, c->name,
                      "'%s' %s", level_text(&c->d, level), what);
}

static ls_status infer_column(ls_table *t, size_t j, ls_column_type declared, ls_error *err)
{
    column *c = &t->cols[j];
    if (c->skipped) {
        c->type = LS_TYPE_ID;
        return LS_OK;
    }
    level_scan s = scan_levels(c);
    ls_column_type type = declared;
    if (type == LS_TYPE_AUTO) {
        /* Numbers and NaN/Inf/1e999 only: a numeric column with a broken
         * cell is an error, not a text column. */
        if (s.nonfinite > 0 && s.finite > 0 && s.finite + s.nonfinite == c->d.n_levels)
            return type_error(t, j, s.first_nonfinite, "is not a finite number", err);
        type = infer_type(t, c, &s);
    }
    if (type == LS_TYPE_NUMERIC && !s.all_number)
        return type_error(t, j, s.bad_number,
                          s.bad_nonfinite ? "is not a finite number"
                                          : "is not a number (the column is numeric)",
                          err);
    if (type == LS_TYPE_BOOLEAN && !s.all_bool) {
        for (size_t k = 0; k < c->d.n_levels; k++) {
            int b;
            if (!ls_parse_bool(level_text(&c->d, k), &b))
                return type_error(t, j, k, "is not a boolean (expected yes/no, true/false or 1/0)",
                                  err);
        }
    }
    c->type = type;
    if (type == LS_TYPE_NUMERIC || type == LS_TYPE_BOOLEAN)
        if (fill_level_values(c, type) != LS_OK)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    return LS_OK;
}

static ls_status apply_types(ls_table *t, const ls_table_options *opts, ls_error *err)
{
    ls_column_type *declared = calloc(t->n_cols ? t->n_cols : 1, sizeof *declared);
    if (!declared)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ls_status st = LS_OK;
    for (size_t i = 0; i < opts->n_types; i++) {
        size_t j = ls_table_find_column(t, opts->type_names[i]);
        if (j == (size_t)-1) {
            st = ls_fail_at(err, LS_ERR_NOTFOUND, t->source, 1, 0, opts->type_names[i],
                            "no such column in the header");
            goto done;
        }
        declared[j] = opts->types[i];
    }
    for (size_t j = 0; j < t->n_cols && st == LS_OK; j++)
        st = infer_column(t, j, declared[j], err);
done:
    free(declared);
    return st;
}

static ls_status init_columns(ls_table *t, ls_csv_reader *reader, ls_error *err)
{
    t->n_cols = ls_csv_columns(reader);
    t->cols = calloc(t->n_cols ? t->n_cols : 1, sizeof *t->cols);
    if (!t->cols)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t j = 0; j < t->n_cols; j++)
        if (!(t->cols[j].name = strdup(ls_csv_column_name(reader, j))))
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    return LS_OK;
}

/* The data of a regular file, parsed on the cores. *reread is set when the
 * file must be read with the reader instead. */
static ls_status load_file_fast(ls_table *t, const char *path, const ls_csv_reader *reader,
                                const ls_table_options *opts, int *reread, ls_error *err)
{
    ls_csv_layout_info lay;
    *reread = 1;
    if (strcmp(path, "-") == 0 || !ls_csv_layout(reader, &lay))
        return LS_OK;
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0)
        return LS_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (unsigned long long)sb.st_size < lay.data_offset) {
        close(fd);
        return LS_OK;
    }
    unsigned long long size = (unsigned long long)sb.st_size;
    size_t n_parts = ls_parallel_threads();
    if (n_parts > MAX_PARTS)
        n_parts = MAX_PARTS;
    if (size - lay.data_offset < PARALLEL_MIN_BYTES)
        n_parts = 1;
    fast_outcome outcome;
    ls_status st = load_fast(t, fd, size, &lay, opts, n_parts, &outcome, err);
    if (st == LS_OK && outcome == FAST_ONE_PART)
        st = load_fast(t, fd, size, &lay, opts, 1, &outcome, err);
    close(fd);
    *reread = st == LS_OK && outcome != FAST_DONE;
    return st;
}

static void free_rows(ls_table *t)
{
    for (size_t j = 0; t->cols && j < t->n_cols; j++) {
        column *c = &t->cols[j];
        dict_free(&c->d);
        ls_big_free(c->codes.sp, c->codes.data);
        memset(&c->codes, 0, sizeof c->codes);
        c->missing = 0;
    }
    free(t->breaks);
    t->breaks = NULL;
    t->n_breaks = 0;
    t->n_rows = 0;
}

ls_status ls_table_load(const char *path, const ls_table_options *opts, ls_table **out,
                        ls_error *err)
{
    return ls_table_load_with(path, opts, NULL, 0, NULL, out, err);
}

/* Marks the columns named in skip (names not in the header are ignored). */
static ls_status set_skipped(ls_table *t, const char *const *skip, size_t n_skip, ls_error *err)
{
    if (!n_skip)
        return LS_OK;
    t->skip = calloc(t->n_cols ? t->n_cols : 1, 1);
    if (!t->skip)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n_skip; k++) {
        size_t j = ls_table_find_column(t, skip[k]);
        if (j != (size_t)-1)
            t->skip[j] = t->cols[j].skipped = 1;
    }
    return LS_OK;
}

ls_status ls_table_load_with(const char *path, const ls_table_options *opts,
                             const char *const *skip, size_t n_skip, ls_spool *spool,
                             ls_table **out, ls_error *err)
{
    *out = NULL;
    ls_table_options defaults;
    if (!opts) {
        ls_table_options_init(&defaults);
        opts = &defaults;
    }
    ls_csv_reader *reader = NULL;
    ls_table *t = calloc(1, sizeof *t);
    ls_status st = LS_OK;
    if (!t)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    t->lazy = malloc(sizeof *t->lazy);
    if (!t->lazy || pthread_mutex_init(t->lazy, NULL) != 0) {
        free(t->lazy);
        free(t);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    t->source = strdup(path);
    if (!t->source) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    t->spool = spool;
    st = ls_csv_open(path, &opts->csv, &reader, err);
    if (st == LS_OK)
        st = init_columns(t, reader, err);
    if (st == LS_OK)
        st = set_skipped(t, skip, n_skip, err);
    int reread = 1;
    if (st == LS_OK)
        st = load_file_fast(t, path, reader, opts, &reread, err);
    if (st == LS_OK && reread) {
        free_rows(t);
        st = load_sequential(t, reader, opts, err);
    }
    if (st == LS_OK)
        st = apply_types(t, opts, err);
    for (size_t j = 0; st == LS_OK && j < t->n_cols; j++) {
        column *c = &t->cols[j];
        size_t n = t->n_rows ? t->n_rows : 1;
        /* no level is added any more: the full hashes were for rehashing */
        free(c->d.level_hash);
        c->d.level_hash = NULL;
        c->codes32 = malloc(n * sizeof *c->codes32);
        if (c->level_values)
            c->values = malloc(n * sizeof *c->values);
        if (!c->codes32 || (c->level_values && !c->values))
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
done:
    ls_csv_free(reader);
    if (st != LS_OK) {
        ls_table_free(t);
        return st;
    }
#if defined(__GLIBC__)
    /* The parse's buffers were freed in the threads' arenas: give the pages back. */
    malloc_trim(0);
#endif
    *out = t;
    return LS_OK;
}

void ls_table_free(ls_table *t)
{
    if (!t)
        return;
    for (size_t j = 0; t->cols && j < t->n_cols; j++) {
        column *c = &t->cols[j];
        free(c->name);
        dict_free(&c->d);
        ls_big_free(c->codes.sp, c->codes.data);
        free(c->level_values);
        free(c->codes32);
        free(c->values);
    }
    pthread_mutex_destroy(t->lazy);
    free(t->lazy);
    free(t->cols);
    free(t->breaks);
    free(t->source);
    free(t->skip);
    free(t);
}

ls_spool *ls_table_spool(const ls_table *t)
{
    return t->spool;
}

const char *ls_table_source(const ls_table *t)
{
    return t->source;
}

size_t ls_table_rows(const ls_table *t)
{
    return t->n_rows;
}

size_t ls_table_columns(const ls_table *t)
{
    return t->n_cols;
}

const char *ls_table_column_name(const ls_table *t, size_t col)
{
    return col < t->n_cols ? t->cols[col].name : NULL;
}

size_t ls_table_find_column(const ls_table *t, const char *name)
{
    for (size_t j = 0; j < t->n_cols; j++)
        if (strcmp(t->cols[j].name, name) == 0)
            return j;
    return (size_t)-1;
}

ls_column_type ls_table_column_type(const ls_table *t, size_t col)
{
    return t->cols[col].type;
}

size_t ls_table_missing_count(const ls_table *t, size_t col)
{
    return t->cols[col].missing;
}

size_t ls_table_level_count(const ls_table *t, size_t col)
{
    return t->cols[col].d.n_levels;
}

const char *ls_table_level(const ls_table *t, size_t col, size_t level)
{
    const column *c = &t->cols[col];
    return level < c->d.n_levels ? level_text(&c->d, level) : NULL;
}

size_t ls_table_level_rows(const ls_table *t, size_t col, size_t level)
{
    const column *c = &t->cols[col];
    return level < c->d.n_levels ? c->d.level_rows[level] : 0;
}

size_t ls_table_find_level(const ls_table *t, size_t col, const char *value)
{
    const dict *d = &t->cols[col].d;
    size_t len = strlen(value);
    return dict_find(d, value, len, hash_bytes(value, len));
}

const void *ls_table_raw_codes(const ls_table *t, size_t col, unsigned *width, uint32_t *missing)
{
    const codevec *v = &t->cols[col].codes;
    static const uint8_t none = 0;
    *width = v->width ? v->width : 1;
    *missing = missing_of(*width);
    return v->data ? v->data : &none;
}

uint32_t ls_table_code(const ls_table *t, size_t col, size_t row)
{
    return code_get(&t->cols[col].codes, row);
}

void ls_table_copy_codes16(const ls_table *t, size_t col, uint16_t *dst, size_t stride,
                           uint16_t missing_as)
{
    const codevec *v = &t->cols[col].codes;
    uint32_t miss = missing_of(v->width);
    for (size_t i = 0; i < t->n_rows; i++) {
        uint32_t c = v->width == 1   ? ((const uint8_t *)v->data)[i]
                     : v->width == 2 ? ((const uint16_t *)v->data)[i]
                                     : ((const uint32_t *)v->data)[i];
        dst[i * stride] = c == miss ? missing_as : (uint16_t)c;
    }
}

void ls_table_copy_codes32(const ls_table *t, size_t col, uint32_t *dst, size_t stride,
                           uint32_t missing_as)
{
    const codevec *v = &t->cols[col].codes;
    for (size_t i = 0; i < t->n_rows; i++) {
        uint32_t c = code_get(v, i);
        dst[i * stride] = c == LS_MISSING_CODE ? missing_as : c;
    }
}

/* The public arrays are filled once, under the table's lock, on first use
 * (caches, not part of the table's value: the table is handed out as const). */
const uint32_t *ls_table_codes(const ls_table *t, size_t col)
{
    column *c = &t->cols[col];
    pthread_mutex_lock(t->lazy);
    if (!c->codes32_filled) {
        ls_table_copy_codes32(t, col, c->codes32, 1, LS_MISSING_CODE);
        c->codes32_filled = 1;
    }
    pthread_mutex_unlock(t->lazy);
    return c->codes32;
}

const double *ls_table_values(const ls_table *t, size_t col)
{
    column *c = &t->cols[col];
    if (!c->values)
        return NULL;
    pthread_mutex_lock(t->lazy);
    if (!c->values_filled) {
        for (size_t i = 0; i < t->n_rows; i++) {
            uint32_t code = code_get(&c->codes, i);
            c->values[i] = code == LS_MISSING_CODE ? NAN : c->level_values[code];
        }
        c->values_filled = 1;
    }
    pthread_mutex_unlock(t->lazy);
    return c->values;
}

const double *ls_table_level_values(const ls_table *t, size_t col)
{
    return t->cols[col].level_values;
}

size_t ls_table_line(const ls_table *t, size_t row)
{
    if (row >= t->n_rows || t->n_breaks == 0)
        return 0;
    size_t lo = 0, hi = t->n_breaks; /* the last break with .row <= row */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->breaks[mid].row <= row)
            lo = mid;
        else
            hi = mid;
    }
    return t->breaks[lo].line + (row - t->breaks[lo].row);
}
