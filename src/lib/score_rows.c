/* Scored CSV lines: see score_rows.h.
 *
 * Room for a whole line is reserved once, from a bound on its length (every
 * field doubled for quoting), so the writes themselves check nothing: this
 * runs once per lead, a million times a second.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "score_rows.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUMBER_MAX 40 /* a %.17g or a whole number, sign included */

static void put(ls_sbuf *b, const char *s, size_t n)
{
    memcpy(b->text + b->len, s, n);
    b->len += n;
}

static void put_char(ls_sbuf *b, char c)
{
    b->text[b->len++] = c;
}

/* 1 if s holds a comma, a quote or a line break; 8 bytes at a time (a byte
 * equal to c makes a zero byte in v ^ c, which the usual test finds). */
static int needs_quotes(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    static const char special[4] = {',', '"', '\n', '\r'};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v, hit = 0;
        memcpy(&v, s + i, 8);
        for (int k = 0; k < 4; k++) {
            uint64_t x = v ^ (ones * (unsigned char)special[k]);
            hit |= (x - ones) & ~x & highs;
        }
        if (hit)
            return 1;
    }
    for (; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            return 1;
    return 0;
}

/* Quotes the field written at [start, len) in place when it needs it; the
 * caller reserved twice its length plus two. */
static void quote_tail(ls_sbuf *b, size_t start)
{
    char *s = b->text + start;
    size_t n = b->len - start;
    if (!needs_quotes(s, n))
        return;
    size_t quotes = 0;
    for (size_t i = 0; i < n; i++)
        quotes += s[i] == '"';
    /* from the end, so nothing is overwritten before it is moved */
    size_t to = n + quotes + 2;
    s[--to] = '"';
    for (size_t i = n; i-- > 0;) {
        s[--to] = s[i];
        if (s[i] == '"')
            s[--to] = '"';
    }
    s[0] = '"';
    b->len = start + n + quotes + 2;
}

static void put_field(ls_sbuf *b, const char *s, size_t n)
{
    size_t start = b->len;
    put(b, s, n);
    quote_tail(b, start);
}

/* Writes a whole number without printf (the hot loop writes one per lead). */
static size_t format_whole(char *out, double v, int plus)
{
    char tmp[32];
    if (!(fabs(v) < 1e15) || floor(v) != v)
        return (size_t)snprintf(out, NUMBER_MAX, plus ? "%+.17g" : "%.17g", v);
    long long x = (long long)v;
    int neg = x < 0;
    unsigned long long u = neg ? 0ULL - (unsigned long long)x : (unsigned long long)x;
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    else if (plus)
        out[k++] = '+';
    while (n)
        out[k++] = tmp[--n];
    out[k] = '\0';
    return k;
}

static void put_whole(ls_sbuf *b, double v, int plus)
{
    b->len += format_whole(b->text + b->len, v, plus);
}

/* The length and quoting need of a label or tier name, measured once per
 * pointer (a slot is overwritten when two pointers share it). */
static const ls_label_info *label_info(ls_label_cache *cache, const char *text)
{
    ls_label_info *li = &cache->slot[((uintptr_t)text >> 3) % LS_LABEL_CACHE];
    if (li->text != text) {
        li->text = text;
        li->len = strlen(text);
        li->quote = needs_quotes(text, li->len);
    }
    return li;
}

void ls_score_rows_header(ls_sbuf *b, const char *const *id_names, size_t n_ids)
{
    static const char rest[] = "score,probability,tier,reasons\n";
    size_t need = sizeof rest + 8;
    for (size_t i = 0; i < n_ids; i++)
        need += 2 * strlen(id_names[i]) + 3;
    if (!ls_sbuf_reserve(b, need))
        return;
    for (size_t i = 0; i < n_ids; i++) {
        put_field(b, id_names[i], strlen(id_names[i]));
        put_char(b, ',');
    }
    if (n_ids == 0)
        put(b, "line,", 5);
    put(b, rest, sizeof rest - 1);
}

void ls_score_rows_line(ls_sbuf *b, ls_label_cache *labels, const char *const *fields,
                        const size_t *lens, const size_t *ids, size_t n_ids, size_t line,
                        const ls_score_result *res, int learned)
{
    /* copies: a later label may take the slot of an earlier one */
    ls_label_info reason[LS_MAX_REASONS], tier = {0};
    if (res->tier)
        tier = *label_info(labels, res->tier);
    size_t need = 4 * NUMBER_MAX + 8 + 2 * tier.len + 2;
    for (size_t i = 0; i < n_ids; i++)
        need += 2 * lens[ids[i]] + 3;
    int quote_reasons = 0;
    for (size_t k = 0; k < res->n_reasons; k++) {
        reason[k] = *label_info(labels, res->reasons[k].label);
        quote_reasons |= reason[k].quote;
        need += 2 * (reason[k].len + NUMBER_MAX + 2);
    }
    if (!ls_sbuf_reserve(b, need))
        return;
    for (size_t i = 0; i < n_ids; i++) {
        put_field(b, fields[ids[i]], lens[ids[i]]);
        put_char(b, ',');
    }
    if (n_ids == 0) {
        put_whole(b, (double)line, 0);
        put_char(b, ',');
    }
    put_whole(b, res->score, 0);
    put_char(b, ',');
    if (learned || !isnan(res->probability)) /* integer cards carry probabilities too */
        b->len += ls_format_probability(res->probability, b->text + b->len);
    put_char(b, ',');
    if (tier.text) {
        size_t start = b->len;
        put(b, tier.text, tier.len);
        if (tier.quote)
            quote_tail(b, start);
    }
    put_char(b, ',');
    /* reasons: "label +20; label -5", one field; only a label can need quotes */
    size_t start = b->len;
    for (size_t k = 0; k < res->n_reasons; k++) {
        if (k) {
            put_char(b, ';');
            put_char(b, ' ');
        }
        put(b, reason[k].text, reason[k].len);
        put_char(b, ' ');
        put_whole(b, res->reasons[k].points, 1);
    }
    if (quote_reasons)
        quote_tail(b, start);
    put_char(b, '\n');
}
