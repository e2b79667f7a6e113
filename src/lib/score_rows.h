/* Scored CSV lines, formatted into a growing byte buffer.
 *
 * A scored line is: the ID columns (or the input line number), score,
 * probability (%.17g; empty for hand-written points), tier and reasons
 * ("label +20; label -5"), each field quoted as CSV needs. The parallel
 * scorer formats each part of the input into its own buffer, so this holds
 * no state beyond the buffer.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_SCORE_ROWS_H
#define LS_SCORE_ROWS_H

#include <stddef.h>

#include "leadscore/scorer.h"
#include "sbuf.h"

/* Lengths and quoting needs of the reason labels and tier names met so far:
 * they are the scorer's and the model's strings, the same few pointers lead
 * after lead, so each is measured once. Start zeroed; one per thread. */
typedef struct {
    const char *text;
    size_t len;
    int quote;
} ls_label_info;

#define LS_LABEL_CACHE 128

typedef struct {
    ls_label_info slot[LS_LABEL_CACHE];
} ls_label_cache;

/* The header line: the ID column names ("line" without any), then
 * score,probability,tier,reasons. */
void ls_score_rows_header(ls_sbuf *b, const char *const *id_names, size_t n_ids);

/* One scored lead: fields/lens are the input record, ids the indices of the
 * ID columns among them (n_ids 0: line is written instead); learned says
 * whether the probability column is filled even when it is NaN. */
void ls_score_rows_line(ls_sbuf *b, ls_label_cache *labels, const char *const *fields,
                        const size_t *lens, const size_t *ids, size_t n_ids, size_t line,
                        const ls_score_result *res, int learned);

#endif
