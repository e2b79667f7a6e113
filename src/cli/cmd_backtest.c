/* leadscore backtest — last quarter's model on the new quarter's outcomes,
 * with a plain recommendation whether to retrain.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "leadscore/model.h"
#include "leadscore/monitor.h"
#include "leadscore/output.h"

static void backtest_usage(FILE *out)
{
    fputs("usage: leadscore backtest --model OLD.json --data NEW_QUARTER.csv\n"
          "                          [thresholds] [--format text|csv|json]\n"
          "\n"
          "Scores the new quarter's leads with the old model and measures it against\n"
          "their outcomes (the model's target column): AUC of the points with its\n"
          "DeLong 95% interval, calibration-in-the-large a (logit P = a + logit p) and\n"
          "calibration slope b (logit P = a + b logit p). Retraining is recommended when\n"
          "  the AUC fell more than 0.03 below the training AUC of the points, and the\n"
          "    drop exceeds 1.96 standard errors (training and backtest samples); or\n"
          "  the calibration slope is outside [0.8, 1.2]; or\n"
          "  |a| > 0.2 (the average odds are off by more than about 22%).\n"
          "\n"
          "options:\n"
          "  -m, --model FILE         the model in use (JSON or points table)\n"
          "  -d, --data FILE          the new quarter's leads with outcomes (CSV)\n"
          "      --max-auc-drop D     AUC drop that calls for retraining (default 0.03)\n"
          "      --min-slope B        lowest acceptable calibration slope (default 0.8)\n"
          "      --max-slope B        highest acceptable calibration slope (default 1.2)\n"
          "      --max-intercept A    largest acceptable |calibration-in-the-large| (0.2)\n"
          "  -f, --format FORMAT      text (default), csv (metric,value,threshold,status)\n"
          "                           or json\n"
          "  -h, --help               show this help\n",
          out);
}

enum { OPT_AUC = 1000, OPT_MIN_SLOPE, OPT_MAX_SLOPE, OPT_INTERCEPT };

int cmd_backtest(int argc, char **argv)
{
    static const struct option options[] = {
        {"model", required_argument, NULL, 'm'},
        {"data", required_argument, NULL, 'd'},
        {"max-auc-drop", required_argument, NULL, OPT_AUC},
        {"min-slope", required_argument, NULL, OPT_MIN_SLOPE},
        {"max-slope", required_argument, NULL, OPT_MAX_SLOPE},
        {"max-intercept", required_argument, NULL, OPT_INTERCEPT},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    ls_monitor_format format = LS_MONITOR_TEXT;
    ls_backtest_options opts;
    ls_backtest_options_init(&opts);
    const char *model_path = NULL, *data = NULL;
    int c, ok = 1;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":m:d:f:h", options, NULL)) != -1) {
        switch (c) {
        case 'm':
            model_path = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case OPT_AUC:
            ok = cli_parse_double("backtest", "--max-auc-drop", optarg, &opts.max_auc_drop);
            break;
        case OPT_MIN_SLOPE:
            ok = cli_parse_double("backtest", "--min-slope", optarg, &opts.slope_low);
            break;
        case OPT_MAX_SLOPE:
            ok = cli_parse_double("backtest", "--max-slope", optarg, &opts.slope_high);
            break;
        case OPT_INTERCEPT:
            ok = cli_parse_double("backtest", "--max-intercept", optarg, &opts.max_intercept);
            break;
        case 'f':
            if (!ls_monitor_format_parse(optarg, &format))
                return cli_usage_error("backtest", "unknown format '%s' (text, csv, json)", optarg);
            break;
        case 'h':
            backtest_usage(stdout);
            return LS_EXIT_OK;
        case ':':
            return cli_usage_error("backtest", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("backtest", "unknown option '%s'", argv[optind - 1]);
        }
        if (!ok)
            return LS_EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage_error("backtest", "unexpected argument '%s'", argv[optind]);
    if (!model_path || !data)
        return cli_usage_error("backtest", "--model and --data are required");
    if (!(opts.max_auc_drop >= 0) || !(opts.max_intercept >= 0))
        return cli_usage_error("backtest", "--max-auc-drop and --max-intercept must be >= 0");
    if (!(opts.slope_low < opts.slope_high))
        return cli_usage_error("backtest", "--min-slope must be below --max-slope");

    ls_error err;
    ls_error_clear(&err);
    ls_model *model = NULL;
    ls_table *table = NULL;
    ls_output *out = NULL;
    ls_backtest_report report;
    memset(&report, 0, sizeof report);
    ls_status st = ls_model_load(model_path, &model, &err);
    const ls_model *models[] = {model};
    if (st == LS_OK)
        st = ls_monitor_load_table(data, models, 1, &table, &err);
    if (st == LS_OK)
        st = ls_backtest(model, table, &opts, &report, &err);
    if (st == LS_OK)
        st = ls_output_open("-", &out, &err);
    if (st == LS_OK) {
        st = ls_backtest_write(&report, format, ls_output_stream(out), &err);
        ls_status cst = ls_output_commit(out, st == LS_OK ? &err : NULL);
        if (st == LS_OK)
            st = cst;
    }
    ls_backtest_report_release(&report);
    ls_table_free(table);
    ls_model_free(model);
    return st == LS_OK ? LS_EXIT_OK : cli_report(&err);
}
