/* SQL export: one SELECT that scores leads inside a database exactly as
 * scorer.c does (same rules, same rounding, same tiers), so a warehouse can
 * score its lead base without leadscore.
 *
 * The query nests four SELECTs, innermost first:
 *   parsed    the lead columns (text) and, per criterion with numeric rules,
 *             x: the value as a number, clamped and log1p'd as the criterion
 *             says, or NULL when the value is not spelled as a number (the
 *             cast happens only in that branch, so text never breaks it);
 *   criteria  per criterion a CASE giving its points ("points: <column>")
 *             and, for learned models, its share of the linear predictor;
 *   scored    score = base + the criteria's points; probability;
 *   outer     the tier.
 * Rounding is FLOOR(points * x + 0.5) on both sides. log1p is LN(1 + x) in
 * SQL (no standard log1p); on the shared datasets the scores agree on every
 * row (tests/cli/export_sql_postgres.sh). A value the CLI refuses (text in a
 * numeric criterion, a non yes/no value in a yes/no one) makes the query fail
 * with an error naming the column, by casting an explanatory text to INTEGER.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/export.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "model_internal.h"
#include "points_table.h"
#include "text.h"

/* ls_parse_number's grammar (text.h) as a SIMILAR TO pattern; '.' is literal
 * there. The bracket holds a space and a tab. */
static const char number_pattern[] =
    "[ \t]*[+-]?([0-9]+(.[0-9]*)?|.[0-9]+)([eE][+-]?[0-9]+)?[ \t]*";

static const char true_spellings[] = "'true', 'yes', 'y', '1'";
static const char false_spellings[] = "'false', 'no', 'n', '0'";

void ls_sql_options_init(ls_sql_options *opts)
{
    opts->table = "leads";
    opts->id_columns = NULL;
    opts->n_id_columns = 0;
}

/* Writes prefix and s as one quoted token, the quote character doubled inside. */
static void put_quoted2(FILE *fp, const char *prefix, const char *s, char q)
{
    fputc(q, fp);
    for (const char *parts[2] = {prefix, s}, **p = parts; p < parts + 2; p++)
        for (const char *c = *p; *c; c++) {
            if (*c == q)
                fputc(q, fp);
            fputc(*c, fp);
        }
    fputc(q, fp);
}

static void ident(FILE *fp, const char *name)
{
    put_quoted2(fp, "", name, '"');
}

/* "points: <column>" as one identifier. */
static void ident2(FILE *fp, const char *prefix, const char *name)
{
    put_quoted2(fp, prefix, name, '"');
}

static void str(FILE *fp, const char *s)
{
    put_quoted2(fp, "", s, '\'');
}

/* A double literal: plain for whole numbers, else an explicit cast so no
 * engine reads it as an inexact decimal. */
static void num(FILE *fp, double v)
{
    char buf[32];
    ls_format_double(buf, v);
    if (floor(v) == v && fabs(v) < 9007199254740992.0)
        fprintf(fp, "%.0f", v);
    else
        fprintf(fp, "CAST(%s AS DOUBLE PRECISION)", buf);
}

typedef struct {
    const ls_model *m;
    FILE *fp;
} sqlgen;

static void missing_test(sqlgen *g, const char *col)
{
    FILE *fp = g->fp;
    fputc('(', fp);
    ident(fp, col);
    fputs(" IS NULL OR ", fp);
    ident(fp, col);
    fputs(" IN (''", fp);
    for (size_t i = 0; i < g->m->n_missing_tokens; i++)
        if (g->m->missing_tokens[i][0]) {
            fputs(", ", fp);
            str(fp, g->m->missing_tokens[i]);
        }
    fputs("))", fp);
}

/* An expression that fails at run time with a message naming the column. */
static void fail_expr(sqlgen *g, const char *col, const char *what)
{
    FILE *fp = g->fp;
    fputs("CAST(", fp);
    char *msg = malloc(strlen(col) + strlen(what) + 64);
    if (msg) {
        sprintf(msg, "leadscore: column '%s': %s: ", col, what);
        str(fp, msg);
        free(msg);
    } else {
        str(fp, "leadscore: bad value: ");
    }
    fputs(" || ", fp);
    ident(fp, col);
    fputs(" AS INTEGER)", fp);
}

static void number_or_null(sqlgen *g, const char *col)
{
    FILE *fp = g->fp;
    fputs("(CASE WHEN ", fp);
    ident(fp, col);
    fputs(" SIMILAR TO ", fp);
    str(fp, number_pattern);
    fputs(" THEN CAST(", fp);
    ident(fp, col);
    fputs(" AS DOUBLE PRECISION) END)", fp);
}

static int uses_x(const ls_criterion *c)
{
    if (c->kind == LS_CRIT_NUMERIC || c->kind == LS_CRIT_BANDED)
        return 1;
    if (c->kind != LS_CRIT_RULES)
        return 0;
    for (size_t k = 0; k < c->n_rules; k++)
        if (c->rules[k].kind == LS_COND_RANGE || c->rules[k].kind == LS_COND_PER_UNIT)
            return 1;
    return 0;
}

/* x: the number, clamped, log1p'd; NULL when the text is not a number. */
static void x_expr(sqlgen *g, const ls_criterion *c)
{
    FILE *fp = g->fp;
    fputs("CASE WHEN ", fp);
    ident(fp, c->column);
    fputs(" SIMILAR TO ", fp);
    str(fp, number_pattern);
    fputs(" THEN ", fp);
    if (c->log1p)
        fputs("LN(1 + ", fp);
    if (!isnan(c->cap_hi))
        fputs("LEAST(", fp);
    if (!isnan(c->cap_lo))
        fputs("GREATEST(", fp);
    fputs("CAST(", fp);
    ident(fp, c->column);
    fputs(" AS DOUBLE PRECISION)", fp);
    if (!isnan(c->cap_lo)) {
        fputs(", ", fp);
        num(fp, c->cap_lo);
        fputc(')', fp);
    }
    if (!isnan(c->cap_hi)) {
        fputs(", ", fp);
        num(fp, c->cap_hi);
        fputc(')', fp);
    }
    if (c->log1p)
        fputc(')', fp);
    fputs(" END", fp);
}

static double rule_estimate(const ls_model *m, const ls_rule *r)
{
    if (r->term < 0 || (size_t)r->term >= m->n_terms)
        return 0;
    const ls_term *t = &m->terms[r->term];
    return t->aliased || !isfinite(t->estimate) ? 0 : t->estimate;
}

/* What a matching rule gives: its points, or (eta) its estimate; per-unit
 * rules scale by x. */
static void rule_value(sqlgen *g, size_t ci, const ls_rule *r, int eta)
{
    FILE *fp = g->fp;
    double v = eta ? rule_estimate(g->m, r) : r->points;
    if (r->kind != LS_COND_PER_UNIT) {
        num(fp, v);
        return;
    }
    if (eta) {
        num(fp, v);
        fprintf(fp, " * \"x_%zu\"", ci);
        return;
    }
    int cap = !isnan(r->cap);
    if (cap)
        fputs("LEAST(GREATEST(", fp);
    fputs("FLOOR(", fp);
    num(fp, v);
    fprintf(fp, " * \"x_%zu\" + 0.5)", ci);
    if (cap) {
        fputs(", ", fp);
        num(fp, -r->cap);
        fputs("), ", fp);
        num(fp, r->cap);
        fputc(')', fp);
    }
}

static void in_list(sqlgen *g, const char *col, const ls_rule *r)
{
    FILE *fp = g->fp;
    ident(fp, col);
    fputs(" IN (", fp);
    for (size_t i = 0; i < r->n_values; i++) {
        if (i)
            fputs(", ", fp);
        str(fp, r->values[i]);
    }
    fputc(')', fp);
}

/* "= VALUE" of a hand-written criterion: booleans as booleans, numbers as
 * numbers, else exact text (scorer.c smart_equals). */
static void smart_equals(sqlgen *g, const char *col, const char *value)
{
    FILE *fp = g->fp;
    int b;
    double x;
    int is_bool = ls_parse_bool(value, &b);
    int is_num = ls_parse_number(value, &x) == LS_NUM_OK;
    if (!is_bool && !is_num) {
        ident(fp, col);
        fputs(" = ", fp);
        str(fp, value);
        return;
    }
    fputc('(', fp);
    if (is_bool) {
        fputs("LOWER(", fp);
        ident(fp, col);
        fprintf(fp, ") IN (%s)", b ? true_spellings : false_spellings);
    }
    if (is_bool && is_num)
        fputs(" OR ", fp);
    if (is_num) {
        number_or_null(g, col);
        fputs(" = ", fp);
        num(fp, x);
    }
    fputc(')', fp);
}

static void range_test(sqlgen *g, size_t ci, const ls_rule *r)
{
    FILE *fp = g->fp;
    int any = 0;
    if (!isinf(r->lo)) {
        fprintf(fp, "\"x_%zu\" %s ", ci, r->lo_open ? ">" : ">=");
        num(fp, r->lo);
        any = 1;
    }
    if (!isinf(r->hi)) {
        if (any)
            fputs(" AND ", fp);
        fprintf(fp, "\"x_%zu\" %s ", ci, r->hi_open ? "<" : "<=");
        num(fp, r->hi);
        any = 1;
    }
    if (!any)
        fprintf(fp, "\"x_%zu\" IS NOT NULL", ci);
}

static void when(FILE *fp)
{
    fputs("\n        WHEN ", fp);
}

/* The CASE giving criterion ci's points (eta = 0) or linear-predictor share. */
static void criterion_case(sqlgen *g, size_t ci, int eta)
{
    const ls_criterion *c = &g->m->criteria[ci];
    FILE *fp = g->fp;
    const char *col = c->column;
    fputs("CASE WHEN ", fp);
    missing_test(g, col);
    fputs(" THEN ", fp);
    /* The missing outcome: as scorer.c missing_outcome. */
    const ls_rule *miss = NULL, *any = NULL;
    for (size_t k = 0; k < c->n_rules && !miss; k++) {
        if (c->rules[k].kind == LS_COND_MISSING)
            miss = &c->rules[k];
        else if (c->rules[k].kind == LS_COND_ANY && !any)
            any = &c->rules[k];
    }
    if (!miss && c->kind == LS_CRIT_RULES)
        miss = any;
    if (miss)
        rule_value(g, ci, miss, eta);
    else
        fputc('0', fp);

    const ls_rule *fallback = NULL; /* the ELSE */
    if (c->kind == LS_CRIT_CATEGORICAL) {
        for (size_t k = 0; k < c->n_rules; k++) {
            const ls_rule *r = &c->rules[k];
            if (r->kind == LS_COND_OTHER && !fallback)
                fallback = r;
            if (r->kind != LS_COND_EQUALS && r->kind != LS_COND_IN)
                continue;
            when(fp);
            in_list(g, col, r);
            fputs(" THEN ", fp);
            rule_value(g, ci, r, eta);
        }
        /* the reference's own value; a merged reference's members have
         * their rule, and the missing values their branch */
        char *const *ref_values;
        if (fallback && ls_reference_values(c, &ref_values) == 1) {
            when(fp);
            ident(fp, col);
            fputs(" = ", fp);
            str(fp, c->reference);
            fputs(" THEN 0", fp);
        }
    } else if (c->kind == LS_CRIT_BOOLEAN) {
        const ls_rule *t = NULL;
        for (size_t k = 0; k < c->n_rules && !t; k++)
            if (c->rules[k].kind == LS_COND_TRUE)
                t = &c->rules[k];
        when(fp);
        fputs("LOWER(", fp);
        ident(fp, col);
        fprintf(fp, ") IN (%s) THEN ", true_spellings);
        if (t)
            rule_value(g, ci, t, eta);
        else
            fputc('0', fp);
        when(fp);
        fputs("LOWER(", fp);
        ident(fp, col);
        fprintf(fp, ") IN (%s) THEN 0", false_spellings);
        fputs("\n        ELSE ", fp);
        fail_expr(g, col, "not a yes/no value");
        fputs(" END", fp);
        return;
    } else {
        int numeric = c->kind != LS_CRIT_RULES;
        int x_checked = 0, b_checked = 0;
        for (size_t k = 0; k < c->n_rules && !fallback; k++) {
            const ls_rule *r = &c->rules[k];
            if (r->kind == LS_COND_MISSING)
                continue;
            if (numeric && r->kind != LS_COND_RANGE && r->kind != LS_COND_PER_UNIT)
                continue;
            if ((r->kind == LS_COND_RANGE || r->kind == LS_COND_PER_UNIT || numeric) &&
                !x_checked) {
                when(fp);
                fprintf(fp, "\"x_%zu\" IS NULL THEN ", ci);
                fail_expr(g, col, "not a number");
                x_checked = 1;
            }
            switch (r->kind) {
            case LS_COND_EQUALS:
                when(fp);
                smart_equals(g, col, r->values[0]);
                break;
            case LS_COND_IN:
                when(fp);
                in_list(g, col, r);
                break;
            case LS_COND_RANGE:
                when(fp);
                range_test(g, ci, r);
                break;
            case LS_COND_PER_UNIT:
                when(fp);
                fprintf(fp, "\"x_%zu\" IS NOT NULL", ci);
                break;
            case LS_COND_TRUE:
                if (!b_checked) {
                    when(fp);
                    fputs("LOWER(", fp);
                    ident(fp, col);
                    fprintf(fp, ") NOT IN (%s, %s) THEN ", true_spellings, false_spellings);
                    fail_expr(g, col, "not a yes/no value");
                    b_checked = 1;
                }
                when(fp);
                fputs("LOWER(", fp);
                ident(fp, col);
                fprintf(fp, ") IN (%s)", true_spellings);
                break;
            case LS_COND_OTHER:
            case LS_COND_ANY:
                fallback = r;
                continue;
            case LS_COND_MISSING:
                break;
            }
            fputs(" THEN ", fp);
            rule_value(g, ci, r, eta);
        }
        if (numeric && !x_checked) {
            when(fp);
            fprintf(fp, "\"x_%zu\" IS NULL THEN ", ci);
            fail_expr(g, col, "not a number");
        }
    }
    fputs("\n        ELSE ", fp);
    if (fallback)
        rule_value(g, ci, fallback, eta);
    else
        fputc('0', fp);
    fputs(" END", fp);
}

/* Columns the innermost SELECT passes on: IDs, then criteria columns, once. */
static int listed_before(const char *const *cols, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cols[i], name) == 0)
            return 1;
    return 0;
}

ls_status ls_export_sql(const ls_model *m, const ls_sql_options *opts, FILE *fp, ls_error *err)
{
    ls_sql_options defaults;
    if (!opts) {
        ls_sql_options_init(&defaults);
        opts = &defaults;
    }
    const char *const *ids =
        opts->id_columns ? opts->id_columns : (const char *const *)m->id_columns;
    size_t n_ids = opts->id_columns ? opts->n_id_columns : m->n_id_columns;
    if (m->n_criteria == 0)
        return ls_fail(err, LS_ERR_MODEL, "the model has no criteria to export");
    const char **raw = calloc(n_ids + m->n_criteria, sizeof *raw);
    if (!raw)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    size_t n_raw = 0;
    for (size_t i = 0; i < n_ids; i++)
        if (!listed_before(raw, n_raw, ids[i]))
            raw[n_raw++] = ids[i];
    for (size_t i = 0; i < m->n_criteria; i++)
        if (!listed_before(raw, n_raw, m->criteria[i].column))
            raw[n_raw++] = m->criteria[i].column;

    sqlgen g = {m, fp};
    int learned = m->learned;
    double eta0 = 0;
    if (learned) {
        for (size_t t = 0; t < m->n_terms; t++)
            if (m->terms[t].criterion < 0) {
                if (isfinite(m->terms[t].estimate))
                    eta0 = m->terms[t].estimate;
                break;
            }
        if (isfinite(m->probability_offset))
            eta0 += m->probability_offset;
    }

    fprintf(fp, "-- leadscore %s: scores every row of ", LEADSCORE_VERSION);
    ident(fp, opts->table);
    fprintf(fp,
            " with a %s points model.\n"
            "-- Lead columns are read as text; empty, NULL",
            learned ? "learned" : "hand-written");
    for (size_t i = 0; i < m->n_missing_tokens; i++)
        if (m->missing_tokens[i][0]) {
            fputs(" and ", fp);
            str(fp, m->missing_tokens[i]);
        }
    fputs(" mean missing.\n", fp);

    /* outer: the tier */
    fputs("SELECT ", fp);
    for (size_t i = 0; i < n_ids; i++) {
        ident(fp, ids[i]);
        fputs(",\n       ", fp);
    }
    fputs("score,\n       ", fp);
    if (learned)
        fputs("probability,\n       ", fp);
    if (m->n_tiers == 0) {
        fputs("'' AS tier", fp);
    } else {
        fputs("CASE", fp);
        size_t t = 0;
        for (; t + 1 < m->n_tiers; t++) {
            if (isinf(m->tiers[t].min_score) && m->tiers[t].min_score < 0)
                break;
            fputs(" WHEN score >= ", fp);
            num(fp, m->tiers[t].min_score);
            fputs(" THEN ", fp);
            str(fp, m->tiers[t].name);
        }
        fputs(" ELSE ", fp);
        str(fp, m->tiers[t].name);
        fputs(" END AS tier", fp);
    }
    for (size_t i = 0; i < m->n_criteria; i++) {
        fputs(",\n       ", fp);
        ident2(fp, "points: ", m->criteria[i].column);
    }

    /* scored: the sum, the probability */
    fputs("\nFROM (\n  SELECT ", fp);
    for (size_t i = 0; i < n_ids; i++) {
        ident(fp, ids[i]);
        fputs(",\n         ", fp);
    }
    fputs("CAST(", fp);
    num(fp, m->base_points);
    for (size_t i = 0; i < m->n_criteria; i++) {
        fputs(" + ", fp);
        ident2(fp, "points: ", m->criteria[i].column);
    }
    fputs(" AS BIGINT) AS score,\n         ", fp);
    if (learned) {
        fputs("1 / (1 + EXP(-(", fp);
        num(fp, eta0);
        for (size_t i = 0; i < m->n_criteria; i++)
            fprintf(fp, " + \"eta_%zu\"", i);
        fputs("))) AS probability,\n         ", fp);
    }
    for (size_t i = 0; i < m->n_criteria; i++) {
        if (i)
            fputs(",\n         ", fp);
        ident2(fp, "points: ", m->criteria[i].column);
    }

    /* criteria: one CASE per criterion */
    fputs("\n  FROM (\n    SELECT ", fp);
    for (size_t i = 0; i < n_ids; i++) {
        ident(fp, ids[i]);
        fputs(",\n      ", fp);
    }
    for (size_t i = 0; i < m->n_criteria; i++) {
        if (i)
            fputs(",\n      ", fp);
        criterion_case(&g, i, 0);
        fputs(" AS ", fp);
        ident2(fp, "points: ", m->criteria[i].column);
        if (learned) {
            fputs(",\n      ", fp);
            criterion_case(&g, i, 1);
            fprintf(fp, " AS \"eta_%zu\"", i);
        }
    }

    /* parsed: the numbers */
    fputs("\n    FROM (\n      SELECT ", fp);
    for (size_t i = 0; i < n_raw; i++) {
        if (i)
            fputs(", ", fp);
        ident(fp, raw[i]);
    }
    for (size_t i = 0; i < m->n_criteria; i++) {
        if (!uses_x(&m->criteria[i]))
            continue;
        fputs(",\n        ", fp);
        x_expr(&g, &m->criteria[i]);
        fprintf(fp, " AS \"x_%zu\"", i);
    }
    fputs("\n      FROM ", fp);
    ident(fp, opts->table);
    fputs("\n    ) AS parsed\n  ) AS criteria\n) AS scored;\n", fp);
    free(raw);
    if (ferror(fp))
        return ls_fail(err, LS_ERR_IO, "cannot write the SQL");
    return LS_OK;
}
