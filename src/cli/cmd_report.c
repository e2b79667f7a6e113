/* leadscore report — one self-contained HTML page about a model and the
 * leads it scores. SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "leadscore/model.h"
#include "leadscore/output.h"
#include "leadscore/plot.h"
#include "leadscore/table.h"

static const char usage_text[] =
    "usage: leadscore report MODEL --data FILE --out report.html [options]\n"
    "\n"
    "Writes one self-contained HTML file (charts inlined, nothing fetched): the\n"
    "model's summary, validation metrics and gains on the data, every chart\n"
    "(drawn with gnuplot: apt-get install gnuplot-nox), the points table and tiers.\n"
    "\n"
    "options:\n"
    "  --data FILE            leads with outcomes (the model's target column)\n"
    "  --out FILE             where to write the page (written atomically)\n"
    "  --holdout-data FILE    held-out leads, measured and drawn beside --data\n"
    "  --holdout F            hold out a share F of --data as refine does (stratified,\n"
    "                         from --seed) and measure both parts\n"
    "  --seed N               seed of the --holdout split (default 1, as refine's)\n"
    "  --target COL           outcome column (default: the model's target)\n"
    "  --positive VALUE       value of COL meaning converted (default: the model's, or\n"
    "                         yes/true/1)\n"
    "  --baseline-data FILE   reference population: adds the stability (PSI) chart\n"
    "  --title TEXT           the model's name in the page (default: the model file)\n"
    "  -h, --help             show this help\n";

enum {
    OPT_DATA = 1000,
    OPT_OUT,
    OPT_HOLDOUT,
    OPT_HOLDOUT_SHARE,
    OPT_SEED,
    OPT_TARGET,
    OPT_POSITIVE,
    OPT_BASELINE,
    OPT_TITLE
};

static const struct option long_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"out", required_argument, NULL, OPT_OUT},
    {"holdout-data", required_argument, NULL, OPT_HOLDOUT},
    {"holdout", required_argument, NULL, OPT_HOLDOUT_SHARE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"target", required_argument, NULL, OPT_TARGET},
    {"positive", required_argument, NULL, OPT_POSITIVE},
    {"baseline-data", required_argument, NULL, OPT_BASELINE},
    {"title", required_argument, NULL, OPT_TITLE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int cmd_report(int argc, char **argv)
{
    const char *paths[3] = {NULL, NULL, NULL}, *out = NULL, *title = NULL, *target = NULL,
               *positive = NULL;
    double share = 0;
    size_t seed = 1;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_DATA:
            paths[0] = optarg;
            break;
        case OPT_HOLDOUT:
            paths[1] = optarg;
            break;
        case OPT_BASELINE:
            paths[2] = optarg;
            break;
        case OPT_OUT:
            out = optarg;
            break;
        case OPT_TITLE:
            title = optarg;
            break;
        case OPT_HOLDOUT_SHARE:
            if (!cli_parse_double("report", "--holdout", optarg, &share))
                return LS_EXIT_USAGE;
            if (!(share > 0 && share < 1))
                return cli_usage_error("report", "--holdout must be between 0 and 1, not '%s'",
                                       optarg);
            break;
        case OPT_TARGET:
            target = optarg;
            break;
        case OPT_POSITIVE:
            positive = optarg;
            break;
        case OPT_SEED:
            if (!cli_parse_size("report", "--seed", optarg, &seed))
                return LS_EXIT_USAGE;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return LS_EXIT_OK;
        case ':':
            return cli_usage_error("report", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("report", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("report", "which model? give the model file");
    if (argc - optind > 1)
        return cli_usage_error("report", "one model at a time; unexpected '%s'", argv[optind + 1]);
    if (!paths[0])
        return cli_usage_error("report", "--data FILE is required (leads with outcomes)");
    if (!out)
        return cli_usage_error("report", "--out FILE is required");
    if (share > 0 && paths[1])
        return cli_usage_error("report", "give --holdout or --holdout-data, not both");
    const char *model_path = argv[optind];
    for (size_t i = 0; i < 3; i++)
        if (paths[i] && ls_same_file(paths[i], out)) {
            cli_errorf("%s: refusing to overwrite an input with the report", out);
            return LS_EXIT_USAGE;
        }
    if (ls_same_file(model_path, out)) {
        cli_errorf("%s: refusing to overwrite the model with the report", out);
        return LS_EXIT_USAGE;
    }

    ls_error err;
    ls_error_clear(&err);
    ls_model *model = NULL;
    ls_table *tables[3] = {NULL, NULL, NULL};
    ls_plot_data *sets[3] = {NULL, NULL, NULL};
    ls_status st = ls_model_load(model_path, &model, &err);
    ls_table_options topts;
    ls_table_options_init(&topts);
    for (size_t i = 0; i < 3 && st == LS_OK; i++) {
        if (!paths[i])
            continue;
        st = ls_table_load(paths[i], &topts, &tables[i], &err);
        if (st == LS_OK)
            st = ls_plot_data_new(model, tables[i], base_name(paths[i]), i == 2 ? NULL : target,
                                  positive, &sets[i], &err);
    }
    if (st == LS_OK && share > 0) {
        ls_plot_data *train = NULL, *holdout = NULL;
        st = ls_plot_data_split_holdout(sets[0], share, (uint64_t)seed, &train, &holdout, &err);
        if (st == LS_OK) {
            ls_plot_data_free(sets[0]);
            sets[0] = train;
            sets[1] = holdout;
        }
    }
    if (st == LS_OK) {
        ls_plot_inputs in = {sets[0], sets[1], sets[2]};
        ls_plot_options opts;
        ls_plot_options_init(&opts);
        st = ls_report_html_write(model, title ? title : base_name(model_path), &in, &opts, out,
                                  &err);
    }
    for (size_t i = 0; i < 3; i++) {
        ls_plot_data_free(sets[i]);
        ls_table_free(tables[i]);
    }
    ls_model_free(model);
    return st == LS_OK ? LS_EXIT_OK : cli_report(&err);
}
