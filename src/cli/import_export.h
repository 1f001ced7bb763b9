/*
 * bulk (command line): the options forms of `touchstone import` and
 * `touchstone export` (cmd_import.c and cmd_export.c hand the command line
 * over when its first argument is an option), and the progress line that
 * long commands (import, export, demo at registry scale) draw on stderr
 * when it is a terminal.
 */
#ifndef TS_CLI_IMPORT_EXPORT_H
#define TS_CLI_IMPORT_EXPORT_H

#include <stdint.h>

#include "cli/cli.h"

/* touchstone import --kind K [--format F] [--skip-bad REJECTS] FILE */
int cli_import_records(struct cli *c, int argc, const char **argv);
/* touchstone export --kind K [--format F] [--out FILE] */
int cli_export_records(struct cli *c, int argc, const char **argv);

/* A progress line on stderr, drawn only when stderr is a terminal, at
 * most every 200 ms. Plain data; no allocation. */
struct cli_progress {
    int enabled;
    const char *what; /* "importing observations" */
    double started;   /* seconds (monotonic) */
    double last;
};

void cli_progress_start(struct cli_progress *p, const char *what);
/* Redraws with the fraction done (negative: unknown) and a count of rows
 * (0: none shown). */
void cli_progress_update(struct cli_progress *p, double fraction,
                         int64_t rows);
/* Clears the line. */
void cli_progress_end(struct cli_progress *p);

#endif
