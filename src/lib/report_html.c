/* The HTML report: one self-contained file (no scripts, fonts or images
 * fetched from anywhere) with the model's summary, validation metrics, the
 * points table, tiers and every chart the inputs allow, inlined as PNG data
 * URIs.
 *
 * PNG rather than inline SVG: several gnuplot SVGs on one page share element
 * ids (gnuplot_canvas, gpPt0...), which an HTML document may not repeat.
 * Base64 comes from nettle, which leadscore already links for SHA-256.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <math.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/metrics.h"
#include "leadscore/output.h"
#include "plot_internal.h"
#include "text.h"

#ifndef LEADSCORE_VERSION
#define LEADSCORE_VERSION "unknown"
#endif

#define GROUPS 10

static const char page_style[] =
    "*{box-sizing:border-box}"
    "body{margin:0;background:#f4f5f7;color:#1f2328;font:15px/1.5 'DejaVu Sans',Helvetica,"
    "Arial,sans-serif}"
    "main{max-width:1200px;margin:0 auto;padding:28px 32px 48px}"
    "header h1{margin:0;font-size:28px;font-weight:600}"
    "header p{margin:4px 0 0;color:#57606a}"
    "h2{font-size:20px;font-weight:600;margin:36px 0 12px;padding-bottom:6px;"
    "border-bottom:1px solid #d0d7de}"
    "h3{font-size:16px;margin:20px 0 8px}"
    ".cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;"
    "margin-top:22px}"
    ".card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 14px}"
    ".card .k{font-size:12px;color:#57606a;text-transform:uppercase;letter-spacing:.04em}"
    ".card .v{font-size:26px;font-weight:600;color:#2166ac}"
    ".card .s{font-size:12px;color:#57606a}"
    "figure{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px}"
    "figure img{display:block;width:100%;height:auto}"
    "figcaption{font-size:13px;color:#57606a;padding:6px 4px 0}"
    ".grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}"
    "table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de;"
    "font-size:13.5px}"
    "th,td{padding:5px 10px;border-bottom:1px solid #eaeef2;text-align:left;"
    "vertical-align:middle}"
    "th{background:#f6f8fa;font-weight:600}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "tr.crit td{background:#f6f8fa;font-weight:600}"
    "tr.ns td{color:#8c959f}"
    ".bar{display:inline-block;height:10px;border-radius:2px;vertical-align:middle}"
    ".pos{background:#2166ac}.neg{background:#d95f02}.ns .bar{opacity:.35}"
    ".barcell{width:160px}"
    ".note{color:#57606a;font-size:13px}"
    "footer{margin-top:40px;color:#8c959f;font-size:12px}";

/* ---- HTML text -------------------------------------------------------------- */

static void esc(ls_sbuf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '&':
            ls_sbuf_puts(b, "&amp;");
            break;
        case '<':
            ls_sbuf_puts(b, "&lt;");
            break;
        case '>':
            ls_sbuf_puts(b, "&gt;");
            break;
        case '"':
            ls_sbuf_puts(b, "&quot;");
            break;
        case '\'':
            ls_sbuf_puts(b, "&#39;");
            break;
        default:
            ls_sbuf_add(b, p, 1);
        }
    }
}

/* A number cell: v as style 'f' (fixed), '+' (fixed with sign), 'g' or '%'
 * (fixed with a percent sign) with prec digits, or an en dash for NAN. */
static void num_cell(ls_sbuf *b, char style, int prec, double v)
{
    ls_sbuf_puts(b, "<td class=\"n\">");
    if (isnan(v))
        ls_sbuf_puts(b, "&ndash;");
    else if (style == '+')
        ls_sbuf_printf(b, "%+.*f", prec, v);
    else if (style == 'g')
        ls_sbuf_printf(b, "%.*g", prec, v);
    else if (style == '%')
        ls_sbuf_printf(b, "%.*f%%", prec, v);
    else
        ls_sbuf_printf(b, "%.*f", prec, v);
    ls_sbuf_puts(b, "</td>");
}

static void card(ls_sbuf *b, const char *key, const char *value, const char *sub)
{
    ls_sbuf_puts(b, "<div class=\"card\"><div class=\"k\">");
    esc(b, key);
    ls_sbuf_puts(b, "</div><div class=\"v\">");
    esc(b, value);
    ls_sbuf_puts(b, "</div><div class=\"s\">");
    esc(b, sub);
    ls_sbuf_puts(b, "</div></div>\n");
}

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path ? path : "";
}

/* ---- charts -------------------------------------------------------------------- */

static ls_status figure(ls_sbuf *b, const ls_model *m, ls_plot_kind kind, const ls_plot_inputs *in,
                        const ls_plot_options *base, const char *criterion, unsigned w, unsigned h,
                        const char *caption, ls_error *err)
{
    ls_plot_options o = *base;
    o.format = LS_PLOT_PNG;
    o.width = w;
    o.height = h;
    o.criterion = criterion;
    o.standardised = 0;
    unsigned char *png = NULL;
    size_t len = 0;
    ls_status st = ls_plot_render(m, kind, in, &o, &png, &len, err);
    if (st != LS_OK)
        return st;
    size_t enc = BASE64_ENCODE_RAW_LENGTH(len);
    char *text = malloc(enc + 1);
    if (!text) {
        free(png);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    base64_encode_raw(text, len, png);
    text[enc] = '\0';
    free(png);
    ls_sbuf_puts(b, "<figure><img alt=\"");
    esc(b, caption);
    ls_sbuf_printf(b, "\" width=\"%u\" height=\"%u\" src=\"data:image/png;base64,", w, h);
    ls_sbuf_add(b, text, enc);
    ls_sbuf_puts(b, "\"><figcaption>");
    esc(b, caption);
    ls_sbuf_puts(b, "</figcaption></figure>\n");
    free(text);
    return LS_OK;
}

/* ---- sections -------------------------------------------------------------------- */

typedef struct {
    const ls_plot_data *d;
    ls_metrics mt;
    ls_group g[GROUPS];
    size_t ng;
} sample;

static ls_status measure(const ls_plot_data *d, sample *s, ls_error *err)
{
    double *score = NULL, *p = NULL, *y = NULL;
    size_t n = 0;
    memset(s, 0, sizeof *s);
    s->d = d;
    ls_status st = ls_plot_known(d, &score, &p, &y, &n, err);
    if (st == LS_OK)
        st = ls_metrics_compute(score, p, y, n, &s->mt, err);
    if (st == LS_OK)
        st = ls_gains_table(score, p, y, n, GROUPS, s->g, &s->ng, err);
    free(score);
    free(p);
    free(y);
    if (st != LS_OK && err && err->code == LS_ERR_DATA) {
        char msg[LS_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "%s", err->message);
        ls_fail(err, LS_ERR_DATA, "%s: %s", d->name, msg);
    }
    return st;
}

static void summary_cards(ls_sbuf *b, const ls_model *m, const sample *s)
{
    char v[64], sub[200];
    ls_sbuf_puts(b, "<section class=\"cards\">\n");
    snprintf(v, sizeof v, "%.3f", s->mt.auc);
    snprintf(sub, sizeof sub, "95%% CI %.3f-%.3f on %s", s->mt.auc_low, s->mt.auc_high, s->d->name);
    card(b, "AUC of the points", v, sub);
    snprintf(v, sizeof v, "%zu", s->mt.rows);
    snprintf(sub, sizeof sub, "%zu converted (%.1f%%)", s->mt.positives, 100 * s->mt.observed_rate);
    card(b, "Leads scored", v, sub);
    if (s->ng) {
        snprintf(v, sizeof v, "%.1fx", s->g[0].lift);
        snprintf(sub, sizeof sub, "best-scored %.0f%% convert at %.1f%%",
                 100 * s->g[0].cum_rows_share, 100 * s->g[0].rate);
        card(b, "Top-decile lift", v, sub);
    }
    if (s->ng > 2) {
        snprintf(v, sizeof v, "%.0f%%", 100 * s->g[2].cum_gain);
        snprintf(sub, sizeof sub, "of conversions in the best %.0f%% of leads",
                 100 * s->g[2].cum_rows_share);
        card(b, "Captured", v, sub);
    }
    snprintf(v, sizeof v, "%.3f", s->mt.ks);
    snprintf(sub, sizeof sub, "Gini %.3f", s->mt.gini);
    card(b, "KS statistic", v, sub);
    if (!isnan(s->mt.calibration_slope)) {
        snprintf(v, sizeof v, "%.2f", s->mt.calibration_slope);
        snprintf(sub, sizeof sub, "intercept %+.2f (1 and 0 are ideal)",
                 s->mt.calibration_intercept);
        card(b, "Calibration slope", v, sub);
    }
    if (m->n_tiers > 1) {
        /* the top tier on the data: its share of leads and how they convert */
        double rows = 0, conv = 0, known = 0;
        for (size_t i = 0; i < s->d->n; i++) {
            if (isnan(s->d->y[i]))
                continue;
            known += 1;
            if (s->d->score[i] >= m->tiers[0].min_score) {
                rows += 1;
                conv += s->d->y[i];
            }
        }
        snprintf(v, sizeof v, "%.1f%%", rows > 0 ? 100 * conv / rows : 0.0);
        snprintf(sub, sizeof sub, "conversion of the %.0f%% of leads scoring %g or more",
                 known > 0 ? 100 * rows / known : 0.0, m->tiers[0].min_score);
        char key[120];
        snprintf(key, sizeof key, "Tier '%s'", m->tiers[0].name);
        card(b, key, v, sub);
    }
    size_t n_levels = 0;
    for (size_t i = 0; i < m->n_criteria; i++)
        n_levels += m->criteria[i].n_rules;
    snprintf(v, sizeof v, "%zu", m->n_criteria);
    snprintf(sub, sizeof sub, "%zu scored levels and rules", n_levels);
    card(b, "Criteria", v, sub);
    ls_sbuf_puts(b, "</section>\n");
}

static void metrics_table(ls_sbuf *b, const sample *s, size_t ns)
{
    ls_sbuf_puts(b, "<table><tr><th>leads</th><th class=\"n\">rows</th><th class=\"n\">converted"
                    "</th><th class=\"n\">AUC</th><th class=\"n\">95% CI</th><th class=\"n\">Gini"
                    "</th><th class=\"n\">KS</th><th class=\"n\">log loss</th><th class=\"n\">"
                    "Brier</th><th class=\"n\">calibration slope</th><th class=\"n\">intercept"
                    "</th><th class=\"n\">Hosmer-Lemeshow p</th></tr>\n");
    for (size_t i = 0; i < ns; i++) {
        const ls_metrics *t = &s[i].mt;
        ls_sbuf_puts(b, "<tr><td>");
        esc(b, s[i].d->name);
        ls_sbuf_printf(b, "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>", t->rows,
                       t->positives);
        num_cell(b, 'f', 4, t->auc);
        ls_sbuf_printf(b, "<td class=\"n\">%.4f&ndash;%.4f</td>", t->auc_low, t->auc_high);
        num_cell(b, 'f', 4, t->gini);
        num_cell(b, 'f', 4, t->ks);
        num_cell(b, 'f', 4, t->log_loss);
        num_cell(b, 'f', 4, t->brier);
        num_cell(b, 'f', 3, t->calibration_slope);
        num_cell(b, '+', 3, t->calibration_intercept);
        num_cell(b, 'g', 3, t->hl_p);
        ls_sbuf_puts(b, "</tr>\n");
    }
    ls_sbuf_puts(b, "</table>\n<p class=\"note\">AUC with DeLong's interval; calibration slope "
                    "and intercept of the logistic recalibration of the predicted probabilities "
                    "(1 and 0 when calibrated).</p>\n");
}

static void gains_table(ls_sbuf *b, const sample *s)
{
    ls_sbuf_puts(b, "<h3>Gains by score decile on ");
    esc(b, s->d->name);
    ls_sbuf_puts(b, "</h3>\n<table><tr><th class=\"n\">decile</th><th class=\"n\">scores</th>"
                    "<th class=\"n\">leads</th><th class=\"n\">converted</th><th class=\"n\">"
                    "conversion</th><th class=\"n\">predicted</th><th class=\"n\">lift</th>"
                    "<th class=\"n\">leads (cum.)</th><th class=\"n\">conversions (cum.)</th>"
                    "</tr>\n");
    for (size_t j = 0; j < s->ng; j++) {
        const ls_group *g = &s->g[j];
        ls_sbuf_printf(b,
                       "<tr><td class=\"n\">%zu</td><td class=\"n\">%g to %g</td>"
                       "<td class=\"n\">%zu</td><td class=\"n\">%zu</td>",
                       j + 1, g->score_lo, g->score_hi, g->rows, g->positives);
        num_cell(b, '%', 1, 100 * g->rate);
        num_cell(b, '%', 1, 100 * g->mean_predicted);
        num_cell(b, 'f', 2, g->lift);
        num_cell(b, '%', 0, 100 * g->cum_rows_share);
        num_cell(b, '%', 0, 100 * g->cum_gain);
        ls_sbuf_puts(b, "</tr>\n");
    }
    ls_sbuf_puts(b, "</table>\n");
}

static void points_row(ls_sbuf *b, const ls_model *m, const char *level, double points,
                       int per_unit, long term, double max_abs)
{
    const ls_term *t = term >= 0 && (size_t)term < m->n_terms ? &m->terms[term] : NULL;
    int ns = t && !(t->p_value < 0.05);
    ls_sbuf_printf(b, "<tr%s><td></td><td>", ns ? " class=\"ns\"" : "");
    esc(b, level);
    ls_sbuf_printf(b, "</td><td class=\"n\">%+g%s</td><td class=\"barcell\">", points,
                   per_unit ? " each" : "");
    double width = max_abs > 0 ? 150 * fabs(points) / max_abs : 0;
    if (width > 0)
        ls_sbuf_printf(b, "<span class=\"bar %s\" style=\"width:%.0fpx\"></span>",
                       points >= 0 ? "pos" : "neg", fmax(1, width));
    ls_sbuf_puts(b, "</td>");
    if (m->learned) {
        num_cell(b, '+', 4, t ? t->estimate : NAN);
        if (t && !isnan(t->ci_low))
            ls_sbuf_printf(b, "<td class=\"n\">%+.3f to %+.3f</td>", t->ci_low, t->ci_high);
        else
            ls_sbuf_puts(b, "<td class=\"n\">&ndash;</td>");
        num_cell(b, 'g', 3, t ? t->p_value : NAN);
    }
    ls_sbuf_puts(b, "</tr>\n");
}

static void points_table(ls_sbuf *b, const ls_model *m)
{
    double max_abs = 0;
    for (size_t i = 0; i < m->n_criteria; i++)
        for (size_t k = 0; k < m->criteria[i].n_rules; k++)
            if (m->criteria[i].rules[k].kind != LS_COND_PER_UNIT)
                max_abs = fmax(max_abs, fabs(m->criteria[i].rules[k].points));
    ls_sbuf_puts(b, "<table><tr><th>criterion</th><th>level</th><th class=\"n\">points</th>"
                    "<th></th>");
    if (m->learned)
        ls_sbuf_puts(b, "<th class=\"n\">estimate</th><th class=\"n\">95% CI</th>"
                        "<th class=\"n\">p-value</th>");
    ls_sbuf_puts(b, "</tr>\n");
    int cols = m->learned ? 7 : 4;
    for (size_t i = 0; i < m->n_criteria; i++) {
        const ls_criterion *c = &m->criteria[i];
        ls_sbuf_printf(b, "<tr class=\"crit\"><td colspan=\"%d\">", cols);
        esc(b, c->label ? c->label : c->column);
        if (c->label && strcmp(c->label, c->column) != 0) {
            ls_sbuf_puts(b, " <span class=\"note\">(");
            esc(b, c->column);
            ls_sbuf_puts(b, ")</span>");
        }
        ls_sbuf_puts(b, "</td></tr>\n");
        for (size_t k = 0; k < c->n_rules; k++) {
            const ls_rule *r = &c->rules[k];
            const char *level = c->kind == LS_CRIT_BOOLEAN && r->kind == LS_COND_TRUE ? "yes"
                                : r->kind == LS_COND_PER_UNIT                         ? "per unit"
                                                              : ls_plot_short_label(c, r);
            points_row(b, m, level[0] ? level : "(any)", r->points, r->kind == LS_COND_PER_UNIT,
                       r->term, max_abs);
        }
        if (m->learned && (c->reference || c->kind == LS_CRIT_BOOLEAN)) {
            char ref[300];
            snprintf(ref, sizeof ref, "%s (reference)",
                     c->kind == LS_CRIT_BOOLEAN ? "no" : c->reference);
            ls_sbuf_printf(b, "<tr><td></td><td>");
            esc(b, ref);
            ls_sbuf_printf(b,
                           "</td><td class=\"n\">0</td><td></td><td colspan=\"%d\"></td>"
                           "</tr>\n",
                           cols - 4);
        }
    }
    ls_sbuf_puts(b, "</table>\n");
    if (m->learned)
        ls_sbuf_puts(b, "<p class=\"note\">Grey rows: not significant at 5%. Points are the "
                        "estimate times the scaling factor, rounded.</p>\n");
}

static void tiers_table(ls_sbuf *b, const ls_model *m, const ls_plot_data *d)
{
    if (!m->n_tiers)
        return;
    double *rows = calloc(m->n_tiers, sizeof *rows), *conv = calloc(m->n_tiers, sizeof *conv);
    if (!rows || !conv) {
        free(rows);
        free(conv);
        b->failed = 1;
        return;
    }
    for (size_t i = 0; i < d->n; i++) {
        if (isnan(d->y[i]))
            continue;
        size_t k = 0;
        while (k + 1 < m->n_tiers && !(d->score[i] >= m->tiers[k].min_score))
            k++;
        rows[k] += 1;
        conv[k] += d->y[i];
    }
    ls_sbuf_puts(b, "<h2>Tiers</h2>\n<p class=\"note\">On ");
    esc(b, d->name);
    ls_sbuf_puts(b, ".</p>\n<table><tr><th>tier</th><th class=\"n\">from score</th>"
                    "<th class=\"n\">leads</th><th class=\"n\">share</th><th class=\"n\">"
                    "conversion</th></tr>\n");
    for (size_t k = 0; k < m->n_tiers; k++) {
        ls_sbuf_puts(b, "<tr><td>");
        esc(b, m->tiers[k].name);
        ls_sbuf_puts(b, "</td>");
        if (isfinite(m->tiers[k].min_score))
            ls_sbuf_printf(b, "<td class=\"n\">%g</td>", m->tiers[k].min_score);
        else
            ls_sbuf_puts(b, "<td class=\"n\">below</td>");
        ls_sbuf_printf(b, "<td class=\"n\">%.0f</td>", rows[k]);
        num_cell(b, '%', 1, d->n_outcomes ? 100 * rows[k] / (double)d->n_outcomes : NAN);
        num_cell(b, '%', 1, rows[k] > 0 ? 100 * conv[k] / rows[k] : NAN);
        ls_sbuf_puts(b, "</tr>\n");
    }
    ls_sbuf_puts(b, "</table>\n");
    free(rows);
    free(conv);
}

static void kv(ls_sbuf *b, const char *key, char style, int prec, double v)
{
    ls_sbuf_puts(b, "<tr><th>");
    esc(b, key);
    ls_sbuf_puts(b, "</th>");
    num_cell(b, style, prec, v);
    ls_sbuf_puts(b, "</tr>\n");
}

static void kv_text(ls_sbuf *b, const char *key, const char *value)
{
    ls_sbuf_puts(b, "<tr><th>");
    esc(b, key);
    ls_sbuf_puts(b, "</th><td class=\"n\">");
    esc(b, value && value[0] ? value : "-");
    ls_sbuf_puts(b, "</td></tr>\n");
}

static void model_table(ls_sbuf *b, const ls_model *m)
{
    ls_sbuf_puts(b, "<h2>Model</h2>\n<div class=\"grid\"><table>\n");
    kv_text(b, "target", m->target);
    kv_text(b, "converted when", m->positive ? m->positive : "yes / true / 1");
    kv_text(b, "kind", m->learned ? "learned (logistic regression)" : "hand-written points");
    if (m->learned) {
        kv(b, "training leads", 'f', 0, m->rows);
        kv(b, "training conversions", 'f', 0, m->positives);
        kv(b, "AUC of the coefficients (training)", 'f', 4, m->auc);
        kv(b, "AUC of the points (training)", 'f', 4, m->points_auc);
        kv(b, "McFadden R\xc2\xb2", 'f', 4, m->mcfadden_r2);
    }
    ls_sbuf_puts(b, "</table><table>\n");
    if (m->learned) {
        kv(b, "residual deviance", 'f', 2, m->deviance);
        kv(b, "null deviance", 'f', 2, m->null_deviance);
        kv(b, "AIC", 'f', 2, m->aic);
        kv(b, "likelihood-ratio p-value", 'g', 3, m->lr_p_value);
        kv_text(b, "converged", m->converged ? "yes" : "no");
        kv(b, "points per unit of log-odds", 'f', 4, m->factor);
    }
    kv_text(b, "training data", base_name(m->data_file));
    kv_text(b, "created", m->created);
    ls_sbuf_puts(b, "</table></div>\n");
}

/* ---- the page -------------------------------------------------------------------- */

static ls_status build_page(ls_sbuf *b, const ls_model *m, const char *title,
                            const ls_plot_inputs *in, const ls_plot_options *o, ls_error *err)
{
    sample s[2];
    size_t ns = 0;
    ls_status st = measure(in->data, &s[ns++], err);
    if (st == LS_OK && in->holdout && in->holdout->n_outcomes)
        st = measure(in->holdout, &s[ns++], err);
    if (st != LS_OK)
        return st;

    ls_sbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>leadscore report: ");
    esc(b, title);
    ls_sbuf_printf(b,
                   "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<header>"
                   "<h1>Lead scoring report</h1>\n<p>",
                   page_style);
    esc(b, title);
    if (m->target) {
        ls_sbuf_puts(b, " &middot; predicts <b>");
        esc(b, m->target);
        ls_sbuf_puts(b, "</b>");
    }
    ls_sbuf_puts(b, " &middot; measured on ");
    esc(b, in->data->name);
    if (m->data_file) {
        ls_sbuf_puts(b, " &middot; trained on ");
        esc(b, base_name(m->data_file));
    }
    ls_sbuf_puts(b, "</p></header>\n");
    /* the headline numbers: held-out leads when there are some */
    summary_cards(b, m, &s[ns - 1]);

    unsigned wide = o->width ? o->width : 1100;
    ls_sbuf_puts(b, "<h2>What drives conversion</h2>\n");
    size_t bars = m->n_terms;
    for (size_t i = 0; !m->learned && i < m->n_criteria; i++)
        bars += m->criteria[i].n_rules;
    unsigned tall = (unsigned)(130 + 20 * (bars ? bars : 1));
    if ((st = figure(b, m, LS_PLOT_IMPORTANCE, in, o, NULL, wide, tall,
                     m->learned ? "Points per criterion level with 95% intervals; grey bars are "
                                  "not significant at 5%."
                                : "Points per rule of the hand-written model.",
                     err)) != LS_OK)
        return st;

    ls_sbuf_puts(b, "<h2>Validation</h2>\n");
    metrics_table(b, s, ns);
    for (size_t i = 0; i < ns; i++)
        gains_table(b, &s[i]);

    ls_sbuf_puts(b, "<h2>Ranking and calibration</h2>\n<div class=\"grid\">\n");
    static const struct {
        ls_plot_kind kind;
        const char *caption;
    } perf[] = {
        {LS_PLOT_ROC, "ROC curve of the points, with the AUC and its 95% interval."},
        {LS_PLOT_CALIBRATION, "Predicted vs observed conversion per decile of predicted "
                              "probability (Wilson 95% intervals)."},
        {LS_PLOT_GAINS, "Share of conversions captured when the best-scored leads are called "
                        "first."},
        {LS_PLOT_LIFT, "Conversion rate of each score decile over the average rate."},
        {LS_PLOT_DISTRIBUTION, "Scores of converted and not converted leads, with the tiers' "
                               "thresholds."},
        {LS_PLOT_PSI, "Score distribution against the baseline population."},
    };
    for (size_t i = 0; i < sizeof perf / sizeof perf[0]; i++) {
        if (!ls_plot_available(m, perf[i].kind, in, o, NULL, 0))
            continue;
        if ((st = figure(b, m, perf[i].kind, in, o, NULL, 620, 470, perf[i].caption, err)) != LS_OK)
            return st;
    }
    ls_sbuf_puts(b, "</div>\n");

    int any_band = 0;
    for (size_t i = 0; i < m->n_criteria; i++) {
        const ls_criterion *c = &m->criteria[i];
        if (c->kind != LS_CRIT_BANDED || !in->data->table)
            continue;
        if (!any_band++)
            ls_sbuf_puts(b, "<h2>Bands</h2>\n<div class=\"grid\">\n");
        char caption[400];
        snprintf(caption, sizeof caption,
                 "%s: weight of evidence (bars), conversion rate (line) and points per band.",
                 c->label ? c->label : c->column);
        if ((st = figure(b, m, LS_PLOT_BANDS, in, o, c->column, 620, 470, caption, err)) != LS_OK)
            return st;
    }
    if (any_band)
        ls_sbuf_puts(b, "</div>\n");

    tiers_table(b, m, s[ns - 1].d);
    ls_sbuf_puts(b, "<h2>Points</h2>\n");
    points_table(b, m);
    model_table(b, m);
    ls_sbuf_puts(b, "<footer>Written by leadscore " LEADSCORE_VERSION
                    ". Charts drawn by gnuplot.</footer>\n</main>\n</body>\n</html>\n");
    return b->failed ? ls_fail(err, LS_ERR_NOMEM, "out of memory") : LS_OK;
}

ls_status ls_report_html_write(const ls_model *m, const char *title, const ls_plot_inputs *in,
                               const ls_plot_options *opts, const char *path, ls_error *err)
{
    if (!in || !in->data)
        return ls_fail(err, LS_ERR_USAGE, "the report needs the leads (--data)");
    if (!in->data->n_outcomes)
        return ls_fail(err, LS_ERR_DATA,
                       m->target ? "the report needs outcomes: %s has no leads with the "
                                   "model's target ('%s')"
                                 : "the report needs outcomes: %s has none (the model names no "
                                   "target: give the outcome column with --target)",
                       in->data->name, m->target ? m->target : "");
    ls_plot_options o;
    if (opts)
        o = *opts;
    else
        ls_plot_options_init(&o);
    ls_sbuf b = {NULL, 0, 0, 0};
    locale_t c = ls_c_locale(), old = (locale_t)0;
    if (c)
        old = uselocale(c);
    ls_status st = build_page(&b, m, title ? title : "model", in, &o, err);
    if (c)
        uselocale(old);
    ls_output *out = NULL;
    if (st == LS_OK)
        st = ls_output_open(path, &out, err);
    if (st == LS_OK) {
        if (fwrite(b.text, 1, b.len, ls_output_stream(out)) != b.len) {
            ls_output_abort(out);
            st = ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "cannot write the report");
        } else {
            st = ls_output_commit(out, err);
        }
    }
    ls_sbuf_release(&b);
    return st;
}
