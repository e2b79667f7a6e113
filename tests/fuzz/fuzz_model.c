/* libFuzzer target: the model file loader (JSON through cJSON).
 *
 * A model the loader accepts must also survive everything the CLI does with
 * one: `show` in every format, saving and re-reading it, exporting it as a
 * points table and re-reading that, and scoring leads (fuzz_exercise_model).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdint.h>

#include "fuzz_util.h"
#include "leadscore/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_model *model = NULL;
    ls_error err = {0};
    ls_status st = ls_model_from_json((const char *)data, size, "fuzz.json", &model, &err);
    fuzz_check_error(st, &err);
    if (st == LS_OK)
        fuzz_exercise_model(model);
    ls_model_free(model);
    return 0;
}
