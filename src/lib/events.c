/* Product-usage events: ISO-8601 instants and the event file reader.
 *
 * Files are read with the streaming CSV reader (ls_csv), so a file of tens of
 * millions of events is held one record at a time. The live mode used by
 * `watch` reads a pipe with read(2) and hands out each line as soon as it is
 * complete: ls_csv reads in 256 KiB chunks, which would hold back a trickle
 * of events until a chunk fills. Live mode follows the CSV reader's rules
 * (blanks trimmed, blank lines skipped, separator detection, header checks,
 * NUL bytes and invalid UTF-8 refused) so `watch` reads the events `features`
 * reads; its own limits: a quoted field may not span lines, a line holds at
 * most 64 fields and 1 MiB. Instants are limited to the years 0000..9999 in
 * UTC, which ls_time_format writes back (docs/formats.md, "Events file").
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/events.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error_internal.h"
#include "leadscore/csv.h"
#include "text.h"

/* ---- civil calendar (H. Hinnant's algorithms, proleptic Gregorian) --------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t ls_time_day(int64_t t)
{
    return floor_div(t, LS_TIME_DAY);
}

/* ---- ISO-8601 --------------------------------------------------------------- */

typedef struct {
    const char *s;
    size_t len, pos;
    const char *why;
} cursor;

static int digits(cursor *c, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (c->pos >= c->len || c->s[c->pos] < '0' || c->s[c->pos] > '9') {
            c->why = "expected a digit";
            return 0;
        }
        v = v * 10 + (c->s[c->pos++] - '0');
    }
    *out = v;
    return 1;
}

static int peek(const cursor *c)
{
    return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static int expect(cursor *c, char ch, const char *why)
{
    if (peek(c) != ch) {
        c->why = why;
        return 0;
    }
    c->pos++;
    return 1;
}

static ls_status time_error(ls_error *err, const char *text, size_t len, size_t at, const char *why)
{
    int shown = len > 64 ? 64 : (int)len;
    if (at == (size_t)-1)
        return ls_fail(err, LS_ERR_PARSE, "'%.*s%s' is not an ISO-8601 timestamp: %s", shown, text,
                       len > 64 ? "..." : "", why);
    return ls_fail(err, LS_ERR_PARSE, "'%.*s%s' is not an ISO-8601 timestamp: %s at character %zu",
                   shown, text, len > 64 ? "..." : "", why, at + 1);
}

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since 1970. */
#define TIME_MIN_SECS (INT64_C(-719528) * 86400)
#define TIME_MAX_SECS (INT64_C(2932897) * 86400 - 1)

ls_status ls_time_parse(const char *text, size_t len, int64_t *out, ls_error *err)
{
    cursor c = {text, len, 0, NULL};
    while (c.len > 0 && (text[c.len - 1] == ' ' || text[c.len - 1] == '\t'))
        c.len--;
    while (c.pos < c.len && (text[c.pos] == ' ' || text[c.pos] == '\t'))
        c.pos++;
    if (c.pos == c.len)
        return ls_fail(err, LS_ERR_PARSE, "empty timestamp");
    int year, month, day, hour = 0, minute = 0, second = 0;
    int64_t micro = 0;
    if (!digits(&c, 4, &year) || !expect(&c, '-', "expected '-' after the year (YYYY-MM-DD)") ||
        !digits(&c, 2, &month) || !expect(&c, '-', "expected '-' after the month (YYYY-MM-DD)") ||
        !digits(&c, 2, &day))
        return time_error(err, text, len, c.pos, c.why);
    if (month < 1 || month > 12)
        return time_error(err, text, len, (size_t)-1, "month out of range");
    if (day < 1 || day > days_in_month(year, month))
        return time_error(err, text, len, (size_t)-1, "no such day in that month");
    int64_t offset = 0; /* seconds east of UTC */
    if (c.pos < c.len) {
        int ch = peek(&c);
        if (ch != 'T' && ch != 't' && ch != ' ')
            return time_error(err, text, len, c.pos, "expected 'T' before the time");
        c.pos++;
        if (!digits(&c, 2, &hour) || !expect(&c, ':', "expected ':' after the hour (hh:mm)") ||
            !digits(&c, 2, &minute))
            return time_error(err, text, len, c.pos, c.why);
        if (peek(&c) == ':') {
            c.pos++;
            if (!digits(&c, 2, &second))
                return time_error(err, text, len, c.pos, c.why);
            if (peek(&c) == '.' || peek(&c) == ',') {
                c.pos++;
                int n = 0;
                int64_t scale = 100000;
                while (peek(&c) >= '0' && peek(&c) <= '9') {
                    if (scale > 0)
                        micro += (c.s[c.pos] - '0') * scale;
                    scale /= 10;
                    c.pos++;
                    n++;
                }
                if (n == 0)
                    return time_error(err, text, len, c.pos,
                                      "expected digits after the decimal point");
            }
        }
        if (hour > 23)
            return time_error(err, text, len, (size_t)-1, "hour out of range");
        if (minute > 59)
            return time_error(err, text, len, (size_t)-1, "minute out of range");
        if (second > 59)
            return time_error(err, text, len, (size_t)-1, "second out of range");
        ch = peek(&c);
        if (ch == 'Z' || ch == 'z') {
            c.pos++;
        } else if (ch == '+' || ch == '-') {
            c.pos++;
            int oh, om = 0;
            if (!digits(&c, 2, &oh))
                return time_error(err, text, len, c.pos, "expected hh in the zone offset");
            if (peek(&c) == ':') {
                c.pos++;
                if (!digits(&c, 2, &om))
                    return time_error(err, text, len, c.pos, "expected mm in the zone offset");
            } else if (peek(&c) >= '0' && peek(&c) <= '9') {
                if (!digits(&c, 2, &om))
                    return time_error(err, text, len, c.pos, "expected mm in the zone offset");
            }
            if (oh > 23 || om > 59)
                return time_error(err, text, len, (size_t)-1, "zone offset out of range");
            offset = (ch == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
        } else if (ch != -1) {
            return time_error(err, text, len, c.pos,
                              "unexpected character (expected Z, +hh:mm or -hh:mm)");
        }
    }
    if (c.pos != c.len)
        return time_error(err, text, len, c.pos, "unexpected character after the timestamp");
    int64_t secs =
        days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
    /* Only instants ls_time_format writes back as four-digit years: an offset
     * can push 0000-01-01 into year -1 or 9999-12-31 into 10000 (fuzz find). */
    if (secs < TIME_MIN_SECS || secs > TIME_MAX_SECS)
        return time_error(err, text, len, (size_t)-1,
                          "outside the supported range 0000-01-01T00:00:00Z to "
                          "9999-12-31T23:59:59.999999Z (in UTC, after the zone offset)");
    *out = secs * LS_TIME_SECOND + micro;
    return LS_OK;
}

static char *put_digits(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Without printf: watch writes one timestamp per line it prints. */
char *ls_time_format(int64_t t, int date_only, char *buf, size_t size)
{
    int64_t day = ls_time_day(t);
    int64_t rest = t - day * LS_TIME_DAY;
    int64_t y;
    int m, d;
    civil_from_days(day, &y, &m, &d);
    char tmp[40], *p = tmp;
    if (y < 0 || y > 9999) {
        snprintf(buf, size, "%lld-%02d-%02d", (long long)y, m, d); /* outside ISO's 4 digits */
        return buf;
    }
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    if (!date_only || rest != 0) {
        int64_t secs = rest / LS_TIME_SECOND, micro = rest % LS_TIME_SECOND;
        *p++ = 'T';
        p = put_digits(p, secs / 3600, 2);
        *p++ = ':';
        p = put_digits(p, secs / 60 % 60, 2);
        *p++ = ':';
        p = put_digits(p, secs % 60, 2);
        if (micro) {
            *p++ = '.';
            p = put_digits(p, micro, 6);
        }
        *p++ = 'Z';
    }
    size_t n = (size_t)(p - tmp);
    if (size == 0)
        return buf;
    if (n >= size)
        n = size - 1;
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return buf;
}

int ls_duration_parse(const char *text, int64_t *out)
{
    char buf[64];
    size_t len = strlen(text);
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, text, len);
    buf[len] = '\0';
    double unit = (double)LS_TIME_DAY;
    switch (buf[len - 1]) {
    case 'w':
        unit = 7.0 * (double)LS_TIME_DAY;
        break;
    case 'd':
        break;
    case 'h':
        unit = 3600.0 * (double)LS_TIME_SECOND;
        break;
    case 'm':
        unit = 60.0 * (double)LS_TIME_SECOND;
        break;
    case 's':
        unit = (double)LS_TIME_SECOND;
        break;
    default:
        len++; /* a bare number of days */
        break;
    }
    buf[len - 1] = '\0';
    double v;
    if (ls_parse_number(buf, &v) != LS_NUM_OK || !(v > 0) || v * unit > 1e17)
        return 0;
    *out = (int64_t)llround(v * unit);
    return *out > 0;
}

/* ---- the reader ---------------------------------------------------------------- */

void ls_events_options_init(ls_events_options *o)
{
    o->lead_column = "lead_id";
    o->event_column = "event";
    o->time_column = "timestamp";
    o->value_column = "value";
    o->separator = 0;
    o->live = 0;
}

#define LIVE_BUFFER (1u << 20)
#define LIVE_MAX_FIELDS 64

struct ls_event_reader {
    char *name;
    ls_csv_reader *csv; /* file mode */
    /* live mode */
    int fd, owns_fd, eof;
    char *buf;
    size_t start, end; /* unread bytes buf[start..end) */
    size_t line;
    char separator;
    int trailing_empty; /* the header ends with a separator: an unnamed column */
    char **columns;
    size_t n_columns;
    const char *fields[LIVE_MAX_FIELDS];
    size_t lengths[LIVE_MAX_FIELDS];
    /* both */
    size_t col_lead, col_event, col_time, col_value; /* (size_t)-1 when absent */
};

static ls_status column_error(ls_event_reader *r, const char *what, const char *name, ls_error *err)
{
    return ls_fail_at(err, LS_ERR_NOTFOUND, r->name, 1, 0, NULL,
                      "no %s column '%s' in the events file (set it in the spec's [events] "
                      "section, e.g. %s_column = ...)",
                      what, name, what);
}

static ls_status bind_columns(ls_event_reader *r, const ls_events_options *o,
                              size_t (*find)(ls_event_reader *, const char *), ls_error *err)
{
    r->col_lead = find(r, o->lead_column);
    r->col_event = find(r, o->event_column);
    r->col_time = find(r, o->time_column);
    r->col_value = o->value_column ? find(r, o->value_column) : (size_t)-1;
    if (r->col_lead == (size_t)-1)
        return column_error(r, "lead", o->lead_column, err);
    if (r->col_event == (size_t)-1)
        return column_error(r, "event", o->event_column, err);
    if (r->col_time == (size_t)-1)
        return column_error(r, "time", o->time_column, err);
    return LS_OK;
}

static size_t csv_find(ls_event_reader *r, const char *name)
{
    return ls_csv_find_column(r->csv, name);
}

static size_t live_find(ls_event_reader *r, const char *name)
{
    for (size_t i = 0; i < r->n_columns; i++)
        if (strcmp(r->columns[i], name) == 0)
            return i;
    return (size_t)-1;
}

/* Reads more input into the buffer; returns 0 at end of input, -1 on error. */
static int live_fill(ls_event_reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == LIVE_BUFFER)
        return -2; /* a line longer than the buffer */
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, LIVE_BUFFER - r->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        r->end += (size_t)n;
        return n > 0;
    }
}

/* The next line (without its end) in place, NUL-terminated; NULL at the end. */
static ls_status live_line(ls_event_reader *r, char **line, size_t *len, ls_error *err)
{
    for (;;) {
        char *nl = r->start < r->end ? memchr(r->buf + r->start, '\n', r->end - r->start) : NULL;
        if (nl || (r->eof && r->start < r->end)) {
            char *p = r->buf + r->start;
            size_t n = nl ? (size_t)(nl - p) : r->end - r->start;
            r->start += nl ? n + 1 : n;
            if (n && p[n - 1] == '\r')
                n--;
            p[n] = '\0'; /* over the '\n' or the spare byte after end */
            r->line++;
            *line = p;
            *len = n;
            return LS_OK;
        }
        if (r->eof) {
            *line = NULL;
            return LS_OK;
        }
        int got = live_fill(r);
        if (got == -2)
            return ls_fail_at(err, LS_ERR_LIMIT, r->name, r->line + 1, 0, NULL,
                              "line is longer than %u bytes", LIVE_BUFFER);
        if (got < 0)
            return ls_fail_at(err, LS_ERR_IO, r->name, r->line + 1, 0, NULL, "read error: %s",
                              strerror(errno));
        if (got == 0)
            r->eof = 1;
    }
}

/* Blanks are trimmed around fields, and lines of nothing else skipped, as
 * the CSV reader does in file mode (csv.c): space, tab and CR, unless it is
 * the separator. `watch` must read the events `score` reads (fuzz find). */
static int is_blank(const ls_event_reader *r, char c)
{
    return (c == ' ' || c == '\t' || c == '\r') && c != r->separator;
}

static int line_blank(const ls_event_reader *r, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_blank(r, p[i]))
            return 0;
    return 1;
}

/* Splits a line in place into fields; quoted fields are unquoted in place.
 * Each field is checked as the CSV reader checks it: no NUL byte, valid
 * UTF-8, no quote inside an unquoted field. */
static ls_status live_split(ls_event_reader *r, char *p, size_t len, size_t *n_fields,
                            ls_error *err)
{
    size_t n = 0;
    char *end = p + len;
    /* One pass over the whole line; fields are checked one by one only to
     * place an error (valid UTF-8 split at ASCII bytes stays valid). */
    int clean = !memchr(p, '\0', len) && ls_utf8_valid(p, len);
    for (;;) {
        if (n == LIVE_MAX_FIELDS)
            return ls_fail_at(err, LS_ERR_LIMIT, r->name, r->line, 0, NULL, "more than %d fields",
                              LIVE_MAX_FIELDS);
        const char *colname = n < r->n_columns ? r->columns[n] : NULL;
        while (p < end && is_blank(r, *p))
            p++;
        char *field = p, *w = p;
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p >= end)
                    return ls_fail_at(err, LS_ERR_PARSE, r->name, r->line, n + 1, colname,
                                      "unterminated quoted field (live input cannot continue a "
                                      "field on the next line)");
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            while (p < end && is_blank(r, *p))
                p++;
            if (p < end && *p != r->separator)
                return ls_fail_at(err, LS_ERR_PARSE, r->name, r->line, n + 1, colname,
                                  "malformed quoting: text after a closing quote");
        } else {
            while (p < end && *p != r->separator) {
                if (*p == '"')
                    return ls_fail_at(err, LS_ERR_PARSE, r->name, r->line, n + 1, colname,
                                      "malformed quoting: a quote inside an unquoted field");
                p++;
            }
            w = p;
            while (w > field && is_blank(r, w[-1]))
                w--;
        }
        size_t flen = (size_t)(w - field);
        if (!clean && flen && memchr(field, '\0', flen))
            return ls_fail_at(err, LS_ERR_PARSE, r->name, r->line, n + 1, colname,
                              "field contains a NUL byte");
        if (!clean && !ls_utf8_valid(field, flen))
            return ls_fail_at(err, LS_ERR_PARSE, r->name, r->line, n + 1, colname,
                              "field is not valid UTF-8");
        r->fields[n] = field;
        r->lengths[n] = flen;
        n++;
        if (p >= end) {
            *w = '\0';
            break;
        }
        p++; /* the separator */
        *w = '\0';
    }
    *n_fields = n;
    return LS_OK;
}

/* As csv.c: candidates counted outside quotes, the most frequent wins, ','
 * on ties or when none occurs. */
static char detect_separator(const char *line, size_t len)
{
    static const char candidates[] = {',', ';', '\t', '|'};
    size_t counts[4] = {0};
    int quoted = 0;
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        else if (!quoted)
            for (int k = 0; k < 4; k++)
                counts[k] += line[i] == candidates[k];
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (counts[k] > counts[best])
            best = k;
    return candidates[best];
}

static int only_spaces_and_cr(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\r')
            return 0;
    return 1;
}

/* The header: the first line that is not blank, with the CSV reader's rules
 * (separator detection, an unnamed trailing column, names non-empty and
 * unique). */
static ls_status live_open(ls_event_reader *r, const char *path, const ls_events_options *o,
                           ls_error *err)
{
    if (strcmp(path, "-") == 0) {
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY);
        if (r->fd < 0)
            return ls_fail_at(err, errno == ENOENT ? LS_ERR_NOTFOUND : LS_ERR_IO, path, 0, 0, NULL,
                              "cannot open events file: %s", strerror(errno));
        r->owns_fd = 1;
    }
    r->buf = malloc(LIVE_BUFFER + 1);
    if (!r->buf)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    r->separator = o->separator;
    char *line;
    size_t len;
    for (;;) {
        ls_status st = live_line(r, &line, &len, err);
        if (st != LS_OK)
            return st;
        if (!line)
            return ls_fail_at(err, LS_ERR_PARSE, r->name, 1, 0, NULL, "empty file: no header line");
        if (r->line == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            line += 3;
            len -= 3;
        }
        if (!r->separator) {
            if (only_spaces_and_cr(line, len))
                continue; /* csv.c detects on the first line with anything else */
            r->separator = detect_separator(line, len);
        }
        if (!line_blank(r, line, len))
            break;
    }
    size_t n;
    ls_status st = live_split(r, line, len, &n, err);
    if (st != LS_OK)
        return st;
    if (n > 1 && r->lengths[n - 1] == 0) {
        r->trailing_empty = 1;
        n--;
    }
    r->columns = calloc(n, sizeof *r->columns);
    if (!r->columns)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (r->lengths[i] == 0)
            return ls_fail_at(err, LS_ERR_PARSE, r->name, r->line, i + 1, "",
                              "column %zu has an empty name in the header", i + 1);
        if (memchr(r->fields[i], '\r', r->lengths[i]))
            return ls_fail_at(err, LS_ERR_PARSE, r->name, r->line, i + 1, NULL,
                              "a column name contains a carriage return: lines must end in LF "
                              "or CRLF, not CR alone");
        for (size_t k = 0; k < i; k++)
            if (strcmp(r->columns[k], r->fields[i]) == 0)
                return ls_fail_at(err, LS_ERR_PARSE, r->name, r->line, i + 1, r->fields[i],
                                  "duplicate column name (also column %zu)", k + 1);
        r->columns[i] = strndup(r->fields[i], r->lengths[i]);
        if (!r->columns[i])
            return ls_fail(err, LS_ERR_NOMEM, "out of memory");
        r->n_columns = i + 1;
    }
    return LS_OK;
}

ls_status ls_events_open(const char *path, const ls_events_options *opts, ls_event_reader **out,
                         ls_error *err)
{
    *out = NULL;
    ls_events_options defaults;
    if (!opts) {
        ls_events_options_init(&defaults);
        opts = &defaults;
    }
    ls_event_reader *r = calloc(1, sizeof *r);
    if (!r)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    r->fd = -1;
    r->name = ls_strdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
    ls_status st = r->name ? LS_OK : ls_fail(err, LS_ERR_NOMEM, "out of memory");
    if (st == LS_OK && opts->live) {
        st = live_open(r, path, opts, err);
        if (st == LS_OK)
            st = bind_columns(r, opts, live_find, err);
    } else if (st == LS_OK) {
        ls_csv_options copts;
        ls_csv_options_init(&copts);
        copts.separator = opts->separator;
        st = ls_csv_open(path, &copts, &r->csv, err);
        if (st == LS_OK)
            st = bind_columns(r, opts, csv_find, err);
    }
    if (st != LS_OK) {
        ls_events_free(r);
        return st;
    }
    *out = r;
    return LS_OK;
}

void ls_events_free(ls_event_reader *r)
{
    if (!r)
        return;
    ls_csv_free(r->csv);
    if (r->owns_fd && r->fd >= 0)
        close(r->fd);
    for (size_t i = 0; i < r->n_columns; i++)
        free(r->columns[i]);
    free(r->columns);
    free(r->buf);
    free(r->name);
    free(r);
}

int ls_events_ready(const ls_event_reader *r)
{
    if (r->csv)
        return 1;
    return r->eof || (r->start < r->end && memchr(r->buf + r->start, '\n', r->end - r->start));
}

static const char *column_name(const ls_event_reader *r, size_t i)
{
    return r->csv ? ls_csv_column_name(r->csv, i) : r->columns[i];
}

/* The four fields an event is made of (value may be absent: NULL). */
typedef struct {
    const char *text[4];
    size_t len[4];
} event_fields;

enum { F_LEAD, F_EVENT, F_TIME, F_VALUE };

/* Fills ev from the fields of the current record. */
static ls_status decode(ls_event_reader *r, const event_fields *f, size_t line, ls_event *ev,
                        ls_error *err)
{
    ev->line = line;
    ev->lead = f->text[F_LEAD];
    ev->lead_len = f->len[F_LEAD];
    ev->name = f->text[F_EVENT];
    ev->name_len = f->len[F_EVENT];
    if (ev->name_len == 0)
        return ls_fail_at(err, LS_ERR_PARSE, r->name, line, r->col_event + 1,
                          column_name(r, r->col_event), "empty event name");
    /* the CSV reader refuses NUL bytes; watch's own line reader must too (fuzz find) */
    if (memchr(ev->lead, '\0', ev->lead_len) || memchr(ev->name, '\0', ev->name_len))
        return ls_fail_at(err, LS_ERR_PARSE, r->name, line, 0, NULL,
                          "a lead id or event name contains a NUL byte");
    ls_status st = ls_time_parse(f->text[F_TIME], f->len[F_TIME], &ev->time, err);
    if (st != LS_OK) {
        char why[LS_ERROR_MESSAGE_MAX];
        snprintf(why, sizeof why, "%s", err ? err->message : "bad timestamp");
        return ls_fail_at(err, st, r->name, line, r->col_time + 1, column_name(r, r->col_time),
                          "%s", why);
    }
    ev->value = NAN;
    if (f->text[F_VALUE] && f->len[F_VALUE] > 0) {
        ls_num_status ns = ls_parse_number(f->text[F_VALUE], &ev->value);
        if (ns != LS_NUM_OK) {
            ev->value = NAN;
            return ls_fail_at(err, LS_ERR_PARSE, r->name, line, r->col_value + 1,
                              column_name(r, r->col_value), "'%.64s' is not a %snumber",
                              f->text[F_VALUE], ns == LS_NUM_NONFINITE ? "finite " : "");
        }
    }
    return LS_OK;
}

ls_status ls_events_next(ls_event_reader *r, ls_event *ev, int *has_event, ls_error *err)
{
    *has_event = 0;
    event_fields f;
    size_t cols[4] = {r->col_lead, r->col_event, r->col_time, r->col_value};
    size_t line;
    if (r->csv) {
        const char *const *fields;
        int has;
        ls_status st = ls_csv_next(r->csv, &fields, &has, err);
        if (st != LS_OK || !has)
            return st;
        for (int k = 0; k < 4; k++) {
            f.text[k] = cols[k] != (size_t)-1 ? fields[cols[k]] : NULL;
            f.len[k] = cols[k] != (size_t)-1 ? ls_csv_field_length(r->csv, cols[k]) : 0;
        }
        line = ls_csv_line(r->csv);
    } else {
        char *text;
        size_t len, n;
        ls_status st;
        do {
            st = live_line(r, &text, &len, err);
            if (st != LS_OK || !text)
                return st;
        } while (line_blank(r, text, len));
        if ((st = live_split(r, text, len, &n, err)) != LS_OK)
            return st;
        if (r->trailing_empty && n == r->n_columns + 1) {
            if (r->lengths[n - 1] != 0)
                return ls_fail_at(err, LS_ERR_PARSE, r->name, r->line, n, "",
                                  "value '%.64s' in the unnamed last column (the header ends "
                                  "with a separator)",
                                  r->fields[n - 1]);
            n--;
        }
        if (n != r->n_columns) {
            size_t at = n < r->n_columns ? n : r->n_columns; /* first missing or extra field */
            return ls_fail_at(err, LS_ERR_PARSE, r->name, r->line, at + 1,
                              at < r->n_columns ? r->columns[at] : NULL,
                              "expected %zu fields as in the header, found %zu", r->n_columns, n);
        }
        for (int k = 0; k < 4; k++) {
            f.text[k] = cols[k] != (size_t)-1 ? r->fields[cols[k]] : NULL;
            f.len[k] = cols[k] != (size_t)-1 ? r->lengths[cols[k]] : 0;
        }
        line = r->line;
    }
    ls_status st = decode(r, &f, line, ev, err);
    if (st == LS_OK)
        *has_event = 1;
    return st;
}
