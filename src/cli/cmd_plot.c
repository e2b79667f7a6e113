/* leadscore plot — draw a model's charts with gnuplot.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "leadscore/model.h"
#include "leadscore/output.h"
#include "leadscore/plot.h"
#include "leadscore/table.h"

static const char usage_text[] =
    "usage: leadscore plot MODEL [--data FILE] --kind KIND --out FILE.png|.svg|.pdf\n"
    "       leadscore plot MODEL [--data FILE] --kind all --out-dir DIR [--format png|svg|pdf]\n"
    "       leadscore plot MODEL [--data FILE] --kind KIND --terminal\n"
    "\n"
    "Draws a chart of a model with gnuplot (apt-get install gnuplot-nox).\n"
    "\n"
    "kinds:\n"
    "  importance    points per criterion level, 95% intervals, significant ones in colour\n"
    "  roc           ROC curve of the points with the AUC (data and --holdout-data)\n"
    "  calibration   predicted vs observed conversion per decile, with the diagonal\n"
    "  gains         share of conversions captured by the best-scored leads\n"
    "  lift          conversion rate per score decile over the average\n"
    "  distribution  score histograms of converted and not converted leads\n"
    "  bands         weight of evidence and conversion rate per band of a criterion\n"
    "  psi           score distribution of --data against --baseline-data\n"
    "  all           every kind the inputs allow, one file each (with --out-dir)\n"
    "\n"
    "options:\n"
    "  --data FILE            leads with the model's columns (and target, for outcomes)\n"
    "  --holdout-data FILE    held-out leads: drawn beside --data in roc, calibration,\n"
    "                         gains and lift\n"
    "  --holdout F            hold out a share F of --data as refine does (stratified,\n"
    "                         from --seed): training and holdout drawn side by side\n"
    "  --seed N               seed of the --holdout split (default 1, as refine's)\n"
    "  --target COL           outcome column (default: the model's target)\n"
    "  --positive VALUE       value of COL meaning converted (default: the model's, or\n"
    "                         yes/true/1)\n"
    "  --baseline-data FILE   reference population for psi\n"
    "  --kind KIND            the chart (default importance)\n"
    "  --out FILE             image to write (format from the extension), atomically\n"
    "  --out-dir DIR          write KIND.FORMAT files into DIR (bands: bands-COLUMN.FORMAT)\n"
    "  --format FMT           png (default), svg or pdf, for --out-dir\n"
    "  --terminal             draw as text on standard output (gnuplot's dumb terminal)\n"
    "  --keep-script          also write OUT.gp and OUT.dat beside each image, to restyle\n"
    "  --standardised         importance: estimate x SD of the term's column (needs --data)\n"
    "  --criterion COL        bands: the criterion (default: the first banded one)\n"
    "  --size WxH             picture size in pixels (characters with --terminal)\n"
    "  -h, --help             show this help\n";

enum {
    OPT_DATA = 1000,
    OPT_HOLDOUT,
    OPT_HOLDOUT_SHARE,
    OPT_SEED,
    OPT_TARGET,
    OPT_POSITIVE,
    OPT_BASELINE,
    OPT_KIND,
    OPT_OUT,
    OPT_OUT_DIR,
    OPT_FORMAT,
    OPT_TERMINAL,
    OPT_KEEP,
    OPT_STANDARDISED,
    OPT_CRITERION,
    OPT_SIZE
};

static const struct option long_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"holdout-data", required_argument, NULL, OPT_HOLDOUT},
    {"holdout", required_argument, NULL, OPT_HOLDOUT_SHARE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"target", required_argument, NULL, OPT_TARGET},
    {"positive", required_argument, NULL, OPT_POSITIVE},
    {"baseline-data", required_argument, NULL, OPT_BASELINE},
    {"kind", required_argument, NULL, OPT_KIND},
    {"out", required_argument, NULL, OPT_OUT},
    {"out-dir", required_argument, NULL, OPT_OUT_DIR},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"terminal", no_argument, NULL, OPT_TERMINAL},
    {"keep-script", no_argument, NULL, OPT_KEEP},
    {"standardised", no_argument, NULL, OPT_STANDARDISED},
    {"standardized", no_argument, NULL, OPT_STANDARDISED},
    {"criterion", required_argument, NULL, OPT_CRITERION},
    {"size", required_argument, NULL, OPT_SIZE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

typedef struct {
    const char *model, *data, *holdout, *baseline, *out, *out_dir, *target, *positive;
    int all, terminal, keep;
    double holdout_share; /* 0: no split */
    size_t seed;
    ls_plot_kind kind;
    ls_plot_options plot;
} plot_args;

/* The three data sets, loaded and scored. */
typedef struct {
    ls_table *tables[3];
    ls_plot_data *sets[3];
    ls_plot_inputs in;
} loaded;

static int parse_size(const char *text, unsigned *w, unsigned *h)
{
    char *end = NULL;
    unsigned long a = strtoul(text, &end, 10);
    if (end == text || (*end != 'x' && *end != 'X'))
        return 0;
    const char *rest = end + 1;
    unsigned long b = strtoul(rest, &end, 10);
    if (end == rest || *end || a < 10 || b < 10 || a > 20000 || b > 20000)
        return 0;
    *w = (unsigned)a;
    *h = (unsigned)b;
    return 1;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, plot_args *a)
{
    int c;
    opterr = 0;
    optind = 1;
    const char *format = NULL;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_DATA:
            a->data = optarg;
            break;
        case OPT_HOLDOUT:
            a->holdout = optarg;
            break;
        case OPT_HOLDOUT_SHARE:
            if (!cli_parse_double("plot", "--holdout", optarg, &a->holdout_share))
                return LS_EXIT_USAGE;
            if (!(a->holdout_share > 0 && a->holdout_share < 1))
                return cli_usage_error("plot", "--holdout must be between 0 and 1, not '%s'",
                                       optarg);
            break;
        case OPT_TARGET:
            a->target = optarg;
            break;
        case OPT_POSITIVE:
            a->positive = optarg;
            break;
        case OPT_SEED:
            if (!cli_parse_size("plot", "--seed", optarg, &a->seed))
                return LS_EXIT_USAGE;
            break;
        case OPT_BASELINE:
            a->baseline = optarg;
            break;
        case OPT_OUT:
            a->out = optarg;
            break;
        case OPT_OUT_DIR:
            a->out_dir = optarg;
            break;
        case OPT_FORMAT:
            format = optarg;
            break;
        case OPT_TERMINAL:
            a->terminal = 1;
            break;
        case OPT_KEEP:
            a->keep = 1;
            break;
        case OPT_STANDARDISED:
            a->plot.standardised = 1;
            break;
        case OPT_CRITERION:
            a->plot.criterion = optarg;
            break;
        case OPT_KIND:
            a->all = strcmp(optarg, "all") == 0;
            if (!a->all && !ls_plot_kind_parse(optarg, &a->kind))
                return cli_usage_error("plot",
                                       "unknown kind '%s' (importance, roc, calibration, gains, "
                                       "lift, distribution, bands, psi, all)",
                                       optarg);
            break;
        case OPT_SIZE:
            if (!parse_size(optarg, &a->plot.width, &a->plot.height))
                return cli_usage_error("plot", "--size expects WxH (10 to 20000 each), not '%s'",
                                       optarg);
            break;
        case 'h':
            fputs(usage_text, stdout);
            return LS_EXIT_OK;
        case ':':
            return cli_usage_error("plot", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("plot", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("plot", "which model? give the model file");
    if (argc - optind > 1)
        return cli_usage_error("plot", "one model at a time; unexpected '%s'", argv[optind + 1]);
    a->model = argv[optind];
    int outputs = (a->out != NULL) + (a->out_dir != NULL) + a->terminal;
    if (outputs == 0)
        return cli_usage_error("plot", "where to? give --out FILE, --out-dir DIR or --terminal");
    if (outputs > 1)
        return cli_usage_error("plot", "give one of --out, --out-dir and --terminal");
    if (a->all && a->out)
        return cli_usage_error("plot", "--kind all writes several files: give --out-dir DIR");
    if (a->keep && a->terminal)
        return cli_usage_error("plot", "--keep-script needs a file: give --out or --out-dir");
    if (a->out && !ls_plot_format_from_path(a->out, &a->plot.format))
        return cli_usage_error("plot", "--out must end in .png, .svg or .pdf, not '%s'", a->out);
    if (format) {
        if (!a->out_dir)
            return cli_usage_error("plot", "--format goes with --out-dir (--out takes the "
                                           "format from its extension)");
        if (strcmp(format, "png") == 0)
            a->plot.format = LS_PLOT_PNG;
        else if (strcmp(format, "svg") == 0)
            a->plot.format = LS_PLOT_SVG;
        else if (strcmp(format, "pdf") == 0)
            a->plot.format = LS_PLOT_PDF;
        else
            return cli_usage_error("plot", "unknown format '%s' (png, svg, pdf)", format);
    }
    if (a->terminal)
        a->plot.format = LS_PLOT_DUMB;
    if (a->plot.standardised && !a->data)
        return cli_usage_error("plot", "--standardised needs --data (each term's SD)");
    if ((a->holdout || a->baseline || a->holdout_share > 0) && !a->data)
        return cli_usage_error("plot", "--holdout, --holdout-data and --baseline-data go with "
                                       "--data");
    if (a->holdout && a->holdout_share > 0)
        return cli_usage_error("plot", "give --holdout or --holdout-data, not both");
    return -1;
}

static ls_status out_of_memory(ls_error *err)
{
    err->code = LS_ERR_NOMEM;
    snprintf(err->message, sizeof err->message, "out of memory");
    return LS_ERR_NOMEM;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static ls_status load_all(const ls_model *model, const plot_args *a, loaded *l, ls_error *err)
{
    const char *const paths[3] = {a->data, a->holdout, a->baseline};
    ls_table_options topts;
    ls_table_options_init(&topts);
    for (size_t i = 0; i < 3; i++) {
        if (!paths[i])
            continue;
        ls_status st = ls_table_load(paths[i], &topts, &l->tables[i], err);
        if (st == LS_OK)
            st = ls_plot_data_new(model, l->tables[i], base_name(paths[i]),
                                  i == 2 ? NULL : a->target, a->positive, &l->sets[i], err);
        if (st != LS_OK)
            return st;
    }
    if (a->holdout_share > 0) {
        ls_plot_data *train = NULL, *holdout = NULL;
        ls_status st = ls_plot_data_split_holdout(l->sets[0], a->holdout_share, a->seed, &train,
                                                  &holdout, err);
        if (st != LS_OK)
            return st;
        ls_plot_data_free(l->sets[0]);
        l->sets[0] = train;
        l->sets[1] = holdout;
    }
    l->in.data = l->sets[0];
    l->in.holdout = l->sets[1];
    l->in.baseline = l->sets[2];
    return LS_OK;
}

static void release_all(loaded *l)
{
    for (size_t i = 0; i < 3; i++) {
        ls_plot_data_free(l->sets[i]);
        ls_table_free(l->tables[i]);
    }
}

/* "path/name.png" -> "path/name" + ext, malloc'd. */
static char *sibling(const char *path, const char *ext)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - path) : strlen(path);
    char *s = malloc(stem + strlen(ext) + 1);
    if (s) {
        memcpy(s, path, stem);
        strcpy(s + stem, ext);
    }
    return s;
}

/* One chart to one file (or the terminal). */
static ls_status draw(const ls_model *model, ls_plot_kind kind, const plot_args *a,
                      const ls_plot_options *o, const loaded *l, const char *path, ls_error *err)
{
    if (a->terminal)
        return ls_plot_print(model, kind, &l->in, o, stdout, err);
    char *gp = NULL, *dat = NULL;
    if (a->keep && (!(gp = sibling(path, ".gp")) || !(dat = sibling(path, ".dat")))) {
        free(gp);
        return out_of_memory(err);
    }
    ls_status st = ls_plot_write(model, kind, &l->in, o, path, gp, dat, err);
    if (st == LS_OK && a->keep)
        fprintf(stderr, "leadscore: wrote %s, %s and %s\n", path, gp, dat);
    free(gp);
    free(dat);
    return st;
}

static char *dir_file(const char *dir, const char *stem, const char *suffix, const char *ext)
{
    size_t n = strlen(dir) + strlen(stem) + strlen(suffix) + strlen(ext) + 4;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s%s.%s", dir, stem, suffix, ext);
    return s;
}

/* "Time on Website" -> "-time-on-website" */
static void slug(const char *name, char *out, size_t size)
{
    size_t n = 0;
    int dash = 1;
    if (size < 2)
        return;
    out[n++] = '-';
    for (const char *p = name; *p && n + 1 < size; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c)) {
            out[n++] = (char)tolower(c);
            dash = 0;
        } else if (!dash) {
            out[n++] = '-';
            dash = 1;
        }
    }
    while (n > 1 && out[n - 1] == '-')
        n--;
    out[n] = '\0';
}

static int draw_all(const ls_model *model, const plot_args *a, const loaded *l, ls_error *err)
{
    const char *ext = ls_plot_format_name(a->plot.format);
    int drawn = 0;
    for (int k = 0; k < LS_PLOT_KIND_COUNT; k++) {
        ls_plot_kind kind = (ls_plot_kind)k;
        char why[200];
        if (!ls_plot_available(model, kind, &l->in, &a->plot, why, sizeof why)) {
            fprintf(stderr, "leadscore: note: no %s chart: %s\n", ls_plot_kind_name(kind), why);
            continue;
        }
        if (kind == LS_PLOT_BANDS && !a->plot.criterion) {
            /* one chart per banded criterion */
            const char *cols[64];
            size_t nb = ls_plot_banded_criteria(model, cols, 64);
            for (size_t i = 0; i < nb && i < 64; i++) {
                ls_plot_options o = a->plot;
                o.criterion = cols[i];
                char suffix[80];
                slug(cols[i], suffix, sizeof suffix);
                char *path = a->terminal ? NULL : dir_file(a->out_dir, "bands", suffix, ext);
                ls_status st = a->terminal || path ? draw(model, kind, a, &o, l, path, err)
                                                   : out_of_memory(err);
                free(path);
                if (st != LS_OK)
                    return cli_report(err);
                drawn++;
            }
            continue;
        }
        char *path = a->terminal ? NULL : dir_file(a->out_dir, ls_plot_kind_name(kind), "", ext);
        ls_status st = draw(model, kind, a, &a->plot, l, path, err);
        free(path);
        if (st != LS_OK)
            return cli_report(err);
        drawn++;
    }
    if (!a->terminal)
        fprintf(stderr, "leadscore: wrote %d chart%s to %s\n", drawn, drawn == 1 ? "" : "s",
                a->out_dir);
    return LS_EXIT_OK;
}

static int run(plot_args *a)
{
    ls_error err;
    ls_error_clear(&err);
    ls_model *model = NULL;
    loaded l;
    memset(&l, 0, sizeof l);
    int status = LS_EXIT_FAIL;
    const char *paths[3] = {a->data, a->holdout, a->baseline};
    for (size_t i = 0; i < 3; i++)
        if (paths[i] && a->out && ls_same_file(paths[i], a->out)) {
            cli_errorf("%s: refusing to overwrite an input with the chart", a->out);
            return LS_EXIT_USAGE;
        }
    if (ls_model_load(a->model, &model, &err) != LS_OK || load_all(model, a, &l, &err) != LS_OK)
        goto fail;
    if (a->out_dir && mkdir(a->out_dir, 0777) != 0 && errno != EEXIST) {
        cli_errorf("%s: cannot create the directory: %s", a->out_dir, strerror(errno));
        goto done;
    }
    if (a->all || a->out_dir) {
        if (!a->all) {
            /* a single kind into a directory */
            char why[200];
            if (!ls_plot_available(model, a->kind, &l.in, &a->plot, why, sizeof why)) {
                status =
                    cli_usage_error("plot", "no %s chart: %s", ls_plot_kind_name(a->kind), why);
                goto done;
            }
            char *path = dir_file(a->out_dir, ls_plot_kind_name(a->kind), "",
                                  ls_plot_format_name(a->plot.format));
            ls_status st =
                path ? draw(model, a->kind, a, &a->plot, &l, path, &err) : out_of_memory(&err);
            free(path);
            if (st != LS_OK)
                goto fail;
            status = LS_EXIT_OK;
            goto done;
        }
        status = draw_all(model, a, &l, &err);
        goto done;
    }
    char why[200];
    if (!ls_plot_available(model, a->kind, &l.in, &a->plot, why, sizeof why)) {
        status = cli_usage_error("plot", "no %s chart: %s", ls_plot_kind_name(a->kind), why);
        goto done;
    }
    if (draw(model, a->kind, a, &a->plot, &l, a->out, &err) != LS_OK)
        goto fail;
    status = LS_EXIT_OK;
    goto done;
fail:
    status = err.code ? cli_report(&err) : LS_EXIT_FAIL;
done:
    release_all(&l);
    ls_model_free(model);
    return status;
}

int cmd_plot(int argc, char **argv)
{
    plot_args a;
    memset(&a, 0, sizeof a);
    ls_plot_options_init(&a.plot);
    a.kind = LS_PLOT_IMPORTANCE;
    a.seed = 1;
    int status = parse_args(argc, argv, &a);
    return status < 0 ? run(&a) : status;
}
