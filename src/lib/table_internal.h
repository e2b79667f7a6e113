/* Row codes of a table without the public uint32 arrays: the table keeps
 * codes in 1, 2 or 4 bytes per row, and ls_table_codes() / ls_table_values()
 * build their arrays on first use. Library code that reads every row of many
 * columns (the trainer) uses these so the loaded table stays small.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_TABLE_INTERNAL_H
#define LS_TABLE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "leadscore/table.h"
#include "spool.h"

/* As ls_table_load, with two savings for a trainer: the columns named in
 * skip (ID columns a spec names) are not stored, and read as ID columns with
 * no levels and every row missing; with a spool, the rows' codes live in it
 * (out of core) instead of the heap. The spool must outlive the table. */
ls_status ls_table_load_with(const char *path, const ls_table_options *opts,
                             const char *const *skip, size_t n_skip, ls_spool *spool,
                             ls_table **out, ls_error *err);

/* The spool the table's codes live in, or NULL. */
ls_spool *ls_table_spool(const ls_table *t);

/* The codes of column col as stored: one per row, *width bytes each (1, 2
 * or 4), *missing where the value is missing; codes < the level count
 * elsewhere. Valid while the table lives. */
const void *ls_table_raw_codes(const ls_table *t, size_t col, unsigned *width, uint32_t *missing);

/* Level code of a row of column col, LS_MISSING_CODE where missing. */
uint32_t ls_table_code(const ls_table *t, size_t col, size_t row);

/* Writes every row's code of column col to dst[row·stride], missing rows as
 * missing_as. The uint16 form needs fewer than 65536 levels. */
void ls_table_copy_codes16(const ls_table *t, size_t col, uint16_t *dst, size_t stride,
                           uint16_t missing_as);
void ls_table_copy_codes32(const ls_table *t, size_t col, uint32_t *dst, size_t stride,
                           uint32_t missing_as);

#endif
