/* leadscore features / decay / synth-events — product usage: criteria
 * derived from event files as of a point in time, the decay half-life fitted
 * from data, and synthetic events from a known process.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "leadscore/events.h"

/* ---- shared ---------------------------------------------------------------------- */

static int parse_time(const char *cmd, const char *option, const char *text, int64_t *out)
{
    ls_error err;
    ls_error_clear(&err);
    if (ls_time_parse(text, strlen(text), out, &err) == LS_OK)
        return 1;
    cli_usage_error(cmd, "%s: %s", option, err.message);
    return 0;
}

static void print_stats(const ls_features *f, const ls_derive_stats *s, const char *snapshot)
{
    char a[40], b[40];
    fprintf(stderr, "leadscore: %zu feature columns for %zu leads (%zu with events) as of %s\n",
            ls_features_count(f), s->leads, s->leads_with_events, snapshot);
    fprintf(stderr,
            "leadscore: %zu events read: %zu used, %zu at or after their lead's snapshot (left "
            "out), %zu of unknown leads, %zu matching no feature\n",
            s->events, s->used, s->after_snapshot, s->unknown_lead, s->unmatched);
    if (s->first != LS_TIME_NONE)
        fprintf(stderr, "leadscore: events from %s to %s\n", ls_time_format(s->first, 0, a, 40),
                ls_time_format(s->last, 0, b, 40));
}

/* ---- features ----------------------------------------------------------------------- */

static const char features_usage[] =
    "usage: leadscore features --leads LEADS.csv --events EVENTS.csv --criteria SPEC\n"
    "                          [--as-of TIME | --label-date COL] --out FILE\n"
    "\n"
    "Derives the [feature] criteria of SPEC from product-usage events and writes\n"
    "the leads with one column per feature appended, joined by lead id. Each\n"
    "lead's features use only events strictly before its snapshot: --as-of for\n"
    "scoring, or its own date in the label-date column for training (so nothing\n"
    "that happened at or after a conversion leaks into its criteria). A lead\n"
    "without events gets zeros (recency: its cap).\n"
    "\n"
    "  -l, --leads FILE       leads CSV with an id column\n"
    "  -e, --events FILE      events CSV: lead_id,event,timestamp[,value] ('-' = stdin)\n"
    "  -c, --criteria SPEC    criteria spec with [events] and [feature] sections\n"
    "      --as-of TIME       snapshot for every lead (ISO-8601: 2024-06-30,\n"
    "                         2024-06-30T12:00:00Z, ...+02:00); with --label-date,\n"
    "                         the snapshot of leads whose label date is empty\n"
    "      --label-date COL   per-lead snapshot column (default: the spec's\n"
    "                         [events] label_date, when --as-of is not given)\n"
    "      --id COL           the leads file's id column (default: the spec's)\n"
    "  -o, --out FILE         output CSV, written atomically ('-' = stdout)\n"
    "  -q, --quiet            no summary on standard error\n"
    "  -h, --help             show this help\n";

int cmd_features(int argc, char **argv)
{
    enum { OPT_AS_OF = 1000, OPT_LABEL, OPT_ID };
    static const struct option options[] = {{"leads", required_argument, NULL, 'l'},
                                            {"events", required_argument, NULL, 'e'},
                                            {"criteria", required_argument, NULL, 'c'},
                                            {"as-of", required_argument, NULL, OPT_AS_OF},
                                            {"label-date", required_argument, NULL, OPT_LABEL},
                                            {"id", required_argument, NULL, OPT_ID},
                                            {"out", required_argument, NULL, 'o'},
                                            {"quiet", no_argument, NULL, 'q'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    ls_derive_options o;
    ls_derive_options_init(&o);
    const char *criteria = NULL;
    int quiet = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":l:e:c:o:qh", options, NULL)) != -1) {
        switch (c) {
        case 'l':
            o.leads_path = optarg;
            break;
        case 'e':
            o.events_path = optarg;
            break;
        case 'c':
            criteria = optarg;
            break;
        case 'o':
            o.out_path = optarg;
            break;
        case OPT_AS_OF:
            if (!parse_time("features", "--as-of", optarg, &o.as_of))
                return LS_EXIT_USAGE;
            break;
        case OPT_LABEL:
            o.label_date = optarg;
            break;
        case OPT_ID:
            o.id_column = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            fputs(features_usage, stdout);
            return LS_EXIT_OK;
        default:
            return cli_getopt_error("features", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("features", "unexpected argument '%s'", argv[optind]);
    if (!o.leads_path || !o.events_path || !criteria || !o.out_path)
        return cli_usage_error("features", "--leads, --events, --criteria and --out are required");
    ls_error err;
    ls_error_clear(&err);
    ls_features *f = NULL;
    if (ls_features_load(criteria, &f, &err) != LS_OK)
        return cli_report(&err);
    if (o.as_of == LS_TIME_NONE && !o.label_date && !ls_features_label_date(f)) {
        ls_features_free(f);
        return cli_usage_error("features", "give --as-of TIME or --label-date COL");
    }
    ls_derive_stats stats;
    int status = LS_EXIT_OK;
    if (ls_features_derive(f, &o, &stats, &err) != LS_OK) {
        status = cli_report(&err);
    } else if (!quiet) {
        char when[80];
        /* As the library decides: the spec's label_date only without --as-of. */
        const char *label = o.label_date              ? o.label_date
                            : o.as_of == LS_TIME_NONE ? ls_features_label_date(f)
                                                      : NULL;
        char at[40];
        if (!label)
            snprintf(when, sizeof when, "%s", ls_time_format(o.as_of, 1, at, sizeof at));
        else if (o.as_of != LS_TIME_NONE)
            snprintf(when, sizeof when, "each lead's '%s' (else %s)", label,
                     ls_time_format(o.as_of, 1, at, sizeof at));
        else
            snprintf(when, sizeof when, "each lead's '%s'", label);
        print_stats(f, &stats, when);
    }
    ls_features_free(f);
    return status;
}

/* ---- decay ------------------------------------------------------------------------------ */

static const char decay_usage[] =
    "usage: leadscore decay --leads LEADS.csv --events EVENTS.csv --criteria SPEC\n"
    "                       --target COL [--label-date COL | --as-of TIME] [options]\n"
    "\n"
    "Fits how fast a behaviour's points fade, by profile likelihood: for each\n"
    "half-life on a grid (or lifespan, for a linear decay) the decayed feature is\n"
    "derived for every lead as of its label date, logistic regression of COL on it\n"
    "and the spec's other features is fitted, and its log-likelihood recorded.\n"
    "Prints the profile, the best half-life and its likelihood-ratio 95% interval\n"
    "(where 2*(max - loglik) <= 3.84), against no decay and no feature at all.\n"
    "\n"
    "  -l, --leads FILE       leads CSV with the outcome and the label dates\n"
    "  -e, --events FILE      events CSV\n"
    "  -c, --criteria SPEC    spec with a decayed_count or decayed_sum [feature]\n"
    "  -t, --target COL       outcome column (yes/no, true/false, 1/0)\n"
    "      --positive VALUE   the outcome value meaning converted\n"
    "      --label-date COL   per-lead snapshot (default: the spec's label_date)\n"
    "      --as-of TIME       one snapshot for all (or for empty label dates)\n"
    "  -f, --feature NAME     the [feature] to profile (default: the first decayed)\n"
    "  -g, --grid LIST        half-lives, e.g. 1d,2d,3d,5d,7d,10d,14d,21d,30d\n"
    "                         (default: 25 values from 0.5 to 180 days)\n"
    "      --alone            no other features in the model\n"
    "      --id COL           the leads file's id column\n"
    "  -h, --help             show this help\n";

static int parse_grid(const char *text, double **grid, size_t *n)
{
    char *copy = strdup(text);
    if (!copy)
        return 0;
    *n = 0;
    size_t cap = 8;
    *grid = malloc(cap * sizeof **grid);
    int ok = *grid != NULL;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); ok && tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        int64_t us;
        if (!ls_duration_parse(tok, &us)) {
            cli_usage_error("decay", "--grid: '%s' is not a duration (7d, 12h, 2w)", tok);
            ok = 0;
            break;
        }
        if (*n == cap) {
            double *g = realloc(*grid, 2 * cap * sizeof *g);
            if (!g) {
                ok = 0;
                break;
            }
            *grid = g;
            cap *= 2;
        }
        (*grid)[(*n)++] = (double)us / (double)LS_TIME_DAY;
    }
    free(copy);
    return ok && *n > 0;
}

static void print_profile(const ls_decay_profile *p)
{
    const char *what = p->linear ? "lifespan" : "half-life";
    double max = p->points[p->best].loglik;
    printf("decay of '%s' (%s %s), %zu leads, %zu converted\n", p->feature,
           p->linear ? "linear" : "exponential", what, p->rows, p->positives);
    printf("other features in the model:");
    for (size_t i = 0; i < p->n_covariates; i++)
        printf("%s %s", i ? "," : "", p->covariates[i]);
    printf("%s\n\n", p->n_covariates ? "" : " none");
    printf("  %10s %15s %10s %10s %10s\n", p->linear ? "days" : "half-life", "loglik", "2*drop",
           "coef", "std.err");
    for (size_t j = 0; j < p->n_points; j++) {
        const ls_decay_point *pt = &p->points[j];
        char days[32];
        snprintf(days, sizeof days, "%gd", pt->days);
        if (pt->status != LS_OK) {
            printf("  %10s %15s   (%s)\n", days, "-", ls_status_str(pt->status));
            continue;
        }
        int inside = pt->days >= p->ci_low && pt->days <= p->ci_high;
        printf("%c %10s %15.4f %10.3f %10.5f %10.5f%s\n", j == p->best ? '*' : ' ', days,
               pt->loglik, 2 * (max - pt->loglik), pt->estimate, pt->std_error,
               inside ? "  in interval" : "");
    }
    printf("\nbest %s: %g days", what, p->points[p->best].days);
    if (isinf(p->ci_low) || isinf(p->ci_high))
        printf(" (likelihood-ratio 95%% interval %s%.3g to %s%.3g days: it reaches the grid's "
               "edge, widen --grid)\n",
               isinf(p->ci_low) ? "below " : "", isinf(p->ci_low) ? p->points[0].days : p->ci_low,
               isinf(p->ci_high) ? "above " : "",
               isinf(p->ci_high) ? p->points[p->n_points - 1].days : p->ci_high);
    else
        printf(" (likelihood-ratio 95%% interval %.3g to %.3g days)\n", p->ci_low, p->ci_high);
    if (!isnan(p->loglik_none))
        printf("no decay (all history): loglik %.4f, 2*drop %.3f\n", p->loglik_none,
               2 * (max - p->loglik_none));
    if (!isnan(p->loglik_without))
        printf("without the feature:    loglik %.4f, 2*drop %.3f\n", p->loglik_without,
               2 * (max - p->loglik_without));
}

int cmd_decay(int argc, char **argv)
{
    enum { OPT_AS_OF = 1000, OPT_LABEL, OPT_ID, OPT_POSITIVE, OPT_ALONE };
    static const struct option options[] = {{"leads", required_argument, NULL, 'l'},
                                            {"events", required_argument, NULL, 'e'},
                                            {"criteria", required_argument, NULL, 'c'},
                                            {"target", required_argument, NULL, 't'},
                                            {"positive", required_argument, NULL, OPT_POSITIVE},
                                            {"as-of", required_argument, NULL, OPT_AS_OF},
                                            {"label-date", required_argument, NULL, OPT_LABEL},
                                            {"id", required_argument, NULL, OPT_ID},
                                            {"feature", required_argument, NULL, 'f'},
                                            {"grid", required_argument, NULL, 'g'},
                                            {"alone", no_argument, NULL, OPT_ALONE},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    ls_decay_options o;
    ls_decay_options_init(&o);
    const char *leads = NULL, *events = NULL, *criteria = NULL;
    double *grid = NULL;
    int c, status = -1;
    opterr = 0;
    optind = 1;
    while (status < 0 && (c = getopt_long(argc, argv, ":l:e:c:t:f:g:h", options, NULL)) != -1) {
        switch (c) {
        case 'l':
            leads = optarg;
            break;
        case 'e':
            events = optarg;
            break;
        case 'c':
            criteria = optarg;
            break;
        case 't':
            o.target = optarg;
            break;
        case 'f':
            o.feature = optarg;
            break;
        case 'g':
            free(grid);
            grid = NULL;
            if (!parse_grid(optarg, &grid, &o.n_grid))
                status = LS_EXIT_USAGE;
            o.grid = grid;
            break;
        case OPT_POSITIVE:
            o.positive = optarg;
            break;
        case OPT_AS_OF:
            if (!parse_time("decay", "--as-of", optarg, &o.as_of))
                status = LS_EXIT_USAGE;
            break;
        case OPT_LABEL:
            o.label_date = optarg;
            break;
        case OPT_ID:
            o.id_column = optarg;
            break;
        case OPT_ALONE:
            o.others = 0;
            break;
        case 'h':
            fputs(decay_usage, stdout);
            status = LS_EXIT_OK;
            break;
        default:
            status = cli_getopt_error("decay", c, argv);
        }
    }
    if (status < 0 && optind < argc)
        status = cli_usage_error("decay", "unexpected argument '%s'", argv[optind]);
    if (status < 0 && (!leads || !events || !criteria || !o.target))
        status =
            cli_usage_error("decay", "--leads, --events, --criteria and --target are required");
    if (status >= 0) {
        free(grid);
        return status;
    }
    ls_error err;
    ls_error_clear(&err);
    ls_features *f = NULL;
    ls_decay_profile p;
    memset(&p, 0, sizeof p);
    if (ls_features_load(criteria, &f, &err) != LS_OK ||
        ls_decay_fit(f, leads, events, &o, &p, &err) != LS_OK) {
        status = cli_report(&err);
    } else {
        print_profile(&p);
        status = fflush(stdout) == 0 && !ferror(stdout) ? LS_EXIT_OK : LS_EXIT_FAIL;
        if (status != LS_EXIT_OK)
            cli_errorf("cannot write to standard output");
    }
    ls_decay_profile_release(&p);
    ls_features_free(f);
    free(grid);
    return status;
}

/* ---- synth-events ------------------------------------------------------------------------ */

static const char synth_usage[] =
    "usage: leadscore synth-events --leads N --out-leads LEADS.csv --out-events EVENTS.csv\n"
    "                              [--seed S] [--truth TRUTH.csv] [--spec SPEC.ini]\n"
    "                              [--half-life DAYS]\n"
    "\n"
    "Writes synthetic leads (lead_id,segment,label_date,converted) and their\n"
    "product-usage events from a known process: conversion depends on the decayed\n"
    "count of pricing_view events (true half-life 7 days), on sessions in the 30\n"
    "days before the label date and on the segment; leads also adopt features,\n"
    "open e-mails and, after their label date, keep using the product and buy\n"
    "(events that must never leak into training). The truth file holds the true\n"
    "weights and half-life; the spec declares the features. Same seed, same files.\n"
    "\n"
    "  -n, --leads N          number of leads (at least 1)\n"
    "  -s, --seed S           random seed (default 1)\n"
    "      --out-leads FILE   leads CSV\n"
    "      --out-events FILE  events CSV\n"
    "      --truth FILE       true weights (term,weight)\n"
    "      --spec FILE        criteria spec with the [feature] sections\n"
    "      --half-life DAYS   true half-life of pricing_view (default 7)\n"
    "  -h, --help             show this help\n";

int cmd_synth_events(int argc, char **argv)
{
    enum { OPT_LEADS_OUT = 1000, OPT_EVENTS_OUT, OPT_TRUTH, OPT_SPEC, OPT_HALF };
    static const struct option options[] = {{"leads", required_argument, NULL, 'n'},
                                            {"seed", required_argument, NULL, 's'},
                                            {"out-leads", required_argument, NULL, OPT_LEADS_OUT},
                                            {"out-events", required_argument, NULL, OPT_EVENTS_OUT},
                                            {"truth", required_argument, NULL, OPT_TRUTH},
                                            {"spec", required_argument, NULL, OPT_SPEC},
                                            {"half-life", required_argument, NULL, OPT_HALF},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    ls_events_synth_options o;
    ls_events_synth_options_init(&o);
    const char *paths[4] = {NULL, NULL, NULL, NULL};
    int c, have_leads = 0;
    size_t seed;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":n:s:h", options, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!cli_parse_size("synth-events", "--leads", optarg, &o.leads))
                return LS_EXIT_USAGE;
            have_leads = 1;
            break;
        case 's':
            if (!cli_parse_size("synth-events", "--seed", optarg, &seed))
                return LS_EXIT_USAGE;
            o.seed = seed;
            break;
        case OPT_LEADS_OUT:
        case OPT_EVENTS_OUT:
        case OPT_TRUTH:
        case OPT_SPEC:
            paths[c - OPT_LEADS_OUT] = optarg;
            break;
        case OPT_HALF:
            if (!cli_parse_double("synth-events", "--half-life", optarg, &o.half_life))
                return LS_EXIT_USAGE;
            break;
        case 'h':
            fputs(synth_usage, stdout);
            return LS_EXIT_OK;
        default:
            return cli_getopt_error("synth-events", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("synth-events", "unexpected argument '%s'", argv[optind]);
    if (!have_leads || !paths[0] || !paths[1])
        return cli_usage_error("synth-events",
                               "--leads, --out-leads and --out-events are required");
    if (o.leads < 1)
        return cli_usage_error("synth-events", "--leads must be at least 1");
    if (!(o.half_life > 0 && o.half_life <= 365))
        return cli_usage_error("synth-events", "--half-life must be in (0, 365] days");
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            if (paths[i] && paths[j] && strcmp(paths[i], paths[j]) == 0)
                return cli_usage_error("synth-events", "'%s' is given for two outputs", paths[i]);
    ls_error err;
    ls_error_clear(&err);
    if (ls_events_synth_write(&o, paths[0], paths[1], paths[2], paths[3], &err) != LS_OK)
        return cli_report(&err);
    return LS_EXIT_OK;
}
