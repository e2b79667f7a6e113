/* leadscore — command-line entry: a table of subcommands, git's shape.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <gsl/gsl_errno.h>

#include "cli.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"inspect", cmd_inspect, "profile a lead export: types, missing values, conversion, IV"},
    {"train", cmd_train, "fit logistic regression and learn integer points"},
    {"refine", cmd_refine, "select criteria, band, validate against the current points"},
    {"show", cmd_show, "print a model as R's summary(glm) does, with its points"},
    {"score", cmd_score, "score leads with a learned or hand-written points model"},
    {"export", cmd_export, "export a model as SQL, a points table or JSON"},
    {"synth", cmd_synth, "write synthetic leads with known true weights"},
    {"plot", cmd_plot, "draw charts of a model with gnuplot: importance, ROC, gains..."},
    {"report", cmd_report, "write a self-contained HTML report with every chart"},
    {"features", cmd_features, "derive criteria from product events as of a point in time"},
    {"decay", cmd_decay, "fit the half-life of a behaviour's points by profile likelihood"},
    {"watch", cmd_watch, "re-score leads as events arrive; a line per score change"},
    {"synth-events", cmd_synth_events, "write synthetic leads and events from a known process"},
    {"compare", cmd_compare, "compare two models: points, coefficient changes, AUC"},
    {"drift", cmd_drift, "population and characteristic stability from baseline to now"},
    {"backtest", cmd_backtest, "old model on a new quarter's outcomes: retrain or keep"},
    {"history", cmd_history, "lineage of model files: training data, hash, parent"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: leadscore <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'leadscore <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; the library checks every status itself. */
    gsl_set_error_handler_off();
    /* Out-of-core training keeps one unlinked temporary file open per column
     * array, so a file of 1,000+ columns passes the usual soft limit of 1,024
     * descriptors; the hard limit is the real bound. (The library leaves
     * process limits alone: that is its host's call.) */
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    if (argc < 2) {
        usage(stderr);
        return LS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return LS_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("leadscore %s\n", LEADSCORE_VERSION);
        return LS_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "leadscore: '%s' is not a command\n", argv[1]);
    usage(stderr);
    return LS_EXIT_USAGE;
}
