/* Training straight from a file: the table is loaded for the trainer only
 * (a spec's ID columns are not stored), in memory or out of core.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _XOPEN_SOURCE 700 /* stat */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "encode.h"
#include "error_internal.h"
#include "leadscore/model.h"
#include "leadscore/train.h"
#include "spec.h"
#include "spool.h"
#include "table_internal.h"

/* Peak memory of an in-memory training per byte of CSV (measured on the
 * synthetic leads, 53 terms, ID column declared: about 0.75), with some
 * margin, plus a floor for the parse buffers and the model. */
#define BYTES_PER_CSV_BYTE 1.0
#define FIXED_BYTES (24.0 * 1024 * 1024)

size_t ls_train_memory_estimate(unsigned long long csv_bytes)
{
    return (size_t)((double)csv_bytes * BYTES_PER_CSV_BYTE + FIXED_BYTES);
}

static int is_named(const char *name, const char *a, const char *b)
{
    return (a && strcmp(name, a) == 0) || (b && strcmp(name, b) == 0);
}

ls_status ls_train_file(const char *data_path, const ls_table_options *topts, const ls_spec *spec,
                        const ls_train_options *opts, size_t memory_limit, ls_model **out,
                        ls_train_report *report, int *went_out_of_core, ls_error *err)
{
    *out = NULL;
    if (went_out_of_core)
        *went_out_of_core = 0;
    if (memory_limit == 0)
        memory_limit = LS_TRAIN_DEFAULT_MEMORY_LIMIT;
    struct stat sb;
    int out_of_core = strcmp(data_path, "-") != 0 && stat(data_path, &sb) == 0 &&
                      S_ISREG(sb.st_mode) &&
                      ls_train_memory_estimate((unsigned long long)sb.st_size) > memory_limit;
    ls_spool *spool = NULL;
    if (out_of_core && !(spool = ls_spool_new()))
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    /* The spec's ID columns are never criteria: not stored at all (unless
     * they are also the target or the weights). */
    const char *target = opts->target ? opts->target : spec ? spec->target : NULL;
    const char *weights = opts->weights ? opts->weights : spec ? spec->weights : NULL;
    size_t n_skip = 0;
    const char **skip = spec && spec->n_ids ? malloc(spec->n_ids * sizeof *skip) : NULL;
    if (spec && spec->n_ids && !skip) {
        ls_spool_free(spool);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; spec && k < spec->n_ids; k++)
        if (!is_named(spec->ids[k], target, weights))
            skip[n_skip++] = spec->ids[k];
    ls_table *table = NULL;
    double w0 = ls_wall_seconds(), c0 = ls_cpu_seconds();
    ls_status st = ls_table_load_with(data_path, topts, skip, n_skip, spool, &table, err);
    double w1 = ls_wall_seconds(), c1 = ls_cpu_seconds();
    if (st == LS_OK)
        st = ls_train(table, spec, opts, data_path, out, report, err);
    if (st == LS_OK && report) {
        report->load_seconds = w1 - w0;
        report->load_cpu_seconds = c1 - c0;
        report->total_seconds = ls_wall_seconds() - w0;
        report->total_cpu_seconds = ls_cpu_seconds() - c0;
    }
    ls_table_free(table);
    free(skip);
    /* A temporary-file failure that a step absorbed (the AUC becomes NaN when
     * its scratch cannot be had) must still fail the run: a full disk is an
     * error, never a quietly different model. */
    if ((st == LS_OK || st == LS_ERR_NOMEM) && ls_spool_errno(spool)) {
        if (st == LS_OK) {
            ls_model_free(*out);
            *out = NULL;
            if (report)
                ls_train_report_release(report);
        }
        const char *dir = getenv("TMPDIR");
        int e = ls_spool_errno(spool);
        st = ls_fail(err, LS_ERR_IO, "temporary file in %s: %s%s", dir && *dir ? dir : "/tmp",
                     strerror(e),
                     e == EMFILE ? " (out of core keeps a file per column: raise 'ulimit -n', "
                                   "or train in memory with a larger --memory-limit)"
                                 : "");
    }
    ls_spool_free(spool);
    if (went_out_of_core)
        *went_out_of_core = out_of_core;
    return st;
}
