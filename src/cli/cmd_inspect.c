/* leadscore inspect — profile a lead export against its outcome column.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "leadscore/inspect.h"
#include "leadscore/output.h"
#include "leadscore/table.h"

#define CMD "inspect"

static const char usage_text[] =
    "usage: leadscore inspect FILE --target COL [options]\n"
    "\n"
    "Profiles every column of FILE (\"-\" reads standard input) against the target:\n"
    "type, missing and distinct counts, conversion per level or quartile band with a\n"
    "95% Wilson interval, information value (IV), and warnings for likely leakage\n"
    "(IV > 0.5, or a level converting 0% or 100% over 30+ rows), constant and\n"
    "ID-like columns, and text columns whose values are nearly all numbers.\n"
    "\n"
    "  -t, --target COL        the outcome column (required)\n"
    "  -p, --positive VALUE    the target value that means converted (default: the true\n"
    "                          value of a boolean column, e.g. TRUE, Yes or 1)\n"
    "  -m, --missing TOKENS    comma-separated values that also mean missing, e.g.\n"
    "                          Select,NA,unknown (an empty field is always missing)\n"
    "  -s, --separator C       field separator: ',' ';' '|' or 'tab' (default: detected)\n"
    "  -T, --type COL=TYPE     set a column's type: numeric, boolean, categorical, id\n"
    "                          or ignore (repeatable)\n"
    "  -f, --format FMT        table (default), csv or json\n"
    "  -n, --top N             levels listed per column in the table (default 10, 0 = all)\n"
    "  -o, --out FILE          write to FILE (replaced only when complete) instead of\n"
    "                          standard output (--output is the same)\n"
    "  -h, --help              show this help\n"
    "\n"
    "Quartiles are R type 7 (pandas' default). Numeric bands are [min, q1], (q1, median],\n"
    "(median, q3], (q3, max], empty bands dropped; missing values are a bin of their own.\n"
    "IV adds 0.5 to both counts of a bin with no positives or no negatives. Every row must\n"
    "have the positive or the negative target value: a missing or third value is an error.\n";

typedef struct {
    const char *file, *output;
    ls_table_options table;
    ls_inspect_options inspect;
    ls_inspect_format format;
    /* owned lists behind table.missing_tokens and table.type_names/types */
    char *missing_buf;
    const char **missing;
    size_t n_missing;
    const char **type_names;
    ls_column_type *types;
    size_t n_types;
} inspect_args;

static void args_release(inspect_args *a)
{
    free(a->missing_buf);
    free(a->missing);
    free(a->type_names);
    free(a->types);
}

/* Splits the comma-separated TOKENS into the missing list (after ""). The
 * buffer grows with each --missing, so earlier tokens are re-pointed. */
static int add_missing(inspect_args *a, const char *tokens)
{
    size_t old_len = a->missing_buf ? strlen(a->missing_buf) : 0, add = strlen(tokens);
    char *buf = malloc(old_len + add + 2);
    if (!buf)
        return 0;
    snprintf(buf, old_len + add + 2, "%s%s%s", old_len ? a->missing_buf : "", old_len ? "," : "",
             tokens);
    free(a->missing_buf);
    a->missing_buf = buf;
    size_t n = 2;
    for (const char *q = buf; *q; q++)
        n += *q == ',';
    const char **list = realloc(a->missing, n * sizeof *list);
    if (!list)
        return 0;
    a->missing = list;
    a->n_missing = 0;
    list[a->n_missing++] = "";
    for (char *tok = buf;;) {
        char *comma = strchr(tok, ',');
        if (comma)
            *comma = '\0';
        if (*tok)
            list[a->n_missing++] = tok;
        if (!comma)
            break;
        tok = comma + 1;
    }
    return 1;
}

/* COL=TYPE; the column name may itself contain '=', so split at the last. */
static int add_type(inspect_args *a, char *spec)
{
    char *eq = strrchr(spec, '=');
    ls_column_type type;
    if (!eq || eq == spec) {
        cli_usage_error(CMD, "--type expects COL=TYPE, not '%s'", spec);
        return 0;
    }
    if (!ls_column_type_parse(eq + 1, &type) || type == LS_TYPE_AUTO) {
        cli_usage_error(CMD, "unknown type '%s' (numeric, boolean, categorical, id, ignore)",
                        eq + 1);
        return 0;
    }
    const char **names = realloc(a->type_names, (a->n_types + 1) * sizeof *names);
    if (names)
        a->type_names = names;
    ls_column_type *types = realloc(a->types, (a->n_types + 1) * sizeof *types);
    if (types)
        a->types = types;
    if (!names || !types) {
        cli_errorf("out of memory");
        return 0;
    }
    *eq = '\0';
    a->type_names[a->n_types] = spec;
    a->types[a->n_types++] = type;
    return 1;
}

static int parse_separator(const char *text, char *out)
{
    if (strcmp(text, "tab") == 0 || strcmp(text, "\\t") == 0 || strcmp(text, "\t") == 0) {
        *out = '\t';
        return 1;
    }
    if (strlen(text) != 1 || text[0] == '"' || text[0] == '\n' || text[0] == '\r') {
        cli_usage_error(CMD, "--separator expects one character or 'tab', not '%s'", text);
        return 0;
    }
    *out = text[0];
    return 1;
}

static const struct option long_options[] = {
    {"target", required_argument, NULL, 't'},  {"positive", required_argument, NULL, 'p'},
    {"missing", required_argument, NULL, 'm'}, {"separator", required_argument, NULL, 's'},
    {"type", required_argument, NULL, 'T'},    {"format", required_argument, NULL, 'f'},
    {"top", required_argument, NULL, 'n'},     {"output", required_argument, NULL, 'o'},
    {"out", required_argument, NULL, 'o'}, /* the spelling every other command uses */
    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
};

/* One option; returns 1 to go on, 0 on a usage error (already printed). */
static int apply_option(inspect_args *a, int c, char *arg)
{
    switch (c) {
    case 't':
        a->inspect.target = arg;
        return 1;
    case 'p':
        a->inspect.positive = arg;
        return 1;
    case 'm':
        if (add_missing(a, arg))
            return 1;
        cli_errorf("out of memory");
        return 0;
    case 's':
        return parse_separator(arg, &a->table.csv.separator);
    case 'T':
        return add_type(a, arg);
    case 'f':
        if (ls_inspect_format_parse(arg, &a->format))
            return 1;
        cli_usage_error(CMD, "unknown format '%s' (table, csv or json)", arg);
        return 0;
    case 'n':
        return cli_parse_size(CMD, "--top", arg, &a->inspect.top_levels);
    case 'o':
        a->output = arg;
        return 1;
    default:
        return 0;
    }
}

/* Returns -1 to proceed, or the exit status. */
static int parse_args(inspect_args *a, int argc, char **argv)
{
    opterr = 0; /* our own messages, in our own format */
    optind = 1;
    int c;
    /* The leading ':' makes getopt tell a missing value (':') from an unknown option ('?'). */
    while ((c = getopt_long(argc, argv, ":t:p:m:s:T:f:n:o:h", long_options, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage_text, stdout);
            return LS_EXIT_OK;
        }
        if (c == ':')
            return cli_usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
        if (c == '?')
            return optopt ? cli_usage_error(CMD, "unknown option '-%c'", optopt)
                          : cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
        if (!apply_option(a, c, optarg))
            return LS_EXIT_USAGE;
    }
    if (optind != argc - 1)
        return cli_usage_error(CMD, optind == argc ? "no input FILE given"
                                                   : "expected one input FILE, got several");
    a->file = argv[optind];
    if (!a->inspect.target)
        return cli_usage_error(CMD, "--target COL is required");
    return -1;
}

static void wire_options(inspect_args *a)
{
    if (!a->missing)
        add_missing(a, ""); /* just "" */
    a->table.missing_tokens = a->missing;
    a->table.n_missing_tokens = a->n_missing;
    a->table.type_names = a->type_names;
    a->table.types = a->types;
    a->table.n_types = a->n_types;
}

static int write_profile(const inspect_args *a, const ls_inspect_profile *profile)
{
    ls_error err;
    ls_error_clear(&err);
    if (strcmp(a->output, "-") != 0 && strcmp(a->file, "-") != 0 &&
        ls_same_file(a->output, a->file)) {
        cli_errorf("refusing to overwrite the input '%s'", a->file);
        return LS_EXIT_FAIL;
    }
    ls_output *out = NULL;
    if (ls_output_open(a->output, &out, &err) != LS_OK)
        return cli_report(&err);
    if (ls_inspect_write(profile, a->format, ls_output_stream(out), &err) != LS_OK) {
        ls_output_abort(out);
        return cli_report(&err);
    }
    if (ls_output_commit(out, &err) != LS_OK)
        return cli_report(&err);
    return LS_EXIT_OK;
}

int cmd_inspect(int argc, char **argv)
{
    inspect_args a = {.output = "-", .format = LS_INSPECT_FORMAT_TABLE};
    ls_table_options_init(&a.table);
    ls_inspect_options_init(&a.inspect);
    ls_table *table = NULL;
    ls_inspect_profile *profile = NULL;
    ls_error err;
    ls_error_clear(&err);
    int status = parse_args(&a, argc, argv);
    if (status >= 0)
        goto done;
    wire_options(&a);
    if (!a.missing) {
        cli_errorf("out of memory");
        status = LS_EXIT_FAIL;
        goto done;
    }
    if (ls_table_load(a.file, &a.table, &table, &err) != LS_OK ||
        ls_inspect_table(table, &a.inspect, &profile, &err) != LS_OK) {
        status = cli_report(&err);
        goto done;
    }
    status = write_profile(&a, profile);
done:
    ls_inspect_free(profile);
    ls_table_free(table);
    args_release(&a);
    return status;
}
