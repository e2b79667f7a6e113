/* Report: a model printed as R's summary(glm) prints a fit, followed by the
 * statistics R leaves out, the points table and the tiers; or the same as
 * CSV, JSON or Markdown.
 *
 * The coefficient table follows R's printCoefmat (digits = 4, as
 * print.summary.glm uses): estimates and standard errors rounded together
 * and shown in one common format, z values rounded to 3 decimals, p-values
 * through format.pval (below machine epsilon: "<2e-16") and significance
 * stars with R's cut points. Numbers are formatted as R's formatReal does: the
 * fewest significant digits (up to `digits`) that show every value of the
 * column, fixed notation unless scientific is narrower.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/report.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "model_internal.h"
#include "points_table.h"
#include "text.h"

int ls_report_format_parse(const char *name, ls_report_format *out)
{
    static const struct {
        const char *name;
        ls_report_format format;
    } names[] = {{"text", LS_REPORT_TEXT},
                 {"csv", LS_REPORT_CSV},
                 {"json", LS_REPORT_JSON},
                 {"markdown", LS_REPORT_MARKDOWN},
                 {"md", LS_REPORT_MARKDOWN}};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].format;
            return 1;
        }
    }
    return 0;
}

/* ---- R's number formatting ------------------------------------------------- */

/* snprintf that may cut the text short (cells and lines are bounded). */
static void bprintf(char *buf, size_t size, const char *fmt, ...) LS_PRINTF(3, 4);
static void bprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

#define CELL 64 /* one formatted number */

typedef struct {
    int sci;   /* scientific notation */
    int dec;   /* digits after the point (mantissa digits when sci) */
    int valid; /* at least one finite value */
} rfmt;

/* Significant digits (at most `digits`, trailing zeros dropped) and decimal
 * exponent of |x| rounded to `digits` significant digits. */
static void sci_parts(double x, int digits, int *kpower, int *nsig)
{
    char b[64];
    bprintf(b, sizeof b, "%.*e", digits - 1, fabs(x));
    char *e = strchr(b, 'e');
    *kpower = e ? atoi(e + 1) : 0;
    int sig = 0, last = 0;
    for (const char *p = b; e && p < e; p++) {
        if (*p >= '0' && *p <= '9') {
            sig++;
            if (*p != '0')
                last = sig;
        }
    }
    *nsig = last ? last : 1;
}

/* The common format R's formatReal gives x[0..n) (non-finite values skipped). */
static rfmt r_format(const double *x, size_t n, int digits)
{
    rfmt f = {0, 0, 0};
    int neg = 0, mxsl = INT32_MIN, rgt = 0, mxe = INT32_MIN, mne = INT32_MAX, mxns = 1;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            continue;
        int kp, nsig;
        sci_parts(x[i], digits, &kp, &nsig);
        int neg_i = x[i] < 0;
        int left = kp + 1;
        int sleft = neg_i + (left <= 0 ? 1 : left);
        int right = nsig - left;
        neg |= neg_i;
        if (right > rgt)
            rgt = right;
        if (sleft > mxsl)
            mxsl = sleft;
        if (kp > mxe)
            mxe = kp;
        if (kp < mne)
            mne = kp;
        if (nsig > mxns)
            mxns = nsig;
        f.valid = 1;
    }
    if (!f.valid)
        return f;
    if (rgt < 0)
        rgt = 0;
    int wf = mxsl + rgt + (rgt != 0);
    int ew = (mxe >= 100 || mne <= -99) ? 2 : 1;
    int d = mxns - 1;
    int we = neg + (d > 0) + d + 4 + ew;
    if (wf <= we) {
        f.sci = 0;
        f.dec = rgt;
    } else {
        f.sci = 1;
        f.dec = d;
    }
    return f;
}

static void r_one(double x, rfmt f, char *buf, size_t size)
{
    if (isnan(x))
        bprintf(buf, size, "NA");
    else if (isinf(x))
        bprintf(buf, size, x < 0 ? "-Inf" : "Inf");
    else if (f.sci)
        bprintf(buf, size, "%.*e", f.dec, x);
    else
        bprintf(buf, size, "%.*f", f.dec, x);
}

/* format(x, digits = d) of a single value. */
static void r_num(double x, int digits, char *buf, size_t size)
{
    r_one(x, r_format(&x, 1, digits), buf, size);
}

static double round_to(double x, int decimals)
{
    if (!isfinite(x))
        return x;
    double s = pow(10, decimals);
    double r = nearbyint(x * s) / s;
    return isfinite(r) ? r : x;
}

/* R's format.pval(pv, digits, eps = .Machine$double.eps) into out[i] (as in
 * R 4.2: values down to 1e-4 join the fixed-notation group). */
static void format_pval(const double *pv, size_t n, int digits, char (*out)[CELL])
{
    const double eps = DBL_EPSILON;
    double *fix = calloc(n ? n : 1, sizeof *fix), *sci = calloc(n ? n : 1, sizeof *sci);
    if (!fix || !sci) {
        for (size_t i = 0; i < n; i++)
            bprintf(out[i], CELL, "%.3g", pv[i]);
        free(fix);
        free(sci);
        return;
    }
    int any_small = 0, any_other = 0;
    for (size_t i = 0; i < n; i++) {
        fix[i] = sci[i] = NAN;
        if (isnan(pv[i]))
            continue;
        if (pv[i] < eps) {
            any_small = 1;
            continue;
        }
        any_other = 1;
        double expo = floor(log10(pv[i] > 0 ? pv[i] : 1e-50));
        if (expo >= -3 || (expo == -4 && digits > 1))
            fix[i] = pv[i];
        else
            sci[i] = pv[i];
    }
    rfmt ff = r_format(fix, n, digits), fs = r_format(sci, n, digits);
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(pv[i]))
            bprintf(out[i], CELL, "NA");
        else if (!isnan(fix[i]))
            r_one(fix[i], ff, out[i], CELL);
        else if (!isnan(sci[i]))
            r_one(sci[i], fs, out[i], CELL);
        else
            continue;
        if (!isnan(pv[i]) && strlen(out[i]) > nc)
            nc = strlen(out[i]);
    }
    if (any_small) {
        int d = digits - 2 > 1 ? digits - 2 : 1;
        const char *sep;
        if (any_other) {
            if (d > 1 && (size_t)d + 6 > nc)
                d = nc > 8 ? (int)nc - 7 : 1;
            sep = d == 1 && nc <= 6 ? "" : " ";
        } else {
            sep = d == 1 ? "" : " ";
        }
        char e[CELL];
        r_num(eps, d, e, sizeof e);
        for (size_t i = 0; i < n; i++)
            if (!isnan(pv[i]) && pv[i] < eps)
                bprintf(out[i], CELL, "<%s%s", sep, e);
    }
    free(fix);
    free(sci);
}

static const char *stars(double p)
{
    if (isnan(p))
        return "";
    return p <= 0.001 ? "***" : p <= 0.01 ? "**" : p <= 0.05 ? "*" : p <= 0.1 ? "." : " ";
}

/* ---- tables ------------------------------------------------------------------ */

typedef struct {
    size_t n_cols, n_rows, cap;
    char **cells; /* row-major */
    int failed;   /* an allocation failed */
} table;

static void table_init(table *t, size_t n_cols)
{
    memset(t, 0, sizeof *t);
    t->n_cols = n_cols;
}

static void table_release(table *t)
{
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

/* Appends a row of n_cols cells (NULL = empty), copied. */
static void table_row(table *t, const char *const *cells)
{
    if (t->failed)
        return;
    if (t->n_rows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **c = realloc(t->cells, cap * t->n_cols * sizeof *c);
        if (!c) {
            t->failed = 1;
            return;
        }
        t->cells = c;
        t->cap = cap;
    }
    char **row = t->cells + t->n_rows * t->n_cols;
    for (size_t k = 0; k < t->n_cols; k++) {
        row[k] = ls_strdup(cells[k] ? cells[k] : "");
        if (!row[k]) {
            for (size_t q = 0; q < k; q++)
                free(row[q]);
            t->failed = 1;
            return;
        }
    }
    t->n_rows++;
}

static const char *cell(const table *t, size_t r, size_t c)
{
    return t->cells[r * t->n_cols + c];
}

/* Display width: UTF-8 code points (continuation bytes take no column). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

/* Prints head + rows as aligned text: right[c] right-aligns column c; sep
 * spaces between columns; trailing spaces trimmed. */
static void print_text_table(FILE *out, const table *t, const char *const *head, const int *right,
                             size_t sep)
{
    size_t w[16] = {0};
    size_t nc = t->n_cols < 16 ? t->n_cols : 16;
    for (size_t c = 0; c < nc; c++) {
        w[c] = head ? width(head[c]) : 0;
        for (size_t r = 0; r < t->n_rows; r++)
            if (width(cell(t, r, c)) > w[c])
                w[c] = width(cell(t, r, c));
    }
    for (size_t r = 0; r < t->n_rows + (head != NULL); r++) {
        const char *const *row = NULL;
        const char *tmp[16];
        if (head && r == 0) {
            row = head;
        } else {
            for (size_t c = 0; c < nc; c++)
                tmp[c] = cell(t, r - (head != NULL), c);
            row = tmp;
        }
        /* the last column with text, so nothing trails */
        size_t last = nc;
        while (last > 0 && row[last - 1][strspn(row[last - 1], " ")] == '\0')
            last--;
        for (size_t c = 0; c < last; c++) {
            size_t cw = width(row[c]);
            if (c > 0)
                pad(out, sep);
            if (right[c])
                pad(out, w[c] - cw);
            fputs(row[c], out);
            if (!right[c] && c + 1 < last)
                pad(out, w[c] - cw);
        }
        fputc('\n', out);
    }
}

static void md_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\|*_`<[]", *s))
            fputc('\\', out);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out);
    }
}

static void print_md_table(FILE *out, const table *t, const char *const *head, const int *right)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        fputs(c ? " | " : "| ", out);
        md_text(out, head[c]);
    }
    fputs(" |\n", out);
    for (size_t c = 0; c < t->n_cols; c++)
        fputs(right[c] ? "|---:" : "|:---", out);
    fputs("|\n", out);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            fputs(c ? " | " : "| ", out);
            md_text(out, cell(t, r, c));
        }
        fputs(" |\n", out);
    }
}

static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && (!s[0] || s[strlen(s) - 1] != ' ')) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void csv_row(FILE *out, const char *const *cells, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (k)
            fputc(',', out);
        csv_field(out, cells[k] ? cells[k] : "");
    }
    fputc('\n', out);
}

/* ---- what the model says --------------------------------------------------- */

static void appendf(char *buf, size_t size, size_t *used, const char *fmt, ...) LS_PRINTF(4, 5);
static void appendf(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
    if (*used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used = (size_t)n < size - *used ? *used + (size_t)n : size - 1;
}

static int has_intercept(const ls_model *m)
{
    return m->n_terms > 0 && m->terms[0].criterion < 0 &&
           strcmp(m->terms[0].name, "(intercept)") == 0;
}

/* A number for people: whole numbers as integers, others with %.4g. */
static void human(double x, char *buf, size_t size)
{
    if (isnan(x))
        bprintf(buf, size, "NA");
    else if (isinf(x))
        bprintf(buf, size, x < 0 ? "-inf" : "inf");
    else if (x == floor(x) && fabs(x) < 1e15)
        bprintf(buf, size, "%.0f", x);
    else
        bprintf(buf, size, "%.4g", x);
}

/* The rule's condition as a points table writes it ("= Google", "10..<100",
 * "each max 20"), with what the table cannot say: the value's transform for
 * per-unit rules and how many levels an "other" rule pools. Returns 0 when
 * out of memory. */
static int describe_rule(const ls_criterion *c, const ls_rule *r, char *buf, size_t size)
{
    char *text = ls_points_condition_text(c, r);
    if (!text)
        return 0;
    size_t u = 0;
    char a[CELL], b[CELL];
    buf[0] = '\0';
    appendf(buf, size, &u, "%s", text);
    free(text);
    if (r->kind == LS_COND_PER_UNIT) {
        if (c->log1p)
            appendf(buf, size, &u, " of log1p(x)");
        if (!isnan(c->cap_lo) || !isnan(c->cap_hi)) {
            human(c->cap_lo, a, sizeof a);
            human(c->cap_hi, b, sizeof b);
            appendf(buf, size, &u, ", x capped to [%s, %s]", isnan(c->cap_lo) ? "-inf" : a,
                    isnan(c->cap_hi) ? "inf" : b);
        }
    }
    if (r->kind == LS_COND_OTHER && r->n_values)
        appendf(buf, size, &u, " (%zu pooled level%s)", r->n_values, r->n_values == 1 ? "" : "s");
    return 1;
}

static void points_text(const ls_rule *r, char *buf, size_t size)
{
    if (r->kind == LS_COND_PER_UNIT)
        bprintf(buf, size, "%+.4g/unit", r->points);
    else if (r->points == 0)
        bprintf(buf, size, "0");
    else
        bprintf(buf, size, "%+.0f", r->points);
}

/* Odds ratio and its 95% interval of the rule's term ("" without a term). */
static void odds_text(const ls_model *m, const ls_rule *r, char *or_buf, char *ci_buf, size_t size)
{
    or_buf[0] = ci_buf[0] = '\0';
    if (r->term < 0 || (size_t)r->term >= m->n_terms)
        return;
    const ls_term *t = &m->terms[r->term];
    if (t->aliased || isnan(t->estimate)) {
        bprintf(or_buf, size, "aliased");
        return;
    }
    bprintf(or_buf, size, "%.4g", exp(t->estimate));
    if (!isnan(t->ci_low) && !isnan(t->ci_high))
        bprintf(ci_buf, size, "[%.4g, %.4g]", exp(t->ci_low), exp(t->ci_high));
}

/* The points table: criterion, condition, points, then odds ratio and its
 * interval (learned) or the label (hand-written). */
static void points_table(const ls_model *m, table *t)
{
    table_init(t, m->learned ? 5 : 4);
    char cond[512], pts[CELL], orr[CELL], ci[CELL];
    for (size_t i = 0; i < m->n_criteria; i++) {
        const ls_criterion *c = &m->criteria[i];
        int first = 1;
        for (size_t k = 0; k < c->n_rules; k++) {
            const ls_rule *r = &c->rules[k];
            if (!describe_rule(c, r, cond, sizeof cond))
                t->failed = 1;
            points_text(r, pts, sizeof pts);
            const char *name = first ? c->label : "";
            if (m->learned) {
                odds_text(m, r, orr, ci, sizeof orr);
                const char *row[] = {name, cond, pts, orr, ci};
                table_row(t, row);
            } else {
                const char *row[] = {name, cond, pts, r->label};
                table_row(t, row);
            }
            first = 0;
        }
        if (c->reference) {
            bprintf(cond, sizeof cond, "%s%s (reference)",
                    c->kind == LS_CRIT_CATEGORICAL ? "= " : "", c->reference);
            const char *row[] = {first ? c->label : "", cond, "0", m->learned ? "1" : "", ""};
            table_row(t, row);
            first = 0;
        }
        if (first) {
            const char *row[] = {c->label, "(no rules)", "0", "", ""};
            table_row(t, row);
        }
    }
}

static void tiers_table(const ls_model *m, table *t)
{
    table_init(t, 2);
    char buf[CELL];
    for (size_t i = 0; i < m->n_tiers; i++) {
        const ls_tier *tier = &m->tiers[i];
        if (tier->min_score == -INFINITY)
            bprintf(buf, sizeof buf, "(any lower score)");
        else
            human(tier->min_score, buf, sizeof buf);
        const char *row[] = {tier->name, buf};
        table_row(t, row);
    }
}

/* R's summary coefficient cells: Estimate, Std. Error, z value, Pr(>|z|),
 * stars. t gets one row per term with the term name first. */
static int coef_table(const ls_model *m, table *t, size_t *n_aliased)
{
    size_t n = m->n_terms;
    table_init(t, 6);
    *n_aliased = 0;
    double *cs = calloc(2 * n + 1, sizeof *cs), *z = calloc(n + 1, sizeof *z),
           *p = calloc(n + 1, sizeof *p);
    char(*pv)[CELL] = calloc(n + 1, sizeof *pv);
    if (!cs || !z || !p || !pv) {
        free(cs);
        free(z);
        free(p);
        free(pv);
        return 0;
    }
    const int digits = 4, dig_tst = 3;
    /* digits before the point of the smallest non-zero |estimate| or |se|:
     * round so that it keeps `digits` significant digits */
    double acs_min = INFINITY;
    for (size_t i = 0; i < n; i++) {
        const ls_term *tm = &m->terms[i];
        int na = tm->aliased || isnan(tm->estimate);
        *n_aliased += na;
        cs[i] = na ? NAN : tm->estimate;
        cs[n + i] = na ? NAN : tm->std_error;
        z[i] = na ? NAN : tm->z;
        p[i] = na ? NAN : tm->p_value;
        for (int k = 0; k < 2; k++) {
            double a = fabs(cs[k * n + i]);
            if (isfinite(a) && a > 0 && a < acs_min)
                acs_min = a;
        }
    }
    int digmin = isfinite(acs_min) ? 1 + (int)floor(log10(acs_min)) : 1;
    int dec = digits - digmin > 1 ? digits - digmin : 1;
    for (size_t i = 0; i < 2 * n; i++) /* the exact values stay in the terms */
        cs[i] = round_to(cs[i], dec);
    for (size_t i = 0; i < n; i++)
        z[i] = round_to(z[i], dig_tst);
    rfmt fcs = r_format(cs, 2 * n, digits), fz = r_format(z, n, digits);
    /* as printCoefmat: a non-zero value the common format shows as zero (or
     * the reverse) is shown with digits - 1 significant digits of its own */
    rfmt f3 = {0, 0, 0};
    double *odd = calloc(2 * n + 1, sizeof *odd);
    if (odd) {
        for (size_t i = 0; i < 2 * n; i++) {
            odd[i] = NAN;
            char buf[CELL];
            r_one(cs[i], fcs, buf, sizeof buf);
            double exact = i < n ? m->terms[i].estimate : m->terms[i - n].std_error;
            if (!isnan(cs[i]) && (exact == 0) != (strtod(buf, NULL) == 0))
                odd[i] = exact;
        }
        f3 = r_format(odd, 2 * n, digits - 1);
    }
    format_pval(p, n, dig_tst, pv);
    char e[CELL], s[CELL], zz[CELL];
    for (size_t i = 0; i < n; i++) {
        if (odd && !isnan(odd[i]))
            r_one(odd[i], f3, e, sizeof e);
        else
            r_one(cs[i], fcs, e, sizeof e);
        if (odd && !isnan(odd[n + i]))
            r_one(odd[n + i], f3, s, sizeof s);
        else
            r_one(cs[n + i], fcs, s, sizeof s);
        r_one(z[i], fz, zz, sizeof zz);
        const char *row[] = {m->terms[i].name, e, s, zz, pv[i], stars(p[i])};
        table_row(t, row);
    }
    free(odd);
    free(cs);
    free(z);
    free(p);
    free(pv);
    return !t->failed;
}

static double df_null(const ls_model *m)
{
    return m->rows - (has_intercept(m) ? 1 : 0);
}

static double df_residual(const ls_model *m)
{
    return m->rows - (double)m->rank;
}

static double df_lr(const ls_model *m)
{
    return (double)m->rank - (has_intercept(m) ? 1 : 0);
}

/* ---- text ------------------------------------------------------------------- */

static void text_header(FILE *out, const ls_model *m)
{
    if (m->learned) {
        fprintf(out, "Learned points model: logistic regression of '%s'",
                m->target ? m->target : "");
        if (m->positive)
            fprintf(out, " = '%s'", m->positive);
        fputc('\n', out);
    } else {
        fprintf(out, "Hand-written points model");
        if (m->target)
            fprintf(out, " for '%s'", m->target);
        fputc('\n', out);
    }
    if (m->data_file || m->data_sha256) {
        fprintf(out, "Data: %s", m->data_file ? m->data_file : "(unnamed)");
        if (m->data_sha256)
            fprintf(out, " (sha256 %s)", m->data_sha256);
        fputc('\n', out);
    }
    if (m->created || m->version || m->parent) {
        fprintf(out, "Created");
        if (m->created)
            fprintf(out, " %s", m->created);
        if (m->version)
            fprintf(out, " by leadscore %s", m->version);
        if (m->parent)
            fprintf(out, ", refit from %s", m->parent);
        fputc('\n', out);
    }
    if (m->learned && (m->l2 > 0 || m->l1 > 0)) {
        char a[CELL], b[CELL];
        human(m->l2, a, sizeof a);
        human(m->l1, b, sizeof b);
        fprintf(out,
                "Penalty: L2 lambda %s, L1 lambda %s (standard errors from the penalised fit)\n", a,
                b);
    }
}

/* Does each criterion matter at all? The Wald test of all its levels at once. */
static ls_status joint_tests(FILE *out, const ls_model *m, ls_error *err)
{
    table t;
    table_init(&t, 5);
    int any = 0;
    for (size_t c = 0; c < m->n_criteria; c++) {
        const ls_criterion *crit = &m->criteria[c];
        if (isnan(crit->joint_chi2))
            continue;
        char df[CELL], chi[CELL], p[1][CELL];
        human(crit->joint_df, df, sizeof df);
        r_num(crit->joint_chi2, 5, chi, sizeof chi);
        format_pval(&crit->joint_p, 1, 4, p);
        const char *cells[] = {crit->column, df, chi, p[0], stars(crit->joint_p)};
        table_row(&t, cells);
        any = 1;
    }
    if (any && !t.failed) {
        fputs("\nCriteria (Wald test that all of a criterion's terms are zero):\n", out);
        static const char *const head[] = {"", "Df", "Chisq", "Pr(>Chisq)", ""};
        static const int right[] = {0, 1, 1, 1, 0};
        print_text_table(out, &t, head, right, 1);
    }
    int failed = t.failed;
    table_release(&t);
    return failed ? ls_fail(err, LS_ERR_NOMEM, "out of memory") : LS_OK;
}

static ls_status text_summary(FILE *out, const ls_model *m, ls_error *err)
{
    table t;
    size_t n_aliased;
    if (!coef_table(m, &t, &n_aliased)) {
        table_release(&t);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    fputs("\nCoefficients:", out);
    if (n_aliased)
        fprintf(out, " (%zu not defined because of singularities)", n_aliased);
    fputc('\n', out);
    static const char *const head[] = {"", "Estimate", "Std. Error", "z value", "Pr(>|z|)", ""};
    static const int right[] = {0, 1, 1, 1, 1, 0};
    print_text_table(out, &t, head, right, 1);
    int any_p = 0;
    for (size_t i = 0; i < m->n_terms; i++)
        any_p |= !isnan(m->terms[i].p_value) && !m->terms[i].aliased;
    if (any_p)
        fputs("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n", out);
    table_release(&t);

    fputs("\n(Dispersion parameter for binomial family taken to be 1)\n\n", out);
    double dev[2] = {m->null_deviance, m->deviance};
    rfmt fd = r_format(dev, 2, 5);
    char d0[CELL], d1[CELL], f0[CELL], f1[CELL], a[CELL];
    r_one(dev[0], fd, d0, sizeof d0);
    r_one(dev[1], fd, d1, sizeof d1);
    human(df_null(m), f0, sizeof f0);
    human(df_residual(m), f1, sizeof f1);
    int wd = (int)(strlen(d0) > strlen(d1) ? strlen(d0) : strlen(d1));
    int wf = (int)(strlen(f0) > strlen(f1) ? strlen(f0) : strlen(f1));
    fprintf(out, "    Null deviance: %*s  on %*s  degrees of freedom\n", wd, d0, wf, f0);
    fprintf(out, "Residual deviance: %*s  on %*s  degrees of freedom\n", wd, d1, wf, f1);
    r_num(m->aic, 5, a, sizeof a);
    fprintf(out, "AIC: %s\n\n", a);
    fprintf(out, "Number of Fisher Scoring iterations: %zu%s\n", m->iterations,
            m->converged ? "" : " (did not converge)");

    /* what R's summary leaves out */
    char b[CELL], c[CELL], p[1][CELL];
    r_num(m->bic, 5, b, sizeof b);
    fprintf(out, "\nBIC: %s\n", b);
    r_num(m->mcfadden_r2, 4, b, sizeof b);
    fprintf(out, "McFadden R-squared: %s\n", b);
    r_num(m->lr_chi2, 5, b, sizeof b);
    human(df_lr(m), c, sizeof c);
    format_pval(&m->lr_p_value, 1, 4, p);
    fprintf(out, "Likelihood ratio chi-squared: %s on %s degrees of freedom, p-value: %s\n", b, c,
            p[0]);
    r_num(m->auc, 4, b, sizeof b);
    r_num(m->points_auc, 4, c, sizeof c);
    fprintf(out, "AUC (in sample): %s, of the integer points: %s\n", b, c);
    return joint_tests(out, m, err);
}

/* The scaling lines; eol ends each line ("  \n" is a Markdown line break). */
static void text_scale(FILE *out, const ls_model *m, const char *eol)
{
    char a[CELL], b[CELL], c[CELL];
    human(m->base_points, a, sizeof a);
    fprintf(out, "Points: score = %s%s + the points of %s%s", a,
            m->base_points == 0 ? " (base)" : " base points",
            m->learned ? "each criterion" : "the first matching rule of each criterion", eol);
    if (!m->learned && m->card_multiplier > 0) {
        human(m->card_intercept, a, sizeof a);
        human(m->card_multiplier, b, sizeof b);
        fprintf(out, "Probability: 1 / (1 + exp(-(%s + score) / %s))%s", a, b, eol);
    }
    if (!m->learned)
        return;
    human(m->factor, a, sizeof a);
    human(m->round_to, b, sizeof b);
    switch (m->scale) {
    case LS_SCALE_BUDGET:
        human(m->budget, c, sizeof c);
        fprintf(out,
                "Scaling: budget, the best possible lead scores %s; %s points per unit of "
                "log-odds, rounded to multiples of %s%s",
                c, a, b, eol);
        break;
    case LS_SCALE_PDO: {
        char d[CELL], e[CELL];
        human(m->pdo, c, sizeof c);
        human(m->base_score, d, sizeof d);
        human(m->base_odds, e, sizeof e);
        fprintf(out,
                "Scaling: %s points double the odds, %s points at odds %s; %s points per unit of "
                "log-odds, rounded to multiples of %s%s",
                c, d, e, a, b, eol);
        break;
    }
    case LS_SCALE_NONE:
        fprintf(out, "Scaling: %s points per unit of log-odds, rounded to multiples of %s%s", a, b,
                eol);
        break;
    }
}

static ls_status print_text(FILE *out, const ls_model *m, ls_error *err)
{
    text_header(out, m);
    ls_status st = LS_OK;
    if (m->learned && (st = text_summary(out, m, err)) != LS_OK)
        return st;
    fputc('\n', out);
    text_scale(out, m, "\n");
    table t;
    points_table(m, &t);
    static const char *const learned_head[] = {"Criterion", "Condition", "Points", "Odds ratio",
                                               "95% CI"};
    static const char *const hand_head[] = {"Criterion", "Condition", "Points", "Label"};
    static const int learned_right[] = {0, 0, 1, 1, 0}, hand_right[] = {0, 0, 1, 0};
    if (!t.failed)
        print_text_table(out, &t, m->learned ? learned_head : hand_head,
                         m->learned ? learned_right : hand_right, 2);
    int failed = t.failed;
    table_release(&t);
    if (!failed && m->n_tiers) {
        fputs("\nTiers (highest first; a score below every minimum gets the last tier):\n", out);
        tiers_table(m, &t);
        static const char *const head[] = {"Tier", "Minimum score"};
        static const int r2[] = {0, 1};
        if (!t.failed)
            print_text_table(out, &t, head, r2, 2);
        failed = t.failed;
        table_release(&t);
    }
    return failed ? ls_fail(err, LS_ERR_NOMEM, "out of memory") : LS_OK;
}

/* ---- csv -------------------------------------------------------------------- */

static ls_status print_csv(FILE *out, const ls_model *m, ls_error *err)
{
    char cond[512], pts[CELL];
    if (!m->learned) {
        static const char *const head[] = {"criterion", "condition", "points", "label"};
        csv_row(out, head, 4);
        for (size_t i = 0; i < m->n_criteria; i++) {
            const ls_criterion *c = &m->criteria[i];
            for (size_t k = 0; k < c->n_rules; k++) {
                if (!describe_rule(c, &c->rules[k], cond, sizeof cond))
                    return ls_fail(err, LS_ERR_NOMEM, "out of memory");
                ls_format_double(pts, c->rules[k].points);
                const char *row[] = {c->column, cond, pts, c->rules[k].label};
                csv_row(out, row, 4);
            }
        }
        return LS_OK;
    }
    static const char *const head[] = {"term",
                                       "criterion",
                                       "estimate",
                                       "std_error",
                                       "z",
                                       "p_value",
                                       "ci_low",
                                       "ci_high",
                                       "odds_ratio",
                                       "odds_ratio_ci_low",
                                       "odds_ratio_ci_high",
                                       "points",
                                       "aliased"};
    enum { NH = sizeof head / sizeof head[0] };
    csv_row(out, head, NH);
    for (size_t i = 0; i < m->n_terms; i++) {
        const ls_term *t = &m->terms[i];
        double v[] = {t->estimate, t->std_error,     t->z,           t->p_value,      t->ci_low,
                      t->ci_high,  exp(t->estimate), exp(t->ci_low), exp(t->ci_high), t->points};
        char cells[10][CELL];
        const char *row[NH];
        row[0] = t->name;
        row[1] = t->criterion >= 0 && (size_t)t->criterion < m->n_criteria
                     ? m->criteria[t->criterion].column
                     : "";
        for (size_t k = 0; k < 10; k++) {
            if (isnan(v[k]))
                cells[k][0] = '\0';
            else
                ls_format_double(cells[k], v[k]);
            row[2 + k] = cells[k];
        }
        row[12] = t->aliased ? "true" : "false";
        csv_row(out, row, NH);
    }
    return LS_OK;
}

/* ---- markdown --------------------------------------------------------------- */

static void md_line(FILE *out, const char *label, const char *value)
{
    fputs("| ", out);
    md_text(out, label);
    fputs(" | ", out);
    md_text(out, value);
    fputs(" |\n", out);
}

static ls_status print_markdown(FILE *out, const ls_model *m, ls_error *err)
{
    fputs("# ", out);
    if (m->learned) {
        fputs("Learned points model: ", out);
        md_text(out, m->target ? m->target : "");
        if (m->positive) {
            fputs(" = ", out);
            md_text(out, m->positive);
        }
    } else {
        fputs("Hand-written points model", out);
    }
    fputs("\n\n", out);
    if (m->data_file || m->created || m->version) {
        if (m->data_file) {
            fputs("- Data: ", out);
            md_text(out, m->data_file);
            if (m->data_sha256) {
                fputs(" (sha256 ", out);
                md_text(out, m->data_sha256);
                fputs(")", out);
            }
            fputc('\n', out);
        }
        if (m->created) {
            fputs("- Created: ", out);
            md_text(out, m->created);
            fputc('\n', out);
        }
        if (m->version) {
            fputs("- leadscore version: ", out);
            md_text(out, m->version);
            fputc('\n', out);
        }
        fputc('\n', out);
    }
    table t;
    int failed = 0;
    if (m->learned) {
        size_t n_aliased;
        if (!coef_table(m, &t, &n_aliased)) {
            table_release(&t);
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        }
        fputs("## Coefficients\n\n", out);
        if (n_aliased)
            fprintf(out, "%zu not defined because of singularities.\n\n", n_aliased);
        static const char *const head[] = {"Term",    "Estimate", "Std. Error",
                                           "z value", "Pr(>|z|)", "Signif."};
        static const int right[] = {0, 1, 1, 1, 1, 0};
        print_md_table(out, &t, head, right);
        fputs("\nSignif. codes: 0 '\\*\\*\\*' 0.001 '\\*\\*' 0.01 '\\*' 0.05 '.' 0.1 ' ' 1\n\n",
              out);
        table_release(&t);

        fputs("## Fit\n\n| Statistic | Value |\n|:---|---:|\n", out);
        char a[CELL], b[CELL], line[3 * CELL], p[1][CELL];
        human(m->rows, a, sizeof a);
        md_line(out, "Rows", a);
        human(m->positives, a, sizeof a);
        md_line(out, "Positives", a);
        double dev[2] = {m->null_deviance, m->deviance};
        rfmt fd = r_format(dev, 2, 5); /* one format for both, as the text */
        r_one(dev[0], fd, a, sizeof a);
        human(df_null(m), b, sizeof b);
        bprintf(line, sizeof line, "%s on %s df", a, b);
        md_line(out, "Null deviance", line);
        r_one(dev[1], fd, a, sizeof a);
        human(df_residual(m), b, sizeof b);
        bprintf(line, sizeof line, "%s on %s df", a, b);
        md_line(out, "Residual deviance", line);
        r_num(m->aic, 5, a, sizeof a);
        md_line(out, "AIC", a);
        r_num(m->bic, 5, a, sizeof a);
        md_line(out, "BIC", a);
        r_num(m->mcfadden_r2, 4, a, sizeof a);
        md_line(out, "McFadden R²", a);
        r_num(m->lr_chi2, 5, a, sizeof a);
        human(df_lr(m), b, sizeof b);
        format_pval(&m->lr_p_value, 1, 4, p);
        bprintf(line, sizeof line, "%s on %s df, p-value %s", a, b, p[0]);
        md_line(out, "Likelihood ratio χ²", line);
        r_num(m->auc, 4, a, sizeof a);
        md_line(out, "AUC (in sample)", a);
        r_num(m->points_auc, 4, a, sizeof a);
        md_line(out, "AUC of the integer points", a);
        bprintf(line, sizeof line, "%zu%s", m->iterations,
                m->converged ? "" : " (did not converge)");
        md_line(out, "Fisher Scoring iterations", line);
        if (m->l2 > 0 || m->l1 > 0) {
            human(m->l2, a, sizeof a);
            human(m->l1, b, sizeof b);
            bprintf(line, sizeof line, "L2 %s, L1 %s", a, b);
            md_line(out, "Penalty", line);
        }
        fputc('\n', out);
    }
    fputs("## Points\n\n", out);
    text_scale(out, m, "  \n");
    fputc('\n', out);
    points_table(m, &t);
    static const char *const learned_head[] = {"Criterion", "Condition", "Points", "Odds ratio",
                                               "95% CI"};
    static const char *const hand_head[] = {"Criterion", "Condition", "Points", "Label"};
    static const int learned_right[] = {0, 0, 1, 1, 0}, hand_right[] = {0, 0, 1, 0};
    if (!t.failed)
        print_md_table(out, &t, m->learned ? learned_head : hand_head,
                       m->learned ? learned_right : hand_right);
    failed = t.failed;
    table_release(&t);
    if (!failed && m->n_tiers) {
        fputs("\n## Tiers\n\nHighest first; a score below every minimum gets the last tier.\n\n",
              out);
        tiers_table(m, &t);
        static const char *const head[] = {"Tier", "Minimum score"};
        static const int r2[] = {0, 1};
        if (!t.failed)
            print_md_table(out, &t, head, r2);
        failed = t.failed;
        table_release(&t);
    }
    return failed ? ls_fail(err, LS_ERR_NOMEM, "out of memory") : LS_OK;
}

/* ---- entry ------------------------------------------------------------------ */

ls_status ls_model_print(const ls_model *model, ls_report_format format, FILE *out, ls_error *err)
{
    if (!model || !out)
        return ls_fail(err, LS_ERR_USAGE, "ls_model_print: no model or no stream");
    if (format == LS_REPORT_JSON) {
        char *json = NULL;
        ls_status st = ls_model_to_json(model, &json, err);
        if (st != LS_OK)
            return st;
        fputs(json, out);
        free(json);
    } else {
        /* This thread prints in the C locale until we return, whatever the
         * caller's setlocale() says: reports and CSV use '.' for decimals. */
        locale_t c = ls_c_locale();
        locale_t old = c ? uselocale(c) : (locale_t)0;
        ls_status st = format == LS_REPORT_CSV        ? print_csv(out, model, err)
                       : format == LS_REPORT_MARKDOWN ? print_markdown(out, model, err)
                                                      : print_text(out, model, err);
        if (old)
            uselocale(old);
        if (st != LS_OK)
            return st;
    }
    if (ferror(out))
        return ls_fail(err, LS_ERR_IO, "cannot write the report");
    return LS_OK;
}
