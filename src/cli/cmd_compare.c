/* leadscore compare — what changed between last quarter's model and this
 * quarter's: points and coefficients per term, criteria added and dropped,
 * and both models' AUC on the same leads.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "leadscore/model.h"
#include "leadscore/monitor.h"
#include "leadscore/output.h"

static void compare_usage(FILE *out)
{
    fputs("usage: leadscore compare OLD NEW [--data FILE] [--alpha A] [--format text|csv|json]\n"
          "\n"
          "Compares two models term by term: old points -> new points, the change, and\n"
          "whether the coefficient changed beyond sampling noise, by\n"
          "  z = (b_new - b_old) / sqrt(se_old^2 + se_new^2)\n"
          "taking the two fits as independent samples (different quarters' leads). The\n"
          "p-values of all tested terms are Holm-adjusted together; a criterion is\n"
          "flagged as changed when one of its terms is significant. The intercept,\n"
          "aliased terms, hand-written points and categorical criteria whose reference\n"
          "level differs are shown but not tested. Criteria added and dropped are listed.\n"
          "\n"
          "options:\n"
          "  -d, --data FILE      score these leads with both models: AUC of the points\n"
          "                       with DeLong 95% intervals and the paired DeLong test of\n"
          "                       the difference (use leads neither model was trained on;\n"
          "                       a model's own training data favours it)\n"
          "  -a, --alpha A        family-wise significance level (default 0.01)\n"
          "  -f, --format FORMAT  text (default), csv (one row per term) or json\n"
          "  -h, --help           show this help\n",
          out);
}

int cmd_compare(int argc, char **argv)
{
    static const struct option options[] = {{"data", required_argument, NULL, 'd'},
                                            {"alpha", required_argument, NULL, 'a'},
                                            {"format", required_argument, NULL, 'f'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    ls_monitor_format format = LS_MONITOR_TEXT;
    ls_compare_options opts;
    ls_compare_options_init(&opts);
    const char *data = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":d:a:f:h", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'a':
            if (!cli_parse_double("compare", "--alpha", optarg, &opts.alpha))
                return LS_EXIT_USAGE;
            if (!(opts.alpha > 0 && opts.alpha < 1))
                return cli_usage_error("compare", "--alpha must be between 0 and 1");
            break;
        case 'f':
            if (!ls_monitor_format_parse(optarg, &format))
                return cli_usage_error("compare", "unknown format '%s' (text, csv, json)", optarg);
            break;
        case 'h':
            compare_usage(stdout);
            return LS_EXIT_OK;
        case ':':
            return cli_usage_error("compare", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("compare", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("compare", "give two models: OLD NEW");
    opts.old_name = argv[optind];
    opts.new_name = argv[optind + 1];

    ls_error err;
    ls_error_clear(&err);
    ls_model *old_model = NULL, *new_model = NULL;
    ls_table *table = NULL;
    ls_output *out = NULL;
    ls_comparison cmp;
    memset(&cmp, 0, sizeof cmp);
    ls_status st = ls_model_load(opts.old_name, &old_model, &err);
    if (st == LS_OK)
        st = ls_model_load(opts.new_name, &new_model, &err);
    if (st == LS_OK && data) {
        const ls_model *both[] = {old_model, new_model};
        st = ls_monitor_load_table(data, both, 2, &table, &err);
    }
    if (st == LS_OK)
        st = ls_compare_models(old_model, new_model, table, &opts, &cmp, &err);
    if (st == LS_OK)
        st = ls_output_open("-", &out, &err);
    if (st == LS_OK) {
        st = ls_comparison_write(&cmp, format, ls_output_stream(out), &err);
        ls_status cst = ls_output_commit(out, st == LS_OK ? &err : NULL);
        if (st == LS_OK)
            st = cst;
    }
    ls_comparison_release(&cmp);
    ls_table_free(table);
    ls_model_free(old_model);
    ls_model_free(new_model);
    return st == LS_OK ? LS_EXIT_OK : cli_report(&err);
}
