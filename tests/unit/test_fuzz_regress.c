/* Fuzz findings, fixed: each test fails without its fix. The inputs the
 * fuzzer found are also regression seeds under tests/fuzz/corpus/.
 *   - a model file whose criterion repeats a condition (model_json.c)
 *   - a model file with an empty id column (model_json.c)
 *   - a model file comparing with the empty value, which is missing
 *     (model_json.c: the points table export could not be read back)
 *   - live mode (watch) and file mode reading different events (events.c)
 *   - timestamps an offset pushes outside years 0000..9999 (events.c)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadscore/events.h"
#include "model_internal.h"

/* ---- model file: a criterion may not repeat a condition ---------------------- */

/* A hand-written model with one criterion; crit is its JSON object. */
static ls_status load_model(const char *crit, ls_error *err)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"format_version\": 1, \"kind\": \"hand-written\", \"criteria\": [%s],"
             " \"coefficients\": [], \"points\": {\"scale\": \"none\", \"factor\": 1,"
             " \"base_points\": 0, \"budget\": 0, \"pdo\": 0, \"base_score\": 0,"
             " \"base_odds\": 0, \"round_to\": 1, \"probability_offset\": 0}}",
             crit);
    ls_model *m = NULL;
    ls_error_clear(err);
    ls_status st = ls_model_from_json(json, strlen(json), "m.json", &m, err);
    ls_model_free(m);
    return st;
}

static void test_model_repeated_condition(void **state)
{
    (void)state;
    ls_error err;
    assert_int_equal(
        load_model("{\"column\": \"title\", \"kind\": \"rules\", \"rules\": ["
                   "{\"condition\": \"equals\", \"values\": [\"Exec\"], \"points\": 10},"
                   "{\"condition\": \"equals\", \"values\": [\"Exec\"], \"points\": 3}]}",
                   &err),
        LS_ERR_MODEL);
    assert_non_null(strstr(err.message, "criteria[0].rules[1].condition: the condition '= Exec' "
                                        "repeats rules[0]"));
    /* two missing rules, two ranges alike */
    assert_int_equal(load_model("{\"column\": \"n\", \"kind\": \"rules\", \"rules\": ["
                                "{\"condition\": \"missing\", \"points\": 1},"
                                "{\"condition\": \"missing\", \"points\": 2}]}",
                                &err),
                     LS_ERR_MODEL);
    assert_non_null(strstr(err.message, "repeats"));
    assert_int_equal(load_model("{\"column\": \"n\", \"kind\": \"banded\", \"rules\": ["
                                "{\"condition\": \"range\", \"lo\": 1, \"hi\": 5, \"points\": 1},"
                                "{\"condition\": \"range\", \"lo\": 1, \"hi\": 5, \"points\": 2}]}",
                                &err),
                     LS_ERR_MODEL);
    /* a categorical's reference level is written as a row of its own */
    assert_int_equal(
        load_model("{\"column\": \"src\", \"kind\": \"categorical\", \"reference\":"
                   " \"web\", \"rules\": ["
                   "{\"condition\": \"equals\", \"values\": [\"web\"], \"points\": 4}]}",
                   &err),
        LS_ERR_MODEL);
    assert_non_null(strstr(err.message, "criteria[0].reference"));
    /* distinct conditions, and "= 1" next to "== 1", are fine */
    assert_int_equal(
        load_model("{\"column\": \"title\", \"kind\": \"rules\", \"rules\": ["
                   "{\"condition\": \"equals\", \"values\": [\"1\"], \"points\": 10},"
                   "{\"condition\": \"in\", \"values\": [\"1\"], \"points\": 10},"
                   "{\"condition\": \"equals\", \"values\": [\"Exec \"], \"points\": 1},"
                   "{\"condition\": \"missing\", \"points\": 1}]}",
                   &err),
        LS_OK);
    assert_int_equal(load_model("{\"column\": \"src\", \"kind\": \"categorical\", \"reference\":"
                                " \"web\", \"rules\": ["
                                "{\"condition\": \"equals\", \"values\": [\"ads\"], \"points\": 4},"
                                "{\"condition\": \"other\", \"values\": [\"x\"], \"points\": 1}]}",
                                &err),
                     LS_OK);
}

/* id_columns and missing_tokens as the points table takes them. */
/* The empty value is always missing: a rule comparing with it could never
 * match, and its points-table export ('= ""') did not read back. */
static void test_model_empty_values(void **state)
{
    (void)state;
    ls_error err;
    assert_int_equal(load_model("{\"column\": \"country\", \"kind\": \"categorical\", \"rules\": ["
                                "{\"condition\": \"equals\", \"values\": [\"\"], \"points\": 1}]}",
                                &err),
                     LS_ERR_MODEL);
    assert_non_null(strstr(err.message, "criteria[0].rules[0].values: an empty value is missing"));
    assert_int_equal(
        load_model("{\"column\": \"t\", \"kind\": \"rules\", \"rules\": ["
                   "{\"condition\": \"in\", \"values\": [\"a\", \"\"], \"points\": 1}]}",
                   &err),
        LS_ERR_MODEL);
    assert_non_null(strstr(err.message, "rules[0].values: an empty value is missing"));
    assert_int_equal(load_model("{\"column\": \"country\", \"kind\": \"categorical\", "
                                "\"reference\": \"\", \"rules\": []}",
                                &err),
                     LS_ERR_MODEL);
    assert_non_null(strstr(err.message, "criteria[0].reference: an empty value is missing"));
    /* what the export writes for a real level still loads */
    assert_int_equal(
        load_model("{\"column\": \"country\", \"kind\": \"categorical\", "
                   "\"reference\": \"India\", \"rules\": ["
                   "{\"condition\": \"equals\", \"values\": [\"Brazil\"], \"points\": 1}]}",
                   &err),
        LS_OK);
}

static void test_model_id_and_missing_lists(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"\"id_columns\": [\"\"]", "id_columns[0]: must not be empty"},
        {"\"id_columns\": [\"id\", \"id\"]", "id_columns[1]: 'id' is listed twice"},
        {"\"missing_tokens\": [\"NA\", \"\", \"NA\"]", "missing_tokens[2]: 'NA' is listed twice"},
        {"\"id_columns\": [\"id\", \"id2\"], \"missing_tokens\": [\"\", \"NA\"]", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"format_version\": 1, \"kind\": \"hand-written\", %s, \"criteria\": [],"
                 " \"coefficients\": [], \"points\": {\"scale\": \"none\", \"factor\": 1,"
                 " \"base_points\": 0, \"budget\": 0, \"pdo\": 0, \"base_score\": 0,"
                 " \"base_odds\": 0, \"round_to\": 1, \"probability_offset\": 0}}",
                 cases[i][0]);
        ls_model *m = NULL;
        ls_error err;
        ls_error_clear(&err);
        ls_status st = ls_model_from_json(json, strlen(json), "m.json", &m, &err);
        ls_model_free(m);
        if (!cases[i][1]) {
            assert_int_equal(st, LS_OK);
            continue;
        }
        assert_int_equal(st, LS_ERR_MODEL);
        assert_non_null(strstr(err.message, cases[i][1]));
    }
}

/* ---- events: live mode reads what file mode reads ----------------------------- */

typedef struct {
    char lead[32], name[32];
    int64_t time;
    double value;
} ev_copy;

/* Reads every event of path in one mode; returns the status that ended it. */
static ls_status read_all(const char *path, int live, ev_copy *out, size_t cap, size_t *n,
                          ls_error *err)
{
    ls_events_options o;
    ls_events_options_init(&o);
    o.live = live;
    ls_event_reader *r = NULL;
    ls_error_clear(err);
    *n = 0;
    ls_status st = ls_events_open(path, &o, &r, err);
    while (st == LS_OK) {
        ls_event ev;
        int has = 0;
        st = ls_events_next(r, &ev, &has, err);
        if (st != LS_OK || !has)
            break;
        assert_true(*n < cap);
        snprintf(out[*n].lead, sizeof out[*n].lead, "%s", ev.lead);
        snprintf(out[*n].name, sizeof out[*n].name, "%s", ev.name);
        out[*n].time = ev.time;
        out[*n].value = ev.value;
        (*n)++;
    }
    ls_events_free(r);
    return st;
}

/* Both modes read text alike: the same status and the same events. */
static void assert_modes_agree(const char *text, size_t expect_events)
{
    const char *path = ls_test_write_temp(text, strlen(text));
    ev_copy a[16], b[16];
    size_t na, nb;
    ls_error ea, eb;
    ls_status sa = read_all(path, 0, a, 16, &na, &ea);
    ls_status sb = read_all(path, 1, b, 16, &nb, &eb);
    if (sa != sb)
        print_error("file mode: %d %s; live mode: %d %s\n", sa, ea.message, sb, eb.message);
    assert_int_equal(sa, sb);
    assert_int_equal(na, expect_events);
    assert_int_equal(nb, expect_events);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(a[i].lead, b[i].lead);
        assert_string_equal(a[i].name, b[i].name);
        assert_true(a[i].time == b[i].time);
        assert_true((isnan(a[i].value) && isnan(b[i].value)) || a[i].value == b[i].value);
    }
}

static void test_live_trims_blanks(void **state)
{
    (void)state;
    /* the fuzzer's two inputs */
    assert_modes_agree("lead_id,event,timestamp\n L1 ,view,2024-03-05\n", 1);
    assert_modes_agree("lead_id,event,timestamp\nL1,view,2024-03-05\n    \nL2,view,2024-03-06\n",
                       2);
    /* tabs and CR around fields, quoted fields with blanks outside the quotes */
    assert_modes_agree(" lead_id , event ,timestamp, value \r\n"
                       "\t\"L1\" ,\t view\t, 2024-03-05T10:00Z\r, 2.5 \r\n"
                       "\r\n \t \r\n"
                       "L2,\" a b \",2024-03-05,\n",
                       2);
    /* a tab-separated file: tabs are separators, spaces blanks */
    assert_modes_agree("lead_id\tevent\ttimestamp\n L1 \t view \t2024-03-05 \n  \n", 1);
    /* blank lines before the header, a header ending with a separator */
    assert_modes_agree("  \n\nlead_id;event;timestamp;\nL1;view;2024-03-05;\nL2;view;2024-03-05\n",
                       2);
}

static void test_live_refuses_what_file_mode_refuses(void **state)
{
    (void)state;
    static const char nul_value[] = "lead_id,event,timestamp,value\nL1,view,2024-03-05,1\0x\n";
    const char *path = ls_test_write_temp(nul_value, sizeof nul_value - 1);
    ev_copy ev[4];
    size_t n;
    ls_error err;
    for (int live = 0; live <= 1; live++) {
        assert_int_equal(read_all(path, live, ev, 4, &n, &err), LS_ERR_PARSE);
        assert_int_equal(n, 0);
        assert_int_equal(err.line, 2);
        assert_int_equal(err.column_index, 4);
        assert_non_null(strstr(err.message, "NUL byte"));
    }
    assert_modes_agree("lead_id,event,timestamp\nL1,view,2024-03-05,x\n", 0);
    assert_modes_agree("lead_id,event,timestamp,x\nL1,view,2024-03-05,\xff\n", 0);
    assert_modes_agree("lead_id,event,lead_id\nL1,view,2024-03-05\n", 0);
    assert_modes_agree("lead_id;event;timestamp;\nL1;view;2024-03-05;x\n", 0);
}

/* ---- time: instants outside years 0000..9999 ----------------------------------- */

static void test_time_range(void **state)
{
    (void)state;
    static const char *const ok[] = {"0000-01-01",
                                     "0000-01-01T00:30Z",
                                     "0000-01-01T01:30+01:00",
                                     "9999-12-31T23:59:59.999999Z",
                                     "9999-12-31T22:30-01:00",
                                     "1970-01-01"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t t = 0, back = 1;
        ls_error err;
        ls_error_clear(&err);
        assert_int_equal(ls_time_parse(ok[i], strlen(ok[i]), &t, &err), LS_OK);
        char buf[64];
        ls_time_format(t, 0, buf, sizeof buf);
        assert_int_equal(ls_time_parse(buf, strlen(buf), &back, &err), LS_OK);
        assert_true(back == t);
    }
    static const char *const bad[] = {"0000-01-01T00:30+01:00", "0000-01-01T00:00:00+00:01",
                                      "9999-12-31T23:30-01:00", "9999-12-31T23:59:59-00:01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 0;
        ls_error err;
        ls_error_clear(&err);
        assert_int_equal(ls_time_parse(bad[i], strlen(bad[i]), &t, &err), LS_ERR_PARSE);
        assert_non_null(strstr(err.message, "outside the supported range"));
    }
    /* in an events file, placed at its line and column */
    static const char text[] = "lead_id,event,timestamp\nL1,view,0000-01-01T00:30+01:00\n";
    const char *path = ls_test_write_temp(text, sizeof text - 1);
    for (int live = 0; live <= 1; live++) {
        ev_copy ev[2];
        size_t n;
        ls_error err;
        assert_int_equal(read_all(path, live, ev, 2, &n, &err), LS_ERR_PARSE);
        assert_int_equal(err.line, 2);
        assert_int_equal(err.column_index, 3);
        assert_string_equal(err.column, "timestamp");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_repeated_condition),
        cmocka_unit_test(test_model_empty_values),
        cmocka_unit_test(test_model_id_and_missing_lists),
        cmocka_unit_test(test_live_trims_blanks),
        cmocka_unit_test(test_live_refuses_what_file_mode_refuses),
        cmocka_unit_test(test_time_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
