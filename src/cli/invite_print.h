/*
 * invite print: an invitation's link as a printable QR code (prom/qr.h),
 * for a patient without email: `touchstone invite print ID [--out
 * FILE.svg|FILE.png] [--base-url URL]`. Without --out it prints the link.
 */
#ifndef TS_CLI_INVITE_PRINT_H
#define TS_CLI_INVITE_PRINT_H

#include "cli/cli.h"

/* The verb's function (argv[0] is the verb). Returns the exit status. */
int invite_print_cmd(struct cli *c, int argc, const char **argv);

#endif
