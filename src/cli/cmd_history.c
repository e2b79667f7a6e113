/* leadscore history — the lineage of model files: when each was trained, on
 * which data (file and SHA-256), how well, and from which parent.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "leadscore/monitor.h"
#include "leadscore/output.h"

static void history_usage(FILE *out)
{
    fputs("usage: leadscore history MODEL... [--format text|csv|json]\n"
          "\n"
          "Lists the models oldest first with their lineage: file, the file's SHA-256,\n"
          "when it was trained, the data file and its SHA-256, rows, in-sample AUC and\n"
          "the parent it was refit from (recorded as the parent file's SHA-256, shown\n"
          "as the parent's file name when the parent is among the models listed).\n"
          "The text table shortens hashes to 12 digits; csv and json give them whole.\n"
          "\n"
          "options:\n"
          "  -f, --format FORMAT  text (default), csv or json\n"
          "  -h, --help           show this help\n",
          out);
}

int cmd_history(int argc, char **argv)
{
    static const struct option options[] = {{"format", required_argument, NULL, 'f'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    ls_monitor_format format = LS_MONITOR_TEXT;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:h", options, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!ls_monitor_format_parse(optarg, &format))
                return cli_usage_error("history", "unknown format '%s' (text, csv, json)", optarg);
            break;
        case 'h':
            history_usage(stdout);
            return LS_EXIT_OK;
        case ':':
            return cli_usage_error("history", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("history", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("history", "which models? give one or more model files");

    ls_error err;
    ls_error_clear(&err);
    ls_history history;
    memset(&history, 0, sizeof history);
    ls_output *out = NULL;
    ls_status st = ls_history_load((const char *const *)argv + optind, (size_t)(argc - optind),
                                   &history, &err);
    if (st == LS_OK)
        st = ls_output_open("-", &out, &err);
    if (st == LS_OK) {
        st = ls_history_write(&history, format, ls_output_stream(out), &err);
        ls_status cst = ls_output_commit(out, st == LS_OK ? &err : NULL);
        if (st == LS_OK)
            st = cst;
    }
    ls_history_release(&history);
    return st == LS_OK ? LS_EXIT_OK : cli_report(&err);
}
