/* Drift: population stability index of the score and characteristic
 * stability index of every criterion, from a baseline (usually the training
 * data) to the current quarter. Definitions in leadscore/monitor.h.
 *
 * Every criterion is binned per level of its column: each distinct value of
 * the baseline and of the current table is mapped to a bin once (numbers are
 * parsed once per level), and rows are counted through their level codes.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/monitor.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "model_internal.h"
#include "monitor_internal.h"
#include "text.h"

#define SCORE_NAME "(score)"
#define MISSING_LABEL "(missing)"
#define UNSEEN_LABEL "(unseen)"
#define RARE_LABEL "(rare levels)"
/* Categorical levels holding less than this share of the baseline are pooled
 * (when two or more): each bin adds about 1/n + 1/m of pure noise to the
 * index, so a column of hundreds of rare levels would otherwise read as
 * drift on two samples of one population. */
#define RARE_SHARE 0.005
#define TEXT_UNSEEN_SHOWN 5

void ls_drift_options_init(ls_drift_options *o)
{
    o->bins = 10;
    o->flag_at = LS_PSI_WATCH;
}

const char *ls_stability_name(ls_stability s)
{
    switch (s) {
    case LS_WATCH:
        return "watch";
    case LS_SHIFTED:
        return "shifted";
    case LS_STABLE:
        break;
    }
    return "stable";
}

ls_stability ls_stability_of(double index)
{
    if (index > LS_PSI_SHIFTED)
        return LS_SHIFTED;
    if (index >= LS_PSI_WATCH)
        return LS_WATCH;
    return LS_STABLE;
}

double ls_psi(const double *baseline, const double *current, size_t k, double *contributions)
{
    double tb = 0, tc = 0;
    for (size_t i = 0; i < k; i++) {
        tb += baseline[i];
        tc += current[i];
    }
    if (!(tb > 0) || !(tc > 0))
        return NAN;
    double psi = 0;
    for (size_t i = 0; i < k; i++) {
        double e = baseline[i] / tb, a = current[i] / tc, term = 0;
        if (e > 0 || a > 0) {
            e = e > 0 ? e : LS_PSI_EPSILON;
            a = a > 0 ? a : LS_PSI_EPSILON;
            term = (a - e) * log(a / e);
        }
        if (contributions)
            contributions[i] = term;
        psi += term;
    }
    return psi;
}

/* ---- building a characteristic ------------------------------------------- */

static void characteristic_release(ls_drift_characteristic *ch)
{
    for (size_t i = 0; i < ch->n_bins; i++)
        free(ch->bins[i].label);
    free(ch->bins);
    for (size_t i = 0; i < ch->n_unseen; i++)
        free(ch->unseen[i].level);
    free(ch->unseen);
    free(ch->name);
    memset(ch, 0, sizeof *ch);
}

static ls_status add_bin(ls_drift_characteristic *ch, const char *label, ls_error *err)
{
    ls_drift_bin *b = realloc(ch->bins, (ch->n_bins + 1) * sizeof *b);
    if (!b)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ch->bins = b;
    memset(&b[ch->n_bins], 0, sizeof *b);
    if (!(b[ch->n_bins].label = ls_strdup(label)))
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ch->n_bins++;
    return LS_OK;
}

/* Quantile cut points of sorted v[0..n): v[ceil(k·n/q) − 1] for k = 1..q−1,
 * strictly increasing. edges holds q − 1; returns how many. */
static size_t quantile_edges(const double *v, size_t n, size_t q, double *edges)
{
    size_t m = 0;
    for (size_t k = 1; k < q && n > 0; k++) {
        size_t r = (k * n + q - 1) / q; /* 1-based rank */
        double c = v[r ? r - 1 : 0];
        if (m == 0 || c > edges[m - 1])
            edges[m++] = c;
    }
    return m;
}

/* Bin of x among m edges: the number of edges below x, so bin i is
 * (edges[i−1], edges[i]]. */
static size_t edge_bin(const double *edges, size_t m, double x)
{
    size_t lo = 0, hi = m;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (edges[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static ls_status add_edge_bins(ls_drift_characteristic *ch, const double *edges, size_t m,
                               ls_error *err)
{
    ls_status st = LS_OK;
    char a[40], b[40], label[100];
    for (size_t i = 0; i <= m && st == LS_OK; i++) {
        if (i == 0)
            snprintf(label, sizeof label, "(-inf, %s]", m ? ls_mon_number(edges[0], b) : "inf");
        else if (i == m)
            snprintf(label, sizeof label, "(%s, inf)", ls_mon_number(edges[m - 1], a));
        else
            snprintf(label, sizeof label, "(%s, %s]", ls_mon_number(edges[i - 1], a),
                     ls_mon_number(edges[i], b));
        if (m == 0)
            snprintf(label, sizeof label, "(-inf, inf)");
        st = add_bin(ch, label, err);
    }
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fills counts and shares from per-row bins and computes the index. */
static void finish(ls_drift_characteristic *ch, const double *bc, const double *cc, size_t nb,
                   size_t nc, double flag_at, double *contrib)
{
    ch->index = ls_psi(bc, cc, ch->n_bins, contrib);
    for (size_t i = 0; i < ch->n_bins; i++) {
        ch->bins[i].baseline_rows = (size_t)bc[i];
        ch->bins[i].current_rows = (size_t)cc[i];
        ch->bins[i].baseline_share = nb ? bc[i] / (double)nb : NAN;
        ch->bins[i].current_share = nc ? cc[i] / (double)nc : NAN;
        ch->bins[i].contribution = contrib[i];
    }
    ch->reading = ls_stability_of(ch->index);
    ch->flagged = ch->index >= flag_at;
}

/* ---- the score ----------------------------------------------------------- */

static ls_status score_characteristic(const ls_model *m, const ls_table *base, const ls_table *cur,
                                      const ls_drift_options *o, ls_drift_characteristic *ch,
                                      ls_error *err)
{
    size_t nb = ls_table_rows(base), nc = ls_table_rows(cur);
    double *sb = malloc(nb * sizeof *sb), *sc = malloc(nc * sizeof *sc);
    double *sorted = malloc(nb * sizeof *sorted), *edges = malloc(o->bins * sizeof *edges);
    double *bc = NULL, *cc = NULL, *contrib = NULL;
    ls_status st = LS_OK;
    ch->kind = "score";
    if (!sb || !sc || !sorted || !edges || !(ch->name = ls_strdup(SCORE_NAME))) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = ls_model_score_table(m, base, sb, NULL, NULL, err)) != LS_OK ||
        (st = ls_model_score_table(m, cur, sc, NULL, NULL, err)) != LS_OK)
        goto done;
    memcpy(sorted, sb, nb * sizeof *sorted);
    qsort(sorted, nb, sizeof *sorted, cmp_double);
    size_t me = quantile_edges(sorted, nb, o->bins, edges);
    if ((st = add_edge_bins(ch, edges, me, err)) != LS_OK)
        goto done;
    bc = calloc(ch->n_bins, sizeof *bc);
    cc = calloc(ch->n_bins, sizeof *cc);
    contrib = calloc(ch->n_bins, sizeof *contrib);
    if (!bc || !cc || !contrib) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nb; i++)
        bc[edge_bin(edges, me, sb[i])]++;
    for (size_t i = 0; i < nc; i++)
        cc[edge_bin(edges, me, sc[i])]++;
    finish(ch, bc, cc, nb, nc, o->flag_at, contrib);
done:
    free(sb);
    free(sc);
    free(sorted);
    free(edges);
    free(bc);
    free(cc);
    free(contrib);
    return st;
}

/* ---- criteria ------------------------------------------------------------ */

typedef struct {
    const ls_table *t;
    size_t col;
    size_t *bin; /* per level */
} level_map;

/* First row holding level k, for placing an error. */
static size_t first_row(const ls_table *t, size_t col, size_t k)
{
    const uint32_t *codes = ls_table_codes(t, col);
    for (size_t i = 0; i < ls_table_rows(t); i++)
        if (codes[i] == k)
            return i;
    return 0;
}

static ls_status level_number(const ls_table *t, size_t col, size_t k, double *x, ls_error *err)
{
    const char *s = ls_table_level(t, col, k);
    if (ls_parse_number(s, x) == LS_NUM_OK)
        return LS_OK;
    return ls_fail_at(err, LS_ERR_PARSE, ls_table_source(t), ls_table_line(t, first_row(t, col, k)),
                      col + 1, ls_table_column_name(t, col), "'%s' is not a number", s);
}

static int all_numbers(const ls_table *t, size_t col)
{
    size_t nl = ls_table_level_count(t, col);
    double x;
    for (size_t k = 0; k < nl; k++)
        if (ls_parse_number(ls_table_level(t, col, k), &x) != LS_NUM_OK)
            return 0;
    return nl > 0;
}

/* Deciles of the baseline's non-missing values. */
static ls_status numeric_bins(level_map *b, level_map *c, const ls_drift_options *o,
                              ls_drift_characteristic *ch, ls_error *err)
{
    size_t nl = ls_table_level_count(b->t, b->col), n = 0;
    double *lv = malloc((nl ? nl : 1) * sizeof *lv);
    double *v = malloc((ls_table_rows(b->t) + 1) * sizeof *v);
    double *edges = malloc(o->bins * sizeof *edges);
    ls_status st = LS_OK;
    if (!lv || !v || !edges) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < nl; k++)
        if ((st = level_number(b->t, b->col, k, &lv[k], err)) != LS_OK)
            goto done;
    const uint32_t *codes = ls_table_codes(b->t, b->col);
    for (size_t i = 0; i < ls_table_rows(b->t); i++)
        if (codes[i] != LS_MISSING_CODE)
            v[n++] = lv[codes[i]];
    qsort(v, n, sizeof *v, cmp_double);
    size_t m = quantile_edges(v, n, o->bins, edges);
    if ((st = add_edge_bins(ch, edges, m, err)) != LS_OK)
        goto done;
    for (size_t k = 0; k < nl; k++)
        b->bin[k] = edge_bin(edges, m, lv[k]);
    for (size_t k = 0; k < ls_table_level_count(c->t, c->col); k++) {
        double x;
        if ((st = level_number(c->t, c->col, k, &x, err)) != LS_OK)
            goto done;
        c->bin[k] = edge_bin(edges, m, x);
    }
done:
    free(lv);
    free(v);
    free(edges);
    return st;
}

/* x as the scorer sees it before banded rules: clamped, then log1p. */
static double transformed(const ls_criterion *cr, double x)
{
    if (!isnan(cr->cap_lo) && x < cr->cap_lo)
        x = cr->cap_lo;
    if (!isnan(cr->cap_hi) && x > cr->cap_hi)
        x = cr->cap_hi;
    return cr->log1p ? log1p(x) : x;
}

static size_t band_of(const ls_criterion *cr, double x, size_t n_ranges)
{
    x = transformed(cr, x);
    size_t r = 0;
    for (size_t k = 0; k < cr->n_rules; k++) {
        const ls_rule *ru = &cr->rules[k];
        if (ru->kind != LS_COND_RANGE)
            continue;
        int lo_ok = ru->lo_open ? x > ru->lo : x >= ru->lo;
        int hi_ok = ru->hi_open ? x < ru->hi : x <= ru->hi;
        if (lo_ok && hi_ok)
            return r;
        r++;
    }
    return n_ranges; /* the reference band */
}

static ls_status banded_bins(const ls_criterion *cr, level_map *maps, ls_drift_characteristic *ch,
                             ls_error *err)
{
    size_t n_ranges = 0;
    ls_status st = LS_OK;
    char label[100], a[40], b[40];
    for (size_t k = 0; k < cr->n_rules && st == LS_OK; k++) {
        const ls_rule *ru = &cr->rules[k];
        if (ru->kind != LS_COND_RANGE)
            continue;
        if (ru->label && ru->label[0])
            snprintf(label, sizeof label, "%s", ru->label);
        else
            snprintf(label, sizeof label, "%s%s, %s%s", ru->lo_open ? "(" : "[",
                     ls_mon_number(ru->lo, a), ls_mon_number(ru->hi, b), ru->hi_open ? ")" : "]");
        st = add_bin(ch, label, err);
        n_ranges++;
    }
    if (st == LS_OK)
        st = add_bin(ch, cr->reference ? cr->reference : "(reference band)", err);
    for (int s = 0; s < 2 && st == LS_OK; s++)
        for (size_t k = 0; k < ls_table_level_count(maps[s].t, maps[s].col) && st == LS_OK; k++) {
            double x;
            if ((st = level_number(maps[s].t, maps[s].col, k, &x, err)) == LS_OK)
                maps[s].bin[k] = band_of(cr, x, n_ranges);
        }
    return st;
}

static ls_status boolean_bins(level_map *maps, ls_drift_characteristic *ch, ls_error *err)
{
    ls_status st = add_bin(ch, "yes", err);
    if (st == LS_OK)
        st = add_bin(ch, "no", err);
    for (int s = 0; s < 2 && st == LS_OK; s++) {
        const ls_table *t = maps[s].t;
        for (size_t k = 0; k < ls_table_level_count(t, maps[s].col); k++) {
            int v;
            const char *text = ls_table_level(t, maps[s].col, k);
            if (!ls_parse_bool(text, &v))
                return ls_fail_at(err, LS_ERR_PARSE, ls_table_source(t),
                                  ls_table_line(t, first_row(t, maps[s].col, k)), maps[s].col + 1,
                                  ls_table_column_name(t, maps[s].col), "'%s' is not yes or no",
                                  text);
            maps[s].bin[k] = v ? 0 : 1;
        }
    }
    return st;
}

typedef struct {
    size_t level, rows;
} level_rows;

static int by_rows_desc(const void *a, const void *b)
{
    const level_rows *x = a, *y = b;
    if (x->rows != y->rows)
        return (x->rows < y->rows) - (x->rows > y->rows);
    return (x->level > y->level) - (x->level < y->level);
}

/* Every baseline level (most rows first), the rare ones pooled, then
 * "(unseen)". */
static ls_status categorical_bins(level_map *b, level_map *c, ls_drift_characteristic *ch,
                                  ls_error *err)
{
    size_t nl = ls_table_level_count(b->t, b->col);
    size_t ncl = ls_table_level_count(c->t, c->col);
    level_rows *order = malloc((nl > ncl ? nl : ncl) * sizeof *order + 1);
    ls_status st = LS_OK;
    if (!order)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < nl; k++)
        order[k] = (level_rows){k, ls_table_level_rows(b->t, b->col, k)};
    qsort(order, nl, sizeof *order, by_rows_desc);
    /* levels below RARE_SHARE of the baseline share one bin when two or more */
    size_t kept = nl;
    double rare_rows = RARE_SHARE * (double)ls_table_rows(b->t);
    while (kept > 0 && (double)order[kept - 1].rows < rare_rows)
        kept--;
    if (nl - kept < 2)
        kept = nl;
    for (size_t i = 0; i < nl && st == LS_OK; i++) {
        b->bin[order[i].level] = i < kept ? i : kept;
        if (i < kept)
            st = add_bin(ch, ls_table_level(b->t, b->col, order[i].level), err);
    }
    if (st == LS_OK && kept < nl)
        st = add_bin(ch, RARE_LABEL, err);
    size_t unseen_bin = ch->n_bins;
    if (st == LS_OK)
        st = add_bin(ch, UNSEEN_LABEL, err);
    if (st != LS_OK)
        goto done;
    /* current levels: the baseline's bin, else unseen (listed) */
    size_t n_unseen = 0;
    for (size_t k = 0; k < ncl; k++) {
        size_t bl = ls_table_find_level(b->t, b->col, ls_table_level(c->t, c->col, k));
        if (bl != (size_t)-1) {
            c->bin[k] = b->bin[bl];
        } else {
            c->bin[k] = unseen_bin;
            order[n_unseen++] = (level_rows){k, ls_table_level_rows(c->t, c->col, k)};
        }
    }
    qsort(order, n_unseen, sizeof *order, by_rows_desc);
    if (n_unseen && !(ch->unseen = calloc(n_unseen, sizeof *ch->unseen))) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_unseen; i++) {
        ch->unseen[i].rows = order[i].rows;
        ch->unseen_rows += order[i].rows;
        if (!(ch->unseen[i].level = ls_strdup(ls_table_level(c->t, c->col, order[i].level)))) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
        ch->n_unseen++;
    }
done:
    free(order);
    return st;
}

static ls_status find_column(const ls_table *t, const char *column, size_t *col, ls_error *err)
{
    *col = ls_table_find_column(t, column);
    if (*col == (size_t)-1)
        return ls_fail_at(err, LS_ERR_NOTFOUND, ls_table_source(t), 1, 0, column,
                          "the data has no column '%s', which the model scores", column);
    return LS_OK;
}

static ls_status criterion_characteristic(const ls_criterion *cr, const ls_table *base,
                                          const ls_table *cur, const ls_drift_options *o,
                                          ls_drift_characteristic *ch, ls_error *err)
{
    level_map maps[2] = {{base, 0, NULL}, {cur, 0, NULL}};
    double *bc = NULL, *cc = NULL, *contrib = NULL;
    ls_status st;
    if ((st = find_column(base, cr->column, &maps[0].col, err)) != LS_OK ||
        (st = find_column(cur, cr->column, &maps[1].col, err)) != LS_OK)
        return st;
    if (!(ch->name = ls_strdup(cr->column)))
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (int s = 0; s < 2; s++) {
        size_t nl = ls_table_level_count(maps[s].t, maps[s].col);
        if (!(maps[s].bin = calloc(nl + 1, sizeof *maps[s].bin))) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    ls_crit_kind kind = cr->kind;
    if (kind == LS_CRIT_RULES) /* hand-written: numbers when every value is one */
        kind = all_numbers(base, maps[0].col) && all_numbers(cur, maps[1].col)
                   ? LS_CRIT_NUMERIC
                   : LS_CRIT_CATEGORICAL;
    switch (kind) {
    case LS_CRIT_NUMERIC:
        ch->kind = "numeric";
        st = numeric_bins(&maps[0], &maps[1], o, ch, err);
        break;
    case LS_CRIT_BANDED:
        ch->kind = "banded";
        st = banded_bins(cr, maps, ch, err);
        break;
    case LS_CRIT_BOOLEAN:
        ch->kind = "yes/no";
        st = boolean_bins(maps, ch, err);
        break;
    case LS_CRIT_RULES:
    case LS_CRIT_CATEGORICAL:
        ch->kind = "categorical";
        st = categorical_bins(&maps[0], &maps[1], ch, err);
        break;
    }
    if (st != LS_OK || (st = add_bin(ch, MISSING_LABEL, err)) != LS_OK)
        goto done;
    size_t missing_bin = ch->n_bins - 1;
    bc = calloc(ch->n_bins, sizeof *bc);
    cc = calloc(ch->n_bins, sizeof *cc);
    contrib = calloc(ch->n_bins, sizeof *contrib);
    if (!bc || !cc || !contrib) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int s = 0; s < 2; s++) {
        const uint32_t *codes = ls_table_codes(maps[s].t, maps[s].col);
        double *counts = s ? cc : bc;
        for (size_t i = 0; i < ls_table_rows(maps[s].t); i++)
            counts[codes[i] == LS_MISSING_CODE ? missing_bin : maps[s].bin[codes[i]]]++;
    }
    size_t nb = ls_table_rows(base), nc = ls_table_rows(cur);
    ch->baseline_missing = (size_t)bc[missing_bin];
    ch->current_missing = (size_t)cc[missing_bin];
    ch->baseline_missing_rate = (double)ch->baseline_missing / (double)nb;
    ch->current_missing_rate = (double)ch->current_missing / (double)nc;
    finish(ch, bc, cc, nb, nc, o->flag_at, contrib);
done:
    free(maps[0].bin);
    free(maps[1].bin);
    free(bc);
    free(cc);
    free(contrib);
    return st;
}

ls_status ls_drift_compute(const ls_model *model, const ls_table *baseline, const ls_table *current,
                           const ls_drift_options *opts, ls_drift_report *out, ls_error *err)
{
    ls_drift_options defaults;
    ls_drift_options_init(&defaults);
    const ls_drift_options *o = opts ? opts : &defaults;
    memset(out, 0, sizeof *out);
    if (o->bins < 2 || o->bins > 1000)
        return ls_fail(err, LS_ERR_USAGE, "drift needs between 2 and 1000 quantile bins, not %zu",
                       o->bins);
    if (!(o->flag_at > 0))
        return ls_fail(err, LS_ERR_USAGE, "the drift flag threshold must be above 0");
    const ls_table *tables[2] = {baseline, current};
    for (int s = 0; s < 2; s++)
        if (ls_table_rows(tables[s]) == 0)
            return ls_fail_at(err, LS_ERR_DATA, ls_table_source(tables[s]), 0, 0, NULL,
                              "no leads to measure drift on");
    ls_status st = LS_OK;
    out->flag_at = o->flag_at;
    out->baseline_rows = ls_table_rows(baseline);
    out->current_rows = ls_table_rows(current);
    out->baseline_source = ls_strdup(ls_table_source(baseline));
    out->current_source = ls_strdup(ls_table_source(current));
    out->criteria = calloc(model->n_criteria ? model->n_criteria : 1, sizeof *out->criteria);
    if (!out->baseline_source || !out->current_source || !out->criteria) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = score_characteristic(model, baseline, current, o, &out->score, err)) != LS_OK)
        goto done;
    for (size_t c = 0; c < model->n_criteria; c++) {
        st = criterion_characteristic(&model->criteria[c], baseline, current, o, &out->criteria[c],
                                      err);
        out->n_criteria++;
        if (st != LS_OK)
            goto done;
        out->n_flagged += out->criteria[c].flagged;
    }
done:
    if (st != LS_OK)
        ls_drift_report_release(out);
    return st;
}

void ls_drift_report_release(ls_drift_report *r)
{
    if (!r)
        return;
    characteristic_release(&r->score);
    for (size_t i = 0; i < r->n_criteria; i++)
        characteristic_release(&r->criteria[i]);
    free(r->criteria);
    free(r->baseline_source);
    free(r->current_source);
    memset(r, 0, sizeof *r);
}

/* ---- writing ------------------------------------------------------------- */

/* Width of a text column holding these names: at least min, at most 48. */
static int name_width(const ls_drift_characteristic *ch, size_t n, int is_bins, int min)
{
    size_t w = (size_t)min;
    for (size_t i = 0; i < n; i++) {
        if (is_bins) {
            for (size_t k = 0; k < ch->n_bins; k++)
                w = strlen(ch->bins[k].label) > w ? strlen(ch->bins[k].label) : w;
        } else if (strlen(ch[i].name) > w) {
            w = strlen(ch[i].name);
        }
    }
    return (int)(w < 48 ? w : 48);
}

static void text_bins(const ls_drift_characteristic *ch, FILE *out)
{
    int w = name_width(ch, 1, 1, 12);
    fprintf(out, "\n%s (%s, index %.4f, %s)\n", ch->name, ch->kind, ch->index,
            ls_stability_name(ch->reading));
    fprintf(out, "  %-*s %10s %9s %10s %9s %12s\n", w, "bin", "baseline", "share", "current",
            "share", "contribution");
    for (size_t i = 0; i < ch->n_bins; i++) {
        const ls_drift_bin *b = &ch->bins[i];
        fprintf(out, "  %-*s %10zu %8.2f%% %10zu %8.2f%% %12.4f\n", w, b->label, b->baseline_rows,
                100 * b->baseline_share, b->current_rows, 100 * b->current_share, b->contribution);
    }
}

static void write_text(const ls_drift_report *r, FILE *out)
{
    fprintf(out, "drift from %s (%zu leads) to %s (%zu leads)\n", r->baseline_source,
            r->baseline_rows, r->current_source, r->current_rows);
    fprintf(out,
            "stability index: < 0.1 stable, 0.1-0.25 watch, > 0.25 shifted; flagged at >= %g\n",
            r->flag_at);
    fprintf(out, "\nscore PSI %.4f  %s%s\n", r->score.index, ls_stability_name(r->score.reading),
            r->score.flagged ? "  FLAGGED" : "");
    int w = name_width(r->criteria, r->n_criteria, 0, 9);
    fprintf(out, "\n%-*s %-12s %8s %-8s %18s %8s\n", w, "criterion", "binning", "CSI", "reading",
            "missing base->now", "unseen");
    for (size_t c = 0; c < r->n_criteria; c++) {
        const ls_drift_characteristic *ch = &r->criteria[c];
        char miss[40];
        snprintf(miss, sizeof miss, "%.1f%% -> %.1f%%", 100 * ch->baseline_missing_rate,
                 100 * ch->current_missing_rate);
        fprintf(out, "%-*s %-12s %8.4f %-8s %18s %8zu%s\n", w, ch->name, ch->kind, ch->index,
                ls_stability_name(ch->reading), miss, ch->unseen_rows,
                ch->flagged ? "  FLAGGED" : "");
    }
    fprintf(out, "\nflagged criteria: ");
    if (!r->n_flagged)
        fprintf(out, "none");
    for (size_t c = 0, k = 0; c < r->n_criteria; c++)
        if (r->criteria[c].flagged)
            fprintf(out, "%s%s (%.4f, %s)", k++ ? ", " : "", r->criteria[c].name,
                    r->criteria[c].index, ls_stability_name(r->criteria[c].reading));
    fputc('\n', out);
    for (size_t c = 0; c < r->n_criteria; c++) {
        const ls_drift_characteristic *ch = &r->criteria[c];
        if (!ch->n_unseen)
            continue;
        fprintf(out, "unseen in %s: %zu rows, %zu level%s:", ch->name, ch->unseen_rows,
                ch->n_unseen, ch->n_unseen == 1 ? "" : "s");
        for (size_t i = 0; i < ch->n_unseen && i < TEXT_UNSEEN_SHOWN; i++)
            fprintf(out, "%s '%s' (%zu)", i ? "," : "", ch->unseen[i].level, ch->unseen[i].rows);
        fprintf(out, "%s\n", ch->n_unseen > TEXT_UNSEEN_SHOWN ? ", ..." : "");
    }
    text_bins(&r->score, out);
    for (size_t c = 0; c < r->n_criteria; c++)
        if (r->criteria[c].flagged)
            text_bins(&r->criteria[c], out);
}

static void csv_row(const ls_drift_characteristic *ch, int is_score, FILE *out)
{
    ls_mon_csv_field(out, ch->name);
    fprintf(out, ",%s,", ch->kind);
    ls_mon_csv_number(out, ch->index);
    fprintf(out, ",%s,%d,", ls_stability_name(ch->reading), ch->flagged);
    if (!is_score) {
        ls_mon_csv_number(out, ch->baseline_missing_rate);
        fputc(',', out);
        ls_mon_csv_number(out, ch->current_missing_rate);
        fprintf(out, ",%zu,%zu\n", ch->n_unseen, ch->unseen_rows);
    } else {
        fputs(",,,\n", out);
    }
}

static cJSON *json_characteristic(const ls_drift_characteristic *ch, int *ok)
{
    cJSON *o = cJSON_CreateObject(), *bins = cJSON_CreateArray();
    ls_mon_json_add(o, "name", ls_mon_json_string(ch->name), ok);
    ls_mon_json_add(o, "binning", ls_mon_json_string(ch->kind), ok);
    ls_mon_json_add(o, "index", ls_mon_json_number(ch->index), ok);
    ls_mon_json_add(o, "reading", ls_mon_json_string(ls_stability_name(ch->reading)), ok);
    ls_mon_json_add(o, "flagged", cJSON_CreateBool(ch->flagged), ok);
    ls_mon_json_add(o, "baseline_missing", cJSON_CreateNumber((double)ch->baseline_missing), ok);
    ls_mon_json_add(o, "current_missing", cJSON_CreateNumber((double)ch->current_missing), ok);
    ls_mon_json_add(o, "baseline_missing_rate", ls_mon_json_number(ch->baseline_missing_rate), ok);
    ls_mon_json_add(o, "current_missing_rate", ls_mon_json_number(ch->current_missing_rate), ok);
    for (size_t i = 0; i < ch->n_bins && bins; i++) {
        const ls_drift_bin *b = &ch->bins[i];
        cJSON *jb = cJSON_CreateObject();
        ls_mon_json_add(jb, "label", ls_mon_json_string(b->label), ok);
        ls_mon_json_add(jb, "baseline_rows", cJSON_CreateNumber((double)b->baseline_rows), ok);
        ls_mon_json_add(jb, "baseline_share", ls_mon_json_number(b->baseline_share), ok);
        ls_mon_json_add(jb, "current_rows", cJSON_CreateNumber((double)b->current_rows), ok);
        ls_mon_json_add(jb, "current_share", ls_mon_json_number(b->current_share), ok);
        ls_mon_json_add(jb, "contribution", ls_mon_json_number(b->contribution), ok);
        if (jb)
            cJSON_AddItemToArray(bins, jb);
        else
            *ok = 0;
    }
    ls_mon_json_add(o, "bins", bins, ok);
    cJSON *unseen = cJSON_CreateArray();
    for (size_t i = 0; i < ch->n_unseen && unseen; i++) {
        cJSON *u = cJSON_CreateObject();
        ls_mon_json_add(u, "level", ls_mon_json_string(ch->unseen[i].level), ok);
        ls_mon_json_add(u, "rows", cJSON_CreateNumber((double)ch->unseen[i].rows), ok);
        if (u)
            cJSON_AddItemToArray(unseen, u);
        else
            *ok = 0;
    }
    ls_mon_json_add(o, "unseen", unseen, ok);
    return o;
}

ls_status ls_drift_write(const ls_drift_report *r, ls_monitor_format format, FILE *out,
                         ls_error *err)
{
    locale_t old = ls_mon_locale_enter();
    ls_status st = LS_OK;
    if (format == LS_MONITOR_TEXT) {
        write_text(r, out);
    } else if (format == LS_MONITOR_CSV) {
        fputs("characteristic,kind,index,reading,flagged,baseline_missing_rate,"
              "current_missing_rate,unseen_levels,unseen_rows\n",
              out);
        csv_row(&r->score, 1, out);
        for (size_t c = 0; c < r->n_criteria; c++)
            csv_row(&r->criteria[c], 0, out);
    } else {
        int ok = 1;
        cJSON *root = cJSON_CreateObject(), *crit = cJSON_CreateArray();
        ls_mon_json_add(root, "baseline", ls_mon_json_string(r->baseline_source), &ok);
        ls_mon_json_add(root, "baseline_rows", cJSON_CreateNumber((double)r->baseline_rows), &ok);
        ls_mon_json_add(root, "current", ls_mon_json_string(r->current_source), &ok);
        ls_mon_json_add(root, "current_rows", cJSON_CreateNumber((double)r->current_rows), &ok);
        ls_mon_json_add(root, "flag_at", ls_mon_json_number(r->flag_at), &ok);
        ls_mon_json_add(root, "epsilon", ls_mon_json_number(LS_PSI_EPSILON), &ok);
        ls_mon_json_add(root, "score", json_characteristic(&r->score, &ok), &ok);
        for (size_t c = 0; c < r->n_criteria && crit; c++) {
            cJSON *jc = json_characteristic(&r->criteria[c], &ok);
            if (jc)
                cJSON_AddItemToArray(crit, jc);
            else
                ok = 0;
        }
        ls_mon_json_add(root, "criteria", crit, &ok);
        ls_mon_json_add(root, "flagged", cJSON_CreateNumber((double)r->n_flagged), &ok);
        st = ls_mon_json_write(root, ok, out, err);
    }
    ls_mon_locale_leave(old);
    return st == LS_OK ? ls_mon_stream_status(out, err) : st;
}
