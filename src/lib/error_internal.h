/* Internal helpers to fill an ls_error. SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_ERROR_INTERNAL_H
#define LS_ERROR_INTERNAL_H

#include "leadscore/error.h"

#if defined(__GNUC__)
#define LS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LS_PRINTF(a, b)
#endif

/* Sets code and message; keeps no place. Returns code so callers can
 * `return ls_fail(err, LS_ERR_PARSE, "...")`. err may be NULL. */
ls_status ls_fail(ls_error *err, ls_status code, const char *fmt, ...) LS_PRINTF(3, 4);

/* As ls_fail, with the place: file (may be NULL), 1-based line and column
 * index (0 = unknown) and the column's header name (may be NULL). */
ls_status ls_fail_at(ls_error *err, ls_status code, const char *file, size_t line,
                     size_t column_index, const char *column, const char *fmt, ...) LS_PRINTF(7, 8);

#endif
