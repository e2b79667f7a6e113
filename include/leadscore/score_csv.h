/* leadscore — scoring a CSV file of leads into a scored CSV, on every core.
 *
 * The input is cut into parts at record boundaries (a line break outside
 * quotes); each part is parsed, scored and formatted on a worker thread with
 * its own scorer, and the parts are written and their counts added up in
 * input order. So the output, the error reported (the first in the file) and
 * the summaries (unseen values, skipped rows) are those of one thread, byte
 * for byte, and memory stays flat: a few parts are in flight at any time.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_SCORE_CSV_H
#define LEADSCORE_SCORE_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "leadscore/csv.h"
#include "leadscore/error.h"
#include "leadscore/scorer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const size_t *id_columns; /* input columns copied before the score, in order; */
    size_t n_id_columns;      /* with none, the input line number as column 'line' */
    int skip_bad_rows;        /* leave out rows the scorer refuses (LS_ERR_PARSE: text
                                 in a numeric criterion...) and count them, instead of
                                 stopping at the first */
    size_t threads;           /* worker threads; 0: LEADSCORE_THREADS or the cores */
    size_t part_bytes;        /* input bytes per part; 0: 1 MiB */
} ls_score_csv_options;

void ls_score_csv_options_init(ls_score_csv_options *opts);

typedef struct {
    size_t rows;         /* leads scored and written */
    size_t skipped;      /* rows left out (skip_bad_rows) */
    ls_error first_skip; /* why the first of them was, with its line and column */
    int write_failed;    /* the error was writing to out */
} ls_score_csv_stats;

/* Scores every record of reader, which must be fresh from ls_csv_open (only
 * its header read), with scorer, and writes the scored CSV, header line
 * first, to out: the ID columns, score, probability, tier, reasons (see
 * `leadscore score --help`). The reader is read to its end; scorer's counts
 * (ls_scorer_rows, unseen values, unmatched rules) then cover every lead.
 * On an error err says which and where (file, line, column); what was
 * written to out by then is incomplete. */
ls_status ls_score_csv(ls_csv_reader *reader, ls_scorer *scorer, FILE *out,
                       const ls_score_csv_options *opts, ls_score_csv_stats *stats, ls_error *err);

#ifdef __cplusplus
}
#endif
#endif
