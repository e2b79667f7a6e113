/* libFuzzer target: the hand-written points table (CSV criterion,condition,
 * points[,label]).
 *
 * Read through ls_points_table_load_stream on fmemopen; an accepted table is
 * then shown, saved, re-exported and used for scoring as in fuzz_model.c.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "points_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen needs a buffer; the empty table is a unit test */
    FILE *fp = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (!fp)
        abort();
    ls_model *model = NULL;
    ls_error err = {0};
    ls_status st = ls_points_table_load_stream(fp, "fuzz-points.csv", &model, &err);
    fclose(fp);
    fuzz_check_error(st, &err);
    if (st == LS_OK)
        fuzz_exercise_model(model);
    ls_model_free(model);
    return 0;
}
