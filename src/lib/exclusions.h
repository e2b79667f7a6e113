/* Columns to leave out must exist: a typo ('Tagz' for 'Tags') would
 * otherwise keep a leaking column in the model without a word.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_EXCLUSIONS_H
#define LS_EXCLUSIONS_H

#include <stddef.h>

#include "leadscore/error.h"
#include "leadscore/table.h"
#include "spec.h"

/* LS_ERR_NOTFOUND, at the header of t, for the first name in exclude (the
 * command line's) or in spec's exclude list that is not a column of t; the
 * message suggests a column equal but for case or within two edits. */
ls_status ls_check_exclusions(const ls_table *t, const ls_spec *spec, const char *const *exclude,
                              size_t n_exclude, ls_error *err);

#endif
