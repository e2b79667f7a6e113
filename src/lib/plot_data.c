/* The leads a chart is drawn from: a table scored by the scorer, with the
 * outcome read from the model's target column; and the per-lead view of one
 * criterion (which rule a value matches) that bands and standardised effects
 * need.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/refine.h"
#include "leadscore/scorer.h"
#include "plot_internal.h"
#include "text.h"

/* ---- text for gnuplot (sbuf.h has the buffer) ---------------------------- */

void ls_sbuf_quote(ls_sbuf *b, const char *s)
{
    ls_sbuf_add(b, "'", 1);
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\'')
            ls_sbuf_add(b, "''", 2);
        else if (c < 0x20 || c == 0x7f)
            ls_sbuf_add(b, " ", 1);
        else
            ls_sbuf_add(b, p, 1);
    }
    ls_sbuf_add(b, "'", 1);
}

void ls_sbuf_field(ls_sbuf *b, const char *s)
{
    if (!s || !s[0]) {
        ls_sbuf_add(b, "-", 1);
        return;
    }
    int open = 1;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            ls_sbuf_puts(b, open ? "\xe2\x80\x9c" : "\xe2\x80\x9d");
            open = !open;
        } else {
            ls_sbuf_add(b, c < 0x20 || c == 0x7f ? " " : p, 1);
        }
    }
}

void ls_sbuf_num(ls_sbuf *b, double v)
{
    if (isnan(v))
        ls_sbuf_puts(b, "NaN");
    else if (isinf(v))
        ls_sbuf_puts(b, v > 0 ? "Inf" : "-Inf");
    else
        ls_sbuf_printf(b, "%.17g", v);
}

void ls_plot_key_below(ls_sbuf *s, size_t lines, int horizontal)
{
    ls_sbuf_printf(s,
                   "set key at screen 0.5, screen 0.01 center bottom %s Left reverse samplen 3 "
                   "noopaque nobox\nset bmargin %zu\n",
                   horizontal ? "horizontal" : "vertical", lines + 4);
}

/* ---- small statistics ------------------------------------------------------ */

void ls_wilson(double k, double n, double *lo, double *hi)
{
    if (!(n > 0)) {
        *lo = *hi = NAN;
        return;
    }
    const double z = 1.959963984540054, z2 = z * z;
    double p = k / n;
    double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    double half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
    *lo = fmax(0, centre - half);
    *hi = fmin(1, centre + half);
}

ls_status ls_plot_known(const ls_plot_data *d, double **score, double **p, double **y, size_t *n,
                        ls_error *err)
{
    *score = *p = *y = NULL;
    *n = 0;
    size_t k = d->n_outcomes;
    double *s = malloc((k ? k : 1) * sizeof *s);
    double *pp = d->has_p ? malloc((k ? k : 1) * sizeof *pp) : NULL;
    double *yy = malloc((k ? k : 1) * sizeof *yy);
    if (!s || !yy || (d->has_p && !pp)) {
        free(s);
        free(pp);
        free(yy);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    size_t j = 0;
    for (size_t i = 0; i < d->n && j < k; i++) {
        if (isnan(d->y[i]))
            continue;
        s[j] = d->score[i];
        if (pp)
            pp[j] = isnan(d->p[i]) ? 0 : d->p[i];
        yy[j] = d->y[i];
        j++;
    }
    *score = s;
    *p = pp;
    *y = yy;
    *n = j;
    return LS_OK;
}

/* ---- one criterion, one lead ---------------------------------------------- */

static int is_missing(const ls_model *m, const char *v)
{
    if (!v[0])
        return 1;
    for (size_t i = 0; i < m->n_missing_tokens; i++)
        if (strcmp(m->missing_tokens[i], v) == 0)
            return 1;
    return 0;
}

static int range_matches(const ls_rule *r, double x)
{
    return (r->lo_open ? x > r->lo : x >= r->lo) && (r->hi_open ? x < r->hi : x <= r->hi);
}

long ls_plot_match(const ls_model *m, const ls_criterion *c, const char *v, int *missing, double *x)
{
    *x = 0;
    *missing = is_missing(m, v);
    if (*missing) {
        for (size_t k = 0; k < c->n_rules; k++)
            if (c->rules[k].kind == LS_COND_MISSING)
                return (long)k;
        return LS_MATCH_NONE;
    }
    switch (c->kind) {
    case LS_CRIT_NUMERIC:
    case LS_CRIT_BANDED: {
        double value;
        if (ls_parse_number(v, &value) != LS_NUM_OK) {
            *x = NAN;
            return LS_MATCH_NONE;
        }
        if (!isnan(c->cap_lo) && value < c->cap_lo)
            value = c->cap_lo;
        if (!isnan(c->cap_hi) && value > c->cap_hi)
            value = c->cap_hi;
        if (c->log1p)
            value = log1p(value);
        *x = value;
        for (size_t k = 0; k < c->n_rules; k++) {
            const ls_rule *r = &c->rules[k];
            if (r->kind == LS_COND_PER_UNIT ||
                (r->kind == LS_COND_RANGE && range_matches(r, value)))
                return (long)k;
        }
        return LS_MATCH_NONE;
    }
    case LS_CRIT_BOOLEAN: {
        int b;
        if (!ls_parse_bool(v, &b) || !b)
            return LS_MATCH_NONE;
        for (size_t k = 0; k < c->n_rules; k++)
            if (c->rules[k].kind == LS_COND_TRUE)
                return (long)k;
        return LS_MATCH_NONE;
    }
    case LS_CRIT_CATEGORICAL: {
        for (size_t k = 0; k < c->n_rules; k++) {
            const ls_rule *r = &c->rules[k];
            if ((r->kind == LS_COND_EQUALS || r->kind == LS_COND_IN))
                for (size_t j = 0; j < r->n_values; j++)
                    if (strcmp(r->values[j], v) == 0)
                        return (long)k;
        }
        if (c->reference && strcmp(c->reference, v) == 0)
            return LS_MATCH_NONE;
        for (size_t k = 0; k < c->n_rules; k++)
            if (c->rules[k].kind == LS_COND_OTHER)
                return (long)k;
        return LS_MATCH_NONE;
    }
    case LS_CRIT_RULES:
        break;
    }
    return LS_MATCH_NONE;
}

const char *ls_plot_cell(const ls_table *t, size_t col, size_t row)
{
    uint32_t code = ls_table_codes(t, col)[row];
    return code == LS_MISSING_CODE ? "" : ls_table_level(t, col, code);
}

const ls_criterion *ls_plot_find_criterion(const ls_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_criteria; i++)
        if (strcmp(m->criteria[i].column, name) == 0)
            return &m->criteria[i];
    for (size_t i = 0; i < m->n_criteria; i++)
        if (m->criteria[i].label && strcmp(m->criteria[i].label, name) == 0)
            return &m->criteria[i];
    return NULL;
}

const char *ls_plot_short_label(const ls_criterion *c, const ls_rule *r)
{
    const char *l = r->label ? r->label : "";
    size_t n = c->label ? strlen(c->label) : 0;
    if (n && strncmp(l, c->label, n) == 0 && l[n] == ':' && l[n + 1] == ' ')
        return l + n + 2;
    return l;
}

/* ---- the data --------------------------------------------------------------- */

void ls_plot_data_free(ls_plot_data *d)
{
    if (!d)
        return;
    free(d->name);
    free(d->score);
    free(d->p);
    free(d->y);
    free(d->rows);
    free(d);
}

static ls_plot_data *data_alloc(const char *name, size_t n)
{
    ls_plot_data *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->n = n;
    d->name = ls_strdup(name ? name : "data");
    d->score = malloc((n ? n : 1) * sizeof *d->score);
    d->p = malloc((n ? n : 1) * sizeof *d->p);
    d->y = malloc((n ? n : 1) * sizeof *d->y);
    if (!d->name || !d->score || !d->p || !d->y) {
        ls_plot_data_free(d);
        return NULL;
    }
    return d;
}

ls_status ls_plot_data_from_arrays(const char *name, const double *score, const double *p,
                                   const double *y, size_t n, ls_plot_data **out, ls_error *err)
{
    *out = NULL;
    if (!score && n)
        return ls_fail(err, LS_ERR_USAGE, "plot data needs scores");
    ls_plot_data *d = data_alloc(name, n);
    if (!d)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        d->score[i] = score[i];
        d->p[i] = p ? p[i] : NAN;
        d->y[i] = y ? y[i] : NAN;
        if (!isnan(d->y[i]) && d->y[i] != 0 && d->y[i] != 1) {
            ls_plot_data_free(d);
            return ls_fail(err, LS_ERR_DATA, "outcome %zu is %g, not 0 or 1", i + 1, y[i]);
        }
        d->n_outcomes += !isnan(d->y[i]);
        d->has_p |= !isnan(d->p[i]);
    }
    *out = d;
    return LS_OK;
}

/* The outcome of one lead: 1 converted, 0 not, NAN when missing. */
static ls_status read_outcome(const ls_model *m, const ls_table *t, size_t col, size_t row,
                              const char *positive, double *y, ls_error *err)
{
    const char *v = ls_plot_cell(t, col, row);
    if (is_missing(m, v)) {
        *y = NAN;
        return LS_OK;
    }
    if (positive) {
        *y = strcmp(v, positive) == 0;
        return LS_OK;
    }
    int b;
    if (!ls_parse_bool(v, &b))
        return ls_fail_at(err, LS_ERR_DATA, ls_table_source(t), ls_table_line(t, row), col + 1,
                          ls_table_column_name(t, col),
                          "the outcome '%s' is not yes/no or 1/0: say which value means "
                          "converted (positive)",
                          v);
    *y = b;
    return LS_OK;
}

ls_status ls_plot_data_new(const ls_model *m, const ls_table *t, const char *name,
                           const char *target_column, const char *positive, ls_plot_data **out,
                           ls_error *err)
{
    *out = NULL;
    size_t target = (size_t)-1;
    if (target_column) {
        target = ls_table_find_column(t, target_column);
        if (target == (size_t)-1)
            return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, target_column,
                              "the target column is not in the data");
    } else if (m->target) {
        target = ls_table_find_column(t, m->target); /* absent: outcomes unknown */
        if (!positive)
            positive = m->positive;
    }
    size_t n = ls_table_rows(t), nc = ls_table_columns(t);
    const char **columns = malloc((nc ? nc : 1) * sizeof *columns);
    const char **fields = malloc((nc ? nc : 1) * sizeof *fields);
    ls_plot_data *d = data_alloc(name, n);
    ls_scorer *scorer = NULL;
    ls_status st = LS_OK;
    if (!columns || !fields || !d) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    d->model = m;
    d->table = t;
    for (size_t j = 0; j < nc; j++)
        columns[j] = ls_table_column_name(t, j);
    if ((st = ls_scorer_new(m, columns, nc, &scorer, err)) != LS_OK) {
        if (err && !err->file[0])
            snprintf(err->file, sizeof err->file, "%s", ls_table_source(t));
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < nc; j++)
            fields[j] = ls_plot_cell(t, j, i);
        ls_score_result r;
        if ((st = ls_scorer_score(scorer, fields, &r, err)) != LS_OK) {
            if (err) {
                if (!err->file[0])
                    snprintf(err->file, sizeof err->file, "%s", ls_table_source(t));
                if (!err->line)
                    err->line = ls_table_line(t, i);
            }
            goto done;
        }
        d->score[i] = r.score;
        d->p[i] = r.probability;
        d->has_p |= !isnan(r.probability);
        d->y[i] = NAN;
        if (target != (size_t)-1 &&
            (st = read_outcome(m, t, target, i, positive, &d->y[i], err)) != LS_OK)
            goto done;
        d->n_outcomes += !isnan(d->y[i]);
    }
    *out = d;
    d = NULL;
done:
    ls_scorer_free(scorer);
    ls_plot_data_free(d);
    free(columns);
    free(fields);
    return st;
}

/* The leads of d whose flag equals want, as data of their own. */
static ls_status subset(const ls_plot_data *d, const unsigned char *test, int want,
                        const char *suffix, ls_plot_data **out, ls_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        n += (test[i] != 0) == want;
    size_t len = strlen(d->name) + strlen(suffix) + 1;
    char *name = malloc(len);
    ls_plot_data *s = name ? data_alloc(NULL, n) : NULL;
    if (s) {
        snprintf(name, len, "%s%s", d->name, suffix);
        free(s->name);
        s->name = name;
        name = NULL;
        s->rows = malloc((n ? n : 1) * sizeof *s->rows);
    }
    free(name);
    if (!s || !s->rows) {
        ls_plot_data_free(s);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    s->model = d->model;
    s->table = d->table;
    size_t j = 0;
    for (size_t i = 0; i < d->n; i++) {
        if ((test[i] != 0) != want)
            continue;
        s->score[j] = d->score[i];
        s->p[j] = d->p[i];
        s->y[j] = d->y[i];
        s->rows[j] = ls_plot_row(d, i);
        s->n_outcomes += !isnan(d->y[i]);
        s->has_p |= !isnan(d->p[i]);
        j++;
    }
    *out = s;
    return LS_OK;
}

ls_status ls_plot_data_split(const ls_plot_data *d, const unsigned char *test, ls_plot_data **train,
                             ls_plot_data **holdout, ls_error *err)
{
    *train = *holdout = NULL;
    ls_status st = subset(d, test, 0, " (training)", train, err);
    if (st == LS_OK && (st = subset(d, test, 1, " (holdout)", holdout, err)) != LS_OK) {
        ls_plot_data_free(*train);
        *train = NULL;
    }
    return st;
}

ls_status ls_plot_data_split_holdout(const ls_plot_data *d, double frac, uint64_t seed,
                                     ls_plot_data **train, ls_plot_data **holdout, ls_error *err)
{
    *train = *holdout = NULL;
    size_t n = d->n;
    double *y = malloc((n ? n : 1) * sizeof *y), *w = malloc((n ? n : 1) * sizeof *w);
    unsigned char *test = malloc(n ? n : 1);
    ls_status st = LS_OK;
    if (!y || !w || !test) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        int known = !isnan(d->y[i]);
        y[i] = known ? d->y[i] : 0;
        w[i] = known; /* weight 0: never drawn into the holdout */
    }
    if ((st = ls_split_holdout(y, w, n, frac, seed, test, err)) == LS_OK)
        st = ls_plot_data_split(d, test, train, holdout, err);
done:
    free(y);
    free(w);
    free(test);
    return st;
}

size_t ls_plot_data_rows(const ls_plot_data *d)
{
    return d->n;
}

size_t ls_plot_data_outcomes(const ls_plot_data *d)
{
    return d->n_outcomes;
}

const char *ls_plot_data_name(const ls_plot_data *d)
{
    return d->name;
}

const double *ls_plot_data_scores(const ls_plot_data *d)
{
    return d->score;
}

const double *ls_plot_data_probabilities(const ls_plot_data *d)
{
    return d->p;
}

const double *ls_plot_data_outcomes_array(const ls_plot_data *d)
{
    return d->y;
}
