/* leadscore train — fit logistic regression on historical leads and learn
 * integer points per criterion; with --integer-points, learn a sparse card of
 * small whole-number points directly (FasterRisk-style search).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "leadscore/intpoints.h"
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
    "  --memory-limit SIZE    train out of core (rows in temporary files in TMPDIR)\n"
    "                         when in memory would need more than SIZE (e.g. 256M,\n"
    "                         2G; default 512M); the model is the same either way\n"
    "  --parent OLD.json      the model this one is refit from (lineage: its SHA-256)\n"
    "  --quiet                print nothing but errors\n"
    "  --timing               print where the time went to standard error (wall and\n"
    "                         CPU seconds of reading, fitting and the whole training)\n"
    "\n"
    "Integer points (a card of a few yes/no criteria with small whole points):\n"
    "  --integer-points       learn the card directly instead of rounding a regression;\n"
    "                         criteria are 0/1 indicators: levels with at least\n"
    "                         --pool-below rows (30), 'missing', numeric 'x <= decile'\n"
    "  --max-criteria K       criteria on the largest card (default 7, at most 30)\n"
    "  --points-range LO..HI  points of each criterion (default -5..5)\n"
    "  --step S               points are multiples of S (default 1)\n"
    "  --cards N              candidate cards: the best of K, K-1, ... criteria (default 3)\n"
    "  --folds K              stratified cross-validation folds (default 5; 0 = none)\n"
    "  --seed S               seed of the folds (default 1)\n"
    "  --card I               write candidate I (default: the best CV AUC)\n"
    "  --l2 LAMBDA            ridge penalty of the baseline regressions (default 1)\n"
    "The card is written as a points table model (rules per column); 'score' and\n"
    "'show' read it. Its score -> probability table is printed here.\n";

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
    OPT_INTEGER,
    OPT_MAX_CRITERIA,
    OPT_RANGE,
    OPT_STEP,
    OPT_CARDS,
    OPT_FOLDS,
    OPT_SEED,
    OPT_CARD,
    OPT_MEMORY,
    OPT_TIMING,
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
    {"integer-points", no_argument, NULL, OPT_INTEGER},
    {"max-criteria", required_argument, NULL, OPT_MAX_CRITERIA},
    {"points-range", required_argument, NULL, OPT_RANGE},
    {"step", required_argument, NULL, OPT_STEP},
    {"cards", required_argument, NULL, OPT_CARDS},
    {"folds", required_argument, NULL, OPT_FOLDS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"card", required_argument, NULL, OPT_CARD},
    {"memory-limit", required_argument, NULL, OPT_MEMORY},
    {"timing", no_argument, NULL, OPT_TIMING},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

typedef struct {
    const char *data, *model_path, *criteria, *missing, *parent;
    char separator;
    int quiet, timing;
    const char **exclude;
    size_t n_exclude;
    ls_train_options train;
    /* --integer-points */
    int integer;
    ls_intpoints_options ip;
    size_t folds, card; /* card: 1-based, 0 = best CV AUC */
    unsigned long long seed;
    int l2_given, pool_given;
    size_t memory_limit;          /* bytes, 0 = the library's default */
    const char *not_with_integer; /* an option that only applies to regression points */
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

static unsigned long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (unsigned long long)sb.st_size : 0;
}

/* A size in bytes: a whole number with an optional K, M or G (powers of 1024). */
static int parse_memory(const char *text, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    unsigned shift = 0;
    if (end && (*end == 'K' || *end == 'k'))
        shift = 10;
    else if (end && (*end == 'M' || *end == 'm'))
        shift = 20;
    else if (end && (*end == 'G' || *end == 'g'))
        shift = 30;
    if (shift)
        end++;
    if (errno || end == text || *end || text[0] == '-' || v == 0 || v > (SIZE_MAX >> shift)) {
        cli_usage_error("train", "--memory-limit expects a size such as 256M or 2G, not '%s'",
                        text);
        return 0;
    }
    *out = (size_t)v << shift;
    return 1;
}

/* LO..HI, e.g. -5..5 */
static int parse_range(const char *text, ls_intpoints_options *o)
{
    const char *dots = strstr(text, "..");
    char *end = NULL;
    if (dots) {
        errno = 0;
        long lo = strtol(text, &end, 10);
        if (!errno && end == dots && end != text) {
            const char *hi_text = dots + 2;
            long hi = strtol(hi_text, &end, 10);
            if (!errno && end != hi_text && *end == '\0') {
                o->points_lo = lo;
                o->points_hi = hi;
                return 1;
            }
        }
    }
    cli_usage_error("train", "--points-range expects LO..HI (whole numbers, e.g. -5..5), not '%s'",
                    text);
    return 0;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, train_args *a)
{
    int c;
    optind = 1;
    opterr = 0; /* one message of our own, naming the option */
    while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
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
            a->not_with_integer = "--weights";
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
            a->pool_given = 1;
            break;
        case OPT_L2:
            ok = cli_parse_double("train", "--l2", optarg, &a->train.fit.l2);
            a->l2_given = 1;
            break;
        case OPT_L1:
            ok = cli_parse_double("train", "--l1", optarg, &a->train.fit.l1);
            a->not_with_integer = "--l1";
            break;
        case OPT_POPULATION:
            ok = cli_parse_double("train", "--population-rate", optarg, &a->train.population_rate);
            a->not_with_integer = "--population-rate";
            break;
        case OPT_POINTS:
            ok = parse_points(optarg, &a->train);
            a->not_with_integer = "--points";
            break;
        case OPT_BASE_SCORE:
            ok = cli_parse_double("train", "--base-score", optarg, &a->train.base_score);
            a->not_with_integer = "--base-score";
            break;
        case OPT_BASE_ODDS:
            ok = cli_parse_double("train", "--base-odds", optarg, &a->train.base_odds);
            a->not_with_integer = "--base-odds";
            break;
        case OPT_ROUND:
            ok = cli_parse_double("train", "--round", optarg, &a->train.round_to);
            a->not_with_integer = "--round";
            break;
        case OPT_TOLERANCE:
            ok = cli_parse_double("train", "--tolerance", optarg, &a->train.fit.tolerance);
            break;
        case OPT_MAXITER:
            ok = cli_parse_size("train", "--max-iterations", optarg, &a->train.fit.max_iterations);
            break;
        case OPT_INTEGER:
            a->integer = 1;
            break;
        case OPT_MEMORY:
            ok = parse_memory(optarg, &a->memory_limit);
            break;
        case OPT_TIMING:
            a->timing = 1;
            a->not_with_integer = "--timing";
            break;
        case OPT_MAX_CRITERIA:
            ok = cli_parse_size("train", "--max-criteria", optarg, &a->ip.max_criteria);
            break;
        case OPT_RANGE:
            ok = parse_range(optarg, &a->ip);
            break;
        case OPT_STEP: {
            size_t step;
            ok = cli_parse_size("train", "--step", optarg, &step);
            a->ip.step = (long)step;
            if (ok && (step < 1 || step > 100000))
                return cli_usage_error("train", "--step must be between 1 and 100000");
            break;
        }
        case OPT_CARDS:
            ok = cli_parse_size("train", "--cards", optarg, &a->ip.cards);
            break;
        case OPT_FOLDS:
            ok = cli_parse_size("train", "--folds", optarg, &a->folds);
            break;
        case OPT_SEED: {
            char *end = NULL;
            errno = 0;
            a->seed = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-')
                return cli_usage_error("train", "--seed expects a whole number, not '%s'", optarg);
            break;
        }
        case OPT_CARD:
            ok = cli_parse_size("train", "--card", optarg, &a->card);
            if (ok && a->card == 0)
                return cli_usage_error("train", "--card counts from 1");
            break;
        case 'h':
        case OPT_HELP:
            fputs(usage_text, stdout);
            return LS_EXIT_OK;
        default:
            /* getopt sets optopt to the option's code when only its value is missing */
            if (optopt >= OPT_DATA)
                return cli_usage_error("train", "'%s' needs a value", argv[optind - 1]);
            return cli_usage_error("train", "unknown option '%s'", argv[optind - 1]);
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
    if (a->integer && a->not_with_integer)
        return cli_usage_error("train", "%s applies to regression points, not --integer-points",
                               a->not_with_integer);
    if (a->integer && a->folds == 1)
        return cli_usage_error("train", "--folds must be 0 (no cross-validation) or at least 2");
    if (a->integer) {
        ls_error err;
        ls_error_clear(&err);
        if (ls_intpoints_options_check(&a->ip, &err) != LS_OK)
            return cli_usage_error("train", "%s", err.message);
        if (a->card > a->ip.cards)
            return cli_usage_error("train", "--card %zu: there are only %zu candidate cards",
                                   a->card, a->ip.cards);
    }
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

/* ---- --integer-points ---------------------------------------------------- */

static void print_cv_cells(const ls_cv_summary *s)
{
    if (isnan(s->auc))
        printf("  %-6s %-6s %-8s", "-", "-", "-");
    else
        printf("  %.4f %.4f %-8.4f", s->auc, s->auc_sd, s->pooled.log_loss);
}

static void print_card(const ls_binary *b, const ls_card *card, size_t index, int chosen)
{
    printf("\ncard %zu: %zu criteria%s\n", index + 1, card->size, chosen ? " (written)" : "");
    for (size_t k = 0; k < card->size; k++)
        printf("  %+4ld  %s\n", card->points[k], ls_binary_feature_at(b, card->features[k])->name);
    printf("  P(convert) = 1 / (1 + exp(-(%.4g + score) / %.4g)); training AUC %.4f, log-loss "
           "%.4f\n",
           card->intercept, card->multiplier, card->auc, card->loss);
}

/* The chosen card's totals: leads, predicted and observed conversion. */
static int print_score_table(const ls_binary *b, const ls_card *card)
{
    size_t n = ls_binary_rows(b), nt = (size_t)(card->score_max - card->score_min) + 1;
    double *scores = malloc((n ? n : 1) * sizeof *scores);
    double *rows = calloc(nt, sizeof *rows), *pos = calloc(nt, sizeof *pos);
    if (!scores || !rows || !pos) {
        free(scores);
        free(rows);
        free(pos);
        return 0;
    }
    ls_card_scores(b, card, scores);
    const double *y = ls_binary_outcomes(b);
    for (size_t i = 0; i < n; i++) {
        size_t t = (size_t)((long)scores[i] - card->score_min);
        rows[t] += 1;
        pos[t] += y[i];
    }
    printf("\nscore -> probability (card's table; leads and conversion seen in the data):\n");
    printf("  %6s %8s %10s %10s\n", "score", "leads", "predicted", "observed");
    for (size_t t = nt; t-- > 0;)
        if (rows[t] > 0)
            printf("  %6ld %8.0f %9.1f%% %9.1f%%\n", card->score_min + (long)t, rows[t],
                   100 * card->probability[t], 100 * pos[t] / rows[t]);
    free(scores);
    free(rows);
    free(pos);
    return 1;
}

static int run_integer(train_args *a, const ls_table *table, const ls_spec *spec,
                       const char *const *missing, size_t n_missing, ls_error *err)
{
    ls_binary_options bo;
    ls_binary_options_init(&bo);
    bo.target = a->train.target;
    bo.positive = a->train.positive;
    bo.exclude = a->exclude;
    bo.n_exclude = a->n_exclude;
    bo.spec = spec;
    if (a->pool_given)
        bo.min_rows = a->train.pool_below;
    double l2 = a->l2_given ? a->train.fit.l2 : 1;
    ls_binary *b = NULL;
    ls_cardset set;
    ls_intpoints_cv cv;
    ls_model *model = NULL;
    memset(&set, 0, sizeof set);
    memset(&cv, 0, sizeof cv);
    int status = LS_EXIT_FAIL, have_cv = 0;
    if (ls_binary_new(table, &bo, &b, err) != LS_OK)
        goto fail;
    for (size_t i = 0; !a->quiet && i < ls_binary_note_count(b); i++)
        fprintf(stderr, "leadscore: note: %s\n", ls_binary_note(b, i));
    if (ls_intpoints_fit(b, NULL, &a->ip, &set, err) != LS_OK)
        goto fail;
    if (a->folds >= 2) {
        if (ls_intpoints_cross_validate(b, &a->ip, a->folds, (uint64_t)a->seed, l2, &cv, err) !=
            LS_OK)
            goto fail;
        have_cv = 1;
    }
    /* the card to write: asked for, else the best cross-validated AUC (the smaller on a tie) */
    size_t pick = 0;
    const ls_intpoints_cv_row **row = calloc(set.n_cards ? set.n_cards : 1, sizeof *row);
    if (!row) {
        cli_errorf("out of memory");
        goto done;
    }
    for (size_t c = 0; have_cv && c < set.n_cards; c++)
        for (size_t r = 0; r < cv.n_rows; r++)
            if (cv.rows[r].slot == set.cards[c].slot)
                row[c] = &cv.rows[r];
    if (a->card) {
        if (a->card > set.n_cards) {
            free(row);
            status = cli_usage_error("train", "--card %zu: only %zu cards were found", a->card,
                                     set.n_cards);
            goto done;
        }
        pick = a->card - 1;
    } else {
        for (size_t c = 1; have_cv && c < set.n_cards; c++)
            if (row[c] && (!row[pick] || row[c]->card.auc >= row[pick]->card.auc))
                pick = c;
    }
    if (ls_intpoints_model(b, &set.cards[pick], NULL, missing, n_missing, a->data, &model, err) !=
            LS_OK ||
        (a->parent && ls_model_set_parent(model, a->parent, err) != LS_OK) ||
        ls_model_save(model, a->model_path, err) != LS_OK) {
        free(row);
        goto fail;
    }
    if (!a->quiet) {
        const double *y = ls_binary_outcomes(b);
        double conv = 0;
        for (size_t i = 0; i < ls_binary_rows(b); i++)
            conv += y[i];
        printf("integer points: %zu indicators, %zu leads (%.0f converted)\n", ls_binary_count(b),
               ls_binary_rows(b), conv);
        printf("search: up to %zu criteria, points %ld..%ld step %ld, beam %zu x %zu, %zu "
               "multipliers: %.3f s (%.3f s CPU) for %zu cards\n",
               a->ip.max_criteria, a->ip.points_lo, a->ip.points_hi, a->ip.step, a->ip.beam_width,
               a->ip.children, a->ip.multipliers, set.seconds, set.cpu_seconds, set.n_cards);
        for (size_t c = 0; c < set.n_cards; c++)
            print_card(b, &set.cards[c], c, c == pick);
        if (have_cv) {
            printf("\ncross-validated: %zu stratified folds, seed %llu; baselines are ridge "
                   "logistic regressions (l2 = %g)\n",
                   cv.folds, a->seed, cv.l2);
            printf("  %-10s %-24s %-24s %-24s\n", "", "card", "L2, same criteria",
                   "naive rounding");
            printf("  %-10s", "card");
            for (int k = 0; k < 3; k++)
                printf("  %-6s %-6s %-8s", "AUC", "sd", "log-loss");
            printf("  %s\n", "calibration slope");
            for (size_t c = 0; c < set.n_cards; c++) {
                char label[32];
                snprintf(label, sizeof label, "%zu (%zu)", c + 1, set.cards[c].slot);
                printf("  %-10s", label);
                if (!row[c]) {
                    printf("  (not cross-validated)\n");
                    continue;
                }
                print_cv_cells(&row[c]->card);
                print_cv_cells(&row[c]->l2);
                print_cv_cells(&row[c]->naive);
                printf("  %.3f\n", row[c]->card.pooled.calibration_slope);
            }
            printf("  L2 on all %zu indicators: AUC %.4f (sd %.4f), log-loss %.4f; rounded "
                   "naively into %ld..%ld: AUC %.4f with %.1f criteria\n",
                   ls_binary_count(b), cv.full_l2.auc, cv.full_l2.auc_sd,
                   cv.full_l2.pooled.log_loss, a->ip.points_lo, a->ip.points_hi, cv.full_naive.auc,
                   cv.full_naive.mean_size);
            printf("  (a card's fold fits may pick other criteria than the card shown: the "
                   "figures measure the search at that size)\n");
        }
        print_score_table(b, &set.cards[pick]);
        printf("\nmodel: %s (card %zu, %s)\n", a->model_path, pick + 1,
               a->card   ? "as asked"
               : have_cv ? "best cross-validated AUC"
                         : "the largest");
        printf("'leadscore show %s' prints its points; 'leadscore score' applies them.\n",
               a->model_path);
    }
    free(row);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_errorf("unable to write the summary to standard output: %s", strerror(errno));
        goto done;
    }
    status = LS_EXIT_OK;
    goto done;
fail:
    status = err->code ? cli_report(err) : LS_EXIT_FAIL;
done:
    ls_model_free(model);
    ls_intpoints_cv_release(&cv);
    ls_cardset_release(&set);
    ls_binary_free(b);
    return status;
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
    a->train.exclude = a->exclude;
    a->train.n_exclude = a->n_exclude;
    if (a->integer) {
        if (ls_table_load(a->data, &topts, &table, &err) != LS_OK)
            goto fail;
        const char *const *mt = topts.missing_tokens;
        size_t nmt = topts.n_missing_tokens;
        status = run_integer(a, table, spec, mt, nmt, &err);
        goto done;
    }
    int out_of_core = 0;
    if (ls_train_file(a->data, &topts, spec, &a->train, a->memory_limit, &model, &report,
                      &out_of_core, &err) != LS_OK)
        goto fail;
    if (out_of_core && !a->quiet)
        fprintf(stderr,
                "leadscore: note: trained out of core: in memory would need about %zu MB, "
                "more than --memory-limit %zu MB\n",
                ls_train_memory_estimate(file_size(a->data)) >> 20,
                (a->memory_limit ? a->memory_limit : LS_TRAIN_DEFAULT_MEMORY_LIMIT) >> 20);
    if (a->parent && ls_model_set_parent(model, a->parent, &err) != LS_OK)
        goto fail;
    if (ls_model_save(model, a->model_path, &err) != LS_OK)
        goto fail;
    if (a->timing)
        fprintf(stderr,
                "leadscore: timing: read %.3f s (%.3f s CPU), fit %.3f s (%.3f s CPU), "
                "training in all %.3f s (%.3f s CPU)%s\n",
                report.load_seconds, report.load_cpu_seconds, report.fit_seconds,
                report.fit_cpu_seconds, report.total_seconds, report.total_cpu_seconds,
                out_of_core ? ", out of core" : "");
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
    ls_intpoints_options_init(&a.ip);
    a.folds = 5;
    a.seed = 1;
    int status = parse_args(argc, argv, &a);
    if (status < 0)
        status = run(&a);
    free(a.exclude);
    return status;
}
