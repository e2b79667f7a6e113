/* leadscore — output files written atomically: to a temporary file beside
 * the target, renamed into place only when complete, so a failed or killed
 * run never leaves a partial file under the final name.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_OUTPUT_H
#define LEADSCORE_OUTPUT_H

#include <stdio.h>

#include "leadscore/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ls_output ls_output;

/* Opens a temporary file in path's directory ("-" writes to standard output,
 * which is flushed and checked on commit). *out owns it. */
ls_status ls_output_open(const char *path, ls_output **out, ls_error *err);

/* The stream to write to. */
FILE *ls_output_stream(ls_output *out);

/* Flushes, checks for write errors, closes and renames into place; frees out.
 * On failure the temporary file is removed. */
ls_status ls_output_commit(ls_output *out, ls_error *err);

/* Closes and removes the temporary file without touching the target; frees
 * out. Accepts NULL. */
void ls_output_abort(ls_output *out);

/* 1 if the two paths name the same existing file (refuse to overwrite an input). */
int ls_same_file(const char *a, const char *b);

#ifdef __cplusplus
}
#endif
#endif
