/* Task runner over POSIX threads. SPDX-License-Identifier: GPL-3.0-or-later */
#include "parallel.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

enum { MAX_THREADS = 64, DEFAULT_MAX_THREADS = 8 };

size_t ls_parallel_threads(void)
{
    const char *env = getenv("LEADSCORE_THREADS");
    if (env && *env) {
        char *end = NULL;
        long v = strtol(env, &end, 10);
        if (end && *end == '\0' && v >= 1 && v <= MAX_THREADS)
            return (size_t)v;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > DEFAULT_MAX_THREADS ? DEFAULT_MAX_THREADS : (size_t)n;
}

void ls_parallel_range(size_t n, size_t n_tasks, size_t t, size_t *lo, size_t *hi)
{
    *lo = n / n_tasks * t + (t < n % n_tasks ? t : n % n_tasks);
    *hi = *lo + n / n_tasks + (t < n % n_tasks);
}

typedef struct {
    void (*fn)(void *, size_t);
    void *ctx;
    size_t n_tasks, stride, first;
} worker;

static void run_share(const worker *w)
{
    for (size_t t = w->first; t < w->n_tasks; t += w->stride)
        w->fn(w->ctx, t);
}

static void *thread_main(void *arg)
{
    run_share(arg);
    return NULL;
}

void ls_parallel_run(size_t n_tasks, void (*fn)(void *ctx, size_t task), void *ctx)
{
    size_t T = ls_parallel_threads();
    if (T > n_tasks)
        T = n_tasks;
    if (T <= 1) {
        for (size_t t = 0; t < n_tasks; t++)
            fn(ctx, t);
        return;
    }
    worker w[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (size_t k = 0; k < T; k++)
        w[k] = (worker){fn, ctx, n_tasks, T, k};
    for (size_t k = 1; k < T; k++)
        started[k] = pthread_create(&tid[k], NULL, thread_main, &w[k]) == 0;
    run_share(&w[0]);
    for (size_t k = 1; k < T; k++) {
        if (started[k])
            pthread_join(tid[k], NULL);
        else
            run_share(&w[k]);
    }
}
