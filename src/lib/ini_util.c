/* Shared plumbing of the INI readers; see ini_util.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "ini_util.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int ls_ini_fail(ls_ini_error *e, const char *fmt, ...)
{
    if (!e->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
        e->failed = 1;
    }
    return 0;
}

ls_status ls_ini_read_file(const char *path, const char *what, char **out, ls_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return ls_fail_at(err, errno == ENOENT ? LS_ERR_NOTFOUND : LS_ERR_IO, path, 0, 0, NULL,
                          "cannot open %s: %s", what, strerror(errno));
    char *text = malloc(LS_INI_MAX_BYTES + 1);
    if (!text) {
        fclose(fp);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    size_t n = fread(text, 1, LS_INI_MAX_BYTES + 1, fp);
    int bad = ferror(fp);
    fclose(fp);
    ls_status st = LS_OK;
    if (bad)
        st = ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "read error");
    else if (n > LS_INI_MAX_BYTES)
        st = ls_fail_at(err, LS_ERR_LIMIT, path, 0, 0, NULL, "%s is larger than 1 MiB", what);
    else if (memchr(text, '\0', n))
        st = ls_fail_at(err, LS_ERR_PARSE, path, 0, 0, NULL, "%s contains a NUL byte", what);
    if (st != LS_OK) {
        free(text);
        return st;
    }
    text[n] = '\0';
    *out = text;
    return LS_OK;
}

/* libinih silently truncates longer lines, which would change a value
 * rather than fail: refuse them up front. */
static ls_status check_lines(const char *text, const char *name, ls_error *err)
{
    size_t line = 1, len = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            line++;
            len = 0;
        } else if (++len > LS_INI_MAX_LINE) {
            return ls_fail_at(err, LS_ERR_PARSE, name, line, 0, NULL,
                              "line is longer than %d characters: continue long lists on "
                              "indented lines",
                              LS_INI_MAX_LINE);
        }
    }
    return LS_OK;
}

ls_status ls_ini_parse(const char *text, const char *name,
                       int (*handler)(void *, const char *, const char *, const char *), void *user,
                       const ls_ini_error *e, ls_error *err)
{
    ls_status st = check_lines(text, name, err);
    if (st != LS_OK)
        return st;
    int line = ini_parse_string(text, handler, user);
    if (line == 0)
        return LS_OK;
    if (line < 0 && !e->failed)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    return ls_fail_at(err, LS_ERR_PARSE, name, line > 0 ? (size_t)line : 0, 0, NULL, "%s",
                      e->failed ? e->message
                                : "malformed line: expected 'key = value' or a [section]");
}

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int ls_ini_split_list(const char *value, char ***items, size_t *n)
{
    const char *p = value;
    char buf[256];
    while (*p) {
        p = skip_blanks(p);
        size_t len = 0;
        if (*p == '"') {
            p++;
            while (*p && *p != '"' && len + 1 < sizeof buf)
                buf[len++] = *p++;
            if (*p != '"')
                return 0;
            p = skip_blanks(p + 1);
        } else {
            while (*p && *p != ',' && len + 1 < sizeof buf)
                buf[len++] = *p++;
            while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
                len--;
            if (len == 0)
                return 0;
        }
        if (*p && *p != ',')
            return 0; /* text after a closing quote, or an item over 255 bytes */
        buf[len] = '\0';
        char **grown = realloc(*items, (*n + 1) * sizeof **items);
        if (!grown)
            return 0;
        *items = grown;
        if (!(grown[*n] = ls_strdup(buf)))
            return 0;
        (*n)++;
        if (*p == ',')
            p++;
    }
    return 1;
}

void ls_ini_free_list(char **items, size_t n)
{
    for (size_t i = 0; items && i < n; i++)
        free(items[i]);
    free(items);
}
