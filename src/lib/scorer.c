/* Scorer: applies a points model to leads, fast enough for nightly batches.
 *
 * Each criterion's outcome — the matching rule, its points and its share of
 * the linear predictor — depends only on the text of the lead's value. So the
 * scorer evaluates a value once, by the rules of model_internal.h, and keeps
 * the outcome in a per-criterion hash table keyed by the text (bounded: at
 * most MEMO_ENTRIES values of at most MEMO_KEY_MAX bytes each, so memory
 * stays flat on any input; a criterion whose values rarely repeat stops using
 * it). Categorical levels and small counts are then one hash look-up per
 * lead; only new or long values go through strtod and the rule list. Values that cannot be scored
 * are never cached: each one is reported.
 *
 * Decisions where model_internal.h leaves room (the points table, the SQL
 * export and this file agree on them):
 *  - The empty value is always missing, besides the model's tokens.
 *  - A missing value takes the criterion's first `missing` rule; in a
 *    hand-written criterion, failing that, its first `any` rule; else 0.
 *  - Which rules each kind consults, for a value that is not missing:
 *    categorical: =/in (exact text), then the reference, then the first
 *    `other`; yes/no: its first yes rule; numeric and banded: ranges and
 *    per-unit rules in order (the value must be a number); hand-written: every
 *    rule in order, first match wins, parsing the number or yes/no only when
 *    a rule needs it (text reaching such a rule is an error).
 *  - A per-unit rule gives floor(points·x + 0.5) clamped to [-cap, cap]; a
 *    transformed x or per-unit points that are not finite (log1p of a value
 *    below -1, an overflow) make the value an error, never a silent 0.
 *  - Unseen values: a categorical value that is no level, not the reference
 *    and not pooled in `other`; in a hand-written criterion, a value that
 *    falls to an `other` rule preceded only by text comparisons (= and in).
 *  - Reasons tie on |points| in criterion order.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/scorer.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error_internal.h"
#include "model_internal.h"
#include "points_table.h"
#include "text.h"

#define MEMO_ENTRIES 1024u /* the slot array grows to twice this, 2048 */
#define MEMO_KEY_MAX 64u
/* Once the memo is full, a criterion whose values rarely repeat (durations,
 * amounts) stops looking there: a miss costs a cache miss on top of strtod. */
#define MEMO_PROBE_WINDOW 1024u
#define UNSEEN_EXAMPLES 3
#define EXAMPLE_MAX 60

typedef struct {
    int32_t rule; /* index into the criterion's rules, -1: none (0 points) */
    int32_t unseen;
    double points;
    double eta; /* contribution to the linear predictor */
} outcome;

typedef struct {
    uint64_t a, b;     /* the key's words (key_words) */
    uint32_t off, len; /* the key's bytes in keys; len 0: empty slot */
    outcome o;
} memo_slot;

typedef struct {
    int is_bool, bool_value, is_num;
    double num_value;
} rule_value;

typedef struct {
    const ls_criterion *c;
    size_t field;       /* index among the bound columns */
    char **labels;      /* per rule, what reasons show */
    double *estimates;  /* per rule, the term's estimate (0 without one) */
    rule_value *values; /* per rule, "= VALUE" read as boolean / number */
    long other_rule;    /* categorical: first other rule, -1 */
    long unseen_rule;   /* hand-written: the other rule that reports unseen, -1 */
    outcome missing;

    memo_slot *slots;
    size_t n_slots, n_entries;
    size_t probes, hits; /* counted once the memo is full */
    int bypass;
    char *keys;
    size_t keys_len, keys_cap;

    size_t unseen;
    char *examples[UNSEEN_EXAMPLES];
    size_t n_examples;
    size_t *rule_rows; /* per rule, leads it scored */
    int32_t row_rule;  /* the rule counted for the lead being scored */
} crit_state;

struct ls_scorer {
    const ls_model *m;
    crit_state *crits;
    size_t n_crits;
    char **tokens; /* missing tokens besides "" */
    size_t n_tokens;
    size_t max_reasons;
    double eta0; /* intercept + probability offset */
    size_t rows; /* leads scored */
};

/* ---- hashing and the memo ------------------------------------------------- */

static uint64_t load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static uint64_t load32(const char *p) /* widened, to be shifted into a high half */
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* The memo's key for a value of n >= 1 bytes: its first and last bytes as
 * two words, read with overlapping loads rather than a loop over the bytes
 * (values of varying length make the exit of such a loop a mispredicted
 * branch per lead). With n, the words determine a value of up to 16 bytes,
 * as most levels are, so a probe compares two words instead of the bytes in
 * keys; a longer value compares its middle there too. */
typedef struct {
    uint64_t a, b;
} key_words;

static key_words key_of(const char *s, size_t n) /* n >= 1 */
{
    if (n >= 8)
        return (key_words){load64(s), load64(s + n - 8)};
    if (n >= 4)
        return (key_words){load32(s) | load32(s + n - 4) << 32, 0};
    const unsigned char *u = (const unsigned char *)s;
    return (key_words){u[0] | (uint64_t)u[n / 2] << 8 | (uint64_t)u[n - 1] << 16, 0};
}

static uint64_t mix(uint64_t h, uint64_t w, uint64_t mul)
{
    h = (h ^ w) * mul;
    return h ^ (h >> 32);
}

/* The middle of a long value counts too: values sharing their first and
 * last 8 bytes (ids, URLs) would otherwise all collide. */
static uint64_t hash_key(key_words key, const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    for (size_t i = 8; i + 8 < n; i += 8)
        h = mix(h, load64(s + i), 0x9E3779B97F4A7C15ull);
    h = mix(h, key.a, 0xff51afd7ed558ccdull);
    return mix(h, key.b, 0xc4ceb9fe1a85ec53ull);
}

static const outcome *memo_find(crit_state *cs, uint64_t h, key_words key, const char *s, size_t n)
{
    if (!cs->slots)
        return NULL;
    size_t mask = cs->n_slots - 1;
    const outcome *found = NULL;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const memo_slot *sl = &cs->slots[i];
        if (sl->len == 0)
            break;
        if (sl->a == key.a && sl->b == key.b && sl->len == n &&
            (n <= 16 || memcmp(cs->keys + sl->off + 8, s + 8, n - 16) == 0)) {
            found = &sl->o;
            break;
        }
    }
    if (cs->n_entries >= MEMO_ENTRIES) {
        cs->hits += found != NULL;
        if (++cs->probes == MEMO_PROBE_WINDOW)
            cs->bypass = cs->hits < MEMO_PROBE_WINDOW / 2;
    }
    return found;
}

/* Doubles the slot array (starting small keeps low-cardinality criteria in
 * the L1 cache); 0 when out of memory. */
static int memo_grow(crit_state *cs)
{
    size_t n = cs->n_slots ? cs->n_slots * 2 : 16;
    memo_slot *slots = calloc(n, sizeof *slots);
    if (!slots)
        return 0;
    for (size_t k = 0; k < cs->n_slots; k++) {
        const memo_slot *sl = &cs->slots[k];
        if (sl->len == 0)
            continue;
        size_t i = hash_key((key_words){sl->a, sl->b}, cs->keys + sl->off, sl->len) & (n - 1);
        while (slots[i].len != 0)
            i = (i + 1) & (n - 1);
        slots[i] = *sl;
    }
    free(cs->slots);
    cs->slots = slots;
    cs->n_slots = n;
    return 1;
}

/* Remembers s -> o while there is room; silently does nothing otherwise. */
static void memo_put(crit_state *cs, uint64_t h, key_words key, const char *s, size_t n,
                     const outcome *o)
{
    if (n > MEMO_KEY_MAX || cs->n_entries >= MEMO_ENTRIES)
        return;
    if ((cs->n_entries + 1) * 2 > cs->n_slots && !memo_grow(cs))
        return;
    if (cs->keys_len + n > cs->keys_cap) {
        size_t cap = cs->keys_cap ? cs->keys_cap * 2 : 1024;
        char *k = realloc(cs->keys, cap);
        if (!k)
            return;
        cs->keys = k;
        cs->keys_cap = cap;
    }
    size_t mask = cs->n_slots - 1;
    size_t i = h & mask;
    while (cs->slots[i].len != 0)
        i = (i + 1) & mask;
    memcpy(cs->keys + cs->keys_len, s, n);
    cs->slots[i] = (memo_slot){key.a, key.b, (uint32_t)cs->keys_len, (uint32_t)n, *o};
    cs->keys_len += n;
    cs->n_entries++;
}

/* A number without a transform costs less to evaluate (a plain decimal and a
 * few comparisons) than a memo probe that misses the cache: amounts and
 * durations take thousands of values. */
static int never_memo(const ls_criterion *c)
{
    return (c->kind == LS_CRIT_NUMERIC || c->kind == LS_CRIT_BANDED) && !c->log1p;
}

static void memo_clear(crit_state *cs)
{
    if (cs->slots)
        memset(cs->slots, 0, cs->n_slots * sizeof *cs->slots);
    cs->n_entries = cs->keys_len = cs->probes = cs->hits = 0;
    cs->bypass = never_memo(cs->c);
}

/* ---- compiling the model ------------------------------------------------- */

static double rule_estimate(const ls_model *m, const ls_rule *r)
{
    if (r->term < 0 || (size_t)r->term >= m->n_terms)
        return 0;
    const ls_term *t = &m->terms[r->term];
    return t->aliased || !isfinite(t->estimate) ? 0 : t->estimate;
}

static outcome missing_outcome(const ls_criterion *c, const double *estimates)
{
    outcome o = {-1, 0, 0, 0};
    long any = -1;
    for (size_t k = 0; k < c->n_rules; k++) {
        if (c->rules[k].kind == LS_COND_MISSING) {
            o.rule = (int32_t)k;
            break;
        }
        if (c->rules[k].kind == LS_COND_ANY && any < 0)
            any = (long)k;
    }
    if (o.rule < 0 && c->kind == LS_CRIT_RULES && any >= 0)
        o.rule = (int32_t)any;
    if (o.rule >= 0) {
        o.points = c->rules[o.rule].points;
        o.eta = estimates[o.rule];
    }
    return o;
}

static ls_status compile_criterion(const ls_model *m, const ls_criterion *c, crit_state *cs,
                                   ls_error *err)
{
    cs->c = c;
    cs->other_rule = cs->unseen_rule = -1;
    size_t n = c->n_rules ? c->n_rules : 1;
    cs->labels = calloc(n, sizeof *cs->labels);
    cs->estimates = calloc(n, sizeof *cs->estimates);
    cs->values = calloc(n, sizeof *cs->values);
    cs->rule_rows = calloc(n, sizeof *cs->rule_rows);
    if (!cs->labels || !cs->estimates || !cs->values || !cs->rule_rows)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    int text_only = 1; /* every non-missing rule so far compares text */
    for (size_t k = 0; k < c->n_rules; k++) {
        const ls_rule *r = &c->rules[k];
        if ((r->kind == LS_COND_EQUALS || r->kind == LS_COND_IN) && r->n_values == 0)
            return ls_fail(err, LS_ERR_MODEL, "criterion '%s': rule %zu has no value", c->column,
                           k + 1);
        cs->labels[k] = ls_points_rule_label(c, r);
        if (!cs->labels[k])
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        cs->estimates[k] = rule_estimate(m, r);
        if (r->kind == LS_COND_EQUALS) {
            rule_value *v = &cs->values[k];
            v->is_bool = ls_parse_bool(r->values[0], &v->bool_value);
            v->is_num = ls_parse_number(r->values[0], &v->num_value) == LS_NUM_OK;
        }
        if (r->kind == LS_COND_OTHER && cs->other_rule < 0)
            cs->other_rule = (long)k;
        if (c->kind == LS_CRIT_RULES && r->kind != LS_COND_MISSING) {
            if (r->kind == LS_COND_OTHER && text_only && cs->unseen_rule < 0)
                cs->unseen_rule = (long)k;
            if (r->kind != LS_COND_EQUALS && r->kind != LS_COND_IN)
                text_only = 0;
        }
    }
    cs->missing = missing_outcome(c, cs->estimates);
    cs->bypass = never_memo(c);
    return LS_OK;
}

static void release_criterion(crit_state *cs)
{
    for (size_t k = 0; cs->labels && cs->c && k < cs->c->n_rules; k++)
        free(cs->labels[k]);
    free(cs->labels);
    free(cs->estimates);
    free(cs->values);
    free(cs->rule_rows);
    free(cs->slots);
    free(cs->keys);
    for (size_t i = 0; i < cs->n_examples; i++)
        free(cs->examples[i]);
}

void ls_scorer_free(ls_scorer *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->crits && i < s->n_crits; i++)
        release_criterion(&s->crits[i]);
    free(s->crits);
    for (size_t i = 0; i < s->n_tokens; i++)
        free(s->tokens[i]);
    free(s->tokens);
    free(s);
}

static ls_status set_tokens(ls_scorer *s, const char *const *tokens, size_t n, ls_error *err)
{
    for (size_t i = 0; i < s->n_tokens; i++)
        free(s->tokens[i]);
    free(s->tokens);
    s->tokens = NULL;
    s->n_tokens = 0;
    if (n == 0)
        return LS_OK;
    s->tokens = calloc(n, sizeof *s->tokens);
    if (!s->tokens)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!tokens[i] || !tokens[i][0])
            continue;
        s->tokens[s->n_tokens] = ls_strdup(tokens[i]);
        if (!s->tokens[s->n_tokens])
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        s->n_tokens++;
    }
    return LS_OK;
}

ls_status ls_scorer_set_missing_tokens(ls_scorer *s, const char *const *tokens, size_t n,
                                       ls_error *err)
{
    for (size_t i = 0; i < s->n_crits; i++)
        memo_clear(&s->crits[i]);
    return set_tokens(s, tokens, n, err);
}

ls_status ls_scorer_new(const ls_model *m, const char *const *columns, size_t n_columns,
                        ls_scorer **out, ls_error *err)
{
    *out = NULL;
    ls_scorer *s = calloc(1, sizeof *s);
    if (!s)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ls_status st = LS_OK;
    s->m = m;
    s->max_reasons = 3;
    s->n_crits = m->n_criteria;
    s->crits = calloc(m->n_criteria ? m->n_criteria : 1, sizeof *s->crits);
    if (!s->crits) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < m->n_criteria; i++) {
        const ls_criterion *c = &m->criteria[i];
        size_t f = 0;
        while (f < n_columns && strcmp(columns[f], c->column) != 0)
            f++;
        if (f == n_columns) {
            st = ls_fail(err, LS_ERR_NOTFOUND,
                         "the data has no column '%s', which the model scores", c->column);
            goto done;
        }
        s->crits[i].field = f;
        st = compile_criterion(m, c, &s->crits[i], err);
        if (st != LS_OK)
            goto done;
    }
    st = set_tokens(s, (const char *const *)m->missing_tokens, m->n_missing_tokens, err);
    if (st != LS_OK)
        goto done;
    if (m->learned) {
        for (size_t t = 0; t < m->n_terms; t++)
            if (m->terms[t].criterion < 0) {
                if (isfinite(m->terms[t].estimate))
                    s->eta0 = m->terms[t].estimate;
                break;
            }
        if (isfinite(m->probability_offset))
            s->eta0 += m->probability_offset;
    }
    *out = s;
    s = NULL;
done:
    ls_scorer_free(s);
    return st;
}

const ls_model *ls_scorer_model(const ls_scorer *s)
{
    return s->m;
}

void ls_scorer_set_max_reasons(ls_scorer *s, size_t k)
{
    s->max_reasons = k < LS_MAX_REASONS ? k : LS_MAX_REASONS;
}

/* ---- evaluating one value ------------------------------------------------- */

static int is_missing(const ls_scorer *s, const char *v)
{
    if (v[0] == '\0')
        return 1;
    for (size_t i = 0; i < s->n_tokens; i++) /* the first byte spares most calls */
        if (s->tokens[i][0] == v[0] && strcmp(v, s->tokens[i]) == 0)
            return 1;
    return 0;
}

static ls_status bad_value(const crit_state *cs, const char *v, const char *what, ls_error *err)
{
    return ls_fail_at(err, LS_ERR_PARSE, NULL, 0, cs->field + 1, cs->c->column, "'%.60s'%s %s", v,
                      strlen(v) > 60 ? "..." : "", what);
}

/* A plain decimal of at most 15 digits ("-12.50", "477") read exactly:
 * m < 10^15 and 10^f are exact doubles, so one division rounds m / 10^f
 * correctly, as strtod does. 0 for anything else (then ls_parse_number). */
static inline int plain_decimal(const char *p, double *out)
{
    static const double p10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    int neg = *p == '-';
    p += neg;
    uint64_t m = 0;
    int digits = 0, frac = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (++digits > 15)
            return 0;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (digits == 0)
        return 0;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, frac++) {
            if (++digits > 15)
                return 0;
            m = m * 10 + (uint64_t)(*p - '0');
        }
    if (*p != '\0')
        return 0;
    double x = frac ? (double)m / p10[frac] : (double)m;
    *out = neg ? -x : x;
    return 1;
}

static ls_num_status parse_number(const char *v, double *x)
{
    return plain_decimal(v, x) ? LS_NUM_OK : ls_parse_number(v, x);
}

/* x for numeric rules: the number, clamped, then log1p, as the criterion says. */
static inline ls_status value_x(const crit_state *cs, const char *v, double *x, ls_error *err)
{
    const ls_criterion *c = cs->c;
    ls_num_status ns = parse_number(v, x);
    if (ns == LS_NUM_NONFINITE)
        return bad_value(cs, v, "is not a finite number", err);
    if (ns != LS_NUM_OK)
        return bad_value(cs, v, "is not a number", err);
    if (!isnan(c->cap_lo) && *x < c->cap_lo)
        *x = c->cap_lo;
    if (!isnan(c->cap_hi) && *x > c->cap_hi)
        *x = c->cap_hi;
    if (c->log1p) {
        *x = log1p(*x);
        if (!isfinite(*x))
            return bad_value(cs, v, "is out of the range of log1p (below or at -1)", err);
    }
    return LS_OK;
}

static int range_matches(const ls_rule *r, double x)
{
    return (r->lo_open ? x > r->lo : x >= r->lo) && (r->hi_open ? x < r->hi : x <= r->hi);
}

static inline ls_status take_rule(const crit_state *cs, size_t k, double x, const char *v,
                                  outcome *o, ls_error *err)
{
    const ls_rule *r = &cs->c->rules[k];
    o->rule = (int32_t)k;
    if (r->kind == LS_COND_PER_UNIT) {
        double p = floor(r->points * x + 0.5);
        if (!isnan(r->cap))
            p = p > r->cap ? r->cap : p < -r->cap ? -r->cap : p;
        if (!isfinite(p))
            return bad_value(cs, v, "is too large to score", err);
        o->points = p;
        o->eta = cs->estimates[k] * x;
    } else {
        o->points = r->points;
        o->eta = cs->estimates[k];
    }
    return LS_OK;
}

static int in_values(const ls_rule *r, const char *v)
{
    for (size_t i = 0; i < r->n_values; i++)
        if (strcmp(r->values[i], v) == 0)
            return 1;
    return 0;
}

static ls_status eval_categorical(const crit_state *cs, const char *v, outcome *o, ls_error *err)
{
    const ls_criterion *c = cs->c;
    for (size_t k = 0; k < c->n_rules; k++) {
        const ls_rule *r = &c->rules[k];
        if ((r->kind == LS_COND_EQUALS || r->kind == LS_COND_IN) && in_values(r, v))
            return take_rule(cs, k, 0, v, o, err);
    }
    if (c->reference && strcmp(c->reference, v) == 0)
        return LS_OK;
    if (cs->other_rule >= 0) {
        o->unseen = !in_values(&c->rules[cs->other_rule], v);
        return take_rule(cs, (size_t)cs->other_rule, 0, v, o, err);
    }
    o->unseen = 1;
    return LS_OK;
}

static ls_status eval_boolean(const crit_state *cs, const char *v, outcome *o, ls_error *err)
{
    int b;
    if (!ls_parse_bool(v, &b))
        return bad_value(cs, v, "is not a yes/no value", err);
    if (!b)
        return LS_OK;
    for (size_t k = 0; k < cs->c->n_rules; k++)
        if (cs->c->rules[k].kind == LS_COND_TRUE)
            return take_rule(cs, k, 0, v, o, err);
    return LS_OK;
}

static ls_status eval_numeric(const crit_state *cs, const char *v, outcome *o, ls_error *err)
{
    double x;
    ls_status st = value_x(cs, v, &x, err);
    if (st != LS_OK)
        return st;
    for (size_t k = 0; k < cs->c->n_rules; k++) {
        const ls_rule *r = &cs->c->rules[k];
        if (r->kind == LS_COND_PER_UNIT || (r->kind == LS_COND_RANGE && range_matches(r, x)))
            return take_rule(cs, k, x, v, o, err);
    }
    return LS_OK;
}

/* The value read lazily as a boolean and as a number, for hand-written rules. */
typedef struct {
    int bool_state, num_state; /* 0 not read yet, 1 read and valid, -1 read and invalid */
    int b;
    double n;
} lazy_value;

static int lazy_bool(lazy_value *lv, const char *v)
{
    if (!lv->bool_state)
        lv->bool_state = ls_parse_bool(v, &lv->b) ? 1 : -1;
    return lv->bool_state > 0;
}

static int lazy_num(lazy_value *lv, const char *v)
{
    if (!lv->num_state)
        lv->num_state = parse_number(v, &lv->n) == LS_NUM_OK ? 1 : -1;
    return lv->num_state > 0;
}

/* "= VALUE" in a hand-written criterion: booleans as booleans, numbers as
 * numbers, else exact text. */
static int smart_equals(const rule_value *rv, const char *rule_text, lazy_value *lv, const char *v)
{
    if (rv->is_bool && lazy_bool(lv, v))
        return lv->b == rv->bool_value;
    if (rv->is_num && lazy_num(lv, v))
        return lv->n == rv->num_value;
    return strcmp(rule_text, v) == 0;
}

static ls_status eval_rules(const crit_state *cs, const char *v, outcome *o, ls_error *err)
{
    const ls_criterion *c = cs->c;
    lazy_value lv = {0};
    int have_x = 0;
    double x = 0;
    for (size_t k = 0; k < c->n_rules; k++) {
        const ls_rule *r = &c->rules[k];
        int match = 0;
        switch (r->kind) {
        case LS_COND_MISSING:
            break;
        case LS_COND_EQUALS:
            match = smart_equals(&cs->values[k], r->values[0], &lv, v);
            break;
        case LS_COND_IN:
            match = in_values(r, v);
            break;
        case LS_COND_RANGE:
        case LS_COND_PER_UNIT:
            if (!have_x) {
                ls_status st = value_x(cs, v, &x, err);
                if (st != LS_OK)
                    return st;
                have_x = 1;
            }
            match = r->kind == LS_COND_PER_UNIT || range_matches(r, x);
            break;
        case LS_COND_TRUE:
            if (!lazy_bool(&lv, v))
                return bad_value(cs, v, "is not a yes/no value", err);
            match = lv.b;
            break;
        case LS_COND_OTHER:
        case LS_COND_ANY:
            match = 1;
            o->unseen = (long)k == cs->unseen_rule;
            break;
        }
        if (match)
            return take_rule(cs, k, x, v, o, err);
    }
    return LS_OK;
}

/* The outcome of value v (n bytes) for criterion cs. */
static ls_status evaluate(const ls_scorer *s, crit_state *cs, const char *v, size_t n,
                          const outcome **res, outcome *tmp, ls_error *err)
{
    if (n == 0) {
        *res = &cs->missing;
        return LS_OK;
    }
    uint64_t h = 0;
    key_words key = {0, 0};
    if (!cs->bypass) {
        key = key_of(v, n);
        h = hash_key(key, v, n);
        const outcome *hit = memo_find(cs, h, key, v, n);
        if (hit) {
            *res = hit;
            return LS_OK;
        }
    }
    *tmp = (outcome){-1, 0, 0, 0};
    ls_status st = LS_OK;
    if (is_missing(s, v))
        *tmp = cs->missing;
    else if (cs->c->kind == LS_CRIT_CATEGORICAL)
        st = eval_categorical(cs, v, tmp, err);
    else if (cs->c->kind == LS_CRIT_BOOLEAN)
        st = eval_boolean(cs, v, tmp, err);
    else if (cs->c->kind == LS_CRIT_RULES)
        st = eval_rules(cs, v, tmp, err);
    else
        st = eval_numeric(cs, v, tmp, err);
    if (st != LS_OK)
        return st;
    if (!cs->bypass)
        memo_put(cs, h, key, v, n, tmp);
    *res = tmp;
    return LS_OK;
}

static void note_unseen(crit_state *cs, const char *v)
{
    cs->unseen++;
    if (cs->n_examples == UNSEEN_EXAMPLES)
        return;
    for (size_t i = 0; i < cs->n_examples; i++)
        if (strncmp(cs->examples[i], v, EXAMPLE_MAX) == 0)
            return;
    char *e = malloc(EXAMPLE_MAX + 1);
    if (!e)
        return; /* the example is a courtesy; the count stays right */
    snprintf(e, EXAMPLE_MAX + 1, "%s", v);
    cs->examples[cs->n_examples++] = e;
}

/* ---- scoring a lead ------------------------------------------------------- */

ls_status ls_scorer_score(ls_scorer *s, const char *const *fields, ls_score_result *out,
                          ls_error *err)
{
    return ls_scorer_score_n(s, fields, NULL, out, err);
}

ls_status ls_scorer_score_n(ls_scorer *s, const char *const *fields, const size_t *lengths,
                            ls_score_result *out, ls_error *err)
{
    const ls_model *m = s->m;
    double score = m->base_points, eta = s->eta0;
    size_t k = s->max_reasons, n_top = 0;
    ls_reason *top = out->reasons;
    /* |points| of top[j]: 0, below any reason, past n_top. The entries are
     * cleared as the moves below copy them, filled or not. */
    double mag[LS_MAX_REASONS];
    for (size_t j = 0; j < k; j++) {
        mag[j] = 0;
        top[j] = (ls_reason){NULL, 0};
    }
    for (size_t i = 0; i < s->n_crits; i++) {
        crit_state *cs = &s->crits[i];
        const char *v = fields[cs->field];
        const outcome *o;
        outcome tmp;
        size_t n = lengths ? lengths[cs->field] : strlen(v);
        ls_status st = evaluate(s, cs, v, n, &o, &tmp, err);
        if (st != LS_OK) {
            /* the lead is not scored (a caller may skip it): uncount its rules */
            for (size_t j = 0; j < i; j++)
                if (s->crits[j].row_rule >= 0)
                    s->crits[j].rule_rows[s->crits[j].row_rule]--;
            return st;
        }
        if (o->unseen)
            note_unseen(cs, v);
        cs->row_rule = o->rule;
        if (o->rule >= 0)
            cs->rule_rows[o->rule]++;
        score += o->points;
        eta += o->eta;
        /* Keep the k largest |points|, earlier criteria first on ties. Points
         * vary from lead to lead, so branches on them are mispredicted and
         * were much of the scorer's time: one comparison turns most values
         * away, and the rest find their place without loops whose length
         * depends on the points. */
        double a = fabs(o->points);
        if (k == 0 || !(a > mag[k - 1]))
            continue;
        size_t pos = 0; /* after the reasons at least as large */
        for (size_t j = 0; j + 1 < k; j++)
            pos += mag[j] >= a;
        /* top[pos..] moves down one; the reasons before pos copy themselves */
        for (size_t j = n_top < k ? n_top : k - 1; j > 0; j--) {
            size_t from = j - (j > pos);
            top[j] = top[from];
            mag[j] = mag[from];
        }
        top[pos] = (ls_reason){cs->labels[o->rule], o->points};
        mag[pos] = a;
        n_top += n_top < k;
    }
    s->rows++;
    out->score = score;
    out->n_reasons = n_top;
    out->probability =
        m->learned ? 1.0 / (1.0 + exp(-eta))
        : m->card_multiplier > 0
            ? 1.0 / (1.0 + exp(-(m->card_intercept + out->score) / m->card_multiplier))
            : NAN;
    out->tier = NULL;
    for (size_t t = 0; t < m->n_tiers; t++) {
        out->tier = m->tiers[t].name;
        if (score >= m->tiers[t].min_score)
            break;
    }
    return LS_OK;
}

/* ---- summaries ------------------------------------------------------------ */

size_t ls_scorer_unseen_count(const ls_scorer *s, size_t *n_columns)
{
    size_t total = 0, cols = 0;
    for (size_t i = 0; i < s->n_crits; i++) {
        total += s->crits[i].unseen;
        cols += s->crits[i].unseen > 0;
    }
    if (n_columns)
        *n_columns = cols;
    return total;
}

ls_status ls_scorer_unseen_summary(const ls_scorer *s, char *buf, size_t size)
{
    if (!buf || size == 0)
        return LS_ERR_LIMIT;
    size_t used = 0;
    int truncated = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_crits && !truncated; i++) {
        const crit_state *cs = &s->crits[i];
        if (!cs->unseen)
            continue;
        char part[512];
        int n = snprintf(part, sizeof part, "%scolumn '%s': %zu row%s (e.g. ", used ? "; " : "",
                         cs->c->column, cs->unseen, cs->unseen == 1 ? "" : "s");
        for (size_t e = 0; e < cs->n_examples && n > 0 && (size_t)n < sizeof part; e++)
            n += snprintf(part + n, sizeof part - (size_t)n, "%s'%s'", e ? ", " : "",
                          cs->examples[e]);
        if (n > 0 && (size_t)n < sizeof part)
            snprintf(part + n, sizeof part - (size_t)n, ")");
        size_t len = strlen(part);
        if (used + len >= size) {
            len = size - used - 1;
            truncated = 1;
        }
        memcpy(buf + used, part, len);
        used += len;
        buf[used] = '\0';
    }
    return truncated ? LS_ERR_LIMIT : LS_OK;
}

/* ---- scorers for other threads ------------------------------------------ */

ls_status ls_scorer_clone(const ls_scorer *s, ls_scorer **out, ls_error *err)
{
    *out = NULL;
    ls_scorer *c = calloc(1, sizeof *c);
    if (!c)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    c->m = s->m;
    c->max_reasons = s->max_reasons;
    c->eta0 = s->eta0;
    c->n_crits = s->n_crits;
    c->crits = calloc(s->n_crits ? s->n_crits : 1, sizeof *c->crits);
    ls_status st = c->crits ? LS_OK : ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == LS_OK && i < s->n_crits; i++) {
        c->crits[i].field = s->crits[i].field;
        st = compile_criterion(s->m, s->crits[i].c, &c->crits[i], err);
    }
    if (st == LS_OK)
        st = set_tokens(c, (const char *const *)s->tokens, s->n_tokens, err);
    if (st != LS_OK) {
        ls_scorer_free(c);
        return st;
    }
    *out = c;
    return LS_OK;
}

void ls_scorer_absorb(ls_scorer *into, ls_scorer *from)
{
    into->rows += from->rows;
    from->rows = 0;
    for (size_t i = 0; i < into->n_crits && i < from->n_crits; i++) {
        crit_state *a = &into->crits[i], *b = &from->crits[i];
        a->unseen += b->unseen;
        b->unseen = 0;
        /* examples keep their first-met order: into's came first */
        for (size_t e = 0; e < b->n_examples; e++) {
            int known = a->n_examples == UNSEEN_EXAMPLES;
            for (size_t k = 0; !known && k < a->n_examples; k++)
                known = strcmp(a->examples[k], b->examples[e]) == 0;
            if (known)
                free(b->examples[e]);
            else
                a->examples[a->n_examples++] = b->examples[e];
        }
        b->n_examples = 0;
        for (size_t k = 0; k < a->c->n_rules; k++) {
            a->rule_rows[k] += b->rule_rows[k];
            b->rule_rows[k] = 0;
        }
    }
}

/* Rules a hand-writer could have mistyped: those that name values. Missing,
 * other and any rules may rightly never fire, and learned models' levels come
 * from data, where a level absent from a batch is no mistake. */
static int checkable_rule(const ls_model *m, const ls_rule *r)
{
    if (m->learned)
        return 0;
    return r->kind == LS_COND_EQUALS || r->kind == LS_COND_IN || r->kind == LS_COND_RANGE ||
           r->kind == LS_COND_TRUE;
}

size_t ls_scorer_unmatched_count(const ls_scorer *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_crits; i++) {
        const crit_state *cs = &s->crits[i];
        for (size_t k = 0; k < cs->c->n_rules; k++)
            n += checkable_rule(s->m, &cs->c->rules[k]) && cs->rule_rows[k] == 0;
    }
    return n;
}

size_t ls_scorer_rows(const ls_scorer *s)
{
    return s->rows;
}

ls_status ls_scorer_unmatched_summary(const ls_scorer *s, char *buf, size_t size)
{
    if (!buf || size == 0)
        return LS_ERR_LIMIT;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_crits; i++) {
        const crit_state *cs = &s->crits[i];
        for (size_t k = 0; k < cs->c->n_rules; k++) {
            const ls_rule *r = &cs->c->rules[k];
            if (!checkable_rule(s->m, r) || cs->rule_rows[k] != 0)
                continue;
            char *cond = ls_points_condition_text(cs->c, r);
            int n = snprintf(buf + used, size - used, "%s'%s' %s", used ? "; " : "", cs->c->column,
                             cond ? cond : "?");
            free(cond);
            if (n < 0 || (size_t)n >= size - used) {
                buf[used] = '\0';
                return LS_ERR_LIMIT;
            }
            used += (size_t)n;
        }
    }
    return LS_OK;
}

/* ---- ID columns ----------------------------------------------------------- */

/* 1 if name's last word is id, uuid or guid ("Prospect ID", "lead_id",
 * "leadId", "UUID"). */
static int looks_like_id(const char *name)
{
    static const char *const words[] = {"id", "uuid", "guid"};
    size_t n = strlen(name);
    for (size_t w = 0; w < 3; w++) {
        size_t k = strlen(words[w]);
        if (n < k || strcasecmp(name + n - k, words[w]) != 0)
            continue;
        if (n == k)
            return 1;
        unsigned char before = (unsigned char)name[n - k - 1];
        unsigned char first = (unsigned char)name[n - k];
        if (!isalnum(before) || (islower(before) && isupper(first)))
            return 1;
    }
    return 0;
}

size_t ls_scorer_id_columns(const ls_model *m, const char *const *columns, size_t n_columns,
                            size_t *idx, size_t max)
{
    size_t found = 0;
    for (size_t i = 0; m && i < m->n_id_columns && found < max; i++)
        for (size_t f = 0; f < n_columns; f++)
            if (strcmp(columns[f], m->id_columns[i]) == 0) {
                idx[found++] = f;
                break;
            }
    if (found || max == 0)
        return found;
    for (size_t f = 0; f < n_columns; f++)
        if (looks_like_id(columns[f])) {
            idx[0] = f;
            return 1;
        }
    return 0;
}
