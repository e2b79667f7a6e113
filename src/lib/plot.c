/* Plot driver: names, options, and turning a builder's script and data into
 * a complete gnuplot script (terminal, inline datablock), run by gnuplot with
 * the result collected and written atomically.
 *
 * Numbers are written under the C locale (uselocale: this thread only), so a
 * caller's setlocale() cannot turn decimal points into commas that gnuplot
 * would misread.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gnuplot.h"
#include "leadscore/output.h"
#include "plot_internal.h"
#include "text.h"

#define DEFAULT_WIDTH 1000
#define DEFAULT_HEIGHT 650
#define DUMB_WIDTH 100
#define DUMB_HEIGHT 35
#define DATABLOCK "$ls_data"
#define DATABLOCK_END "LS_EOD"

static const char *const kind_names[LS_PLOT_KIND_COUNT] = {
    "importance", "roc", "calibration", "gains", "lift", "distribution", "bands", "psi"};

typedef ls_status (*builder)(const ls_model *, const ls_plot_inputs *, const ls_plot_options *,
                             ls_plot_text *, ls_error *);

static const builder builders[LS_PLOT_KIND_COUNT] = {
    ls_plot_importance, ls_plot_roc,          ls_plot_calibration, ls_plot_gains,
    ls_plot_lift,       ls_plot_distribution, ls_plot_bands,       ls_plot_psi};

const char *ls_plot_kind_name(ls_plot_kind kind)
{
    return (unsigned)kind < LS_PLOT_KIND_COUNT ? kind_names[kind] : "unknown";
}

int ls_plot_kind_parse(const char *name, ls_plot_kind *out)
{
    for (size_t i = 0; i < LS_PLOT_KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (ls_plot_kind)i;
            return 1;
        }
    return 0;
}

int ls_plot_format_from_path(const char *path, ls_plot_format *out)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return 0;
    static const struct {
        const char *ext;
        ls_plot_format format;
    } exts[] = {{".png", LS_PLOT_PNG}, {".svg", LS_PLOT_SVG}, {".pdf", LS_PLOT_PDF}};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot, exts[i].ext) == 0) {
            *out = exts[i].format;
            return 1;
        }
    return 0;
}

const char *ls_plot_format_name(ls_plot_format format)
{
    switch (format) {
    case LS_PLOT_PNG:
        return "png";
    case LS_PLOT_SVG:
        return "svg";
    case LS_PLOT_PDF:
        return "pdf";
    case LS_PLOT_DUMB:
        return "dumb";
    }
    return "unknown";
}

void ls_plot_options_init(ls_plot_options *o)
{
    memset(o, 0, sizeof *o);
    o->format = LS_PLOT_PNG;
}

static int first_banded(const ls_model *m)
{
    for (size_t i = 0; i < m->n_criteria; i++)
        if (m->criteria[i].kind == LS_CRIT_BANDED)
            return (int)i;
    return -1;
}

size_t ls_plot_banded_criteria(const ls_model *m, const char **columns, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_criteria; i++)
        if (m->criteria[i].kind == LS_CRIT_BANDED) {
            if (n < max)
                columns[n] = m->criteria[i].column;
            n++;
        }
    return n;
}

static int say(char *why, size_t size, const char *text)
{
    if (why && size)
        snprintf(why, size, "%s", text);
    return 0;
}

int ls_plot_available(const ls_model *m, ls_plot_kind kind, const ls_plot_inputs *in,
                      const ls_plot_options *o, char *why, size_t size)
{
    const ls_plot_data *d = in ? in->data : NULL;
    switch (kind) {
    case LS_PLOT_IMPORTANCE:
        if (o && o->standardised && !m->learned)
            return say(why, size, "standardised effects need a learned model");
        if (o && o->standardised && (!d || !d->table))
            return say(why, size, "standardised effects need --data");
        return 1;
    case LS_PLOT_CALIBRATION:
        if (d && d->n_outcomes && !d->has_p)
            return say(why, size, "needs probabilities: the model is hand-written");
        /* fall through */
    case LS_PLOT_ROC:
    case LS_PLOT_GAINS:
    case LS_PLOT_LIFT:
    case LS_PLOT_DISTRIBUTION:
        if (!d)
            return say(why, size, "needs --data");
        if (!d->n_outcomes)
            return say(why, size, "needs --data with outcomes (the model's target column)");
        return 1;
    case LS_PLOT_BANDS:
        if (!d || !d->table)
            return say(why, size, "needs --data with outcomes");
        if (!d->n_outcomes)
            return say(why, size, "needs --data with outcomes (the model's target column)");
        if (o && o->criterion) {
            const ls_criterion *c = ls_plot_find_criterion(m, o->criterion);
            if (!c)
                return say(why, size, "no such criterion in the model");
            if (c->kind == LS_CRIT_NUMERIC || c->kind == LS_CRIT_RULES)
                return say(why, size, "the criterion is not banded, categorical or yes/no");
            return 1;
        }
        if (first_banded(m) < 0)
            return say(why, size, "the model has no banded criterion (name one with --criterion)");
        return 1;
    case LS_PLOT_PSI:
        if (!d)
            return say(why, size, "needs --data");
        if (!in->baseline)
            return say(why, size, "needs --baseline-data");
        return 1;
    }
    return say(why, size, "unknown kind");
}

/* Runs the builder with numbers printed in the C locale. */
static ls_status build(const ls_model *m, ls_plot_kind kind, const ls_plot_inputs *in,
                       const ls_plot_options *o, ls_plot_text *t, ls_error *err)
{
    static const ls_plot_inputs none = {NULL, NULL, NULL};
    memset(t, 0, sizeof *t);
    if ((unsigned)kind >= LS_PLOT_KIND_COUNT)
        return ls_fail(err, LS_ERR_USAGE, "unknown plot kind %d", (int)kind);
    char why[160];
    if (!ls_plot_available(m, kind, in ? in : &none, o, why, sizeof why))
        return ls_fail(err, LS_ERR_USAGE, "%s plot: %s", kind_names[kind], why);
    locale_t c = ls_c_locale(), old = (locale_t)0;
    if (c)
        old = uselocale(c);
    ls_status st = builders[kind](m, in ? in : &none, o, t, err);
    if (c)
        uselocale(old);
    if (st == LS_OK && (t->data.failed || t->script.failed))
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
    if (st != LS_OK) {
        ls_sbuf_release(&t->data);
        ls_sbuf_release(&t->script);
    }
    return st;
}

static void size_of(const ls_plot_options *o, ls_plot_format f, ls_plot_kind kind, size_t rows,
                    unsigned *w, unsigned *h)
{
    int dumb = f == LS_PLOT_DUMB;
    *w = o->width ? o->width : dumb ? DUMB_WIDTH : DEFAULT_WIDTH;
    *h = o->height;
    if (*h)
        return;
    *h = dumb ? DUMB_HEIGHT : DEFAULT_HEIGHT;
    if (kind == LS_PLOT_IMPORTANCE) {
        /* one bar per level: grow so labels never overlap */
        size_t want = dumb ? rows + 12 : 130 + 20 * rows;
        if (want > *h)
            *h = want > 20000 ? 20000 : (unsigned)want;
    }
}

/* The terminal, then the script's body. output: a path for `set output`, or
 * NULL (stdout). data_path: where DATA points; NULL inlines the datablock. */
static void assemble(ls_sbuf *s, const ls_plot_options *o, ls_plot_format f, ls_plot_kind kind,
                     const ls_plot_text *t, const char *output, const char *data_path)
{
    unsigned w, h;
    size_of(o, f, kind, t->rows, &w, &h);
    ls_sbuf_printf(s, "# leadscore: %s chart; redraw with: gnuplot SCRIPT\n", kind_names[kind]);
    ls_sbuf_puts(s, "set encoding utf8\n");
    switch (f) {
    case LS_PLOT_PNG:
        ls_sbuf_printf(s,
                       "set terminal pngcairo size %u,%u noenhanced font 'Sans,10' "
                       "background rgb 'white'\n",
                       w, h);
        break;
    case LS_PLOT_SVG:
        ls_sbuf_printf(s,
                       "set terminal svg size %u,%u noenhanced font 'Sans,12' "
                       "background rgb 'white'\n",
                       w, h);
        break;
    case LS_PLOT_PDF:
        ls_sbuf_printf(s, "set terminal pdfcairo size %.2fin,%.2fin noenhanced font 'Sans,8'\n",
                       w / 100.0, h / 100.0);
        break;
    case LS_PLOT_DUMB:
        ls_sbuf_printf(s, "set terminal dumb size %u,%u noenhanced\n", w, h);
        break;
    }
    if (output) {
        ls_sbuf_puts(s, "set output ");
        ls_sbuf_quote(s, output);
        ls_sbuf_puts(s, "\n");
    }
    ls_sbuf_puts(s, "set datafile separator '\\t'\n");
    if (data_path) {
        ls_sbuf_puts(s, "DATA = ");
        ls_sbuf_quote(s, data_path);
        ls_sbuf_puts(s, "\n");
    } else {
        ls_sbuf_puts(s, DATABLOCK " << " DATABLOCK_END "\n");
        ls_sbuf_add(s, t->data.text ? t->data.text : "", t->data.len);
        if (t->data.len && t->data.text[t->data.len - 1] != '\n')
            ls_sbuf_puts(s, "\n");
        ls_sbuf_puts(s, DATABLOCK_END "\nDATA = '" DATABLOCK "'\n");
    }
    ls_sbuf_add(s, t->script.text ? t->script.text : "", t->script.len);
}

ls_status ls_plot_script(const ls_model *m, ls_plot_kind kind, const ls_plot_inputs *in,
                         const ls_plot_options *o, char **script, char **data, ls_error *err)
{
    *script = *data = NULL;
    ls_plot_text t;
    ls_status st = build(m, kind, in, o, &t, err);
    if (st != LS_OK)
        return st;
    *script = t.script.text ? t.script.text : ls_strdup("");
    *data = t.data.text ? t.data.text : ls_strdup("");
    if (!*script || !*data) {
        free(*script);
        free(*data);
        *script = *data = NULL;
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    return LS_OK;
}

static ls_status run(const ls_plot_options *o, ls_plot_format f, ls_plot_kind kind,
                     const ls_plot_text *t, unsigned char **bytes, size_t *len, ls_error *err)
{
    ls_sbuf s = {NULL, 0, 0, 0};
    assemble(&s, o, f, kind, t, NULL, NULL);
    ls_sbuf_puts(&s, "unset output\n");
    if (s.failed) {
        ls_sbuf_release(&s);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    ls_status st = ls_gnuplot_run(o->gnuplot, s.text, s.len, bytes, len, err);
    ls_sbuf_release(&s);
    return st;
}

ls_status ls_plot_render(const ls_model *m, ls_plot_kind kind, const ls_plot_inputs *in,
                         const ls_plot_options *o, unsigned char **bytes, size_t *len,
                         ls_error *err)
{
    *bytes = NULL;
    *len = 0;
    ls_plot_text t;
    ls_status st = build(m, kind, in, o, &t, err);
    if (st != LS_OK)
        return st;
    st = run(o, o->format, kind, &t, bytes, len, err);
    ls_sbuf_release(&t.data);
    ls_sbuf_release(&t.script);
    return st;
}

static ls_status write_file(const char *path, const void *bytes, size_t len, ls_error *err)
{
    ls_output *out = NULL;
    ls_status st = ls_output_open(path, &out, err);
    if (st != LS_OK)
        return st;
    if (len && fwrite(bytes, 1, len, ls_output_stream(out)) != len) {
        ls_output_abort(out);
        return ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "cannot write output file");
    }
    return ls_output_commit(out, err);
}

ls_status ls_plot_write(const ls_model *m, ls_plot_kind kind, const ls_plot_inputs *in,
                        const ls_plot_options *o, const char *path, const char *script_path,
                        const char *data_path, ls_error *err)
{
    ls_plot_text t;
    ls_sbuf kept = {NULL, 0, 0, 0};
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (o->format == LS_PLOT_DUMB)
        return ls_fail(err, LS_ERR_USAGE, "the dumb terminal writes to a stream: ls_plot_print");
    ls_status st = build(m, kind, in, o, &t, err);
    if (st != LS_OK)
        return st;
    if ((st = run(o, o->format, kind, &t, &bytes, &len, err)) != LS_OK)
        goto done;
    if ((st = write_file(path, bytes, len, err)) != LS_OK)
        goto done;
    if (data_path && (st = write_file(data_path, t.data.text, t.data.len, err)) != LS_OK)
        goto done;
    if (script_path) {
        /* Reads the kept data file when there is one, else carries the data inline. */
        assemble(&kept, o, o->format, kind, &t, path, data_path);
        if (kept.failed) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
        st = write_file(script_path, kept.text, kept.len, err);
    }
done:
    free(bytes);
    ls_sbuf_release(&kept);
    ls_sbuf_release(&t.data);
    ls_sbuf_release(&t.script);
    return st;
}

ls_status ls_plot_print(const ls_model *m, ls_plot_kind kind, const ls_plot_inputs *in,
                        const ls_plot_options *o, FILE *out, ls_error *err)
{
    ls_plot_text t;
    unsigned char *bytes = NULL;
    size_t len = 0;
    ls_status st = build(m, kind, in, o, &t, err);
    if (st != LS_OK)
        return st;
    st = run(o, LS_PLOT_DUMB, kind, &t, &bytes, &len, err);
    if (st == LS_OK && (fwrite(bytes, 1, len, out) != len || fflush(out) != 0))
        st = ls_fail(err, LS_ERR_IO, "cannot write the chart");
    free(bytes);
    ls_sbuf_release(&t.data);
    ls_sbuf_release(&t.script);
    return st;
}
