/* Criteria spec: the parsed form the encoder reads.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_SPEC_H
#define LS_SPEC_H

#include <stddef.h>

#include "leadscore/train.h"

typedef enum { LS_USE_DEFAULT = 0, LS_USE_NO, LS_USE_YES, LS_USE_FORCE } ls_use;

typedef struct {
    char *column;
    ls_column_type type; /* LS_TYPE_AUTO = infer */
    char *label;
    char *reference;
    char **missing; /* extra missing tokens for this column */
    size_t n_missing;
    int log1p;
    double cap_lo, cap_hi; /* NAN = none */
    char **bands;          /* band labels, in order ("1-10", "501+") */
    double *band_lo;       /* lower bound of each band */
    size_t n_bands;
    long pool_below; /* -1 = global setting */
    ls_use use;
    char ***merges; /* groups of levels scored as one: merges[g][0..merge_sizes[g]) */
    size_t *merge_sizes;
    size_t n_merges;
} ls_spec_criterion;

struct ls_spec {
    char *name;
    char *target, *positive, *weights;
    char **ids;
    size_t n_ids;
    char **missing;
    size_t n_missing;
    int has_missing;
    char separator;
    int only_listed;
    long pool_below; /* -1 = not set */
    char **exclude;
    size_t n_exclude;
    ls_spec_criterion *criteria;
    size_t n_criteria;
    /* flattened type overrides for ls_table_load */
    char **type_names;
    ls_column_type *types;
    size_t n_types;
};

/* The spec's settings for column, or NULL. */
const ls_spec_criterion *ls_spec_find(const ls_spec *spec, const char *column);

#endif
