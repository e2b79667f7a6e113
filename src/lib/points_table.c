/* Points tables: hand-written points models, and any model exported as one.
 *
 * FORMAT
 *
 * A points table is a CSV file (separator , ; tab or |, detected from the
 * header) whose header names the columns
 *
 *     criterion,condition,points[,label]
 *
 * in any order (names compared without case; no other column is allowed).
 * Each row gives points to the leads whose value in the data column named by
 * `criterion` meets `condition`. Rows with the same criterion are
 * alternatives: the FIRST row that matches wins. Different criteria add up:
 * a lead's score is the base points plus, per criterion, the points of its
 * matching row (0 when none matches). `label` is the text shown in reasons
 * ("Visited pricing page +15"); when empty it is made from the criterion and
 * the condition ("Company Size 100..500").
 *
 *     criterion,condition,points,label
 *     Job Title,= Executive,10,Executive
 *     Company Size,100..500,8,Company size 100-500
 *     Visited Pricing Page,yes,15,Visited pricing page
 *     Signed Up for Free Trial,yes,20,Signed up for free trial
 *     Attended Webinar,yes,5,Attended a webinar
 *     (tier),hot,50,
 *     (tier),warm,25,
 *     (tier),nurture,,
 *
 * Conditions (keywords in any case; spaces around parts are ignored):
 *
 *   = VALUE        equality. Booleans compare as booleans (`= yes` matches
 *   VALUE          yes, Yes, TRUE, true, Y, 1), numbers as numbers (`= 5`
 *                  matches 5, 5.0, 5e0), anything else as exact,
 *                  case-sensitive text. A bare VALUE means the same, unless
 *                  it reads as one of the forms below (then write `= VALUE`).
 *   == VALUE       exact text, nothing interpreted (`== 1` does not match 1.0).
 *   in A | B | C   the value's exact text is one of A, B, C.
 *   LO..HI         a number with LO <= x <= HI; `<` next to the dots
 *   LO..<HI        excludes that end: LO..<HI is LO <= x < HI,
 *   LO<..HI        LO<..HI is LO < x <= HI.
 *   >= X, > X, <= X, < X   a number compared with X.
 *   yes / true     a yes/no value that is yes (TRUE, true, Y, 1...); a value
 *                  that is not a yes/no spelling is an error in the data.
 *   missing        the value is missing (see (missing) below).
 *   other          any value that is not missing and was not matched by an
 *                  earlier row of the criterion. When every earlier row is a
 *                  text comparison (= or in), values that fall to `other`
 *                  are reported as unseen values after scoring.
 *   any            every value, missing included (points for all leads).
 *   each           points per unit of the number: a lead gets
 *   each max C     floor(points * x + 0.5) points, clamped to [-C, C].
 *
 * A value (after =, == or between the bars of `in`) may be written in double
 * quotes, with "" for a quote inside, to keep spaces at its ends or a `|`.
 * Numeric conditions (ranges, comparisons, each) need a number in the data:
 * text met there is an error in the data (the row is reported, never scored
 * as 0). A missing value matches only `missing` and `any` rows.
 *
 * Special rows (the criterion in parentheses):
 *
 *   (tier),NAME,MIN,      leads scoring at least MIN are in tier NAME (the
 *                         highest tier that applies wins); MIN empty means
 *                         every lead below the other tiers.
 *   (missing),TOKEN,,     TOKEN in the data means missing (e.g. Select); the
 *                         empty value always does.
 *   (id),COLUMN,,         an ID column copied to the scored output.
 *   (base),any,POINTS,    points every lead starts with.
 *   CRITERION,transform clip LO..HI log1p,,
 *                         numeric conditions of CRITERION see x clamped to
 *                         [LO, HI] (either side may be left out: clip 0..)
 *                         and then log1p(x), in that order; each part is
 *                         optional. Learned models use it.
 *
 * Points are whole numbers, except after `each` where any finite number is
 * allowed (learned per-unit points are written so they read back exactly).
 * A table that cannot be read — an unknown condition, points that are not
 * numbers, not finite or not whole, the same condition twice in a criterion,
 * a row after an `other` or `any` row that can never match, a missing or
 * unknown header column — is a parse error placed at its line and column.
 *
 * Any model exports to this format (ls_points_table_write), learned ones too;
 * re-imported, the table gives every lead the same score, tier and reasons.
 * It keeps points only: a learned model's probabilities are not carried.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "points_table.h"

#include "leadscore/export.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "leadscore/csv.h"
#include "error_internal.h"
#include "text.h"

/* ---- small text helpers -------------------------------------------------- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Copy of s without the spaces and tabs at its ends; NULL when out of memory. */
static char *trim_dup(const char *s)
{
    while (is_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    char *t = malloc(n + 1);
    if (t) {
        memcpy(t, s, n);
        t[n] = '\0';
    }
    return t;
}

char *ls_format_double(char *buf, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        /* %g follows LC_NUMERIC; the table is always written with '.'. */
        for (char *p = buf; *p; p++)
            if (*p == ',')
                *p = '.';
        double back;
        if (ls_parse_number(buf, &back) == LS_NUM_OK && back == v)
            break;
    }
    return buf;
}

int ls_points_value_is_smart(const char *s)
{
    int b;
    double x;
    return ls_parse_bool(s, &b) || ls_parse_number(s, &x) == LS_NUM_OK;
}

/* ---- conditions ----------------------------------------------------------- */

typedef struct {
    ls_cond_kind kind;
    int transform; /* a "transform" row: sets the criterion's x transform */
    char **values;
    size_t n_values;
    double lo, hi;
    int lo_open, hi_open;
    double cap;
    int log1p;
    double clip_lo, clip_hi;
} cond_spec;

static void cond_release(cond_spec *c)
{
    for (size_t i = 0; i < c->n_values; i++)
        free(c->values[i]);
    free(c->values);
    c->values = NULL;
    c->n_values = 0;
}

/* Outcome of a parsing step: ok, a syntax error (message set), or no memory. */
enum { P_OK = 0, P_BAD = 1, P_NOMEM = 2 };

static int push_value(cond_spec *c, char *v)
{
    if (!v)
        return P_NOMEM;
    char **vals = realloc(c->values, (c->n_values + 1) * sizeof *vals);
    if (!vals) {
        free(v);
        return P_NOMEM;
    }
    c->values = vals;
    c->values[c->n_values++] = v;
    return P_OK;
}

/* Reads one value at *p: "quoted" (with "" for a quote) or bare text up to the
 * end (or to a '|' when in_list), without the blanks at its ends. */
static int read_value(const char **p, int in_list, char **out, int *quoted, char *msg, size_t size)
{
    const char *s = *p;
    while (is_blank(*s))
        s++;
    *out = NULL;
    *quoted = *s == '"';
    if (*s == '"') {
        s++;
        size_t n = 0;
        char *v = malloc(strlen(s) + 1);
        if (!v)
            return P_NOMEM;
        for (;;) {
            if (*s == '\0') {
                free(v);
                snprintf(msg, size, "unterminated quoted value");
                return P_BAD;
            }
            if (*s == '"') {
                if (s[1] == '"') {
                    v[n++] = '"';
                    s += 2;
                    continue;
                }
                s++;
                break;
            }
            v[n++] = *s++;
        }
        v[n] = '\0';
        while (is_blank(*s))
            s++;
        *out = v;
        *p = s;
        return P_OK;
    }
    const char *end = in_list ? strchr(s, '|') : NULL;
    if (!end)
        end = s + strlen(s);
    size_t n = (size_t)(end - s);
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    char *v = malloc(n + 1);
    if (!v)
        return P_NOMEM;
    memcpy(v, s, n);
    v[n] = '\0';
    *out = v;
    *p = end;
    return P_OK;
}

/* Parses the number in s[0..n) (blanks allowed around it). */
static int parse_number_n(const char *s, size_t n, double *out)
{
    char buf[128];
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return ls_parse_number(buf, out) == LS_NUM_OK;
}

static int starts_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    return strncasecmp(s, word, n) == 0 && (s[n] == '\0' || is_blank(s[n]) || s[n] == ',');
}

static const char *skip_blanks(const char *s)
{
    while (is_blank(*s))
        s++;
    return s;
}

/* "LO..HI" with optional '<' beside the dots; allow_open_ends lets either
 * side be empty (transform clip). */
static int parse_range(const char *s, size_t n, cond_spec *c, int allow_open_ends, char *msg,
                       size_t size)
{
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '.' && s[i + 1] == '.') {
            dots = s + i;
            break;
        }
    if (!dots) {
        snprintf(msg, size, "expected a range LO..HI");
        return P_BAD;
    }
    const char *l = s, *le = dots, *r = dots + 2, *re = s + n;
    while (le > l && is_blank(le[-1]))
        le--;
    c->lo_open = c->hi_open = 0;
    if (le > l && le[-1] == '<') {
        c->lo_open = 1;
        le--;
    }
    r = skip_blanks(r);
    if (r < re && *r == '<') {
        c->hi_open = 1;
        r++;
    }
    const char *lb = skip_blanks(l);
    const char *rb = skip_blanks(r);
    int lo_empty = lb >= le, hi_empty = rb >= re;
    while (re > rb && is_blank(re[-1]))
        re--;
    hi_empty = rb >= re;
    c->lo = -INFINITY;
    c->hi = INFINITY;
    if ((!allow_open_ends && (lo_empty || hi_empty)) || (lo_empty && hi_empty) ||
        (!lo_empty && !parse_number_n(lb, (size_t)(le - lb), &c->lo)) ||
        (!hi_empty && !parse_number_n(rb, (size_t)(re - rb), &c->hi))) {
        snprintf(msg, size, "bad range '%.*s': expected LO..HI with numbers (LO..<HI, LO<..HI)",
                 (int)n, s);
        return P_BAD;
    }
    if (c->lo > c->hi || (c->lo == c->hi && (c->lo_open || c->hi_open))) {
        snprintf(msg, size, "empty range '%.*s': no number lies in it", (int)n, s);
        return P_BAD;
    }
    return P_OK;
}

static int parse_each(const char *s, cond_spec *c, char *msg, size_t size)
{
    c->kind = LS_COND_PER_UNIT;
    c->cap = NAN;
    s = skip_blanks(s + 4);
    if (*s == ',')
        s = skip_blanks(s + 1);
    if (*s == '\0')
        return P_OK;
    if (starts_word(s, "max")) {
        s = skip_blanks(s + 3);
        double cap;
        if (ls_parse_number(s, &cap) == LS_NUM_OK && cap >= 0 && floor(cap) == cap) {
            c->cap = cap;
            return P_OK;
        }
    }
    snprintf(msg, size,
             "bad 'each' condition: expected 'each' or 'each max N' with N a whole "
             "number >= 0");
    return P_BAD;
}

static int parse_transform(const char *s, cond_spec *c, char *msg, size_t size)
{
    c->transform = 1;
    c->clip_lo = c->clip_hi = NAN;
    s = skip_blanks(s + 9);
    int clipped = 0;
    if (starts_word(s, "clip")) {
        s = skip_blanks(s + 4);
        const char *e = s;
        while (*e && !is_blank(*e))
            e++;
        cond_spec r = {0};
        int st = parse_range(s, (size_t)(e - s), &r, 1, msg, size);
        if (st != P_OK)
            return st;
        if (r.lo_open || r.hi_open) {
            snprintf(msg, size, "clip bounds are inclusive: write 'clip LO..HI'");
            return P_BAD;
        }
        c->clip_lo = isinf(r.lo) ? NAN : r.lo;
        c->clip_hi = isinf(r.hi) ? NAN : r.hi;
        clipped = 1;
        s = skip_blanks(e);
    }
    if (starts_word(s, "log1p")) {
        c->log1p = 1;
        s = skip_blanks(s + 5);
    }
    if (*s != '\0' || (!clipped && !c->log1p)) {
        snprintf(msg, size,
                 "bad transform: expected 'transform clip LO..HI log1p' (each part "
                 "optional, in that order)");
        return P_BAD;
    }
    return P_OK;
}

static int parse_in(const char *s, cond_spec *c, char *msg, size_t size)
{
    c->kind = LS_COND_IN;
    for (;;) {
        char *v = NULL;
        int quoted;
        int st = read_value(&s, 1, &v, &quoted, msg, size);
        if (st != P_OK)
            return st;
        if (v[0] == '\0' && !quoted) {
            free(v);
            snprintf(msg, size, "empty value in an 'in' list (write \"\" for the empty text)");
            return P_BAD;
        }
        st = push_value(c, v);
        if (st != P_OK)
            return st;
        s = skip_blanks(s);
        if (*s == '\0')
            return P_OK;
        if (*s != '|') {
            snprintf(msg, size, "expected '|' between the values of an 'in' list");
            return P_BAD;
        }
        s++;
    }
}

static int parse_single_value(const char *s, cond_spec *c, ls_cond_kind kind, char *msg,
                              size_t size)
{
    c->kind = kind;
    char *v = NULL;
    int quoted;
    int st = read_value(&s, 0, &v, &quoted, msg, size);
    if (st != P_OK)
        return st;
    if (*skip_blanks(s) != '\0' || v[0] == '\0') {
        snprintf(msg, size,
                 v[0] ? "text after the closing quote of a value"
                      : "no value to compare with (an empty value is missing: write 'missing')");
        free(v);
        return P_BAD;
    }
    return push_value(c, v);
}

/* Parses the condition text s (trimmed) into c. */
static int parse_condition(const char *s, cond_spec *c, char *msg, size_t size)
{
    memset(c, 0, sizeof *c);
    c->lo = -INFINITY;
    c->hi = INFINITY;
    c->cap = NAN;
    static const char expected[] =
        "expected = VALUE, == VALUE, in A | B, LO..HI, >= X, > X, <= X, < X, yes, missing, "
        "other, any, each [max N] or transform";
    if (*s == '\0') {
        snprintf(msg, size, "empty condition (%s)", expected);
        return P_BAD;
    }
    if (s[0] == '=' && s[1] == '=')
        return parse_single_value(s + 2, c, LS_COND_IN, msg, size);
    if (s[0] == '=')
        return parse_single_value(s + 1, c, LS_COND_EQUALS, msg, size);
    if (s[0] == '<' || s[0] == '>') {
        int ge = s[0] == '>', eq = s[1] == '=';
        double x;
        if (ls_parse_number(s + 1 + eq, &x) != LS_NUM_OK) {
            snprintf(msg, size, "expected a number after '%.*s'", 1 + eq, s);
            return P_BAD;
        }
        c->kind = LS_COND_RANGE;
        if (ge) {
            c->lo = x;
            c->lo_open = !eq;
        } else {
            c->hi = x;
            c->hi_open = !eq;
        }
        return P_OK;
    }
    if (strcasecmp(s, "missing") == 0) {
        c->kind = LS_COND_MISSING;
        return P_OK;
    }
    if (strcasecmp(s, "other") == 0) {
        c->kind = LS_COND_OTHER;
        return P_OK;
    }
    if (strcasecmp(s, "any") == 0) {
        c->kind = LS_COND_ANY;
        return P_OK;
    }
    if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0) {
        c->kind = LS_COND_TRUE;
        return P_OK;
    }
    if (starts_word(s, "each"))
        return parse_each(s, c, msg, size);
    if (starts_word(s, "transform"))
        return parse_transform(s, c, msg, size);
    if (starts_word(s, "in"))
        return parse_in(skip_blanks(s + 2), c, msg, size);
    if (strstr(s, "..")) {
        c->kind = LS_COND_RANGE;
        return parse_range(s, strlen(s), c, 0, msg, size);
    }
    /* A bare value: refuse what looks like a misspelt condition. */
    static const char *const keywords[] = {"missing", "other", "any", "yes",  "true", "not",
                                           "between", "max",   "min", "clip", "log1p"};
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (starts_word(s, keywords[i])) {
            snprintf(msg, size, "unknown condition '%s' (%s; write '= %s' to compare the text)", s,
                     expected, s);
            return P_BAD;
        }
    if (s[0] == '!') {
        snprintf(msg, size, "unknown condition '%s' (%s)", s, expected);
        return P_BAD;
    }
    return parse_single_value(s, c, LS_COND_EQUALS, msg, size);
}

/* ---- writing conditions --------------------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(strbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_num(strbuf *b, double v)
{
    char buf[32];
    sb_str(b, ls_format_double(buf, v));
}

static char *sb_take(strbuf *b)
{
    if (b->failed || !b->s) {
        free(b->s);
        return b->failed ? NULL : ls_strdup("");
    }
    return b->s;
}

/* A value as a condition writes it: bare when it reads back as itself. */
static void sb_value(strbuf *b, const char *v, int in_list)
{
    size_t n = strlen(v);
    int quote = n == 0 || is_blank(v[0]) || is_blank(v[n - 1]) || v[0] == '"' || v[0] == '=' ||
                (in_list && strchr(v, '|'));
    if (!quote) {
        sb_add(b, v, n);
        return;
    }
    sb_add(b, "\"", 1);
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            sb_add(b, "\"", 1);
        sb_add(b, p, 1);
    }
    sb_add(b, "\"", 1);
}

char *ls_points_condition_text(const ls_criterion *c, const ls_rule *r)
{
    strbuf b = {0};
    switch (r->kind) {
    case LS_COND_EQUALS:
        /* A learned categorical compares exact text: say so when "=" would not. */
        sb_str(&b, c->kind != LS_CRIT_RULES && r->n_values && ls_points_value_is_smart(r->values[0])
                       ? "== "
                       : "= ");
        sb_value(&b, r->n_values ? r->values[0] : "", 0);
        break;
    case LS_COND_IN:
        sb_str(&b, r->n_values == 1 ? "== " : "in ");
        for (size_t i = 0; i < r->n_values; i++) {
            if (i)
                sb_str(&b, " | ");
            sb_value(&b, r->values[i], r->n_values > 1);
        }
        break;
    case LS_COND_RANGE:
        if (isinf(r->lo) && isinf(r->hi)) {
            sb_str(&b, ">= ");
            sb_num(&b, -1.7976931348623157e308); /* every finite number */
        } else if (isinf(r->lo)) {
            sb_str(&b, r->hi_open ? "< " : "<= ");
            sb_num(&b, r->hi);
        } else if (isinf(r->hi)) {
            sb_str(&b, r->lo_open ? "> " : ">= ");
            sb_num(&b, r->lo);
        } else {
            sb_num(&b, r->lo);
            sb_str(&b, r->lo_open ? "<.." : "..");
            if (r->hi_open)
                sb_str(&b, "<");
            sb_num(&b, r->hi);
        }
        break;
    case LS_COND_MISSING:
        sb_str(&b, "missing");
        break;
    case LS_COND_PER_UNIT:
        sb_str(&b, "each");
        if (!isnan(r->cap)) {
            sb_str(&b, " max ");
            sb_num(&b, r->cap);
        }
        break;
    case LS_COND_TRUE:
        sb_str(&b, "yes");
        break;
    case LS_COND_OTHER:
        sb_str(&b, "other");
        break;
    case LS_COND_ANY:
        sb_str(&b, "any");
        break;
    }
    return sb_take(&b);
}

char *ls_points_rule_label(const ls_criterion *c, const ls_rule *r)
{
    if (r->label && r->label[0])
        return ls_strdup(r->label);
    if (r->kind == LS_COND_TRUE || r->kind == LS_COND_PER_UNIT || r->kind == LS_COND_ANY)
        return ls_strdup(c->label ? c->label : c->column);
    char *cond = ls_points_condition_text(c, r);
    if (!cond)
        return NULL;
    strbuf b = {0};
    sb_str(&b, c->label ? c->label : c->column);
    sb_str(&b, " ");
    sb_str(&b, cond);
    free(cond);
    return sb_take(&b);
}

/* ---- loading --------------------------------------------------------------- */

typedef struct {
    size_t criterion;
    char *condition; /* normalised text, for duplicates */
    size_t line;
    int catch_all; /* other / any */
} row_seen;

typedef struct {
    const char *name;
    ls_model *m;
    row_seen *rows;
    size_t n_rows;
    char **tier_names;
    double *tier_mins;
    size_t *tier_lines;
    size_t n_tiers;
    size_t *transform_lines; /* per criterion, 0 = none yet */
    int have_base;
} loader;

static void loader_release(loader *L)
{
    for (size_t i = 0; i < L->n_rows; i++)
        free(L->rows[i].condition);
    free(L->rows);
    for (size_t i = 0; i < L->n_tiers; i++)
        free(L->tier_names[i]);
    free(L->tier_names);
    free(L->tier_mins);
    free(L->tier_lines);
    free(L->transform_lines);
}

static long find_criterion(const ls_model *m, const char *column)
{
    for (size_t i = 0; i < m->n_criteria; i++)
        if (strcmp(m->criteria[i].column, column) == 0)
            return (long)i;
    return -1;
}

static ls_status nomem(ls_error *err)
{
    return ls_fail(err, LS_ERR_NOMEM, "out of memory");
}

/* Appends s to a string array; 0 when out of memory. */
static int push_string(char ***arr, size_t *n, const char *s)
{
    char **a = realloc(*arr, (*n + 1) * sizeof *a);
    if (!a)
        return 0;
    *arr = a;
    a[*n] = ls_strdup(s);
    if (!a[*n])
        return 0;
    (*n)++;
    return 1;
}

typedef struct {
    size_t crit, cond, points, label; /* column indices; label may be (size_t)-1 */
} table_columns;

static ls_status read_header(ls_csv_reader *r, const char *name, table_columns *tc, ls_error *err)
{
    static const char *const names[] = {"criterion", "condition", "points", "label"};
    size_t idx[4] = {(size_t)-1, (size_t)-1, (size_t)-1, (size_t)-1};
    for (size_t i = 0; i < ls_csv_columns(r); i++) {
        char *h = trim_dup(ls_csv_column_name(r, i));
        if (!h)
            return nomem(err);
        size_t k = 0;
        while (k < 4 && strcasecmp(h, names[k]) != 0)
            k++;
        if (k == 4 || idx[k] != (size_t)-1) {
            ls_status st =
                ls_fail_at(err, LS_ERR_PARSE, name, 1, i + 1, NULL,
                           k == 4 ? "unknown column '%s' in a points table (the header is "
                                    "criterion,condition,points[,label])"
                                  : "column '%s' appears twice in the header",
                           h);
            free(h);
            return st;
        }
        free(h);
        idx[k] = i;
    }
    for (size_t k = 0; k < 3; k++)
        if (idx[k] == (size_t)-1)
            return ls_fail_at(err, LS_ERR_PARSE, name, 1, 0, NULL,
                              "the header has no '%s' column (expected "
                              "criterion,condition,points[,label])",
                              names[k]);
    tc->crit = idx[0];
    tc->cond = idx[1];
    tc->points = idx[2];
    tc->label = idx[3];
    return LS_OK;
}

/* The fields of one table row, trimmed. */
typedef struct {
    size_t line;
    char *crit, *cond, *points, *label;
} table_row;

static void row_release(table_row *row)
{
    free(row->crit);
    free(row->cond);
    free(row->points);
    free(row->label);
    memset(row, 0, sizeof *row);
}

static ls_status row_error(loader *L, const table_row *row, size_t col_index, const char *col,
                           const char *msg, ls_error *err)
{
    return ls_fail_at(err, LS_ERR_PARSE, L->name, row->line, col_index + 1, col, "%s", msg);
}

static ls_status require_empty_points(loader *L, const table_row *row, const table_columns *tc,
                                      const char *what, ls_error *err)
{
    if (row->points[0] == '\0')
        return LS_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "a %s row takes no points (found '%.40s')", what, row->points);
    return row_error(L, row, tc->points, "points", msg, err);
}

/* Parses the points field: 0 on error (message in msg). */
static int parse_points(const char *text, int whole, double *out, char *msg, size_t size)
{
    if (text[0] == '\0') {
        snprintf(msg, size, "the points are missing");
        return 0;
    }
    ls_num_status ns = ls_parse_number(text, out);
    if (ns == LS_NUM_NONFINITE) {
        snprintf(msg, size, "points '%.40s' are not a finite number", text);
        return 0;
    }
    if (ns != LS_NUM_OK) {
        snprintf(msg, size, "points '%.40s' are not a number", text);
        return 0;
    }
    if (whole && floor(*out) != *out) {
        snprintf(msg, size,
                 "points '%.40s' are not a whole number (only 'each' takes fractional points)",
                 text);
        return 0;
    }
    return 1;
}

static ls_status add_tier(loader *L, const table_row *row, const table_columns *tc, ls_error *err)
{
    char msg[200];
    if (row->cond[0] == '\0')
        return row_error(L, row, tc->cond, "condition", "a (tier) row needs the tier name", err);
    double min = -INFINITY;
    if (row->points[0] && !parse_points(row->points, 0, &min, msg, sizeof msg))
        return row_error(L, row, tc->points, "points", msg, err);
    for (size_t i = 0; i < L->n_tiers; i++) {
        if (strcmp(L->tier_names[i], row->cond) == 0) {
            snprintf(msg, sizeof msg, "tier '%.60s' is already defined on line %zu", row->cond,
                     L->tier_lines[i]);
            return row_error(L, row, tc->cond, "condition", msg, err);
        }
        if (L->tier_mins[i] == min) {
            snprintf(msg, sizeof msg,
                     "tier '%.60s' has the same minimum as tier '%.60s' (line %zu)", row->cond,
                     L->tier_names[i], L->tier_lines[i]);
            return row_error(L, row, tc->points, "points", msg, err);
        }
    }
    size_t n = L->n_tiers + 1;
    char **names = realloc(L->tier_names, n * sizeof *names);
    if (names)
        L->tier_names = names;
    double *mins = realloc(L->tier_mins, n * sizeof *mins);
    if (mins)
        L->tier_mins = mins;
    size_t *lines = realloc(L->tier_lines, n * sizeof *lines);
    if (lines)
        L->tier_lines = lines;
    if (!names || !mins || !lines)
        return nomem(err);
    L->tier_names[L->n_tiers] = ls_strdup(row->cond);
    if (!L->tier_names[L->n_tiers])
        return nomem(err);
    L->tier_mins[L->n_tiers] = min;
    L->tier_lines[L->n_tiers] = row->line;
    L->n_tiers++;
    return LS_OK;
}

/* (missing) and (id) rows: the condition is one value. */
static ls_status add_listed_value(loader *L, const table_row *row, const table_columns *tc,
                                  int is_id, ls_error *err)
{
    char msg[200] = "";
    ls_status st = require_empty_points(L, row, tc, is_id ? "(id)" : "(missing)", err);
    if (st != LS_OK)
        return st;
    const char *p = row->cond;
    if (p[0] == '=' && p[1] != '=')
        p++;
    char *v = NULL;
    int quoted;
    int ps = read_value(&p, 0, &v, &quoted, msg, sizeof msg);
    if (ps == P_NOMEM)
        return nomem(err);
    if (ps == P_OK && *skip_blanks(p) != '\0')
        snprintf(msg, sizeof msg, "text after the closing quote of a value"), ps = P_BAD;
    if (ps == P_OK && !is_id && v[0] == '\0')
        snprintf(msg, sizeof msg, "the empty value is always missing: name another token"),
            ps = P_BAD;
    if (ps == P_OK && is_id && v[0] == '\0')
        snprintf(msg, sizeof msg, "an (id) row needs the column name"), ps = P_BAD;
    char ***arr = is_id ? &L->m->id_columns : &L->m->missing_tokens;
    size_t *n = is_id ? &L->m->n_id_columns : &L->m->n_missing_tokens;
    for (size_t i = 0; ps == P_OK && i < *n; i++)
        if (strcmp((*arr)[i], v) == 0)
            snprintf(msg, sizeof msg, "'%.60s' is listed twice", v), ps = P_BAD;
    if (ps != P_OK) {
        free(v);
        return row_error(L, row, tc->cond, "condition", msg, err);
    }
    int ok = push_string(arr, n, v);
    free(v);
    return ok ? LS_OK : nomem(err);
}

static ls_status add_base(loader *L, const table_row *row, const table_columns *tc, ls_error *err)
{
    char msg[200];
    if (row->cond[0] && strcasecmp(row->cond, "any") != 0)
        return row_error(L, row, tc->cond, "condition",
                         "the condition of a (base) row is 'any' (or empty)", err);
    if (L->have_base)
        return row_error(L, row, tc->crit, "criterion", "a second (base) row", err);
    double pts;
    if (!parse_points(row->points, 1, &pts, msg, sizeof msg))
        return row_error(L, row, tc->points, "points", msg, err);
    L->m->base_points = pts;
    L->have_base = 1;
    return LS_OK;
}

static ls_criterion *criterion_for(loader *L, const char *column, size_t *index)
{
    long i = find_criterion(L->m, column);
    if (i >= 0) {
        *index = (size_t)i;
        return &L->m->criteria[i];
    }
    size_t *lines = realloc(L->transform_lines, (L->m->n_criteria + 1) * sizeof *lines);
    if (!lines)
        return NULL;
    L->transform_lines = lines;
    ls_criterion *c = ls_model_add_criterion(L->m, column, LS_CRIT_RULES);
    if (!c)
        return NULL;
    *index = L->m->n_criteria - 1;
    L->transform_lines[*index] = 0;
    return c;
}

static ls_status add_rule_row(loader *L, const table_row *row, const table_columns *tc,
                              cond_spec *cs, ls_error *err)
{
    char msg[300];
    size_t ci;
    ls_criterion *c = criterion_for(L, row->crit, &ci);
    if (!c)
        return nomem(err);
    if (cs->transform) {
        ls_status st = require_empty_points(L, row, tc, "transform", err);
        if (st != LS_OK)
            return st;
        if (L->transform_lines[ci]) {
            snprintf(msg, sizeof msg, "criterion '%.60s' already has a transform (line %zu)",
                     row->crit, L->transform_lines[ci]);
            return row_error(L, row, tc->cond, "condition", msg, err);
        }
        L->transform_lines[ci] = row->line;
        c->log1p = cs->log1p;
        c->cap_lo = cs->clip_lo;
        c->cap_hi = cs->clip_hi;
        return LS_OK;
    }
    double pts;
    if (!parse_points(row->points, cs->kind != LS_COND_PER_UNIT, &pts, msg, sizeof msg))
        return row_error(L, row, tc->points, "points", msg, err);

    ls_rule tmp = {.kind = cs->kind,
                   .values = cs->values,
                   .n_values = cs->n_values,
                   .lo = cs->lo,
                   .hi = cs->hi,
                   .lo_open = cs->lo_open,
                   .hi_open = cs->hi_open,
                   .cap = cs->cap,
                   .label = NULL};
    char *norm = ls_points_condition_text(c, &tmp);
    if (!norm)
        return nomem(err);
    for (size_t i = 0; i < L->n_rows; i++) {
        const row_seen *s = &L->rows[i];
        if (s->criterion != ci)
            continue;
        if (strcmp(s->condition, norm) == 0)
            snprintf(msg, sizeof msg, "the condition '%.60s' of '%.60s' repeats line %zu", norm,
                     row->crit, s->line);
        else if (s->catch_all && cs->kind != LS_COND_MISSING)
            snprintf(msg, sizeof msg,
                     "this row can never match: the '%s' row on line %zu takes every value of "
                     "'%.60s' first",
                     s->condition, s->line, row->crit);
        else
            continue;
        free(norm);
        return row_error(L, row, tc->cond, "condition", msg, err);
    }
    row_seen *rows = realloc(L->rows, (L->n_rows + 1) * sizeof *rows);
    if (!rows) {
        free(norm);
        return nomem(err);
    }
    L->rows = rows;
    L->rows[L->n_rows++] =
        (row_seen){ci, norm, row->line, cs->kind == LS_COND_OTHER || cs->kind == LS_COND_ANY};

    ls_rule *r = ls_criterion_add_rule(c, cs->kind, row->label);
    if (!r)
        return nomem(err);
    r->values = cs->values; /* ownership moves to the rule */
    r->n_values = cs->n_values;
    cs->values = NULL;
    cs->n_values = 0;
    r->lo = cs->lo;
    r->hi = cs->hi;
    r->lo_open = cs->lo_open;
    r->hi_open = cs->hi_open;
    r->cap = cs->cap;
    r->points = pts;
    return LS_OK;
}

static ls_status load_row(loader *L, table_row *row, const table_columns *tc, ls_error *err)
{
    if (row->crit[0] == '\0')
        return row_error(L, row, tc->crit, "criterion", "the criterion (a data column) is empty",
                         err);
    if (strcmp(row->crit, "(tier)") == 0)
        return add_tier(L, row, tc, err);
    if (strcmp(row->crit, "(missing)") == 0)
        return add_listed_value(L, row, tc, 0, err);
    if (strcmp(row->crit, "(id)") == 0)
        return add_listed_value(L, row, tc, 1, err);
    if (strcmp(row->crit, "(base)") == 0)
        return add_base(L, row, tc, err);
    size_t n = strlen(row->crit);
    if (row->crit[0] == '(' && row->crit[n - 1] == ')') {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "unknown special row '%.60s' (expected (tier), (missing), (id) or (base))",
                 row->crit);
        return row_error(L, row, tc->crit, "criterion", msg, err);
    }
    char msg[400];
    cond_spec cs;
    int ps = parse_condition(row->cond, &cs, msg, sizeof msg);
    if (ps == P_NOMEM) {
        cond_release(&cs);
        return nomem(err);
    }
    if (ps != P_OK) {
        cond_release(&cs);
        return row_error(L, row, tc->cond, "condition", msg, err);
    }
    ls_status st = add_rule_row(L, row, tc, &cs, err);
    cond_release(&cs);
    return st;
}

ls_status ls_points_table_load_stream(FILE *fp, const char *name, ls_model **out, ls_error *err)
{
    *out = NULL;
    ls_csv_reader *r = NULL;
    loader L = {.name = name};
    table_row row = {0};
    ls_status st = ls_csv_open_stream(fp, name, NULL, &r, err);
    if (st != LS_OK)
        goto done;
    table_columns tc;
    st = read_header(r, name, &tc, err);
    if (st != LS_OK)
        goto done;
    L.m = ls_model_alloc();
    if (!L.m) {
        st = nomem(err);
        goto done;
    }
    for (;;) {
        const char *const *f;
        int has;
        st = ls_csv_next(r, &f, &has, err);
        if (st != LS_OK || !has)
            break;
        row.line = ls_csv_line(r);
        row.crit = trim_dup(f[tc.crit]);
        row.cond = trim_dup(f[tc.cond]);
        row.points = trim_dup(f[tc.points]);
        row.label = trim_dup(tc.label == (size_t)-1 ? "" : f[tc.label]);
        if (!row.crit || !row.cond || !row.points || !row.label)
            st = nomem(err);
        else
            st = load_row(&L, &row, &tc, err);
        row_release(&row);
        if (st != LS_OK)
            break;
    }
    if (st != LS_OK)
        goto done;
    if (L.m->n_criteria == 0) {
        st = ls_fail_at(err, LS_ERR_PARSE, name, 1, 0, NULL,
                        "the points table has no criteria (rows naming a data column)");
        goto done;
    }
    for (size_t i = 0; i < L.m->n_criteria; i++)
        if (L.m->criteria[i].n_rules == 0) {
            st = ls_fail_at(err, LS_ERR_PARSE, name, L.transform_lines[i], 0, NULL,
                            "criterion '%s' has a transform but no rows giving points",
                            L.m->criteria[i].column);
            goto done;
        }
    if (L.n_tiers) {
        st =
            ls_model_set_tiers(L.m, (const char *const *)L.tier_names, L.tier_mins, L.n_tiers, err);
        if (st != LS_OK)
            goto done;
    }
    *out = L.m;
    L.m = NULL;
done:
    row_release(&row);
    loader_release(&L);
    ls_model_free(L.m);
    ls_csv_free(r);
    return st;
}

ls_status ls_points_table_load(const char *path, ls_model **out, ls_error *err)
{
    *out = NULL;
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp)
        return ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
    ls_status st = ls_points_table_load_stream(fp, fp == stdin ? "<stdin>" : path, out, err);
    if (fp != stdin)
        fclose(fp);
    return st;
}

/* ---- writing ------------------------------------------------------------- */

/* Writes one CSV field, quoted when it holds a separator, quote, line break
 * or blanks at its ends (which a reader would trim). */
static void put_field(FILE *fp, const char *s, int last)
{
    size_t n = strlen(s);
    int quote = strpbrk(s, ",\"\r\n") != NULL || (n && (is_blank(s[0]) || is_blank(s[n - 1])));
    if (quote) {
        fputc('"', fp);
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                fputc('"', fp);
            fputc(*p, fp);
        }
        fputc('"', fp);
    } else {
        fputs(s, fp);
    }
    fputc(last ? '\n' : ',', fp);
}

static void put_row(FILE *fp, const char *crit, const char *cond, const char *points,
                    const char *label)
{
    put_field(fp, crit, 0);
    put_field(fp, cond, 0);
    put_field(fp, points, 0);
    put_field(fp, label, 1);
}

/* Writes rule r of criterion c; 0 when out of memory. */
static int put_rule(FILE *fp, const ls_criterion *c, const ls_rule *r)
{
    char *cond = ls_points_condition_text(c, r);
    char *label = ls_points_rule_label(c, r);
    char pts[32];
    if (cond && label)
        put_row(fp, c->column, cond, ls_format_double(pts, r->points), label);
    int ok = cond && label;
    free(cond);
    free(label);
    return ok;
}

/* Writes a made-up rule (a categorical's reference level, its "other" row). */
static int put_made_rule(FILE *fp, const ls_criterion *c, ls_cond_kind kind, const char *value,
                         double points, const char *label)
{
    char *v = value ? ls_strdup(value) : NULL;
    ls_rule r = {.kind = kind, .points = points, .cap = NAN, .term = -1};
    r.label = ls_strdup(label ? label : "");
    int ok = r.label && (v || !value);
    if (ok && v) {
        r.values = &v;
        r.n_values = 1;
    }
    if (ok)
        ok = put_rule(fp, c, &r);
    free(v);
    free(r.label);
    return ok;
}

static int is_missing_rule(const ls_rule *r)
{
    return r->kind == LS_COND_MISSING;
}

/* A categorical: exact levels first, the reference at 0, then the pooled
 * levels and every other value at the "(other)" points. */
static int put_categorical(FILE *fp, const ls_criterion *c)
{
    const ls_rule *other = NULL;
    for (size_t k = 0; k < c->n_rules; k++) {
        const ls_rule *r = &c->rules[k];
        if (r->kind == LS_COND_OTHER && !other)
            other = r;
        if ((r->kind == LS_COND_MISSING || r->kind == LS_COND_EQUALS || r->kind == LS_COND_IN) &&
            !put_rule(fp, c, r))
            return 0;
    }
    /* The reference's row: its value, or the missing condition when it is
     * the missing values; a merged reference's members have their rule. */
    char *const *ref_values;
    size_t n_ref = ls_reference_values(c, &ref_values);
    int ok = 1;
    if (c->reference && n_ref == 0) {
        char *label = malloc(strlen(c->label) + 32);
        if (!label)
            return 0;
        sprintf(label, "%s = missing (reference)", c->label);
        ok = put_made_rule(fp, c, LS_COND_MISSING, NULL, 0, label);
        free(label);
    } else if (n_ref == 1) {
        char *label = malloc(strlen(c->label) + strlen(c->reference) + 32);
        if (!label)
            return 0;
        sprintf(label, "%s = %s (reference)", c->label, c->reference);
        ok = put_made_rule(fp, c,
                           ls_points_value_is_smart(c->reference) ? LS_COND_IN : LS_COND_EQUALS,
                           c->reference, 0, label);
        free(label);
    }
    if (ok && other && other->n_values) {
        ls_rule pooled = *other;
        pooled.kind = LS_COND_IN;
        ok = put_rule(fp, c, &pooled);
    }
    if (ok)
        ok = other ? put_made_rule(fp, c, LS_COND_OTHER, NULL, other->points, other->label)
                   : put_made_rule(fp, c, LS_COND_OTHER, NULL, 0, NULL);
    return ok;
}

static int put_criterion(FILE *fp, const ls_criterion *c)
{
    if (c->log1p || !isnan(c->cap_lo) || !isnan(c->cap_hi)) {
        strbuf b = {0};
        sb_str(&b, "transform");
        if (!isnan(c->cap_lo) || !isnan(c->cap_hi)) {
            sb_str(&b, " clip ");
            if (!isnan(c->cap_lo))
                sb_num(&b, c->cap_lo);
            sb_str(&b, "..");
            if (!isnan(c->cap_hi))
                sb_num(&b, c->cap_hi);
        }
        if (c->log1p)
            sb_str(&b, " log1p");
        char *t = sb_take(&b);
        if (!t)
            return 0;
        put_row(fp, c->column, t, "", "");
        free(t);
    }
    if (c->kind == LS_CRIT_CATEGORICAL)
        return put_categorical(fp, c);
    /* Only the rules the scorer consults for the criterion's kind are written
     * (scorer.c: a yes/no criterion reads its first yes rule, a numeric one
     * its ranges and per-unit rules; every kind its missing rules). */
    int numeric = c->kind == LS_CRIT_NUMERIC || c->kind == LS_CRIT_BANDED;
    int has_check = 0; /* a rule that makes the value parse (number or yes/no) */
    int closed = 0;    /* after other / any nothing but missing can match */
    for (size_t k = 0; k < c->n_rules; k++) {
        const ls_rule *r = &c->rules[k];
        if (closed && !is_missing_rule(r))
            continue;
        int keep;
        if (c->kind == LS_CRIT_BOOLEAN)
            keep = is_missing_rule(r) || (r->kind == LS_COND_TRUE && !has_check);
        else if (numeric)
            keep = is_missing_rule(r) || r->kind == LS_COND_RANGE || r->kind == LS_COND_PER_UNIT;
        else
            keep = 1;
        if (!keep)
            continue;
        if (r->kind == LS_COND_TRUE || r->kind == LS_COND_RANGE || r->kind == LS_COND_PER_UNIT)
            has_check = 1;
        if (r->kind == LS_COND_OTHER || r->kind == LS_COND_ANY)
            closed = 1;
        if (!put_rule(fp, c, r))
            return 0;
    }
    /* A learned yes/no or numeric criterion refuses values that do not parse;
     * a zero-point rule keeps that check in the table. */
    if (c->kind == LS_CRIT_BOOLEAN && !has_check)
        return put_made_rule(fp, c, LS_COND_TRUE, NULL, 0, NULL);
    if (numeric && !has_check)
        return put_made_rule(fp, c, LS_COND_PER_UNIT, NULL, 0, NULL);
    return 1;
}

ls_status ls_points_table_write(const ls_model *m, FILE *fp, ls_error *err)
{
    char num[32];
    for (size_t i = 0; i < m->n_criteria; i++) {
        /* the reader trims blanks before it looks for the parentheses */
        const char *col = m->criteria[i].column;
        size_t lo = strspn(col, " \t"), n = strlen(col);
        while (n > lo && (col[n - 1] == ' ' || col[n - 1] == '\t'))
            n--;
        if (n > lo && col[lo] == '(' && col[n - 1] == ')')
            return ls_fail(err, LS_ERR_MODEL,
                           "criterion column '%s' cannot be written to a points table (a name "
                           "in parentheses means a special row)",
                           col);
    }
    fputs("criterion,condition,points,label\n", fp);
    for (size_t i = 0; i < m->n_id_columns; i++) {
        strbuf b = {0};
        sb_value(&b, m->id_columns[i], 0);
        char *v = sb_take(&b);
        if (!v)
            return nomem(err);
        put_row(fp, "(id)", v, "", "");
        free(v);
    }
    for (size_t i = 0; i < m->n_missing_tokens; i++) {
        if (m->missing_tokens[i][0] == '\0')
            continue;
        strbuf b = {0};
        sb_value(&b, m->missing_tokens[i], 0);
        char *v = sb_take(&b);
        if (!v)
            return nomem(err);
        put_row(fp, "(missing)", v, "", "");
        free(v);
    }
    if (m->base_points != 0)
        put_row(fp, "(base)", "any", ls_format_double(num, m->base_points), "");
    for (size_t i = 0; i < m->n_criteria; i++)
        if (!put_criterion(fp, &m->criteria[i]))
            return nomem(err);
    for (size_t i = 0; i < m->n_tiers; i++) {
        const ls_tier *t = &m->tiers[i];
        put_row(fp, "(tier)", t->name,
                isinf(t->min_score) ? "" : ls_format_double(num, t->min_score), "");
    }
    if (ferror(fp))
        return ls_fail(err, LS_ERR_IO, "cannot write the points table");
    return LS_OK;
}

ls_status ls_export_points_table(const ls_model *model, FILE *fp, ls_error *err)
{
    return ls_points_table_write(model, fp, err);
}
