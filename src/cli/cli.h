/* leadscore CLI — shared helpers for the subcommands (one file each, git's shape).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_CLI_H
#define LS_CLI_H

#include "leadscore/error.h"

/* Exit statuses: 0 success, 1 failure, 2 usage error. */
enum { LS_EXIT_OK = 0, LS_EXIT_FAIL = 1, LS_EXIT_USAGE = 2 };

/* Prints "leadscore: <formatted error>" on stderr and returns the exit status
 * for it (2 for usage errors, 1 otherwise). */
int cli_report(const ls_error *err);

/* Prints "leadscore: <message>" on stderr. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "leadscore <cmd>: <message>\n" and "try 'leadscore <cmd> --help'" on
 * stderr; returns LS_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The usage error for what getopt_long returned as c (':' a missing value,
 * anything else an unknown option), naming the option as the user wrote it.
 * Callers set opterr = 0 and start their option string with ':'. */
int cli_getopt_error(const char *cmd, int c, char **argv);

/* Parses a double option value; on failure prints a usage error and returns 0. */
int cli_parse_double(const char *cmd, const char *option, const char *text, double *out);

/* Parses a non-negative integer option value; as above. */
int cli_parse_size(const char *cmd, const char *option, const char *text, size_t *out);

/* Subcommands: each returns the process exit status. */
int cmd_inspect(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_refine(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_decay(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_synth_events(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_drift(int argc, char **argv);
int cmd_backtest(int argc, char **argv);
int cmd_history(int argc, char **argv);

#endif
