/* leadscore — the analyst's first look at a lead export: per column its type,
 * missing and distinct counts, conversion per level or quantile band with a
 * 95% Wilson interval, information value (IV) against the target, and
 * warnings for likely leakage, constant and ID-like columns.
 *
 * Definitions (the numbers the tests check against pandas):
 * - Conversion rate of a bin = positives / rows. Wilson interval:
 *   (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), clamped to [0, 1].
 * - Quartiles of a numeric column: R type 7 = pandas' default "linear" over
 *   the non-missing values: h = (n-1)p, x[⌊h⌋] + (h-⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋]).
 * - Numeric bands: [min, q1], (q1, median], (median, q3], (q3, max] — right
 *   closed, as pandas.cut(right=True). Bands that hold no row (tied quartiles,
 *   or gaps in sparse data) are dropped, so a column with many zeros gets
 *   fewer bands. Missing values form their own bin.
 * - Categorical and boolean bins: every distinct level, plus a missing bin.
 * - IV = Σ (dp_i - dn_i)·ln(dp_i/dn_i) over a column's bins, where dp_i and
 *   dn_i are the bin's share of all positives and of all negatives. A bin with
 *   no positives or no negatives gets 0.5 added to both its counts first
 *   (zero-cell adjustment), and the shares are taken over the adjusted totals.
 *   WoE_i = ln(dp_i/dn_i): positive means the bin converts better than average.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_INSPECT_H
#define LEADSCORE_INSPECT_H

#include <stddef.h>
#include <stdio.h>

#include "leadscore/error.h"
#include "leadscore/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *target;   /* the outcome column (required) */
    const char *positive; /* the value counted as converted; NULL = the true value of a
                             boolean column, or "1" beside "0" (default NULL) */
    size_t top_levels;    /* levels printed per column by the table format, 0 = all (10) */
    double leak_iv;       /* IV above which a column is flagged as likely leakage (0.5) */
    size_t leak_min_rows; /* a bin converting 0% or 100% over at least this many rows is
                             flagged as likely leakage (30) */
    double z;             /* normal quantile of the interval (1.959963984540054: 95%) */
} ls_inspect_options;

/* Sets the documented defaults (target NULL). */
void ls_inspect_options_init(ls_inspect_options *opts);

typedef struct {
    char *label;         /* level text, band "(1, 3]", or "(missing)" */
    int is_missing;      /* the bin of missing values */
    double lower, upper; /* numeric band edges (the first band includes lower); NAN otherwise */
    size_t rows, positives;
    double rate;            /* positives / rows */
    double ci_low, ci_high; /* Wilson interval of rate */
    double woe;             /* ln(dp/dn) after the zero-cell adjustment */
    double iv;              /* this bin's term of the column's IV */
} ls_inspect_bin;

typedef enum {
    LS_WARN_LEAK_IV,       /* IV above leak_iv */
    LS_WARN_LEAK_LEVEL,    /* a bin converting 0% or 100% over leak_min_rows or more */
    LS_WARN_CONSTANT,      /* one value (or only missing) in every row */
    LS_WARN_ID,            /* ID-like: every value distinct */
    LS_WARN_MOSTLY_NUMERIC /* text, but nearly every value is a number: a typo or an
                              undeclared missing token turned a numeric column into levels */
} ls_inspect_warning_kind;

/* "leakage-iv", "leakage-level", "constant", "id-like", "mostly-numeric". */
const char *ls_inspect_warning_name(ls_inspect_warning_kind kind);

typedef struct {
    size_t column; /* index into the profile's columns */
    ls_inspect_warning_kind kind;
    char *message; /* one line, without the column name */
} ls_inspect_warning;

typedef struct {
    char *name;
    ls_column_type type;
    int is_target;
    size_t missing;
    size_t distinct; /* distinct non-missing values (numerically distinct for numerics) */
    double min, q1, median, q3, max; /* numeric columns; NAN otherwise */
    /* Categorical/boolean: levels by rows (descending, ties by label), then the
     * missing bin. Numeric: bands in order, then the missing bin. None for the
     * target, ID-like and ignored columns. */
    ls_inspect_bin *bins;
    size_t n_bins;
    double iv; /* NAN where there are no bins */
} ls_inspect_column;

typedef struct {
    char *source; /* the table's file name */
    size_t rows;
    size_t target_column;
    char *positive, *negative; /* the target's two values as written in the file */
    size_t positives, negatives;
    size_t top_levels; /* copied from the options, for the table format */
    ls_inspect_column *columns;
    size_t n_columns;
    ls_inspect_warning *warnings; /* in column order */
    size_t n_warnings;
} ls_inspect_profile;

/* Profiles every column of t against opts->target. Errors: the target column
 * does not exist (LS_ERR_NOTFOUND); no positive value given and none implied,
 * or the given one does not occur (LS_ERR_USAGE, listing the values); a row
 * whose target is missing or is a third value besides the positive/negative
 * pair, or a target with a single value (LS_ERR_DATA, at that row's line).
 * On success *out is owned by the caller: ls_inspect_free(). */
ls_status ls_inspect_table(const ls_table *t, const ls_inspect_options *opts,
                           ls_inspect_profile **out, ls_error *err);

/* Frees a profile. Accepts NULL. */
void ls_inspect_free(ls_inspect_profile *profile);

typedef enum {
    LS_INSPECT_FORMAT_TABLE, /* aligned text for a terminal */
    LS_INSPECT_FORMAT_CSV,   /* one row per bin (column fields repeated); every bin */
    LS_INSPECT_FORMAT_JSON   /* one object; every bin */
} ls_inspect_format;

/* Parses "table", "csv" or "json"; returns 0 if unknown. */
int ls_inspect_format_parse(const char *name, ls_inspect_format *out);

/* Writes the profile to fp in the C locale whatever the caller's locale.
 * LS_ERR_IO if the stream reports an error. */
ls_status ls_inspect_write(const ls_inspect_profile *profile, ls_inspect_format format, FILE *fp,
                           ls_error *err);

/* Wilson score interval of positives/rows at normal quantile z (NAN, NAN
 * when rows is 0). */
void ls_inspect_wilson(size_t positives, size_t rows, double z, double *low, double *high);

/* Quantile p in [0, 1] of n ascending values, R type 7 (NAN when n is 0). */
double ls_inspect_quantile(const double *sorted, size_t n, double p);

#ifdef __cplusplus
}
#endif
#endif
