/* Error records. SPDX-License-Identifier: GPL-3.0-or-later */
#include "error_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ls_error_clear(ls_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

const char *ls_status_str(ls_status status)
{
    switch (status) {
    case LS_OK:
        return "ok";
    case LS_ERR_IO:
        return "i/o error";
    case LS_ERR_PARSE:
        return "parse error";
    case LS_ERR_USAGE:
        return "usage error";
    case LS_ERR_NOMEM:
        return "out of memory";
    case LS_ERR_LIMIT:
        return "limit exceeded";
    case LS_ERR_DATA:
        return "unsuitable data";
    case LS_ERR_NUMERIC:
        return "numerical failure";
    case LS_ERR_SEPARATION:
        return "separation";
    case LS_ERR_NOCONVERGE:
        return "no convergence";
    case LS_ERR_MODEL:
        return "invalid model";
    case LS_ERR_NOTFOUND:
        return "not found";
    }
    return "unknown error";
}

static void set_place(ls_error *err, const char *file, size_t line, size_t column_index,
                      const char *column)
{
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    snprintf(err->column, sizeof err->column, "%s", column ? column : "");
    err->line = line;
    err->column_index = column_index;
}

ls_status ls_fail(ls_error *err, ls_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    set_place(err, NULL, 0, 0, NULL);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

ls_status ls_fail_at(ls_error *err, ls_status code, const char *file, size_t line,
                     size_t column_index, const char *column, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    set_place(err, file, line, column_index, column);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

/* Appends to buf at *used, never past size - 1, always NUL-terminated. */
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...) LS_PRINTF(4, 5);
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
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

char *ls_error_format(const ls_error *err, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    buf[0] = '\0';
    if (!err)
        return buf;
    size_t used = 0;
    if (err->file[0]) {
        append(buf, size, &used, "%s:", err->file);
        if (err->line)
            append(buf, size, &used, "%zu:", err->line);
        if (err->column_index)
            append(buf, size, &used, "%zu:", err->column_index);
        append(buf, size, &used, " ");
    }
    if (err->column[0])
        append(buf, size, &used, "column '%s': ", err->column);
    append(buf, size, &used, "%s", err->message[0] ? err->message : ls_status_str(err->code));
    return buf;
}
