/* leadscore — learning points from historical leads.
 *
 * ls_train() encodes a loaded table into regression terms (following the
 * defaults or a criteria spec), fits logistic regression, and turns the
 * coefficients into integer points per criterion level.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_TRAIN_H
#define LEADSCORE_TRAIN_H

#include <stddef.h>

#include "leadscore/error.h"
#include "leadscore/fit.h"
#include "leadscore/model.h"
#include "leadscore/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- criteria spec (INI file, see README "Criteria spec") ---------------- */

typedef struct ls_spec ls_spec;

/* Parses a criteria spec file. *out is owned by the caller: ls_spec_free(). */
ls_status ls_spec_load(const char *path, ls_spec **out, ls_error *err);

/* Parses a spec from text (name is used in messages). */
ls_status ls_spec_parse(const char *text, const char *name, ls_spec **out, ls_error *err);

void ls_spec_free(ls_spec *spec);

/* Settings the spec gives for reading the data, so the caller can load the
 * table with them: global missing tokens (NULL if the spec sets none), the
 * separator (0 if not set) and per-column type overrides. Owned by spec. */
const char *const *ls_spec_missing_tokens(const ls_spec *spec, size_t *n);
char ls_spec_separator(const ls_spec *spec);
size_t ls_spec_type_overrides(const ls_spec *spec, const char *const **names,
                              const ls_column_type **types);
const char *ls_spec_target(const ls_spec *spec);   /* NULL if not set */
const char *ls_spec_positive(const ls_spec *spec); /* NULL if not set */

/* ---- training ------------------------------------------------------------ */

typedef enum {
    LS_POINTS_BUDGET = 1, /* the best possible lead totals `budget` points (default) */
    LS_POINTS_PDO /* credit-scorecard: `pdo` points double the odds; base_score at base_odds */
} ls_points_scaling;

typedef struct {
    const char *target;         /* overrides the spec; required if the spec has none */
    const char *positive;       /* value meaning "converted"; NULL = infer (true / 1) */
    const char *weights;        /* column of case weights, or NULL */
    const double *row_weights;  /* per-row weights (one per table row), multiplied with the
                                   weights column; 0 leaves a row out (holdout, folds). NULL = 1 */
    const char *const *exclude; /* columns never used as criteria */
    size_t n_exclude;
    size_t pool_below;      /* pool categorical levels with fewer rows into (other); 0 = off */
    double population_rate; /* prior correction to this conversion rate; NAN = off */

    ls_fit_options fit; /* l2, l1, tolerance, max iterations */

    ls_points_scaling scaling;
    double budget;     /* BUDGET: points of the best possible lead (100) */
    double pdo;        /* PDO: points to double the odds (20) */
    double base_score; /* PDO: score at base_odds (600) */
    double base_odds;  /* PDO: odds at base_score (1) */
    double round_to;   /* round points to multiples of this (1; e.g. 5) */
} ls_train_options;

void ls_train_options_init(ls_train_options *opts);

/* Conversion by score band: what a score of [lo, hi] means. */
typedef struct {
    double lo, hi;
    size_t rows;
    double predicted; /* mean fitted probability */
    double observed;  /* observed conversion rate */
} ls_score_band;

typedef struct {
    char **notes; /* decisions taken, one line each: dropped columns, pooled levels */
    size_t n_notes;
    ls_score_band *bands; /* score deciles on the training data */
    size_t n_bands;
    double coef_auc;   /* in-sample AUC of the exact coefficients */
    double points_auc; /* in-sample AUC of the integer points */
    /* Where the time went: wall and CPU seconds (CPU of every thread) of
     * loading the data (ls_train_file only, else 0), of the fit (encoding
     * excluded), and of the whole call. */
    double load_seconds, load_cpu_seconds;
    double fit_seconds, fit_cpu_seconds;
    double total_seconds, total_cpu_seconds;
} ls_train_report;

/* Trains a model on table. spec may be NULL (defaults). On success *out is
 * owned by the caller (ls_model_free) and report (if not NULL) is filled and
 * must be released with ls_train_report_release(). data_path, if not NULL,
 * is recorded with its SHA-256 in the model's lineage. */
ls_status ls_train(const ls_table *table, const ls_spec *spec, const ls_train_options *opts,
                   const char *data_path, ls_model **out, ls_train_report *report, ls_error *err);

void ls_train_report_release(ls_train_report *report);

/* ---- training from a file, in memory or out of core ----------------------- */

/* The default memory_limit of ls_train_file: 512 MiB. */
#define LS_TRAIN_DEFAULT_MEMORY_LIMIT ((size_t)512 << 20)

/* Memory (bytes) an in-memory training on a CSV file of csv_bytes needs, as
 * ls_train_file estimates it. */
size_t ls_train_memory_estimate(unsigned long long csv_bytes);

/* Loads data_path with topts (ls_table_load) and trains as ls_train, with
 * less memory: the spec's ID columns are not loaded, and when the estimated
 * in-memory peak exceeds memory_limit (bytes; 0 = the default) the rows go
 * out of core, to unlinked temporary files in TMPDIR streamed on every pass
 * (peak memory then about 100-200 MB whatever the rows). The model is the
 * same bit for bit either way. A full disk fails with LS_ERR_IO. Standard
 * input ("-") is always trained in memory. *went_out_of_core (may be NULL)
 * says which way it went. */
ls_status ls_train_file(const char *data_path, const ls_table_options *topts, const ls_spec *spec,
                        const ls_train_options *opts, size_t memory_limit, ls_model **out,
                        ls_train_report *report, int *went_out_of_core, ls_error *err);

#ifdef __cplusplus
}
#endif
#endif
