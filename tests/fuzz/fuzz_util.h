/* Helpers shared by the libFuzzer targets: the input as a file (the parsers
 * that take a path read it through /proc/self/fd of a memfd, so nothing
 * touches the disk), invariants every accepted model must keep, and a check
 * that every error a parser returns is a well-formed ls_error.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_FUZZ_UTIL_H
#define LS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "leadscore/error.h"
#include "leadscore/model.h"

/* Writes data to a fresh memfd and puts "/proc/self/fd/N" in path (64
 * bytes). Returns the fd (close it when done); aborts if the kernel refuses,
 * since a target that silently tests nothing is worse than one that stops. */
int fuzz_memfd(const uint8_t *data, size_t size, char *path);

/* Aborts unless st is a known status and, for a failure, err holds a
 * NUL-terminated, non-empty message that ls_error_format can print. */
void fuzz_check_error(ls_status st, const ls_error *err);

/* 1 if the comma-separated list in the environment variable
 * LEADSCORE_FUZZ_SKIP names check: a way to fuzz past an open, reported
 * finding (e.g. LEADSCORE_FUZZ_SKIP=points-round-trip). The smoke test never
 * sets it. Checks: points-round-trip, json-round-trip, live-diff,
 * time-round-trip, score-diff. */
int fuzz_skip(const char *check);

/* Exercises an accepted model the way the CLI would: `show` in every format,
 * the model file written and read back, the points table written and read
 * back, and a few leads scored. Aborts when the writer produces a file the
 * reader refuses (the round trip is a promise of the model file format). */
void fuzz_exercise_model(const ls_model *model);

#endif
