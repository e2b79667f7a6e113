/* A growing text buffer: see sbuf.h. SPDX-License-Identifier: GPL-3.0-or-later */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ls_sbuf_reserve(ls_sbuf *b, size_t more)
{
    if (b->failed)
        return 0;
    if (b->len + more + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *grown = realloc(b->text, cap);
    if (!grown) {
        b->failed = 1;
        return 0;
    }
    b->text = grown;
    b->cap = cap;
    return 1;
}

void ls_sbuf_add(ls_sbuf *b, const char *s, size_t n)
{
    if (!ls_sbuf_reserve(b, n))
        return;
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
}

void ls_sbuf_puts(ls_sbuf *b, const char *s)
{
    ls_sbuf_add(b, s, strlen(s));
}

void ls_sbuf_printf(ls_sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        ls_sbuf_add(b, small, (size_t)n);
        return;
    }
    if (!ls_sbuf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->text + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ls_sbuf_release(ls_sbuf *b)
{
    free(b->text);
    memset(b, 0, sizeof *b);
}
