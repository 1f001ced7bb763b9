/*
 * The "physician" verb of touchstone report (cmd_report.c's verb table):
 * the progress report to the referring physician as a self-contained
 * HTML file, and as PDF through headless Chromium when it is installed.
 */
#ifndef TS_CLI_REPORT_PHYSICIAN_H
#define TS_CLI_REPORT_PHYSICIAN_H

#include "cli/cli.h"

int cli_report_physician(struct cli *c, int argc, const char **argv);

#endif
