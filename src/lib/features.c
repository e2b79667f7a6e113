/* Product-usage features: definitions from the spec, and their values per
 * lead as of a snapshot, derived in one streaming pass over the events.
 *
 * Spec syntax (INI, read with libinih like the rest of the criteria spec;
 * every [feature] section starts with `name =`, because libinih cuts section
 * names at 50 bytes):
 *
 *   [events]
 *   lead_column = lead_id        ; the events file's columns (these defaults)
 *   event_column = event
 *   time_column = timestamp
 *   value_column = value         ; optional in the file
 *   separator = comma            ; default: detected
 *   leads_id = lead_id           ; the leads file's id column (default: lead_column)
 *   label_date = label_date      ; per-lead snapshot column for training (or --label-date)
 *
 *   [feature]
 *   name = sessions              ; output column (NAME_7d ... when several windows)
 *   kind = count                 ; count sum mean distinct recency active_days trend
 *                                ; decayed_count decayed_sum
 *   events = session_start       ; event names (list); default: every event
 *   prefix = feature_            ; also names starting with these (list)
 *   window = 7d, 30d, 90d        ; whole days; default: all history (count sum mean
 *                                ; distinct); required for active_days
 *   half_life = 7d               ; decayed_*: exponential, weight 2^(-age/half_life)
 *   lifespan = 30d               ; decayed_*: linear, weight 1 - k/lifespan on day k
 *   cap = 365d                   ; recency: the value when never seen, and the maximum
 *   recent = 7d                  ; trend: count(recent) - count(baseline)·recent/baseline
 *   baseline = 21d
 *
 * Values as of a snapshot S use events strictly before S. Window and linear
 * decay use whole days k counted back from S (see leadscore/events.h);
 * exponential decay and recency use the exact age S - t in days. Events
 * without a value are left out of sum, mean and decayed_sum. A lead without
 * events gets 0 everywhere, except recency, which gets its cap.
 *
 * Memory is per lead and feature (a few doubles, a bitmap of window days for
 * active_days, and 4 bytes per distinct event name for distinct), never per
 * event.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* uselocale for the rare %.17g fallback */
#include "features_internal.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error_internal.h"
#include "ini_util.h"
#include "leadscore/csv.h"
#include "leadscore/output.h"
#include "text.h"

#define MAX_WINDOW_DAYS 3660u
#define MAX_PARAMS 64

/* ---- parsing ------------------------------------------------------------------ */

static const struct {
    const char *name;
    ls_feature_kind kind;
} kind_names[] = {
    {"count", LS_FEAT_COUNT},
    {"sum", LS_FEAT_SUM},
    {"mean", LS_FEAT_MEAN},
    {"distinct", LS_FEAT_DISTINCT},
    {"recency", LS_FEAT_RECENCY},
    {"active_days", LS_FEAT_ACTIVE_DAYS},
    {"trend", LS_FEAT_TREND},
    {"decayed_count", LS_FEAT_DECAYED_COUNT},
    {"decayed_sum", LS_FEAT_DECAYED_SUM},
};

static const char *kind_name(ls_feature_kind k)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (kind_names[i].kind == k)
            return kind_names[i].name;
    return "?";
}

int ls_feature_is_kind_value(ls_feature_kind k)
{
    return k == LS_FEAT_SUM || k == LS_FEAT_MEAN || k == LS_FEAT_DECAYED_SUM;
}

typedef struct {
    ls_features *f;
    ls_ini_error e;
} parse_ctx;

static int set_string(char **slot, const char *value)
{
    free(*slot);
    *slot = ls_strdup(value);
    return *slot != NULL;
}

static int events_key(parse_ctx *ctx, const char *name, const char *value)
{
    ls_features *f = ctx->f;
    static const char *const keys[] = {"lead_column",  "event_column", "time_column",
                                       "value_column", "leads_id",     "label_date"};
    char **slots[] = {&f->lead_column,  &f->event_column, &f->time_column,
                      &f->value_column, &f->leads_id,     &f->label_date};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(name, keys[i]) == 0)
            return set_string(slots[i], value) || ls_ini_fail(&ctx->e, "out of memory");
    if (strcmp(name, "separator") == 0) {
        static const struct {
            const char *name;
            char c;
        } seps[] = {{",", ','},    {"comma", ','}, {"semicolon", ';'}, {";", ';'},
                    {"tab", '\t'}, {"|", '|'},     {"pipe", '|'}};
        for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++)
            if (strcasecmp(value, seps[i].name) == 0) {
                f->events.separator = seps[i].c;
                return 1;
            }
        return ls_ini_fail(&ctx->e, "[events] separator: '%s' is not comma, semicolon, tab or pipe",
                           value);
    }
    return ls_ini_fail(&ctx->e, "[events]: unknown key '%s'", name);
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

static int add_param(parse_ctx *ctx, ls_feature_def *d, double days)
{
    if (d->n_params >= MAX_PARAMS)
        return ls_ini_fail(&ctx->e, "feature '%s': more than %d values", d->name, MAX_PARAMS);
    for (size_t i = 0; i < d->n_params; i++)
        if (d->params[i] == days)
            return ls_ini_fail(&ctx->e, "feature '%s': %g days is listed twice", d->name, days);
    double *grown = realloc(d->params, (d->n_params + 1) * sizeof *grown);
    if (!grown)
        return ls_ini_fail(&ctx->e, "out of memory");
    d->params = grown;
    grown[d->n_params++] = days;
    return 1;
}

/* Parses a list of durations into days; whole days only when whole is set. */
static int parse_days_list(parse_ctx *ctx, ls_feature_def *d, const char *key, const char *value,
                           int whole)
{
    char **items = NULL;
    size_t n = 0;
    int ok = ls_ini_split_list(value, &items, &n);
    if (!ok)
        ls_ini_fail(&ctx->e, "feature '%s': %s: malformed list '%s'", d->name, key, value);
    for (size_t i = 0; ok && i < n; i++) {
        int64_t us;
        if (!ls_duration_parse(items[i], &us)) {
            ok = ls_ini_fail(&ctx->e, "feature '%s': %s: '%s' is not a duration (e.g. 7d, 12h, 2w)",
                             d->name, key, items[i]);
            break;
        }
        if (whole && (us % LS_TIME_DAY != 0 || us / LS_TIME_DAY > MAX_WINDOW_DAYS)) {
            ok = ls_ini_fail(&ctx->e,
                             "feature '%s': %s: '%s' must be a whole number of days up to %u",
                             d->name, key, items[i], MAX_WINDOW_DAYS);
            break;
        }
        ok = add_param(ctx, d, (double)us / (double)LS_TIME_DAY);
    }
    ls_ini_free_list(items, n);
    return ok;
}

static int parse_one_duration(parse_ctx *ctx, ls_feature_def *d, const char *key, const char *value,
                              int whole, double *days)
{
    int64_t us;
    if (!ls_duration_parse(value, &us))
        return ls_ini_fail(&ctx->e, "feature '%s': %s: '%s' is not a duration (e.g. 7d, 12h, 2w)",
                           d->name, key, value);
    if (whole && (us % LS_TIME_DAY != 0 || us / LS_TIME_DAY > MAX_WINDOW_DAYS))
        return ls_ini_fail(&ctx->e,
                           "feature '%s': %s: '%s' must be a whole number of days up to %u",
                           d->name, key, value, MAX_WINDOW_DAYS);
    *days = (double)us / (double)LS_TIME_DAY;
    return 1;
}

static int feature_key(parse_ctx *ctx, ls_feature_def *d, const char *name, const char *value)
{
    if (strcmp(name, "kind") == 0) {
        for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
            if (strcmp(value, kind_names[i].name) == 0) {
                d->kind = kind_names[i].kind;
                d->kind_set = 1;
                return 1;
            }
        return ls_ini_fail(&ctx->e,
                           "feature '%s': unknown kind '%s' (count, sum, mean, distinct, recency, "
                           "active_days, trend, decayed_count, decayed_sum)",
                           d->name, value);
    }
    if (strcmp(name, "events") == 0)
        return ls_ini_split_list(value, &d->events, &d->n_events) ||
               ls_ini_fail(&ctx->e, "feature '%s': events: malformed list '%s'", d->name, value);
    if (strcmp(name, "prefix") == 0)
        return ls_ini_split_list(value, &d->prefixes, &d->n_prefixes) ||
               ls_ini_fail(&ctx->e, "feature '%s': prefix: malformed list '%s'", d->name, value);
    if (strcmp(name, "window") == 0 || strcmp(name, "lifespan") == 0) {
        if (strcmp(name, "lifespan") == 0) {
            if (d->decay == LS_DECAY_EXP)
                return ls_ini_fail(&ctx->e, "feature '%s': give half_life or lifespan, not both",
                                   d->name);
            d->decay = LS_DECAY_LINEAR;
        }
        return parse_days_list(ctx, d, name, value, 1);
    }
    if (strcmp(name, "half_life") == 0) {
        if (d->decay == LS_DECAY_LINEAR)
            return ls_ini_fail(&ctx->e, "feature '%s': give half_life or lifespan, not both",
                               d->name);
        d->decay = LS_DECAY_EXP;
        return parse_days_list(ctx, d, name, value, 0);
    }
    if (strcmp(name, "cap") == 0)
        return parse_one_duration(ctx, d, name, value, 0, &d->cap);
    if (strcmp(name, "recent") == 0 || strcmp(name, "baseline") == 0) {
        double days = 0;
        if (!parse_one_duration(ctx, d, name, value, 1, &days))
            return 0;
        *(strcmp(name, "recent") == 0 ? &d->recent : &d->baseline) = (uint32_t)days;
        return 1;
    }
    return ls_ini_fail(&ctx->e, "feature '%s': unknown key '%s'", d->name, name);
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    parse_ctx *ctx = user;
    ls_features *f = ctx->f;
    if (ctx->e.failed)
        return 0;
    if (strcmp(section, "events") == 0)
        return events_key(ctx, name, value);
    if (strcmp(section, "feature") != 0)
        return 1; /* [leadscore] and [criterion] belong to ls_spec_load */
    if (strcmp(name, "name") == 0) {
        if (!valid_name(value))
            return ls_ini_fail(
                &ctx->e, "feature name '%s': use letters, digits, '_', '-' and '.' only", value);
        for (size_t i = 0; i < f->n_defs; i++)
            if (strcmp(f->defs[i].name, value) == 0)
                return ls_ini_fail(&ctx->e, "feature '%s' is defined twice", value);
        ls_feature_def *grown = realloc(f->defs, (f->n_defs + 1) * sizeof *grown);
        if (!grown)
            return ls_ini_fail(&ctx->e, "out of memory");
        f->defs = grown;
        ls_feature_def *d = &grown[f->n_defs++];
        memset(d, 0, sizeof *d);
        d->cap = 365;
        d->recent = 7;
        d->baseline = 21;
        d->name = ls_strdup(value);
        return d->name != NULL || ls_ini_fail(&ctx->e, "out of memory");
    }
    if (f->n_defs == 0)
        return ls_ini_fail(&ctx->e, "[feature]: start with 'name = NAME' before '%s'", name);
    return feature_key(ctx, &f->defs[f->n_defs - 1], name, value);
}

/* Lines on which [feature] sections start, for messages about a whole section. */
static size_t section_lines(const char *text, size_t *lines, size_t max)
{
    size_t n = 0, line = 1;
    const char *p = text;
    while (*p) {
        const char *q = p;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q == '[') {
            q++;
            while (*q == ' ')
                q++;
            if (strncmp(q, "feature", 7) == 0) {
                const char *r = q + 7;
                while (*r == ' ')
                    r++;
                if (*r == ']' && n < max)
                    lines[n] = line;
                if (*r == ']')
                    n++;
            }
        }
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        p = nl + 1;
        line++;
    }
    return n;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Checks a def once its section is complete; returns a message or NULL. */
static const char *check_def(ls_feature_def *d, char *buf, size_t size)
{
    if (!d->kind_set) {
        snprintf(buf, size, "feature '%s': kind is required", d->name);
        return buf;
    }
    int decayed = d->kind == LS_FEAT_DECAYED_COUNT || d->kind == LS_FEAT_DECAYED_SUM;
    int windowed = d->kind == LS_FEAT_COUNT || d->kind == LS_FEAT_SUM || d->kind == LS_FEAT_MEAN ||
                   d->kind == LS_FEAT_DISTINCT || d->kind == LS_FEAT_ACTIVE_DAYS;
    if (decayed && d->decay == LS_DECAY_NONE) {
        snprintf(buf, size, "feature '%s': %s needs half_life or lifespan", d->name,
                 kind_name(d->kind));
        return buf;
    }
    if (!decayed && d->decay != LS_DECAY_NONE) {
        snprintf(buf, size,
                 "feature '%s': half_life and lifespan apply to decayed_count and "
                 "decayed_sum only",
                 d->name);
        return buf;
    }
    if (!decayed && !windowed && d->n_params) {
        snprintf(buf, size, "feature '%s': window does not apply to %s", d->name,
                 kind_name(d->kind));
        return buf;
    }
    if (d->kind == LS_FEAT_ACTIVE_DAYS && d->n_params == 0) {
        snprintf(buf, size, "feature '%s': active_days needs a window (e.g. window = 30d)",
                 d->name);
        return buf;
    }
    if (!(d->cap > 0)) {
        snprintf(buf, size, "feature '%s': cap must be positive", d->name);
        return buf;
    }
    if (d->recent == 0 || d->baseline == 0 || d->recent + d->baseline > MAX_WINDOW_DAYS) {
        snprintf(buf, size, "feature '%s': recent and baseline must be whole days", d->name);
        return buf;
    }
    if (d->n_params > 1)
        qsort(d->params, d->n_params, sizeof *d->params, by_double);
    d->max_days = 0;
    if (d->kind == LS_FEAT_TREND)
        d->max_days = d->recent + d->baseline;
    else if (windowed || d->decay == LS_DECAY_LINEAR)
        d->max_days = d->n_params ? (uint32_t)d->params[d->n_params - 1] : 0;
    return NULL;
}

/* "7d", "0.5d": the suffix of an output column for a param. */
static void param_suffix(double days, char *buf, size_t size)
{
    char num[32];
    ls_feature_format(days, num);
    snprintf(buf, size, "%sd", num);
}

static ls_status build_outputs(ls_features *f, ls_error *err)
{
    for (size_t i = 0; i < f->n_outputs; i++)
        free(f->outputs[i]);
    free(f->outputs);
    free(f->output_def);
    free(f->output_param);
    f->outputs = NULL;
    f->output_def = f->output_param = NULL;
    f->n_outputs = 0;
    size_t total = 0;
    for (size_t i = 0; i < f->n_defs; i++)
        total += f->defs[i].n_params > 1 ? f->defs[i].n_params : 1;
    f->outputs = calloc(total, sizeof *f->outputs);
    f->output_def = calloc(total, sizeof *f->output_def);
    f->output_param = calloc(total, sizeof *f->output_param);
    if (!f->outputs || !f->output_def || !f->output_param)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < f->n_defs; i++) {
        ls_feature_def *d = &f->defs[i];
        d->first_output = f->n_outputs;
        d->n_outputs = d->n_params > 1 ? d->n_params : 1;
        for (size_t k = 0; k < d->n_outputs; k++) {
            char name[300], suffix[40];
            if (d->n_params > 1) {
                param_suffix(d->params[k], suffix, sizeof suffix);
                snprintf(name, sizeof name, "%s_%s", d->name, suffix);
            } else {
                snprintf(name, sizeof name, "%s", d->name);
            }
            for (size_t j = 0; j < f->n_outputs; j++)
                if (strcmp(f->outputs[j], name) == 0)
                    return ls_fail_at(err, LS_ERR_PARSE, f->source, d->line, 0, NULL,
                                      "feature column '%s' is produced twice", name);
            if (!(f->outputs[f->n_outputs] = ls_strdup(name)))
                return ls_fail(err, LS_ERR_NOMEM, "out of memory");
            f->output_def[f->n_outputs] = i;
            f->output_param[f->n_outputs] = k;
            f->n_outputs++;
        }
    }
    return LS_OK;
}

ls_status ls_features_parse(const char *text, const char *name, ls_features **out, ls_error *err)
{
    *out = NULL;
    ls_features *f = calloc(1, sizeof *f);
    if (!f || !(f->source = ls_strdup(name)) || !(f->text = ls_strdup(text))) {
        ls_features_free(f);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    ls_events_options_init(&f->events);
    parse_ctx ctx = {.f = f};
    size_t lines[4096];
    size_t n_lines = section_lines(text, lines, sizeof lines / sizeof lines[0]);
    ls_status st = ls_ini_parse(text, name, on_entry, &ctx, &ctx.e, err);
    if (st != LS_OK)
        goto fail;
    if (f->n_defs == 0) {
        st = ls_fail_at(err, LS_ERR_USAGE, name, 0, 0, NULL,
                        "the spec defines no [feature] sections");
        goto fail;
    }
    if (n_lines != f->n_defs) {
        st = ls_fail_at(err, LS_ERR_PARSE, name, 0, 0, NULL,
                        "%zu [feature] sections but %zu names: start every [feature] section "
                        "with 'name = NAME'",
                        n_lines, f->n_defs);
        goto fail;
    }
    for (size_t i = 0; i < f->n_defs; i++) {
        char buf[LS_ERROR_MESSAGE_MAX];
        f->defs[i].line = i < sizeof lines / sizeof lines[0] ? lines[i] : 0;
        const char *why = check_def(&f->defs[i], buf, sizeof buf);
        if (why) {
            st = ls_fail_at(err, LS_ERR_PARSE, name, f->defs[i].line, 0, NULL, "%s", why);
            goto fail;
        }
    }
    f->events.lead_column = f->lead_column ? f->lead_column : "lead_id";
    f->events.event_column = f->event_column ? f->event_column : "event";
    f->events.time_column = f->time_column ? f->time_column : "timestamp";
    f->events.value_column = f->value_column ? f->value_column : "value";
    if ((st = build_outputs(f, err)) != LS_OK)
        goto fail;
    *out = f;
    return LS_OK;
fail:
    ls_features_free(f);
    return st;
}

ls_status ls_features_load(const char *path, ls_features **out, ls_error *err)
{
    *out = NULL;
    char *text;
    ls_status st = ls_ini_read_file(path, "criteria spec", &text, err);
    if (st != LS_OK)
        return st;
    st = ls_features_parse(text, path, out, err);
    free(text);
    return st;
}

void ls_features_free(ls_features *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_defs; i++) {
        ls_feature_def *d = &f->defs[i];
        free(d->name);
        ls_ini_free_list(d->events, d->n_events);
        ls_ini_free_list(d->prefixes, d->n_prefixes);
        free(d->params);
    }
    free(f->defs);
    for (size_t i = 0; i < f->n_outputs; i++)
        free(f->outputs[i]);
    free(f->outputs);
    free(f->output_def);
    free(f->output_param);
    free(f->lead_column);
    free(f->event_column);
    free(f->time_column);
    free(f->value_column);
    free(f->leads_id);
    free(f->label_date);
    free(f->source);
    free(f->text);
    free(f);
}

size_t ls_features_count(const ls_features *f)
{
    return f->n_outputs;
}

const char *ls_features_name(const ls_features *f, size_t i)
{
    return i < f->n_outputs ? f->outputs[i] : NULL;
}

const ls_events_options *ls_features_events_options(const ls_features *f)
{
    return &f->events;
}

const char *ls_features_leads_id(const ls_features *f)
{
    return f->leads_id ? f->leads_id : f->events.lead_column;
}

const char *ls_features_label_date(const ls_features *f)
{
    return f->label_date;
}

size_t ls_features_find_def(const ls_features *f, const char *name)
{
    for (size_t i = 0; i < f->n_defs; i++)
        if (strcmp(f->defs[i].name, name) == 0)
            return i;
    return (size_t)-1;
}

ls_status ls_features_with_params(const ls_features *f, size_t def, const double *grid, size_t n,
                                  ls_features **out, ls_error *err)
{
    *out = NULL;
    if (n == 0 || n > 1000)
        return ls_fail(err, LS_ERR_USAGE, "the grid needs 1 to 1000 values");
    ls_features *copy = NULL;
    ls_status st = ls_features_parse(f->text, f->source, &copy, err);
    if (st != LS_OK)
        return st;
    ls_feature_def *d = &copy->defs[def];
    double *params = malloc(n * sizeof *params);
    if (!params) {
        ls_features_free(copy);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        params[i] = d->decay == LS_DECAY_LINEAR ? round(grid[i]) : grid[i];
        if (!(params[i] > 0) || (d->decay == LS_DECAY_LINEAR && params[i] > MAX_WINDOW_DAYS)) {
            /* the message reads d, which lives in copy: format it before freeing */
            st = ls_fail(err, LS_ERR_USAGE, "grid value %g is not a valid %s", grid[i],
                         d->decay == LS_DECAY_LINEAR ? "lifespan (whole days)" : "half-life");
            free(params);
            ls_features_free(copy);
            return st;
        }
    }
    free(d->params);
    d->params = params;
    d->n_params = n;
    qsort(d->params, n, sizeof *d->params, by_double);
    for (size_t i = 1; i < n; i++)
        if (d->params[i] == d->params[i - 1]) {
            st = ls_fail(err, LS_ERR_USAGE, "grid value %g is listed twice", d->params[i]);
            ls_features_free(copy);
            return st;
        }
    if (d->decay == LS_DECAY_LINEAR)
        d->max_days = (uint32_t)d->params[n - 1];
    if ((st = build_outputs(copy, err)) != LS_OK) {
        ls_features_free(copy);
        return st;
    }
    *out = copy;
    return LS_OK;
}

/* ---- value format --------------------------------------------------------------- */

static size_t write_uint(uint64_t v, char *buf)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

size_t ls_feature_format(double x, char *buf)
{
    size_t n = 0;
    if (x == 0 || isnan(x)) {
        buf[0] = '0';
        buf[1] = '\0';
        return 1;
    }
    if (fabs(x) < 9e12) {
        int64_t r = llround(x * 1e6);
        if (r == 0) {
            buf[0] = '0';
            buf[1] = '\0';
            return 1;
        }
        if (r < 0) {
            buf[n++] = '-';
            r = -r;
        }
        n += write_uint((uint64_t)(r / 1000000), buf + n);
        int64_t frac = r % 1000000;
        if (frac) {
            char digits[7];
            for (int i = 5; i >= 0; i--) {
                digits[i] = (char)('0' + frac % 10);
                frac /= 10;
            }
            int last = 5;
            while (digits[last] == '0')
                last--;
            buf[n++] = '.';
            memcpy(buf + n, digits, (size_t)last + 1);
            n += (size_t)last + 1;
        }
        buf[n] = '\0';
        return n;
    }
    locale_t c = ls_c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0;
    int len = snprintf(buf, 32, "%.17g", x);
    if (c)
        uselocale(old);
    return len > 0 ? (size_t)len : 0;
}

/* ---- interned event names ------------------------------------------------------- */

static int def_matches(const ls_feature_def *d, const char *name, size_t len)
{
    if (d->n_events == 0 && d->n_prefixes == 0)
        return 1;
    for (size_t i = 0; i < d->n_events; i++)
        if (strlen(d->events[i]) == len && memcmp(d->events[i], name, len) == 0)
            return 1;
    for (size_t i = 0; i < d->n_prefixes; i++) {
        size_t pl = strlen(d->prefixes[i]);
        if (pl <= len && memcmp(d->prefixes[i], name, pl) == 0)
            return 1;
    }
    return 0;
}

ls_status ls_event_types_init(ls_event_types *t, const ls_features *f, ls_error *err)
{
    memset(t, 0, sizeof *t);
    t->features = f;
    t->mask = 255;
    t->table = calloc(t->mask + 1, sizeof *t->table);
    t->distinct_count = calloc(f->n_defs ? f->n_defs : 1, sizeof *t->distinct_count);
    if (!t->table || !t->distinct_count) {
        ls_event_types_release(t);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    return LS_OK;
}

void ls_event_types_release(ls_event_types *t)
{
    if (!t)
        return;
    ls_ini_free_list(t->names, t->n);
    free(t->table);
    free(t->hashes);
    free(t->match_start);
    free(t->match_count);
    free(t->matches);
    free(t->distinct_count);
    memset(t, 0, sizeof *t);
}

static int types_rehash(ls_event_types *t)
{
    size_t mask = t->mask * 2 + 1;
    uint32_t *table = calloc(mask + 1, sizeof *table);
    if (!table)
        return 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t pos = t->hashes[i] & mask;
        while (table[pos])
            pos = (pos + 1) & mask;
        table[pos] = (uint32_t)i + 1;
    }
    free(t->table);
    t->table = table;
    t->mask = mask;
    return 1;
}

ls_status ls_event_types_get(ls_event_types *t, const char *name, size_t len, uint32_t *type,
                             int *is_new, ls_error *err)
{
    uint64_t h = ls_hash_bytes(name, len);
    size_t pos = h & t->mask;
    *is_new = 0;
    while (t->table[pos]) {
        uint32_t i = t->table[pos] - 1;
        if (t->hashes[i] == h && memcmp(t->names[i], name, len) == 0 && t->names[i][len] == '\0') {
            *type = i;
            return LS_OK;
        }
        pos = (pos + 1) & t->mask;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **names = realloc(t->names, cap * sizeof *names);
        if (names)
            t->names = names;
        uint64_t *hashes = realloc(t->hashes, cap * sizeof *hashes);
        if (hashes)
            t->hashes = hashes;
        uint32_t *ms = realloc(t->match_start, cap * sizeof *ms);
        if (ms)
            t->match_start = ms;
        uint32_t *mc = realloc(t->match_count, cap * sizeof *mc);
        if (mc)
            t->match_count = mc;
        if (!names || !hashes || !ms || !mc)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        t->cap = cap;
    }
    char *copy = strndup(name, len);
    if (!copy)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    const ls_features *f = t->features;
    size_t need = t->n_matches + f->n_defs;
    if (need > t->cap_matches) {
        size_t cap = t->cap_matches ? t->cap_matches : 64;
        while (cap < need)
            cap *= 2;
        ls_feature_match *m = realloc(t->matches, cap * sizeof *m);
        if (!m) {
            free(copy);
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        }
        t->matches = m;
        t->cap_matches = cap;
    }
    uint32_t idx = (uint32_t)t->n;
    t->names[idx] = copy;
    t->hashes[idx] = h;
    t->match_start[idx] = (uint32_t)t->n_matches;
    for (size_t d = 0; d < f->n_defs; d++) {
        if (!def_matches(&f->defs[d], name, len))
            continue;
        uint32_t slot = 0;
        if (f->defs[d].kind == LS_FEAT_DISTINCT)
            slot = t->distinct_count[d]++;
        t->matches[t->n_matches++] = (ls_feature_match){(uint32_t)d, slot};
    }
    t->match_count[idx] = (uint32_t)(t->n_matches - t->match_start[idx]);
    t->n++;
    t->table[pos] = idx + 1;
    if (t->n * 2 > t->mask && !types_rehash(t))
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    *type = idx;
    *is_new = 1;
    return LS_OK;
}

/* ---- the leads file ------------------------------------------------------------------ */

typedef struct {
    char *data;
    size_t len, cap;
} arena;

/* Appends s (len bytes) and a NUL; returns the offset or (size_t)-1. */
static size_t arena_add(arena *a, const char *s, size_t len)
{
    if (a->len + len + 1 > a->cap) {
        size_t cap = a->cap ? a->cap : 1 << 16;
        while (cap < a->len + len + 1)
            cap *= 2;
        char *grown = realloc(a->data, cap);
        if (!grown)
            return (size_t)-1;
        a->data = grown;
        a->cap = cap;
    }
    size_t off = a->len;
    memcpy(a->data + off, s, len);
    a->data[off + len] = '\0';
    a->len += len + 1;
    return off;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *g = realloc(*p, c * elem);
    if (!g)
        return 0;
    *p = g;
    *cap = c;
    return 1;
}

void ls_leads_release(ls_leads *l)
{
    if (!l)
        return;
    if (l->columns)
        ls_ini_free_list(l->columns, l->n_columns);
    free((void *)l->ids);
    free(l->id_len);
    free(l->snapshot);
    free((void *)l->extra);
    free((void *)l->fields);
    free(l->lines);
    free(l->arena);
    free(l->table);
    free(l->next);
    memset(l, 0, sizeof *l);
}

void ls_leads_row(const ls_leads *l, size_t r, const char **out)
{
    const char *p = l->fields[r];
    for (size_t c = 0; c < l->n_columns; c++) {
        out[c] = p;
        p += strlen(p) + 1;
    }
}

/* FNV-1a, then a finalizer so the low bits (the slot) depend on every byte. */
static uint64_t id_hash(const char *id, size_t len)
{
    uint64_t h = ls_hash_bytes(id, len);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* Compares without id_len[r], one cache miss fewer: strncmp stops at the
 * stored id's NUL, and the NUL must come right after len bytes. */
static int same_id(const ls_leads *l, size_t r, const char *id, size_t len)
{
    return strncmp(l->ids[r], id, len) == 0 && l->ids[r][len] == '\0';
}

size_t ls_leads_find(const ls_leads *l, const char *id, size_t len)
{
    if (!l->table)
        return (size_t)-1;
    uint64_t h = id_hash(id, len), tag = h >> 32;
    size_t pos = h & l->mask;
    for (uint64_t e; (e = l->table[pos]) != 0; pos = (pos + 1) & l->mask) {
        size_t r = (size_t)(e & 0xffffffffu) - 1;
        if (e >> 32 == tag && same_id(l, r, id, len))
            return r;
    }
    return (size_t)-1;
}

static ls_status index_leads(ls_leads *l, const char *path, int unique, ls_error *err)
{
    size_t size = 16;
    while (size < l->n * 2 + 16)
        size *= 2;
    l->mask = size - 1;
    l->table = calloc(size, sizeof *l->table);
    l->next = malloc((l->n ? l->n : 1) * sizeof *l->next);
    uint32_t *last = malloc((l->n ? l->n : 1) * sizeof *last); /* last row of each chain */
    if (!l->table || !l->next || !last) {
        free(last);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t r = 0; r < l->n; r++) {
        uint64_t h = id_hash(l->ids[r], l->id_len[r]), tag = h >> 32;
        l->next[r] = UINT32_MAX;
        size_t pos = h & l->mask;
        int found = 0;
        for (uint64_t e; (e = l->table[pos]) != 0; pos = (pos + 1) & l->mask) {
            size_t first = (size_t)(e & 0xffffffffu) - 1;
            if (e >> 32 != tag || !same_id(l, first, l->ids[r], l->id_len[r]))
                continue;
            if (unique) {
                free(last);
                return ls_fail_at(err, LS_ERR_DATA, path, l->lines[r], l->id_column + 1,
                                  l->columns ? l->columns[l->id_column] : NULL,
                                  "lead id '%.64s' appears again (first on line %zu)", l->ids[r],
                                  l->lines[first]);
            }
            l->next[last[first]] = (uint32_t)r;
            last[first] = (uint32_t)r;
            found = 1;
            break;
        }
        if (!found) {
            l->table[pos] = tag << 32 | (uint64_t)(r + 1);
            last[r] = (uint32_t)r;
        }
    }
    free(last);
    return LS_OK;
}

ls_status ls_leads_read(const char *path, const ls_leads_options *o, ls_leads *l, ls_error *err)
{
    memset(l, 0, sizeof *l);
    ls_csv_reader *csv = NULL;
    arena a = {NULL, 0, 0};
    size_t *id_off = NULL, *extra_off = NULL, *field_off = NULL;
    size_t cap_ids = 0, cap_extra = 0, cap_fields = 0, cap_snap = 0, cap_lines = 0, cap_len = 0;
    ls_status st = ls_csv_open(path, NULL, &csv, err);
    if (st != LS_OK)
        return st;
    l->separator = ls_csv_separator(csv);
    size_t ncol = ls_csv_columns(csv);
    l->id_column = ls_csv_find_column(csv, o->id_column);
    size_t label_col = o->label_date ? ls_csv_find_column(csv, o->label_date) : (size_t)-1;
    l->extra_column = o->extra_column ? ls_csv_find_column(csv, o->extra_column) : (size_t)-1;
    if (l->id_column == (size_t)-1) {
        st = ls_fail_at(err, LS_ERR_NOTFOUND, path, 1, 0, NULL,
                        "no lead id column '%s' in the leads file (--id COL, or leads_id in the "
                        "spec's [events] section)",
                        o->id_column);
        goto done;
    }
    if (o->label_date && label_col == (size_t)-1) {
        st = ls_fail_at(err, LS_ERR_NOTFOUND, path, 1, 0, NULL,
                        "no label date column '%s' in the leads file", o->label_date);
        goto done;
    }
    if (o->extra_column && l->extra_column == (size_t)-1) {
        st = ls_fail_at(err, LS_ERR_NOTFOUND, path, 1, 0, NULL, "no column '%s' in the leads file",
                        o->extra_column);
        goto done;
    }
    if (o->need_snapshot && !o->label_date && o->as_of == LS_TIME_NONE) {
        st = ls_fail(err, LS_ERR_USAGE, "a snapshot is needed: --as-of TIME or --label-date COL");
        goto done;
    }
    if (o->keep_fields) {
        l->columns = calloc(ncol, sizeof *l->columns);
        if (!l->columns) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
        l->n_columns = ncol;
        for (size_t c = 0; c < ncol; c++)
            if (!(l->columns[c] = ls_strdup(ls_csv_column_name(csv, c)))) {
                st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
                goto done;
            }
    }
    for (;;) {
        const char *const *fields;
        int has;
        if ((st = ls_csv_next(csv, &fields, &has, err)) != LS_OK)
            goto done;
        if (!has)
            break;
        size_t r = l->n, line = ls_csv_line(csv);
        if (r >= UINT32_MAX - 1) {
            st = ls_fail_at(err, LS_ERR_LIMIT, path, line, 0, NULL, "too many leads");
            goto done;
        }
        if (!grow((void **)&id_off, &cap_ids, r + 1, sizeof *id_off) ||
            !grow((void **)&l->id_len, &cap_len, r + 1, sizeof *l->id_len) ||
            !grow((void **)&l->lines, &cap_lines, r + 1, sizeof *l->lines) ||
            (o->extra_column && !grow((void **)&extra_off, &cap_extra, r + 1, sizeof *extra_off)) ||
            ((o->label_date || o->as_of != LS_TIME_NONE) &&
             !grow((void **)&l->snapshot, &cap_snap, r + 1, sizeof *l->snapshot)) ||
            (o->keep_fields && !grow((void **)&field_off, &cap_fields, r + 1, sizeof *field_off))) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
        l->lines[r] = line;
        size_t idlen = ls_csv_field_length(csv, l->id_column);
        if (idlen == 0) {
            st = ls_fail_at(err, LS_ERR_DATA, path, line, l->id_column + 1,
                            ls_csv_column_name(csv, l->id_column), "empty lead id");
            goto done;
        }
        if (o->keep_fields) {
            /* The row's fields, id included, back to back: one lookup brings them in. */
            field_off[r] = a.len;
            for (size_t c = 0; c < ncol; c++) {
                size_t off = arena_add(&a, fields[c], ls_csv_field_length(csv, c));
                if (off == (size_t)-1) {
                    st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
                    goto done;
                }
                if (c == l->id_column)
                    id_off[r] = off;
                if (c == l->extra_column && o->extra_column)
                    extra_off[r] = off;
            }
        } else {
            id_off[r] = arena_add(&a, fields[l->id_column], idlen);
            if (o->extra_column)
                extra_off[r] = arena_add(&a, fields[l->extra_column],
                                         ls_csv_field_length(csv, l->extra_column));
        }
        l->id_len[r] = idlen;
        if (id_off[r] == (size_t)-1 || (o->extra_column && extra_off[r] == (size_t)-1)) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (l->snapshot) {
            size_t dlen = label_col != (size_t)-1 ? ls_csv_field_length(csv, label_col) : 0;
            if (dlen > 0) {
                st = ls_time_parse(fields[label_col], dlen, &l->snapshot[r], err);
                if (st != LS_OK) {
                    char why[LS_ERROR_MESSAGE_MAX];
                    snprintf(why, sizeof why, "%s", err ? err->message : "bad label date");
                    st = ls_fail_at(err, st, path, line, label_col + 1,
                                    ls_csv_column_name(csv, label_col), "%s", why);
                    goto done;
                }
            } else if (o->as_of != LS_TIME_NONE) {
                l->snapshot[r] = o->as_of;
            } else {
                st = ls_fail_at(err, LS_ERR_DATA, path, line, label_col + 1,
                                ls_csv_column_name(csv, label_col),
                                "empty label date (give --as-of to use for leads without one)");
                goto done;
            }
        }
        l->n++;
    }
    /* Offsets become pointers now that the arena no longer moves. */
    l->arena = a.data;
    a.data = NULL;
    l->ids = malloc((l->n ? l->n : 1) * sizeof *l->ids);
    if (!l->ids) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < l->n; r++)
        l->ids[r] = l->arena + id_off[r];
    if (o->extra_column) {
        l->extra = malloc((l->n ? l->n : 1) * sizeof *l->extra);
        if (!l->extra) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t r = 0; r < l->n; r++)
            l->extra[r] = l->arena + extra_off[r];
    }
    if (o->keep_fields) {
        l->fields = malloc((l->n ? l->n : 1) * sizeof *l->fields);
        if (!l->fields) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t r = 0; r < l->n; r++)
            l->fields[r] = l->arena + field_off[r];
    }
    st = index_leads(l, path, o->unique_ids, err);
done:
    ls_csv_free(csv);
    free(a.data);
    free(id_off);
    free(extra_off);
    free(field_off);
    if (st != LS_OK)
        ls_leads_release(l);
    return st;
}

/* ---- accumulators as of each row's snapshot ------------------------------------ */

struct ls_usage {
    const ls_features *f;
    const ls_leads *leads;
    ls_event_types types;
    size_t n;
    int64_t *day_s; /* per row: day of the last instant before the snapshot */
    /* per row blocks; per def offsets into them */
    double *acc;
    size_t acc_stride, *def_acc;
    int64_t *last;
    size_t last_stride, *def_last;
    uint64_t *bits;
    size_t bits_stride, *def_bits;
    /* DISTINCT: per def, rows × cap cells holding (days ago + 1), 0 = never */
    uint32_t **dist;
    size_t *dist_cap;
    unsigned char *touched;
    ls_derive_stats stats;
};

void ls_usage_free(ls_usage *u)
{
    if (!u)
        return;
    ls_event_types_release(&u->types);
    free(u->day_s);
    free(u->acc);
    free(u->def_acc);
    free(u->last);
    free(u->def_last);
    free(u->bits);
    free(u->def_bits);
    if (u->dist)
        for (size_t d = 0; d < u->f->n_defs; d++)
            free(u->dist[d]);
    free(u->dist);
    free(u->dist_cap);
    free(u->touched);
    free(u);
}

ls_status ls_usage_new(const ls_features *f, const ls_leads *leads, ls_usage **out, ls_error *err)
{
    *out = NULL;
    if (!leads->snapshot)
        return ls_fail(err, LS_ERR_USAGE, "features need a snapshot per lead");
    ls_usage *u = calloc(1, sizeof *u);
    if (!u)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    u->f = f;
    u->leads = leads;
    u->n = leads->n;
    size_t nd = f->n_defs ? f->n_defs : 1, n = u->n ? u->n : 1;
    u->def_acc = calloc(nd, sizeof *u->def_acc);
    u->def_last = calloc(nd, sizeof *u->def_last);
    u->def_bits = calloc(nd, sizeof *u->def_bits);
    u->dist = calloc(nd, sizeof *u->dist);
    u->dist_cap = calloc(nd, sizeof *u->dist_cap);
    ls_status st = LS_OK;
    if (!u->def_acc || !u->def_last || !u->def_bits || !u->dist || !u->dist_cap) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < f->n_defs; i++) {
        const ls_feature_def *d = &f->defs[i];
        size_t outs = d->n_outputs;
        u->def_acc[i] = u->acc_stride;
        u->def_last[i] = u->last_stride;
        u->def_bits[i] = u->bits_stride;
        switch (d->kind) {
        case LS_FEAT_COUNT:
        case LS_FEAT_SUM:
        case LS_FEAT_DECAYED_COUNT:
        case LS_FEAT_DECAYED_SUM:
            u->acc_stride += outs;
            break;
        case LS_FEAT_MEAN:
            u->acc_stride += 2 * outs;
            break;
        case LS_FEAT_TREND:
            u->acc_stride += 2;
            break;
        case LS_FEAT_RECENCY:
            u->last_stride += 1;
            break;
        case LS_FEAT_ACTIVE_DAYS:
            u->bits_stride += (d->max_days + 63) / 64;
            break;
        case LS_FEAT_DISTINCT:
            break;
        }
    }
    u->acc = calloc(n * (u->acc_stride ? u->acc_stride : 1), sizeof *u->acc);
    u->last = malloc(n * (u->last_stride ? u->last_stride : 1) * sizeof *u->last);
    u->bits = calloc(n * (u->bits_stride ? u->bits_stride : 1), sizeof *u->bits);
    u->day_s = malloc(n * sizeof *u->day_s);
    u->touched = calloc(n, 1);
    if (!u->acc || !u->last || !u->bits || !u->day_s || !u->touched) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < u->n * u->last_stride; i++)
        u->last[i] = LS_TIME_NONE;
    for (size_t r = 0; r < u->n; r++)
        u->day_s[r] = ls_time_day(leads->snapshot[r] - 1);
    u->stats.leads = u->n;
    u->stats.first = u->stats.last = LS_TIME_NONE;
    st = ls_event_types_init(&u->types, f, err);
done:
    if (st != LS_OK) {
        ls_usage_free(u);
        return st;
    }
    *out = u;
    return LS_OK;
}

/* Makes room for DISTINCT slot `slot` of def d in every row. */
static ls_status grow_distinct(ls_usage *u, size_t d, uint32_t slot, ls_error *err)
{
    size_t cap = u->dist_cap[d];
    if (slot < cap)
        return LS_OK;
    size_t ncap = cap ? cap : 8;
    while (ncap <= slot)
        ncap *= 2;
    uint32_t *cells = calloc((u->n ? u->n : 1) * ncap, sizeof *cells);
    if (!cells)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t r = 0; cap && r < u->n; r++)
        memcpy(cells + r * ncap, u->dist[d] + r * cap, cap * sizeof *cells);
    free(u->dist[d]);
    u->dist[d] = cells;
    u->dist_cap[d] = ncap;
    return LS_OK;
}

static void add_to_row(ls_usage *u, size_t r, const ls_feature_match *m, size_t nm,
                       const ls_event *ev)
{
    const ls_features *f = u->f;
    int64_t age = u->leads->snapshot[r] - ev->time;  /* > 0 */
    int64_t k = u->day_s[r] - ls_time_day(ev->time); /* whole days ago, >= 0 */
    double age_days = (double)age / (double)LS_TIME_DAY;
    int has_value = !isnan(ev->value);
    double *acc = u->acc + r * u->acc_stride;
    for (size_t i = 0; i < nm; i++) {
        const ls_feature_def *d = &f->defs[m[i].def];
        double *a = acc + u->def_acc[m[i].def];
        if (ls_feature_is_kind_value(d->kind) && !has_value)
            continue;
        double w = d->kind == LS_FEAT_DECAYED_SUM ? ev->value : 1;
        switch (d->kind) {
        case LS_FEAT_COUNT:
        case LS_FEAT_SUM: {
            double add = d->kind == LS_FEAT_SUM ? ev->value : 1;
            if (d->n_params == 0)
                a[0] += add;
            for (size_t p = 0; p < d->n_params; p++)
                if (k < (int64_t)d->params[p])
                    a[p] += add;
            break;
        }
        case LS_FEAT_MEAN:
            if (d->n_params == 0) {
                a[0] += ev->value;
                a[1] += 1;
            }
            for (size_t p = 0; p < d->n_params; p++)
                if (k < (int64_t)d->params[p]) {
                    a[2 * p] += ev->value;
                    a[2 * p + 1] += 1;
                }
            break;
        case LS_FEAT_DECAYED_COUNT:
        case LS_FEAT_DECAYED_SUM:
            for (size_t p = 0; p < d->n_params; p++) {
                if (d->decay == LS_DECAY_EXP)
                    a[p] += w * exp2(-age_days / d->params[p]);
                else if (k < (int64_t)d->params[p])
                    a[p] += w * (double)((int64_t)d->params[p] - k); /* / lifespan at the end */
            }
            break;
        case LS_FEAT_TREND:
            if (k < (int64_t)d->recent)
                a[0] += 1;
            else if (k < (int64_t)(d->recent + d->baseline))
                a[1] += 1;
            break;
        case LS_FEAT_RECENCY: {
            int64_t *last = u->last + r * u->last_stride + u->def_last[m[i].def];
            if (*last == LS_TIME_NONE || ev->time > *last)
                *last = ev->time;
            break;
        }
        case LS_FEAT_ACTIVE_DAYS:
            if (k < (int64_t)d->max_days) {
                uint64_t *bits = u->bits + r * u->bits_stride + u->def_bits[m[i].def];
                bits[k / 64] |= UINT64_C(1) << (k % 64);
            }
            break;
        case LS_FEAT_DISTINCT: {
            uint32_t *cell = u->dist[m[i].def] + r * u->dist_cap[m[i].def] + m[i].slot;
            uint32_t ago = k + 1 < UINT32_MAX ? (uint32_t)(k + 1) : UINT32_MAX;
            if (*cell == 0 || ago < *cell)
                *cell = ago;
            break;
        }
        }
    }
}

ls_status ls_usage_add(ls_usage *u, const ls_event *ev, ls_error *err)
{
    u->stats.events++;
    if (u->stats.first == LS_TIME_NONE || ev->time < u->stats.first)
        u->stats.first = ev->time;
    if (u->stats.last == LS_TIME_NONE || ev->time > u->stats.last)
        u->stats.last = ev->time;
    size_t r = ev->lead_len ? ls_leads_find(u->leads, ev->lead, ev->lead_len) : (size_t)-1;
    if (r == (size_t)-1) {
        u->stats.unknown_lead++;
        return LS_OK;
    }
    uint32_t type;
    int is_new;
    ls_status st = ls_event_types_get(&u->types, ev->name, ev->name_len, &type, &is_new, err);
    if (st != LS_OK)
        return st;
    const ls_feature_match *m = u->types.matches + u->types.match_start[type];
    size_t nm = u->types.match_count[type];
    if (is_new)
        for (size_t i = 0; i < nm; i++)
            if (u->f->defs[m[i].def].kind == LS_FEAT_DISTINCT &&
                (st = grow_distinct(u, m[i].def, m[i].slot, err)) != LS_OK)
                return st;
    if (nm == 0) {
        u->stats.unmatched++;
        return LS_OK;
    }
    int used = 0;
    for (; r != UINT32_MAX && r != (size_t)-1; r = u->leads->next[r]) {
        if (ev->time >= u->leads->snapshot[r]) {
            u->stats.after_snapshot++;
            continue;
        }
        add_to_row(u, r, m, nm, ev);
        if (!u->touched[r]) {
            u->touched[r] = 1;
            u->stats.leads_with_events++;
        }
        used = 1;
    }
    u->stats.used += (size_t)used;
    return LS_OK;
}

ls_status ls_usage_read(ls_usage *u, const char *events_path, ls_error *err)
{
    ls_event_reader *r = NULL;
    ls_status st = ls_events_open(events_path, &u->f->events, &r, err);
    if (st != LS_OK)
        return st;
    for (;;) {
        ls_event ev;
        int has;
        if ((st = ls_events_next(r, &ev, &has, err)) != LS_OK || !has)
            break;
        if ((st = ls_usage_add(u, &ev, err)) != LS_OK)
            break;
    }
    ls_events_free(r);
    return st;
}

static size_t popcount_prefix(const uint64_t *bits, uint32_t n)
{
    size_t c = 0;
    for (uint32_t w = 0; w < n / 64; w++)
        c += (size_t)__builtin_popcountll(bits[w]);
    if (n % 64)
        c += (size_t)__builtin_popcountll(bits[n / 64] & ((UINT64_C(1) << (n % 64)) - 1));
    return c;
}

void ls_usage_values(const ls_usage *u, size_t r, double *out)
{
    const ls_features *f = u->f;
    const double *acc = u->acc + r * u->acc_stride;
    for (size_t i = 0; i < f->n_defs; i++) {
        const ls_feature_def *d = &f->defs[i];
        const double *a = acc + u->def_acc[i];
        double *o = out + d->first_output;
        switch (d->kind) {
        case LS_FEAT_COUNT:
        case LS_FEAT_SUM:
            for (size_t p = 0; p < d->n_outputs; p++)
                o[p] = a[p];
            break;
        case LS_FEAT_MEAN:
            for (size_t p = 0; p < d->n_outputs; p++)
                o[p] = a[2 * p + 1] > 0 ? a[2 * p] / a[2 * p + 1] : 0;
            break;
        case LS_FEAT_DECAYED_COUNT:
        case LS_FEAT_DECAYED_SUM:
            for (size_t p = 0; p < d->n_outputs; p++)
                o[p] = d->decay == LS_DECAY_LINEAR ? a[p] / d->params[p] : a[p];
            break;
        case LS_FEAT_TREND:
            o[0] = a[0] - a[1] * (double)d->recent / (double)d->baseline;
            break;
        case LS_FEAT_RECENCY: {
            int64_t last = u->last[r * u->last_stride + u->def_last[i]];
            double days = last == LS_TIME_NONE
                              ? d->cap
                              : (double)(u->leads->snapshot[r] - last) / (double)LS_TIME_DAY;
            o[0] = days < d->cap ? days : d->cap;
            break;
        }
        case LS_FEAT_ACTIVE_DAYS: {
            const uint64_t *bits = u->bits + r * u->bits_stride + u->def_bits[i];
            for (size_t p = 0; p < d->n_outputs; p++)
                o[p] = (double)popcount_prefix(bits, (uint32_t)d->params[p]);
            break;
        }
        case LS_FEAT_DISTINCT: {
            size_t cap = u->dist_cap[i];
            const uint32_t *cells = u->dist[i] ? u->dist[i] + r * cap : NULL;
            for (size_t p = 0; p < d->n_outputs; p++) {
                uint32_t within = d->n_params ? (uint32_t)d->params[p] : UINT32_MAX;
                size_t c = 0;
                for (size_t s = 0; s < u->types.distinct_count[i]; s++)
                    c += cells[s] != 0 && cells[s] <= within;
                o[p] = (double)c;
            }
            break;
        }
        }
    }
}

void ls_usage_stats(const ls_usage *u, ls_derive_stats *stats)
{
    *stats = u->stats;
}

/* ---- the features command: leads joined with their features ------------------- */

void ls_derive_options_init(ls_derive_options *o)
{
    memset(o, 0, sizeof *o);
    o->as_of = LS_TIME_NONE;
}

static void write_field(FILE *fp, const char *s, size_t len, char sep)
{
    int quote = len > 0 && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t');
    for (size_t i = 0; !quote && i < len; i++)
        quote = s[i] == sep || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, len, fp);
        return;
    }
    fputc('"', fp);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', fp);
        fputc(s[i], fp);
    }
    fputc('"', fp);
}

static ls_status write_joined(const ls_features *f, const ls_usage *u, const ls_leads *leads,
                              const char *leads_path, const char *out_path, ls_error *err)
{
    ls_csv_reader *csv = NULL;
    ls_output *out = NULL;
    double *values = malloc((f->n_outputs ? f->n_outputs : 1) * sizeof *values);
    ls_status st = values ? LS_OK : ls_fail(err, LS_ERR_NOMEM, "out of memory");
    if (st == LS_OK)
        st = ls_csv_open(leads_path, NULL, &csv, err);
    if (st != LS_OK)
        goto done;
    size_t ncol = ls_csv_columns(csv);
    for (size_t i = 0; i < f->n_outputs; i++)
        if (ls_csv_find_column(csv, f->outputs[i]) != (size_t)-1) {
            st = ls_fail_at(err, LS_ERR_DATA, leads_path, 1, 0, NULL,
                            "the leads file already has a column '%s', the name of a feature",
                            f->outputs[i]);
            goto done;
        }
    if ((st = ls_output_open(out_path, &out, err)) != LS_OK)
        goto done;
    FILE *fp = ls_output_stream(out);
    char sep = leads->separator;
    for (size_t c = 0; c < ncol; c++) {
        const char *name = ls_csv_column_name(csv, c);
        if (c)
            fputc(sep, fp);
        write_field(fp, name, strlen(name), sep);
    }
    for (size_t i = 0; i < f->n_outputs; i++) {
        fputc(sep, fp);
        write_field(fp, f->outputs[i], strlen(f->outputs[i]), sep);
    }
    fputc('\n', fp);
    for (size_t r = 0;; r++) {
        const char *const *fields;
        int has;
        if ((st = ls_csv_next(csv, &fields, &has, err)) != LS_OK)
            goto done;
        if (!has) {
            if (r != leads->n)
                st = ls_fail_at(err, LS_ERR_IO, leads_path, 0, 0, NULL,
                                "the leads file changed while it was read");
            break;
        }
        if (r >= leads->n) {
            st = ls_fail_at(err, LS_ERR_IO, leads_path, 0, 0, NULL,
                            "the leads file changed while it was read");
            goto done;
        }
        for (size_t c = 0; c < ncol; c++) {
            if (c)
                fputc(sep, fp);
            write_field(fp, fields[c], ls_csv_field_length(csv, c), sep);
        }
        ls_usage_values(u, r, values);
        for (size_t i = 0; i < f->n_outputs; i++) {
            char buf[40];
            size_t len = ls_feature_format(values[i], buf);
            fputc(sep, fp);
            fwrite(buf, 1, len, fp);
        }
        fputc('\n', fp);
    }
    if (st == LS_OK) {
        st = ls_output_commit(out, err);
        out = NULL;
    }
done:
    ls_output_abort(out);
    ls_csv_free(csv);
    free(values);
    return st;
}

ls_status ls_features_derive(const ls_features *f, const ls_derive_options *o,
                             ls_derive_stats *stats, ls_error *err)
{
    if (stats) {
        memset(stats, 0, sizeof *stats);
        stats->first = stats->last = LS_TIME_NONE;
    }
    if (!o->leads_path || !o->events_path || !o->out_path)
        return ls_fail(err, LS_ERR_USAGE, "leads, events and output paths are required");
    if (strcmp(o->leads_path, "-") == 0)
        return ls_fail(err, LS_ERR_USAGE,
                       "the leads file is read twice: give a file, not standard input");
    if (ls_same_file(o->leads_path, o->out_path) || ls_same_file(o->events_path, o->out_path))
        return ls_fail(err, LS_ERR_USAGE, "refusing to overwrite an input file with the output");
    ls_leads_options lo;
    memset(&lo, 0, sizeof lo);
    lo.id_column = o->id_column ? o->id_column : ls_features_leads_id(f);
    lo.label_date = o->label_date ? o->label_date : NULL;
    lo.as_of = o->as_of;
    lo.need_snapshot = 1;
    if (!lo.label_date && o->as_of == LS_TIME_NONE)
        lo.label_date = f->label_date;
    ls_leads leads;
    ls_usage *u = NULL;
    ls_status st = ls_leads_read(o->leads_path, &lo, &leads, err);
    if (st != LS_OK)
        return st;
    if ((st = ls_usage_new(f, &leads, &u, err)) == LS_OK &&
        (st = ls_usage_read(u, o->events_path, err)) == LS_OK)
        st = write_joined(f, u, &leads, o->leads_path, o->out_path, err);
    if (stats && u)
        ls_usage_stats(u, stats);
    ls_usage_free(u);
    ls_leads_release(&leads);
    return st;
}
