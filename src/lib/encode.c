/* Encoding: table columns → criteria, rules and regression terms.
 *
 * Defaults (no spec): every column but the target, the weights and ID-like
 * columns is a criterion. Numeric → one linear term, plus `COLUMN=missing`
 * when it has missing values (imputed 0, so a missing lead's points are the
 * indicator's alone). Boolean → one term `COLUMN` (same missing handling).
 * Categorical → `COLUMN=LEVEL` for each level but the reference (the most
 * frequent level, ties alphabetical; missing values form the level
 * `missing`). Constant columns are left out with a note.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "encode.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error_internal.h"
#include "exclusions.h"
#include "spec.h"
#include "table_internal.h"
#include "text.h"

#define MISSING_LEVEL "missing"
#define OTHER_LEVEL "(other)"

ls_status ls_report_note(ls_train_report *report, const char *fmt, ...)
{
    if (!report)
        return LS_OK;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **notes = realloc(report->notes, (report->n_notes + 1) * sizeof *notes);
    if (!notes)
        return LS_ERR_NOMEM;
    report->notes = notes;
    if (!(notes[report->n_notes] = ls_strdup(buf)))
        return LS_ERR_NOMEM;
    report->n_notes++;
    return LS_OK;
}

void ls_design_release(ls_design *d)
{
    if (!d)
        return;
    free(d->X);
    ls_big_free(d->spool, d->y);
    ls_big_free(d->spool, d->w);
    free(d->names);
    free(d->per_unit);
    for (size_t g = 0; g < d->n_groups; g++) {
        free(d->groups[g].term);
        free(d->groups[g].value);
    }
    free(d->groups);
    free(d->codes);
    free(d->view_levels);
    free(d->view_term);
    free(d->view_value);
    memset(d, 0, sizeof *d);
}

/* ---- building state ------------------------------------------------------ */

typedef struct {
    const ls_table *table;
    const ls_spec *spec;
    const ls_train_options *opts;
    ls_model *model;
    ls_design *d;
    ls_train_report *report;
    ls_error *err;
    size_t cols_cap, groups_cap;
} encoder;

#define NO_COLUMN ((size_t)-1)

/* Adds a term (a design column); returns the column's index, or NO_COLUMN
 * when out of memory. */
static size_t add_term(encoder *e, const char *name, long criterion, int per_unit, long *term)
{
    ls_design *d = e->d;
    if (d->p == e->cols_cap) {
        size_t cap = e->cols_cap ? e->cols_cap * 2 : 16;
        int *pu = realloc(d->per_unit, cap * sizeof *pu);
        if (!pu)
            return NO_COLUMN;
        d->per_unit = pu;
        e->cols_cap = cap;
    }
    if (!ls_model_add_term(e->model, name, criterion))
        return NO_COLUMN;
    *term = (long)e->model->n_terms - 1;
    d->per_unit[d->p] = per_unit;
    return d->p++;
}

/* Starts the group of table column col: every level (and missing, the last)
 * maps to no column until the encoder says otherwise. NULL when out of memory. */
static ls_design_group *add_group(encoder *e, size_t col)
{
    ls_design *d = e->d;
    if (d->n_groups == e->groups_cap) {
        size_t cap = e->groups_cap ? e->groups_cap * 2 : 16;
        ls_design_group *g = realloc(d->groups, cap * sizeof *g);
        if (!g)
            return NULL;
        d->groups = g;
        e->groups_cap = cap;
    }
    ls_design_group *g = &d->groups[d->n_groups];
    g->column = col;
    g->n_levels = ls_table_level_count(e->table, col) + 1;
    g->term = malloc(g->n_levels * sizeof *g->term);
    g->value = malloc(g->n_levels * sizeof *g->value);
    if (!g->term || !g->value) {
        free(g->term);
        free(g->value);
        return NULL;
    }
    d->n_groups++;
    for (size_t l = 0; l < g->n_levels; l++) {
        g->term[l] = -1;
        g->value[l] = 0.0;
    }
    return g;
}

/* Level l of group g puts value into design column j (NO_COLUMN: nothing). */
static void set_level(ls_design_group *g, size_t l, size_t j, double value)
{
    g->term[l] = j == NO_COLUMN ? -1 : (int32_t)j;
    g->value[l] = j == NO_COLUMN ? 0.0 : value;
}

/* First row whose level is flagged, for messages. */
static size_t first_row_in(const encoder *e, size_t col, const unsigned char *flag)
{
    size_t nl = ls_table_level_count(e->table, col);
    for (size_t i = 0; i < e->d->n; i++) {
        uint32_t code = ls_table_code(e->table, col, i);
        if (flag[code == LS_MISSING_CODE ? nl : code])
            return i;
    }
    return 0;
}

static ls_status nomem(encoder *e)
{
    return ls_fail(e->err, LS_ERR_NOMEM, "out of memory");
}

static char *term_name(const char *column, const char *level)
{
    size_t n = strlen(column) + (level ? strlen(level) + 1 : 0) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, level ? "%s=%s" : "%s", column, level ? level : "");
    return s;
}

static char *rule_label(const char *label, const char *level)
{
    size_t n = strlen(label) + (level ? strlen(level) + 2 : 0) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, level ? "%s: %s" : "%s", label, level ? level : "");
    return s;
}

/* Adds a rule with a term of its own; returns the design column's index or
 * NO_COLUMN. */
static size_t add_rule_term(encoder *e, long ci, ls_cond_kind kind, const char *level, int per_unit,
                            ls_rule **rule_out)
{
    ls_criterion *c = &e->model->criteria[ci];
    char *name =
        term_name(c->column, kind == LS_COND_PER_UNIT || kind == LS_COND_TRUE ? NULL : level);
    char *label =
        rule_label(c->label, kind == LS_COND_PER_UNIT || kind == LS_COND_TRUE ? NULL : level);
    size_t col = NO_COLUMN;
    long term = -1;
    ls_rule *r = NULL;
    if (name && label && (col = add_term(e, name, ci, per_unit, &term)) != NO_COLUMN &&
        (r = ls_criterion_add_rule(&e->model->criteria[ci], kind, label)))
        r->term = term;
    free(name);
    free(label);
    if (rule_out)
        *rule_out = r;
    return r ? col : NO_COLUMN;
}

/* ---- target -------------------------------------------------------------- */

static ls_status encode_target(encoder *e, size_t tcol, const char *positive)
{
    const ls_table *t = e->table;
    const char *name = ls_table_column_name(t, tcol);
    size_t nl = ls_table_level_count(t, tcol);
    size_t pos = (size_t)-1;
    if (positive) {
        pos = ls_table_find_level(t, tcol, positive);
        if (pos == (size_t)-1)
            return ls_fail_at(e->err, LS_ERR_DATA, ls_table_source(t), 0, tcol + 1, name,
                              "the positive value '%s' does not occur in the target", positive);
    } else if (ls_table_column_type(t, tcol) == LS_TYPE_BOOLEAN) {
        const double *lv = ls_table_level_values(t, tcol);
        for (size_t k = 0; k < nl; k++)
            if (lv[k] == 1)
                pos = k;
    } else {
        return ls_fail_at(e->err, LS_ERR_USAGE, ls_table_source(t), 0, tcol + 1, name,
                          "the target has %zu distinct values, not yes/no or 1/0: say which "
                          "means converted with --positive",
                          nl);
    }
    for (size_t i = 0; i < e->d->n; i++) {
        uint32_t code = ls_table_code(t, tcol, i);
        if (code == LS_MISSING_CODE)
            return ls_fail_at(e->err, LS_ERR_DATA, ls_table_source(t), ls_table_line(t, i),
                              tcol + 1, name, "the target is missing");
        e->d->y[i] = code == pos;
    }
    if (nl > 2) {
        /* Name a row with a third value: the one that is neither of the first two. */
        for (size_t i = 0; i < e->d->n; i++) {
            uint32_t code = ls_table_code(t, tcol, i);
            if (code >= 2 && code != pos)
                return ls_fail_at(e->err, LS_ERR_DATA, ls_table_source(t), ls_table_line(t, i),
                                  tcol + 1, name,
                                  "the target has a third value '%s' besides '%s' and '%s'",
                                  ls_table_level(t, tcol, code), ls_table_level(t, tcol, 0),
                                  ls_table_level(t, tcol, 1));
        }
    }
    return LS_OK;
}

static ls_status encode_weights(encoder *e, const char *column)
{
    const ls_table *t = e->table;
    size_t j = ls_table_find_column(t, column);
    if (j == (size_t)-1)
        return ls_fail_at(e->err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, column,
                          "the weights column is not in the header");
    const double *v = ls_table_values(t, j);
    if (!v)
        return ls_fail_at(e->err, LS_ERR_DATA, ls_table_source(t), 0, j + 1, column,
                          "weights must be numbers");
    e->d->w = ls_big_alloc(e->d->spool, (e->d->n ? e->d->n : 1) * sizeof *e->d->w);
    if (!e->d->w)
        return nomem(e);
    for (size_t i = 0; i < e->d->n; i++) {
        if (!(v[i] >= 0))
            return ls_fail_at(e->err, LS_ERR_DATA, ls_table_source(t), ls_table_line(t, i), j + 1,
                              column, "a weight must be a number >= 0");
        e->d->w[i] = v[i];
    }
    return LS_OK;
}

/* Folds caller-given per-row weights (holdout masks, folds) into d->w. */
static ls_status apply_row_weights(encoder *e, const double *rw)
{
    size_t n = e->d->n;
    if (!e->d->w) {
        e->d->w = ls_big_alloc(e->d->spool, n * sizeof *e->d->w);
        if (!e->d->w)
            return nomem(e);
        for (size_t i = 0; i < n; i++)
            e->d->w[i] = 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(rw[i] >= 0) || isinf(rw[i]))
            return ls_fail(e->err, LS_ERR_USAGE, "row weight %zu is %g, not a finite number >= 0",
                           i + 1, rw[i]);
        e->d->w[i] *= rw[i];
    }
    return LS_OK;
}

/* ---- numeric ------------------------------------------------------------- */

static ls_status transformed_value(encoder *e, size_t col, const ls_criterion *c, size_t row,
                                   double x, double *out)
{
    if (!isnan(c->cap_lo) && x < c->cap_lo)
        x = c->cap_lo;
    if (!isnan(c->cap_hi) && x > c->cap_hi)
        x = c->cap_hi;
    if (c->log1p) {
        if (!(x > -1))
            return ls_fail_at(e->err, LS_ERR_DATA, ls_table_source(e->table),
                              ls_table_line(e->table, row), col + 1, c->column,
                              "log1p needs values above -1, found %g", x);
        x = log1p(x);
    }
    *out = x;
    return LS_OK;
}

/* Numbers of a numeric or boolean column's levels. */
static const double *level_numbers(encoder *e, size_t col)
{
    const double *lv = ls_table_level_values(e->table, col);
    if (!lv)
        ls_fail_at(e->err, LS_ERR_DATA, ls_table_source(e->table), 0, col + 1,
                   ls_table_column_name(e->table, col), "the column does not hold numbers");
    return lv;
}

static ls_status encode_numeric(encoder *e, size_t col, long ci)
{
    const double *lv = level_numbers(e, col);
    if (!lv)
        return e->err ? e->err->code : LS_ERR_DATA;
    size_t jx = add_rule_term(e, ci, LS_COND_PER_UNIT, NULL, 1, NULL);
    size_t jm = NO_COLUMN;
    if (jx == NO_COLUMN)
        return nomem(e);
    if (ls_table_missing_count(e->table, col) > 0 &&
        (jm = add_rule_term(e, ci, LS_COND_MISSING, MISSING_LEVEL, 0, NULL)) == NO_COLUMN)
        return nomem(e);
    ls_design_group *g = add_group(e, col);
    if (!g)
        return nomem(e);
    size_t nl = g->n_levels - 1;
    /* x stays 0 when missing: the indicator carries a missing lead's points */
    set_level(g, nl, jm, 1.0);
    const ls_criterion *c = &e->model->criteria[ci];
    int bad = 0;
    for (size_t l = 0; l < nl; l++) {
        double x = lv[l];
        if (!isnan(c->cap_lo) && x < c->cap_lo)
            x = c->cap_lo;
        if (!isnan(c->cap_hi) && x > c->cap_hi)
            x = c->cap_hi;
        bad |= c->log1p && !(x > -1);
        set_level(g, l, jx, c->log1p && x > -1 ? log1p(x) : x);
    }
    if (!bad)
        return LS_OK;
    /* The first row whose value log1p refuses, as a row-by-row pass would find it. */
    unsigned char *flag = calloc(nl + 1, 1);
    if (!flag)
        return nomem(e);
    for (size_t l = 0; l < nl; l++) {
        double x = lv[l];
        if (!isnan(c->cap_lo) && x < c->cap_lo)
            x = c->cap_lo;
        if (!isnan(c->cap_hi) && x > c->cap_hi)
            x = c->cap_hi;
        flag[l] = !(x > -1);
    }
    size_t row = first_row_in(e, col, flag);
    free(flag);
    double x = 0;
    return transformed_value(e, col, c, row, lv[ls_table_code(e->table, col, row)], &x);
}

static ls_status encode_boolean(encoder *e, size_t col, long ci)
{
    const double *lv = level_numbers(e, col);
    if (!lv)
        return e->err ? e->err->code : LS_ERR_DATA;
    size_t jx = add_rule_term(e, ci, LS_COND_TRUE, NULL, 0, NULL);
    size_t jm = NO_COLUMN;
    if (jx == NO_COLUMN)
        return nomem(e);
    if (ls_table_missing_count(e->table, col) > 0 &&
        (jm = add_rule_term(e, ci, LS_COND_MISSING, MISSING_LEVEL, 0, NULL)) == NO_COLUMN)
        return nomem(e);
    ls_design_group *g = add_group(e, col);
    if (!g)
        return nomem(e);
    size_t nl = g->n_levels - 1;
    for (size_t l = 0; l < nl; l++)
        set_level(g, l, lv[l] == 1 ? jx : NO_COLUMN, 1.0);
    set_level(g, nl, jm, 1.0);
    return LS_OK;
}

/* ---- levels: categorical and banded ---------------------------------------- */

/* A level of a categorical or banded criterion while choosing the reference. */
typedef struct {
    const char *name;
    size_t rows;
    int kind;     /* 0 value, 1 missing, 2 (other) */
    double order; /* numeric sort key when all levels are numbers, else NAN */
    long term;    /* assigned term, -1 for the reference */
    long merged;  /* the spec's merge group it is, -1: a level of its own */
} level_info;

static int level_cmp(const void *a, const void *b)
{
    const level_info *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind - y->kind;             /* values, then missing, then (other) */
    if (!isnan(x->order) && !isnan(y->order)) /* levels of a numeric column sort as numbers */
        return (x->order > y->order) - (x->order < y->order);
    return strcmp(x->name, y->name);
}

/* The most frequent level; ties go to the alphabetically first name. */
static size_t pick_reference(const level_info *lv, size_t n, const char *requested, int *found)
{
    size_t best = 0;
    *found = 0;
    for (size_t k = 0; k < n; k++) {
        if (requested && strcmp(lv[k].name, requested) == 0) {
            *found = 1;
            return k;
        }
        if (lv[k].rows > lv[best].rows ||
            (lv[k].rows == lv[best].rows && strcmp(lv[k].name, lv[best].name) < 0))
            best = k;
    }
    return best;
}

static int is_column_missing_token(const ls_spec_criterion *sc, const char *value)
{
    for (size_t k = 0; sc && k < sc->n_missing; k++)
        if (strcmp(sc->missing[k], value) == 0)
            return 1;
    return 0;
}

/* Rows a level needs to get a term of its own: the criterion's own setting,
 * else the option (--pool-below overrides the spec's global value), else the
 * spec's (0 = no pooling). */
static long pool_threshold(const encoder *e, const ls_spec_criterion *sc)
{
    if (sc && sc->pool_below >= 0)
        return sc->pool_below;
    if (e->opts->pool_below > 0)
        return (long)e->opts->pool_below;
    if (e->spec && e->spec->pool_below >= 0)
        return e->spec->pool_below;
    return 0;
}

/* Rows with a boolean's rarer value when that is under the pooling
 * threshold (such a criterion cannot be estimated), else 0. */
static size_t rare_boolean_rows(const encoder *e, size_t col, const ls_spec_criterion *sc)
{
    long pool = pool_threshold(e, sc);
    size_t rare = SIZE_MAX;
    for (size_t k = 0; k < ls_table_level_count(e->table, col); k++) {
        size_t rows = ls_table_level_rows(e->table, col, k);
        rare = rows < rare ? rows : rare;
    }
    return pool > 0 && rare < (size_t)pool ? rare : 0;
}

/* The spec's merge groups of a categorical criterion: the group of each
 * table level (-1: none), each group's rows and its name, "A + B". Every
 * member must be a level of the data, so a typo cannot leave a level out. */
typedef struct {
    long *group_of; /* per table level */
    size_t *rows;   /* per group */
    char **name;    /* per group */
    size_t *slot;   /* per group: its index among the levels, -1 until met */
    size_t n;
} merge_plan;

static void merge_plan_free(merge_plan *mp)
{
    for (size_t g = 0; g < mp->n; g++)
        free(mp->name ? mp->name[g] : NULL);
    free(mp->group_of);
    free(mp->rows);
    free(mp->name);
    free(mp->slot);
}

/* A merge member the data does not have: named, with the level it was
 * probably meant to be. */
static ls_status unknown_merge_level(encoder *e, size_t col, const ls_spec_criterion *sc,
                                     const char *member)
{
    const ls_table *t = e->table;
    ls_nearest near;
    ls_nearest_init(&near);
    for (size_t k = 0; k < ls_table_level_count(t, col); k++)
        ls_nearest_offer(&near, member, ls_table_level(t, col, k));
    const char *best = near.best;
    if (best)
        return ls_fail_at(e->err, LS_ERR_DATA, e->spec ? e->spec->name : NULL, 0, 0, sc->column,
                          "merge: level '%s' does not occur in the data (did you mean '%s'?)",
                          member, best);
    return ls_fail_at(e->err, LS_ERR_DATA, e->spec ? e->spec->name : NULL, 0, 0, sc->column,
                      "merge: level '%s' does not occur in the data", member);
}

static ls_status merge_plan_make(encoder *e, size_t col, const ls_spec_criterion *sc,
                                 merge_plan *mp)
{
    const ls_table *t = e->table;
    size_t nl = ls_table_level_count(t, col), ng = sc ? sc->n_merges : 0;
    memset(mp, 0, sizeof *mp);
    mp->group_of = malloc((nl + 1) * sizeof *mp->group_of);
    mp->rows = calloc(ng + 1, sizeof *mp->rows);
    mp->name = calloc(ng + 1, sizeof *mp->name);
    mp->slot = malloc((ng + 1) * sizeof *mp->slot);
    if (!mp->group_of || !mp->rows || !mp->name || !mp->slot)
        return nomem(e);
    mp->n = ng;
    for (size_t k = 0; k < nl; k++)
        mp->group_of[k] = -1;
    for (size_t g = 0; g < ng; g++) {
        mp->slot[g] = (size_t)-1;
        size_t len = 1;
        for (size_t i = 0; i < sc->merge_sizes[g]; i++) {
            const char *member = sc->merges[g][i];
            size_t k = ls_table_find_level(t, col, member);
            if (k == (size_t)-1)
                return unknown_merge_level(e, col, sc, member);
            if (is_column_missing_token(sc, member))
                return ls_fail_at(e->err, LS_ERR_DATA, e->spec ? e->spec->name : NULL, 0, 0,
                                  sc->column,
                                  "merge: level '%s' is a missing value here, not a level", member);
            mp->group_of[k] = (long)g;
            mp->rows[g] += ls_table_level_rows(t, col, k);
            len += strlen(member) + 3;
        }
        char *name = mp->name[g] = malloc(len);
        if (!name)
            return nomem(e);
        for (size_t i = 0, at = 0; i < sc->merge_sizes[g]; i++) {
            size_t n = strlen(sc->merges[g][i]);
            if (i) {
                memcpy(name + at, " + ", 3);
                at += 3;
            }
            memcpy(name + at, sc->merges[g][i], n + 1);
            at += n;
        }
    }
    return LS_OK;
}

static ls_status encode_categorical(encoder *e, size_t col, long ci, const ls_spec_criterion *sc)
{
    const ls_table *t = e->table;
    size_t nl = ls_table_level_count(t, col);
    long pool = pool_threshold(e, sc);
    /* slot of each table level: index into lv, with pooled and extra-missing levels merged */
    size_t *slot = malloc((nl + 1) * sizeof *slot);
    level_info *lv = calloc(nl + 2, sizeof *lv);
    merge_plan mp;
    ls_status st = merge_plan_make(e, col, sc, &mp);
    if (st != LS_OK)
        goto done;
    if (!slot || !lv) {
        st = nomem(e);
        goto done;
    }
    size_t n_lv = 0, missing_slot = (size_t)-1, other_slot = (size_t)-1;
    size_t missing_rows = ls_table_missing_count(t, col), pooled = 0;
    /* a merged group's name is no number: then every level sorts by name */
    int numeric_levels = ls_table_column_type(t, col) == LS_TYPE_NUMERIC && mp.n == 0;
    for (size_t k = 0; k < nl; k++) {
        const char *name = ls_table_level(t, col, k);
        long g = mp.group_of[k];
        size_t rows = g >= 0 ? mp.rows[g] : ls_table_level_rows(t, col, k);
        if (is_column_missing_token(sc, name)) {
            missing_rows += rows;
            slot[k] = (size_t)-2;
        } else if (pool > 0 && rows < (size_t)pool) {
            slot[k] = (size_t)-3;
            pooled++;
        } else if (g >= 0 && mp.slot[g] != (size_t)-1) {
            slot[k] = mp.slot[g]; /* a later member of a group already met */
        } else {
            double order = NAN;
            if (numeric_levels)
                ls_parse_number(name, &order);
            lv[n_lv] = (level_info){g >= 0 ? mp.name[g] : name, rows, 0, order, -1, g};
            if (g >= 0)
                mp.slot[g] = n_lv;
            slot[k] = n_lv++;
        }
    }
    if (missing_rows) {
        missing_slot = n_lv;
        lv[n_lv++] = (level_info){MISSING_LEVEL, missing_rows, 1, NAN, -1, -1};
    }
    size_t pooled_rows = 0;
    for (size_t k = 0; k < nl; k++)
        pooled_rows += slot[k] == (size_t)-3 ? ls_table_level_rows(t, col, k) : 0;
    /* Pooled levels form (other) when together they are common enough to
     * estimate; otherwise a lone rare level would separate, so they score as
     * the reference level. */
    int other_is_term = pooled && pooled_rows >= (size_t)pool;
    if (other_is_term) {
        other_slot = n_lv;
        lv[n_lv++] = (level_info){OTHER_LEVEL, pooled_rows, 2, NAN, -1, -1};
    }
    if (pooled) {
        st = ls_report_note(e->report, "%s: %zu levels with fewer than %ld rows (%zu rows) %s",
                            ls_table_column_name(t, col), pooled, pool, pooled_rows,
                            other_is_term ? "pooled into (other)" : "score as the reference level");
        if (st != LS_OK)
            goto done;
    }
    /* Sort for term order, remembering where each slot went. */
    for (size_t k = 0; k < n_lv; k++)
        lv[k].term = (long)k; /* temporarily: original slot */
    qsort(lv, n_lv, sizeof *lv, level_cmp);
    size_t *where = malloc((n_lv + 1) * sizeof *where);
    if (!where) {
        st = nomem(e);
        goto done;
    }
    for (size_t k = 0; k < n_lv; k++)
        where[lv[k].term] = k;
    int found;
    const char *requested = sc ? sc->reference : NULL;
    for (size_t k = 0; requested && k < nl; k++) /* a member names its group */
        if (mp.group_of[k] >= 0 && strcmp(ls_table_level(t, col, k), requested) == 0)
            requested = mp.name[mp.group_of[k]];
    size_t ref = pick_reference(lv, n_lv, requested, &found);
    if (requested && !found) {
        st = ls_fail_at(e->err, LS_ERR_DATA, e->spec ? e->spec->name : NULL, 0, 0,
                        ls_table_column_name(t, col),
                        "reference level '%s' does not occur in the data", requested);
        free(where);
        goto done;
    }
    ls_criterion *c = &e->model->criteria[ci];
    if (!(c->reference = ls_strdup(lv[ref].name))) {
        st = nomem(e);
        free(where);
        goto done;
    }
    c->has_other = other_slot != (size_t)-1;
    size_t *cols = malloc((n_lv + 1) * sizeof *cols);
    if (!cols) {
        st = nomem(e);
        free(where);
        goto done;
    }
    for (size_t k = 0; k < n_lv; k++)
        cols[k] = NO_COLUMN;
    for (size_t k = 0; k < n_lv && st == LS_OK; k++) {
        long g = lv[k].merged;
        ls_cond_kind kind = lv[k].kind == 1   ? LS_COND_MISSING
                            : lv[k].kind == 2 ? LS_COND_OTHER
                            : g >= 0          ? LS_COND_IN
                                              : LS_COND_EQUALS;
        ls_rule *r = NULL;
        if (k == ref) {
            if (g < 0)
                continue;
            /* a merged reference: its members match a rule of 0 points, as
             * only one of them could be the reference's text */
            char *label = rule_label(c->label, lv[k].name);
            r = label ? ls_criterion_add_rule(c, LS_COND_IN, label) : NULL;
            free(label);
            if (!r)
                st = nomem(e);
        } else {
            cols[k] = add_rule_term(e, ci, kind, lv[k].name, 0, &r);
            if (cols[k] == NO_COLUMN ||
                (kind == LS_COND_EQUALS && !ls_rule_add_value(r, lv[k].name)))
                st = nomem(e);
        }
        for (size_t i = 0; g >= 0 && st == LS_OK && i < sc->merge_sizes[g]; i++)
            if (!ls_rule_add_value(r, sc->merges[g][i]))
                st = nomem(e);
        for (size_t q = 0; kind == LS_COND_OTHER && st == LS_OK && q < nl; q++)
            if (slot[q] == (size_t)-3 && !ls_rule_add_value(r, ls_table_level(t, col, q)))
                st = nomem(e);
    }
    ls_design_group *g = st == LS_OK ? add_group(e, col) : NULL;
    if (st == LS_OK && !g)
        st = nomem(e);
    for (size_t l = 0; l <= nl && st == LS_OK; l++) {
        size_t s;
        if (l == nl || slot[l] == (size_t)-2)
            s = missing_slot;
        else if (slot[l] == (size_t)-3)
            s = other_slot;
        else
            s = slot[l];
        size_t k = s == (size_t)-1 ? ref : where[s];
        set_level(g, l, cols[k], 1.0);
    }
    free(cols);
    free(where);
done:
    merge_plan_free(&mp);
    free(slot);
    free(lv);
    return st;
}

static size_t band_of(const ls_spec_criterion *sc, double x)
{
    size_t b = 0;
    for (size_t k = 1; k < sc->n_bands; k++)
        if (x >= sc->band_lo[k])
            b = k;
    return b;
}

static ls_status encode_banded(encoder *e, size_t col, long ci, const ls_spec_criterion *sc)
{
    const ls_table *t = e->table;
    size_t nl = ls_table_level_count(t, col), nb = sc->n_bands;
    const double *lv = level_numbers(e, col);
    if (!lv)
        return e->err ? e->err->code : LS_ERR_DATA;
    size_t *rows = calloc(nb + 1, sizeof *rows);
    size_t *band = malloc((nl + 1) * sizeof *band);
    size_t *cols = malloc((nb + 1) * sizeof *cols);
    ls_status st = LS_OK;
    if (!rows || !band || !cols) {
        st = nomem(e);
        goto done;
    }
    ls_criterion *c = &e->model->criteria[ci];
    for (size_t k = 0; k <= nb; k++)
        cols[k] = NO_COLUMN;
    for (size_t l = 0; l < nl; l++) {
        double x = lv[l];
        if (!isnan(c->cap_lo) && x < c->cap_lo)
            x = c->cap_lo;
        if (!isnan(c->cap_hi) && x > c->cap_hi)
            x = c->cap_hi;
        band[l] = band_of(sc, x);
        rows[band[l]] += ls_table_level_rows(t, col, l);
    }
    band[nl] = nb;
    rows[nb] += ls_table_missing_count(t, col);
    size_t ref = 0;
    int requested = 0;
    for (size_t k = 0; k < nb; k++) {
        if (sc->reference && strcmp(sc->reference, sc->bands[k]) == 0) {
            ref = k;
            requested = 1;
            break;
        }
        if (rows[k] > rows[ref])
            ref = k;
    }
    if (sc->reference && !requested) {
        st = ls_fail_at(e->err, LS_ERR_DATA, e->spec->name, 0, 0, c->column,
                        "reference band '%s' is not one of the bands", sc->reference);
        goto done;
    }
    if (!(c->reference = ls_strdup(sc->bands[ref]))) {
        st = nomem(e);
        goto done;
    }
    for (size_t k = 0; k < nb && st == LS_OK; k++) {
        if (k == ref)
            continue;
        if (rows[k] == 0) {
            st = ls_report_note(e->report, "%s: band %s has no rows; it scores as the reference",
                                c->column, sc->bands[k]);
            continue;
        }
        ls_rule *r = NULL;
        cols[k] = add_rule_term(e, ci, LS_COND_RANGE, sc->bands[k], 0, &r);
        if (cols[k] == NO_COLUMN) {
            st = nomem(e);
            break;
        }
        r->lo = k == 0 ? -INFINITY : sc->band_lo[k];
        r->hi = k + 1 < nb ? sc->band_lo[k + 1] : INFINITY;
        r->hi_open = 1;
    }
    if (st == LS_OK && rows[nb]) {
        cols[nb] = add_rule_term(e, ci, LS_COND_MISSING, MISSING_LEVEL, 0, NULL);
        if (cols[nb] == NO_COLUMN)
            st = nomem(e);
    }
    ls_design_group *g = st == LS_OK ? add_group(e, col) : NULL;
    if (st == LS_OK && !g)
        st = nomem(e);
    for (size_t l = 0; l <= nl && st == LS_OK; l++)
        set_level(g, l, cols[band[l]], 1.0);
done:
    free(rows);
    free(band);
    free(cols);
    return st;
}

/* ---- choosing the criteria ---------------------------------------------- */

static int in_list(char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

static int is_constant(const ls_table *t, size_t col)
{
    size_t levels = ls_table_level_count(t, col) + (ls_table_missing_count(t, col) > 0);
    return levels <= 1;
}

static ls_status encode_column(encoder *e, size_t col)
{
    const ls_table *t = e->table;
    const char *name = ls_table_column_name(t, col);
    const ls_spec_criterion *sc = ls_spec_find(e->spec, name);
    ls_column_type type = ls_table_column_type(t, col);
    if (sc && sc->type != LS_TYPE_AUTO)
        type = sc->type;
    ls_crit_kind kind = type == LS_TYPE_NUMERIC && sc && sc->n_bands ? LS_CRIT_BANDED
                        : type == LS_TYPE_NUMERIC                    ? LS_CRIT_NUMERIC
                        : type == LS_TYPE_BOOLEAN                    ? LS_CRIT_BOOLEAN
                                                                     : LS_CRIT_CATEGORICAL;
    if (type == LS_TYPE_CATEGORICAL && sc && sc->n_bands)
        return ls_fail_at(e->err, LS_ERR_DATA, e->spec->name, 0, 0, name,
                          "bands need a numeric column");
    if (kind != LS_CRIT_CATEGORICAL && sc && sc->n_merges)
        return ls_fail_at(e->err, LS_ERR_DATA, e->spec ? e->spec->name : NULL, 0, 0, name,
                          "merge needs a categorical column (this one is %s; set type = "
                          "categorical to merge its values)",
                          kind == LS_CRIT_BOOLEAN ? "yes/no" : "numeric");
    ls_criterion *c = ls_model_add_criterion(e->model, name, kind);
    if (!c)
        return nomem(e);
    long ci = (long)e->model->n_criteria - 1;
    if (sc && sc->label) {
        free(c->label);
        if (!(c->label = ls_strdup(sc->label)))
            return nomem(e);
    }
    if (sc) {
        c->log1p = sc->log1p && kind == LS_CRIT_NUMERIC;
        c->cap_lo = sc->cap_lo;
        c->cap_hi = sc->cap_hi;
    }
    switch (kind) {
    case LS_CRIT_NUMERIC:
        return encode_numeric(e, col, ci);
    case LS_CRIT_BANDED:
        return encode_banded(e, col, ci, sc);
    case LS_CRIT_BOOLEAN:
        return encode_boolean(e, col, ci);
    default:
        return encode_categorical(e, col, ci, sc);
    }
}

static int excluded(const encoder *e, const char *name)
{
    const ls_train_options *o = e->opts;
    for (size_t i = 0; i < o->n_exclude; i++)
        if (strcmp(o->exclude[i], name) == 0)
            return 1;
    return e->spec && in_list(e->spec->exclude, e->spec->n_exclude, name);
}

static ls_status choose_and_encode(encoder *e, size_t tcol, const char *weights)
{
    const ls_table *t = e->table;
    ls_status st = LS_OK;
    for (size_t col = 0; col < ls_table_columns(t) && st == LS_OK; col++) {
        const char *name = ls_table_column_name(t, col);
        const ls_spec_criterion *sc = ls_spec_find(e->spec, name);
        ls_column_type type = ls_table_column_type(t, col);
        if (sc && sc->type != LS_TYPE_AUTO)
            type = sc->type;
        int is_id = type == LS_TYPE_ID || (e->spec && in_list(e->spec->ids, e->spec->n_ids, name));
        if (is_id) {
            char **ids = realloc(e->model->id_columns, (e->model->n_id_columns + 1) * sizeof *ids);
            if (!ids)
                return nomem(e);
            e->model->id_columns = ids;
            if (!(ids[e->model->n_id_columns++] = ls_strdup(name)))
                return nomem(e);
            continue;
        }
        if (col == tcol || (weights && strcmp(name, weights) == 0) || type == LS_TYPE_IGNORE ||
            excluded(e, name) || (sc && sc->use == LS_USE_NO) ||
            (e->spec && e->spec->only_listed && !sc))
            continue;
        if (is_constant(t, col)) {
            st = ls_report_note(e->report, "%s: left out: the column is constant", name);
            continue;
        }
        size_t rare = type == LS_TYPE_BOOLEAN ? rare_boolean_rows(e, col, sc) : 0;
        if (rare) {
            st = ls_report_note(e->report,
                                "%s: left out: only %zu leads have the rarer value (pooling "
                                "threshold %ld)",
                                name, rare, pool_threshold(e, sc));
            continue;
        }
        st = encode_column(e, col);
    }
    return st;
}

static ls_status copy_missing_tokens(encoder *e)
{
    size_t n = 0;
    const char *const *tokens = e->spec ? ls_spec_missing_tokens(e->spec, &n) : NULL;
    static const char *const empty[] = {""};
    if (!tokens) {
        tokens = empty;
        n = 1;
    }
    e->model->missing_tokens = calloc(n, sizeof *e->model->missing_tokens);
    if (!e->model->missing_tokens)
        return nomem(e);
    for (size_t i = 0; i < n; i++)
        if (!(e->model->missing_tokens[e->model->n_missing_tokens++] = ls_strdup(tokens[i])))
            return nomem(e);
    return LS_OK;
}

/* Criteria, terms and groups: everything but the rows' values. */
static ls_status encode_common(const ls_table *table, const ls_spec *spec,
                               const ls_train_options *opts, ls_model *model, ls_design *d,
                               ls_train_report *report, ls_error *err)
{
    memset(d, 0, sizeof *d);
    encoder e = {table, spec, opts, model, d, report, err, 0, 0};
    const char *target = opts->target ? opts->target : spec ? spec->target : NULL;
    const char *positive = opts->positive ? opts->positive : spec ? spec->positive : NULL;
    const char *weights = opts->weights ? opts->weights : spec ? spec->weights : NULL;
    if (!target)
        return ls_fail(err, LS_ERR_USAGE,
                       "no target column: give --target or 'target' in the spec");
    size_t tcol = ls_table_find_column(table, target);
    if (tcol == (size_t)-1)
        return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(table), 1, 0, target,
                          "the target column is not in the header");
    ls_status st = ls_check_exclusions(table, spec, opts->exclude, opts->n_exclude, err);
    if (st != LS_OK)
        return st;
    d->n = ls_table_rows(table);
    if (d->n == 0)
        return ls_fail_at(err, LS_ERR_DATA, ls_table_source(table), 0, 0, NULL,
                          "the file has a header but no rows");
    d->spool = ls_table_spool(table);
    d->y = ls_big_alloc(d->spool, d->n * sizeof *d->y);
    model->target = ls_strdup(target);
    if (!d->y || !model->target || !ls_model_add_term(model, "(intercept)", -1))
        return nomem(&e);
    st = encode_target(&e, tcol, positive);
    if (st == LS_OK && positive && !(model->positive = ls_strdup(positive)))
        st = nomem(&e);
    if (st == LS_OK && weights)
        st = encode_weights(&e, weights);
    if (st == LS_OK && opts->row_weights)
        st = apply_row_weights(&e, opts->row_weights);
    if (st == LS_OK)
        st = copy_missing_tokens(&e);
    if (st == LS_OK)
        st = choose_and_encode(&e, tcol, weights);
    if (st == LS_OK) {
        d->names = calloc(d->p + 1, sizeof *d->names);
        if (!d->names)
            st = nomem(&e);
        for (size_t j = 0; st == LS_OK && j < d->p; j++)
            d->names[j] = model->terms[j + 1].name;
    }
    return st;
}

ls_status ls_encode(const ls_table *table, const ls_spec *spec, const ls_train_options *opts,
                    ls_model *model, ls_design *d, ls_train_report *report, ls_error *err)
{
    ls_status st = encode_common(table, spec, opts, model, d, report, err);
    if (st != LS_OK)
        return st;
    size_t n = d->n;
    d->X = calloc(n * (d->p ? d->p : 1), sizeof *d->X);
    if (!d->X)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t g = 0; g < d->n_groups; g++) {
        const ls_design_group *gr = &d->groups[g];
        size_t nl = gr->n_levels - 1;
        for (size_t i = 0; i < n; i++) {
            uint32_t code = ls_table_code(table, gr->column, i);
            size_t l = code == LS_MISSING_CODE ? nl : code;
            if (gr->term[l] >= 0)
                d->X[(size_t)gr->term[l] * n + i] = gr->value[l];
        }
    }
    return LS_OK;
}

ls_status ls_encode_grouped(const ls_table *table, const ls_spec *spec,
                            const ls_train_options *opts, ls_model *model, ls_design *d,
                            ls_train_report *report, ls_error *err)
{
    ls_status st = encode_common(table, spec, opts, model, d, report, err);
    if (st != LS_OK)
        return st;
    size_t ng = d->n_groups, width = ng ? ng : 1;
    d->codes = malloc(width * sizeof *d->codes);
    d->view_levels = malloc(width * sizeof *d->view_levels);
    d->view_term = malloc(width * sizeof *d->view_term);
    d->view_value = malloc(width * sizeof *d->view_value);
    if (!d->codes || !d->view_levels || !d->view_term || !d->view_value)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t g = 0; g < ng; g++) {
        const ls_design_group *gr = &d->groups[g];
        logit_codes *c = &d->codes[g];
        c->data = ls_table_raw_codes(table, gr->column, &c->width, &c->missing);
        d->view_levels[g] = gr->n_levels;
        d->view_term[g] = gr->term;
        d->view_value[g] = gr->value;
    }
    d->view = (logit_groups){ng, d->view_levels, d->view_term, d->view_value, d->codes, d->spool};
    return LS_OK;
}

ls_status ls_design_fit(const ls_design *d, const ls_fit_options *opts, ls_fit_result *res,
                        ls_error *err)
{
    const char *const *names = (const char *const *)d->names;
    if (d->X || d->p == 0 || !d->n_groups)
        return ls_logit_fit(d->X, d->n, d->p, d->y, d->w, names, opts, res, err);
    return logit_fit_groups(&d->view, d->n, d->p, d->y, d->w, names, opts, res, err);
}
