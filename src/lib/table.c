/* A CSV file loaded into dictionary-coded, typed columns.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error_internal.h"
#include "text.h"

typedef struct {
    char *name;
    ls_column_type type;
    /* dictionary of distinct values */
    char *text; /* NUL-separated level strings */
    size_t text_len, text_cap;
    size_t *level_offset;
    uint64_t *level_hash;
    size_t *level_rows;
    size_t n_levels, levels_cap;
    uint32_t *slots; /* open addressing: level index + 1, 0 = empty */
    size_t n_slots;
    /* rows */
    uint32_t *codes;
    size_t missing;
    double *level_values; /* numeric/boolean: value per level */
    double *values;       /* numeric/boolean: value per row */
} column;

struct ls_table {
    char *source;
    column *cols;
    size_t n_cols;
    size_t n_rows, rows_cap;
    size_t *lines;
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

static const char *level_text(const column *c, size_t k)
{
    return c->text + c->level_offset[k];
}

static int rehash(column *c)
{
    size_t n = c->n_slots ? c->n_slots * 2 : 64;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return 0;
    for (size_t k = 0; k < c->n_levels; k++) {
        size_t i = c->level_hash[k] & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = (uint32_t)(k + 1);
    }
    free(c->slots);
    c->slots = slots;
    c->n_slots = n;
    return 1;
}

/* Returns the level code of value, adding it if new; UINT32_MAX on no memory. */
static uint32_t intern(column *c, const char *value, size_t len)
{
    uint64_t h = ls_hash_bytes(value, len);
    if (c->n_slots) {
        size_t i = h & (c->n_slots - 1);
        while (c->slots[i]) {
            size_t k = c->slots[i] - 1;
            if (c->level_hash[k] == h && strcmp(level_text(c, k), value) == 0)
                return (uint32_t)k;
            i = (i + 1) & (c->n_slots - 1);
        }
    }
    if (c->n_levels >= UINT32_MAX - 1)
        return UINT32_MAX;
    if ((c->n_levels + 1) * 2 > c->n_slots && !rehash(c))
        return UINT32_MAX;
    size_t cap = c->levels_cap;
    if (!grow((void **)&c->level_offset, &cap, c->n_levels + 1, sizeof(size_t)))
        return UINT32_MAX;
    cap = c->levels_cap;
    if (!grow((void **)&c->level_hash, &cap, c->n_levels + 1, sizeof(uint64_t)))
        return UINT32_MAX;
    cap = c->levels_cap;
    if (!grow((void **)&c->level_rows, &cap, c->n_levels + 1, sizeof(size_t)))
        return UINT32_MAX;
    c->levels_cap = cap;
    if (!grow((void **)&c->text, &c->text_cap, c->text_len + len + 1, 1))
        return UINT32_MAX;
    memcpy(c->text + c->text_len, value, len + 1);
    size_t k = c->n_levels++;
    c->level_offset[k] = c->text_len;
    c->level_hash[k] = h;
    c->level_rows[k] = 0;
    c->text_len += len + 1;
    size_t i = h & (c->n_slots - 1);
    while (c->slots[i])
        i = (i + 1) & (c->n_slots - 1);
    c->slots[i] = (uint32_t)(k + 1);
    return (uint32_t)k;
}

/* ---- loading ------------------------------------------------------------- */

static int is_missing(const char *v, const ls_table_options *opts)
{
    if (!opts->missing_tokens)
        return v[0] == '\0';
    for (size_t i = 0; i < opts->n_missing_tokens; i++)
        if (strcmp(v, opts->missing_tokens[i]) == 0)
            return 1;
    return 0;
}

static ls_status add_row(ls_table *t, const char *const *fields, const size_t *lens, size_t line,
                         const ls_table_options *opts, ls_error *err)
{
    if (t->n_rows == t->rows_cap) {
        size_t cap = t->rows_cap ? t->rows_cap * 2 : 1024;
        size_t *lines = realloc(t->lines, cap * sizeof *lines);
        if (!lines)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        t->lines = lines;
        for (size_t j = 0; j < t->n_cols; j++) {
            uint32_t *codes = realloc(t->cols[j].codes, cap * sizeof *codes);
            if (!codes)
                return ls_fail(err, LS_ERR_NOMEM, "out of memory");
            t->cols[j].codes = codes;
        }
        t->rows_cap = cap;
    }
    size_t row = t->n_rows;
    t->lines[row] = line;
    for (size_t j = 0; j < t->n_cols; j++) {
        column *c = &t->cols[j];
        if (is_missing(fields[j], opts)) {
            c->codes[row] = LS_MISSING_CODE;
            c->missing++;
            continue;
        }
        uint32_t code = intern(c, fields[j], lens[j]);
        if (code == UINT32_MAX)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        c->codes[row] = code;
        c->level_rows[code]++;
    }
    t->n_rows++;
    return LS_OK;
}

/* ---- type inference ------------------------------------------------------ */

static size_t first_row_with(const column *c, size_t n_rows, size_t level)
{
    for (size_t i = 0; i < n_rows; i++)
        if (c->codes[i] == level)
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
    for (size_t k = 0; k < c->n_levels; k++) {
        const char *v = level_text(c, k);
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
    }
    return s;
}

static ls_status fill_values(ls_table *t, column *c, ls_column_type type)
{
    c->level_values = malloc((c->n_levels ? c->n_levels : 1) * sizeof *c->level_values);
    c->values = malloc((t->n_rows ? t->n_rows : 1) * sizeof *c->values);
    if (!c->level_values || !c->values)
        return LS_ERR_NOMEM;
    for (size_t k = 0; k < c->n_levels; k++) {
        const char *v = level_text(c, k);
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
    for (size_t i = 0; i < t->n_rows; i++)
        c->values[i] = c->codes[i] == LS_MISSING_CODE ? NAN : c->level_values[c->codes[i]];
    return LS_OK;
}

static ls_column_type infer_type(const ls_table *t, const column *c, const level_scan *s)
{
    size_t non_missing = t->n_rows - c->missing;
    int all_distinct = c->n_levels == non_missing && non_missing >= 2 && c->missing == 0;
    int id_sized = non_missing >= 20 || name_suggests_id(c->name);
    if (c->n_levels > 0 && s->all_bool && c->n_levels <= 2)
        return LS_TYPE_BOOLEAN;
    if (c->n_levels > 0 && s->all_number)
        return all_distinct && s->all_integer && id_sized ? LS_TYPE_ID : LS_TYPE_NUMERIC;
    if (all_distinct && id_sized)
        return LS_TYPE_ID;
    return LS_TYPE_CATEGORICAL;
}

static ls_status type_error(ls_table *t, size_t j, size_t level, const char *what, ls_error *err)
{
    const column *c = &t->cols[j];
    size_t row = first_row_with(c, t->n_rows, level);
    return ls_fail_at(err, LS_ERR_PARSE, t->source, t->lines[row], j + 1, c->name, "'%s' %s",
                      level_text(c, level), what);
}

static ls_status infer_column(ls_table *t, size_t j, ls_column_type declared, ls_error *err)
{
    column *c = &t->cols[j];
    level_scan s = scan_levels(c);
    ls_column_type type = declared;
    if (type == LS_TYPE_AUTO) {
        /* Numbers and NaN/Inf/1e999 only: a numeric column with a broken
         * cell is an error, not a text column. */
        if (s.nonfinite > 0 && s.finite > 0 && s.finite + s.nonfinite == c->n_levels)
            return type_error(t, j, s.first_nonfinite, "is not a finite number", err);
        type = infer_type(t, c, &s);
    }
    if (type == LS_TYPE_NUMERIC && !s.all_number)
        return type_error(t, j, s.bad_number,
                          s.bad_nonfinite ? "is not a finite number"
                                          : "is not a number (the column is numeric)",
                          err);
    if (type == LS_TYPE_BOOLEAN && !s.all_bool) {
        for (size_t k = 0; k < c->n_levels; k++) {
            int b;
            if (!ls_parse_bool(level_text(c, k), &b))
                return type_error(t, j, k, "is not a boolean (expected yes/no, true/false or 1/0)",
                                  err);
        }
    }
    c->type = type;
    if (type == LS_TYPE_NUMERIC || type == LS_TYPE_BOOLEAN)
        if (fill_values(t, c, type) != LS_OK)
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

ls_status ls_table_load(const char *path, const ls_table_options *opts, ls_table **out,
                        ls_error *err)
{
    *out = NULL;
    ls_table_options defaults;
    if (!opts) {
        ls_table_options_init(&defaults);
        opts = &defaults;
    }
    ls_csv_reader *reader = NULL;
    ls_table *t = calloc(1, sizeof *t);
    size_t *lens = NULL;
    ls_status st = LS_OK;
    if (!t)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    t->source = strdup(path);
    if (!t->source) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    st = ls_csv_open(path, &opts->csv, &reader, err);
    if (st != LS_OK)
        goto done;
    t->n_cols = ls_csv_columns(reader);
    t->cols = calloc(t->n_cols, sizeof *t->cols);
    lens = calloc(t->n_cols + 1, sizeof *lens);
    if (!t->cols || !lens) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < t->n_cols; j++) {
        t->cols[j].name = strdup(ls_csv_column_name(reader, j));
        if (!t->cols[j].name) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    for (;;) {
        const char *const *fields;
        int has;
        st = ls_csv_next(reader, &fields, &has, err);
        if (st != LS_OK || !has)
            break;
        for (size_t j = 0; j < t->n_cols; j++)
            lens[j] = ls_csv_field_length(reader, j);
        st = add_row(t, fields, lens, ls_csv_line(reader), opts, err);
        if (st != LS_OK)
            break;
    }
    if (st == LS_OK)
        st = apply_types(t, opts, err);
done:
    ls_csv_free(reader);
    free(lens);
    if (st != LS_OK) {
        ls_table_free(t);
        return st;
    }
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
        free(c->text);
        free(c->level_offset);
        free(c->level_hash);
        free(c->level_rows);
        free(c->slots);
        free(c->codes);
        free(c->level_values);
        free(c->values);
    }
    free(t->cols);
    free(t->lines);
    free(t->source);
    free(t);
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
    return t->cols[col].n_levels;
}

const char *ls_table_level(const ls_table *t, size_t col, size_t level)
{
    const column *c = &t->cols[col];
    return level < c->n_levels ? level_text(c, level) : NULL;
}

size_t ls_table_level_rows(const ls_table *t, size_t col, size_t level)
{
    const column *c = &t->cols[col];
    return level < c->n_levels ? c->level_rows[level] : 0;
}

size_t ls_table_find_level(const ls_table *t, size_t col, const char *value)
{
    const column *c = &t->cols[col];
    if (!c->n_slots)
        return (size_t)-1;
    uint64_t h = ls_hash_bytes(value, strlen(value));
    size_t i = h & (c->n_slots - 1);
    while (c->slots[i]) {
        size_t k = c->slots[i] - 1;
        if (c->level_hash[k] == h && strcmp(level_text(c, k), value) == 0)
            return k;
        i = (i + 1) & (c->n_slots - 1);
    }
    return (size_t)-1;
}

const uint32_t *ls_table_codes(const ls_table *t, size_t col)
{
    return t->cols[col].codes;
}

const double *ls_table_values(const ls_table *t, size_t col)
{
    return t->cols[col].values;
}

const double *ls_table_level_values(const ls_table *t, size_t col)
{
    return t->cols[col].level_values;
}

size_t ls_table_line(const ls_table *t, size_t row)
{
    return row < t->n_rows ? t->lines[row] : 0;
}
