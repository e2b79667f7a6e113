/* libFuzzer target: the event reader and ISO-8601 timestamps.
 *
 * Each input is read as an events file twice, from a memfd: in file mode
 * (the streaming CSV reader) and in live mode (watch's line reader over
 * read(2)). Both must end in LS_OK or a well-formed error, and every event
 * handed out must have a non-empty name and a lead, and a timestamp that
 * formats and parses back to itself. Live mode must read what file mode
 * reads (within its documented limits), and when both modes read the whole
 * input they must hand out the same events: `watch` promises the scores
 * batch scoring gives.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "leadscore/events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const ls_event *ev, int live)
{
    if (!ev->name || ev->name_len == 0 || strlen(ev->name) != ev->name_len || !ev->lead ||
        strlen(ev->lead) != ev->lead_len) {
        fprintf(stderr,
                "fuzz: %s mode, line %zu: an event whose lead or name holds a NUL byte "
                "(or is empty) was accepted\n",
                live ? "live" : "file", ev->line);
        abort();
    }
    if (!isnan(ev->value) && !isfinite(ev->value))
        abort();
    char buf[64];
    ls_time_format(ev->time, 0, buf, sizeof buf);
    int64_t back = 0;
    ls_error err = {0};
    if (!fuzz_skip("time-round-trip") &&
        (ls_time_parse(buf, strlen(buf), &back, &err) != LS_OK || back != ev->time)) {
        fprintf(stderr, "fuzz: time %lld formats as '%s', which reads back as %lld\n",
                (long long)ev->time, buf, (long long)back);
        abort();
    }
}

/* The events one mode handed out, copied. */
typedef struct {
    char *lead, *name;
    int64_t time;
    double value;
    size_t line;
} event_copy;

typedef struct {
    event_copy *events;
    size_t n, cap;
    int complete; /* the whole input was read without an error */
} event_list;

static void keep(event_list *list, const ls_event *ev)
{
    if (list->n == list->cap) {
        list->cap = list->cap ? 2 * list->cap : 16;
        list->events = realloc(list->events, list->cap * sizeof *list->events);
        if (!list->events)
            abort();
    }
    event_copy *c = &list->events[list->n++];
    c->lead = strdup(ev->lead);
    c->name = strdup(ev->name);
    if (!c->lead || !c->name)
        abort();
    c->time = ev->time;
    c->value = ev->value;
    c->line = ev->line;
}

static void release(event_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->events[i].lead);
        free(list->events[i].name);
    }
    free(list->events);
}

static void read_events(const char *path, int live, event_list *list)
{
    ls_events_options opts;
    ls_events_options_init(&opts);
    opts.live = live;
    ls_event_reader *r = NULL;
    ls_error err = {0};
    ls_status st = ls_events_open(path, &opts, &r, &err);
    fuzz_check_error(st, &err);
    while (st == LS_OK) {
        ls_event ev;
        int has = 0;
        st = ls_events_next(r, &ev, &has, &err);
        fuzz_check_error(st, &err);
        if (st != LS_OK)
            break;
        if (!has) {
            list->complete = 1;
            break;
        }
        check_event(&ev, live);
        keep(list, &ev);
        ls_events_ready(r);
    }
    ls_events_free(r);
}

static int same_value(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

/* Both modes read everything: the same events, field for field. */
/* Live mode documents three limits file mode does not have: a quoted field
 * may not span lines, a line holds at most 64 fields and 1 MiB. Within them
 * it must read whatever file mode reads. */
static int within_live_limits(const uint8_t *data, size_t size)
{
    if (size >= (1u << 20) || memchr(data, '"', size))
        return 0;
    size_t fields = 1;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n')
            fields = 1;
        else if ((data[i] == ',' || data[i] == ';' || data[i] == '\t' || data[i] == '|') &&
                 ++fields > 64)
            return 0;
    }
    return 1;
}

static void compare(const event_list *file, const event_list *live, const uint8_t *data,
                    size_t size)
{
    if (fuzz_skip("live-diff"))
        return;
    if (file->complete && !live->complete && within_live_limits(data, size)) {
        fprintf(stderr, "fuzz: live mode refused an input file mode read (%zu events)\n", file->n);
        abort();
    }
    if (!file->complete || !live->complete)
        return;
    if (file->n != live->n) {
        fprintf(stderr, "fuzz: file mode read %zu events, live mode %zu\n", file->n, live->n);
        abort();
    }
    for (size_t i = 0; i < file->n; i++) {
        const event_copy *a = &file->events[i], *b = &live->events[i];
        if (strcmp(a->lead, b->lead) != 0 || strcmp(a->name, b->name) != 0 || a->time != b->time ||
            !same_value(a->value, b->value)) {
            fprintf(stderr,
                    "fuzz: event %zu differs: file mode (line %zu) [%s|%s|%lld|%g], "
                    "live mode (line %zu) [%s|%s|%lld|%g]\n",
                    i + 1, a->line, a->lead, a->name, (long long)a->time, a->value, b->line,
                    b->lead, b->name, (long long)b->time, b->value);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfd(data, size, path);
    event_list file = {0}, live = {0};
    read_events(path, 0, &file);
    read_events(path, 1, &live);
    close(fd);
    compare(&file, &live, data, size);
    release(&file);
    release(&live);

    /* The first line alone, as a timestamp and a duration. */
    const uint8_t *nl = memchr(data, '\n', size);
    size_t len = nl ? (size_t)(nl - data) : size;
    int64_t t;
    ls_error err = {0};
    if (ls_time_parse((const char *)data, len, &t, &err) == LS_OK) {
        char buf[64];
        ls_time_format(t, 1, buf, sizeof buf);
        ls_time_format(t, 0, buf, sizeof buf);
    }
    char *text = strndup((const char *)data, len);
    if (text) {
        int64_t d;
        ls_duration_parse(text, &d);
        free(text);
    }
    return 0;
}
