/* Shared helpers for the cmocka unit tests. SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_TEST_SUPPORT_H
#define LS_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/* cmocka 1.1.5 has no floating-point assertion: |actual - expected| must be
 * within rel·|expected| + abs. Fails the test with both values printed. */
#define assert_close(actual, expected, rel, abs)                                                   \
    ls_assert_close((actual), (expected), (rel), (abs), #actual, __FILE__, __LINE__)
void ls_assert_close(double actual, double expected, double rel, double abs, const char *what,
                     const char *file, int line);

/* Path under the source tree: ls_test_path("tests/data/x.csv"). Static buffer
 * rotated over 8 slots, so a few can be held at once. */
const char *ls_test_path(const char *relative);

/* Writes text to a fresh temporary file and returns its path (static rotating
 * buffer); the file is removed at exit. */
const char *ls_test_write_temp(const char *text, size_t len);

#endif
