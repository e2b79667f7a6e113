/* See exclusions.h. SPDX-License-Identifier: GPL-3.0-or-later */
#include "exclusions.h"

#include <string.h>
#include <strings.h>

#include "error_internal.h"

/* Edit distance of a and b when at most 2, else 3: enough to spot a typo. */
static size_t near_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2)
        return 3;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb] < 3 ? prev[lb] : 3;
}

static ls_status check_one(const ls_table *t, const char *name, const char *where, ls_error *err)
{
    if (ls_table_find_column(t, name) != (size_t)-1)
        return LS_OK;
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t j = 0; j < ls_table_columns(t); j++) {
        const char *c = ls_table_column_name(t, j);
        size_t d = strcasecmp(c, name) == 0 ? 0 : near_distance(c, name);
        if (d < best_d) {
            best = c;
            best_d = d;
        }
    }
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
