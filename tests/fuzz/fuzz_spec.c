/* libFuzzer target: the criteria spec (INI through libinih).
 *
 * The input is the text of a spec file: ls_spec_parse reads the [leadscore]
 * and [criterion] sections, ls_features_parse the [events] and [feature]
 * sections of the same text (as `train` and `features` each do). The parsers
 * take a C string, so the input stops at its first NUL, as ls_spec_load
 * refuses files holding one.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "leadscore/events.h"
#include "leadscore/train.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    ls_spec *spec = NULL;
    ls_error err = {0};
    ls_status st = ls_spec_parse(text, "fuzz.ini", &spec, &err);
    fuzz_check_error(st, &err);
    if (st == LS_OK) {
        size_t n = 0;
        const char *const *tokens = ls_spec_missing_tokens(spec, &n);
        for (size_t i = 0; i < n; i++)
            if (!tokens[i])
                abort();
        const char *const *names;
        const ls_column_type *types;
        size_t nt = ls_spec_type_overrides(spec, &names, &types);
        for (size_t i = 0; i < nt; i++)
            if (!names[i] || !ls_spec_find(spec, names[i]))
                abort();
        for (size_t i = 0; i < spec->n_criteria; i++)
            for (size_t k = 1; k < spec->criteria[i].n_bands; k++)
                if (!(spec->criteria[i].band_lo[k] > spec->criteria[i].band_lo[k - 1]))
                    abort();
    }
    ls_spec_free(spec);

    ls_features *features = NULL;
    ls_error_clear(&err);
    st = ls_features_parse(text, "fuzz.ini", &features, &err);
    fuzz_check_error(st, &err);
    if (st == LS_OK)
        for (size_t i = 0; i < ls_features_count(features); i++)
            if (!ls_features_name(features, i))
                abort();
    ls_features_free(features);
    free(text);
    return 0;
}
