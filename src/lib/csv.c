/* Streaming CSV reader over libcsv.
 *
 * libcsv pushes fields and record ends through callbacks and cannot tell
 * where in the file it is, so the input is fed one physical line at a time:
 * we then know the line every record starts on, for error messages. Only LF
 * ends a line for libcsv; the CR of a CRLF is trimmed as trailing space (and
 * kept inside quoted fields), so a record always ends at the end of a fed
 * line and line numbers stay exact across multi-line quoted fields. Parsed
 * fields wait in one byte arena plus offsets, reused record after record, so
 * there is no allocation per field.
 *
 * Lines holding only blanks are skipped wherever they are (libcsv emits no
 * record for them). A lone CR is not a line break: a file with CR-only line
 * endings is one long line, and its header is refused.
 *
 * Error places: a field's problem (NUL byte, invalid UTF-8, too long, an
 * unterminated quote) is reported at the line the field starts on; a
 * record's problem (wrong field count, a value in the unnamed trailing
 * column) at the line the record starts on; a malformed quote at the line
 * the offending quote is on.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/csv.h"

#include <csv.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv_internal.h"
#include "error_internal.h"
#include "text.h"

#define READ_CHUNK (256 * 1024)

typedef struct {
    size_t offset; /* into the byte arena */
    size_t length;
} field_ref;

typedef struct {
    size_t first_field; /* index into fields */
    size_t n_stored;    /* fields kept in the arena */
    size_t n_total;     /* fields in the file's record (surplus ones are only counted) */
    size_t line;
} record_ref;

struct ls_csv_reader {
    FILE *fp;
    int owns_fp;
    char *name;
    ls_csv_options opts;
    struct csv_parser parser;
    int parser_ready;
    char separator;
    int (*is_space)(unsigned char);
    unsigned char space[256]; /* is_space as a table, for the fast path */

    /* header */
    char **columns;
    size_t n_columns;     /* exposed columns */
    size_t n_raw_columns; /* fields per record in the header */
    int trailing_empty;   /* header ends with a separator: an unnamed empty last column */

    /* parsed fields: at most one complete record plus the one being assembled */
    char *bytes;
    size_t bytes_len, bytes_cap;
    field_ref *fields;
    size_t n_fields, fields_cap;
    record_ref record; /* the last complete record */
    int has_record;    /* record is complete and not yet handed out */
    size_t partial_first_field;
    size_t extra_fields; /* surplus fields of the record being assembled */

    /* current record handed to the caller */
    const char **current;
    size_t *current_len;
    size_t current_line;

    /* position */
    size_t line;         /* line of the segment being fed */
    size_t record_start; /* line where the record being assembled started */
    size_t field_line;   /* line where the field being assembled started, 0 = record_start */
    int in_record;
    int at_eof;
    int header_done;

    /* an error raised inside a libcsv callback, reported after the segment */
    ls_error pending;
    int failed;

    char *chunk;
    size_t chunk_len, chunk_pos;
    unsigned long long chunk_offset; /* file offset of chunk[0] */
    int chunk_borrowed;              /* a part reader's bytes, not ours to free */
};

void ls_csv_options_init(ls_csv_options *opts)
{
    opts->separator = 0;
    opts->max_field_bytes = 1u << 20;
    opts->max_columns = 10000;
}

/* ---- space and blank handling -------------------------------------------- */

/* libcsv trims these around unquoted fields and after a closing quote. CR is
 * among them so CRLF endings need no special case; the separator never is. */
static int space_default(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int space_tab_separated(unsigned char c)
{
    return c == ' ' || c == '\r';
}

static int space_space_separated(unsigned char c)
{
    return c == '\t' || c == '\r';
}

static int only_lf(unsigned char c)
{
    return c == '\n';
}

/* A line libcsv will skip without producing a record. */
static int segment_blank(const ls_csv_reader *r, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\n' && !r->is_space((unsigned char)s[i]))
            return 0;
    return 1;
}

/* ---- callbacks ----------------------------------------------------------- */

static int reserve(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t cap2 = *cap ? *cap : 64;
    while (cap2 < need)
        cap2 *= 2;
    void *p = realloc(*buf, cap2 * elem);
    if (!p)
        return 0;
    *buf = p;
    *cap = cap2;
    return 1;
}

static const char *column_name_or_null(const ls_csv_reader *r, size_t col)
{
    return r->header_done && col >= 1 && col <= r->n_columns ? r->columns[col - 1] : NULL;
}

static void fail_pending(ls_csv_reader *r, ls_status code, size_t line, size_t col, const char *msg)
{
    if (r->failed)
        return;
    r->failed = 1;
    ls_fail_at(&r->pending, code, r->name, line, col, column_name_or_null(r, col), "%s", msg);
}

static size_t field_start_line(const ls_csv_reader *r)
{
    return r->field_line ? r->field_line : r->record_start;
}

/* 1-based index of the field being assembled. */
static size_t current_column(const ls_csv_reader *r)
{
    return r->n_fields - r->partial_first_field + r->extra_fields + 1;
}

static int field_content_ok(ls_csv_reader *r, size_t col, const char *s, size_t len)
{
    size_t line = field_start_line(r);
    if (len > r->opts.max_field_bytes) {
        char msg[128];
        snprintf(msg, sizeof msg, "field is longer than the limit of %zu bytes",
                 r->opts.max_field_bytes);
        fail_pending(r, LS_ERR_LIMIT, line, col, msg);
        return 0;
    }
    if (len && memchr(s, '\0', len)) {
        fail_pending(r, LS_ERR_PARSE, line, col, "field contains a NUL byte");
        return 0;
    }
    if (!ls_utf8_valid(s, len)) {
        fail_pending(r, LS_ERR_PARSE, line, col, "field is not valid UTF-8");
        return 0;
    }
    return 1;
}

static void on_field(void *data, size_t len, void *ctx)
{
    ls_csv_reader *r = ctx;
    if (r->failed)
        return;
    size_t col = current_column(r);
    const char *s = data ? data : "";
    /* The next field starts on the line this one ended on. */
    size_t next_field_line = r->line;
    if (!r->header_done && col > r->opts.max_columns + 1) {
        /* +1: a trailing unnamed empty column does not count against the limit. */
        char msg[128];
        snprintf(msg, sizeof msg, "the header has more than the limit of %zu columns",
                 r->opts.max_columns);
        fail_pending(r, LS_ERR_LIMIT, r->record_start, r->opts.max_columns + 1, msg);
        return;
    }
    if (r->header_done && col > r->n_raw_columns) {
        /* Surplus fields are counted, not stored: a runaway row cannot grow memory. */
        r->extra_fields++;
        r->field_line = next_field_line;
        return;
    }
    if (!field_content_ok(r, col, s, len))
        return;
    if (!reserve((void **)&r->bytes, &r->bytes_cap, r->bytes_len + len + 1, 1) ||
        !reserve((void **)&r->fields, &r->fields_cap, r->n_fields + 1, sizeof(field_ref))) {
        fail_pending(r, LS_ERR_NOMEM, r->record_start, col, "out of memory");
        return;
    }
    memcpy(r->bytes + r->bytes_len, s, len);
    r->bytes[r->bytes_len + len] = '\0';
    r->fields[r->n_fields++] = (field_ref){r->bytes_len, len};
    r->bytes_len += len + 1;
    r->field_line = next_field_line;
}

static void on_record(int c, void *ctx)
{
    (void)c;
    ls_csv_reader *r = ctx;
    r->in_record = 0;
    r->field_line = 0;
    if (r->failed)
        return;
    size_t stored = r->n_fields - r->partial_first_field;
    r->record =
        (record_ref){r->partial_first_field, stored, stored + r->extra_fields, r->record_start};
    r->has_record = 1;
    r->partial_first_field = r->n_fields;
    r->extra_fields = 0;
}

/* Drops the record already handed out, keeping the one being assembled. */
static void compact_queue(ls_csv_reader *r)
{
    size_t keep_fields = r->n_fields - r->partial_first_field;
    size_t byte_start = keep_fields ? r->fields[r->partial_first_field].offset : r->bytes_len;
    size_t keep_bytes = r->bytes_len - byte_start;
    if (keep_bytes) /* a part reader has no arena before its first record */
        memmove(r->bytes, r->bytes + byte_start, keep_bytes);
    for (size_t i = 0; i < keep_fields; i++) {
        r->fields[i] = r->fields[r->partial_first_field + i];
        r->fields[i].offset -= byte_start;
    }
    r->bytes_len = keep_bytes;
    r->n_fields = keep_fields;
    r->partial_first_field = 0;
}

/* ---- feeding ------------------------------------------------------------- */

static ls_status read_chunk(ls_csv_reader *r, ls_error *err)
{
    r->chunk_offset += r->chunk_len;
    r->chunk_pos = 0;
    if (r->chunk_borrowed) {
        /* a part reader's bytes are done: the rest comes from its stream */
        r->chunk_borrowed = 0;
        r->chunk = r->fp ? malloc(READ_CHUNK) : NULL;
        r->chunk_len = 0;
        if (!r->fp) {
            r->at_eof = 1;
            return LS_OK;
        }
        if (!r->chunk)
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    r->chunk_len = fread(r->chunk, 1, READ_CHUNK, r->fp);
    if (r->chunk_len == 0) {
        if (ferror(r->fp))
            return ls_fail_at(err, LS_ERR_IO, r->name, r->line, 0, NULL, "read error: %s",
                              strerror(errno));
        r->at_eof = 1;
    }
    return LS_OK;
}

static ls_status report_pending(ls_csv_reader *r, ls_error *err)
{
    if (err)
        *err = r->pending;
    return r->pending.code;
}

static ls_status parse_failure(ls_csv_reader *r, ls_error *err)
{
    size_t col = current_column(r);
    const char *colname = column_name_or_null(r, col);
    if (csv_error(&r->parser) != CSV_EPARSE)
        return ls_fail_at(err, LS_ERR_NOMEM, r->name, field_start_line(r), col, colname,
                          "out of memory: %s", csv_strerror(csv_error(&r->parser)));
    return ls_fail_at(err, LS_ERR_PARSE, r->name, r->line, col, colname,
                      "malformed quoting: a quote inside an unquoted field, or text after a "
                      "closing quote");
}

/* libcsv buffers a field until its end; a quoted field can span many lines,
 * so the limit is also checked while it grows, keeping memory bounded. */
static ls_status check_growing_field(ls_csv_reader *r, ls_error *err)
{
    if (r->parser.entry_pos <= r->opts.max_field_bytes)
        return LS_OK;
    size_t col = current_column(r);
    return ls_fail_at(err, LS_ERR_LIMIT, r->name, field_start_line(r), col,
                      column_name_or_null(r, col), "field is longer than the limit of %zu bytes%s",
                      r->opts.max_field_bytes,
                      r->parser.quoted ? " (is a closing quote missing?)" : "");
}

/* Feeds the next physical line (or the part of it in this chunk) to libcsv. */
static ls_status feed_segment(ls_csv_reader *r, ls_error *err)
{
    const char *seg = r->chunk + r->chunk_pos;
    size_t avail = r->chunk_len - r->chunk_pos;
    const char *nl = memchr(seg, '\n', avail);
    size_t n = nl ? (size_t)(nl - seg) + 1 : avail;
    if (!r->in_record && !segment_blank(r, seg, n)) {
        r->in_record = 1;
        r->record_start = r->line;
        r->field_line = 0;
    }
    size_t used = csv_parse(&r->parser, seg, n, on_field, on_record, r);
    if (r->failed)
        return report_pending(r, err);
    if (used != n)
        return parse_failure(r, err);
    ls_status st = check_growing_field(r, err);
    if (st != LS_OK)
        return st;
    r->chunk_pos += n;
    if (nl)
        r->line++;
    return LS_OK;
}

static ls_status finish_input(ls_csv_reader *r, ls_error *err)
{
    if (csv_fini(&r->parser, on_field, on_record, r) != 0) {
        size_t col = current_column(r);
        return ls_fail_at(err, LS_ERR_PARSE, r->name, field_start_line(r), col,
                          column_name_or_null(r, col),
                          "unterminated quoted field (the closing quote is missing)");
    }
    csv_free(&r->parser);
    r->parser_ready = 0;
    if (r->failed)
        return report_pending(r, err);
    return LS_OK;
}

/* ---- fast path for plain records ------------------------------------------ */

typedef enum { FAST_DONE, FAST_NO } fast_status;

/* The first separator, LF or quote at or after q, 8 bytes at a time (a byte
 * equal to c makes a zero byte in v ^ c; the lowest flagged byte is exact).
 * The line ends in an LF followed by 8 readable bytes, so this stops there. */
static char *find_stop(char *q, char sep)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const uint64_t s = ones * (unsigned char)sep, lf = ones * '\n', quote = ones * '"';
    for (;; q += 8) {
        uint64_t v;
        memcpy(&v, q, 8);
        uint64_t a = v ^ s, b = v ^ lf, c = v ^ quote;
        uint64_t hit = ((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c);
        hit &= highs;
        if (hit)
            return q + (__builtin_ctzll(hit) >> 3);
    }
}

/* Takes the record at the read position without libcsv when it is one
 * physical line, wholly in the chunk, with the header's field count, valid
 * UTF-8 without NUL and well-formed quotes (no line break inside them), and
 * skips blank lines. It reads exactly as libcsv (strict) and on_field would:
 * spaces trimmed around unquoted fields and after a closing quote, "" for a
 * quote. Anything else (an error of any kind, a multi-line field, a line
 * running past the chunk) is FAST_NO with nothing changed, and libcsv reads
 * the line, so messages and their places stay exactly as before. libcsv is
 * between records here, so handing a line to it later is seamless.
 * The line is copied to the arena once and its fields are cut there in
 * place (a NUL where each ends, "" unescaped): one copy per line instead of
 * one per field. */
static fast_status fast_record(ls_csv_reader *r)
{
    const char *p = r->chunk + r->chunk_pos;
    size_t avail = r->chunk_len - r->chunk_pos;
    const char *line_end = memchr(p, '\n', avail);
    if (!line_end)
        return FAST_NO;
    size_t n = (size_t)(line_end - p);
    if (!ls_plain_ascii(p, n) && (memchr(p, '\0', n) || !ls_utf8_valid(p, n)))
        return FAST_NO;
    const unsigned char *space = r->space;
    const char sep = r->separator;
    const char *b = p;
    while (space[(unsigned char)*b])
        b++;
    if (b == line_end) { /* a blank line: libcsv makes no record of it */
        r->chunk_pos += n + 1;
        r->line++;
        return FAST_DONE;
    }
    size_t want = r->n_raw_columns;
    if (!reserve((void **)&r->bytes, &r->bytes_cap, r->bytes_len + n + 1 + 8, 1) ||
        !reserve((void **)&r->fields, &r->fields_cap, r->n_fields + want + 1, sizeof(field_ref)))
        return FAST_NO; /* libcsv reports the lack of memory */
    char *copy = r->bytes + r->bytes_len;
    memcpy(copy, p, n + 1); /* the LF too: it stops the scans below */
    memset(copy + n + 1, 0, 8);
    char *q = copy + (b - p);
    const char *nl = copy + n;
    size_t first = r->n_fields, nf = 0;
    for (;;) {
        while (space[(unsigned char)*q])
            q++;
        if (nf == want)
            goto bail; /* surplus fields: libcsv counts them for the message */
        char *start, *end;
        if (*q == '"') {
            /* Quoted: unescape "" in place, moving the text left. */
            start = end = q + 1;
            char *s = start;
            for (;;) {
                char *qt = memchr(s, '"', (size_t)(nl - s));
                if (!qt)
                    goto bail; /* closes on a later line, or never */
                if (end != s)
                    memmove(end, s, (size_t)(qt - s));
                end += qt - s;
                if (qt[1] == '"') {
                    *end++ = '"';
                    s = qt + 2;
                    continue;
                }
                q = qt + 1;
                break;
            }
            while (space[(unsigned char)*q])
                q++;
            if (*q != sep && q != nl)
                goto bail; /* text after the closing quote */
        } else {
            start = q;
            q = find_stop(q, sep);
            if (*q == '"')
                goto bail; /* a quote inside an unquoted field */
            end = q;
            while (end > start && space[(unsigned char)end[-1]])
                end--;
        }
        /* end is at or before q, whose byte was checked above */
        r->fields[r->n_fields++] = (field_ref){(size_t)(start - r->bytes), (size_t)(end - start)};
        int last = q == nl;
        *end = '\0';
        nf++;
        if (last)
            break;
        q++; /* the separator */
    }
    if (nf != want && !(r->trailing_empty && nf == r->n_columns))
        goto bail; /* too few fields: libcsv places the message */
    for (size_t f = first; f < r->n_fields; f++)
        if (r->fields[f].length > r->opts.max_field_bytes)
            goto bail;
    r->bytes_len += n + 1;
    r->record = (record_ref){first, nf, nf, r->line};
    r->has_record = 1;
    r->partial_first_field = r->n_fields;
    r->extra_fields = 0;
    r->record_start = r->line;
    r->chunk_pos += n + 1;
    r->line++;
    return FAST_DONE;
bail:
    r->n_fields = first;
    return FAST_NO;
}

/* Feeds lines until a complete record is waiting or the input ends. */
static ls_status fill_queue(ls_csv_reader *r, ls_error *err)
{
    while (!r->has_record && !r->at_eof) {
        if (r->chunk_pos >= r->chunk_len) {
            ls_status st = read_chunk(r, err);
            if (st != LS_OK)
                return st;
            if (r->at_eof)
                break;
        }
        if (r->header_done && !r->in_record && fast_record(r) == FAST_DONE)
            continue;
        ls_status st = feed_segment(r, err);
        if (st != LS_OK)
            return st;
    }
    if (r->at_eof && !r->has_record && r->parser_ready)
        return finish_input(r, err);
    return LS_OK;
}

/* Counts candidate separators outside quotes on the first non-blank line;
 * the most frequent wins, ',' on ties or when none occurs. */
static char detect_separator(const char *s, size_t n)
{
    const char candidates[] = {',', ';', '\t', '|'};
    size_t counts[4] = {0};
    size_t i = 0;
    while (i < n && (s[i] == '\n' || s[i] == '\r' || s[i] == ' '))
        i++;
    int quoted = 0;
    for (; i < n && (quoted || s[i] != '\n'); i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted)
            for (int k = 0; k < 4; k++)
                counts[k] += s[i] == candidates[k];
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (counts[k] > counts[best])
            best = k;
    return candidates[best];
}

/* ---- header -------------------------------------------------------------- */

static ls_status check_column_name(ls_csv_reader *r, size_t line, size_t i, ls_error *err)
{
    const char *name = r->columns[i];
    if (name[0] == '\0')
        return ls_fail_at(err, LS_ERR_PARSE, r->name, line, i + 1, "",
                          "column %zu has an empty name in the header", i + 1);
    if (strchr(name, '\r'))
        return ls_fail_at(err, LS_ERR_PARSE, r->name, line, i + 1, NULL,
                          "a column name contains a carriage return: lines must end in LF or "
                          "CRLF, not CR alone");
    for (size_t k = 0; k < i; k++)
        if (strcmp(r->columns[k], name) == 0)
            return ls_fail_at(err, LS_ERR_PARSE, r->name, line, i + 1, name,
                              "duplicate column name (also column %zu)", k + 1);
    return LS_OK;
}

/* The column names and the current record's fields, for n_columns; 0 when
 * out of memory. */
static int alloc_column_arrays(ls_csv_reader *r)
{
    r->columns = calloc(r->n_columns ? r->n_columns : 1, sizeof *r->columns);
    r->current = calloc(r->n_columns + 1, sizeof *r->current);
    r->current_len = calloc(r->n_columns + 1, sizeof *r->current_len);
    return r->columns && r->current && r->current_len;
}

static ls_status take_header(ls_csv_reader *r, ls_error *err)
{
    ls_status st = fill_queue(r, err);
    if (st != LS_OK)
        return st;
    if (!r->has_record)
        return ls_fail_at(err, LS_ERR_PARSE, r->name, 1, 0, NULL,
                          "empty file: expected a header line naming the columns");
    record_ref rec = r->record;
    r->has_record = 0;
    r->n_raw_columns = rec.n_stored;
    r->n_columns = rec.n_stored;
    const field_ref *last = &r->fields[rec.first_field + rec.n_stored - 1];
    if (rec.n_stored > 1 && last->length == 0) {
        r->trailing_empty = 1;
        r->n_columns--;
    }
    if (r->n_columns > r->opts.max_columns)
        return ls_fail_at(err, LS_ERR_LIMIT, r->name, rec.line, r->opts.max_columns + 1, NULL,
                          "the header has more than the limit of %zu columns", r->opts.max_columns);
    if (!alloc_column_arrays(r))
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n_columns; i++) {
        r->columns[i] = strdup(r->bytes + r->fields[rec.first_field + i].offset);
        if (!r->columns[i])
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        st = check_column_name(r, rec.line, i, err);
        if (st != LS_OK)
            return st;
    }
    r->header_done = 1;
    return LS_OK;
}

/* libcsv and the byte tables for r->separator, already set. */
static ls_status set_dialect(ls_csv_reader *r, ls_error *err)
{
    if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    r->parser_ready = 1;
    r->is_space = r->separator == '\t'  ? space_tab_separated
                  : r->separator == ' ' ? space_space_separated
                                        : space_default;
    csv_set_delim(&r->parser, (unsigned char)r->separator);
    csv_set_space_func(&r->parser, r->is_space);
    csv_set_term_func(&r->parser, only_lf);
    /* libcsv grows its field buffer 128 bytes at a time: a 1 MiB field would
     * take 8,000 reallocs (seconds under AddressSanitizer). */
    csv_set_blk_size(&r->parser, 64 * 1024);
    for (int c = 0; c < 256; c++)
        r->space[c] = (unsigned char)(r->is_space((unsigned char)c) && c != r->separator);
    return LS_OK;
}

static ls_status open_common(ls_csv_reader *r, const ls_csv_options *opts, ls_error *err)
{
    if (opts)
        r->opts = *opts;
    else
        ls_csv_options_init(&r->opts);
    char sep = r->opts.separator;
    if (sep == '"' || sep == '\n' || sep == '\r')
        return ls_fail(err, LS_ERR_USAGE, "a quote or line break cannot be the separator");
    r->line = 1;
    r->chunk = malloc(READ_CHUNK);
    if (!r->chunk)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    ls_status st = read_chunk(r, err);
    if (st != LS_OK)
        return st;
    /* A UTF-8 byte order mark is not part of the first column's name. */
    if (r->chunk_len >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0)
        r->chunk_pos = 3;
    r->separator =
        sep ? sep : detect_separator(r->chunk + r->chunk_pos, r->chunk_len - r->chunk_pos);
    st = set_dialect(r, err);
    if (st != LS_OK)
        return st;
    return take_header(r, err);
}

ls_status ls_csv_open_stream(FILE *fp, const char *name, const ls_csv_options *opts,
                             ls_csv_reader **out, ls_error *err)
{
    *out = NULL;
    ls_csv_reader *r = calloc(1, sizeof *r);
    if (!r)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    r->fp = fp;
    r->name = strdup(name ? name : "<stream>");
    if (!r->name) {
        ls_csv_free(r);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    ls_status st = open_common(r, opts, err);
    if (st != LS_OK) {
        ls_csv_free(r);
        return st;
    }
    *out = r;
    return LS_OK;
}

ls_status ls_csv_open(const char *path, const ls_csv_options *opts, ls_csv_reader **out,
                      ls_error *err)
{
    *out = NULL;
    if (strcmp(path, "-") == 0)
        return ls_csv_open_stream(stdin, "<stdin>", opts, out, err);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return ls_fail_at(err, errno == ENOENT ? LS_ERR_NOTFOUND : LS_ERR_IO, path, 0, 0, NULL,
                          "cannot open: %s", strerror(errno));
    ls_status st = ls_csv_open_stream(fp, path, opts, out, err);
    if (st != LS_OK) {
        fclose(fp);
        return st;
    }
    (*out)->owns_fp = 1;
    return LS_OK;
}

void ls_csv_free(ls_csv_reader *r)
{
    if (!r)
        return;
    if (r->parser_ready)
        csv_free(&r->parser);
    if (r->owns_fp && r->fp)
        fclose(r->fp);
    for (size_t i = 0; r->columns && i < r->n_columns; i++)
        free(r->columns[i]);
    free(r->columns);
    free(r->current);
    free(r->current_len);
    free(r->bytes);
    free(r->fields);
    if (!r->chunk_borrowed)
        free(r->chunk);
    free(r->name);
    free(r);
}

size_t ls_csv_columns(const ls_csv_reader *r)
{
    return r->n_columns;
}

const char *ls_csv_column_name(const ls_csv_reader *r, size_t i)
{
    return i < r->n_columns ? r->columns[i] : NULL;
}

size_t ls_csv_find_column(const ls_csv_reader *r, const char *name)
{
    for (size_t i = 0; i < r->n_columns; i++)
        if (strcmp(r->columns[i], name) == 0)
            return i;
    return (size_t)-1;
}

char ls_csv_separator(const ls_csv_reader *r)
{
    return r->separator;
}

const char *ls_csv_name(const ls_csv_reader *r)
{
    return r->name;
}

size_t ls_csv_line(const ls_csv_reader *r)
{
    return r->current_line;
}

size_t ls_csv_field_length(const ls_csv_reader *r, size_t i)
{
    return i < r->n_columns ? r->current_len[i] : 0;
}

const size_t *ls_csv_field_lengths(const ls_csv_reader *r)
{
    return r->current_len;
}

/* Checks the record's field count against the header. With a trailing
 * unnamed column, lines may carry it (empty) or leave it out. */
static ls_status check_width(const ls_csv_reader *r, const record_ref *rec, ls_error *err)
{
    size_t n = rec->n_total;
    if (r->trailing_empty && n >= r->n_raw_columns) {
        const field_ref *last = &r->fields[rec->first_field + r->n_raw_columns - 1];
        if (last->length != 0)
            return ls_fail_at(err, LS_ERR_PARSE, r->name, rec->line, r->n_raw_columns, "",
                              "value '%.64s' in the unnamed last column (the header ends with "
                              "a separator)",
                              r->bytes + last->offset);
        if (n == r->n_raw_columns)
            return LS_OK;
    }
    if (n > r->n_columns) {
        size_t first_surplus = r->trailing_empty ? r->n_raw_columns + 1 : r->n_columns + 1;
        return ls_fail_at(err, LS_ERR_PARSE, r->name, rec->line, first_surplus, NULL,
                          "expected %zu fields as in the header, found %zu", r->n_columns, n);
    }
    if (n < r->n_columns)
        return ls_fail_at(err, LS_ERR_PARSE, r->name, rec->line, n + 1, r->columns[n],
                          "expected %zu fields as in the header, found %zu", r->n_columns, n);
    return LS_OK;
}

ls_status ls_csv_next(ls_csv_reader *r, const char *const **fields, int *has_record, ls_error *err)
{
    *has_record = 0;
    *fields = NULL;
    if (!r->has_record) {
        compact_queue(r);
        ls_status st = fill_queue(r, err);
        if (st != LS_OK)
            return st;
        if (!r->has_record)
            return LS_OK;
    }
    record_ref rec = r->record;
    r->has_record = 0;
    ls_status st = check_width(r, &rec, err);
    if (st != LS_OK)
        return st;
    for (size_t i = 0; i < r->n_columns; i++) {
        const field_ref *f = &r->fields[rec.first_field + i];
        r->current[i] = r->bytes + f->offset;
        r->current_len[i] = f->length;
    }
    r->current_line = rec.line;
    *fields = r->current;
    *has_record = 1;
    return LS_OK;
}

int ls_csv_layout(const ls_csv_reader *r, ls_csv_layout_info *out)
{
    if (!r->header_done || r->has_record || r->in_record || !r->parser_ready)
        return 0;
    out->data_offset = r->chunk_offset + r->chunk_pos;
    out->data_line = r->line;
    out->separator = r->separator;
    out->n_columns = r->n_columns;
    out->n_raw_columns = r->n_raw_columns;
    out->trailing_empty = r->trailing_empty;
    out->max_field_bytes = r->opts.max_field_bytes;
    for (int c = 0; c < 256; c++)
        out->space[c] = (unsigned char)(r->is_space((unsigned char)c) && c != r->separator);
    return 1;
}

int ls_csv_buffered(const ls_csv_reader *r, const char **bytes, size_t *n, FILE **rest,
                    size_t *line)
{
    if (!r->header_done || r->has_record || r->in_record || !r->parser_ready || r->chunk_borrowed)
        return 0;
    *bytes = r->chunk + r->chunk_pos;
    *n = r->chunk_len - r->chunk_pos;
    *rest = r->at_eof ? NULL : r->fp;
    *line = r->line;
    return 1;
}

ls_status ls_csv_open_part(const ls_csv_reader *like, const char *bytes, size_t n, FILE *rest,
                           size_t first_line, ls_csv_reader **out, ls_error *err)
{
    *out = NULL;
    ls_csv_reader *r = calloc(1, sizeof *r);
    if (!r)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    r->opts = like->opts;
    r->separator = like->separator;
    r->fp = rest;
    r->chunk = (char *)(uintptr_t)bytes; /* borrowed: read, never written */
    r->chunk_len = n;
    r->chunk_borrowed = 1;
    r->line = first_line;
    r->n_columns = like->n_columns;
    r->n_raw_columns = like->n_raw_columns;
    r->trailing_empty = like->trailing_empty;
    ls_status st = LS_OK;
    r->name = strdup(like->name);
    if (!r->name || !alloc_column_arrays(r)) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < r->n_columns; i++)
        if (!(r->columns[i] = strdup(like->columns[i]))) {
            st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
            goto fail;
        }
    st = set_dialect(r, err);
    if (st != LS_OK)
        goto fail;
    r->header_done = 1;
    *out = r;
    return LS_OK;
fail:
    ls_csv_free(r);
    return st;
}
