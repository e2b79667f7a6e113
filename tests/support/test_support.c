/* Shared helpers for the cmocka unit tests. SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ls_assert_close(double actual, double expected, double rel, double abs, const char *what,
                     const char *file, int line)
{
    double tol = rel * fabs(expected) + abs;
    if (isnan(expected) && isnan(actual))
        return;
    if (!(fabs(actual - expected) <= tol)) {
        print_error("%s = %.17g, expected %.17g (tolerance %.3g)\n", what, actual, expected, tol);
        _fail(file, line);
    }
}

const char *ls_test_path(const char *relative)
{
    static char slots[8][4096];
    static int next;
    char *buf = slots[next++ % 8];
    snprintf(buf, sizeof slots[0], "%s/%s", LS_SOURCE_DIR, relative);
    return buf;
}

static char temp_paths[64][64];
static int temp_count;

static void remove_temps(void)
{
    for (int i = 0; i < temp_count && i < 64; i++)
        unlink(temp_paths[i]);
}

const char *ls_test_write_temp(const char *text, size_t len)
{
    if (temp_count == 0)
        atexit(remove_temps);
    char *path = temp_paths[temp_count++ % 64];
    snprintf(path, sizeof temp_paths[0], "/tmp/ls_test_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        fail_msg("mkstemp failed");
    if (write(fd, text, len) != (ssize_t)len)
        fail_msg("write failed");
    close(fd);
    return path;
}
