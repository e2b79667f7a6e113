/* leadscore drift — has the population moved since the model was trained?
 * Population stability index of the score and characteristic stability
 * index per criterion, new levels and missing rates.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "leadscore/model.h"
#include "leadscore/monitor.h"
#include "leadscore/output.h"

static void drift_usage(FILE *out)
{
    fputs("usage: leadscore drift --model MODEL --baseline TRAIN.csv --current NEW.csv\n"
          "                       [--bins N] [--flag-at X] [--format text|csv|json]\n"
          "\n"
          "Measures how far the leads moved from the baseline (usually the training\n"
          "data) to the current quarter, as a stability index\n"
          "  sum over bins of (current% - baseline%) * ln(current% / baseline%)\n"
          "with an empty bin's share taken as 0.0001. Read: < 0.1 stable, 0.1-0.25\n"
          "watch, > 0.25 shifted.\n"
          "  score        PSI over the baseline's score deciles\n"
          "  criteria     CSI per criterion: deciles of a numeric criterion, the model's\n"
          "               bands, yes/no, or every level of a categorical one plus\n"
          "               '(unseen)' for levels the baseline never had; missing values\n"
          "               have their own bin, so a change in the missing rate counts\n"
          "Levels never seen before and missing rates are listed.\n"
          "\n"
          "options:\n"
          "  -m, --model MODEL       the model whose score and criteria to measure\n"
          "  -b, --baseline FILE     leads the model was trained on (CSV)\n"
          "  -c, --current FILE      the new quarter's leads (CSV)\n"
          "      --bins N            quantile bins for the score and numbers (default 10)\n"
          "      --flag-at X         flag an index at or above X (default 0.1)\n"
          "  -f, --format FORMAT     text (default), csv (one row per criterion) or json\n"
          "  -h, --help              show this help\n",
          out);
}

enum { OPT_BINS = 1000, OPT_FLAG_AT };

int cmd_drift(int argc, char **argv)
{
    static const struct option options[] = {{"model", required_argument, NULL, 'm'},
                                            {"baseline", required_argument, NULL, 'b'},
                                            {"current", required_argument, NULL, 'c'},
                                            {"bins", required_argument, NULL, OPT_BINS},
                                            {"flag-at", required_argument, NULL, OPT_FLAG_AT},
                                            {"format", required_argument, NULL, 'f'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    ls_monitor_format format = LS_MONITOR_TEXT;
    ls_drift_options opts;
    ls_drift_options_init(&opts);
    const char *model_path = NULL, *baseline = NULL, *current = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":m:b:c:f:h", options, NULL)) != -1) {
        switch (c) {
        case 'm':
            model_path = optarg;
            break;
        case 'b':
            baseline = optarg;
            break;
        case 'c':
            current = optarg;
            break;
        case OPT_BINS:
            if (!cli_parse_size("drift", "--bins", optarg, &opts.bins))
                return LS_EXIT_USAGE;
            if (opts.bins < 2 || opts.bins > 1000)
                return cli_usage_error("drift", "--bins must be between 2 and 1000");
            break;
        case OPT_FLAG_AT:
            if (!cli_parse_double("drift", "--flag-at", optarg, &opts.flag_at))
                return LS_EXIT_USAGE;
            if (!(opts.flag_at > 0))
                return cli_usage_error("drift", "--flag-at must be above 0");
            break;
        case 'f':
            if (!ls_monitor_format_parse(optarg, &format))
                return cli_usage_error("drift", "unknown format '%s' (text, csv, json)", optarg);
            break;
        case 'h':
            drift_usage(stdout);
            return LS_EXIT_OK;
        case ':':
            return cli_usage_error("drift", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("drift", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("drift", "unexpected argument '%s'", argv[optind]);
    if (!model_path || !baseline || !current)
        return cli_usage_error("drift", "--model, --baseline and --current are required");

    ls_error err;
    ls_error_clear(&err);
    ls_model *model = NULL;
    ls_table *base = NULL, *cur = NULL;
    ls_output *out = NULL;
    ls_drift_report report;
    memset(&report, 0, sizeof report);
    ls_status st = ls_model_load(model_path, &model, &err);
    const ls_model *models[] = {model};
    if (st == LS_OK)
        st = ls_monitor_load_table(baseline, models, 1, &base, &err);
    if (st == LS_OK)
        st = ls_monitor_load_table(current, models, 1, &cur, &err);
    if (st == LS_OK)
        st = ls_drift_compute(model, base, cur, &opts, &report, &err);
    if (st == LS_OK)
        st = ls_output_open("-", &out, &err);
    if (st == LS_OK) {
        st = ls_drift_write(&report, format, ls_output_stream(out), &err);
        ls_status cst = ls_output_commit(out, st == LS_OK ? &err : NULL);
        if (st == LS_OK)
            st = cst;
    }
    ls_drift_report_release(&report);
    ls_table_free(base);
    ls_table_free(cur);
    ls_model_free(model);
    return st == LS_OK ? LS_EXIT_OK : cli_report(&err);
}
