/* Two synthetic quarters on disk, for the monitoring tests (compare, drift,
 * backtest): temporary paths as a cmocka fixture, a quarter written and
 * loaded, and the default model trained on it.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_QUARTER_FIXTURE_H
#define LS_QUARTER_FIXTURE_H

#include "leadscore/table.h"
#include "leadscore/train.h"
#include "quarter_synth.h"

/* The earlier (a) and later (b) quarter's files; removed in teardown. */
typedef struct {
    char a[64], b[64];
} quarter_paths;

int quarter_paths_setup(void **state);
int quarter_paths_teardown(void **state);

/* Writes the quarter o describes to path and loads it (asserting success). */
ls_table *quarter_table(const ls_quarter_options *o, const char *path);

/* The default model (target 'converted', every criterion) trained on t. */
ls_model *quarter_train(const ls_table *t);

#endif
