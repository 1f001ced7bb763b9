/*
 * The verbs of `touchstone registry` (cmd_registry.c holds the command and
 * its verb table). The registry's own side, on PostgreSQL, is in
 * registry_server.c: init, serve, clinic, report, and the hidden test
 * tool test-sign. Each is a cli_fn: it parses its options, prints, and
 * returns the exit status.
 */
#ifndef TS_CLI_REGISTRY_H
#define TS_CLI_REGISTRY_H

#include "cli/cli.h"

int registry_init(struct cli *c, int argc, const char **argv);
int registry_serve(struct cli *c, int argc, const char **argv);
int registry_clinic(struct cli *c, int argc, const char **argv);
int registry_report(struct cli *c, int argc, const char **argv);
/* Builds the national report's partial states again (registry_partials.c). */
int registry_rebuild_partials(struct cli *c, int argc, const char **argv);
/* (at a clinic) sends the signed listing of the registry's directory
 * (cmd_registry_directory.c). */
int registry_directory_cmd(struct cli *c, int argc, const char **argv);
/* A test tool, not listed: prints the base64 Ed25519 signature of the
 * canonical JSON of the JSON value on standard input, signed with a
 * secret key file (a clinic's "<db>.key"). Tests sign their hand-made
 * batches with it. */
int registry_test_sign(struct cli *c, int argc, const char **argv);

#endif
