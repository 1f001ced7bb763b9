/* The command table, collected by the build from the COMMAND(...) lines of
 * src/cli/cmd_*.c (see the Makefile), in alphabetical order. */
#include "cli/cli.h"

#undef COMMAND
#define COMMAND(name, function, summary)                                      \
    int function(struct cli *c, int argc, const char **argv);
#include "commands.inc"
#undef COMMAND

#define COMMAND(name, function, summary) {name, function, summary},
const struct cli_command cli_commands[] = {
#include "commands.inc"
};
#undef COMMAND

const int cli_command_count =
    (int)(sizeof(cli_commands) / sizeof(cli_commands[0]));
