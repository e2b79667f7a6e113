/* leadscore watch — re-score leads as product events arrive on standard
 * input, and write a line whenever a lead's score (or tier) changes, so a
 * CRM hook can act at once.
 *
 * Output (standard output, one line per change, flushed whenever the input
 * has nothing more buffered, so a slow trickle of events is answered at once):
 *
 *   CSV (default), with a header:
 *     time,lead_id,score,previous_score,tier,previous_tier,probability,cause
 *   JSON lines (--format jsonl):
 *     {"time":"...","lead_id":"...","score":42,"previous_score":40,
 *      "tier":"hot","previous_tier":"warm","probability":0.31,"cause":"event"}
 *
 * cause is event (the lead's event at `time` changed its score), sweep (time
 * passed: scores as of `time`), final (end of input: as of the last event +
 * 1 µs) or initial (--initial). previous_score is empty / null on a lead's
 * first line. Probabilities are rounded to 6 decimals.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "leadscore/events.h"
#include "leadscore/model.h"

static const char usage_text[] =
    "usage: leadscore watch --model MODEL --leads LEADS.csv --criteria SPEC\n"
    "                       [--events -] [options]\n"
    "\n"
    "Reads product events (lead_id,event,timestamp[,value]) as they arrive and\n"
    "writes a line whenever a lead's score or tier changes. The clock is event\n"
    "time: after each event its lead is scored with the spec's [feature]\n"
    "criteria as of just after the latest event seen, plus its columns in\n"
    "LEADS.csv. At the end of input every lead with events is re-scored once\n"
    "more at the final clock (cause 'final'), so each lead's last line equals\n"
    "'leadscore features --as-of T' + 'leadscore score' with T = the last event\n"
    "time + 1 microsecond (printed on standard error).\n"
    "\n"
    "  -m, --model MODEL      model JSON (train) or points table\n"
    "  -l, --leads FILE       leads CSV: one row per lead, ids unique\n"
    "  -c, --criteria SPEC    spec with the [events] and [feature] sections\n"
    "  -e, --events FILE      events ('-', the default: standard input)\n"
    "      --format F         csv (default) or jsonl\n"
    "      --on WHAT          score (default): any change of score or tier;\n"
    "                         tier: only changes of tier (e.g. into hot);\n"
    "                         all: a line for every re-score, changed or not\n"
    "      --sweep DURATION   also re-score every lead with events whenever the\n"
    "                         clock passes a multiple of DURATION (e.g. 1d), so\n"
    "                         decay and windows show without new events\n"
    "      --initial          first write every lead's starting score\n"
    "      --id COL           the leads file's id column (default: the spec's)\n"
    "  -q, --quiet            no summary on standard error\n"
    "  -h, --help             show this help\n";

#define OUT_BUFFER (1u << 16)

typedef struct {
    int jsonl;
    char buf[OUT_BUFFER];
    size_t len;
    int failed;
} out_state;

static void out_flush(out_state *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, stdout) != o->len)
        o->failed = 1;
    o->len = 0;
    if (fflush(stdout) != 0)
        o->failed = 1;
}

static void out_put(out_state *o, const char *s, size_t n)
{
    if (o->len + n > sizeof o->buf)
        out_flush(o);
    if (n > sizeof o->buf) {
        if (fwrite(s, 1, n, stdout) != n)
            o->failed = 1;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_str(out_state *o, const char *s)
{
    out_put(o, s, strlen(s));
}

/* A text field: CSV-quoted when needed, or a JSON string. */
static void out_text(out_state *o, const char *s)
{
    if (!o->jsonl) {
        if (!strpbrk(s, ",\"\n\r")) {
            out_str(o, s);
            return;
        }
        out_put(o, "\"", 1);
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                out_put(o, "\"", 1);
            out_put(o, p, 1);
        }
        out_put(o, "\"", 1);
        return;
    }
    out_put(o, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            out_put(o, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            out_put(o, esc, 6);
        } else {
            out_put(o, (const char *)p, 1);
        }
    }
    out_put(o, "\"", 1);
}

/* Scores are whole numbers; probabilities are written to 6 decimals. Both
 * without printf: the hot path writes one line per change. */
static void out_number(out_state *o, double v, int whole)
{
    char num[40];
    size_t n;
    if (whole && fabs(v) < 1e15) {
        long long x = (long long)v;
        char tmp[24];
        size_t k = 0, neg = x < 0;
        unsigned long long u = neg ? 0ULL - (unsigned long long)x : (unsigned long long)x;
        do {
            tmp[k++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        n = 0;
        if (neg)
            num[n++] = '-';
        while (k)
            num[n++] = tmp[--k];
    } else {
        n = ls_feature_format(v, num);
    }
    out_put(o, num, n);
}

static const char *cause_name(ls_watch_cause c)
{
    switch (c) {
    case LS_WATCH_INITIAL:
        return "initial";
    case LS_WATCH_EVENT:
        return "event";
    case LS_WATCH_SWEEP:
        return "sweep";
    case LS_WATCH_FINAL:
        return "final";
    }
    return "?";
}

static ls_status on_change(void *user, const ls_watch_change *ch, ls_error *err)
{
    (void)err;
    out_state *o = user;
    char when[40] = "";
    if (ch->time != LS_TIME_NONE)
        ls_time_format(ch->time, 0, when, sizeof when);
    const char *sep = ",";
    if (o->jsonl) {
        out_str(o, "{\"time\":");
        if (*when)
            out_text(o, when);
        else
            out_str(o, "null");
        out_str(o, ",\"lead_id\":");
        out_text(o, ch->lead);
        out_str(o, ",\"score\":");
        out_number(o, ch->score, 1);
        out_str(o, ",\"previous_score\":");
        if (isnan(ch->previous_score))
            out_str(o, "null");
        else
            out_number(o, ch->previous_score, 1);
        out_str(o, ",\"tier\":");
        if (ch->tier)
            out_text(o, ch->tier);
        else
            out_str(o, "null");
        out_str(o, ",\"previous_tier\":");
        if (ch->previous_tier)
            out_text(o, ch->previous_tier);
        else
            out_str(o, "null");
        out_str(o, ",\"probability\":");
        if (isnan(ch->probability))
            out_str(o, "null");
        else
            out_number(o, ch->probability, 0);
        out_str(o, ",\"cause\":\"");
        out_str(o, cause_name(ch->cause));
        out_str(o, "\"}\n");
        return o->failed ? LS_ERR_IO : LS_OK;
    }
    out_str(o, when);
    out_str(o, sep);
    out_text(o, ch->lead);
    out_str(o, sep);
    out_number(o, ch->score, 1);
    out_str(o, sep);
    if (!isnan(ch->previous_score))
        out_number(o, ch->previous_score, 1);
    out_str(o, sep);
    if (ch->tier)
        out_text(o, ch->tier);
    out_str(o, sep);
    if (ch->previous_tier)
        out_text(o, ch->previous_tier);
    out_str(o, sep);
    if (!isnan(ch->probability))
        out_number(o, ch->probability, 0);
    out_str(o, sep);
    out_str(o, cause_name(ch->cause));
    out_put(o, "\n", 1);
    return o->failed ? LS_ERR_IO : LS_OK;
}

/* Events read ahead: the reader's events last until its next call, so their
 * lead ids and names are copied (offsets into text until sealed). */
#define BATCH_EVENTS 4096

typedef struct {
    ls_event ev[BATCH_EVENTS];
    size_t n;
    char *text;
    size_t used, cap;
} event_batch;

static ls_status batch_add(event_batch *b, const ls_event *ev, ls_error *err)
{
    size_t need = ev->lead_len + ev->name_len + 2;
    if (b->used + need > b->cap) {
        size_t cap = b->cap ? b->cap : 1u << 16;
        while (cap < b->used + need)
            cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t) {
            ls_error_clear(err);
            err->code = LS_ERR_NOMEM;
            snprintf(err->message, sizeof err->message, "out of memory");
            return LS_ERR_NOMEM;
        }
        b->text = t;
        b->cap = cap;
    }
    ls_event *e = &b->ev[b->n++];
    *e = *ev;
    e->lead = (const char *)(uintptr_t)b->used; /* offsets until batch_seal */
    memcpy(b->text + b->used, ev->lead, ev->lead_len + 1);
    b->used += ev->lead_len + 1;
    e->name = (const char *)(uintptr_t)b->used;
    memcpy(b->text + b->used, ev->name, ev->name_len + 1);
    b->used += ev->name_len + 1;
    return LS_OK;
}

/* Turns the offsets into pointers, now that the text no longer moves. */
static void batch_seal(event_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        b->ev[i].lead = b->text + (uintptr_t)b->ev[i].lead;
        b->ev[i].name = b->text + (uintptr_t)b->ev[i].name;
    }
}

typedef struct {
    const char *model, *leads, *criteria, *events;
    int quiet;
    ls_watch_options opts;
} watch_args;

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run(const watch_args *a, out_state *out, event_batch *b)
{
    ls_error err;
    ls_error_clear(&err);
    ls_model *model = NULL;
    ls_features *f = NULL;
    ls_watch *w = NULL;
    ls_event_reader *r = NULL;
    int status = LS_EXIT_FAIL;
    if (ls_model_load(a->model, &model, &err) != LS_OK ||
        ls_features_load(a->criteria, &f, &err) != LS_OK)
        goto fail;
    ls_events_options eo = *ls_features_events_options(f);
    eo.live = 1;
    if (ls_watch_new(model, f, a->leads, &a->opts, on_change, out, &w, &err) != LS_OK)
        goto fail;
    if (!out->jsonl)
        out_str(out, "time,lead_id,score,previous_score,tier,previous_tier,probability,cause\n");
    if (ls_watch_start(w, &err) != LS_OK)
        goto fail;
    out_flush(out);
    if (ls_events_open(a->events, &eo, &r, &err) != LS_OK)
        goto fail;
    double t0 = seconds_now();
    for (int end = 0; !end;) {
        /* A batch: the events already buffered, up to BATCH_EVENTS, applied
         * together before the reader may wait for input. A malformed record
         * ends it: the events before it count, then its error is reported. */
        ls_status read_st = LS_OK;
        int waits = 0;
        b->n = 0;
        b->used = 0;
        while (b->n < BATCH_EVENTS) {
            ls_event ev;
            int has;
            if ((read_st = ls_events_next(r, &ev, &has, &err)) != LS_OK)
                break;
            if (!has) {
                end = 1;
                break;
            }
            if ((read_st = batch_add(b, &ev, &err)) != LS_OK)
                break;
            if (!ls_events_ready(r)) {
                waits = 1;
                break;
            }
        }
        batch_seal(b);
        ls_error werr;
        ls_error_clear(&werr);
        if (b->n && ls_watch_events(w, b->ev, b->n, &werr) != LS_OK) {
            err = werr;
            goto fail;
        }
        if (read_st != LS_OK)
            goto fail;
        if (waits)
            out_flush(out); /* about to wait for input: let the lines out */
        if (out->failed)
            break;
    }
    if (!out->failed && ls_watch_finish(w, &err) != LS_OK)
        goto fail;
    out_flush(out);
    double elapsed = seconds_now() - t0;
    if (out->failed) {
        cli_errorf("cannot write to standard output");
        goto done;
    }
    if (!a->quiet) {
        ls_watch_stats s;
        ls_watch_get_stats(w, &s);
        char when[40] = "-";
        if (s.clock != LS_TIME_NONE)
            ls_time_format(s.clock + 1, 0, when, sizeof when);
        fprintf(stderr,
                "leadscore: watch: %zu events (%zu of unknown leads) in %.3f s (%.0f events/s); "
                "%zu changes written; %zu of %zu leads with events; state %.1f MiB\n",
                s.events, s.unknown_lead, elapsed, elapsed > 0 ? (double)s.events / elapsed : 0,
                s.changes, s.active_leads, s.leads, (double)s.state_bytes / (1024.0 * 1024.0));
        fprintf(stderr, "leadscore: watch: final scores are as of %s\n", when);
    }
    status = LS_EXIT_OK;
    goto done;
fail:
    out_flush(out);
    status = err.code ? cli_report(&err) : LS_EXIT_FAIL;
done:
    ls_events_free(r);
    ls_watch_free(w);
    ls_features_free(f);
    ls_model_free(model);
    return status;
}

int cmd_watch(int argc, char **argv)
{
    enum { OPT_FORMAT = 1000, OPT_ON, OPT_SWEEP, OPT_INITIAL, OPT_ID };
    static const struct option options[] = {{"model", required_argument, NULL, 'm'},
                                            {"leads", required_argument, NULL, 'l'},
                                            {"criteria", required_argument, NULL, 'c'},
                                            {"events", required_argument, NULL, 'e'},
                                            {"format", required_argument, NULL, OPT_FORMAT},
                                            {"on", required_argument, NULL, OPT_ON},
                                            {"sweep", required_argument, NULL, OPT_SWEEP},
                                            {"initial", no_argument, NULL, OPT_INITIAL},
                                            {"id", required_argument, NULL, OPT_ID},
                                            {"quiet", no_argument, NULL, 'q'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    watch_args a;
    memset(&a, 0, sizeof a);
    a.events = "-";
    ls_watch_options_init(&a.opts);
    int jsonl = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":m:l:c:e:qh", options, NULL)) != -1) {
        switch (c) {
        case 'm':
            a.model = optarg;
            break;
        case 'l':
            a.leads = optarg;
            break;
        case 'c':
            a.criteria = optarg;
            break;
        case 'e':
            a.events = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "jsonl") != 0)
                return cli_usage_error("watch", "--format expects csv or jsonl, not '%s'", optarg);
            jsonl = strcmp(optarg, "jsonl") == 0;
            break;
        case OPT_ON:
            if (strcmp(optarg, "score") != 0 && strcmp(optarg, "tier") != 0 &&
                strcmp(optarg, "all") != 0)
                return cli_usage_error("watch", "--on expects score, tier or all, not '%s'",
                                       optarg);
            a.opts.tier_only = strcmp(optarg, "tier") == 0;
            a.opts.every = strcmp(optarg, "all") == 0;
            break;
        case OPT_SWEEP:
            if (!ls_duration_parse(optarg, &a.opts.sweep))
                return cli_usage_error("watch", "--sweep expects a duration (1d, 6h), not '%s'",
                                       optarg);
            break;
        case OPT_INITIAL:
            a.opts.initial = 1;
            break;
        case OPT_ID:
            a.opts.id_column = optarg;
            break;
        case 'q':
            a.quiet = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return LS_EXIT_OK;
        default:
            return cli_getopt_error("watch", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("watch", "unexpected argument '%s'", argv[optind]);
    if (!a.model || !a.leads || !a.criteria)
        return cli_usage_error("watch", "--model, --leads and --criteria are required");
    out_state *out = calloc(1, sizeof *out);
    event_batch *batch = calloc(1, sizeof *batch);
    if (!out || !batch) {
        free(out);
        free(batch);
        cli_errorf("out of memory");
        return LS_EXIT_FAIL;
    }
    out->jsonl = jsonl;
    int status = run(&a, out, batch);
    free(batch->text);
    free(batch);
    free(out);
    return status;
}
