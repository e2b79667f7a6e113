/* leadscore — a lead export loaded into typed columns.
 *
 * Every column is held as codes into a dictionary of its distinct non-missing
 * values (first-seen order), so text is stored once per distinct value and
 * numbers are parsed once per distinct value. Types are inferred from the
 * dictionary — numeric, boolean, categorical, or ID-like (all values
 * distinct) — and can be overridden per column.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_TABLE_H
#define LEADSCORE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "leadscore/csv.h"
#include "leadscore/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LS_TYPE_AUTO = 0, /* infer (only meaningful in overrides) */
    LS_TYPE_NUMERIC,
    LS_TYPE_BOOLEAN,
    LS_TYPE_CATEGORICAL,
    LS_TYPE_ID,
    LS_TYPE_IGNORE /* read but not used as a criterion */
} ls_column_type;

/* "numeric", "boolean", "categorical", "id", "ignore", "auto". */
const char *ls_column_type_name(ls_column_type type);

/* Parses a type name as above; returns 0 if unknown. */
int ls_column_type_parse(const char *name, ls_column_type *out);

#define LS_MISSING_CODE UINT32_MAX

typedef struct {
    ls_csv_options csv;
    const char *const *missing_tokens; /* values that mean "missing"; NULL = {""} */
    size_t n_missing_tokens;
    const char *const *type_names; /* per-column type overrides: column names ... */
    const ls_column_type *types;   /* ... and their types */
    size_t n_types;
} ls_table_options;

void ls_table_options_init(ls_table_options *opts);

typedef struct ls_table ls_table;

/* Reads a whole CSV file ("-" for stdin) into memory. An override naming a
 * column that does not exist, or text in a column declared numeric or
 * boolean, is an error placed at the first offending line and column.
 * *out is owned by the caller: ls_table_free(). */
ls_status ls_table_load(const char *path, const ls_table_options *opts, ls_table **out,
                        ls_error *err);

void ls_table_free(ls_table *table);

const char *ls_table_source(const ls_table *t); /* file name as given */
size_t ls_table_rows(const ls_table *t);
size_t ls_table_columns(const ls_table *t);
const char *ls_table_column_name(const ls_table *t, size_t col);
size_t ls_table_find_column(const ls_table *t, const char *name); /* (size_t)-1 if absent */
ls_column_type ls_table_column_type(const ls_table *t, size_t col);
size_t ls_table_missing_count(const ls_table *t, size_t col);

/* Distinct non-missing values of a column, in first-seen order. */
size_t ls_table_level_count(const ls_table *t, size_t col);
const char *ls_table_level(const ls_table *t, size_t col, size_t level);
size_t ls_table_level_rows(const ls_table *t, size_t col, size_t level);
/* Level index of a value, or (size_t)-1. */
size_t ls_table_find_level(const ls_table *t, size_t col, const char *value);

/* Per-row level codes (LS_MISSING_CODE where missing). */
const uint32_t *ls_table_codes(const ls_table *t, size_t col);

/* Per-row values of a numeric or boolean column (NAN where missing; 0/1 for
 * booleans); NULL for other types. */
const double *ls_table_values(const ls_table *t, size_t col);

/* Numeric value of each level of a numeric/boolean column (NULL otherwise). */
const double *ls_table_level_values(const ls_table *t, size_t col);

/* Source line of a data row (0-based row), for messages. */
size_t ls_table_line(const ls_table *t, size_t row);

#ifdef __cplusplus
}
#endif
#endif
