/* Model file: the points model as JSON, written and read back exactly.
 *
 * FORMAT (format_version 1)
 *
 * One JSON object, UTF-8, keys in this order (readers must not rely on the
 * order). Every key not listed is an error, and so is a key given twice.
 *
 *   "format_version"  1. A reader refuses a larger number ("model format
 *                     version 2 is newer than this leadscore supports (1)").
 *   "kind"            "learned" (fitted by `leadscore train`) or "hand-written"
 *                     (points given by an analyst, e.g. from a points table).
 *   "target"          the converted/not-converted column (required if learned).
 *   "positive"        the target value meaning "converted" (optional).
 *   "id_columns"      lead id columns, copied to score output ([] if absent;
 *                     names non-empty, each listed once).
 *   "missing_tokens"  values that mean "missing" ([] = only the empty string;
 *                     each listed once).
 *   "criteria"        required list, one object per input column:
 *       "column"      input column name (non-empty, unique among criteria)
 *       "label"       display name (default: the column)
 *       "kind"        "numeric" | "banded" | "boolean" | "categorical" | "rules"
 *       "log1p"       numeric transform x -> log(1 + x) (default false)
 *       "cap_lo", "cap_hi"   clamp x to [cap_lo, cap_hi] before the rules
 *                     (absent = no bound)
 *       "reference"   categorical / banded reference level: 0 points
 *       "has_other"   a pooled "(other)" rule exists (default false)
 *       "joint_chi2", "joint_df", "joint_p_value"   learned: Wald test that
 *                     all the criterion's terms are zero (absent if not computed)
 *       "rules"       list, first match wins:
 *           "condition"  "equals" | "in" | "range" | "missing" | "per_unit" |
 *                        "true" | "other" | "any"
 *           "values"     equals: [exactly one value]; in: [one or more];
 *                        other: the pooled levels (may be []); not allowed on
 *                        other conditions
 *           "lo", "hi"   range only; absent = -infinity / +infinity; lo <= hi
 *           "lo_open", "hi_open"   range only: strict bounds (default false)
 *           "points"     points (whole numbers, |points| <= 1e12); per_unit:
 *                        points per unit of x, may be fractional
 *           "cap"        per_unit only: limit of the rule's points (absent = none)
 *           "label"      text shown in score reasons (default "")
 *           "term"       index into "coefficients" of the regression term
 *                        behind the rule; the term must belong to this
 *                        criterion (absent for hand-written rules)
 *       Conditions allowed per kind: numeric: per_unit, missing; banded:
 *       range, missing; boolean: true, missing; categorical: equals, other,
 *       missing; rules: all.
 *       No two rules of a criterion may have the same condition (as a points
 *       table writes it: "= Executive", "missing", "1..5"...), and a
 *       categorical's reference level may not have a rule: the later one
 *       could never match ("criteria[0].rules[1].condition: the condition
 *       '= Executive' repeats rules[0] of the criterion ...").
 *   "coefficients"    required list ([] for a hand-written model), one object
 *                     per regression term, the intercept first:
 *       "term"        "(intercept)", "COLUMN", "COLUMN=LEVEL", "COLUMN=missing"
 *                     (non-empty, unique)
 *       "criterion"   the column of the criterion it belongs to; null for the
 *                     intercept
 *       "aliased"     true when dropped as a linear combination of earlier
 *                     terms (as R's glm reports NA)
 *       "estimate"    log-odds coefficient; null exactly when aliased
 *       "std_error", "z", "p_value", "ci_low", "ci_high"   Wald statistics and
 *                     95% interval of the estimate; null when not available
 *       "points"      points of the term (per unit for linear terms)
 *   "fit"             required for a learned model, absent for a hand-written
 *                     one: "rows", "positives" (numbers), "deviance",
 *                     "null_deviance", "loglik", "null_loglik", "aic", "bic",
 *                     "auc", "mcfadden_r2", "lr_chi2", "lr_p_value",
 *                     "points_auc" (number, or null when not available),
 *                     "l2", "l1" (penalties, numbers >= 0), "iterations",
 *                     "rank" (whole numbers), "converged" (boolean).
 *   "points"          required scaling: "scale" ("none" | "budget" | "pdo"),
 *                     "factor" (points per unit of log-odds), "base_points"
 *                     (whole number added to every score), "budget", "pdo",
 *                     "base_score", "base_odds" (number, or null when the
 *                     scaling does not use it), "round_to" (> 0),
 *                     "probability_offset" (added to the linear predictor);
 *                     integer cards also "card_intercept" and "card_multiplier"
 *                     m > 0: P(convert | score s) = 1/(1 + exp(-(a + s)/m)).
 *   "tiers"           optional list, highest first, strictly decreasing
 *                     "min_score": [{"name": "hot", "min_score": 60}, ...];
 *                     the last tier's min_score may be null, meaning
 *                     -infinity (every lower score). Names unique.
 *   "training"        optional lineage, all strings: "data_file",
 *                     "data_sha256" (64 hex digits), "created" (ISO 8601),
 *                     "leadscore_version", "parent" (model it was refit from).
 *
 * Numbers are written with the shortest of %.15g/%.16g/%.17g that reads back
 * as the same double, with '.' whatever the locale (ls_format_double), so
 * load(save(m)) holds the same bits and save(load(file)) gives the same
 * bytes. JSON has no NaN or infinity: "not available" is null where the
 * format allows it, an infinite range end or an absent cap is an absent key;
 * any other null, a string, or an overflowing number (1e999) where a number
 * is required is an error.
 *
 * Reading validates everything above and reports the first problem as
 * LS_ERR_MODEL, "FILE: JSON.PATH: problem", e.g.
 * "model.json: coefficients[3].points: expected a finite number, not null";
 * text that is not JSON is placed at its line and column. Files above 64 MiB
 * are refused (LS_ERR_LIMIT). Saving runs the same checks on what it is about
 * to write, so it never writes a file it cannot read.
 *
 * ls_model_load reads a file (or "-", standard input) whose first byte after
 * spaces and an optional UTF-8 byte order mark is '{' as this JSON, and
 * anything else as a points table (points_table.c).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "model_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "error_internal.h"
#include "leadscore/output.h"
#include "points_table.h"
#include "text.h"

#define MODEL_FILE_MAX ((size_t)64 << 20) /* refuse model files above 64 MiB */
#define POINTS_MAX 1e12                   /* |points|: sums stay exact integers */
#define COUNT_MAX 9007199254740992.0      /* 2^53: whole numbers exact in a double */
#define PATH_SIZE 160                     /* "criteria[123].rules[45].values[6]" */

/* ---- vocabulary ----------------------------------------------------------- */

static const char *const crit_words[] = {"numeric", "banded", "boolean", "categorical", "rules"};
static const char *const cond_words[] = {"equals",   "in",   "range", "missing",
                                         "per_unit", "true", "other", "any"};
static const char *const scale_words[] = {"none", "budget", "pdo"};

#define N_CRIT (sizeof crit_words / sizeof crit_words[0])
#define N_COND (sizeof cond_words / sizeof cond_words[0])
#define N_SCALE (sizeof scale_words / sizeof scale_words[0])

static const char *crit_word(ls_crit_kind kind)
{
    return (size_t)kind < N_CRIT ? crit_words[kind] : "unknown";
}

static const char *cond_word(ls_cond_kind kind)
{
    return (size_t)kind < N_COND ? cond_words[kind] : "unknown";
}

static const char *scale_word(ls_scale_kind scale)
{
    return (size_t)scale < N_SCALE ? scale_words[scale] : "unknown";
}

/* Conditions each criterion kind may hold (bit per ls_cond_kind): the
 * scorer ignores any other, so a file holding one has been tampered with. */
#define BIT(c) (1u << (c))
static const unsigned allowed_conds[] = {
    [LS_CRIT_NUMERIC] = BIT(LS_COND_PER_UNIT) | BIT(LS_COND_MISSING),
    [LS_CRIT_BANDED] = BIT(LS_COND_RANGE) | BIT(LS_COND_MISSING),
    [LS_CRIT_BOOLEAN] = BIT(LS_COND_TRUE) | BIT(LS_COND_MISSING),
    [LS_CRIT_CATEGORICAL] =
        BIT(LS_COND_EQUALS) | BIT(LS_COND_IN) | BIT(LS_COND_OTHER) | BIT(LS_COND_MISSING),
    [LS_CRIT_RULES] = 0xffu,
};

/* ---- reading: messages ------------------------------------------------------ */

typedef struct {
    const char *name; /* file name for messages, may be NULL */
    ls_error *err;
} reader;

static ls_status failf(const reader *r, const char *path, const char *fmt, ...) LS_PRINTF(3, 4);
static ls_status failf(const reader *r, const char *path, const char *fmt, ...)
{
    char msg[LS_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path && path[0])
        return ls_fail_at(r->err, LS_ERR_MODEL, r->name, 0, 0, NULL, "%s: %s", path, msg);
    return ls_fail_at(r->err, LS_ERR_MODEL, r->name, 0, 0, NULL, "%s", msg);
}

static ls_status nomem(const reader *r)
{
    return ls_fail(r->err, LS_ERR_NOMEM, "out of memory");
}

/* A string from the file made safe to quote in a message: at most 60 bytes,
 * control characters (and all non-ASCII bytes if the text is not valid
 * UTF-8) shown as '?'. */
static const char *shown(const char *s, char *buf, size_t size)
{
    if (!s)
        s = "";
    size_t len = strlen(s), n = 0, i = 0;
    int utf8 = ls_utf8_valid(s, len);
    size_t limit = size - 4 < 60 ? size - 4 : 60;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t k = 1;
        if (c >= 0x80 && utf8) /* a whole UTF-8 sequence */
            while (i + k < len && ((unsigned char)s[i + k] & 0xC0) == 0x80)
                k++;
        if (n + k > limit)
            break;
        if (k > 1 || (c >= 0x80 && utf8))
            memcpy(buf + n, s + i, k);
        else
            buf[n] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
        n += k;
        i += k;
    }
    if (i < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

static const char *type_name(const cJSON *it)
{
    if (cJSON_IsNull(it))
        return "null";
    if (cJSON_IsBool(it))
        return "a boolean";
    if (cJSON_IsNumber(it))
        return "a number";
    if (cJSON_IsString(it))
        return "a string";
    if (cJSON_IsArray(it))
        return "a list";
    if (cJSON_IsObject(it))
        return "an object";
    return "an unknown value";
}

/* Formats a JSON path into buf (PATH_SIZE bytes), cut short if need be. */
static void pathf(char *buf, const char *fmt, ...) LS_PRINTF(2, 3);
static void pathf(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, PATH_SIZE, fmt, ap);
    va_end(ap);
}

static void subpath(char *buf, const char *parent, const char *key)
{
    pathf(buf, "%s%s%s", parent, parent[0] ? "." : "", key);
}

static void itempath(char *buf, const char *parent, size_t i)
{
    pathf(buf, "%s[%zu]", parent, i);
}

/* ---- reading: typed getters ------------------------------------------------ */

enum { REQUIRED = 0, OPTIONAL = 1, NULLABLE = 2 };

/* Fails unless obj is an object whose keys are all in keys[], none repeated. */
static ls_status check_object(const reader *r, const cJSON *obj, const char *path,
                              const char *const *keys, size_t n_keys)
{
    if (!cJSON_IsObject(obj))
        return failf(r, path, "expected an object, not %s", type_name(obj));
    uint64_t seen = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        const char *key = it->string ? it->string : "";
        size_t k = 0;
        while (k < n_keys && strcmp(key, keys[k]) != 0)
            k++;
        char buf[80];
        if (k == n_keys)
            return failf(r, path, "unknown key '%s'", shown(key, buf, sizeof buf));
        if (seen & ((uint64_t)1 << k))
            return failf(r, path, "key '%s' is given twice", keys[k]);
        seen |= (uint64_t)1 << k;
    }
    return LS_OK;
}

static ls_status missing_key(const reader *r, const char *path, const char *key)
{
    return failf(r, path, "missing key '%s'", key);
}

/* Finds obj[key]: *it is NULL when absent (an error unless OPTIONAL). */
static ls_status member(const reader *r, const cJSON *obj, const char *path, const char *key,
                        int flags, const cJSON **it)
{
    *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!*it && !(flags & OPTIONAL))
        return missing_key(r, path, key);
    return LS_OK;
}

/* A number: absent (OPTIONAL) leaves *out as it is; null (NULLABLE) is NAN;
 * otherwise a finite number. */
static ls_status get_number(const reader *r, const cJSON *obj, const char *path, const char *key,
                            int flags, double *out)
{
    const cJSON *it;
    ls_status st = member(r, obj, path, key, flags, &it);
    if (st != LS_OK || !it)
        return st;
    char p[PATH_SIZE];
    subpath(p, path, key);
    if ((flags & NULLABLE) && cJSON_IsNull(it)) {
        *out = NAN;
        return LS_OK;
    }
    if (!cJSON_IsNumber(it))
        return failf(r, p, "expected a finite number%s, not %s", flags & NULLABLE ? " or null" : "",
                     type_name(it));
    if (!isfinite(it->valuedouble))
        return failf(r, p, "expected a finite number, not one beyond the range of a double");
    *out = it->valuedouble;
    return LS_OK;
}

/* A whole number in [0, max]; absent (OPTIONAL) leaves *out as it is. */
static ls_status get_count(const reader *r, const cJSON *obj, const char *path, const char *key,
                           int flags, double max, double *out)
{
    const cJSON *it;
    ls_status st = member(r, obj, path, key, flags, &it);
    if (st != LS_OK || !it)
        return st;
    double v = 0;
    if ((st = get_number(r, obj, path, key, REQUIRED, &v)) != LS_OK)
        return st;
    if (v != floor(v) || v < 0 || v > max) {
        char p[PATH_SIZE];
        subpath(p, path, key);
        return failf(r, p, "expected a whole number from 0 to %.15g", max);
    }
    *out = v;
    return LS_OK;
}

static ls_status get_bool(const reader *r, const cJSON *obj, const char *path, const char *key,
                          int flags, int *out)
{
    const cJSON *it;
    ls_status st = member(r, obj, path, key, flags, &it);
    if (st != LS_OK || !it)
        return st;
    if (!cJSON_IsBool(it)) {
        char p[PATH_SIZE];
        subpath(p, path, key);
        return failf(r, p, "expected true or false, not %s", type_name(it));
    }
    *out = cJSON_IsTrue(it) ? 1 : 0;
    return LS_OK;
}

/* A string value as a new copy (valid UTF-8). */
static ls_status dup_string(const reader *r, const cJSON *it, const char *p, char **out)
{
    if (!cJSON_IsString(it) || !it->valuestring)
        return failf(r, p, "expected a string, not %s", type_name(it));
    if (!ls_utf8_valid(it->valuestring, strlen(it->valuestring)))
        return failf(r, p, "not valid UTF-8");
    char *s = ls_strdup(it->valuestring);
    if (!s)
        return nomem(r);
    free(*out);
    *out = s;
    return LS_OK;
}

static ls_status get_string(const reader *r, const cJSON *obj, const char *path, const char *key,
                            int flags, char **out)
{
    const cJSON *it;
    ls_status st = member(r, obj, path, key, flags, &it);
    if (st != LS_OK || !it)
        return st;
    char p[PATH_SIZE];
    subpath(p, path, key);
    return dup_string(r, it, p, out);
}

/* One of words[]: *out is its index. */
static ls_status get_word(const reader *r, const cJSON *obj, const char *path, const char *key,
                          const char *const *words, size_t n_words, const char *what, int *out)
{
    const cJSON *it;
    ls_status st = member(r, obj, path, key, REQUIRED, &it);
    if (st != LS_OK)
        return st;
    char p[PATH_SIZE];
    subpath(p, path, key);
    if (!cJSON_IsString(it) || !it->valuestring)
        return failf(r, p, "expected a string, not %s", type_name(it));
    for (size_t i = 0; i < n_words; i++) {
        if (strcmp(it->valuestring, words[i]) == 0) {
            *out = (int)i;
            return LS_OK;
        }
    }
    char list[160] = "", buf[80];
    for (size_t i = 0; i < n_words; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s",
                 i == 0            ? ""
                 : i + 1 < n_words ? ", "
                                   : " or ",
                 words[i]);
    }
    return failf(r, p, "unknown %s '%s' (expected %s)", what,
                 shown(it->valuestring, buf, sizeof buf), list);
}

static size_t list_size(const cJSON *list)
{
    size_t n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        n++;
    }
    return n;
}

/* A list: *list is NULL when absent (OPTIONAL), *n its length. */
static ls_status get_list(const reader *r, const cJSON *obj, const char *path, const char *key,
                          int flags, const cJSON **list, size_t *n)
{
    *n = 0;
    ls_status st = member(r, obj, path, key, flags, list);
    if (st != LS_OK || !*list)
        return st;
    if (!cJSON_IsArray(*list)) {
        char p[PATH_SIZE];
        subpath(p, path, key);
        return failf(r, p, "expected a list, not %s", type_name(*list));
    }
    *n = list_size(*list);
    return LS_OK;
}

/* A list of strings into a new array (*out NULL when empty). */
static ls_status get_strings(const reader *r, const cJSON *obj, const char *path, const char *key,
                             int flags, char ***out, size_t *n_out)
{
    const cJSON *list;
    size_t n;
    ls_status st = get_list(r, obj, path, key, flags, &list, &n);
    if (st != LS_OK || n == 0)
        return st;
    char p[PATH_SIZE], q[PATH_SIZE];
    subpath(p, path, key);
    *out = calloc(n, sizeof **out);
    if (!*out)
        return nomem(r);
    *n_out = n;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        itempath(q, p, i);
        if ((st = dup_string(r, it, q, &(*out)[i++])) != LS_OK)
            return st;
    }
    return LS_OK;
}

/* ---- reading: duplicates --------------------------------------------------- */

typedef struct {
    const char *s;
    size_t i;
} named;

static int named_cmp(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Sorts v (n names with their positions) and returns the position of the
 * first name, in file order, equal to an earlier one; n if none. */
static size_t first_duplicate(named *v, size_t n)
{
    if (n < 2)
        return n;
    qsort(v, n, sizeof *v, named_cmp);
    size_t dup = n;
    for (size_t k = 1; k < n; k++)
        if (strcmp(v[k].s, v[k - 1].s) == 0 && v[k].i < dup)
            dup = v[k].i;
    return dup;
}

/* Position of s among the sorted names v, or -1. */
static long find_named(const named *v, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v[mid].s, s);
        if (c == 0) {
            while (mid > 0 && strcmp(v[mid - 1].s, s) == 0)
                mid--;
            return (long)v[mid].i;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ---- reading: the model ---------------------------------------------------- */

static const char *const rule_keys[] = {"condition", "values", "lo",  "hi",    "lo_open",
                                        "hi_open",   "points", "cap", "label", "term"};

/* p: the JSON path of the points value. */
static ls_status check_points(const reader *r, const char *p, double v, int whole)
{
    if (fabs(v) > POINTS_MAX)
        return failf(r, p, "%.17g is beyond the limit of %g points", v, POINTS_MAX);
    if (whole && v != floor(v))
        return failf(r, p, "expected a whole number of points, not %.17g", v);
    return LS_OK;
}

/* Keys that only some conditions may carry. */
static ls_status check_rule_keys(const reader *r, const cJSON *obj, const char *path,
                                 ls_cond_kind kind)
{
    static const struct {
        const char *key;
        unsigned conds;
    } only[] = {
        {"values", BIT(LS_COND_EQUALS) | BIT(LS_COND_IN) | BIT(LS_COND_OTHER)},
        {"lo", BIT(LS_COND_RANGE)},
        {"hi", BIT(LS_COND_RANGE)},
        {"lo_open", BIT(LS_COND_RANGE)},
        {"hi_open", BIT(LS_COND_RANGE)},
        {"cap", BIT(LS_COND_PER_UNIT)},
    };
    for (size_t k = 0; k < sizeof only / sizeof only[0]; k++) {
        if (!(only[k].conds & BIT(kind)) && cJSON_GetObjectItemCaseSensitive(obj, only[k].key)) {
            char p[PATH_SIZE];
            subpath(p, path, only[k].key);
            return failf(r, p, "not allowed in a '%s' rule", cond_words[kind]);
        }
    }
    return LS_OK;
}

static ls_status parse_rule(const reader *r, const cJSON *obj, const char *path,
                            const ls_criterion *c, ls_rule *rule)
{
    rule->lo = -INFINITY;
    rule->hi = INFINITY;
    rule->cap = NAN;
    rule->term = -1;
    ls_status st = check_object(r, obj, path, rule_keys, sizeof rule_keys / sizeof rule_keys[0]);
    int kind = 0;
    if (st == LS_OK)
        st = get_word(r, obj, path, "condition", cond_words, N_COND, "condition", &kind);
    if (st != LS_OK)
        return st;
    rule->kind = (ls_cond_kind)kind;
    char p[PATH_SIZE];
    subpath(p, path, "condition");
    if (!(allowed_conds[c->kind] & BIT(kind)))
        return failf(r, p, "a '%s' rule cannot be used in a %s criterion", cond_words[kind],
                     crit_words[c->kind]);
    if ((st = check_rule_keys(r, obj, path, rule->kind)) != LS_OK)
        return st;

    if (kind == LS_COND_EQUALS || kind == LS_COND_IN || kind == LS_COND_OTHER) {
        st = get_strings(r, obj, path, "values", kind == LS_COND_OTHER ? OPTIONAL : REQUIRED,
                         &rule->values, &rule->n_values);
        if (st != LS_OK)
            return st;
        subpath(p, path, "values");
        if (kind == LS_COND_EQUALS && rule->n_values != 1)
            return failf(r, p, "an 'equals' rule needs exactly one value, not %zu", rule->n_values);
        if (kind == LS_COND_IN && rule->n_values == 0)
            return failf(r, p, "an 'in' rule needs at least one value");
        /* the empty value is always missing, so it never reaches these rules
         * (and a points table cannot write it: fuzz find) */
        for (size_t i = 0; i < rule->n_values; i++)
            if (rule->values[i][0] == '\0')
                return failf(r, p,
                             "an empty value is missing, never compared: use a 'missing' "
                             "rule");
    }
    if (kind == LS_COND_RANGE) {
        if ((st = get_number(r, obj, path, "lo", OPTIONAL, &rule->lo)) != LS_OK ||
            (st = get_number(r, obj, path, "hi", OPTIONAL, &rule->hi)) != LS_OK ||
            (st = get_bool(r, obj, path, "lo_open", OPTIONAL, &rule->lo_open)) != LS_OK ||
            (st = get_bool(r, obj, path, "hi_open", OPTIONAL, &rule->hi_open)) != LS_OK)
            return st;
        if (rule->lo > rule->hi || (rule->lo == rule->hi && (rule->lo_open || rule->hi_open)))
            return failf(r, path, "the range from lo to hi is empty");
    }
    subpath(p, path, "points");
    if ((st = get_number(r, obj, path, "points", REQUIRED, &rule->points)) != LS_OK ||
        (st = check_points(r, p, rule->points, kind != LS_COND_PER_UNIT)) != LS_OK)
        return st;
    if (kind == LS_COND_PER_UNIT &&
        (st = get_number(r, obj, path, "cap", OPTIONAL, &rule->cap)) != LS_OK)
        return st;
    if ((st = get_string(r, obj, path, "label", OPTIONAL, &rule->label)) != LS_OK)
        return st;
    if (!rule->label && !(rule->label = ls_strdup("")))
        return nomem(r);
    double term = -1;
    if ((st = get_count(r, obj, path, "term", OPTIONAL, (double)INT32_MAX, &term)) != LS_OK)
        return st;
    rule->term = (long)term;
    return LS_OK;
}

/* Refuses two rules of a criterion with the same condition, as the points
 * table does: the later one could never match, and the points-table export
 * would write a table that its own reader refuses (fuzz find). Conditions
 * are compared as the export writes them (ls_points_condition_text), with a
 * categorical's reference level and pooled "other" values among them. */
static ls_status check_repeats(const reader *r, const ls_criterion *c, const char *path)
{
    /* text[k]: rule k, then the reference level and the pooled levels */
    char **text = calloc(c->n_rules + 2, sizeof *text);
    named *v = calloc(c->n_rules + 2, sizeof *v);
    ls_status st = text && v ? LS_OK : nomem(r);
    size_t n = 0, ref = SIZE_MAX;
    for (; st == LS_OK && n < c->n_rules; n++)
        if (!(text[n] = ls_points_condition_text(c, &c->rules[n])))
            st = nomem(r);
    const ls_rule *other = NULL;
    for (size_t k = 0; k < c->n_rules && !other; k++)
        if (c->rules[k].kind == LS_COND_OTHER)
            other = &c->rules[k];
    if (st == LS_OK && c->kind == LS_CRIT_CATEGORICAL && c->reference) {
        char *value = c->reference;
        ls_rule made = {.kind = ls_points_value_is_smart(value) ? LS_COND_IN : LS_COND_EQUALS,
                        .values = &value,
                        .n_values = 1};
        ref = n;
        if (!(text[n++] = ls_points_condition_text(c, &made)))
            st = nomem(r);
    }
    if (st == LS_OK && c->kind == LS_CRIT_CATEGORICAL && other && other->n_values) {
        ls_rule pooled = *other;
        pooled.kind = LS_COND_IN;
        if (!(text[n++] = ls_points_condition_text(c, &pooled)))
            st = nomem(r);
    }
    if (st == LS_OK) {
        for (size_t k = 0; k < n; k++)
            v[k] = (named){text[k], k};
        size_t dup = first_duplicate(v, n);
        if (dup < n) {
            size_t first = 0;
            while (strcmp(text[first], text[dup]) != 0)
                first++;
            char p[PATH_SIZE], buf[80];
            if (dup < c->n_rules)
                pathf(p, "%s.rules[%zu].condition", path, dup);
            else if (dup == ref)
                subpath(p, path, "reference");
            else
                pathf(p, "%s.rules[%zu].values", path, (size_t)(other - c->rules));
            char earlier[32];
            if (first == ref)
                snprintf(earlier, sizeof earlier, "the reference level");
            else
                snprintf(earlier, sizeof earlier, "rules[%zu]", first);
            st = failf(r, p,
                       "the condition '%s' repeats %s of the criterion (a rule that could never "
                       "match)",
                       shown(text[dup], buf, sizeof buf), earlier);
        }
    }
    for (size_t k = 0; text && k < c->n_rules + 2; k++)
        free(text[k]);
    free(text);
    free(v);
    return st;
}

static const char *const crit_keys[] = {"column",     "label",    "kind",          "log1p",
                                        "cap_lo",     "cap_hi",   "reference",     "has_other",
                                        "joint_chi2", "joint_df", "joint_p_value", "rules"};

static ls_status parse_criterion(const reader *r, const cJSON *obj, const char *path,
                                 ls_criterion *c)
{
    c->cap_lo = NAN;
    c->cap_hi = NAN;
    c->joint_chi2 = c->joint_df = c->joint_p = NAN;
    ls_status st = check_object(r, obj, path, crit_keys, sizeof crit_keys / sizeof crit_keys[0]);
    if (st != LS_OK || (st = get_string(r, obj, path, "column", REQUIRED, &c->column)) != LS_OK)
        return st;
    char p[PATH_SIZE];
    if (!c->column || !c->column[0]) {
        subpath(p, path, "column");
        return failf(r, p, "must not be empty");
    }
    if ((st = get_string(r, obj, path, "label", OPTIONAL, &c->label)) != LS_OK)
        return st;
    if (!c->label && !(c->label = ls_strdup(c->column)))
        return nomem(r);
    int kind = 0;
    if ((st = get_word(r, obj, path, "kind", crit_words, N_CRIT, "criterion kind", &kind)) != LS_OK)
        return st;
    c->kind = (ls_crit_kind)kind;
    if ((st = get_bool(r, obj, path, "log1p", OPTIONAL, &c->log1p)) != LS_OK ||
        (st = get_number(r, obj, path, "cap_lo", OPTIONAL, &c->cap_lo)) != LS_OK ||
        (st = get_number(r, obj, path, "cap_hi", OPTIONAL, &c->cap_hi)) != LS_OK ||
        (st = get_string(r, obj, path, "reference", OPTIONAL, &c->reference)) != LS_OK ||
        (st = get_bool(r, obj, path, "has_other", OPTIONAL, &c->has_other)) != LS_OK ||
        (st = get_number(r, obj, path, "joint_chi2", OPTIONAL, &c->joint_chi2)) != LS_OK ||
        (st = get_number(r, obj, path, "joint_df", OPTIONAL, &c->joint_df)) != LS_OK ||
        (st = get_number(r, obj, path, "joint_p_value", OPTIONAL, &c->joint_p)) != LS_OK)
        return st;
    if (c->cap_lo > c->cap_hi) {
        subpath(p, path, "cap_hi");
        return failf(r, p, "less than cap_lo");
    }
    if (c->reference && c->reference[0] == '\0') {
        subpath(p, path, "reference");
        return failf(r, p, "an empty value is missing, never a level");
    }
    const cJSON *rules;
    size_t n;
    if ((st = get_list(r, obj, path, "rules", REQUIRED, &rules, &n)) != LS_OK)
        return st;
    if (n) {
        if (!(c->rules = calloc(n, sizeof *c->rules)))
            return nomem(r);
        c->n_rules = n;
    }
    subpath(p, path, "rules");
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, rules)
    {
        char q[PATH_SIZE];
        itempath(q, p, i);
        if ((st = parse_rule(r, it, q, c, &c->rules[i++])) != LS_OK)
            return st;
    }
    return check_repeats(r, c, path);
}

static const char *const term_keys[] = {"term", "criterion", "aliased", "estimate", "std_error",
                                        "z",    "p_value",   "ci_low",  "ci_high",  "points"};

/* crit: the criteria's columns, sorted (find_named). */
static ls_status parse_term(const reader *r, const cJSON *obj, const char *path, const named *crit,
                            size_t n_crit, ls_term *t)
{
    t->criterion = -1;
    ls_status st = check_object(r, obj, path, term_keys, sizeof term_keys / sizeof term_keys[0]);
    if (st != LS_OK || (st = get_string(r, obj, path, "term", REQUIRED, &t->name)) != LS_OK)
        return st;
    char p[PATH_SIZE];
    if (!t->name || !t->name[0]) {
        subpath(p, path, "term");
        return failf(r, p, "must not be empty");
    }
    const cJSON *it;
    member(r, obj, path, "criterion", OPTIONAL, &it);
    if (it && !cJSON_IsNull(it)) {
        subpath(p, path, "criterion");
        if (!cJSON_IsString(it) || !it->valuestring)
            return failf(r, p, "expected a criterion's column or null, not %s", type_name(it));
        t->criterion = find_named(crit, n_crit, it->valuestring);
        char buf[80];
        if (t->criterion < 0)
            return failf(r, p, "no criterion has the column '%s'",
                         shown(it->valuestring, buf, sizeof buf));
    }
    if ((st = get_bool(r, obj, path, "aliased", OPTIONAL, &t->aliased)) != LS_OK ||
        (st = get_number(r, obj, path, "estimate", NULLABLE, &t->estimate)) != LS_OK ||
        (st = get_number(r, obj, path, "std_error", NULLABLE, &t->std_error)) != LS_OK ||
        (st = get_number(r, obj, path, "z", NULLABLE, &t->z)) != LS_OK ||
        (st = get_number(r, obj, path, "p_value", NULLABLE, &t->p_value)) != LS_OK ||
        (st = get_number(r, obj, path, "ci_low", NULLABLE, &t->ci_low)) != LS_OK ||
        (st = get_number(r, obj, path, "ci_high", NULLABLE, &t->ci_high)) != LS_OK ||
        (st = get_number(r, obj, path, "points", REQUIRED, &t->points)) != LS_OK)
        return st;
    subpath(p, path, "points");
    if ((st = check_points(r, p, t->points, 0)) != LS_OK)
        return st;
    subpath(p, path, "estimate");
    if (t->aliased && !isnan(t->estimate))
        return failf(r, p, "expected null for an aliased term");
    if (!t->aliased && isnan(t->estimate))
        return failf(r, p, "expected a finite number, not null (null is only for an aliased term)");
    if (t->std_error < 0) {
        subpath(p, path, "std_error");
        return failf(r, p, "must not be negative");
    }
    if (t->p_value < 0 || t->p_value > 1) {
        subpath(p, path, "p_value");
        return failf(r, p, "must be between 0 and 1");
    }
    if (t->ci_low > t->ci_high) {
        subpath(p, path, "ci_high");
        return failf(r, p, "less than ci_low");
    }
    return LS_OK;
}

static const char *const fit_keys[] = {
    "rows",       "positives", "deviance", "null_deviance", "loglik",  "null_loglik",
    "aic",        "bic",       "auc",      "mcfadden_r2",   "lr_chi2", "lr_p_value",
    "points_auc", "l2",        "l1",       "iterations",    "rank",    "converged"};

static ls_status parse_fit(const reader *r, const cJSON *obj, ls_model *m)
{
    const char *path = "fit";
    ls_status st = check_object(r, obj, path, fit_keys, sizeof fit_keys / sizeof fit_keys[0]);
    if (st != LS_OK)
        return st;
    struct {
        const char *key;
        double *v;
        int flags;
        double lo, hi; /* allowed range when not NAN */
    } nums[] = {
        {"rows", &m->rows, REQUIRED, 0, COUNT_MAX},
        {"positives", &m->positives, REQUIRED, 0, COUNT_MAX},
        {"deviance", &m->deviance, NULLABLE, 0, INFINITY},
        {"null_deviance", &m->null_deviance, NULLABLE, 0, INFINITY},
        {"loglik", &m->loglik, NULLABLE, -INFINITY, INFINITY},
        {"null_loglik", &m->null_loglik, NULLABLE, -INFINITY, INFINITY},
        {"aic", &m->aic, NULLABLE, -INFINITY, INFINITY},
        {"bic", &m->bic, NULLABLE, -INFINITY, INFINITY},
        {"auc", &m->auc, NULLABLE, 0, 1},
        {"mcfadden_r2", &m->mcfadden_r2, NULLABLE, -INFINITY, INFINITY},
        {"lr_chi2", &m->lr_chi2, NULLABLE, -INFINITY, INFINITY},
        {"lr_p_value", &m->lr_p_value, NULLABLE, 0, 1},
        {"points_auc", &m->points_auc, NULLABLE, 0, 1},
        {"l2", &m->l2, REQUIRED, 0, INFINITY},
        {"l1", &m->l1, REQUIRED, 0, INFINITY},
    };
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
        if ((st = get_number(r, obj, path, nums[k].key, nums[k].flags, nums[k].v)) != LS_OK)
            return st;
        double v = *nums[k].v;
        if (v < nums[k].lo || v > nums[k].hi) {
            char p[PATH_SIZE];
            subpath(p, path, nums[k].key);
            return failf(r, p, "%.17g is out of range", v);
        }
    }
    double iterations = 0, rank = 0;
    if ((st = get_count(r, obj, path, "iterations", REQUIRED, COUNT_MAX, &iterations)) != LS_OK ||
        (st = get_count(r, obj, path, "rank", REQUIRED, COUNT_MAX, &rank)) != LS_OK ||
        (st = get_bool(r, obj, path, "converged", REQUIRED, &m->converged)) != LS_OK)
        return st;
    if (rank > (double)m->n_terms)
        return failf(r, "fit.rank", "larger than the number of coefficients (%zu)", m->n_terms);
    m->iterations = (size_t)iterations;
    m->rank = (size_t)rank;
    return LS_OK;
}

static const char *const points_keys[] = {"scale",
                                          "factor",
                                          "base_points",
                                          "budget",
                                          "pdo",
                                          "base_score",
                                          "base_odds",
                                          "round_to",
                                          "probability_offset",
                                          "card_intercept",
                                          "card_multiplier"};

static ls_status parse_points(const reader *r, const cJSON *obj, ls_model *m)
{
    const char *path = "points";
    ls_status st =
        check_object(r, obj, path, points_keys, sizeof points_keys / sizeof points_keys[0]);
    int scale = 0;
    if (st != LS_OK ||
        (st = get_word(r, obj, path, "scale", scale_words, N_SCALE, "scale", &scale)) != LS_OK)
        return st;
    m->scale = (ls_scale_kind)scale;
    if ((st = get_number(r, obj, path, "factor", REQUIRED, &m->factor)) != LS_OK ||
        (st = get_number(r, obj, path, "base_points", REQUIRED, &m->base_points)) != LS_OK ||
        (st = check_points(r, "points.base_points", m->base_points, 1)) != LS_OK ||
        (st = get_number(r, obj, path, "budget", NULLABLE, &m->budget)) != LS_OK ||
        (st = get_number(r, obj, path, "pdo", NULLABLE, &m->pdo)) != LS_OK ||
        (st = get_number(r, obj, path, "base_score", NULLABLE, &m->base_score)) != LS_OK ||
        (st = get_number(r, obj, path, "base_odds", NULLABLE, &m->base_odds)) != LS_OK ||
        (st = get_number(r, obj, path, "round_to", REQUIRED, &m->round_to)) != LS_OK ||
        (st = get_number(r, obj, path, "probability_offset", REQUIRED, &m->probability_offset)) !=
            LS_OK ||
        (st = get_number(r, obj, path, "card_intercept", OPTIONAL, &m->card_intercept)) != LS_OK ||
        (st = get_number(r, obj, path, "card_multiplier", OPTIONAL, &m->card_multiplier)) != LS_OK)
        return st;
    if (!(m->card_multiplier >= 0))
        return failf(r, "points.card_multiplier", "must be 0 or greater");
    if (!(m->round_to > 0))
        return failf(r, "points.round_to", "must be greater than 0");
    return LS_OK;
}

static const char *const tier_keys[] = {"name", "min_score"};

static ls_status parse_tiers(const reader *r, const cJSON *list, size_t n, ls_model *m)
{
    if (n == 0)
        return LS_OK;
    if (!(m->tiers = calloc(n, sizeof *m->tiers)))
        return nomem(r);
    m->n_tiers = n;
    size_t i = 0;
    const cJSON *it;
    ls_status st;
    cJSON_ArrayForEach(it, list)
    {
        char path[PATH_SIZE], p[PATH_SIZE];
        itempath(path, "tiers", i);
        ls_tier *t = &m->tiers[i];
        if ((st = check_object(r, it, path, tier_keys, 2)) != LS_OK ||
            (st = get_string(r, it, path, "name", REQUIRED, &t->name)) != LS_OK ||
            (st = get_number(r, it, path, "min_score", NULLABLE, &t->min_score)) != LS_OK)
            return st;
        if (!t->name || !t->name[0]) {
            subpath(p, path, "name");
            return failf(r, p, "must not be empty");
        }
        subpath(p, path, "min_score");
        if (isnan(t->min_score)) {
            if (i + 1 < n)
                return failf(r, p, "null (no minimum) is only allowed for the last tier");
            t->min_score = -INFINITY;
        }
        if (i > 0 && !(t->min_score < m->tiers[i - 1].min_score))
            return failf(r, p, "tiers must be listed highest min_score first, without ties");
        i++;
    }
    named *v = malloc(n * sizeof *v);
    if (!v)
        return nomem(r);
    for (size_t k = 0; k < n; k++)
        v[k] = (named){m->tiers[k].name, k};
    size_t dup = first_duplicate(v, n);
    free(v);
    if (dup < n) {
        char p[PATH_SIZE], buf[80];
        pathf(p, "tiers[%zu].name", dup);
        return failf(r, p, "duplicate tier name '%s'", shown(m->tiers[dup].name, buf, sizeof buf));
    }
    return LS_OK;
}

static const char *const training_keys[] = {"data_file", "data_sha256", "created",
                                            "leadscore_version", "parent"};

static ls_status parse_training(const reader *r, const cJSON *obj, ls_model *m)
{
    const char *path = "training";
    ls_status st =
        check_object(r, obj, path, training_keys, sizeof training_keys / sizeof training_keys[0]);
    if (st != LS_OK ||
        (st = get_string(r, obj, path, "data_file", OPTIONAL, &m->data_file)) != LS_OK ||
        (st = get_string(r, obj, path, "data_sha256", OPTIONAL, &m->data_sha256)) != LS_OK ||
        (st = get_string(r, obj, path, "created", OPTIONAL, &m->created)) != LS_OK ||
        (st = get_string(r, obj, path, "leadscore_version", OPTIONAL, &m->version)) != LS_OK ||
        (st = get_string(r, obj, path, "parent", OPTIONAL, &m->parent)) != LS_OK)
        return st;
    if (m->data_sha256) {
        size_t len = strlen(m->data_sha256);
        int hex = len == 64;
        for (size_t i = 0; hex && i < len; i++)
            hex = strchr("0123456789abcdefABCDEF", m->data_sha256[i]) != NULL;
        if (!hex)
            return failf(r, "training.data_sha256", "expected 64 hexadecimal digits");
    }
    return LS_OK;
}

/* Every criterion column and term name unique; every rule's term exists and
 * belongs to the rule's criterion. */
static ls_status check_references(const reader *r, const ls_model *m)
{
    char p[PATH_SIZE], buf[80];
    for (size_t ci = 0; ci < m->n_criteria; ci++) {
        const ls_criterion *c = &m->criteria[ci];
        for (size_t k = 0; k < c->n_rules; k++) {
            long t = c->rules[k].term;
            if (t < 0)
                continue;
            pathf(p, "criteria[%zu].rules[%zu].term", ci, k);
            if ((size_t)t >= m->n_terms)
                return failf(r, p, "coefficient %ld is out of range (the model has %zu)", t,
                             m->n_terms);
            if (m->terms[t].criterion != (long)ci)
                return failf(r, p, "coefficient %ld ('%s') does not belong to criterion '%s'", t,
                             shown(m->terms[t].name, buf, sizeof buf), c->column);
        }
    }
    named *v = malloc((m->n_terms ? m->n_terms : 1) * sizeof *v);
    if (!v)
        return nomem(r);
    for (size_t k = 0; k < m->n_terms; k++)
        v[k] = (named){m->terms[k].name, k};
    size_t dup = first_duplicate(v, m->n_terms);
    free(v);
    if (dup < m->n_terms) {
        pathf(p, "coefficients[%zu].term", dup);
        return failf(r, p, "duplicate term '%s'", shown(m->terms[dup].name, buf, sizeof buf));
    }
    return LS_OK;
}

static const char *const root_keys[] = {
    "format_version", "kind",         "target", "positive", "id_columns", "missing_tokens",
    "criteria",       "coefficients", "fit",    "points",   "tiers",      "training"};

static ls_status parse_version(const reader *r, const cJSON *root)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "format_version");
    if (!it)
        return missing_key(r, "", "format_version");
    if (!cJSON_IsNumber(it))
        return failf(r, "format_version", "expected a whole number, not %s", type_name(it));
    double v = it->valuedouble;
    if (!isfinite(v) || v != floor(v) || v < 1)
        return failf(r, "format_version", "%.15g is not a model format version", v);
    if (v > LS_MODEL_FORMAT_VERSION)
        return failf(r, "",
                     "model format version %.15g is newer than this leadscore supports (%d); "
                     "upgrade leadscore",
                     v, LS_MODEL_FORMAT_VERSION);
    return LS_OK;
}

/* id_columns and missing_tokens: each listed once and, for id columns,
 * non-empty, as the points table requires (fuzz find: an id column "" was
 * exported as a row the points-table reader refuses). */
static ls_status check_names(const reader *r, const char *key, char *const *v, size_t n,
                             int empty_ok)
{
    for (size_t i = 0; i < n; i++) {
        char p[PATH_SIZE], buf[80];
        itempath(p, key, i);
        if (!empty_ok && v[i][0] == '\0')
            return failf(r, p, "must not be empty");
        for (size_t k = 0; k < i; k++)
            if (strcmp(v[k], v[i]) == 0)
                return failf(r, p, "'%s' is listed twice", shown(v[i], buf, sizeof buf));
    }
    return LS_OK;
}

static ls_status parse_model(const reader *r, const cJSON *root, ls_model *m)
{
    if (!cJSON_IsObject(root))
        return failf(r, "", "expected a JSON object at the top level, not %s", type_name(root));
    /* The version first: a newer file may hold keys this reader does not know. */
    ls_status st = parse_version(r, root);
    if (st != LS_OK || (st = check_object(r, root, "", root_keys,
                                          sizeof root_keys / sizeof root_keys[0])) != LS_OK)
        return st;
    static const char *const kinds[] = {"hand-written", "learned"};
    int learned = 0;
    if ((st = get_word(r, root, "", "kind", kinds, 2, "model kind", &learned)) != LS_OK)
        return st;
    m->learned = learned;
    if ((st = get_string(r, root, "", "target", learned ? REQUIRED : OPTIONAL, &m->target)) !=
            LS_OK ||
        (st = get_string(r, root, "", "positive", OPTIONAL, &m->positive)) != LS_OK ||
        (st = get_strings(r, root, "", "id_columns", OPTIONAL, &m->id_columns, &m->n_id_columns)) !=
            LS_OK ||
        (st = get_strings(r, root, "", "missing_tokens", OPTIONAL, &m->missing_tokens,
                          &m->n_missing_tokens)) != LS_OK ||
        (st = check_names(r, "id_columns", m->id_columns, m->n_id_columns, 0)) != LS_OK ||
        (st = check_names(r, "missing_tokens", m->missing_tokens, m->n_missing_tokens, 1)) != LS_OK)
        return st;

    /* criteria */
    const cJSON *list, *it;
    size_t n;
    if ((st = get_list(r, root, "", "criteria", REQUIRED, &list, &n)) != LS_OK)
        return st;
    if (n) {
        if (!(m->criteria = calloc(n, sizeof *m->criteria)))
            return nomem(r);
        m->n_criteria = n;
    }
    size_t i = 0;
    cJSON_ArrayForEach(it, list)
    {
        char p[PATH_SIZE];
        itempath(p, "criteria", i);
        if ((st = parse_criterion(r, it, p, &m->criteria[i++])) != LS_OK)
            return st;
    }
    named *crit = malloc((n ? n : 1) * sizeof *crit);
    if (!crit)
        return nomem(r);
    for (size_t k = 0; k < n; k++)
        crit[k] = (named){m->criteria[k].column, k};
    size_t dup = first_duplicate(crit, n);
    if (dup < n) {
        char p[PATH_SIZE], buf[80];
        pathf(p, "criteria[%zu].column", dup);
        st = failf(r, p, "another criterion has the column '%s'",
                   shown(m->criteria[dup].column, buf, sizeof buf));
        free(crit);
        return st;
    }

    /* coefficients */
    if ((st = get_list(r, root, "", "coefficients", REQUIRED, &list, &n)) != LS_OK) {
        free(crit);
        return st;
    }
    if (n && !(m->terms = calloc(n, sizeof *m->terms))) {
        free(crit);
        return nomem(r);
    }
    m->n_terms = n;
    i = 0;
    cJSON_ArrayForEach(it, list)
    {
        char p[PATH_SIZE];
        itempath(p, "coefficients", i);
        if ((st = parse_term(r, it, p, crit, m->n_criteria, &m->terms[i++])) != LS_OK)
            break;
    }
    if (st == LS_OK)
        st = check_references(r, m);
    free(crit);
    if (st != LS_OK)
        return st;

    /* fit, points, tiers, training */
    const cJSON *fit = cJSON_GetObjectItemCaseSensitive(root, "fit");
    if (learned && !fit)
        return failf(r, "", "missing key 'fit' (required for a learned model)");
    if (!learned && fit)
        return failf(r, "fit", "not allowed in a hand-written model");
    if (fit && (st = parse_fit(r, fit, m)) != LS_OK)
        return st;
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(root, "points");
    if (!points)
        return missing_key(r, "", "points");
    if ((st = parse_points(r, points, m)) != LS_OK ||
        (st = get_list(r, root, "", "tiers", OPTIONAL, &list, &n)) != LS_OK ||
        (st = parse_tiers(r, list, n, m)) != LS_OK)
        return st;
    const cJSON *training = cJSON_GetObjectItemCaseSensitive(root, "training");
    if (training && (st = parse_training(r, training, m)) != LS_OK)
        return st;
    return LS_OK;
}

/* ---- reading: text --------------------------------------------------------- */

static void line_col(const char *s, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    size_t start = 0;
    for (size_t i = 0; i < off; i++)
        if (s[i] == '\n') {
            (*line)++;
            start = i + 1;
        }
    *col = off - start + 1;
}

/* Offset of a NUL byte, or of a "\u0000" escape inside a string (C strings
 * would silently end there), or len. */
static size_t find_nul(const char *s, size_t len, int *escaped)
{
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\0') {
            *escaped = 0;
            return i;
        }
        if (!in_string) {
            in_string = c == '"';
        } else if (c == '"') {
            in_string = 0;
        } else if (c == '\\' && i + 1 < len) {
            if (s[i + 1] == 'u' && len - i >= 6 && memcmp(s + i + 2, "0000", 4) == 0) {
                *escaped = 1;
                return i;
            }
            i++;
        }
    }
    return len;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

ls_status ls_model_from_json(const char *json, size_t len, const char *name, ls_model **out,
                             ls_error *err)
{
    if (!out)
        return ls_fail(err, LS_ERR_USAGE, "ls_model_from_json: no place for the model");
    *out = NULL;
    if (!json)
        return ls_fail(err, LS_ERR_USAGE, "ls_model_from_json: no text");
    reader r = {name, err};
    if (len > MODEL_FILE_MAX)
        return ls_fail_at(err, LS_ERR_LIMIT, name, 0, 0, NULL, "model file is larger than 64 MiB");
    if (len >= 3 && memcmp(json, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 byte order mark */
        json += 3;
        len -= 3;
    }
    size_t first = 0;
    while (first < len && is_space(json[first]))
        first++;
    if (first == len)
        return failf(&r, "", "model file is empty");
    size_t line, col;
    int escaped = 0;
    size_t nul = find_nul(json, len, &escaped);
    if (nul < len) {
        line_col(json, nul, &line, &col);
        return ls_fail_at(err, LS_ERR_MODEL, name, line, col, NULL, "%s",
                          escaped ? "a string holds the character \\u0000"
                                  : "the file holds a NUL byte");
    }
    char *text = malloc(len + 1);
    if (!text)
        return nomem(&r);
    memcpy(text, json, len);
    text[len] = '\0';
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    ls_status st;
    if (!root) {
        size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
        size_t rest = off;
        while (rest < len && is_space(text[rest]))
            rest++;
        line_col(text, off, &line, &col);
        st = ls_fail_at(err, LS_ERR_MODEL, name, line, col, NULL, "%s",
                        rest >= len ? "the JSON text ends early (is the file truncated?)"
                                    : "not valid JSON");
        free(text);
        return st;
    }
    ls_model *m = ls_model_alloc();
    if (!m)
        st = nomem(&r);
    else
        st = parse_model(&r, root, m);
    cJSON_Delete(root);
    free(text);
    if (st != LS_OK) {
        ls_model_free(m);
        return st;
    }
    *out = m;
    return LS_OK;
}

ls_status ls_model_load(const char *path, ls_model **out, ls_error *err)
{
    if (!out || !path)
        return ls_fail(err, LS_ERR_USAGE, "ls_model_load: no path or no place for the model");
    *out = NULL;
    int from_stdin = strcmp(path, "-") == 0;
    const char *name = from_stdin ? "<stdin>" : path;
    FILE *fp = from_stdin ? stdin : fopen(path, "rb");
    if (!fp)
        return ls_fail_at(err, errno == ENOENT ? LS_ERR_NOTFOUND : LS_ERR_IO, path, 0, 0, NULL,
                          "cannot open model file: %s", strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    ls_status st = LS_OK;
    while (buf) {
        if (n == cap) {
            if (n > MODEL_FILE_MAX) {
                st = ls_fail_at(err, LS_ERR_LIMIT, name, 0, 0, NULL,
                                "model file is larger than 64 MiB");
                break;
            }
            size_t want = cap * 2 > MODEL_FILE_MAX + 1 ? MODEL_FILE_MAX + 1 : cap * 2;
            char *bigger = realloc(buf, want);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap = want;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    if (!buf)
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
    else if (st == LS_OK && ferror(fp))
        st = ls_fail_at(err, LS_ERR_IO, name, 0, 0, NULL, "cannot read model file: %s",
                        strerror(errno));
    if (!from_stdin)
        fclose(fp);
    if (st != LS_OK) {
        free(buf);
        return st;
    }
    /* JSON starts with '{' (after an optional byte order mark and spaces);
     * anything else is read as a points table, from the bytes already read
     * (so a pipe works and the file is opened once). */
    size_t first = n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (first < n && is_space(buf[first]))
        first++;
    if (first == n) {
        st = ls_fail_at(err, LS_ERR_MODEL, name, 0, 0, NULL, "model file is empty");
    } else if (buf[first] == '{') {
        st = ls_model_from_json(buf, n, name, out, err);
    } else {
        FILE *mem = fmemopen(buf, n, "r");
        if (!mem) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        } else {
            st = ls_points_table_load_stream(mem, name, out, err);
            fclose(mem);
        }
    }
    free(buf);
    return st;
}

/* ---- writing --------------------------------------------------------------- */

typedef struct {
    int failed; /* an allocation failed */
} writer;

static cJSON *add(writer *w, cJSON *obj, const char *key, cJSON *item)
{
    if (!item || !obj) {
        w->failed = 1;
        cJSON_Delete(item);
        return NULL;
    }
    if (!(key ? cJSON_AddItemToObject(obj, key, item) : cJSON_AddItemToArray(obj, item))) {
        w->failed = 1;
        cJSON_Delete(item);
        return NULL;
    }
    return item;
}

/* A double as the shortest text that reads back as the same bits. NAN is
 * null; an infinity is written as an overflowing literal so reading it back
 * fails with "expected a finite number" where the format has no room for it. */
static cJSON *num(double v)
{
    if (isnan(v))
        return cJSON_CreateNull();
    if (isinf(v))
        return cJSON_CreateRaw(v < 0 ? "-1e999" : "1e999");
    char buf[32];
    return cJSON_CreateRaw(ls_format_double(buf, v));
}

static cJSON *str(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *strs(writer *w, char *const *s, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        add(w, a, NULL, str(s[i]));
    return a;
}

static cJSON *write_rule(writer *w, const ls_rule *rule)
{
    cJSON *o = cJSON_CreateObject();
    ls_cond_kind k = rule->kind;
    add(w, o, "condition", cJSON_CreateString(cond_word(k)));
    if (k == LS_COND_EQUALS || k == LS_COND_IN || k == LS_COND_OTHER)
        add(w, o, "values", strs(w, rule->values, rule->n_values));
    if (k == LS_COND_RANGE) {
        if (rule->lo != -INFINITY)
            add(w, o, "lo", num(rule->lo));
        if (rule->hi != INFINITY)
            add(w, o, "hi", num(rule->hi));
        add(w, o, "lo_open", cJSON_CreateBool(rule->lo_open));
        add(w, o, "hi_open", cJSON_CreateBool(rule->hi_open));
    }
    add(w, o, "points", num(rule->points));
    if (k == LS_COND_PER_UNIT && !isnan(rule->cap))
        add(w, o, "cap", num(rule->cap));
    add(w, o, "label", str(rule->label ? rule->label : ""));
    if (rule->term >= 0)
        add(w, o, "term", num((double)rule->term));
    return o;
}

static cJSON *write_criterion(writer *w, const ls_criterion *c)
{
    cJSON *o = cJSON_CreateObject();
    add(w, o, "column", str(c->column));
    add(w, o, "label", str(c->label ? c->label : c->column));
    add(w, o, "kind", cJSON_CreateString(crit_word(c->kind)));
    add(w, o, "log1p", cJSON_CreateBool(c->log1p));
    if (!isnan(c->cap_lo))
        add(w, o, "cap_lo", num(c->cap_lo));
    if (!isnan(c->cap_hi))
        add(w, o, "cap_hi", num(c->cap_hi));
    if (c->reference)
        add(w, o, "reference", str(c->reference));
    add(w, o, "has_other", cJSON_CreateBool(c->has_other));
    if (!isnan(c->joint_chi2)) {
        add(w, o, "joint_chi2", num(c->joint_chi2));
        add(w, o, "joint_df", num(c->joint_df));
        add(w, o, "joint_p_value", num(c->joint_p));
    }
    cJSON *rules = add(w, o, "rules", cJSON_CreateArray());
    for (size_t k = 0; rules && k < c->n_rules; k++)
        add(w, rules, NULL, write_rule(w, &c->rules[k]));
    return o;
}

static cJSON *write_term(writer *w, const ls_model *m, const ls_term *t)
{
    cJSON *o = cJSON_CreateObject();
    add(w, o, "term", str(t->name));
    /* The index was checked by the caller. */
    add(w, o, "criterion",
        t->criterion >= 0 ? str(m->criteria[t->criterion].column) : cJSON_CreateNull());
    add(w, o, "aliased", cJSON_CreateBool(t->aliased));
    add(w, o, "estimate", num(t->estimate));
    add(w, o, "std_error", num(t->std_error));
    add(w, o, "z", num(t->z));
    add(w, o, "p_value", num(t->p_value));
    add(w, o, "ci_low", num(t->ci_low));
    add(w, o, "ci_high", num(t->ci_high));
    add(w, o, "points", num(t->points));
    return o;
}

static cJSON *write_fit(writer *w, const ls_model *m)
{
    cJSON *o = cJSON_CreateObject();
    add(w, o, "rows", num(m->rows));
    add(w, o, "positives", num(m->positives));
    add(w, o, "deviance", num(m->deviance));
    add(w, o, "null_deviance", num(m->null_deviance));
    add(w, o, "loglik", num(m->loglik));
    add(w, o, "null_loglik", num(m->null_loglik));
    add(w, o, "aic", num(m->aic));
    add(w, o, "bic", num(m->bic));
    add(w, o, "auc", num(m->auc));
    add(w, o, "mcfadden_r2", num(m->mcfadden_r2));
    add(w, o, "lr_chi2", num(m->lr_chi2));
    add(w, o, "lr_p_value", num(m->lr_p_value));
    add(w, o, "points_auc", num(m->points_auc));
    add(w, o, "l2", num(m->l2));
    add(w, o, "l1", num(m->l1));
    add(w, o, "iterations", num((double)m->iterations));
    add(w, o, "rank", num((double)m->rank));
    add(w, o, "converged", cJSON_CreateBool(m->converged));
    return o;
}

static cJSON *write_points(writer *w, const ls_model *m)
{
    cJSON *o = cJSON_CreateObject();
    add(w, o, "scale", cJSON_CreateString(scale_word(m->scale)));
    add(w, o, "factor", num(m->factor));
    add(w, o, "base_points", num(m->base_points));
    add(w, o, "budget", num(m->budget));
    add(w, o, "pdo", num(m->pdo));
    add(w, o, "base_score", num(m->base_score));
    add(w, o, "base_odds", num(m->base_odds));
    add(w, o, "round_to", num(m->round_to));
    add(w, o, "probability_offset", num(m->probability_offset));
    if (m->card_multiplier > 0) {
        add(w, o, "card_intercept", num(m->card_intercept));
        add(w, o, "card_multiplier", num(m->card_multiplier));
    }
    return o;
}

static cJSON *write_model(writer *w, const ls_model *m)
{
    cJSON *root = cJSON_CreateObject();
    add(w, root, "format_version", num(LS_MODEL_FORMAT_VERSION));
    add(w, root, "kind", cJSON_CreateString(m->learned ? "learned" : "hand-written"));
    if (m->target)
        add(w, root, "target", str(m->target));
    if (m->positive)
        add(w, root, "positive", str(m->positive));
    add(w, root, "id_columns", strs(w, m->id_columns, m->n_id_columns));
    add(w, root, "missing_tokens", strs(w, m->missing_tokens, m->n_missing_tokens));
    cJSON *list = add(w, root, "criteria", cJSON_CreateArray());
    for (size_t i = 0; list && i < m->n_criteria; i++)
        add(w, list, NULL, write_criterion(w, &m->criteria[i]));
    list = add(w, root, "coefficients", cJSON_CreateArray());
    for (size_t i = 0; list && i < m->n_terms; i++)
        add(w, list, NULL, write_term(w, m, &m->terms[i]));
    if (m->learned)
        add(w, root, "fit", write_fit(w, m));
    add(w, root, "points", write_points(w, m));
    list = add(w, root, "tiers", cJSON_CreateArray());
    for (size_t i = 0; list && i < m->n_tiers; i++) {
        cJSON *t = add(w, list, NULL, cJSON_CreateObject());
        add(w, t, "name", str(m->tiers[i].name));
        /* -infinity (every lower score) is null; only the last tier may have it */
        add(w, t, "min_score",
            m->tiers[i].min_score == -INFINITY ? cJSON_CreateNull() : num(m->tiers[i].min_score));
    }
    if (m->data_file || m->data_sha256 || m->created || m->version || m->parent) {
        cJSON *t = add(w, root, "training", cJSON_CreateObject());
        if (m->data_file)
            add(w, t, "data_file", str(m->data_file));
        if (m->data_sha256)
            add(w, t, "data_sha256", str(m->data_sha256));
        if (m->created)
            add(w, t, "created", str(m->created));
        if (m->version)
            add(w, t, "leadscore_version", str(m->version));
        if (m->parent)
            add(w, t, "parent", str(m->parent));
    }
    return root;
}

/* Serialises m and reads the text back with the loader's checks, so nothing
 * is written that cannot be read. name is used in messages. */
static ls_status to_json(const ls_model *m, const char *name, char **json, ls_error *err)
{
    *json = NULL;
    for (size_t i = 0; i < m->n_terms; i++)
        if (m->terms[i].criterion < -1 || m->terms[i].criterion >= (long)m->n_criteria)
            return ls_fail_at(err, LS_ERR_MODEL, name, 0, 0, NULL,
                              "invalid model, not written: coefficients[%zu]: criterion index "
                              "%ld is out of range",
                              i, m->terms[i].criterion);
    writer w = {0};
    cJSON *root = write_model(&w, m);
    char *text = root && !w.failed ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    size_t len = strlen(text);
    char *out = malloc(len + 2);
    if (!out) {
        cJSON_free(text);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    memcpy(out, text, len);
    out[len] = '\n';
    out[len + 1] = '\0';
    cJSON_free(text);

    ls_error check;
    ls_error_clear(&check);
    ls_model *back = NULL;
    ls_status st = ls_model_from_json(out, len + 1, NULL, &back, &check);
    ls_model_free(back);
    if (st != LS_OK) {
        free(out);
        if (st == LS_ERR_NOMEM)
            return ls_fail(err, st, "out of memory");
        return ls_fail_at(err, LS_ERR_MODEL, name, 0, 0, NULL, "invalid model, not written: %s",
                          check.message);
    }
    *json = out;
    return LS_OK;
}

ls_status ls_model_to_json(const ls_model *model, char **json, ls_error *err)
{
    if (!model || !json)
        return ls_fail(err, LS_ERR_USAGE, "ls_model_to_json: no model or no place for the text");
    return to_json(model, NULL, json, err);
}

ls_status ls_model_save(const ls_model *model, const char *path, ls_error *err)
{
    if (!model || !path)
        return ls_fail(err, LS_ERR_USAGE, "ls_model_save: no model or no path");
    char *json = NULL;
    ls_status st = to_json(model, path, &json, err);
    if (st != LS_OK)
        return st;
    ls_output *o = NULL;
    if ((st = ls_output_open(path, &o, err)) != LS_OK) {
        free(json);
        return st;
    }
    if (fputs(json, ls_output_stream(o)) == EOF) {
        ls_output_abort(o);
        free(json);
        return ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "cannot write model file: %s",
                          strerror(errno));
    }
    free(json);
    return ls_output_commit(o, err);
}
