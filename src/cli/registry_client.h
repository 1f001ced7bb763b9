/*
 * registry_client: the clinic's verbs of "touchstone registry"
 * (docs/registry.md): "enroll" joins a registry and pins its key,
 * "pull" fetches the national document and checks its signature. Each is
 * a verb function of the registry command's table (cmd_registry.c), with
 * the contract of cli_fn: argv[0] is the verb.
 */
#ifndef TS_CLI_REGISTRY_CLIENT_H
#define TS_CLI_REGISTRY_CLIENT_H

#include "cli/cli.h"

/* touchstone registry enroll --url URL [--json] */
int registry_enroll_cmd(struct cli *c, int argc, const char **argv);
/* touchstone registry pull [--json] */
int registry_pull_cmd(struct cli *c, int argc, const char **argv);

#endif
