/* leadscore show — print a model as R's summary(glm) does, with its points.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "leadscore/model.h"
#include "leadscore/output.h"
#include "leadscore/report.h"

static void show_usage(FILE *out)
{
    fputs("usage: leadscore show MODEL [--format text|csv|json|markdown]\n"
          "\n"
          "Prints a model: for a learned model the coefficients as R's summary(glm)\n"
          "prints them (estimate, standard error, z, p-value, significance), the\n"
          "deviances, AIC, BIC, McFadden R-squared, the likelihood-ratio test and the\n"
          "AUC of the coefficients and of the integer points; then the points of each\n"
          "criterion with odds ratios and their 95% intervals, and the tiers.\n"
          "A hand-written model (JSON or a points table) prints its rules and points.\n"
          "MODEL '-' reads standard input.\n"
          "\n"
          "options:\n"
          "  -f, --format FORMAT  text (default), csv (one row per term with every\n"
          "                       statistic), json (the model file) or markdown\n"
          "  -h, --help           show this help\n",
          out);
}

int cmd_show(int argc, char **argv)
{
    static const struct option options[] = {{"format", required_argument, NULL, 'f'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    ls_report_format format = LS_REPORT_TEXT;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:h", options, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!ls_report_format_parse(optarg, &format))
                return cli_usage_error("show", "unknown format '%s' (text, csv, json, markdown)",
                                       optarg);
            break;
        case 'h':
            show_usage(stdout);
            return LS_EXIT_OK;
        case ':':
            return cli_usage_error("show", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("show", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("show", "which model? give the model file");
    if (argc - optind > 1)
        return cli_usage_error("show", "one model at a time; unexpected '%s'", argv[optind + 1]);

    ls_error err;
    ls_error_clear(&err);
    ls_model *model = NULL;
    ls_output *out = NULL;
    ls_status st = ls_model_load(argv[optind], &model, &err);
    if (st == LS_OK)
        st = ls_output_open("-", &out, &err);
    if (st == LS_OK) {
        st = ls_model_print(model, format, ls_output_stream(out), &err);
        /* commit flushes and checks stdout even after a failed print */
        ls_status cst = ls_output_commit(out, st == LS_OK ? &err : NULL);
        if (st == LS_OK)
            st = cst;
    }
    ls_model_free(model);
    return st == LS_OK ? LS_EXIT_OK : cli_report(&err);
}
