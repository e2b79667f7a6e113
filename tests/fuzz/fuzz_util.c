/* Helpers shared by the libFuzzer targets (see fuzz_util.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "leadscore/report.h"
#include "leadscore/scorer.h"
#include "model_internal.h"
#include "points_table.h"

int fuzz_memfd(const uint8_t *data, size_t size, char *path)
{
    int fd = memfd_create("leadscore-fuzz", MFD_CLOEXEC);
    if (fd < 0) {
        perror("memfd_create");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            perror("write memfd");
            abort();
        }
        done += (size_t)n;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
    return fd;
}

int fuzz_skip(const char *check)
{
    const char *list = getenv("LEADSCORE_FUZZ_SKIP");
    size_t n = strlen(check);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, check, n) == 0)
            return 1;
        p = end ? end + 1 : p + len;
    }
    return 0;
}

void fuzz_check_error(ls_status st, const ls_error *err)
{
    if (st < LS_OK || st > LS_ERR_NOTFOUND) {
        fprintf(stderr, "fuzz: unknown status %d\n", (int)st);
        abort();
    }
    if (st == LS_OK)
        return;
    if (err->code != st || memchr(err->message, '\0', sizeof err->message) == NULL ||
        err->message[0] == '\0') {
        fprintf(stderr, "fuzz: status %d with an empty or mismatched error record\n", (int)st);
        abort();
    }
    char buf[LS_ERROR_MESSAGE_MAX + 2 * LS_ERROR_FILE_MAX + 64];
    ls_error_format(err, buf, sizeof buf);
}

/* Writes the model with `print` to a memory stream and discards the text. */
static void print_all_formats(const ls_model *model)
{
    static const ls_report_format formats[] = {LS_REPORT_TEXT, LS_REPORT_CSV, LS_REPORT_JSON,
                                               LS_REPORT_MARKDOWN};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&buf, &len);
        if (!fp)
            abort();
        ls_error err = {0};
        ls_status st = ls_model_print(model, formats[i], fp, &err);
        fuzz_check_error(st, &err);
        fclose(fp);
        free(buf);
    }
}

static void json_round_trip(const ls_model *model)
{
    char *json = NULL;
    ls_error err = {0};
    ls_status st = ls_model_to_json(model, &json, &err);
    fuzz_check_error(st, &err);
    if (st != LS_OK)
        return; /* e.g. out of memory: refused cleanly */
    ls_model *again = NULL;
    st = ls_model_from_json(json, strlen(json), "<round-trip>", &again, &err);
    if (st != LS_OK) {
        char line[1200];
        fprintf(stderr, "fuzz: the model file written does not read back: %s\n%s\n",
                ls_error_format(&err, line, sizeof line), json);
        abort();
    }
    ls_model_free(again);
    free(json);
}

static void points_round_trip(const ls_model *model)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp)
        abort();
    ls_error err = {0};
    ls_status st = ls_points_table_write(model, fp, &err);
    fuzz_check_error(st, &err);
    fclose(fp);
    if (st == LS_OK) {
        FILE *in = fmemopen(buf, len, "rb");
        if (!in)
            abort();
        ls_model *again = NULL;
        st = ls_points_table_load_stream(in, "<points-round-trip>", &again, &err);
        fclose(in);
        if (st != LS_OK) {
            char line[1200];
            fprintf(stderr, "fuzz: the points table written does not read back: %s\n%.*s\n",
                    ls_error_format(&err, line, sizeof line), (int)len, buf);
            abort();
        }
        ls_model_free(again);
    }
    free(buf);
}

/* Scores a handful of leads: every criterion column gets the same value. */
static void score_some(const ls_model *model)
{
    static const char *const values[] = {"",    "0",     "1",         "yes", "no", "-1",
                                         "2.5", "1e300", "-1e300",    "abc", "NA", "nan",
                                         "inf", "1e999", "Executive", " 7 "};
    size_t n = model->n_criteria;
    const char **columns = calloc(n + 1, sizeof *columns);
    const char **fields = calloc(n + 1, sizeof *fields);
    if (!columns || !fields)
        abort();
    for (size_t i = 0; i < n; i++)
        columns[i] = model->criteria[i].column;
    ls_scorer *scorer = NULL;
    ls_error err = {0};
    ls_status st = ls_scorer_new(model, columns, n, &scorer, &err);
    fuzz_check_error(st, &err);
    if (st == LS_OK) {
        ls_scorer_set_max_reasons(scorer, LS_MAX_REASONS);
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            for (size_t i = 0; i < n; i++)
                fields[i] = values[v];
            ls_score_result res;
            st = ls_scorer_score(scorer, fields, &res, &err);
            fuzz_check_error(st, &err);
        }
        char summary[256];
        ls_scorer_unseen_summary(scorer, summary, sizeof summary);
    }
    ls_scorer_free(scorer);
    free(columns);
    free(fields);
}

void fuzz_exercise_model(const ls_model *model)
{
    print_all_formats(model);
    if (!fuzz_skip("json-round-trip"))
        json_round_trip(model);
    if (!fuzz_skip("points-round-trip"))
        points_round_trip(model);
    score_some(model);
}
