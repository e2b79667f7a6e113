/* leadscore synth — synthetic leads with known true weights.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "leadscore/synth.h"

static const char usage_text[] =
    "usage: leadscore synth --rows N --out FILE [--seed S] [--truth FILE] [--spec FILE]\n"
    "                       [--base-rate R]\n"
    "\n"
    "Writes N synthetic leads whose conversion follows known true weights, so a\n"
    "fit can be checked against the truth. Equal options give identical files.\n"
    "\n"
    "  -n, --rows N         number of leads, at least 1\n"
    "  -o, --out FILE       the leads CSV ('-' for standard output)\n"
    "  -s, --seed S         random seed, 0..18446744073709551615 (default 1)\n"
    "  -t, --truth FILE     also write the true weights as CSV 'term,weight'\n"
    "      --spec FILE      also write the criteria spec that declares the\n"
    "                       company_size bands (needed to recover their weights)\n"
    "  -r, --base-rate R    expected conversion rate, 0.001..0.999 (default 0.15)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Files are written to a temporary file and renamed into place.\n";

static int parse_seed(const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || text[0] == '+' || text[0] == ' ')
        return 0;
    *out = (uint64_t)v;
    return 1;
}

int cmd_synth(int argc, char **argv)
{
    static const struct option options[] = {
        {"rows", required_argument, NULL, 'n'}, {"out", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, 's'}, {"truth", required_argument, NULL, 't'},
        {"spec", required_argument, NULL, 'S'}, {"base-rate", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    ls_synth_options opts;
    ls_synth_options_init(&opts);
    const char *out = NULL, *truth = NULL, *spec = NULL;
    int have_rows = 0;

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":n:o:s:t:r:h", options, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!cli_parse_size("synth", "--rows", optarg, &opts.rows))
                return LS_EXIT_USAGE;
            have_rows = 1;
            break;
        case 'o':
            out = optarg;
            break;
        case 's':
            if (!parse_seed(optarg, &opts.seed))
                return cli_usage_error("synth", "--seed expects a whole number, not '%s'", optarg);
            break;
        case 't':
            truth = optarg;
            break;
        case 'S':
            spec = optarg;
            break;
        case 'r':
            if (!cli_parse_double("synth", "--base-rate", optarg, &opts.base_rate))
                return LS_EXIT_USAGE;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return LS_EXIT_OK;
        case ':':
            return cli_usage_error("synth", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("synth", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("synth", "unexpected argument '%s'", argv[optind]);
    if (!have_rows)
        return cli_usage_error("synth", "--rows is required");
    if (opts.rows < 1)
        return cli_usage_error("synth", "--rows must be at least 1");
    if (!(opts.base_rate >= 0.001 && opts.base_rate <= 0.999))
        return cli_usage_error("synth", "--base-rate must be between 0.001 and 0.999, not '%g'",
                               opts.base_rate);
    if (!out)
        return cli_usage_error("synth", "--out is required");
    const char *paths[3] = {out, truth, spec};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (paths[i] && paths[j] && strcmp(paths[i], paths[j]) == 0)
                return cli_usage_error("synth", "'%s' is named for two outputs", paths[i]);

    ls_error err;
    ls_error_clear(&err);
    if (ls_synth_write_paths(&opts, out, truth, spec, NULL, &err) != LS_OK)
        return cli_report(&err);
    return LS_EXIT_OK;
}
