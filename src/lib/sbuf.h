/* A growing text buffer that remembers a failed allocation instead of
 * failing each call: build the whole text, then check `failed` once. Used
 * for gnuplot scripts and data (plot_*.c) and scored CSV lines (score_rows.c).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_SBUF_H
#define LS_SBUF_H

#include <stddef.h>

#include "error_internal.h"

typedef struct {
    char *text;
    size_t len, cap;
    int failed; /* an allocation failed: the text is incomplete */
} ls_sbuf;

/* Room for `more` bytes after len, and a NUL after them; 0 (and failed set)
 * when there is none. A writer may then fill text[len..len+more] itself. */
int ls_sbuf_reserve(ls_sbuf *b, size_t more);
void ls_sbuf_add(ls_sbuf *b, const char *s, size_t n);
void ls_sbuf_puts(ls_sbuf *b, const char *s);
void ls_sbuf_printf(ls_sbuf *b, const char *fmt, ...) LS_PRINTF(2, 3);
void ls_sbuf_release(ls_sbuf *b);

#endif
