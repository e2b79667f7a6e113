/* leadscore — errors are values: every call that can fail returns an ls_status
 * and, when the caller passes one, fills an ls_error with a readable message
 * and the place (file, line, column) the problem was found.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_ERROR_H
#define LEADSCORE_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LS_OK = 0,
    LS_ERR_IO,         /* a file could not be opened, read or written */
    LS_ERR_PARSE,      /* malformed input (CSV, spec, model, points table) */
    LS_ERR_USAGE,      /* invalid options or arguments */
    LS_ERR_NOMEM,      /* an allocation failed */
    LS_ERR_LIMIT,      /* input exceeds a configured limit (field size, columns) */
    LS_ERR_DATA,       /* data unsuitable for the request (one class, no rows...) */
    LS_ERR_NUMERIC,    /* a numerical failure (singular matrix, non-finite values) */
    LS_ERR_SEPARATION, /* complete or quasi-complete separation: MLE does not exist */
    LS_ERR_NOCONVERGE, /* iterations exhausted before convergence */
    LS_ERR_MODEL,      /* a model file is invalid or of an unsupported version */
    LS_ERR_NOTFOUND    /* a named column, term or file does not exist */
} ls_status;

#define LS_ERROR_MESSAGE_MAX 512
#define LS_ERROR_FILE_MAX 256

/* Caller-owned error record. line and column are 1-based; 0 means "not known".
 * column names the CSV column by its header (or the spec key) when known. */
typedef struct {
    ls_status code;
    char message[LS_ERROR_MESSAGE_MAX];
    char file[LS_ERROR_FILE_MAX];
    char column[LS_ERROR_FILE_MAX];
    size_t line;
    size_t column_index; /* 1-based field number, 0 if not known */
} ls_error;

/* Resets err to "no error". Accepts NULL. */
void ls_error_clear(ls_error *err);

/* Short constant text for a status ("parse error"). Never NULL. */
const char *ls_status_str(ls_status status);

/* Formats err as one line "FILE:LINE:COL: column 'NAME': message" (parts
 * that are not known are left out) into buf. Returns buf. */
char *ls_error_format(const ls_error *err, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
