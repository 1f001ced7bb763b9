/* touchstone registry-client: the clinic's registry verbs on their own
 * (enroll, pull), until they join the registry command's table. */
#include "cli/registry_client.h"

COMMAND("registry-client", cmd_registry_client, "the clinic's registry verbs enroll and pull (temporary name)")

int cmd_registry_client(struct cli *c, int argc, const char **argv)
{
    static const struct cli_command verbs[] = {
        {"enroll", registry_enroll_cmd, "join a registry, pinning its key"},
        {"pull", registry_pull_cmd, "fetch the signed national document"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, argc, argv, verbs,
                        "The clinic's side of the registry.");
}
