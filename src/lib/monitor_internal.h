/* Helpers shared by the monitoring reports (compare, drift, backtest,
 * history): formatting in the C locale, CSV fields and JSON output.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_MONITOR_INTERNAL_H
#define LS_MONITOR_INTERNAL_H

#include <locale.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "leadscore/monitor.h"

/* Switches this thread to the C numeric locale; returns what to restore. */
locale_t ls_mon_locale_enter(void);
void ls_mon_locale_leave(locale_t old);

/* Shortest %.15g..%.17g text that reads back as v; "" for NAN, "inf"/"-inf". */
const char *ls_mon_number(double v, char buf[40]);

/* Writes a CSV field, quoted when it holds a comma, quote or line break; NULL
 * writes nothing. */
void ls_mon_csv_field(FILE *out, const char *s);

/* Writes a CSV number (round-trip), empty for NAN. */
void ls_mon_csv_number(FILE *out, double v);

/* JSON values: a non-finite number or a NULL string becomes null. NULL on
 * allocation failure. */
cJSON *ls_mon_json_number(double v);
cJSON *ls_mon_json_string(const char *s);

/* Adds item to obj under key; on failure (item NULL) marks *ok = 0. */
void ls_mon_json_add(cJSON *obj, const char *key, cJSON *item, int *ok);

/* Prints root (formatted) and a newline to out and frees root. LS_ERR_NOMEM
 * when building failed (ok == 0 or root NULL), LS_ERR_IO on a write error. */
ls_status ls_mon_json_write(cJSON *root, int ok, FILE *out, ls_error *err);

/* LS_ERR_IO if out reports a write error. */
ls_status ls_mon_stream_status(FILE *out, ls_error *err);

#endif
