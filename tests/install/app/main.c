/* lead_score — an outside program built against an INSTALLED leadscore, as a
 * CRM integration would be: it includes <leadscore/...> from the install
 * prefix and links libleadscore through find_package(leadscore) or pkg-config.
 *
 *   lead_score POINTS.csv
 *
 * scores one lead, an executive at a 300-employee company who visited the
 * pricing page and signed up for the free trial, and prints "score 53" and
 * "tier hot" with the seed points table (tests/data/points/seed.csv).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>

#include <leadscore/error.h>
#include <leadscore/model.h>
#include <leadscore/scorer.h>

int main(int argc, char **argv)
{
    static const char *const columns[] = {"Job Title", "Company Size", "Visited Pricing Page",
                                          "Signed Up for Free Trial", "Attended Webinar"};
    static const char *const lead[] = {"Executive", "300", "yes", "yes", "no"};
    const size_t n = sizeof columns / sizeof columns[0];
    ls_model *model = NULL;
    ls_scorer *scorer = NULL;
    ls_score_result res;
    ls_error err;
    char msg[1024];
    int rc = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: lead_score POINTS.csv\n");
        return 2;
    }
    ls_error_clear(&err);
    if (ls_model_load(argv[1], &model, &err) != LS_OK ||
        ls_scorer_new(model, columns, n, &scorer, &err) != LS_OK ||
        ls_scorer_score(scorer, lead, &res, &err) != LS_OK) {
        fprintf(stderr, "lead_score: %s\n", ls_error_format(&err, msg, sizeof msg));
        goto done;
    }
    printf("score %.0f\n", res.score);
    printf("tier %s\n", res.tier ? res.tier : "(none)");
    for (size_t k = 0; k < res.n_reasons; k++)
        printf("reason %s %+.0f\n", res.reasons[k].label, res.reasons[k].points);
    rc = 0;
done:
    ls_scorer_free(scorer);
    ls_model_free(model);
    return rc;
}
