/* Parsing the records of a CSV file's byte range, fast, for the table loader.
 *
 * The dialect is exactly the one ls_csv_next reads (libcsv in strict mode,
 * with the reader's separator, trimmed spaces and LF line ends), but only
 * well-formed input is handled here: the first problem of any kind (bad
 * quoting, a wrong field count, invalid UTF-8, a NUL byte, a field over the
 * limit) stops the parse with LS_FASTCSV_INVALID, and the caller reads the
 * file again with ls_csv_next, which reports the problem at its exact place.
 *
 * Ranges let two threads parse two halves of a file. The caller cuts at a
 * line break; a range's parse runs on past its end while a record that began
 * before the end goes on (a quoted field with a line break in it), and says
 * where it stopped: when that is not where the next range began, the cut was
 * inside a quoted field and the next range's results must be thrown away.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_PARALLEL_PARSE_H
#define LS_PARALLEL_PARSE_H

#include <stddef.h>

#include "csv_internal.h"

typedef enum {
    LS_FASTCSV_OK = 0,
    LS_FASTCSV_INVALID, /* the input has a problem: read it with ls_csv_next for the message */
    LS_FASTCSV_STOPPED, /* the sink returned non-zero */
    LS_FASTCSV_NOMEM,   /* no memory for the read buffer */
    LS_FASTCSV_IO,      /* read error (errno says which) */
} ls_fastcsv_status;

/* Called once per record with layout->n_columns fields (not NUL-terminated;
 * valid during the call) and the line the record starts on. Non-zero stops. */
typedef int (*ls_fastcsv_sink)(void *ctx, const char *const *fields, const size_t *lens,
                               size_t line);

typedef struct {
    unsigned long long end; /* offset just after the last record parsed */
    size_t lines;           /* line breaks in [begin, end) */
} ls_fastcsv_result;

/* Parses the records starting in [begin, limit) of the open file fd, whose
 * size is file_size; begin must be at the start of a line outside any quoted
 * field, and first_line is its line number. */
ls_fastcsv_status ls_fastcsv_parse(int fd, unsigned long long begin, unsigned long long limit,
                                   unsigned long long file_size, size_t first_line,
                                   const ls_csv_layout_info *layout, ls_fastcsv_sink sink,
                                   void *ctx, ls_fastcsv_result *res);

/* The first offset at or after pos that follows a line break (file_size if
 * none): where a range may begin. Returns (unsigned long long)-1 on read error. */
unsigned long long ls_fastcsv_next_line(int fd, unsigned long long pos,
                                        unsigned long long file_size);

#endif
