/* Plots: the data each chart is drawn from (exact values on hand-counted
 * leads), every kind rendered by the real gnuplot to PNG (signature and
 * IHDR size) and SVG (well-formed, names every criterion), the child
 * process plumbing (large scripts, failures, gnuplot missing) and atomic
 * output.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leadscore/plot.h"
#include "leadscore/synth.h"
#include "leadscore/train.h"
#include "plot_internal.h"

/* ---- fixtures ---------------------------------------------------------------- */

typedef struct {
    ls_model *model;
    ls_table *table;
    ls_plot_data *data;
} trained;

static void train_file(const char *csv, const char *spec_path, trained *t)
{
    ls_error err;
    ls_spec *spec = NULL;
    memset(t, 0, sizeof *t);
    if (ls_spec_load(spec_path, &spec, &err) != LS_OK)
        fail_msg("spec: %s", err.message);
    ls_table_options to;
    ls_table_options_init(&to);
    to.missing_tokens = ls_spec_missing_tokens(spec, &to.n_missing_tokens);
    to.n_types = ls_spec_type_overrides(spec, &to.type_names, &to.types);
    if (ls_table_load(csv, &to, &t->table, &err) != LS_OK)
        fail_msg("table: %s", err.message);
    ls_train_options o;
    ls_train_options_init(&o);
    if (ls_train(t->table, spec, &o, NULL, &t->model, NULL, &err) != LS_OK)
        fail_msg("train: %s", err.message);
    ls_spec_free(spec);
    /* score a table loaded without the spec's settings, as the CLI does */
    ls_table_free(t->table);
    t->table = NULL;
    if (ls_table_load(csv, NULL, &t->table, &err) != LS_OK)
        fail_msg("table: %s", err.message);
    if (ls_plot_data_new(t->model, t->table, "leads.csv", NULL, NULL, &t->data, &err) != LS_OK)
        fail_msg("plot data: %s", err.message);
}

static void release(trained *t)
{
    ls_plot_data_free(t->data);
    ls_table_free(t->table);
    ls_model_free(t->model);
}

static trained synth; /* 3000 synthetic leads, with a banded criterion */
static char synth_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(synth_dir, sizeof synth_dir, "/tmp/ls_test_plot_XXXXXX");
    if (!mkdtemp(synth_dir))
        return -1;
    char leads[128], spec[128];
    snprintf(leads, sizeof leads, "%s/leads.csv", synth_dir);
    snprintf(spec, sizeof spec, "%s/spec.ini", synth_dir);
    ls_synth_options so;
    ls_synth_options_init(&so);
    so.rows = 3000;
    so.seed = 11;
    so.base_rate = 0.3;
    ls_error err;
    if (ls_synth_write_paths(&so, leads, NULL, spec, NULL, &err) != LS_OK)
        return -1;
    train_file(leads, spec, &synth);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    release(&synth);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", synth_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* 40 hand-counted leads: size in three bands (10 leads with 2 converted,
 * 20 with 10, 10 with 8), a yes/no trial (every fourth lead), visits 0..6. */
static void small_model(trained *t)
{
    static char csv[4096];
    size_t n = (size_t)snprintf(csv, sizeof csv, "size,trial,visits,converted\n");
    static const struct {
        int size, leads, converted;
    } bands[] = {{5, 10, 2}, {50, 20, 10}, {500, 10, 8}};
    int row = 0;
    for (size_t b = 0; b < 3; b++)
        for (int i = 0; i < bands[b].leads; i++, row++)
            n += (size_t)snprintf(csv + n, sizeof csv - n, "%d,%s,%d,%d\n", bands[b].size,
                                  row % 4 == 0 ? "yes" : "no", row % 7, i < bands[b].converted);
    const char *spec = "[leadscore]\ntarget = converted\npositive = 1\n"
                       "[criterion]\ncolumn = size\nbands = 0-9, 10-99, 100+\n";
    char csv_path[256], spec_path[256];
    snprintf(csv_path, sizeof csv_path, "%s", ls_test_write_temp(csv, n));
    snprintf(spec_path, sizeof spec_path, "%s", ls_test_write_temp(spec, strlen(spec)));
    train_file(csv_path, spec_path, t);
}

/* ---- helpers -------------------------------------------------------------------- */

static char **split_lines(char *text, size_t *n)
{
    size_t cap = 16;
    char **lines = malloc(cap * sizeof *lines);
    *n = 0;
    for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n")) {
        if (*n == cap)
            lines = realloc(lines, (cap *= 2) * sizeof *lines);
        lines[(*n)++] = p;
    }
    return lines;
}

/* Field k (0-based) of a tab-separated line, copied into buf. */
static const char *field(const char *line, size_t k, char *buf, size_t size)
{
    for (size_t i = 0; i < k && line; i++) {
        line = strchr(line, '\t');
        if (line)
            line++;
    }
    if (!line)
        return NULL;
    size_t n = strcspn(line, "\t");
    if (n >= size)
        n = size - 1;
    memcpy(buf, line, n);
    buf[n] = '\0';
    return buf;
}

static double field_num(const char *line, size_t k)
{
    char buf[64];
    const char *f = field(line, k, buf, sizeof buf);
    assert_non_null(f);
    return strcmp(f, "NaN") == 0 ? NAN : strtod(f, NULL);
}

static void png_size(const unsigned char *b, size_t len, unsigned *w, unsigned *h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    assert_true(len > 33);
    assert_memory_equal(b, sig, 8);
    assert_memory_equal(b + 12, "IHDR", 4);
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
}

/* Well-formed XML, as far as the SVG gnuplot writes needs: every element
 * closed in order, comments, declarations and quoted attributes skipped. */
static int xml_well_formed(const char *s, size_t len)
{
    const char *end = s + len;
    const char *stack[256];
    size_t depth[256], top = 0, roots = 0;
    (void)depth;
    while (s < end) {
        const char *lt = memchr(s, '<', (size_t)(end - s));
        if (!lt)
            break;
        s = lt + 1;
        if (s < end && (*s == '?' || *s == '!')) {
            const char *close = strncmp(s, "!--", 3) == 0 ? strstr(s, "-->") : strchr(s, '>');
            if (!close)
                return 0;
            s = close + 1;
            continue;
        }
        int closing = s < end && *s == '/';
        if (closing)
            s++;
        const char *name = s;
        while (s < end && *s != '>' && *s != '/' && *s != ' ' && *s != '\n' && *s != '\t')
            s++;
        size_t nlen = (size_t)(s - name);
        if (nlen == 0)
            return 0;
        char quote = 0;
        while (s < end && (quote || *s != '>')) {
            if (quote && *s == quote)
                quote = 0;
            else if (!quote && (*s == '"' || *s == '\''))
                quote = *s;
            s++;
        }
        if (s >= end)
            return 0;
        int self = s[-1] == '/';
        s++;
        if (closing) {
            if (top == 0 || strncmp(stack[top - 1], name, nlen) != 0)
                return 0;
            top--;
        } else if (!self) {
            if (top == 256)
                return 0;
            if (top == 0)
                roots++;
            stack[top++] = name;
        } else if (top == 0) {
            roots++;
        }
    }
    return top == 0 && roots == 1;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    for (int k = 0; k < LS_PLOT_KIND_COUNT; k++) {
        ls_plot_kind back;
        assert_true(ls_plot_kind_parse(ls_plot_kind_name((ls_plot_kind)k), &back));
        assert_int_equal(back, k);
    }
    ls_plot_kind kind;
    assert_false(ls_plot_kind_parse("pie", &kind));
    ls_plot_format f;
    assert_true(ls_plot_format_from_path("a/b.PNG", &f));
    assert_int_equal(f, LS_PLOT_PNG);
    assert_true(ls_plot_format_from_path("x.svg", &f));
    assert_int_equal(f, LS_PLOT_SVG);
    assert_true(ls_plot_format_from_path("x.pdf", &f));
    assert_int_equal(f, LS_PLOT_PDF);
    assert_false(ls_plot_format_from_path("x.gif", &f));
    assert_false(ls_plot_format_from_path("dir.png/x", &f));
}

static void test_wilson(void **state)
{
    (void)state;
    double lo, hi;
    /* expected: statsmodels' proportion_confint(k, n, method='wilson') */
    ls_wilson(5, 10, &lo, &hi);
    assert_close(lo, 0.23659309051256394, 1e-12, 0);
    assert_close(hi, 0.7634069094874361, 1e-12, 0);
    ls_wilson(0, 20, &lo, &hi);
    assert_close(lo, 0, 0, 1e-15);
    assert_close(hi, 0.1611251580528194, 1e-12, 0);
}

/* The importance data holds exactly the model's points, largest first. */
static void test_importance_data(void **state)
{
    (void)state;
    const ls_model *m = synth.model;
    ls_plot_options o;
    ls_plot_options_init(&o);
    char *script, *data;
    ls_error err;
    assert_int_equal(ls_plot_script(m, LS_PLOT_IMPORTANCE, NULL, &o, &script, &data, &err), LS_OK);
    size_t n;
    char **lines = split_lines(data, &n);
    assert_string_equal(lines[0],
                        "#term\tlabel\tvalue\tlow\thigh\tsignificant\tpoints\testimate\tp_value");
    size_t expected = 0;
    for (size_t t = 1; t < ls_model_term_count(m); t++) {
        ls_term_info ti;
        assert_int_equal(ls_model_term(m, t, &ti), LS_OK);
        if (ti.aliased)
            continue;
        expected++;
        /* each term's row carries its points, interval and p-value */
        int found = 0;
        for (size_t i = 1; i < n; i++) {
            char name[512];
            field(lines[i], 0, name, sizeof name);
            if (strcmp(name, ti.name) != 0)
                continue;
            found++;
            assert_close(field_num(lines[i], 2), ti.points, 0, 0);
            assert_close(field_num(lines[i], 6), ti.points, 0, 0);
            assert_close(field_num(lines[i], 8), ti.p_value, 1e-15, 0);
            assert_int_equal((int)field_num(lines[i], 5), ti.p_value < 0.05);
            assert_close(field_num(lines[i], 7), ti.estimate, 1e-15, 0);
        }
        if (strchr(ti.name, '"') == NULL)
            assert_int_equal(found, 1);
    }
    assert_int_equal(n - 1, expected);
    for (size_t i = 2; i < n; i++)
        assert_true(field_num(lines[i - 1], 2) >= field_num(lines[i], 2));
    /* whiskers: the points factor times the estimate's interval, around the bar */
    for (size_t i = 1; i < n; i++)
        assert_true(field_num(lines[i], 3) <= field_num(lines[i], 4));
    assert_non_null(strstr(script, "with boxxyerror"));
    assert_non_null(strstr(script, "with xerrorbars"));
    free(lines);
    free(script);
    free(data);
}

/* Standardised effects: estimate × sample SD of the term's column. */
static void test_standardised(void **state)
{
    (void)state;
    trained t;
    small_model(&t);
    ls_plot_options o;
    ls_plot_options_init(&o);
    o.standardised = 1;
    ls_plot_inputs in = {t.data, NULL, NULL};
    char *script, *data;
    ls_error err;
    assert_int_equal(ls_plot_script(t.model, LS_PLOT_IMPORTANCE, &in, &o, &script, &data, &err),
                     LS_OK);
    /* visits = row % 7 over 40 rows; trial = every fourth row (10 of 40) */
    double sum = 0, sumsq = 0;
    for (int r = 0; r < 40; r++) {
        sum += r % 7;
        sumsq += (r % 7) * (r % 7);
    }
    double sd_visits = sqrt((sumsq - sum * sum / 40) / 39);
    double sd_trial = sqrt((10 - 100.0 / 40) / 39);
    size_t n;
    char **lines = split_lines(data, &n);
    int seen = 0;
    for (size_t i = 1; i < n; i++) {
        char name[128];
        field(lines[i], 0, name, sizeof name);
        double sd = strcmp(name, "visits") == 0  ? sd_visits
                    : strcmp(name, "trial") == 0 ? sd_trial
                                                 : NAN;
        if (isnan(sd))
            continue;
        seen++;
        assert_close(field_num(lines[i], 2), field_num(lines[i], 7) * sd, 1e-12, 0);
    }
    assert_int_equal(seen, 2);
    free(lines);
    free(script);
    free(data);
    /* without the leads there is no SD */
    assert_int_equal(ls_plot_script(t.model, LS_PLOT_IMPORTANCE, NULL, &o, &script, &data, &err),
                     LS_ERR_USAGE);
    release(&t);
}

/* Bands: counts, rates and weights of evidence by hand. */
static void test_bands_data(void **state)
{
    (void)state;
    trained t;
    small_model(&t);
    ls_plot_options o;
    ls_plot_options_init(&o);
    ls_plot_inputs in = {t.data, NULL, NULL};
    char *script, *data;
    ls_error err;
    assert_int_equal(ls_plot_script(t.model, LS_PLOT_BANDS, &in, &o, &script, &data, &err), LS_OK);
    size_t n;
    char **lines = split_lines(data, &n);
    assert_int_equal(n, 4);
    static const struct {
        const char *band;
        double leads, converted, woe;
    } want[] = {{"0-9", 10, 2, -1.3862943611198906},
                {"10-99", 20, 10, 0},
                {"100+", 10, 8, 1.3862943611198906}};
    for (size_t i = 0; i < 3; i++) {
        char band[32];
        assert_string_equal(field(lines[i + 1], 0, band, sizeof band), want[i].band);
        assert_close(field_num(lines[i + 1], 1), want[i].leads, 0, 0);
        assert_close(field_num(lines[i + 1], 2), want[i].converted, 0, 0);
        assert_close(field_num(lines[i + 1], 3), want[i].converted / want[i].leads, 1e-15, 0);
        assert_close(field_num(lines[i + 1], 4), want[i].woe, 1e-12, 1e-12);
        double lo, hi;
        ls_wilson(want[i].converted, want[i].leads, &lo, &hi);
        assert_close(field_num(lines[i + 1], 6), lo, 1e-15, 0);
        assert_close(field_num(lines[i + 1], 7), hi, 1e-15, 0);
    }
    /* the reference band scores 0 points */
    assert_close(field_num(lines[2], 5), 0, 0, 0);
    free(lines);
    free(script);
    free(data);
    /* a linear criterion has no bands */
    o.criterion = "visits";
    assert_int_equal(ls_plot_script(t.model, LS_PLOT_BANDS, &in, &o, &script, &data, &err),
                     LS_ERR_USAGE);
    o.criterion = "nope";
    assert_int_equal(ls_plot_script(t.model, LS_PLOT_BANDS, &in, &o, &script, &data, &err),
                     LS_ERR_USAGE);
    release(&t);
}

/* PSI on leads binned by hand: baseline scores 1..10, data all at 10. */
static void test_psi_value(void **state)
{
    (void)state;
    double base[10], now[10];
    for (int i = 0; i < 10; i++) {
        base[i] = i + 1;
        now[i] = 10;
    }
    ls_plot_data *b = NULL, *d = NULL;
    ls_error err;
    assert_int_equal(ls_plot_data_from_arrays("base", base, NULL, NULL, 10, &b, &err), LS_OK);
    assert_int_equal(ls_plot_data_from_arrays("now", now, NULL, NULL, 10, &d, &err), LS_OK);
    ls_plot_inputs in = {d, NULL, b};
    ls_plot_options o;
    ls_plot_options_init(&o);
    char *script, *data;
    assert_int_equal(ls_plot_script(NULL, LS_PLOT_PSI, &in, &o, &script, &data, &err), LS_OK);
    /* ten bins of 10% in the baseline; the data's empty bins count as 0.01% */
    double psi = 0.9 * log(1 / 0.1) + 9 * (1e-4 - 0.1) * log(1e-4 / 0.1);
    char want[64];
    snprintf(want, sizeof want, "PSI %.3f (major shift)", psi);
    assert_non_null(strstr(script, want));
    size_t n;
    char **lines = split_lines(data, &n);
    assert_int_equal(n, 11);
    char label[32];
    assert_string_equal(field(lines[1], 0, label, sizeof label), "<=1");
    assert_string_equal(field(lines[10], 0, label, sizeof label), ">=10");
    free(lines);
    free(script);
    free(data);
    /* the same population is stable */
    in.data = b;
    assert_int_equal(ls_plot_script(NULL, LS_PLOT_PSI, &in, &o, &script, &data, &err), LS_OK);
    assert_non_null(strstr(script, "PSI 0.000 (stable)"));
    free(script);
    free(data);
    /* calibration needs probabilities */
    assert_false(ls_plot_available(synth.model, LS_PLOT_CALIBRATION, &in, &o, NULL, 0));
    ls_plot_data_free(b);
    ls_plot_data_free(d);
}

/* Every kind, drawn by the real gnuplot, as PNG and as SVG. */
static void test_render_every_kind(void **state)
{
    (void)state;
    ls_plot_inputs in = {synth.data, synth.data, synth.data};
    for (int k = 0; k < LS_PLOT_KIND_COUNT; k++) {
        ls_plot_options o;
        ls_plot_options_init(&o);
        o.width = 640;
        o.height = 480;
        unsigned char *bytes = NULL;
        size_t len = 0;
        ls_error err;
        ls_status st = ls_plot_render(synth.model, (ls_plot_kind)k, &in, &o, &bytes, &len, &err);
        if (st != LS_OK)
            fail_msg("%s as PNG: %s", ls_plot_kind_name((ls_plot_kind)k), err.message);
        unsigned w, h;
        png_size(bytes, len, &w, &h);
        assert_int_equal(w, 640);
        assert_int_equal(h, 480);
        free(bytes);

        o.format = LS_PLOT_SVG;
        st = ls_plot_render(synth.model, (ls_plot_kind)k, &in, &o, &bytes, &len, &err);
        if (st != LS_OK)
            fail_msg("%s as SVG: %s", ls_plot_kind_name((ls_plot_kind)k), err.message);
        char *svg = malloc(len + 1);
        memcpy(svg, bytes, len);
        svg[len] = '\0';
        free(bytes);
        if (!xml_well_formed(svg, len))
            fail_msg("%s: the SVG is not well-formed", ls_plot_kind_name((ls_plot_kind)k));
        assert_non_null(strstr(svg, "width=\"640\" height=\"480\""));
        if (k == LS_PLOT_IMPORTANCE) {
            for (size_t c = 0; c < synth.model->n_criteria; c++)
                if (!strstr(svg, synth.model->criteria[c].label))
                    fail_msg("the importance SVG does not name '%s'",
                             synth.model->criteria[c].label);
        }
        if (k == LS_PLOT_BANDS)
            assert_non_null(strstr(svg, "company_size: weight of evidence"));
        free(svg);
    }
}

static void test_importance_grows_with_bars(void **state)
{
    (void)state;
    ls_plot_options o;
    ls_plot_options_init(&o);
    unsigned char *bytes = NULL;
    size_t len = 0;
    ls_error err;
    assert_int_equal(ls_plot_render(synth.model, LS_PLOT_IMPORTANCE, NULL, &o, &bytes, &len, &err),
                     LS_OK);
    unsigned w, h;
    png_size(bytes, len, &w, &h);
    size_t bars = 0;
    for (size_t t = 1; t < ls_model_term_count(synth.model); t++)
        bars += !synth.model->terms[t].aliased;
    assert_int_equal(w, 1000);
    assert_int_equal(h, 130 + 20 * bars > 650 ? 130 + 20 * bars : 650);
    free(bytes);
}

static void test_terminal(void **state)
{
    (void)state;
    ls_plot_inputs in = {synth.data, NULL, NULL};
    ls_plot_options o;
    ls_plot_options_init(&o);
    FILE *out = tmpfile();
    ls_error err;
    assert_int_equal(ls_plot_print(synth.model, LS_PLOT_ROC, &in, &o, out, &err), LS_OK);
    long size = ftell(out);
    assert_true(size > 1000);
    rewind(out);
    char *text = calloc(1, (size_t)size + 1);
    assert_int_equal(fread(text, 1, (size_t)size, out), (size_t)size);
    assert_non_null(strstr(text, "ROC curve of the points"));
    assert_non_null(strstr(text, "AUC 0."));
    free(text);
    fclose(out);
}

static const char *fake_gnuplot(const char *body)
{
    const char *path = ls_test_write_temp(body, strlen(body));
    assert_int_equal(chmod(path, 0755), 0);
    return path;
}

/* A script far larger than a pipe's buffer, echoed back whole by cat: the
 * writer and the readers cannot block each other. */
static void test_large_script_round_trip(void **state)
{
    (void)state;
    size_t n = 30000;
    double *score = malloc(n * sizeof *score), *y = malloc(n * sizeof *y);
    unsigned long long x = 42;
    for (size_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        score[i] = (double)(x >> 11) / 9007199254740992.0;
        y[i] = score[i] + 0.3 * ((double)((x >> 3) & 1023) / 1023 - 0.5) > 0.6;
    }
    ls_plot_data *d = NULL;
    ls_error err;
    assert_int_equal(ls_plot_data_from_arrays("random", score, NULL, y, n, &d, &err), LS_OK);
    ls_plot_inputs in = {d, NULL, NULL};
    ls_plot_options o;
    ls_plot_options_init(&o);
    o.gnuplot = "cat";
    unsigned char *bytes = NULL;
    size_t len = 0;
    assert_int_equal(ls_plot_render(NULL, LS_PLOT_ROC, &in, &o, &bytes, &len, &err), LS_OK);
    assert_true(len > 500000);
    assert_memory_equal(bytes, "# leadscore: roc chart", 22);
    assert_non_null(strstr((char *)bytes, "\nLS_EOD\n"));
    assert_memory_equal(bytes + len - 13, "unset output\n", 13);
    free(bytes);
    /* gnuplot that stops reading at once and fails: an error, not SIGPIPE */
    o.gnuplot = fake_gnuplot("#!/bin/sh\necho 'line 3: undefined variable: DATA' >&2\nexit 1\n");
    assert_int_equal(ls_plot_render(NULL, LS_PLOT_ROC, &in, &o, &bytes, &len, &err), LS_ERR_IO);
    assert_non_null(strstr(err.message, "line 3: undefined variable: DATA"));
    assert_null(bytes);
    ls_plot_data_free(d);
    free(score);
    free(y);
}

static void test_gnuplot_missing(void **state)
{
    (void)state;
    ls_plot_options o;
    ls_plot_options_init(&o);
    unsigned char *bytes = NULL;
    size_t len = 0;
    ls_error err;
    o.gnuplot = "/nonexistent/bin/gnuplot";
    assert_int_equal(ls_plot_render(synth.model, LS_PLOT_IMPORTANCE, NULL, &o, &bytes, &len, &err),
                     LS_ERR_NOTFOUND);
    assert_non_null(strstr(err.message, "gnuplot is not installed: apt-get install gnuplot-nox"));
    /* the default program, searched on a PATH without it */
    char *path = strdup(getenv("PATH") ? getenv("PATH") : "");
    setenv("PATH", "/nonexistent", 1);
    o.gnuplot = NULL;
    ls_status st = ls_plot_render(synth.model, LS_PLOT_IMPORTANCE, NULL, &o, &bytes, &len, &err);
    setenv("PATH", path, 1);
    free(path);
    assert_int_equal(st, LS_ERR_NOTFOUND);
    assert_non_null(strstr(err.message, "apt-get install gnuplot-nox"));
}

static size_t dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_write_atomic_and_kept_script(void **state)
{
    (void)state;
    char dir[] = "/tmp/ls_test_plotw_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char png[128], gp[128], dat[128];
    snprintf(png, sizeof png, "%s/importance.png", dir);
    snprintf(gp, sizeof gp, "%s/importance.gp", dir);
    snprintf(dat, sizeof dat, "%s/importance.dat", dir);
    ls_plot_options o;
    ls_plot_options_init(&o);
    ls_error err;
    /* failure: nothing under the final name, no temporary file left */
    o.gnuplot = "/nonexistent/gnuplot";
    assert_int_equal(ls_plot_write(synth.model, LS_PLOT_IMPORTANCE, NULL, &o, png, gp, dat, &err),
                     LS_ERR_NOTFOUND);
    assert_int_equal(dir_entries(dir), 0);
    o.gnuplot = NULL;
    assert_int_equal(ls_plot_write(synth.model, LS_PLOT_IMPORTANCE, NULL, &o, png, gp, dat, &err),
                     LS_OK);
    assert_int_equal(dir_entries(dir), 3);
    /* the kept script redraws the picture from the kept data */
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && mv importance.png first.png && gnuplot '%s' 2>&1 && "
             "cmp -s first.png importance.png",
             dir, gp);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_handwritten_importance(void **state)
{
    (void)state;
    const char *table = "criterion,condition,points,label\n"
                        "Job Title,= Executive,10,Executive\n"
                        "Visited Pricing Page,yes,15,Visited pricing page\n"
                        "Company Size,100..500,-5,\"Company size 100-500\"\n";
    char path[128];
    const char *tmp = ls_test_write_temp(table, strlen(table));
    snprintf(path, sizeof path, "%s.csv", tmp);
    assert_int_equal(rename(tmp, path), 0);
    ls_model *m = NULL;
    ls_error err;
    assert_int_equal(ls_model_load(path, &m, &err), LS_OK);
    unlink(path);
    ls_plot_options o;
    ls_plot_options_init(&o);
    char *script, *data;
    assert_int_equal(ls_plot_script(m, LS_PLOT_IMPORTANCE, NULL, &o, &script, &data, &err), LS_OK);
    size_t n;
    char **lines = split_lines(data, &n);
    assert_int_equal(n, 4);
    assert_close(field_num(lines[1], 2), 15, 0, 0);
    assert_close(field_num(lines[2], 2), 10, 0, 0);
    assert_close(field_num(lines[3], 2), -5, 0, 0);
    assert_null(strstr(script, "xerrorbars"));
    free(lines);
    free(script);
    free(data);
    o.standardised = 1;
    assert_int_equal(ls_plot_script(m, LS_PLOT_IMPORTANCE, NULL, &o, &script, &data, &err),
                     LS_ERR_USAGE);
    ls_model_free(m);
}

/* A holdout drawn as refine draws it: stratified, and the parts keep their
 * table rows (bands count the same leads as on the whole data). */
static void test_split_holdout(void **state)
{
    (void)state;
    const ls_plot_data *d = synth.data;
    ls_plot_data *train = NULL, *holdout = NULL;
    ls_error err;
    assert_int_equal(ls_plot_data_split_holdout(d, 0.25, 7, &train, &holdout, &err), LS_OK);
    assert_int_equal(ls_plot_data_rows(train) + ls_plot_data_rows(holdout), d->n);
    double pos = 0, hpos = 0;
    for (size_t i = 0; i < d->n; i++)
        pos += d->y[i];
    for (size_t i = 0; i < holdout->n; i++)
        hpos += holdout->y[i];
    assert_close(hpos, floor(0.25 * pos + 0.5), 0, 0);
    assert_close((double)holdout->n - hpos, floor(0.25 * ((double)d->n - pos) + 0.5), 0, 0);
    assert_string_equal(ls_plot_data_name(train), "leads.csv (training)");
    assert_string_equal(ls_plot_data_name(holdout), "leads.csv (holdout)");
    /* same seed, same split */
    ls_plot_data *t2 = NULL, *h2 = NULL;
    assert_int_equal(ls_plot_data_split_holdout(d, 0.25, 7, &t2, &h2, &err), LS_OK);
    assert_int_equal(h2->n, holdout->n);
    assert_memory_equal(h2->rows, holdout->rows, h2->n * sizeof *h2->rows);
    ls_plot_data_free(t2);
    ls_plot_data_free(h2);
    /* bands on the two parts add up to the bands on the whole */
    ls_plot_options o;
    ls_plot_options_init(&o);
    double leads[3][8] = {{0}};
    const ls_plot_data *parts[3] = {d, train, holdout};
    for (size_t k = 0; k < 3; k++) {
        ls_plot_inputs in = {parts[k], NULL, NULL};
        char *script, *data;
        assert_int_equal(ls_plot_script(synth.model, LS_PLOT_BANDS, &in, &o, &script, &data, &err),
                         LS_OK);
        size_t n;
        char **lines = split_lines(data, &n);
        for (size_t i = 1; i < n && i <= 8; i++) {
            char band[32];
            field(lines[i], 0, band, sizeof band);
            size_t slot = strcmp(band, "1-10") == 0      ? 0
                          : strcmp(band, "11-100") == 0  ? 1
                          : strcmp(band, "101-500") == 0 ? 2
                          : strcmp(band, "501+") == 0    ? 3
                                                         : 4;
            leads[k][slot] += field_num(lines[i], 1);
        }
        free(lines);
        free(script);
        free(data);
    }
    for (size_t b = 0; b < 5; b++)
        assert_close(leads[0][b], leads[1][b] + leads[2][b], 0, 0);
    assert_true(leads[0][3] > 0);
    ls_plot_data_free(train);
    ls_plot_data_free(holdout);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_importance_data),
        cmocka_unit_test(test_standardised),
        cmocka_unit_test(test_bands_data),
        cmocka_unit_test(test_psi_value),
        cmocka_unit_test(test_render_every_kind),
        cmocka_unit_test(test_importance_grows_with_bars),
        cmocka_unit_test(test_terminal),
        cmocka_unit_test(test_large_script_round_trip),
        cmocka_unit_test(test_gnuplot_missing),
        cmocka_unit_test(test_write_atomic_and_kept_script),
        cmocka_unit_test(test_handwritten_importance),
        cmocka_unit_test(test_split_holdout),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
