/* Synthetic quarters of leads for the monitoring tests: a small, seeded
 * process with independent criteria whose effect or distribution can be
 * changed one at a time, so a test knows exactly which criterion moved.
 *
 * Columns (comma separated, one header line, "\n" line ends):
 *   lead_id     Q0000001, Q0000002, ...
 *   channel     categorical: paid .40, organic .25, referral .15, email .12,
 *               event .08; effects (log-odds vs paid) 0, +0.3, +0.9, -0.5, +0.7
 *   region      categorical: north .45, south .30, west .25; effects 0, -0.3, +0.3
 *   demo        yes/no, P(yes) .30; effect +1.0
 *   newsletter  yes/no, P(yes) .50; effect 0 (noise)
 *   visits      count, Poisson(4); effect +0.12 per visit
 *   minutes     decimal with two places, exponential with mean 20, 6% missing;
 *               effect +0.02 per minute, missing -0.3 (as the trainer encodes
 *               it: value imputed 0 plus a missing indicator)
 *   converted   0/1, logit P = -2.6 + Σ effects
 * Every criterion is drawn independently of the others.
 *
 * Knobs, per criterion (index LS_Q_*):
 *   effect   multiplies the criterion's true effects (1 = as above)
 *   shift    moves its distribution: categorical, the level probabilities
 *            become (1 − s)·p + s·reverse(p) (s in [0, 1]); yes/no, P(yes) + s;
 *            visits, mean 4·(1 + s); minutes, mean 20·(1 + s)
 *   missing  probability that the value is empty (NAN = as above)
 *   unseen   probability that a categorical value is a level the process
 *            never produced otherwise ("new_<column>")
 * Random numbers: splitmix64 from the seed; equal options give equal files.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_QUARTER_SYNTH_H
#define LS_QUARTER_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leadscore/error.h"

enum {
    LS_Q_CHANNEL = 0,
    LS_Q_REGION,
    LS_Q_DEMO,
    LS_Q_NEWSLETTER,
    LS_Q_VISITS,
    LS_Q_MINUTES,
    LS_Q_COLUMNS
};

typedef struct {
    size_t rows;
    uint64_t seed;
    double effect[LS_Q_COLUMNS];
    double shift[LS_Q_COLUMNS];
    double missing[LS_Q_COLUMNS];
    double unseen[LS_Q_COLUMNS];
} ls_quarter_options;

/* rows 5000, seed 1, effects 1, no shift, default missing rates, no unseen. */
void ls_quarter_options_init(ls_quarter_options *opts);

/* Column name of a criterion index ("channel"), NULL if out of range. */
const char *ls_quarter_column(size_t index);

/* Writes the quarter as CSV to out (the caller owns and closes it). */
ls_status ls_quarter_write(const ls_quarter_options *opts, FILE *out, ls_error *err);

/* Writes the quarter to path (plain fopen/fclose, for tests). */
ls_status ls_quarter_write_path(const ls_quarter_options *opts, const char *path, ls_error *err);

#endif
