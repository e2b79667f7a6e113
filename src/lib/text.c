/* Text helpers. SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* strtod_l: parse numbers in the C locale without touching the process locale \
                     */
#include "text.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int ls_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8) { /* eight ASCII bytes at a time: most text is ASCII */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & UINT64_C(0x8080808080808080))) {
                i += 8;
                continue;
            }
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= need)
            return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

locale_t ls_c_locale(void)
{
    pthread_once(&c_locale_once, make_c_locale);
    return c_locale;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Checks the plain decimal grammar so strtod's extras (hex, nan(...), inf)
 * never slip through as numbers. */
static int decimal_syntax(const char *s, const char **end)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (is_digit(*p)) {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (is_digit(*p)) {
            p++;
            digits++;
        }
    }
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (!is_digit(*q))
            return 0;
        while (is_digit(*q))
            q++;
        p = q;
    }
    *end = p;
    return 1;
}

static int only_blanks(const char *p)
{
    while (is_blank(*p))
        p++;
    return *p == '\0';
}

/* The whole token is [+-](nan|inf|infinity): a number-like value that has no
 * finite reading. Matching the whole token matters: "Infosys" or "Nancy" are
 * text, not infinities. */
static int nonfinite_token(const char *s)
{
    const char *p = s + (*s == '+' || *s == '-');
    static const char *const words[] = {"nan", "inf", "infinity"};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
        size_t n = strlen(words[k]);
        if (strncasecmp(p, words[k], n) == 0 && only_blanks(p + n))
            return 1;
    }
    return 0;
}

ls_num_status ls_parse_number(const char *s, double *out)
{
    while (is_blank(*s))
        s++;
    const char *end = NULL;
    if (!decimal_syntax(s, &end))
        return nonfinite_token(s) ? LS_NUM_NONFINITE : LS_NUM_NOT_NUMBER;
    if (!only_blanks(end))
        return LS_NUM_NOT_NUMBER;
    locale_t c = ls_c_locale();
    double v = c ? strtod_l(s, NULL, c) : strtod(s, NULL);
    if (!isfinite(v))
        return LS_NUM_NONFINITE;
    /* Underflow (1e-999) is fine: the value is a tiny number or zero. */
    *out = v;
    return LS_NUM_OK;
}

int ls_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "y", "1"};
    static const char *const no[] = {"false", "no", "n", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 1;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 1;
        }
    }
    return 0;
}

uint64_t ls_hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

char *ls_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

int ls_plain_ascii(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        /* a high bit set, or a zero byte */
        if ((v & UINT64_C(0x8080808080808080)) ||
            ((v - UINT64_C(0x0101010101010101)) & ~v & UINT64_C(0x8080808080808080)))
            return 0;
    }
    for (; i < n; i++)
        if ((unsigned char)s[i] >= 0x80 || s[i] == '\0')
            return 0;
    return 1;
}

/* Edit distance of a and b when at most 2, else 3: enough to spot a typo. */
static size_t near_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2)
        return 3;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb] < 3 ? prev[lb] : 3;
}

void ls_nearest_init(ls_nearest *n)
{
    n->best = NULL;
    n->distance = 3;
}

void ls_nearest_offer(ls_nearest *n, const char *name, const char *candidate)
{
    size_t d = strcasecmp(candidate, name) == 0 ? 0 : near_distance(candidate, name);
    if (d < n->distance) {
        n->best = candidate;
        n->distance = d;
    }
}
