/* Out-of-core storage: memory mapped from unlinked temporary files, trimmed
 * from the process in the background (see spool.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* mremap */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* How often the mapped pages are dropped from the process: a pass streams a
 * few GB/s, so some tens of MB stay resident between two trims (more when
 * the thread waits for a core: measured peak 130 MB of 2 GB mapped). */
enum { TRIM_MS = 10 };

typedef struct {
    void *p;
    size_t len; /* mapped, a multiple of the page size */
    int fd;
} region;

struct ls_spool {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int running, stop;
    region *r;
    size_t n, cap;
    size_t bytes, peak;
    int err;
};

static size_t page_round(size_t bytes)
{
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096;
    bytes = bytes ? bytes : 1;
    return (bytes + page - 1) / page * page;
}

static void *trim_main(void *arg)
{
    ls_spool *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        struct timespec at;
        clock_gettime(CLOCK_REALTIME, &at);
        at.tv_nsec += TRIM_MS * 1000000L;
        if (at.tv_nsec >= 1000000000L) {
            at.tv_sec++;
            at.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->wake, &s->lock, &at);
        /* Under the lock: a region being moved by mremap is never trimmed
         * at its old address (which the heap may have reused). */
        for (size_t i = 0; i < s->n && !s->stop; i++)
            madvise(s->r[i].p, s->r[i].len, MADV_DONTNEED);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

ls_spool *ls_spool_new(void)
{
    ls_spool *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return NULL;
    }
    pthread_cond_init(&s->wake, NULL);
    s->running = pthread_create(&s->thread, NULL, trim_main, s) == 0;
    return s;
}

void ls_spool_free(ls_spool *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (s->running)
        pthread_join(s->thread, NULL);
    for (size_t i = 0; i < s->n; i++) {
        munmap(s->r[i].p, s->r[i].len);
        close(s->r[i].fd);
    }
    free(s->r);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* An unlinked file in TMPDIR of len bytes, its blocks reserved. */
static int temp_file(size_t len, int *err)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    if (!dir || !*dir)
        dir = "/tmp";
    if (snprintf(path, sizeof path, "%s/leadscore-spool.XXXXXX", dir) >= (int)sizeof path) {
        *err = ENAMETOOLONG;
        return -1;
    }
    int fd = mkstemp(path);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    unlink(path);
    int rc = posix_fallocate(fd, 0, (off_t)len);
    if (rc != 0) {
        close(fd);
        *err = rc;
        return -1;
    }
    return fd;
}

static void fail(ls_spool *s, int err)
{
    if (!s->err)
        s->err = err ? err : ENOMEM;
}

static void *spool_alloc(ls_spool *s, size_t bytes)
{
    size_t len = page_round(bytes);
    int err = 0, fd = temp_file(len, &err);
    void *p = MAP_FAILED;
    pthread_mutex_lock(&s->lock);
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        region *r = realloc(s->r, cap * sizeof *r);
        if (r) {
            s->r = r;
            s->cap = cap;
        }
    }
    if (fd >= 0 && s->n < s->cap) {
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        err = p == MAP_FAILED ? errno : 0;
    }
    if (p == MAP_FAILED) {
        fail(s, err);
        pthread_mutex_unlock(&s->lock);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    s->r[s->n++] = (region){p, len, fd};
    s->bytes += len;
    s->peak = s->bytes > s->peak ? s->bytes : s->peak;
    pthread_mutex_unlock(&s->lock);
    return p;
}

static region *find(ls_spool *s, const void *p)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->r[i].p == p)
            return &s->r[i];
    return NULL;
}

void *ls_big_alloc(ls_spool *s, size_t bytes)
{
    return s ? spool_alloc(s, bytes) : calloc(bytes ? bytes : 1, 1);
}

void *ls_big_realloc(ls_spool *s, void *p, size_t bytes)
{
    if (!s)
        return realloc(p, bytes ? bytes : 1);
    if (!p)
        return spool_alloc(s, bytes);
    size_t len = page_round(bytes);
    pthread_mutex_lock(&s->lock);
    region *r = find(s, p);
    void *q = NULL;
    if (r && len <= r->len) {
        q = p;
    } else if (r) {
        int rc = posix_fallocate(r->fd, 0, (off_t)len);
        if (rc == 0) {
            q = mremap(r->p, r->len, len, MREMAP_MAYMOVE);
            if (q == MAP_FAILED) {
                q = NULL;
                rc = errno;
            }
        }
        if (q) {
            s->bytes += len - r->len;
            s->peak = s->bytes > s->peak ? s->bytes : s->peak;
            r->p = q;
            r->len = len;
        } else {
            fail(s, rc);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return q;
}

void ls_big_free(ls_spool *s, void *p)
{
    if (!s) {
        free(p);
        return;
    }
    if (!p)
        return;
    pthread_mutex_lock(&s->lock);
    region *r = find(s, p);
    if (r) {
        munmap(r->p, r->len);
        close(r->fd);
        s->bytes -= r->len;
        *r = s->r[--s->n];
    }
    pthread_mutex_unlock(&s->lock);
}

int ls_spool_errno(const ls_spool *s)
{
    return s ? s->err : 0;
}

size_t ls_spool_peak(const ls_spool *s)
{
    return s ? s->peak : 0;
}
