/* libFuzzer target: the event reader and ISO-8601 timestamps.
 *
 * Each input is read as an events file twice, from a memfd: in file mode
 * (the streaming CSV reader) and in live mode (watch's line reader over
 * read(2)). Both must end in LS_OK or a well-formed error, and every event
 * handed out must have a non-empty name and a lead, and a timestamp that
 * formats and parses back to itself.
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
    if (ls_time_parse(buf, strlen(buf), &back, &err) != LS_OK || back != ev->time) {
        fprintf(stderr, "fuzz: time %lld formats as '%s', which reads back as %lld\n",
                (long long)ev->time, buf, (long long)back);
        abort();
    }
}

static void read_events(const char *path, int live)
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
        if (st != LS_OK || !has)
            break;
        check_event(&ev, live);
        ls_events_ready(r);
    }
    ls_events_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfd(data, size, path);
    read_events(path, 0);
    read_events(path, 1);
    close(fd);

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
