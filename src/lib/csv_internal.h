/* What a reader knows once the header is read, for code that parses the
 * rest of the file itself (the table loader's parallel parse).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_CSV_INTERNAL_H
#define LS_CSV_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "leadscore/csv.h"

typedef struct {
    unsigned long long data_offset; /* byte offset just after the header record */
    size_t data_line;               /* the line there */
    char separator;
    size_t n_columns, n_raw_columns; /* exposed columns, and fields in the header */
    int trailing_empty;              /* the header ends with a separator */
    size_t max_field_bytes;
    unsigned char space[256]; /* 1 for the bytes trimmed around unquoted fields */
} ls_csv_layout_info;

/* Fills out right after ls_csv_open (before any ls_csv_next). Returns 0 when
 * the reader is not at a record boundary (then the caller reads on with it). */
int ls_csv_layout(const ls_csv_reader *reader, ls_csv_layout_info *out);

/* For code that cuts the data into parts (parallel scoring): the bytes the
 * reader has read past the header (valid while it lives and is not read
 * further), the stream the rest comes from (NULL once it is exhausted) and
 * the line the bytes begin on. Returns 0 when the reader is not right after
 * the header. */
int ls_csv_buffered(const ls_csv_reader *reader, const char **bytes, size_t *n, FILE **rest,
                    size_t *line);

/* A reader of records only, in like's dialect and with its header: over
 * bytes [0, n) (borrowed: they must outlive the reader, which never writes
 * them), then over the stream rest when not NULL (which the caller keeps
 * owning). bytes must begin at a record boundary; lines count from
 * first_line and errors name like's file. */
ls_status ls_csv_open_part(const ls_csv_reader *like, const char *bytes, size_t n, FILE *rest,
                           size_t first_line, ls_csv_reader **out, ls_error *err);

#endif
