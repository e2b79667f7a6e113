/* See exclusions.h. SPDX-License-Identifier: GPL-3.0-or-later */
#include "exclusions.h"

#include <string.h>

#include "error_internal.h"
#include "text.h"

static ls_status check_one(const ls_table *t, const char *name, const char *where, ls_error *err)
{
    if (ls_table_find_column(t, name) != (size_t)-1)
        return LS_OK;
    ls_nearest near;
    ls_nearest_init(&near);
    for (size_t j = 0; j < ls_table_columns(t); j++)
        ls_nearest_offer(&near, name, ls_table_column_name(t, j));
    const char *best = near.best;
    if (best)
        return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, name,
                          "%s names a column that is not in the header (did you mean '%s'?)", where,
                          best);
    return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, name,
                      "%s names a column that is not in the header", where);
}

ls_status ls_check_exclusions(const ls_table *t, const ls_spec *spec, const char *const *exclude,
                              size_t n_exclude, ls_error *err)
{
    ls_status st = LS_OK;
    for (size_t i = 0; i < n_exclude && st == LS_OK; i++)
        st = check_one(t, exclude[i], "--exclude", err);
    for (size_t i = 0; spec && i < spec->n_exclude && st == LS_OK; i++)
        st = check_one(t, spec->exclude[i], "the spec's exclude", err);
    return st;
}
