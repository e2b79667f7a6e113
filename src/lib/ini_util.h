/* What the two INI readers (criteria spec, product-usage features) share:
 * reading the file with its limits, the first-error-wins message that
 * libinih handlers leave behind, comma-separated lists, and turning
 * libinih's line number into an ls_error.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_INI_UTIL_H
#define LS_INI_UTIL_H

#include <stddef.h>

#include "error_internal.h"
#include "leadscore/error.h"

#define LS_INI_MAX_BYTES (1u << 20)
#define LS_INI_MAX_LINE 199 /* libinih's line buffer is 200 bytes */

/* The first error a handler reports; later ones would only be consequences. */
typedef struct {
    char message[LS_ERROR_MESSAGE_MAX];
    int failed;
} ls_ini_error;

/* Records the message unless one is already there; returns 0 so a handler
 * can `return ls_ini_fail(...)` (libinih stops at a 0). */
int ls_ini_fail(ls_ini_error *e, const char *fmt, ...) LS_PRINTF(2, 3);

/* Reads a whole INI file (at most 1 MiB, no NUL bytes) into a new
 * NUL-terminated *text; `what` names the file in messages ("criteria spec"). */
ls_status ls_ini_read_file(const char *path, const char *what, char **text, ls_error *err);

/* Runs libinih over text after checking that no line would be cut at
 * LS_INI_MAX_LINE; maps a handler's failure (e) or a syntax error to
 * name:line. */
ls_status ls_ini_parse(const char *text, const char *name,
                       int (*handler)(void *, const char *, const char *, const char *), void *user,
                       const ls_ini_error *e, ls_error *err);

/* Splits a comma-separated list and appends its items to *items (*n of
 * them): blanks around items go, "double quotes" keep commas and the empty
 * string, an empty unquoted item is malformed. Returns 0 when malformed or
 * out of memory. */
int ls_ini_split_list(const char *value, char ***items, size_t *n);

void ls_ini_free_list(char **items, size_t n);

#endif
