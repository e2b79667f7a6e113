/* Out-of-core storage for the trainer's per-row arrays.
 *
 * A spool hands out memory backed by unlinked temporary files in TMPDIR
 * (MAP_SHARED mappings), instead of the heap. Every pass of the trainer reads
 * these arrays front to back, so a background thread regularly drops the
 * pages from the process (madvise MADV_DONTNEED): they stay in the file (the
 * page cache, or the disk when memory is short) and come back on the next
 * touch. The process then holds about one trim interval's worth of rows
 * however many rows there are, and every pass runs the same code, in the
 * same order, as in memory: results are bit for bit the same.
 *
 * The files are unlinked as soon as they are created, so no exit path (not
 * even a crash) leaves them behind, and their blocks are reserved up front
 * (posix_fallocate), so a full disk is an allocation failure, never a SIGBUS.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_SPOOL_H
#define LS_SPOOL_H

#include <stddef.h>

typedef struct ls_spool ls_spool;

/* A spool in TMPDIR (or /tmp), with its trimming thread; NULL when no memory. */
ls_spool *ls_spool_new(void);

/* Stops the thread and unmaps whatever is left. */
void ls_spool_free(ls_spool *s);

/* Zero-filled memory of bytes, from the spool when s is not NULL, from the
 * heap otherwise; NULL on failure (see ls_spool_errno). */
void *ls_big_alloc(ls_spool *s, size_t bytes);

/* As realloc (p may be NULL); the contents are kept, new bytes are zero
 * for a spool and undefined for the heap. */
void *ls_big_realloc(ls_spool *s, void *p, size_t bytes);

void ls_big_free(ls_spool *s, void *p);

/* errno of the first failed spool allocation (ENOSPC: the disk is full), or 0. */
int ls_spool_errno(const ls_spool *s);

/* Bytes handed out and not freed, the largest total so far. */
size_t ls_spool_peak(const ls_spool *s);

#endif
