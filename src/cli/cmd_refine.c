/* leadscore refine — which criteria really matter, measured on held-out
 * leads, against the points in use today; writes a report and the refined
 * model. SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "leadscore/model.h"
#include "leadscore/output.h"
#include "leadscore/plot.h"
#include "leadscore/refine.h"
#include "leadscore/train.h"

static const char usage_text[] =
    "usage: leadscore refine --data FILE --criteria SPEC --report REPORT.md --model OUT.json\n"
    "                        [options]\n"
    "\n"
    "Learns which criteria matter on part of the leads, checks the refined points on\n"
    "leads it never saw, compares them with the points in use (--baseline), and\n"
    "writes a Markdown report with the evidence and the refined model.\n"
    "\n"
    "  --data FILE              lead export (CSV)\n"
    "  --criteria SPEC          criteria spec (INI); `use = force` keeps a criterion,\n"
    "                           `use = no` leaves it out\n"
    "  --target COL             column saying whether the lead converted (default: the spec's)\n"
    "  --positive VALUE         value of COL meaning converted\n"
    "  --exclude COL            never use a column as a criterion (repeatable)\n"
    "  --pool-below N           pool categorical levels with fewer than N leads\n"
    "  --baseline MODEL         the points in use: a model file or a points table (CSV)\n"
    "validation (one of):\n"
    "  --holdout FRAC           hold out a stratified share of leads (default 0.25)\n"
    "  --folds K                K-fold cross-validation; the model is fitted on every lead\n"
    "  --time-split COL DATE    learn from leads dated before DATE (ISO), test on the rest\n"
    "  --seed S                 seed of the split and the folds (default 1)\n"
    "selection:\n"
    "  --select METHOD          aic (default), bic, lasso or none\n"
    "  --direction DIR          stepwise: both (default), backward or forward\n"
    "  --cv-folds K             folds for the CV evidence and the lasso (default 5)\n"
    "  --alpha A                lasso mixing: 1 lasso (default), below 1 elastic net\n"
    "  --lambda min|1se         lasso: lambda_min or lambda_1se (default)\n"
    "  --min-iv IV              drop candidates whose information value is lower first\n"
    "  --max-missing F          drop candidates missing in a larger share of leads first\n"
    "  --no-cv-auc              skip the change in CV AUC per criterion (faster)\n"
    "banding and levels:\n"
    "  --band COL               band a numeric criterion to maximise IV (repeatable)\n"
    "  --min-band-share F       smallest share of leads per band (default 0.05)\n"
    "  --max-bands N            at most N bands (default 8; 0 = no limit)\n"
    "  --band-trend T           auto (default), ascending, descending or none\n"
    "  --no-merge               do not look for levels that could be merged\n"
    "tiers (one of):\n"
    "  --capacity N --per-week M  sales can call N of the M leads arriving a week\n"
    "  --hot-share F            the top share F of leads is hot (default 0.10)\n"
    "  --target-precision P     hot: the largest top group converting at P or more\n"
    "  --warm-share F           the next share F is warm (default 0.30)\n"
    "output:\n"
    "  --report FILE            the Markdown report (written atomically)\n"
    "  --model FILE             the refined model, ready for `leadscore score`\n"
    "  --no-plots               do not draw the report's charts (PNG files beside it)\n"
    "  --quiet                  print nothing but errors\n";

enum {
    OPT_DATA = 1000,
    OPT_CRITERIA,
    OPT_TARGET,
    OPT_POSITIVE,
    OPT_EXCLUDE,
    OPT_POOL,
    OPT_BASELINE,
    OPT_HOLDOUT,
    OPT_FOLDS,
    OPT_TIME_SPLIT,
    OPT_SEED,
    OPT_SELECT,
    OPT_DIRECTION,
    OPT_CV_FOLDS,
    OPT_ALPHA,
    OPT_LAMBDA,
    OPT_MIN_IV,
    OPT_MAX_MISSING,
    OPT_NO_CV_AUC,
    OPT_BAND,
    OPT_MIN_BAND_SHARE,
    OPT_MAX_BANDS,
    OPT_BAND_TREND,
    OPT_NO_MERGE,
    OPT_CAPACITY,
    OPT_PER_WEEK,
    OPT_HOT_SHARE,
    OPT_TARGET_PRECISION,
    OPT_WARM_SHARE,
    OPT_REPORT,
    OPT_MODEL,
    OPT_NO_PLOTS,
    OPT_QUIET,
    OPT_HELP
};

static const struct option long_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"criteria", required_argument, NULL, OPT_CRITERIA},
    {"target", required_argument, NULL, OPT_TARGET},
    {"positive", required_argument, NULL, OPT_POSITIVE},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"pool-below", required_argument, NULL, OPT_POOL},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"holdout", required_argument, NULL, OPT_HOLDOUT},
    {"folds", required_argument, NULL, OPT_FOLDS},
    {"time-split", required_argument, NULL, OPT_TIME_SPLIT},
    {"seed", required_argument, NULL, OPT_SEED},
    {"select", required_argument, NULL, OPT_SELECT},
    {"direction", required_argument, NULL, OPT_DIRECTION},
    {"cv-folds", required_argument, NULL, OPT_CV_FOLDS},
    {"alpha", required_argument, NULL, OPT_ALPHA},
    {"lambda", required_argument, NULL, OPT_LAMBDA},
    {"min-iv", required_argument, NULL, OPT_MIN_IV},
    {"max-missing", required_argument, NULL, OPT_MAX_MISSING},
    {"no-cv-auc", no_argument, NULL, OPT_NO_CV_AUC},
    {"band", required_argument, NULL, OPT_BAND},
    {"min-band-share", required_argument, NULL, OPT_MIN_BAND_SHARE},
    {"max-bands", required_argument, NULL, OPT_MAX_BANDS},
    {"band-trend", required_argument, NULL, OPT_BAND_TREND},
    {"no-merge", no_argument, NULL, OPT_NO_MERGE},
    {"capacity", required_argument, NULL, OPT_CAPACITY},
    {"per-week", required_argument, NULL, OPT_PER_WEEK},
    {"hot-share", required_argument, NULL, OPT_HOT_SHARE},
    {"target-precision", required_argument, NULL, OPT_TARGET_PRECISION},
    {"warm-share", required_argument, NULL, OPT_WARM_SHARE},
    {"report", required_argument, NULL, OPT_REPORT},
    {"model", required_argument, NULL, OPT_MODEL},
    {"no-plots", no_argument, NULL, OPT_NO_PLOTS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

typedef struct {
    const char *data, *criteria, *baseline, *report, *model_path;
    const char **exclude, **bands;
    size_t n_exclude, n_bands;
    int quiet, plots, splits, tier_modes;
    ls_refine_options r;
} refine_args;

static int push(const char ***list, size_t *n, const char *value)
{
    const char **grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return 0;
    *list = grown;
    grown[(*n)++] = value;
    return 1;
}

static int parse_fraction(const char *option, const char *text, double lo, double hi, double *out)
{
    if (!cli_parse_double("refine", option, text, out))
        return 0;
    if (!(*out > lo && *out < hi)) {
        cli_usage_error("refine", "%s must be between %g and %g, not '%s'", option, lo, hi, text);
        return 0;
    }
    return 1;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, refine_args *a)
{
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        int ok = 1;
        size_t k;
        switch (c) {
        case OPT_DATA:
            a->data = optarg;
            break;
        case OPT_CRITERIA:
            a->criteria = optarg;
            break;
        case OPT_TARGET:
            a->r.train.target = optarg;
            break;
        case OPT_POSITIVE:
            a->r.train.positive = optarg;
            break;
        case OPT_EXCLUDE:
            ok = push(&a->exclude, &a->n_exclude, optarg);
            break;
        case OPT_POOL:
            ok = cli_parse_size("refine", "--pool-below", optarg, &a->r.train.pool_below);
            break;
        case OPT_BASELINE:
            a->baseline = optarg;
            break;
        case OPT_HOLDOUT:
            a->splits++;
            a->r.validate = LS_VALIDATE_HOLDOUT;
            ok = parse_fraction("--holdout", optarg, 0, 1, &a->r.holdout);
            break;
        case OPT_FOLDS:
            a->splits++;
            a->r.validate = LS_VALIDATE_FOLDS;
            ok = cli_parse_size("refine", "--folds", optarg, &a->r.folds);
            if (ok && (a->r.folds < 2 || a->r.folds > 100))
                return cli_usage_error("refine", "--folds must be between 2 and 100");
            break;
        case OPT_TIME_SPLIT:
            a->splits++;
            if (optind >= argc || argv[optind][0] == '-')
                return cli_usage_error("refine", "--time-split needs a column and a date");
            a->r.validate = LS_VALIDATE_TIME;
            a->r.time_column = optarg;
            a->r.time_split = argv[optind++];
            break;
        case OPT_SEED:
            ok = cli_parse_size("refine", "--seed", optarg, &k);
            a->r.seed = k;
            a->r.select.seed = k;
            break;
        case OPT_SELECT:
            if (!ls_select_method_parse(optarg, &a->r.select.method))
                return cli_usage_error("refine", "--select expects aic, bic, lasso or none");
            break;
        case OPT_DIRECTION:
            if (strcmp(optarg, "both") == 0)
                a->r.select.direction = LS_STEP_BOTH;
            else if (strcmp(optarg, "backward") == 0)
                a->r.select.direction = LS_STEP_BACKWARD;
            else if (strcmp(optarg, "forward") == 0)
                a->r.select.direction = LS_STEP_FORWARD;
            else
                return cli_usage_error("refine", "--direction expects both, backward or forward");
            break;
        case OPT_CV_FOLDS:
            ok = cli_parse_size("refine", "--cv-folds", optarg, &a->r.select.folds);
            if (ok && (a->r.select.folds < 2 || a->r.select.folds > 100))
                return cli_usage_error("refine", "--cv-folds must be between 2 and 100");
            break;
        case OPT_ALPHA:
            ok = cli_parse_double("refine", "--alpha", optarg, &a->r.select.alpha);
            if (ok && !(a->r.select.alpha > 0 && a->r.select.alpha <= 1))
                return cli_usage_error("refine", "--alpha must be in (0, 1]");
            break;
        case OPT_LAMBDA:
            if (strcmp(optarg, "min") != 0 && strcmp(optarg, "1se") != 0)
                return cli_usage_error("refine", "--lambda expects min or 1se");
            a->r.select.use_lambda_min = strcmp(optarg, "min") == 0;
            break;
        case OPT_MIN_IV:
            ok = cli_parse_double("refine", "--min-iv", optarg, &a->r.select.min_iv);
            break;
        case OPT_MAX_MISSING:
            ok = parse_fraction("--max-missing", optarg, 0, 1.000001, &a->r.select.max_missing);
            break;
        case OPT_NO_CV_AUC:
            a->r.select.cv_auc = 0;
            break;
        case OPT_BAND:
            ok = push(&a->bands, &a->n_bands, optarg);
            break;
        case OPT_MIN_BAND_SHARE:
            ok = parse_fraction("--min-band-share", optarg, 0, 0.500001, &a->r.band.min_share);
            break;
        case OPT_MAX_BANDS:
            ok = cli_parse_size("refine", "--max-bands", optarg, &a->r.band.max_bands);
            if (ok && a->r.band.max_bands == 1)
                return cli_usage_error("refine", "--max-bands must be 0 (no limit) or at least 2");
            break;
        case OPT_BAND_TREND:
            if (!ls_trend_parse(optarg, &a->r.band.trend))
                return cli_usage_error("refine",
                                       "--band-trend expects auto, ascending, descending or none");
            break;
        case OPT_NO_MERGE:
            a->r.merge = 0;
            break;
        case OPT_CAPACITY:
            a->tier_modes |= 1;
            a->r.tiers.mode = LS_TIERS_CAPACITY;
            ok = cli_parse_double("refine", "--capacity", optarg, &a->r.tiers.capacity);
            break;
        case OPT_PER_WEEK:
            ok = cli_parse_double("refine", "--per-week", optarg, &a->r.tiers.per_week);
            if (ok && !(a->r.tiers.per_week > 0))
                return cli_usage_error("refine", "--per-week must be > 0");
            break;
        case OPT_HOT_SHARE:
            a->tier_modes |= 2;
            a->r.tiers.mode = LS_TIERS_SHARE;
            ok = parse_fraction("--hot-share", optarg, 0, 1.000001, &a->r.tiers.hot_share);
            break;
        case OPT_TARGET_PRECISION:
            a->tier_modes |= 4;
            a->r.tiers.mode = LS_TIERS_PRECISION;
            ok = parse_fraction("--target-precision", optarg, 0, 1, &a->r.tiers.target_precision);
            break;
        case OPT_WARM_SHARE:
            ok = cli_parse_double("refine", "--warm-share", optarg, &a->r.tiers.warm_share);
            if (ok && !(a->r.tiers.warm_share >= 0 && a->r.tiers.warm_share <= 1))
                return cli_usage_error("refine", "--warm-share must be between 0 and 1");
            break;
        case OPT_REPORT:
            a->report = optarg;
            break;
        case OPT_MODEL:
            a->model_path = optarg;
            break;
        case OPT_NO_PLOTS:
            a->plots = 0;
            break;
        case OPT_QUIET:
            a->quiet = 1;
            break;
        case 'h':
        case OPT_HELP:
            fputs(usage_text, stdout);
            return LS_EXIT_OK;
        default:
            return cli_getopt_error("refine", c, argv);
        }
        if (!ok)
            return LS_EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage_error("refine", "unexpected argument '%s'", argv[optind]);
    if (!a->data)
        return cli_usage_error("refine", "--data FILE is required");
    if (!a->report && !a->model_path)
        return cli_usage_error("refine", "say where to write: --report FILE and/or --model FILE");
    if (a->splits > 1)
        return cli_usage_error("refine", "give one of --holdout, --folds and --time-split");
    if (a->tier_modes & (a->tier_modes - 1))
        return cli_usage_error("refine",
                               "give one of --capacity, --hot-share and --target-precision");
    if (a->r.tiers.mode == LS_TIERS_CAPACITY && !(a->r.tiers.per_week > 0))
        return cli_usage_error("refine", "--capacity needs --per-week (leads arriving a week)");
    if (a->r.tiers.mode == LS_TIERS_CAPACITY && !(a->r.tiers.capacity > 0))
        return cli_usage_error("refine", "--capacity must be > 0");
    return -1;
}

/* "DIR/report.md" → "DIR/report-KIND.png" (path) and "report-KIND.png" (link). */
static void chart_names(const char *report, const char *kind, char *path, size_t psize, char *link,
                        size_t lsize)
{
    const char *slash = strrchr(report, '/');
    const char *base = slash ? slash + 1 : report;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(link, lsize, "%.*s-%s.png", (int)stem, base, kind);
    snprintf(path, psize, "%.*s%s", slash ? (int)(base - report) : 0, report, link);
}

/* Draws the charts beside the report; stops quietly (with a note) when
 * gnuplot cannot run. Returns how many images it drew. */
static size_t draw_charts(const refine_args *a, const ls_refine_result *r, const ls_model *model,
                          const ls_table *table, ls_report_image *img, char (*paths)[1024],
                          char (*links)[512], char (*captions)[256], size_t max)
{
    ls_error err;
    ls_error_clear(&err);
    ls_plot_data *all = NULL, *train = NULL, *hold = NULL;
    size_t n = 0;
    if (ls_plot_data_new(model, table, "leads", NULL, NULL, &all, &err) != LS_OK)
        goto fail;
    int split = a->r.validate != LS_VALIDATE_FOLDS;
    if (split && ls_plot_data_split(all, r->test, &train, &hold, &err) != LS_OK)
        goto fail;
    ls_plot_inputs in = {split ? train : all, split ? hold : NULL, NULL};
    ls_plot_options po;
    ls_plot_options_init(&po);
    static const struct {
        ls_plot_kind kind;
        const char *caption;
    } kinds[] = {{LS_PLOT_ROC, "ROC curve of the refined points"},
                 {LS_PLOT_CALIBRATION, "Calibration by decile"},
                 {LS_PLOT_GAINS, "Cumulative gains"},
                 {LS_PLOT_LIFT, "Lift by score decile"},
                 {LS_PLOT_IMPORTANCE, "Refined points with 95% intervals"}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0] + r->n_bandings && n < max; k++) {
        ls_plot_kind kind = k < 5 ? kinds[k].kind : LS_PLOT_BANDS;
        char name[300];
        if (k < 5) {
            snprintf(name, sizeof name, "%s", ls_plot_kind_name(kind));
            snprintf(captions[n], 256, "%s", kinds[k].caption);
        } else {
            const char *col = r->bandings[k - 5].column;
            po.criterion = col;
            snprintf(name, sizeof name, "bands-");
            size_t len = strlen(name);
            for (const char *p = col; *p && len + 1 < sizeof name; p++)
                name[len++] = (*p == '/' || *p == ' ') ? '_' : *p;
            name[len] = '\0';
            snprintf(captions[n], 256, "Bands of %.200s: WoE and conversion", col);
        }
        if (!ls_plot_available(model, kind, &in, &po, NULL, 0))
            continue;
        chart_names(a->report, name, paths[n], 1024, links[n], 512);
        if (ls_plot_write(model, kind, &in, &po, paths[n], NULL, NULL, &err) != LS_OK)
            goto fail;
        img[n].path = links[n];
        img[n].caption = captions[n];
        n++;
    }
    goto done;
fail:
    if (!a->quiet)
        fprintf(stderr, "leadscore: note: charts not drawn: %s\n", err.message);
done:
    ls_plot_data_free(train);
    ls_plot_data_free(hold);
    ls_plot_data_free(all);
    return n;
}

static void print_summary(const refine_args *a, const ls_refine_result *r)
{
    const ls_selection *s = &r->selection;
    printf("selection (%s):", ls_select_method_name(s->method));
    for (size_t i = 0; i < s->n_items; i++)
        if (s->items[i].kept)
            printf(" +'%s'", s->items[i].criterion);
    for (size_t i = 0; i < s->n_items; i++)
        if (!s->items[i].kept)
            printf(" -'%s'", s->items[i].criterion);
    printf("\n%s AUC: refined %.4f [%.4f, %.4f]",
           a->r.validate == LS_VALIDATE_FOLDS ? "cross-validated" : "held-out",
           r->refined.metrics.auc, r->refined.metrics.auc_low, r->refined.metrics.auc_high);
    if (r->has_baseline)
        printf(", baseline %.4f [%.4f, %.4f]; difference %+.4f [%+.4f, %+.4f]",
               r->baseline.metrics.auc, r->baseline.metrics.auc_low, r->baseline.metrics.auc_high,
               r->comparison.diff, r->comparison.low, r->comparison.high);
    printf("\ntiers: hot >= %g (%zu leads, %.1f%% convert), warm >= %g\n",
           r->tiers.tiers[0].min_score, r->tiers.tiers[0].rows, 100 * r->tiers.tiers[0].rate,
           r->tiers.tiers[1].min_score);
    if (a->report)
        printf("report: %s\n", a->report);
    if (a->model_path)
        printf("model: %s\n", a->model_path);
}

static int run(refine_args *a)
{
    ls_error err;
    ls_error_clear(&err);
    ls_spec *spec = NULL;
    ls_table *table = NULL;
    ls_model *baseline = NULL, *model = NULL;
    ls_refine_result *r = NULL;
    ls_output *out = NULL;
    int status = LS_EXIT_FAIL;
    enum { MAX_CHARTS = 24 };
    ls_report_image img[MAX_CHARTS];
    static char paths[MAX_CHARTS][1024], links[MAX_CHARTS][512], captions[MAX_CHARTS][256];
    size_t n_img = 0;

    if ((a->model_path && ls_same_file(a->data, a->model_path)) ||
        (a->report && ls_same_file(a->data, a->report))) {
        cli_errorf("refusing to overwrite the input data with an output");
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
    if (ls_table_load(a->data, &topts, &table, &err) != LS_OK)
        goto fail;
    if (a->baseline && ls_model_load(a->baseline, &baseline, &err) != LS_OK)
        goto fail;
    a->r.train.exclude = a->exclude;
    a->r.train.n_exclude = a->n_exclude;
    a->r.band_columns = a->bands;
    a->r.n_band_columns = a->n_bands;
    a->r.baseline = baseline;
    a->r.baseline_name = a->baseline;
    a->r.data_path = a->data;
    a->r.spec_path = a->criteria;
    if (ls_refine(table, spec, &a->r, &r, &err) != LS_OK)
        goto fail;
    model = ls_refine_take_model(r);
    if (a->model_path && ls_model_save(model, a->model_path, &err) != LS_OK)
        goto fail;
    if (a->report) {
        if (a->plots)
            n_img = draw_charts(a, r, model, table, img, paths, links, captions, MAX_CHARTS);
        if (ls_output_open(a->report, &out, &err) != LS_OK)
            goto fail;
        r->model = model; /* the report reads the model */
        ls_status st = ls_refine_write_report(r, img, n_img, ls_output_stream(out), &err);
        r->model = NULL;
        if (st != LS_OK)
            goto fail;
        st = ls_output_commit(out, &err);
        out = NULL;
        if (st != LS_OK)
            goto fail;
    }
    if (!a->quiet)
        print_summary(a, r);
    status = LS_EXIT_OK;
    goto done;
fail:
    status = err.code ? cli_report(&err) : LS_EXIT_FAIL;
done:
    ls_output_abort(out);
    ls_refine_free(r);
    ls_model_free(model);
    ls_model_free(baseline);
    ls_table_free(table);
    ls_spec_free(spec);
    return status;
}

int cmd_refine(int argc, char **argv)
{
    refine_args a;
    memset(&a, 0, sizeof a);
    ls_refine_options_init(&a.r);
    a.plots = 1;
    int status = parse_args(argc, argv, &a);
    if (status < 0)
        status = run(&a);
    free(a.exclude);
    free(a.bands);
    return status;
}
