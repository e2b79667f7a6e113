/* Monitoring, shared steps: reading a new quarter's data the way a model
 * reads it, scoring a whole table, reading its outcomes, and the small
 * formatting helpers the reports share.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/monitor.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "leadscore/scorer.h"
#include "model_internal.h"
#include "monitor_internal.h"
#include "text.h"

int ls_monitor_format_parse(const char *name, ls_monitor_format *out)
{
    static const struct {
        const char *name;
        ls_monitor_format format;
    } names[] = {{"text", LS_MONITOR_TEXT}, {"csv", LS_MONITOR_CSV}, {"json", LS_MONITOR_JSON}};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].format;
            return 1;
        }
    return 0;
}

/* ---- data for a model ---------------------------------------------------- */

ls_status ls_monitor_load_table(const char *path, const ls_model *const *models, size_t n_models,
                                ls_table **out, ls_error *err)
{
    *out = NULL;
    size_t n = 1;
    for (size_t k = 0; k < n_models; k++)
        if (models[k])
            n += models[k]->n_missing_tokens;
    const char **tokens = malloc(n * sizeof *tokens);
    if (!tokens)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    size_t used = 0;
    tokens[used++] = "";
    for (size_t k = 0; k < n_models; k++)
        for (size_t i = 0; models[k] && i < models[k]->n_missing_tokens; i++) {
            const char *t = models[k]->missing_tokens[i];
            size_t j = 0;
            while (j < used && strcmp(tokens[j], t) != 0)
                j++;
            if (j == used)
                tokens[used++] = t;
        }
    ls_table_options opts;
    ls_table_options_init(&opts);
    opts.missing_tokens = tokens;
    opts.n_missing_tokens = used;
    ls_status st = ls_table_load(path, &opts, out, err);
    free(tokens);
    return st;
}

ls_status ls_model_score_table(const ls_model *model, const ls_table *table, double *scores,
                               double *probabilities, size_t *unseen, ls_error *err)
{
    size_t nc = ls_table_columns(table), n = ls_table_rows(table);
    const char **names = malloc((nc ? nc : 1) * sizeof *names);
    const char **fields = malloc((nc ? nc : 1) * sizeof *fields);
    const uint32_t **codes = malloc((nc ? nc : 1) * sizeof *codes);
    ls_scorer *scorer = NULL;
    ls_status st = LS_OK;
    if (unseen)
        *unseen = 0;
    if (!names || !fields || !codes) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < nc; j++) {
        names[j] = ls_table_column_name(table, j);
        codes[j] = ls_table_codes(table, j);
    }
    if ((st = ls_scorer_new(model, names, nc, &scorer, err)) != LS_OK) {
        if (err && !err->file[0])
            snprintf(err->file, sizeof err->file, "%s", ls_table_source(table));
        goto done;
    }
    ls_scorer_set_max_reasons(scorer, 0);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < nc; j++)
            fields[j] = codes[j][i] == LS_MISSING_CODE ? "" : ls_table_level(table, j, codes[j][i]);
        ls_score_result r;
        if ((st = ls_scorer_score(scorer, fields, &r, err)) != LS_OK) {
            if (err) {
                snprintf(err->file, sizeof err->file, "%s", ls_table_source(table));
                err->line = ls_table_line(table, i);
                if (err->column[0])
                    err->column_index = ls_table_find_column(table, err->column) + 1;
            }
            goto done;
        }
        if (scores)
            scores[i] = r.score;
        if (probabilities)
            probabilities[i] = r.probability;
    }
    if (unseen)
        *unseen = ls_scorer_unseen_count(scorer, NULL);
done:
    ls_scorer_free(scorer);
    free(names);
    free(fields);
    free(codes);
    return st;
}

ls_status ls_model_outcomes(const ls_model *model, const ls_table *t, double *y, ls_error *err)
{
    if (!model->target)
        return ls_fail(err, LS_ERR_MODEL, "the model names no target column");
    size_t col = ls_table_find_column(t, model->target);
    if (col == (size_t)-1)
        return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, model->target,
                          "the data has no target column '%s'", model->target);
    size_t nl = ls_table_level_count(t, col);
    size_t pos = (size_t)-1, neg = (size_t)-1;
    if (model->positive) {
        pos = ls_table_find_level(t, col, model->positive);
    } else {
        /* as the trainer: a boolean target's true value converts */
        for (size_t k = 0; k < nl; k++) {
            int b;
            if (ls_parse_bool(ls_table_level(t, col, k), &b) && b)
                pos = k;
        }
    }
    for (size_t i = 0; i < ls_table_rows(t); i++) {
        uint32_t c = ls_table_codes(t, col)[i];
        if (c == LS_MISSING_CODE)
            return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), ls_table_line(t, i), col + 1,
                              model->target, "the target is missing");
        if (c != pos) {
            if (neg == (size_t)-1)
                neg = c;
            else if (c != neg)
                return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), ls_table_line(t, i),
                                  col + 1, model->target,
                                  "the target has a third value '%s' besides '%s' and '%s'",
                                  ls_table_level(t, col, c),
                                  pos == (size_t)-1 ? "(none)" : ls_table_level(t, col, pos),
                                  ls_table_level(t, col, neg));
        }
        y[i] = c == pos;
    }
    return LS_OK;
}

/* ---- formatting ---------------------------------------------------------- */

locale_t ls_mon_locale_enter(void)
{
    locale_t c = ls_c_locale();
    return c ? uselocale(c) : (locale_t)0;
}

void ls_mon_locale_leave(locale_t old)
{
    if (old)
        uselocale(old);
}

const char *ls_mon_number(double v, char buf[40])
{
    if (isnan(v)) {
        buf[0] = '\0';
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, 40, "%s", v > 0 ? "inf" : "-inf");
        return buf;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 40, "%.*g", prec, v);
        double back;
        if (ls_parse_number(buf, &back) == LS_NUM_OK && back == v)
            break;
    }
    return buf;
}

void ls_mon_csv_field(FILE *out, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void ls_mon_csv_number(FILE *out, double v)
{
    char buf[40];
    fputs(ls_mon_number(v, buf), out);
}

cJSON *ls_mon_json_number(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

cJSON *ls_mon_json_string(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

void ls_mon_json_add(cJSON *obj, const char *key, cJSON *item, int *ok)
{
    if (!obj || !item) {
        cJSON_Delete(item);
        *ok = 0;
        return;
    }
    cJSON_AddItemToObject(obj, key, item);
}

ls_status ls_mon_json_write(cJSON *root, int ok, FILE *out, ls_error *err)
{
    char *text = ok && root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return ls_mon_stream_status(out, err);
}

ls_status ls_mon_stream_status(FILE *out, ls_error *err)
{
    return ferror(out) ? ls_fail(err, LS_ERR_IO, "write error") : LS_OK;
}
