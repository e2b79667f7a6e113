/* leadscore score — batch scoring of a lead file with a learned or
 * hand-written points model.
 *
 * The work is the library's ls_score_csv (parts of the file scored on every
 * core, written in order, memory flat at any size); this file reads the
 * options, picks the ID columns and reports. The output file appears only
 * when every row was scored (or skipped with --on-error skip): on any error
 * it is never created and a file already under that name is left as it was.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "leadscore/csv.h"
#include "leadscore/model.h"
#include "leadscore/output.h"
#include "leadscore/score_csv.h"
#include "leadscore/scorer.h"

#define MAX_IDS 32
#define MAX_MISSING 64

static const char usage_text[] =
    "usage: leadscore score --model MODEL --data FILE [--out FILE] [--id COL]...\n"
    "                       [--reasons K] [--on-error stop|skip] [--separator C]\n"
    "                       [--missing TOKENS]\n"
    "\n"
    "Scores every lead in FILE with MODEL (a model JSON from 'train' or a\n"
    "hand-written points table) and writes CSV: the ID column(s), score (integer\n"
    "points), probability (learned models and integer cards; empty for hand-written\n"
    "points), tier and reasons, the criteria that gave the most points, e.g.\n"
    "'Signed up for free trial +20; Visited pricing page +15'.\n"
    "\n"
    "  -m, --model MODEL      model JSON or points table CSV\n"
    "  -d, --data FILE        leads CSV ('-' for standard input)\n"
    "  -o, --out FILE         scored CSV ('-' for standard output, the default)\n"
    "  -i, --id COL           an ID column to copy (repeat for several); default:\n"
    "                         the model's ID columns found in the data, else the\n"
    "                         first column named like an ID ('Prospect ID',\n"
    "                         'lead_id', 'leadId'), else the input line number\n"
    "                         as 'line'\n"
    "  -k, --reasons K        reasons per lead, 0..16 (default 3)\n"
    "      --on-error MODE    stop (default): a row that cannot be scored (text in\n"
    "                         a numeric criterion...) stops the run with exit 1 and\n"
    "                         no output file; skip: leave such rows out, count them\n"
    "                         and report the first on standard error\n"
    "      --separator C      input separator (default: detected among , ; tab |)\n"
    "      --missing TOKENS   comma-separated values that mean missing, replacing\n"
    "                         the model's (the empty value always does)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Values the model has not seen are scored as the model says (reference or\n"
    "'other') and counted in one line on standard error. A hand-written rule that\n"
    "matched none of 100 or more leads is named in a warning (a typo such as 'yse'\n"
    "would otherwise score 0 in silence). The file is scored in parts on every\n"
    "core (LEADSCORE_THREADS=N to use N threads); the output does not depend on\n"
    "it. Exit status: 0 when the output was written, 1 on an error, 2 on a usage\n"
    "error.\n";

/* ---- options --------------------------------------------------------------- */

typedef struct {
    const char *model, *data, *out;
    const char *ids[MAX_IDS];
    size_t n_ids;
    size_t reasons;
    int skip;
    char separator;
    char *missing; /* copy of --missing, split in place */
    const char *tokens[MAX_MISSING];
    size_t n_tokens;
    int have_missing;
} score_options;

static int parse_separator(const char *s, char *out)
{
    if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0) {
        *out = '\t';
        return 1;
    }
    if (strlen(s) != 1 || s[0] == '"' || s[0] == '\n' || s[0] == '\r')
        return 0;
    *out = s[0];
    return 1;
}

static int split_tokens(score_options *o, const char *text)
{
    o->missing = strdup(text);
    if (!o->missing)
        return 0;
    o->have_missing = 1;
    for (char *p = o->missing; p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p) {
            if (o->n_tokens == MAX_MISSING)
                return 0;
            o->tokens[o->n_tokens++] = p;
        }
        p = comma ? comma + 1 : NULL;
    }
    return 1;
}

static int parse_options(int argc, char **argv, score_options *o)
{
    static const struct option options[] = {
        {"model", required_argument, NULL, 'm'},
        {"data", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"id", required_argument, NULL, 'i'},
        {"reasons", required_argument, NULL, 'k'},
        {"on-error", required_argument, NULL, 'E'},
        {"separator", required_argument, NULL, 'S'},
        {"missing", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    o->out = "-";
    o->reasons = 3;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":m:d:o:i:k:h", options, NULL)) != -1) {
        switch (c) {
        case 'm':
            o->model = optarg;
            break;
        case 'd':
            o->data = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'i':
            if (o->n_ids == MAX_IDS)
                return cli_usage_error("score", "at most %d --id columns", MAX_IDS);
            o->ids[o->n_ids++] = optarg;
            break;
        case 'k':
            if (!cli_parse_size("score", "--reasons", optarg, &o->reasons))
                return LS_EXIT_USAGE;
            if (o->reasons > LS_MAX_REASONS)
                return cli_usage_error("score", "--reasons is at most %d", LS_MAX_REASONS);
            break;
        case 'E':
            if (strcmp(optarg, "stop") != 0 && strcmp(optarg, "skip") != 0)
                return cli_usage_error("score", "--on-error is 'stop' or 'skip', not '%s'", optarg);
            o->skip = strcmp(optarg, "skip") == 0;
            break;
        case 'S':
            if (!parse_separator(optarg, &o->separator))
                return cli_usage_error("score",
                                       "--separator expects one character or 'tab', "
                                       "not '%s'",
                                       optarg);
            break;
        case 'M':
            free(o->missing);
            o->missing = NULL;
            o->n_tokens = 0;
            if (!split_tokens(o, optarg))
                return cli_usage_error("score", "--missing takes at most %d tokens", MAX_MISSING);
            break;
        case 'h':
            fputs(usage_text, stdout);
            return -1;
        case ':':
            return cli_usage_error("score", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("score", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("score", "unexpected argument '%s'", argv[optind]);
    if (!o->model)
        return cli_usage_error("score", "--model is required");
    if (!o->data)
        return cli_usage_error("score", "--data is required");
    if (ls_same_file(o->out, o->data))
        return cli_usage_error("score", "--out '%s' is the input data; refusing to overwrite it",
                               o->out);
    if (ls_same_file(o->out, o->model))
        return cli_usage_error("score", "--out '%s' is the model; refusing to overwrite it",
                               o->out);
    return 0;
}

/* ---- the run --------------------------------------------------------------- */

int cmd_score(int argc, char **argv)
{
    score_options o = {0};
    int rc = parse_options(argc, argv, &o);
    if (rc != 0) {
        free(o.missing);
        return rc < 0 ? LS_EXIT_OK : rc;
    }

    ls_error err;
    ls_error_clear(&err);
    ls_model *model = NULL;
    ls_csv_reader *reader = NULL;
    ls_scorer *scorer = NULL;
    ls_output *output = NULL;
    const char **columns = NULL;
    size_t ids[MAX_IDS];
    size_t n_ids = 0;
    rc = LS_EXIT_FAIL;

    if (ls_model_load(o.model, &model, &err) != LS_OK)
        goto report;
    ls_csv_options copts;
    ls_csv_options_init(&copts);
    copts.separator = o.separator;
    if (ls_csv_open(o.data, &copts, &reader, &err) != LS_OK)
        goto report;
    size_t n_cols = ls_csv_columns(reader);
    columns = calloc(n_cols ? n_cols : 1, sizeof *columns);
    if (!columns) {
        cli_errorf("out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_cols; i++)
        columns[i] = ls_csv_column_name(reader, i);
    if (ls_scorer_new(model, columns, n_cols, &scorer, &err) != LS_OK) {
        snprintf(err.file, sizeof err.file, "%s", ls_csv_name(reader));
        goto report;
    }
    ls_scorer_set_max_reasons(scorer, o.reasons);
    if (o.have_missing && ls_scorer_set_missing_tokens(scorer, o.tokens, o.n_tokens, &err) != LS_OK)
        goto report;
    if (o.n_ids) {
        for (size_t i = 0; i < o.n_ids; i++) {
            ids[i] = ls_csv_find_column(reader, o.ids[i]);
            if (ids[i] == (size_t)-1) {
                cli_errorf("%s: the data has no column '%s' (--id)", ls_csv_name(reader), o.ids[i]);
                goto done;
            }
        }
        n_ids = o.n_ids;
    } else {
        n_ids = ls_scorer_id_columns(model, columns, n_cols, ids, MAX_IDS);
    }

    if (ls_output_open(o.out, &output, &err) != LS_OK)
        goto report;
    ls_score_csv_options sopts;
    ls_score_csv_options_init(&sopts);
    sopts.id_columns = ids;
    sopts.n_id_columns = n_ids;
    sopts.skip_bad_rows = o.skip;
    ls_score_csv_stats stats;
    if (ls_score_csv(reader, scorer, ls_output_stream(output), &sopts, &stats, &err) != LS_OK) {
        if (!stats.write_failed)
            goto report;
        cli_errorf("cannot write '%s'", o.out);
        goto done;
    }

    size_t n_unseen_cols = 0;
    size_t unseen = ls_scorer_unseen_count(scorer, &n_unseen_cols);
    if (unseen) {
        char summary[2048];
        ls_scorer_unseen_summary(scorer, summary, sizeof summary);
        cli_errorf("note: values with no level or rule of their own in the model, scored as "
                   "its reference or other level: %s",
                   summary);
    }
    /* A small batch may rightly miss a rule; from 100 leads on, a rule that
     * never fires is more likely a typo than a rare lead. */
    size_t unmatched = ls_scorer_rows(scorer) >= 100 ? ls_scorer_unmatched_count(scorer) : 0;
    if (unmatched) {
        char summary[2048];
        ls_scorer_unmatched_summary(scorer, summary, sizeof summary);
        cli_errorf("warning: %zu rule%s matched none of the %zu leads (a typo, or a value "
                   "spelt differently in the data?): %s",
                   unmatched, unmatched == 1 ? "" : "s", ls_scorer_rows(scorer), summary);
    }
    if (stats.skipped) {
        char where[LS_ERROR_MESSAGE_MAX + 2 * LS_ERROR_FILE_MAX + 64];
        cli_errorf("skipped %zu row%s that could not be scored (of %zu); first: %s", stats.skipped,
                   stats.skipped == 1 ? "" : "s", stats.rows + stats.skipped,
                   ls_error_format(&stats.first_skip, where, sizeof where));
    }
    ls_status st = ls_output_commit(output, &err);
    output = NULL;
    if (st != LS_OK)
        goto report;
    rc = LS_EXIT_OK;
    goto done;

report:
    rc = cli_report(&err);
done:
    ls_output_abort(output);
    ls_scorer_free(scorer);
    ls_csv_free(reader);
    ls_model_free(model);
    free(columns);
    free(o.missing);
    return rc;
}
