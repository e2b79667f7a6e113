/* Running independent tasks on the machine's cores.
 *
 * Work is cut into a fixed number of tasks whatever the number of cores, and
 * each task writes its own partial result; the caller combines the partials in
 * task order. So results never depend on the core count or on timing: a fit
 * gives the same bits on a laptop and on a server.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_PARALLEL_H
#define LS_PARALLEL_H

#include <stddef.h>

/* Threads worth starting: the online cores, at most 8, at least 1. The
 * environment variable LEADSCORE_THREADS (1..64), when set, overrides. */
size_t ls_parallel_threads(void);

/* Runs fn(ctx, t) for t = 0..n_tasks-1, spread over up to ls_parallel_threads()
 * threads (task t on thread t mod T; the caller's thread is one of them).
 * Returns when every task has finished. If a thread cannot be started its
 * tasks run on the caller's thread: the call cannot fail. */
void ls_parallel_run(size_t n_tasks, void (*fn)(void *ctx, size_t task), void *ctx);

/* Splits n items into n_tasks contiguous ranges: task t gets [*lo, *hi). */
void ls_parallel_range(size_t n, size_t n_tasks, size_t t, size_t *lo, size_t *hi);

#endif
