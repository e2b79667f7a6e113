/* Criteria spec files: INI (parsed by libinih), one [criterion "COLUMN"]
 * section per column that needs more than the defaults.
 *
 *   [leadscore]
 *   target = Converted
 *   positive = 1
 *   id = Prospect ID, Lead Number
 *   missing = "", Select
 *   exclude = Tags, Lead Quality
 *   pool_below = 30
 *   criteria = all            ; or "listed": only columns with a section
 *
 *   [criterion]
 *   column = Company Size
 *   type = numeric
 *   bands = 1-10, 11-100, 101-500, 501+
 *   transform = log1p
 *   cap = 0, 5000
 *   reference = 11-100
 *   label = Company size
 *   use = yes                 ; no = leave out, force = keep in selection
 *
 * Lists are comma separated; double quotes keep commas and the empty string
 * (""). A long list continues on indented lines. Lines are limited to 199
 * characters (libinih's buffer), which we check first so nothing is cut.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "spec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error_internal.h"
#include "ini_util.h"
#include "text.h"

typedef struct {
    ls_spec *spec;
    ls_ini_error e;
} parse_ctx;

/* A value listed twice is refused here rather than when the model is saved
 * (the model file holds each ID column and missing token once). */
static int once_each(parse_ctx *ctx, const char *key, char **items, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(items[i], items[j]) == 0)
                return ls_ini_fail(&ctx->e, "[leadscore] %s: '%s' is listed twice", key, items[i]);
    return 1;
}

static int parse_yes_no(const char *v, int *out)
{
    if (strcasecmp(v, "listed") == 0 || strcasecmp(v, "all") == 0) {
        *out = strcasecmp(v, "listed") == 0;
        return 1;
    }
    return ls_parse_bool(v, out);
}

static int parse_separator(const char *v, char *out)
{
    static const struct {
        const char *name;
        char c;
    } names[] = {{",", ','},    {"comma", ','}, {"semicolon", ';'}, {"tab", '\t'},
                 {"\\t", '\t'}, {"|", '|'},     {"pipe", '|'}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(v, names[i].name) == 0) {
            *out = names[i].c;
            return 1;
        }
    return 0;
}

static int parse_count(const char *v, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0)
        return 0;
    *out = n;
    return 1;
}

static int global_key(parse_ctx *ctx, const char *name, const char *value)
{
    ls_spec *s = ctx->spec;
    char **slot = NULL;
    if (strcmp(name, "target") == 0)
        slot = &s->target;
    else if (strcmp(name, "positive") == 0)
        slot = &s->positive;
    else if (strcmp(name, "weights") == 0)
        slot = &s->weights;
    if (slot) {
        free(*slot);
        *slot = ls_strdup(value);
        return *slot != NULL;
    }
    if (strcmp(name, "id") == 0)
        return (ls_ini_split_list(value, &s->ids, &s->n_ids) ||
                ls_ini_fail(&ctx->e, "[leadscore] %s: malformed list '%s'", name, value)) &&
               once_each(ctx, name, s->ids, s->n_ids);
    if (strcmp(name, "exclude") == 0)
        return ls_ini_split_list(value, &s->exclude, &s->n_exclude) ||
               ls_ini_fail(&ctx->e, "[leadscore] %s: malformed list '%s'", name, value);
    if (strcmp(name, "missing") == 0) {
        s->has_missing = 1;
        return (ls_ini_split_list(value, &s->missing, &s->n_missing) ||
                ls_ini_fail(&ctx->e, "[leadscore] %s: malformed list '%s'", name, value)) &&
               once_each(ctx, name, s->missing, s->n_missing);
    }
    if (strcmp(name, "separator") == 0)
        return parse_separator(value, &s->separator) ||
               ls_ini_fail(&ctx->e,
                           "[leadscore] %s: '%s' is not one of comma, semicolon, tab, pipe", name,
                           value);
    if (strcmp(name, "criteria") == 0)
        return parse_yes_no(value, &s->only_listed) ||
               ls_ini_fail(&ctx->e, "[leadscore] %s: '%s' is not 'all' or 'listed'", name, value);
    if (strcmp(name, "pool_below") == 0)
        return parse_count(value, &s->pool_below) ||
               ls_ini_fail(&ctx->e, "[leadscore] %s: '%s' is not a whole number", name, value);
    return ls_ini_fail(&ctx->e, "[leadscore]: unknown key '%s'", name);
}

/* The leading number of a band label: "1-10" → 1, "501+" → 501,
 * "2.5-5" → 2.5, "-5-0" → -5; "<10" or "..10" → -inf (open below). */
static int band_lower_bound(const char *label, double *lo)
{
    if (label[0] == '<' || strncmp(label, "..", 2) == 0) {
        *lo = -INFINITY;
        return 1;
    }
    char buf[64];
    size_t i = label[0] == '-' ? 1 : 0;
    while ((label[i] >= '0' && label[i] <= '9') || label[i] == '.')
        i++;
    if (i >= sizeof buf)
        return 0;
    memcpy(buf, label, i);
    buf[i] = '\0';
    return ls_parse_number(buf, lo) == LS_NUM_OK;
}

static int set_bands(parse_ctx *ctx, ls_spec_criterion *c, const char *value)
{
    if (!ls_ini_split_list(value, &c->bands, &c->n_bands))
        return ls_ini_fail(&ctx->e, "criterion '%s': bands: malformed list '%s'", c->column, value);
    if (c->n_bands == 0)
        return ls_ini_fail(&ctx->e, "criterion '%s': bands: the list is empty", c->column);
    /* never realloc to 0 bytes: that frees and would leave band_lo dangling */
    double *lo = realloc(c->band_lo, c->n_bands * sizeof *lo);
    if (!lo)
        return ls_ini_fail(&ctx->e, "out of memory");
    c->band_lo = lo;
    for (size_t k = 0; k < c->n_bands; k++) {
        if (!band_lower_bound(c->bands[k], &lo[k]))
            return ls_ini_fail(&ctx->e,
                               "criterion '%s': band '%s' does not start with a number "
                               "(write bands as 1-10, 11-100, 101+)",
                               c->column, c->bands[k]);
        if (k > 0 && !(lo[k] > lo[k - 1]))
            return ls_ini_fail(&ctx->e,
                               "criterion '%s': band '%s' must start above the previous band",
                               c->column, c->bands[k]);
    }
    return 1;
}

static int set_cap(parse_ctx *ctx, ls_spec_criterion *c, const char *value)
{
    char **parts = NULL;
    size_t n = 0;
    int ok = ls_ini_split_list(value, &parts, &n) && (n == 1 || n == 2);
    double a = NAN, b = NAN;
    if (ok && n == 1)
        ok = ls_parse_number(parts[0], &b) == LS_NUM_OK;
    if (ok && n == 2)
        ok = ls_parse_number(parts[0], &a) == LS_NUM_OK &&
             ls_parse_number(parts[1], &b) == LS_NUM_OK && a < b;
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
    if (!ok)
        return ls_ini_fail(&ctx->e, "criterion '%s': cap: expected 'MAX' or 'MIN, MAX', not '%s'",
                           c->column, value);
    c->cap_lo = a;
    c->cap_hi = b;
    return 1;
}

/* One `merge = A, B, ...` line: a group of at least two levels, none of
 * them in another group of the criterion. */
static int add_merge(parse_ctx *ctx, ls_spec_criterion *c, const char *value)
{
    char **items = NULL;
    size_t n = 0;
    if (!ls_ini_split_list(value, &items, &n)) {
        ls_ini_free_list(items, n);
        return ls_ini_fail(&ctx->e, "criterion '%s': merge: malformed list '%s'", c->column, value);
    }
    const char *twice = NULL;
    for (size_t i = 0; i < n && !twice; i++) {
        for (size_t k = 0; k < i && !twice; k++)
            if (strcmp(items[k], items[i]) == 0)
                twice = items[i];
        for (size_t g = 0; g < c->n_merges && !twice; g++)
            for (size_t k = 0; k < c->merge_sizes[g] && !twice; k++)
                if (strcmp(c->merges[g][k], items[i]) == 0)
                    twice = items[i];
    }
    if (n < 2) {
        ls_ini_fail(&ctx->e,
                    "criterion '%s': merge: list at least two levels, not '%s' (each group is "
                    "one line: an indented line would start another group)",
                    c->column, value);
    } else if (twice) {
        ls_ini_fail(&ctx->e, "criterion '%s': merge: level '%s' is in more than one group",
                    c->column, twice);
    } else {
        char ***groups = realloc(c->merges, (c->n_merges + 1) * sizeof *groups);
        if (groups)
            c->merges = groups;
        size_t *sizes = groups ? realloc(c->merge_sizes, (c->n_merges + 1) * sizeof *sizes) : NULL;
        if (sizes)
            c->merge_sizes = sizes;
        if (groups && sizes) {
            c->merges[c->n_merges] = items;
            c->merge_sizes[c->n_merges++] = n;
            return 1;
        }
        ls_ini_fail(&ctx->e, "out of memory");
    }
    ls_ini_free_list(items, n);
    return 0;
}

static int criterion_key(parse_ctx *ctx, ls_spec_criterion *c, const char *name, const char *value)
{
    if (strcmp(name, "type") == 0)
        return ls_column_type_parse(value, &c->type) ||
               ls_ini_fail(&ctx->e, "criterion '%s': unknown type '%s'", c->column, value);
    if (strcmp(name, "label") == 0 || strcmp(name, "reference") == 0) {
        char **slot = strcmp(name, "label") == 0 ? &c->label : &c->reference;
        free(*slot);
        *slot = ls_strdup(value);
        return *slot != NULL;
    }
    if (strcmp(name, "missing") == 0)
        return ls_ini_split_list(value, &c->missing, &c->n_missing) ||
               ls_ini_fail(&ctx->e, "criterion '%s': missing: malformed list '%s'", c->column,
                           value);
    if (strcmp(name, "transform") == 0) {
        if (strcmp(value, "log1p") == 0 || strcmp(value, "none") == 0) {
            c->log1p = strcmp(value, "log1p") == 0;
            return 1;
        }
        return ls_ini_fail(&ctx->e, "criterion '%s': transform '%s' is not log1p or none",
                           c->column, value);
    }
    if (strcmp(name, "cap") == 0)
        return set_cap(ctx, c, value);
    if (strcmp(name, "bands") == 0)
        return set_bands(ctx, c, value);
    if (strcmp(name, "merge") == 0)
        return add_merge(ctx, c, value);
    if (strcmp(name, "pool_below") == 0)
        return parse_count(value, &c->pool_below) ||
               ls_ini_fail(&ctx->e, "criterion '%s': pool_below: '%s' is not a whole number",
                           c->column, value);
    if (strcmp(name, "use") == 0) {
        int b;
        if (strcasecmp(value, "force") == 0)
            c->use = LS_USE_FORCE;
        else if (ls_parse_bool(value, &b))
            c->use = b ? LS_USE_YES : LS_USE_NO;
        else
            return ls_ini_fail(&ctx->e, "criterion '%s': use: '%s' is not yes, no or force",
                               c->column, value);
        return 1;
    }
    return ls_ini_fail(&ctx->e, "criterion '%s': unknown key '%s'", c->column, name);
}

static ls_spec_criterion *new_criterion(ls_spec *s, const char *column)
{
    ls_spec_criterion *grown = realloc(s->criteria, (s->n_criteria + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    s->criteria = grown;
    ls_spec_criterion *c = &grown[s->n_criteria];
    memset(c, 0, sizeof *c);
    c->column = ls_strdup(column);
    if (!c->column)
        return NULL;
    c->cap_lo = c->cap_hi = NAN;
    c->pool_below = -1;
    s->n_criteria++;
    return c;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    parse_ctx *ctx = user;
    ls_spec *s = ctx->spec;
    if (ctx->e.failed)
        return 0;
    if (strcmp(section, "leadscore") == 0 || section[0] == '\0')
        return global_key(ctx, name, value);
    if (strcmp(section, "feature") == 0 || strcmp(section, "events") == 0)
        return 1; /* product-usage features: read by the events module (features.h) */
    if (strcmp(section, "criterion") != 0)
        return ls_ini_fail(&ctx->e, "unknown section [%s]: expected [leadscore] or [criterion]",
                           section);
    /* libinih truncates section names to 50 bytes, too short for real
     * headers, so each criterion starts with a `column = NAME` key. */
    if (strcmp(name, "column") == 0) {
        if (ls_spec_find(s, value))
            return ls_ini_fail(&ctx->e, "criterion '%s' is described twice", value);
        return new_criterion(s, value) != NULL || ls_ini_fail(&ctx->e, "out of memory");
    }
    if (s->n_criteria == 0)
        return ls_ini_fail(&ctx->e, "[criterion]: start with 'column = NAME' before '%s'", name);
    return criterion_key(ctx, &s->criteria[s->n_criteria - 1], name, value);
}

static ls_status flatten_types(ls_spec *s, ls_error *err)
{
    s->type_names = calloc(s->n_criteria + 1, sizeof *s->type_names);
    s->types = calloc(s->n_criteria + 1, sizeof *s->types);
    if (!s->type_names || !s->types)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->n_criteria; i++) {
        ls_spec_criterion *c = &s->criteria[i];
        ls_column_type t = c->type;
        if (t == LS_TYPE_AUTO && (c->n_bands || c->log1p || !isnan(c->cap_hi)))
            t = LS_TYPE_NUMERIC; /* bands and transforms only make sense on numbers */
        if (t == LS_TYPE_AUTO)
            continue;
        s->type_names[s->n_types] = c->column;
        s->types[s->n_types++] = t;
    }
    return LS_OK;
}

ls_status ls_spec_parse(const char *text, const char *name, ls_spec **out, ls_error *err)
{
    *out = NULL;
    ls_spec *s = calloc(1, sizeof *s);
    if (!s || !(s->name = ls_strdup(name))) {
        free(s);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    s->pool_below = -1;
    parse_ctx ctx = {.spec = s};
    ls_status st = ls_ini_parse(text, name, on_entry, &ctx, &ctx.e, err);
    if (st == LS_OK)
        st = flatten_types(s, err);
    if (st != LS_OK) {
        ls_spec_free(s);
        return st;
    }
    *out = s;
    return LS_OK;
}

ls_status ls_spec_load(const char *path, ls_spec **out, ls_error *err)
{
    *out = NULL;
    char *text;
    ls_status st = ls_ini_read_file(path, "criteria spec", &text, err);
    if (st != LS_OK)
        return st;
    st = ls_spec_parse(text, path, out, err);
    free(text);
    return st;
}

void ls_spec_free(ls_spec *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_criteria; i++) {
        ls_spec_criterion *c = &s->criteria[i];
        free(c->column);
        free(c->label);
        free(c->reference);
        ls_ini_free_list(c->missing, c->n_missing);
        ls_ini_free_list(c->bands, c->n_bands);
        free(c->band_lo);
        for (size_t g = 0; g < c->n_merges; g++)
            ls_ini_free_list(c->merges[g], c->merge_sizes[g]);
        free(c->merges);
        free(c->merge_sizes);
    }
    free(s->criteria);
    ls_ini_free_list(s->ids, s->n_ids);
    ls_ini_free_list(s->missing, s->n_missing);
    ls_ini_free_list(s->exclude, s->n_exclude);
    free(s->type_names);
    free(s->types);
    free(s->target);
    free(s->positive);
    free(s->weights);
    free(s->name);
    free(s);
}

const ls_spec_criterion *ls_spec_find(const ls_spec *s, const char *column)
{
    for (size_t i = 0; s && i < s->n_criteria; i++)
        if (strcmp(s->criteria[i].column, column) == 0)
            return &s->criteria[i];
    return NULL;
}

const char *const *ls_spec_missing_tokens(const ls_spec *s, size_t *n)
{
    *n = s->has_missing ? s->n_missing : 0;
    return s->has_missing ? (const char *const *)s->missing : NULL;
}

char ls_spec_separator(const ls_spec *s)
{
    return s->separator;
}

size_t ls_spec_type_overrides(const ls_spec *s, const char *const **names,
                              const ls_column_type **types)
{
    *names = (const char *const *)s->type_names;
    *types = s->types;
    return s->n_types;
}

const char *ls_spec_target(const ls_spec *s)
{
    return s->target;
}

const char *ls_spec_positive(const ls_spec *s)
{
    return s->positive;
}
