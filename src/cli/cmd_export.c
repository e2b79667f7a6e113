/* leadscore export — a model as SQL, as a points table, or as JSON.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "leadscore/export.h"
#include "leadscore/model.h"
#include "leadscore/output.h"

#define MAX_IDS 32

static const char usage_text[] =
    "usage: leadscore export MODEL --format sql|points-csv|json [--table NAME]\n"
    "                        [--id COL]... [--out FILE]\n"
    "\n"
    "Writes MODEL (a model JSON or a points table) for other systems:\n"
    "  sql         one SELECT scoring every row of a table inside a database,\n"
    "              exactly as 'leadscore score' does: the ID column(s), score,\n"
    "              probability (learned models), tier and one \"points: COLUMN\"\n"
    "              column per criterion. The lead columns are read as text.\n"
    "  points-csv  the points table (criterion,condition,points,label), which\n"
    "              'score --model' reads back with the same scores and tiers\n"
    "  json        the model file\n"
    "\n"
    "  -f, --format FORMAT  sql, points-csv or json (required)\n"
    "  -t, --table NAME     the table holding the leads, for sql (default leads)\n"
    "  -i, --id COL         an ID column to select, for sql (repeat for several;\n"
    "                       default: the model's ID columns)\n"
    "  -o, --out FILE       where to write ('-' for standard output, the default)\n"
    "  -h, --help           show this help\n";

int cmd_export(int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'}, {"table", required_argument, NULL, 't'},
        {"id", required_argument, NULL, 'i'},     {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *format = NULL, *out = "-";
    const char *ids[MAX_IDS];
    size_t n_ids = 0;
    ls_sql_options sql;
    ls_sql_options_init(&sql);

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":f:t:i:o:h", options, NULL)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 't':
            if (!optarg[0])
                return cli_usage_error("export", "--table needs a name");
            sql.table = optarg;
            break;
        case 'i':
            if (n_ids == MAX_IDS)
                return cli_usage_error("export", "at most %d --id columns", MAX_IDS);
            ids[n_ids++] = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return LS_EXIT_OK;
        case ':':
            return cli_usage_error("export", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("export", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("export", "which model? (leadscore export MODEL --format ...)");
    if (optind + 1 < argc)
        return cli_usage_error("export", "unexpected argument '%s'", argv[optind + 1]);
    const char *path = argv[optind];
    if (!format)
        return cli_usage_error("export", "--format is required (sql, points-csv or json)");
    int is_sql = strcmp(format, "sql") == 0, is_table = strcmp(format, "points-csv") == 0,
        is_json = strcmp(format, "json") == 0;
    if (!is_sql && !is_table && !is_json)
        return cli_usage_error("export", "--format is sql, points-csv or json, not '%s'", format);
    if (!is_sql && (n_ids || strcmp(sql.table, "leads") != 0))
        return cli_usage_error("export", "--table and --id apply to --format sql only");
    if (ls_same_file(out, path))
        return cli_usage_error("export", "--out '%s' is the model; refusing to overwrite it", out);
    if (n_ids) {
        sql.id_columns = ids;
        sql.n_id_columns = n_ids;
    }

    ls_error err;
    ls_error_clear(&err);
    ls_model *model = NULL;
    ls_output *output = NULL;
    char *json = NULL;
    ls_status st = ls_model_load(path, &model, &err);
    if (st == LS_OK)
        st = ls_output_open(out, &output, &err);
    if (st == LS_OK) {
        FILE *fp = ls_output_stream(output);
        if (is_sql) {
            st = ls_export_sql(model, &sql, fp, &err);
        } else if (is_table) {
            st = ls_export_points_table(model, fp, &err);
        } else {
            st = ls_model_to_json(model, &json, &err);
            if (st == LS_OK && (fputs(json, fp) == EOF || fputc('\n', fp) == EOF)) {
                err.code = st = LS_ERR_IO;
                snprintf(err.message, sizeof err.message, "cannot write '%s'", out);
            }
        }
    }
    if (st == LS_OK) {
        st = ls_output_commit(output, &err);
        output = NULL;
    }
    ls_output_abort(output);
    free(json);
    ls_model_free(model);
    return st == LS_OK ? LS_EXIT_OK : cli_report(&err);
}
