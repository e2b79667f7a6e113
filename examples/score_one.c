/* score_one — scores one lead with the leadscore library, the way another C
 * program would embed it.
 *
 *   score_one MODEL COLUMN=VALUE...
 *   score_one tests/data/points/seed.csv "Job Title=Executive" \
 *       "Company Size=300" "Visited Pricing Page=yes" \
 *       "Signed Up for Free Trial=yes" "Attended Webinar=no"
 *
 * prints "score 53", "tier hot" and the reasons, one per line.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leadscore/model.h>
#include <leadscore/scorer.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: score_one MODEL COLUMN=VALUE...\n");
        return 2;
    }
    size_t n = (size_t)(argc - 2);
    const char **names = calloc(n + 1, sizeof *names);
    const char **values = calloc(n + 1, sizeof *values);
    char **copies = calloc(n + 1, sizeof *copies);
    ls_model *model = NULL;
    ls_scorer *scorer = NULL;
    ls_error err;
    ls_error_clear(&err);
    int rc = 1;
    if (!names || !values || !copies)
        goto done;
    for (size_t i = 0; i < n; i++) {
        copies[i] = strdup(argv[i + 2]);
        char *eq = copies[i] ? strchr(copies[i], '=') : NULL;
        if (!eq) {
            fprintf(stderr, "score_one: expected COLUMN=VALUE, not '%s'\n", argv[i + 2]);
            rc = 2;
            goto done;
        }
        *eq = '\0';
        names[i] = copies[i];
        values[i] = eq + 1;
    }
    /* The model (JSON or points table), then a scorer bound to the columns. */
    if (ls_model_load(argv[1], &model, &err) != LS_OK ||
        ls_scorer_new(model, names, n, &scorer, &err) != LS_OK) {
        char buf[1024];
        fprintf(stderr, "score_one: %s\n", ls_error_format(&err, buf, sizeof buf));
        goto done;
    }
    ls_score_result res;
    if (ls_scorer_score(scorer, values, &res, &err) != LS_OK) {
        char buf[1024];
        fprintf(stderr, "score_one: %s\n", ls_error_format(&err, buf, sizeof buf));
        goto done;
    }
    printf("score %.0f\n", res.score);
    if (!isnan(res.probability))
        printf("probability %.6f\n", res.probability);
    if (res.tier)
        printf("tier %s\n", res.tier);
    for (size_t k = 0; k < res.n_reasons; k++)
        printf("reason %s %+.0f\n", res.reasons[k].label, res.reasons[k].points);
    rc = 0;
done:
    ls_scorer_free(scorer);
    ls_model_free(model);
    for (size_t i = 0; copies && i < n; i++)
        free(copies[i]);
    free(copies);
    free(names);
    free(values);
    return rc;
}
