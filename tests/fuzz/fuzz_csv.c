/* libFuzzer target: the CSV reader and the typed table.
 *
 * Each input is read three ways: record by record through ls_csv_open_stream
 * on fmemopen with the default options, again with tight limits (8 columns,
 * 64-byte fields, ';' forced) so the limit paths are reached with small
 * inputs, and whole through ls_table_load (type inference, dictionaries,
 * numeric parsing) from a memfd. Every outcome must be LS_OK or a
 * well-formed error; the sanitizers catch the rest.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "leadscore/csv.h"
#include "leadscore/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_records(const uint8_t *data, size_t size, const ls_csv_options *opts)
{
    /* fmemopen refuses a zero-length buffer in some libcs: give it one byte
     * and a zero-size view instead. */
    static const uint8_t empty[1] = {0};
    FILE *fp = fmemopen((void *)(uintptr_t)(size ? data : empty), size ? size : 1, "rb");
    if (!fp)
        abort();
    if (!size)
        fgetc(fp); /* consume the placeholder byte: the stream is at its end */
    ls_csv_reader *r = NULL;
    ls_error err = {0};
    ls_status st = ls_csv_open_stream(fp, "fuzz.csv", opts, &r, &err);
    fuzz_check_error(st, &err);
    if (st == LS_OK) {
        size_t cols = ls_csv_columns(r);
        for (size_t i = 0; i < cols; i++)
            if (!ls_csv_column_name(r, i))
                abort();
        for (;;) {
            const char *const *fields;
            int has = 0;
            st = ls_csv_next(r, &fields, &has, &err);
            fuzz_check_error(st, &err);
            if (st != LS_OK || !has)
                break;
            for (size_t i = 0; i < cols; i++)
                if (strlen(fields[i]) != ls_csv_field_length(r, i))
                    abort(); /* NUL bytes are refused, so lengths must agree */
        }
    }
    ls_csv_free(r);
    fclose(fp);
}

static void load_table(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfd(data, size, path);
    ls_table *t = NULL;
    ls_error err = {0};
    ls_status st = ls_table_load(path, NULL, &t, &err);
    fuzz_check_error(st, &err);
    if (st == LS_OK) {
        for (size_t j = 0; j < ls_table_columns(t); j++) {
            ls_column_type type = ls_table_column_type(t, j);
            const double *v = ls_table_values(t, j);
            if ((type == LS_TYPE_NUMERIC || type == LS_TYPE_BOOLEAN) != (v != NULL))
                abort();
            size_t levels = ls_table_level_count(t, j);
            for (size_t k = 0; k < levels; k++)
                if (ls_table_find_level(t, j, ls_table_level(t, j, k)) != k)
                    abort();
        }
    }
    ls_table_free(t);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_csv_options opts;
    ls_csv_options_init(&opts);
    read_records(data, size, &opts);
    opts.max_columns = 8;
    opts.max_field_bytes = 64;
    opts.separator = ';';
    read_records(data, size, &opts);
    load_table(data, size);
    return 0;
}
