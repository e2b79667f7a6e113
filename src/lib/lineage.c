/* Lineage: the parent a model was refit from, and the history of a set of
 * model files (training window, data hash, parent).
 *
 * A parent is recorded as the SHA-256 of the parent model file, not its path:
 * the hash still identifies the parent after files are renamed or moved, and
 * the history resolves it to a file name whenever the parent is listed.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/monitor.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "error_internal.h"
#include "model_internal.h"
#include "monitor_internal.h"
#include "text.h"

#define SHORT_HASH 12

static int is_sha256(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isxdigit((unsigned char)s[n]))
            return 0;
    return n == 64;
}

ls_status ls_model_set_parent(ls_model *model, const char *parent, ls_error *err)
{
    if (!parent || !parent[0])
        return ls_fail(err, LS_ERR_USAGE, "the parent must be a model file or its SHA-256");
    char hex[65];
    if (is_sha256(parent)) {
        for (size_t i = 0; i < 64; i++)
            hex[i] = (char)tolower((unsigned char)parent[i]);
        hex[64] = '\0';
    } else {
        ls_model *p = NULL;
        ls_status st = ls_model_load(parent, &p, err);
        ls_model_free(p);
        if (st != LS_OK)
            return st;
        if ((st = ls_file_sha256(parent, hex, err)) != LS_OK)
            return st;
    }
    char *copy = ls_strdup(hex);
    if (!copy)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    free(model->parent);
    model->parent = copy;
    return LS_OK;
}

/* ---- history ------------------------------------------------------------- */

static void entry_release(ls_history_entry *e)
{
    free(e->file);
    free(e->created);
    free(e->data_file);
    free(e->data_sha256);
    free(e->version);
    free(e->parent);
}

void ls_history_release(ls_history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        entry_release(&h->entries[i]);
    free(h->entries);
    memset(h, 0, sizeof *h);
}

typedef struct {
    ls_history_entry e;
    size_t order, depth;
} ordered_entry;

/* Oldest first; models without a creation time after those with one; on a
 * tie (trained within the same second) ancestors first, then the order given. */
static int by_created(const void *a, const void *b)
{
    const ordered_entry *x = a, *y = b;
    if (x->e.created && y->e.created) {
        int c = strcmp(x->e.created, y->e.created);
        if (c)
            return c;
    } else if (x->e.created || y->e.created) {
        return x->e.created ? -1 : 1;
    }
    if (x->depth != y->depth)
        return (x->depth > y->depth) - (x->depth < y->depth);
    return (x->order > y->order) - (x->order < y->order);
}

/* Index of the entry whose file is e's parent, or -1. */
static long parent_of(const ls_history_entry *entries, size_t n, size_t i)
{
    for (size_t k = 0; entries[i].parent && k < n; k++)
        if (k != i && strcasecmp(entries[k].sha256, entries[i].parent) == 0)
            return (long)k;
    return -1;
}

static int dup_field(char **dst, const char *src)
{
    *dst = src ? ls_strdup(src) : NULL;
    return !src || *dst;
}

ls_status ls_history_load(const char *const *paths, size_t n, ls_history *out, ls_error *err)
{
    memset(out, 0, sizeof *out);
    ordered_entry *v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ls_status st = LS_OK;
    size_t loaded = 0;
    for (size_t i = 0; i < n; i++) {
        ls_model *m = NULL;
        ls_history_entry *e = &v[i].e;
        v[i].order = i;
        if ((st = ls_model_load(paths[i], &m, err)) != LS_OK)
            break;
        loaded++;
        st = ls_file_sha256(paths[i], e->sha256, err);
        if (st == LS_OK &&
            !(dup_field(&e->file, paths[i]) && dup_field(&e->created, m->created) &&
              dup_field(&e->data_file, m->data_file) &&
              dup_field(&e->data_sha256, m->data_sha256) && dup_field(&e->version, m->version) &&
              dup_field(&e->parent, m->parent)))
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        e->rows = m->learned && m->rows > 0 ? m->rows : NAN;
        e->auc = m->learned && m->auc > 0 ? m->auc : NAN;
        ls_model_free(m);
        if (st != LS_OK)
            break;
    }
    if (st != LS_OK) {
        for (size_t i = 0; i < loaded; i++)
            entry_release(&v[i].e);
        free(v);
        return st;
    }
    /* ancestors among the entries (at most n steps, so a cycle ends) */
    ls_history_entry *plain = calloc(n ? n : 1, sizeof *plain);
    if (!plain) {
        for (size_t i = 0; i < n; i++)
            entry_release(&v[i].e);
        free(v);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        plain[i] = v[i].e;
    for (size_t i = 0; i < n; i++) {
        long p = parent_of(plain, n, i);
        while (p >= 0 && v[i].depth < n) {
            v[i].depth++;
            p = parent_of(plain, n, (size_t)p);
        }
    }
    free(plain);
    qsort(v, n, sizeof *v, by_created);
    out->entries = calloc(n ? n : 1, sizeof *out->entries);
    if (!out->entries) {
        for (size_t i = 0; i < n; i++)
            entry_release(&v[i].e);
        free(v);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        out->entries[i] = v[i].e;
    out->n = n;
    free(v);
    for (size_t i = 0; i < n; i++)
        out->entries[i].parent_index = parent_of(out->entries, n, i);
    return LS_OK;
}

/* ---- writing ------------------------------------------------------------- */

static const char *shorten(const char *hash, char *buf)
{
    if (!hash)
        return "-";
    size_t k = 0;
    for (; k < SHORT_HASH && hash[k]; k++)
        buf[k] = hash[k];
    buf[k] = '\0';
    return buf;
}

static void write_text(const ls_history *h, FILE *out)
{
    fprintf(out, "%-28s %-12s %-20s %-28s %-12s %8s %7s %s\n", "file", "sha256", "created",
            "data file", "data sha256", "rows", "AUC", "parent");
    for (size_t i = 0; i < h->n; i++) {
        const ls_history_entry *e = &h->entries[i];
        char own[SHORT_HASH + 1], data[SHORT_HASH + 1], par[SHORT_HASH + 1], rows[32], auc[32];
        snprintf(rows, sizeof rows, isnan(e->rows) ? "-" : "%.0f", e->rows);
        snprintf(auc, sizeof auc, isnan(e->auc) ? "-" : "%.4f", e->auc);
        const char *parent =
            e->parent_index >= 0 ? h->entries[e->parent_index].file : shorten(e->parent, par);
        fprintf(out, "%-28s %-12s %-20s %-28s %-12s %8s %7s %s\n", e->file, shorten(e->sha256, own),
                e->created ? e->created : "-", e->data_file ? e->data_file : "-",
                shorten(e->data_sha256, data), rows, auc, parent);
    }
}

static void write_csv(const ls_history *h, FILE *out)
{
    fputs("file,sha256,created,data_file,data_sha256,rows,auc,parent,parent_file\n", out);
    for (size_t i = 0; i < h->n; i++) {
        const ls_history_entry *e = &h->entries[i];
        ls_mon_csv_field(out, e->file);
        fprintf(out, ",%s,", e->sha256);
        ls_mon_csv_field(out, e->created);
        fputc(',', out);
        ls_mon_csv_field(out, e->data_file);
        fputc(',', out);
        ls_mon_csv_field(out, e->data_sha256);
        fputc(',', out);
        ls_mon_csv_number(out, e->rows);
        fputc(',', out);
        ls_mon_csv_number(out, e->auc);
        fputc(',', out);
        ls_mon_csv_field(out, e->parent);
        fputc(',', out);
        ls_mon_csv_field(out, e->parent_index >= 0 ? h->entries[e->parent_index].file : NULL);
        fputc('\n', out);
    }
}

static ls_status write_json(const ls_history *h, FILE *out, ls_error *err)
{
    int ok = 1;
    cJSON *root = cJSON_CreateArray();
    for (size_t i = 0; i < h->n && root; i++) {
        const ls_history_entry *e = &h->entries[i];
        cJSON *o = cJSON_CreateObject();
        ls_mon_json_add(o, "file", ls_mon_json_string(e->file), &ok);
        ls_mon_json_add(o, "sha256", ls_mon_json_string(e->sha256), &ok);
        ls_mon_json_add(o, "created", ls_mon_json_string(e->created), &ok);
        ls_mon_json_add(o, "data_file", ls_mon_json_string(e->data_file), &ok);
        ls_mon_json_add(o, "data_sha256", ls_mon_json_string(e->data_sha256), &ok);
        ls_mon_json_add(o, "leadscore_version", ls_mon_json_string(e->version), &ok);
        ls_mon_json_add(o, "rows", ls_mon_json_number(e->rows), &ok);
        ls_mon_json_add(o, "auc", ls_mon_json_number(e->auc), &ok);
        ls_mon_json_add(o, "parent", ls_mon_json_string(e->parent), &ok);
        ls_mon_json_add(
            o, "parent_file",
            ls_mon_json_string(e->parent_index >= 0 ? h->entries[e->parent_index].file : NULL),
            &ok);
        if (o)
            cJSON_AddItemToArray(root, o);
        else
            ok = 0;
    }
    return ls_mon_json_write(root, ok, out, err);
}

ls_status ls_history_write(const ls_history *h, ls_monitor_format format, FILE *out, ls_error *err)
{
    locale_t old = ls_mon_locale_enter();
    ls_status st = LS_OK;
    if (format == LS_MONITOR_TEXT)
        write_text(h, out);
    else if (format == LS_MONITOR_CSV)
        write_csv(h, out);
    else
        st = write_json(h, out, err);
    ls_mon_locale_leave(old);
    return st == LS_OK ? ls_mon_stream_status(out, err) : st;
}
