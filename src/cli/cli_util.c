/* leadscore CLI — shared helpers. SPDX-License-Identifier: GPL-3.0-or-later */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int cli_report(const ls_error *err)
{
    char buf[LS_ERROR_MESSAGE_MAX + 2 * LS_ERROR_FILE_MAX + 64];
    fprintf(stderr, "leadscore: %s\n", ls_error_format(err, buf, sizeof buf));
    return err->code == LS_ERR_USAGE ? LS_EXIT_USAGE : LS_EXIT_FAIL;
}

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("leadscore: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "leadscore %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\ntry 'leadscore %s --help'\n", cmd);
    va_end(ap);
    return LS_EXIT_USAGE;
}

int cli_getopt_error(const char *cmd, int c, char **argv)
{
    if (c == ':')
        return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
    if (optopt)
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

int cli_parse_double(const char *cmd, const char *option, const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end) {
        cli_usage_error(cmd, "%s expects a number, not '%s'", option, text);
        return 0;
    }
    *out = v;
    return 1;
}

int cli_parse_size(const char *cmd, const char *option, const char *text, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-') {
        cli_usage_error(cmd, "%s expects a whole number, not '%s'", option, text);
        return 0;
    }
    *out = (size_t)v;
    return 1;
}
