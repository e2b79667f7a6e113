/* leadscore — streaming CSV reader (libcsv underneath).
 *
 * Reads a header line and then one record at a time, chunk by chunk, so
 * memory stays flat however long the file is. Handles the quirks of real
 * exports: separator auto-detection (, ; tab |), quoted fields with embedded
 * separators, doubled quotes and newlines, CRLF and LF, a UTF-8 BOM, a
 * trailing empty column (every line ending in a separator) and trailing blank
 * lines. Malformed input is an error naming the file, line and column.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_CSV_H
#define LEADSCORE_CSV_H

#include <stdio.h>
#include <stddef.h>

#include "leadscore/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    char separator;         /* 0 = detect from the header among , ; \t | (default 0) */
    size_t max_field_bytes; /* longer fields are refused (default 1 MiB) */
    size_t max_columns;     /* wider headers are refused (default 10000) */
} ls_csv_options;

/* Sets the documented defaults. */
void ls_csv_options_init(ls_csv_options *opts);

typedef struct ls_csv_reader ls_csv_reader;

/* Opens path ("-" reads standard input) and reads its header.
 * opts may be NULL for defaults. On success *out owns the reader: release it
 * with ls_csv_free(). */
ls_status ls_csv_open(const char *path, const ls_csv_options *opts, ls_csv_reader **out,
                      ls_error *err);

/* As ls_csv_open, over an already open stream the caller keeps owning;
 * name is used in messages. */
ls_status ls_csv_open_stream(FILE *fp, const char *name, const ls_csv_options *opts,
                             ls_csv_reader **out, ls_error *err);

/* Closes the file (unless it was the caller's stream) and frees. Accepts NULL. */
void ls_csv_free(ls_csv_reader *reader);

/* Number of columns in the header (a trailing unnamed empty column excluded). */
size_t ls_csv_columns(const ls_csv_reader *reader);

/* Header name of column i (0-based), owned by the reader. */
const char *ls_csv_column_name(const ls_csv_reader *reader, size_t i);

/* Index of the column called name, or (size_t)-1. */
size_t ls_csv_find_column(const ls_csv_reader *reader, const char *name);

/* The separator in use (detected or given). */
char ls_csv_separator(const ls_csv_reader *reader);

/* The name given at open time (the path, or "<stdin>"). */
const char *ls_csv_name(const ls_csv_reader *reader);

/* Reads the next record. On success *fields points at ls_csv_columns()
 * NUL-terminated strings (valid until the next call) and *has_record is 1;
 * at the end of the file *has_record is 0. A record whose field count does
 * not match the header, a field with a NUL byte or invalid UTF-8, an
 * unterminated quote or a field over the size limit is an LS_ERR_PARSE or
 * LS_ERR_LIMIT error placed at its line and column. */
ls_status ls_csv_next(ls_csv_reader *reader, const char *const **fields, int *has_record,
                      ls_error *err);

/* Length in bytes of field i of the current record. */
size_t ls_csv_field_length(const ls_csv_reader *reader, size_t i);

/* Lengths in bytes of all ls_csv_columns() fields of the current record
 * (valid until the next ls_csv_next). */
const size_t *ls_csv_field_lengths(const ls_csv_reader *reader);

/* 1-based line on which the current record starts (the header is line 1). */
size_t ls_csv_line(const ls_csv_reader *reader);

#ifdef __cplusplus
}
#endif
#endif
