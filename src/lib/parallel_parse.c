/* A CSV tokenizer for well-formed input, in libcsv's strict dialect.
 *
 * libcsv (as csv.c drives it) reads:
 *  - records end at LF outside quotes; lines holding only spaces make none;
 *  - around an unquoted field the space bytes (the reader's is_space, never
 *    the separator) are trimmed; a quote inside an unquoted field is an error;
 *  - a quoted field may follow spaces, holds anything (LF, CR, separators),
 *    "" stands for one quote, and after the closing quote only spaces may
 *    come before the separator or the line end;
 *  - at the end of the file the last record needs no LF.
 * Unquoted fields and quoted ones without "" are handed out where they lie
 * in the read buffer, so a field costs a scan and no copy. Whatever is not
 * well formed returns LS_FASTCSV_INVALID without a message: csv.c, reading
 * again, gives the exact one.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _XOPEN_SOURCE 700 /* pread */
#include "parallel_parse.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

enum { READ_SIZE = 1 << 20 };

enum { C_STOP = 1 }; /* a byte that ends an unquoted field's scan */

typedef struct {
    const ls_csv_layout_info *lay;
    unsigned char stop[256]; /* separator, LF, quote */
    const char **field;
    size_t *len;
    unsigned char *in_arena; /* the field's text is at arena + off[f] */
    size_t *off;
    size_t n_fields; /* fields per record as stored (n_raw_columns) */
    char *arena;     /* unescaped quoted fields of the current record */
    size_t arena_cap;
} tokenizer;

typedef enum { REC_OK, REC_BLANK, REC_END, REC_MORE, REC_BAD, REC_NOMEM } rec_status;

static int read_full(int fd, char *buf, size_t n, unsigned long long off, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t r = pread(fd, buf + *got, n - *got, (off_t)(off + *got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return 0;
}

unsigned long long ls_fastcsv_next_line(int fd, unsigned long long pos,
                                        unsigned long long file_size)
{
    char buf[65536];
    while (pos < file_size) {
        size_t want = file_size - pos < sizeof buf ? (size_t)(file_size - pos) : sizeof buf, got;
        if (read_full(fd, buf, want, pos, &got) != 0 || got == 0)
            return (unsigned long long)-1;
        const char *nl = memchr(buf, '\n', got);
        if (nl)
            return pos + (unsigned long long)(nl - buf) + 1;
        pos += got;
    }
    return file_size;
}

static int arena_reserve(tokenizer *tk, size_t need)
{
    if (need <= tk->arena_cap)
        return 1;
    size_t cap = tk->arena_cap ? tk->arena_cap : 4096;
    while (cap < need)
        cap *= 2;
    char *a = realloc(tk->arena, cap);
    if (!a)
        return 0;
    tk->arena = a;
    tk->arena_cap = cap;
    return 1;
}

/* One record from p (a record boundary). On REC_OK/REC_BLANK *next is where
 * the next record starts and *nl the line breaks consumed. Quoted fields with
 * "" are unescaped into the arena; their offsets are fixed up at the end, as
 * the arena may move. */
static rec_status parse_record(tokenizer *tk, const char *p, const char *e, int eof,
                               const char **next, size_t *nl)
{
    const unsigned char *space = tk->lay->space;
    const char sep = tk->lay->separator;
    const char *q = p;
    size_t nf = 0, lines = 0, arena_used = 0;
    while (q < e && space[(unsigned char)*q])
        q++;
    if (q == e)
        return eof ? REC_END : REC_MORE;
    if (*q == '\n') {
        *next = q + 1;
        *nl = 1;
        return REC_BLANK;
    }
    for (;;) {
        /* at the start of a field (spaces before it not yet skipped) */
        while (q < e && space[(unsigned char)*q])
            q++;
        const char *start, *stop;
        int in_arena = 0;
        size_t arena_at = 0, arena_len = 0;
        if (q == e) {
            if (!eof)
                return REC_MORE;
            start = stop = q; /* an empty last field at the end of the file */
        } else if (*q == '"') {
            const char *r = ++q;
            start = q;
            size_t copied = 0;
            for (;;) {
                const char *qt = memchr(r, '"', (size_t)(e - r));
                if (!qt)
                    return eof ? REC_BAD : REC_MORE;
                for (const char *s = r; (s = memchr(s, '\n', (size_t)(qt - s))); s++)
                    lines++;
                if (qt + 1 == e && !eof)
                    return REC_MORE;
                if (qt + 1 < e && qt[1] == '"') {
                    /* "" : copy what we have, plus one quote, to the arena */
                    size_t add = (size_t)(qt - r) + 1;
                    if (!in_arena) {
                        add += (size_t)(r - start);
                        r = start;
                        in_arena = 1;
                    }
                    if (!arena_reserve(tk, arena_used + copied + add))
                        return REC_NOMEM;
                    memcpy(tk->arena + arena_used + copied, r, add);
                    copied += add;
                    r = qt + 2;
                    continue;
                }
                if (in_arena) {
                    size_t add = (size_t)(qt - r);
                    if (!arena_reserve(tk, arena_used + copied + add + 1))
                        return REC_NOMEM;
                    memcpy(tk->arena + arena_used + copied, r, add);
                    copied += add;
                }
                stop = qt;
                q = qt + 1;
                break;
            }
            while (q < e && space[(unsigned char)*q])
                q++;
            if (q == e && !eof)
                return REC_MORE;
            if (q < e && *q != sep && *q != '\n')
                return REC_BAD; /* text after the closing quote */
            if (in_arena) {
                /* the arena may still move: keep the offset, fixed up below */
                arena_at = arena_used;
                arena_len = copied;
                arena_used += copied;
            }
        } else {
            start = q;
            while (q < e && !tk->stop[(unsigned char)*q])
                q++;
            if (q == e && !eof)
                return REC_MORE;
            if (q < e && *q == '"')
                return REC_BAD; /* a quote inside an unquoted field */
            stop = q;
            while (stop > start && space[(unsigned char)stop[-1]])
                stop--;
        }
        if (nf == tk->n_fields)
            return REC_BAD; /* more fields than the header */
        tk->field[nf] = in_arena ? NULL : start;
        tk->len[nf] = in_arena ? arena_len : (size_t)(stop - start);
        tk->in_arena[nf] = (unsigned char)in_arena;
        tk->off[nf] = arena_at;
        nf++;
        if (q == e) {
            *next = q;
            break;
        }
        if (*q == '\n') {
            lines++;
            *next = q + 1;
            break;
        }
        q++; /* the separator */
    }
    /* field count as the reader checks it */
    const ls_csv_layout_info *lay = tk->lay;
    if (nf == lay->n_raw_columns && lay->trailing_empty) {
        if (tk->len[nf - 1] != 0)
            return REC_BAD;
    } else if (nf != lay->n_columns) {
        return REC_BAD;
    }
    /* content: UTF-8, no NUL, within the size limit */
    if (!ls_plain_ascii(p, (size_t)(*next - p)) &&
        (!ls_utf8_valid(p, (size_t)(*next - p)) || memchr(p, '\0', (size_t)(*next - p))))
        return REC_BAD;
    for (size_t f = 0; f < nf; f++) {
        if (tk->in_arena[f])
            tk->field[f] = tk->arena + tk->off[f];
        if (tk->len[f] > lay->max_field_bytes)
            return REC_BAD;
    }
    *nl = lines;
    return REC_OK;
}

ls_fastcsv_status ls_fastcsv_parse(int fd, unsigned long long begin, unsigned long long limit,
                                   unsigned long long file_size, size_t first_line,
                                   const ls_csv_layout_info *lay, ls_fastcsv_sink sink, void *ctx,
                                   ls_fastcsv_result *res)
{
    tokenizer tk;
    memset(&tk, 0, sizeof tk);
    tk.lay = lay;
    tk.n_fields = lay->n_raw_columns;
    tk.stop[(unsigned char)lay->separator] = C_STOP;
    tk.stop['\n'] = C_STOP;
    tk.stop['"'] = C_STOP;
    tk.field = malloc((tk.n_fields + 1) * sizeof *tk.field);
    tk.len = malloc((tk.n_fields + 1) * sizeof *tk.len);
    tk.in_arena = malloc(tk.n_fields + 1);
    tk.off = malloc((tk.n_fields + 1) * sizeof *tk.off);
    size_t cap = READ_SIZE;
    char *buf = malloc(cap);
    ls_fastcsv_status st = LS_FASTCSV_OK;
    res->end = begin;
    res->lines = 0;
    if (!tk.field || !tk.len || !tk.in_arena || !tk.off || !buf) {
        st = LS_FASTCSV_NOMEM;
        goto done;
    }
    unsigned long long buf_off = begin; /* file offset of buf[0] */
    size_t have = 0, line = first_line;
    const char *p = buf;
    for (;;) {
        /* refill: keep the unparsed tail, read after it */
        size_t keep = have - (size_t)(p - buf);
        if (keep == cap) {
            size_t cap2 = cap * 2, at = (size_t)(p - buf); /* buf is gone after realloc */
            char *b2 = realloc(buf, cap2);
            if (!b2) {
                st = LS_FASTCSV_NOMEM;
                goto done;
            }
            p = b2 + at;
            buf = b2;
            cap = cap2;
        }
        memmove(buf, p, keep);
        buf_off += (unsigned long long)(p - buf);
        p = buf;
        size_t got = 0;
        unsigned long long at = buf_off + keep;
        size_t want = cap - keep;
        if (at < file_size && want > file_size - at)
            want = (size_t)(file_size - at);
        if (at < file_size && read_full(fd, buf + keep, want, at, &got) != 0) {
            st = LS_FASTCSV_IO;
            goto done;
        }
        have = keep + got;
        int eof = buf_off + have >= file_size;
        const char *e = buf + have;
        for (;;) {
            unsigned long long here = buf_off + (unsigned long long)(p - buf);
            if (here >= limit) {
                res->end = here;
                goto done;
            }
            const char *next = NULL;
            size_t nl = 0;
            rec_status rs = parse_record(&tk, p, e, eof, &next, &nl);
            if (rs == REC_MORE)
                break;
            if (rs == REC_END) {
                res->end = buf_off + have;
                goto done;
            }
            if (rs == REC_BAD) {
                st = LS_FASTCSV_INVALID;
                goto done;
            }
            if (rs == REC_NOMEM) {
                st = LS_FASTCSV_NOMEM;
                goto done;
            }
            if (rs == REC_OK && sink(ctx, tk.field, tk.len, line) != 0) {
                st = LS_FASTCSV_STOPPED;
                goto done;
            }
            line += nl;
            res->lines += nl;
            p = next;
            if (p == e && eof) {
                res->end = buf_off + have;
                goto done;
            }
        }
        if (eof) { /* REC_MORE at the end of the file cannot happen: eof makes it decide */
            st = LS_FASTCSV_INVALID;
            goto done;
        }
    }
done:
    free(tk.field);
    free(tk.len);
    free(tk.in_arena);
    free(tk.off);
    free(tk.arena);
    free(buf);
    return st;
}
