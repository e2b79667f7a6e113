/* Product-usage events: ISO-8601 instants, the event reader's errors, the
 * window / decay arithmetic against values computed by hand, and the proof
 * that a lead's features never see events from after its label date.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "features_internal.h"
#include "leadscore/events.h"
#include "leadscore/fit.h"
#include "leadscore/model.h"

/* 2024-03-10T00:00:00Z in seconds. */
#define T_2024_03_10 INT64_C(1710028800)
#define US(s) ((int64_t)(s)*LS_TIME_SECOND)

/* ---- ISO-8601 --------------------------------------------------------------- */

static void test_time_parse_valid(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t us;
    } cases[] = {
        {"1970-01-01", 0},
        {"1970-01-01T00:00:00Z", 0},
        {"2024-03-10", US(T_2024_03_10)},
        {"2024-03-10T00:00:00Z", US(T_2024_03_10)},
        {"2024-03-10T00:00Z", US(T_2024_03_10)},
        {"2024-03-10 00:00:00", US(T_2024_03_10)}, /* space, no zone: UTC */
        {"2024-03-10t00:00:00z", US(T_2024_03_10)},
        {"2024-03-10T14:30:05Z", US(T_2024_03_10 + 14 * 3600 + 30 * 60 + 5)},
        {"2024-03-10T14:30:05+02:00", US(T_2024_03_10 + 12 * 3600 + 30 * 60 + 5)},
        {"2024-03-10T14:30:05+0200", US(T_2024_03_10 + 12 * 3600 + 30 * 60 + 5)},
        {"2024-03-10T14:30:05+02", US(T_2024_03_10 + 12 * 3600 + 30 * 60 + 5)},
        {"2024-03-10T01:00:00-05:30", US(T_2024_03_10 + 6 * 3600 + 30 * 60)},
        {"2024-03-10T00:00:00-0000", US(T_2024_03_10)},
        {"2024-03-10T00:30:00+01:00", US(T_2024_03_10 - 1800)}, /* the day before in UTC */
        {"2024-03-10T00:00:00.5Z", US(T_2024_03_10) + 500000},
        {"2024-03-10T00:00:00.123456Z", US(T_2024_03_10) + 123456},
        {"2024-03-10T00:00:00.1234567Z", US(T_2024_03_10) + 123456}, /* truncated */
        {"2024-03-10T00:00:00,25Z", US(T_2024_03_10) + 250000},
        {"2024-02-29", US(T_2024_03_10 - 10 * 86400)}, /* leap day */
        {"2000-02-29T00:00:00Z", US(951782400)},
        {"1969-12-31T23:59:59Z", US(-1)},
        {"1969-12-31T23:59:59.5Z", -500000},
        {"  2024-03-10  ", US(T_2024_03_10)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = 0;
        ls_error err;
        ls_error_clear(&err);
        ls_status st = ls_time_parse(cases[i].text, strlen(cases[i].text), &t, &err);
        if (st != LS_OK || t != cases[i].us) {
            print_error("'%s': status %d (%s), got %lld, expected %lld\n", cases[i].text, st,
                        err.message, (long long)t, (long long)cases[i].us);
            fail();
        }
    }
}

static void test_time_parse_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *why;
    } cases[] = {
        {"", "empty timestamp"},
        {"2024-3-10", "expected a digit at character 7"},
        {"2024/03/10", "expected '-' after the year"},
        {"2024-13-01", "month out of range"},
        {"2024-00-01", "month out of range"},
        {"2023-02-29", "no such day in that month"},
        {"2024-04-31", "no such day"},
        {"2024-03-10T25:00:00Z", "hour out of range"},
        {"2024-03-10T12:60:00Z", "minute out of range"},
        {"2024-03-10T12:00:60Z", "second out of range"},
        {"2024-03-10T12Z", "expected ':' after the hour"},
        {"2024-03-10X12:00", "expected 'T' before the time"},
        {"2024-03-10T12:00:00.Z", "expected digits after the decimal point"},
        {"2024-03-10T12:00:00+2", "expected hh in the zone offset"},
        {"2024-03-10T12:00:00+24:00", "zone offset out of range"},
        {"2024-03-10T12:00:00+02:0", "expected mm in the zone offset"},
        {"2024-03-10T12:00:00 UTC", "unexpected character (expected Z"},
        {"2024-03-10T12:00:00ZZ", "unexpected character after the timestamp at character 21"},
        {"1710028800", "expected '-' after the year"},
        {"yesterday", "expected a digit at character 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = 0;
        ls_error err;
        ls_error_clear(&err);
        ls_status st = ls_time_parse(cases[i].text, strlen(cases[i].text), &t, &err);
        if (st != LS_ERR_PARSE || !strstr(err.message, cases[i].why)) {
            print_error("'%s': status %d, message '%s', expected '%s'\n", cases[i].text, st,
                        err.message, cases[i].why);
            fail();
        }
    }
}

static void test_time_format_and_durations(void **state)
{
    (void)state;
    char buf[40];
    assert_string_equal(ls_time_format(US(T_2024_03_10), 0, buf, sizeof buf),
                        "2024-03-10T00:00:00Z");
    assert_string_equal(ls_time_format(US(T_2024_03_10), 1, buf, sizeof buf), "2024-03-10");
    assert_string_equal(ls_time_format(US(T_2024_03_10) + 1, 1, buf, sizeof buf),
                        "2024-03-10T00:00:00.000001Z");
    assert_string_equal(ls_time_format(-500000, 0, buf, sizeof buf), "1969-12-31T23:59:59.500000Z");
    /* Every formatted instant parses back to itself. */
    for (int64_t t = -US(86400) * 800; t < US(86400) * 20000; t += US(86400) * 37 + 7777777) {
        int64_t back;
        ls_time_format(t, 0, buf, sizeof buf);
        assert_int_equal(ls_time_parse(buf, strlen(buf), &back, NULL), LS_OK);
        assert_int_equal(back, t);
    }
    assert_int_equal(ls_time_day(-1), -1);
    assert_int_equal(ls_time_day(0), 0);
    int64_t d;
    assert_true(ls_duration_parse("7d", &d) && d == 7 * LS_TIME_DAY);
    assert_true(ls_duration_parse("2w", &d) && d == 14 * LS_TIME_DAY);
    assert_true(ls_duration_parse("12h", &d) && d == LS_TIME_DAY / 2);
    assert_true(ls_duration_parse("1.5", &d) && d == 3 * LS_TIME_DAY / 2);
    assert_false(ls_duration_parse("-3d", &d));
    assert_false(ls_duration_parse("0d", &d));
    assert_false(ls_duration_parse("d", &d));
    assert_false(ls_duration_parse("7 days", &d));
    char fb[40];
    ls_feature_format(2.0 + 2.0 / 3.0, fb);
    assert_string_equal(fb, "2.666667");
    ls_feature_format(-0.125, fb);
    assert_string_equal(fb, "-0.125");
    ls_feature_format(42, fb);
    assert_string_equal(fb, "42");
    ls_feature_format(1e-9, fb);
    assert_string_equal(fb, "0");
    ls_feature_format(3e13, fb);
    assert_string_equal(fb, "30000000000000");
}

/* ---- the reader's errors ------------------------------------------------------------- */

static void expect_reader_error(const char *csv, int live, ls_status code, size_t line,
                                size_t column, const char *column_name, const char *why)
{
    const char *path = ls_test_write_temp(csv, strlen(csv));
    ls_events_options o;
    ls_events_options_init(&o);
    o.live = live;
    ls_event_reader *r = NULL;
    ls_error err;
    ls_error_clear(&err);
    ls_status st = ls_events_open(path, &o, &r, &err);
    while (st == LS_OK) {
        ls_event ev;
        int has;
        st = ls_events_next(r, &ev, &has, &err);
        if (st == LS_OK && !has)
            break;
    }
    ls_events_free(r);
    if (st != code || err.line != line || err.column_index != column ||
        (column_name && strcmp(err.column, column_name) != 0) || !strstr(err.message, why)) {
        char buf[1024];
        print_error("live=%d: got status %d '%s', expected %d at %zu:%zu '%s'\n", live, st,
                    ls_error_format(&err, buf, sizeof buf), code, line, column, why);
        fail();
    }
}

static void test_reader_errors(void **state)
{
    (void)state;
    for (int live = 0; live <= 1; live++) {
        expect_reader_error("lead_id,event,timestamp\nA,x,2024-03-10\nA,x,2024-13-10\n", live,
                            LS_ERR_PARSE, 3, 3, "timestamp", "month out of range");
        expect_reader_error("lead_id,event,timestamp,value\nA,x,2024-03-10,1\nA,y,2024-03-10T9:00Z,"
                            "2\n",
                            live, LS_ERR_PARSE, 3, 3, "timestamp",
                            "expected a digit at character 13");
        expect_reader_error("lead_id,event,timestamp,value\nA,x,2024-03-10,abc\n", live,
                            LS_ERR_PARSE, 2, 4, "value", "'abc' is not a number");
        expect_reader_error("lead_id,event,timestamp,value\nA,x,2024-03-10,inf\n", live,
                            LS_ERR_PARSE, 2, 4, "value", "not a finite number");
        expect_reader_error("lead_id,event,timestamp\nA,,2024-03-10\n", live, LS_ERR_PARSE, 2, 2,
                            "event", "empty event name");
        expect_reader_error("lead_id,event,timestamp\nA,x,2024-03-10\n\nA,x\n", live, LS_ERR_PARSE,
                            4, 3, "timestamp", "expected 3 fields");
        expect_reader_error("lead,event,timestamp\nA,x,2024-03-10\n", live, LS_ERR_NOTFOUND, 1, 0,
                            NULL, "no lead column 'lead_id'");
        expect_reader_error("lead_id,event,when\nA,x,2024-03-10\n", live, LS_ERR_NOTFOUND, 1, 0,
                            NULL, "no time column 'timestamp'");
    }
}

/* Both readers give the same events; quoted fields, CRLF and ';' work. */
static void test_reader_modes_agree(void **state)
{
    (void)state;
    const char *csv = "\xEF\xBB\xBFlead_id;event;timestamp;value\r\n"
                      "\"L;1\";\"say \"\"hi\"\"\";2024-03-10T01:02:03+01:00;1.5\r\n"
                      "L2;x;2024-03-10;\r\n"
                      "\r\n"
                      ";anon;2024-03-11;2\r\n";
    const char *path = ls_test_write_temp(csv, strlen(csv));
    for (int live = 0; live <= 1; live++) {
        ls_events_options o;
        ls_events_options_init(&o);
        o.live = live;
        ls_event_reader *r = NULL;
        ls_error err;
        assert_int_equal(ls_events_open(path, &o, &r, &err), LS_OK);
        ls_event ev;
        int has;
        assert_int_equal(ls_events_next(r, &ev, &has, &err), LS_OK);
        assert_true(has);
        assert_string_equal(ev.lead, "L;1");
        assert_string_equal(ev.name, "say \"hi\"");
        assert_int_equal(ev.time, US(T_2024_03_10 + 2 * 60 + 3));
        assert_close(ev.value, 1.5, 0, 0);
        assert_int_equal(ev.line, 2);
        assert_int_equal(ls_events_next(r, &ev, &has, &err), LS_OK);
        assert_string_equal(ev.lead, "L2");
        assert_true(isnan(ev.value));
        assert_int_equal(ls_events_next(r, &ev, &has, &err), LS_OK);
        assert_true(has);
        assert_string_equal(ev.lead, "");
        assert_int_equal(ev.line, 5);
        assert_int_equal(ls_events_next(r, &ev, &has, &err), LS_OK);
        assert_false(has);
        ls_events_free(r);
    }
}

/* ---- spec errors ----------------------------------------------------------------------- */

static void expect_spec_error(const char *text, size_t line, const char *why)
{
    ls_features *f = NULL;
    ls_error err;
    ls_error_clear(&err);
    ls_status st = ls_features_parse(text, "spec.ini", &f, &err);
    ls_features_free(f);
    if (st == LS_OK || err.line != line || !strstr(err.message, why)) {
        print_error("got %d at line %zu '%s', expected line %zu '%s'\n", st, err.line, err.message,
                    line, why);
        fail();
    }
}

static void test_spec_errors(void **state)
{
    (void)state;
    expect_spec_error("[leadscore]\ntarget = y\n", 0, "no [feature] sections");
    expect_spec_error("[feature]\nname = a\n", 1, "kind is required");
    expect_spec_error("[feature]\nname = a\nkind = counts\n", 3, "unknown kind 'counts'");
    expect_spec_error("[feature]\nname = a\nkind = recency\nwindow = 7d\n", 1,
                      "window does not apply to recency");
    expect_spec_error("[feature]\nname = a\nkind = count\nwindow = 7.5d\n", 4,
                      "whole number of days");
    expect_spec_error("[feature]\nname = a\nkind = count\nwindow = seven\n", 4, "not a duration");
    expect_spec_error("[feature]\nname = a\nkind = decayed_count\n", 1,
                      "needs half_life or lifespan");
    expect_spec_error("[feature]\nname = a\nkind = decayed_count\nhalf_life = 7d\nlifespan = 9d\n",
                      5, "not both");
    expect_spec_error("[feature]\nname = a\nkind = active_days\n", 1, "needs a window");
    expect_spec_error("[feature]\nkind = count\n", 2, "start with 'name = NAME'");
    expect_spec_error("[feature]\nname = a b\n", 2, "letters, digits");
    expect_spec_error("[feature]\nname = a\nkind = count\n[feature]\nname = a\n", 5,
                      "defined twice");
    expect_spec_error("[feature]\nname = a\nkind = count\n[feature]\nkind = sum\n", 0,
                      "start every [feature] section");
    expect_spec_error("[feature]\nname = a\nkind = count\nwindows = 7d\n", 4,
                      "unknown key 'windows'");
    expect_spec_error("[events]\nlead = id\n[feature]\nname = a\nkind = count\n", 2,
                      "[events]: unknown key 'lead'");
    expect_spec_error("[feature]\nname = a\nkind = count\nwindow = 7d, 7d\n", 4, "listed twice");

    /* Output names: one window keeps the name; several get a suffix each. */
    ls_features *f = NULL;
    ls_error err;
    assert_int_equal(ls_features_parse("[leadscore]\ntarget = y\n[criterion]\ncolumn = x\n"
                                       "[feature]\nname = s\nkind = count\nwindow = 90d, 7d,\n"
                                       "  30d\n[feature]\nname = p\nkind = decayed_count\n"
                                       "half_life = 12h\n",
                                       "spec.ini", &f, &err),
                     LS_OK);
    assert_int_equal(ls_features_count(f), 4);
    assert_string_equal(ls_features_name(f, 0), "s_7d");
    assert_string_equal(ls_features_name(f, 1), "s_30d");
    assert_string_equal(ls_features_name(f, 2), "s_90d");
    assert_string_equal(ls_features_name(f, 3), "p");
    ls_features_free(f);
}

/* ---- window and decay arithmetic, by hand ---------------------------------------------- */

static const char hand_spec[] = "[events]\n"
                                "leads_id = id\n"
                                "[feature]\n"
                                "name = sessions\n"
                                "kind = count\n"
                                "events = session\n"
                                "window = 7d, 30d, 90d\n"
                                "[feature]\n"
                                "name = sessions_all\n"
                                "kind = count\n"
                                "events = session\n"
                                "[feature]\n"
                                "name = pricing_exp\n"
                                "kind = decayed_count\n"
                                "events = pricing_view\n"
                                "half_life = 7d, 14d\n"
                                "[feature]\n"
                                "name = pricing_lin\n"
                                "kind = decayed_count\n"
                                "events = pricing_view\n"
                                "lifespan = 10d\n"
                                "[feature]\n"
                                "name = adopted\n"
                                "kind = distinct\n"
                                "prefix = feature_\n"
                                "window = 7d, 3650d\n"
                                "[feature]\n"
                                "name = minutes\n"
                                "kind = sum\n"
                                "events = app_time\n"
                                "window = 7d\n"
                                "[feature]\n"
                                "name = minutes_all\n"
                                "kind = sum\n"
                                "events = app_time\n"
                                "[feature]\n"
                                "name = minutes_mean\n"
                                "kind = mean\n"
                                "events = app_time\n"
                                "[feature]\n"
                                "name = value_decay\n"
                                "kind = decayed_sum\n"
                                "events = app_time\n"
                                "half_life = 1d\n"
                                "[feature]\n"
                                "name = last_seen\n"
                                "kind = recency\n"
                                "cap = 90d\n"
                                "[feature]\n"
                                "name = active\n"
                                "kind = active_days\n"
                                "window = 7d\n"
                                "[feature]\n"
                                "name = session_days\n"
                                "kind = active_days\n"
                                "events = session\n"
                                "window = 7d\n"
                                "[feature]\n"
                                "name = trend\n"
                                "kind = trend\n"
                                "events = session\n";

/* Snapshot 2024-03-10T00:00Z; k = whole days before 2024-03-09 (the day of
 * the last instant before the snapshot). */
static const char hand_events[] =
    "lead_id,event,timestamp,value\n"
    "A,session,2024-03-09T12:00:00Z,\n"              /* k = 0, age 0.5 d */
    "A,session,2024-03-10T00:00:00Z,\n"              /* at the snapshot: left out */
    "A,session,2024-03-08T00:00:00Z,\n"              /* k = 1 */
    "A,session,2024-03-03T06:00:00Z,\n"              /* k = 6 */
    "A,session,2024-03-02T23:59:59Z,\n"              /* k = 7 */
    "A,session,2024-02-01,\n"                        /* k = 38 */
    "A,pricing_view,2024-03-03T00:00:00Z,\n"         /* age exactly 7 d, k = 6 */
    "A,feature_reports,2024-03-05T10:00:00+02:00,\n" /* 08:00Z, k = 4 */
    "A,feature_api,2024-02-20,\n"                    /* k = 18 */
    "A,feature_reports,2024-03-09,\n"                /* k = 0 */
    "A,app_time,2024-03-09T01:00:00Z,30\n"           /* k = 0, age 23 h */
    "A,app_time,2024-03-01,10\n"                     /* k = 8 */
    "A,app_time,2024-03-08,\n"                       /* no value: not in sums or means */
    "A,purchase,2024-03-11,100\n"                    /* after the snapshot */
    "Z,session,2024-03-09,\n";                       /* not a lead in the file */

static void derive_hand(double *a, double *b, ls_derive_stats *stats)
{
    ls_features *f = NULL;
    ls_error err;
    ls_error_clear(&err);
    assert_int_equal(ls_features_parse(hand_spec, "hand.ini", &f, &err), LS_OK);
    const char *leads_csv = "id,segment\nA,smb\nB,ent\n";
    const char *leads_path = ls_test_write_temp(leads_csv, strlen(leads_csv));
    const char *events_path = ls_test_write_temp(hand_events, strlen(hand_events));
    ls_leads_options lo;
    memset(&lo, 0, sizeof lo);
    lo.id_column = ls_features_leads_id(f);
    lo.as_of = US(T_2024_03_10);
    lo.need_snapshot = 1;
    ls_leads leads;
    assert_int_equal(ls_leads_read(leads_path, &lo, &leads, &err), LS_OK);
    ls_usage *u = NULL;
    assert_int_equal(ls_usage_new(f, &leads, &u, &err), LS_OK);
    assert_int_equal(ls_usage_read(u, events_path, &err), LS_OK);
    ls_usage_values(u, 0, a);
    ls_usage_values(u, 1, b);
    ls_usage_stats(u, stats);
    ls_usage_free(u);
    ls_leads_release(&leads);
    ls_features_free(f);
}

static void test_window_and_decay_arithmetic(void **state)
{
    (void)state;
    double a[32], b[32];
    ls_derive_stats stats;
    derive_hand(a, b, &stats);
    int i = 0;
    assert_close(a[i++], 3, 0, 0);                       /* sessions_7d: k = 0, 1, 6 */
    assert_close(a[i++], 4, 0, 0);                       /* sessions_30d: + k = 7 */
    assert_close(a[i++], 5, 0, 0);                       /* sessions_90d: + k = 38 */
    assert_close(a[i++], 5, 0, 0);                       /* sessions_all */
    assert_close(a[i++], 0.5, 1e-15, 0);                 /* pricing_exp_7d: age = one half-life */
    assert_close(a[i++], sqrt(0.5), 1e-15, 0);           /* pricing_exp_14d: half a half-life */
    assert_close(a[i++], (10.0 - 6.0) / 10.0, 1e-15, 0); /* pricing_lin: day 6 of 10 */
    assert_close(a[i++], 1, 0, 0);                       /* adopted_7d: feature_reports */
    assert_close(a[i++], 2, 0, 0);                       /* adopted_3650d: + feature_api */
    assert_close(a[i++], 30, 0, 0);                      /* minutes (7d) */
    assert_close(a[i++], 40, 0, 0);                      /* minutes_all */
    assert_close(a[i++], 20, 0, 0);                      /* minutes_mean: (30 + 10) / 2 */
    /* value_decay: 30·2^(-23/24) + 10·2^(-9) (2024-03-01 is 9 days before). */
    assert_close(a[i++], 30 * exp2(-23.0 / 24.0) + 10 * exp2(-9.0), 1e-14, 0);
    assert_close(a[i++], 0.5, 1e-15, 0);                /* last_seen: 2024-03-09T12:00Z */
    assert_close(a[i++], 4, 0, 0);                      /* active: days k = 0, 1, 4, 6 */
    assert_close(a[i++], 3, 0, 0);                      /* session_days: k = 0, 1, 6 */
    assert_close(a[i++], 3 - 1 * 7.0 / 21.0, 1e-15, 0); /* trend: 3 recent, 1 in the 21 before */
    /* A lead without events: zeros, recency at its cap. */
    for (int k = 0; k < i; k++)
        assert_close(b[k], k == 13 ? 90 : 0, 0, 0);
    assert_int_equal(stats.events, 15);
    assert_int_equal(stats.unknown_lead, 1);
    assert_int_equal(stats.after_snapshot, 2);
    assert_int_equal(stats.leads_with_events, 1);
}

/* The file written by ls_features_derive: leads columns, then features. */
static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
    text[n] = '\0';
    fclose(fp);
    return text;
}

static void test_derive_writes_joined_file(void **state)
{
    (void)state;
    ls_features *f = NULL;
    ls_error err;
    ls_error_clear(&err);
    assert_int_equal(ls_features_parse(hand_spec, "hand.ini", &f, &err), LS_OK);
    const char *leads_csv = "id,segment\nA,\"smb, west\"\nB,ent\n";
    const char *leads_path = ls_test_write_temp(leads_csv, strlen(leads_csv));
    const char *events_path = ls_test_write_temp(hand_events, strlen(hand_events));
    char out[64];
    snprintf(out, sizeof out, "%s.out", events_path);
    ls_derive_options o;
    ls_derive_options_init(&o);
    o.leads_path = leads_path;
    o.events_path = events_path;
    o.out_path = out;
    assert_int_equal(ls_features_derive(f, &o, NULL, &err), LS_ERR_USAGE); /* no snapshot */
    assert_non_null(strstr(err.message, "--as-of"));
    o.as_of = US(T_2024_03_10);
    assert_int_equal(ls_features_derive(f, &o, NULL, &err), LS_OK);
    char *text = read_text(out);
    const char *expect =
        "id,segment,sessions_7d,sessions_30d,sessions_90d,sessions_all,pricing_exp_7d,"
        "pricing_exp_14d,pricing_lin,adopted_7d,adopted_3650d,minutes,minutes_all,minutes_mean,"
        "value_decay,last_seen,active,session_days,trend\n"
        "A,\"smb, west\",3,4,5,5,0.5,0.707107,0.4,1,2,30,40,20,15.459065,0.5,4,3,2.666667\n"
        "B,ent,0,0,0,0,0,0,0,0,0,0,0,0,0,90,0,0,0\n";
    assert_string_equal(text, expect);
    free(text);
    remove(out);
    ls_features_free(f);
}

/* ---- no leakage --------------------------------------------------------------------------- */

/* Leads with their own label dates; converted leads buy (and keep browsing
 * pricing) right after their label date. Those later events would predict
 * conversion perfectly. */
static void write_leakage_data(const char *leads_path, const char *all_path,
                               const char *before_path, size_t n)
{
    FILE *leads = fopen(leads_path, "w"), *all = fopen(all_path, "w"),
         *before = fopen(before_path, "w");
    assert_true(leads && all && before);
    fputs("lead_id,label_date,converted\n", leads);
    fputs("lead_id,event,timestamp,value\n", all);
    fputs("lead_id,event,timestamp,value\n", before);
    uint64_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int64_t label = US(T_2024_03_10) + (int64_t)((x >> 33) % 200) * LS_TIME_DAY;
        int converted = (int)((x >> 20) % 3 == 0);
        char date[40], ts[40];
        ls_time_format(label, 1, date, sizeof date);
        fprintf(leads, "L%zu,%s,%d\n", i, date, converted);
        int views = (int)((x >> 40) % 6) + converted; /* a weak real signal */
        for (int v = 0; v < views; v++) {
            int64_t t = label - (int64_t)(((x >> (v * 5)) % 600) + 1) * 3600 * LS_TIME_SECOND;
            ls_time_format(t, 0, ts, sizeof ts);
            fprintf(all, "L%zu,pricing_view,%s,\n", i, ts);
            fprintf(before, "L%zu,pricing_view,%s,\n", i, ts);
        }
        if (converted) {
            /* At the label instant itself and after it: never to be seen. */
            ls_time_format(label, 0, ts, sizeof ts);
            fprintf(all, "L%zu,purchase,%s,990\n", i, ts);
            for (int v = 1; v <= 5; v++) {
                ls_time_format(label + v * 3600 * LS_TIME_SECOND, 0, ts, sizeof ts);
                fprintf(all, "L%zu,pricing_view,%s,\n", i, ts);
                fprintf(all, "L%zu,purchase,%s,99\n", i, ts);
            }
        }
    }
    fclose(leads);
    fclose(all);
    fclose(before);
}

static const char leak_spec[] = "[events]\nlabel_date = label_date\n"
                                "[feature]\nname = purchases\nkind = count\nevents = purchase\n"
                                "[feature]\nname = spend\nkind = sum\nevents = purchase\n"
                                "[feature]\nname = pricing\nkind = count\nevents = pricing_view\n"
                                "window = 7d, 30d\n"
                                "[feature]\nname = pricing_decay\nkind = decayed_count\n"
                                "events = pricing_view\nhalf_life = 3d\n"
                                "[feature]\nname = last_seen\nkind = recency\n";

/* Reads the feature columns (after the leads' three) of a derived file. */
static size_t read_design(const char *path, double *X, double *y, size_t n, size_t p)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[4096];
    assert_non_null(fgets(line, sizeof line, fp));
    size_t rows = 0;
    while (fgets(line, sizeof line, fp) && rows < n) {
        char *save = NULL, *tok = strtok_r(line, ",\n", &save);
        for (int c = 0; tok && c < 2; c++)
            tok = strtok_r(NULL, ",\n", &save);
        y[rows] = atof(tok);
        for (size_t j = 0; j < p; j++) {
            tok = strtok_r(NULL, ",\n", &save);
            assert_non_null(tok);
            X[j * n + rows] = atof(tok);
        }
        rows++;
    }
    fclose(fp);
    return rows;
}

static void test_no_leakage(void **state)
{
    (void)state;
    char dir[] = "/tmp/ls_leak_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char leads[128], all[128], before[128], out_all[128], out_before[128], out_leaky[128];
    snprintf(leads, sizeof leads, "%s/leads.csv", dir);
    snprintf(all, sizeof all, "%s/all.csv", dir);
    snprintf(before, sizeof before, "%s/before.csv", dir);
    snprintf(out_all, sizeof out_all, "%s/f_all.csv", dir);
    snprintf(out_before, sizeof out_before, "%s/f_before.csv", dir);
    snprintf(out_leaky, sizeof out_leaky, "%s/f_leaky.csv", dir);
    const size_t n = 600;
    write_leakage_data(leads, all, before, n);

    ls_features *f = NULL;
    ls_error err;
    ls_error_clear(&err);
    assert_int_equal(ls_features_parse(leak_spec, "leak.ini", &f, &err), LS_OK);
    ls_derive_options o;
    ls_derive_options_init(&o);
    o.leads_path = leads;
    o.label_date = "label_date";
    ls_derive_stats s_all, s_before;
    o.events_path = all;
    o.out_path = out_all;
    assert_int_equal(ls_features_derive(f, &o, &s_all, &err), LS_OK);
    o.events_path = before;
    o.out_path = out_before;
    assert_int_equal(ls_features_derive(f, &o, &s_before, &err), LS_OK);

    /* 1. The features are byte-for-byte those computed without the later events. */
    char *a = read_text(out_all), *b = read_text(out_before);
    assert_string_equal(a, b);
    free(a);
    free(b);
    assert_true(s_all.after_snapshot > 0);
    assert_int_equal(s_before.after_snapshot, 0);
    assert_int_equal(s_all.used, s_before.used);

    /* 2. So the fit is the same and shows no separation; had the snapshot been
     * ignored (everything as of a later date), purchases would separate. */
    const size_t p = 6;
    double *X = calloc(n * p, sizeof *X), *y = calloc(n, sizeof *y);
    assert_int_equal(read_design(out_all, X, y, n, p), n);
    for (size_t i = 0; i < 2 * n; i++)
        assert_close(X[i], 0, 0, 0); /* purchases and spend: never before a label date */
    ls_fit_result res;
    memset(&res, 0, sizeof res);
    ls_status st = ls_logit_fit(X + 2 * n, n, p - 2, y, NULL, NULL, NULL, &res, &err);
    assert_int_equal(st, LS_OK);
    assert_true(res.converged);
    assert_true(res.auc < 0.9);
    ls_fit_result_release(&res);

    o.label_date = NULL;
    o.as_of = US(T_2024_03_10) + 400 * LS_TIME_DAY;
    o.events_path = all;
    o.out_path = out_leaky;
    ls_features *g = NULL;
    assert_int_equal(ls_features_parse(leak_spec + strlen("[events]\nlabel_date = label_date\n"),
                                       "leak.ini", &g, &err),
                     LS_OK);
    assert_int_equal(ls_features_derive(g, &o, NULL, &err), LS_OK);
    assert_int_equal(read_design(out_leaky, X, y, n, p), n);
    for (size_t i = 0; i < n; i++)
        assert_true((X[i] > 0) == (y[i] > 0.5)); /* purchases = converted, exactly */
    memset(&res, 0, sizeof res);
    st = ls_logit_fit(X, n, 1, y, NULL, NULL, NULL, &res, &err);
    assert_int_equal(st, LS_ERR_SEPARATION);
    ls_fit_result_release(&res);

    free(X);
    free(y);
    ls_features_free(f);
    ls_features_free(g);
    remove(leads);
    remove(all);
    remove(before);
    remove(out_all);
    remove(out_before);
    remove(out_leaky);
    rmdir(dir);
}

/* The label date column must parse; an empty one needs --as-of to fall back on. */
static void test_label_date_errors(void **state)
{
    (void)state;
    ls_features *f = NULL;
    ls_error err;
    assert_int_equal(ls_features_parse(leak_spec, "leak.ini", &f, &err), LS_OK);
    const char *leads_csv = "lead_id,label_date,converted\nA,2024-03-01,1\nB,2024-02-30,0\n";
    const char *events_csv = "lead_id,event,timestamp\nA,x,2024-01-01\n";
    ls_derive_options o;
    ls_derive_options_init(&o);
    o.leads_path = ls_test_write_temp(leads_csv, strlen(leads_csv));
    o.events_path = ls_test_write_temp(events_csv, strlen(events_csv));
    o.out_path = "/tmp/ls_test_never_written.csv";
    o.label_date = "label_date";
    ls_error_clear(&err);
    assert_int_equal(ls_features_derive(f, &o, NULL, &err), LS_ERR_PARSE);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column_index, 2);
    assert_string_equal(err.column, "label_date");
    assert_non_null(strstr(err.message, "no such day"));

    leads_csv = "lead_id,label_date,converted\nA,2024-03-01,1\nB,,0\n";
    o.leads_path = ls_test_write_temp(leads_csv, strlen(leads_csv));
    assert_int_equal(ls_features_derive(f, &o, NULL, &err), LS_ERR_DATA);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "empty label date"));
    o.as_of = US(T_2024_03_10);
    o.out_path = ls_test_write_temp("", 0);
    assert_int_equal(ls_features_derive(f, &o, NULL, &err), LS_OK);
    ls_features_free(f);
}

/* ---- live state equals batch, for every kind ------------------------------------------------ */

static const char every_kind_spec[] = "[feature]\nname = c\nkind = count\nwindow = 1d, 7d, 30d\n"
                                      "[feature]\nname = c_all\nkind = count\nevents = a, b\n"
                                      "[feature]\nname = s\nkind = sum\nwindow = 7d\n"
                                      "[feature]\nname = s_all\nkind = sum\n"
                                      "[feature]\nname = m\nkind = mean\nwindow = 30d\n"
                                      "[feature]\nname = m_all\nkind = mean\nevents = b\n"
                                      "[feature]\nname = d\nkind = distinct\nprefix = f_\n"
                                      "window = 7d, 60d\n"
                                      "[feature]\nname = d_all\nkind = distinct\n"
                                      "[feature]\nname = r\nkind = recency\ncap = 45d\n"
                                      "[feature]\nname = ad\nkind = active_days\n"
                                      "window = 7d, 30d\n"
                                      "[feature]\nname = t\nkind = trend\nevents = a\n"
                                      "[feature]\nname = t2\nkind = trend\nrecent = 3d\n"
                                      "baseline = 10d\n"
                                      "[feature]\nname = e\nkind = decayed_count\n"
                                      "half_life = 7d, 12h\n"
                                      "[feature]\nname = ev\nkind = decayed_sum\nevents = b\n"
                                      "half_life = 3d\n"
                                      "[feature]\nname = l\nkind = decayed_count\n"
                                      "lifespan = 10d, 30d\n"
                                      "[feature]\nname = lv\nkind = decayed_sum\nlifespan = 14d\n";

/* After every k-th event of a shuffled stream (late events included), the
 * watch's features equal a batch derivation of the same events as of its
 * clock + 1 µs. */
static void test_watch_state_matches_batch(void **state)
{
    (void)state;
    enum { LEADS = 6, EVENTS = 3000 };
    /* 12 names: more than a distinct feature's first 8 slots, so the live
     * state is re-laid out mid-stream. */
    static const char *const names[] = {"a",   "b",   "f_1", "f_2", "f_3", "f_4",
                                        "f_5", "f_6", "f_7", "f_8", "f_9", "other"};
    ls_event *evs = calloc(EVENTS, sizeof *evs);
    char(*ids)[8] = calloc(EVENTS, sizeof *ids);
    assert_true(evs && ids);
    uint64_t x = 99;
    int64_t base = US(T_2024_03_10);
    for (size_t i = 0; i < EVENTS; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        snprintf(ids[i], sizeof ids[i], "L%d", (int)((x >> 33) % LEADS) + (i % 97 == 0 ? 10 : 0));
        evs[i].lead = ids[i];
        evs[i].lead_len = strlen(ids[i]);
        evs[i].name = names[(x >> 20) % 12];
        evs[i].name_len = strlen(evs[i].name);
        /* Mostly forward in time over 120 days; one event in five is up to 40 days late. */
        int64_t t = base + (int64_t)i * 120 * LS_TIME_DAY / EVENTS;
        if ((x >> 40) % 5 == 0)
            t -= (int64_t)((x >> 12) % (40 * 86400)) * LS_TIME_SECOND;
        evs[i].time = t + (int64_t)((x >> 45) % 1000000);
        evs[i].value = (x >> 50) % 4 == 0 ? NAN : (double)((x >> 30) % 1000) / 8;
        evs[i].line = i + 2;
    }
    ls_features *f = NULL;
    ls_error err;
    ls_error_clear(&err);
    assert_int_equal(ls_features_parse(every_kind_spec, "kinds.ini", &f, &err), LS_OK);
    const char *leads_csv = "lead_id,segment\nL0,smb\nL1,mid\nL2,smb\nL3,ent\nL4,smb\nL5,mid\n";
    const char *leads_path = ls_test_write_temp(leads_csv, strlen(leads_csv));
    const char *model_csv = "criterion,condition,points,label\nsegment,= smb,1,SMB\n";
    const char *model_path = ls_test_write_temp(model_csv, strlen(model_csv));
    char model_file[128];
    snprintf(model_file, sizeof model_file, "%s.csv", model_path);
    assert_int_equal(rename(model_path, model_file), 0);
    ls_model *model = NULL;
    assert_int_equal(ls_model_load(model_file, &model, &err), LS_OK);
    ls_watch *w = NULL;
    assert_int_equal(ls_watch_new(model, f, leads_path, NULL, NULL, NULL, &w, &err), LS_OK);
    assert_int_equal(ls_watch_start(w, &err), LS_OK);

    size_t n_out = ls_features_count(f), checks = 0;
    double live[64], batch[64];
    int64_t clock = LS_TIME_NONE;
    for (size_t k = 0; k < EVENTS; k++) {
        assert_int_equal(ls_watch_event(w, &evs[k], &err), LS_OK);
        if (clock == LS_TIME_NONE || evs[k].time > clock)
            clock = evs[k].time;
        if (k % 250 != 249 && k != EVENTS - 1)
            continue;
        ls_leads_options lo;
        memset(&lo, 0, sizeof lo);
        lo.id_column = "lead_id";
        lo.as_of = clock + 1;
        lo.need_snapshot = 1;
        ls_leads leads;
        assert_int_equal(ls_leads_read(leads_path, &lo, &leads, &err), LS_OK);
        ls_usage *u = NULL;
        assert_int_equal(ls_usage_new(f, &leads, &u, &err), LS_OK);
        for (size_t i = 0; i <= k; i++)
            assert_int_equal(ls_usage_add(u, &evs[i], &err), LS_OK);
        for (size_t r = 0; r < LEADS; r++) {
            ls_watch_feature_values(w, r, live);
            ls_usage_values(u, r, batch);
            for (size_t j = 0; j < n_out; j++) {
                if (fabs(live[j] - batch[j]) > 1e-9 * fabs(batch[j]) + 1e-12) {
                    print_error("after %zu events, lead %zu, %s: watch %.17g, batch %.17g\n", k + 1,
                                r, ls_features_name(f, j), live[j], batch[j]);
                    fail();
                }
                checks += batch[j] != 0;
            }
        }
        ls_usage_free(u);
        ls_leads_release(&leads);
    }
    assert_true(checks > 1000); /* the comparisons were not all of zeros */
    ls_watch_stats st;
    ls_watch_get_stats(w, &st);
    assert_int_equal(st.events, EVENTS);
    assert_true(st.unknown_lead > 0);
    ls_watch_free(w);
    ls_model_free(model);
    ls_features_free(f);
    remove(model_file);
    free(evs);
    free(ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse_valid),
        cmocka_unit_test(test_time_parse_invalid),
        cmocka_unit_test(test_time_format_and_durations),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_reader_modes_agree),
        cmocka_unit_test(test_spec_errors),
        cmocka_unit_test(test_window_and_decay_arithmetic),
        cmocka_unit_test(test_derive_writes_joined_file),
        cmocka_unit_test(test_no_leakage),
        cmocka_unit_test(test_label_date_errors),
        cmocka_unit_test(test_watch_state_matches_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
