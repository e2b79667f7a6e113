/* Running gnuplot: a child process fed a script on its standard input,
 * whose standard output (the image) is collected in memory.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_GNUPLOT_H
#define LS_GNUPLOT_H

#include <stddef.h>

#include "leadscore/error.h"

#define LS_GNUPLOT_INSTALL_HINT "gnuplot is not installed: apt-get install gnuplot-nox"

/* Runs program (NULL: "gnuplot", searched on PATH) with no arguments, writes
 * script (len bytes) to its standard input and collects its standard output
 * into *out (*out_len bytes, malloc'd, NUL-terminated for text: the caller
 * frees). A program that cannot be found is LS_ERR_NOTFOUND with
 * LS_GNUPLOT_INSTALL_HINT; a non-zero exit status or a signal is LS_ERR_IO
 * with gnuplot's last error line. Never raises SIGPIPE in the caller. */
ls_status ls_gnuplot_run(const char *program, const char *script, size_t len, unsigned char **out,
                         size_t *out_len, ls_error *err);

#endif
