/* leadscore train — fit logistic regression on historical leads and learn
 * integer points per criterion. SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "leadscore/model.h"
#include "leadscore/monitor.h"
#include "leadscore/output.h"
#include "leadscore/train.h"

static const char usage_text[] =
    "usage: leadscore train --data FILE --target COL --model OUT.json [options]\n"
    "\n"
    "Fits logistic regression (as R's glm) on leads labelled converted / not\n"
    "converted and turns the coefficients into integer points per criterion.\n"
    "\n"
    "  --data FILE            lead export (CSV; '-' reads standard input)\n"
    "  --target COL           column saying whether the lead converted\n"
    "  --positive VALUE       value of COL meaning converted (default: yes/true/1)\n"
    "  --model OUT.json       where to write the model (written atomically)\n"
    "  --criteria SPEC        criteria spec (INI): types, bands, transforms, pooling\n"
    "  --exclude COL          leave a column out (repeatable)\n"
    "  --missing LIST         values meaning missing, comma separated (default: empty)\n"
    "  --separator C          field separator (default: detected among , ; tab |)\n"
    "  --weights COL          column of case weights\n"
    "  --pool-below N         pool categorical levels with fewer than N rows into (other)\n"
    "  --l2 LAMBDA            ridge penalty: minimise -loglik + LAMBDA/2 |b|^2\n"
    "  --l1 LAMBDA            lasso penalty: + LAMBDA |b|_1 (with --l2: elastic net)\n"
    "  --population-rate R    correct probabilities to a population conversion rate R\n"
    "  --points budget:N      the best possible lead totals N points (default budget:100)\n"
    "  --points pdo:N         N points double the odds (with --base-score, --base-odds)\n"
    "  --base-score S         PDO: score at the base odds (default 600)\n"
    "  --base-odds O          PDO: odds at the base score (default 1)\n"
    "  --round N              round points to multiples of N (default 1)\n"
    "  --tolerance T          convergence: relative change in deviance (default 1e-10)\n"
    "  --max-iterations N     IRLS iterations (default 100)\n"
    "  --parent OLD.json      the model this one is refit from (lineage: its SHA-256)\n"
    "  --quiet                print nothing but errors\n";

enum {
    OPT_DATA = 1000,
    OPT_TARGET,
    OPT_POSITIVE,
    OPT_MODEL,
    OPT_CRITERIA,
    OPT_EXCLUDE,
    OPT_MISSING,
    OPT_SEPARATOR,
    OPT_WEIGHTS,
    OPT_POOL,
    OPT_L2,
    OPT_L1,
    OPT_POPULATION,
    OPT_POINTS,
    OPT_BASE_SCORE,
    OPT_BASE_ODDS,
    OPT_ROUND,
    OPT_TOLERANCE,
    OPT_MAXITER,
    OPT_QUIET,
    OPT_PARENT,
    OPT_HELP
};

static const struct option long_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"target", required_argument, NULL, OPT_TARGET},
    {"positive", required_argument, NULL, OPT_POSITIVE},
    {"model", required_argument, NULL, OPT_MODEL},
    {"criteria", required_argument, NULL, OPT_CRITERIA},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"missing", required_argument, NULL, OPT_MISSING},
    {"separator", required_argument, NULL, OPT_SEPARATOR},
    {"weights", required_argument, NULL, OPT_WEIGHTS},
    {"pool-below", required_argument, NULL, OPT_POOL},
    {"l2", required_argument, NULL, OPT_L2},
    {"l1", required_argument, NULL, OPT_L1},
    {"population-rate", required_argument, NULL, OPT_POPULATION},
    {"points", required_argument, NULL, OPT_POINTS},
    {"base-score", required_argument, NULL, OPT_BASE_SCORE},
    {"base-odds", required_argument, NULL, OPT_BASE_ODDS},
    {"round", required_argument, NULL, OPT_ROUND},
    {"tolerance", required_argument, NULL, OPT_TOLERANCE},
    {"max-iterations", required_argument, NULL, OPT_MAXITER},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"parent", required_argument, NULL, OPT_PARENT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

typedef struct {
    const char *data, *model_path, *criteria, *missing, *parent;
    char separator;
    int quiet;
    const char **exclude;
    size_t n_exclude;
    ls_train_options train;
} train_args;

static int parse_points(const char *text, ls_train_options *o)
{
    double v;
    if (strncmp(text, "budget:", 7) == 0 && cli_parse_double("train", "--points", text + 7, &v) &&
        v > 0) {
        o->scaling = LS_POINTS_BUDGET;
        o->budget = v;
        return 1;
    }
    if (strncmp(text, "pdo:", 4) == 0 && cli_parse_double("train", "--points", text + 4, &v) &&
        v > 0) {
        o->scaling = LS_POINTS_PDO;
        o->pdo = v;
        return 1;
    }
    cli_usage_error("train", "--points expects budget:N or pdo:N with N > 0, not '%s'", text);
    return 0;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, train_args *a)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        int ok = 1;
        switch (c) {
        case OPT_DATA:
            a->data = optarg;
            break;
        case OPT_TARGET:
            a->train.target = optarg;
            break;
        case OPT_POSITIVE:
            a->train.positive = optarg;
            break;
        case OPT_MODEL:
            a->model_path = optarg;
            break;
        case OPT_CRITERIA:
            a->criteria = optarg;
            break;
        case OPT_MISSING:
            a->missing = optarg;
            break;
        case OPT_WEIGHTS:
            a->train.weights = optarg;
            break;
        case OPT_PARENT:
            a->parent = optarg;
            break;
        case OPT_QUIET:
            a->quiet = 1;
            break;
        case OPT_EXCLUDE: {
            const char **grown = realloc(a->exclude, (a->n_exclude + 1) * sizeof *grown);
            if (!grown)
                return LS_EXIT_FAIL;
            a->exclude = grown;
            grown[a->n_exclude++] = optarg;
            break;
        }
        case OPT_SEPARATOR:
            if (strlen(optarg) != 1 && strcmp(optarg, "tab") != 0)
                return cli_usage_error("train", "--separator expects one character or 'tab'");
            a->separator = strcmp(optarg, "tab") == 0 ? '\t' : optarg[0];
            break;
        case OPT_POOL:
            ok = cli_parse_size("train", "--pool-below", optarg, &a->train.pool_below);
            break;
        case OPT_L2:
            ok = cli_parse_double("train", "--l2", optarg, &a->train.fit.l2);
            break;
        case OPT_L1:
            ok = cli_parse_double("train", "--l1", optarg, &a->train.fit.l1);
            break;
        case OPT_POPULATION:
            ok = cli_parse_double("train", "--population-rate", optarg, &a->train.population_rate);
            break;
        case OPT_POINTS:
            ok = parse_points(optarg, &a->train);
            break;
        case OPT_BASE_SCORE:
            ok = cli_parse_double("train", "--base-score", optarg, &a->train.base_score);
            break;
        case OPT_BASE_ODDS:
            ok = cli_parse_double("train", "--base-odds", optarg, &a->train.base_odds);
            break;
        case OPT_ROUND:
            ok = cli_parse_double("train", "--round", optarg, &a->train.round_to);
            break;
        case OPT_TOLERANCE:
            ok = cli_parse_double("train", "--tolerance", optarg, &a->train.fit.tolerance);
            break;
        case OPT_MAXITER:
            ok = cli_parse_size("train", "--max-iterations", optarg, &a->train.fit.max_iterations);
            break;
        case OPT_HELP:
            fputs(usage_text, stdout);
            return LS_EXIT_OK;
        default:
            return cli_usage_error("train", "unknown option");
        }
        if (!ok)
            return LS_EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage_error("train", "unexpected argument '%s'", argv[optind]);
    if (!a->data)
        return cli_usage_error("train", "--data FILE is required");
    if (!a->model_path)
        return cli_usage_error("train", "--model OUT.json is required");
    if (a->train.fit.l2 < 0 || a->train.fit.l1 < 0)
        return cli_usage_error("train", "penalties must be >= 0");
    if (!(a->train.round_to > 0))
        return cli_usage_error("train", "--round must be > 0");
    return -1;
}

/* Splits "a,b,c" in place into tokens (the empty string is a token). */
static size_t split_tokens(char *text, const char **tokens, size_t max)
{
    size_t n = 0;
    char *p = text;
    while (n < max) {
        tokens[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

static void print_summary(const ls_model *model, const ls_train_report *report, const char *path)
{
    size_t terms = ls_model_term_count(model);
    for (size_t i = 0; i < report->n_notes; i++)
        fprintf(stderr, "leadscore: note: %s\n", report->notes[i]);
    printf("model: %s (%zu terms)\n", path, terms);
    printf("in-sample AUC: %.4f with exact coefficients, %.4f with integer points\n",
           report->coef_auc, report->points_auc);
    printf("\n%-17s %8s %10s %10s\n", "score", "leads", "predicted", "observed");
    for (size_t b = report->n_bands; b-- > 0;) {
        const ls_score_band *band = &report->bands[b];
        char range[40];
        snprintf(range, sizeof range, "%g..%g", band->lo, band->hi);
        printf("%-17s %8zu %9.1f%% %9.1f%%\n", range, band->rows, 100 * band->predicted,
               100 * band->observed);
    }
    printf("\ntiers:");
    for (size_t t = 0; t < ls_model_tier_count(model); t++) {
        double min = ls_model_tier_min(model, t);
        if (isinf(min))
            printf(" %s (below)", ls_model_tier_name(model, t));
        else
            printf(" %s >= %g,", ls_model_tier_name(model, t), min);
    }
    printf("\n'leadscore show %s' prints the coefficients and points.\n", path);
}

static int run(train_args *a)
{
    ls_error err;
    ls_error_clear(&err);
    ls_spec *spec = NULL;
    ls_table *table = NULL;
    ls_model *model = NULL;
    ls_train_report report;
    memset(&report, 0, sizeof report);
    int status = LS_EXIT_FAIL;
    const char *tokens[256];
    char *missing_copy = NULL;

    if (ls_same_file(a->data, a->model_path)) {
        cli_errorf("%s: refusing to overwrite the input data with the model", a->model_path);
        return LS_EXIT_USAGE;
    }
    if (a->criteria && ls_spec_load(a->criteria, &spec, &err) != LS_OK)
        goto fail;
    ls_table_options topts;
    ls_table_options_init(&topts);
    if (spec) {
        topts.missing_tokens = ls_spec_missing_tokens(spec, &topts.n_missing_tokens);
        topts.csv.separator = ls_spec_separator(spec);
        topts.n_types = ls_spec_type_overrides(spec, &topts.type_names, &topts.types);
    }
    if (a->missing) {
        missing_copy = strdup(a->missing);
        if (!missing_copy)
            goto fail;
        topts.n_missing_tokens = split_tokens(missing_copy, tokens, 256);
        topts.missing_tokens = tokens;
    }
    if (a->separator)
        topts.csv.separator = a->separator;
    if (ls_table_load(a->data, &topts, &table, &err) != LS_OK)
        goto fail;
    a->train.exclude = a->exclude;
    a->train.n_exclude = a->n_exclude;
    if (ls_train(table, spec, &a->train, a->data, &model, &report, &err) != LS_OK)
        goto fail;
    if (a->parent && ls_model_set_parent(model, a->parent, &err) != LS_OK)
        goto fail;
    if (ls_model_save(model, a->model_path, &err) != LS_OK)
        goto fail;
    if (!a->quiet)
        print_summary(model, &report, a->model_path);
    status = LS_EXIT_OK;
    goto done;
fail:
    status = err.code ? cli_report(&err) : LS_EXIT_FAIL;
done:
    ls_train_report_release(&report);
    ls_model_free(model);
    ls_table_free(table);
    ls_spec_free(spec);
    free(missing_copy);
    return status;
}

int cmd_train(int argc, char **argv)
{
    train_args a;
    memset(&a, 0, sizeof a);
    ls_train_options_init(&a.train);
    int status = parse_args(argc, argv, &a);
    if (status < 0)
        status = run(&a);
    free(a.exclude);
    return status;
}
