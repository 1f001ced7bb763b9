/* touchstone registry: the profession's registry (docs/registry.md). */
#include "cli/cli.h"
#include "cli/registry.h"
#include "cli/registry_cert.h"
#include "cli/registry_client.h"

#include <stdio.h>
#include <string.h>

COMMAND("registry", cmd_registry, "the profession's registry on PostgreSQL: init, serve, clinic, report, revoke, log, key; enroll, pull, certify")

int cmd_registry(struct cli *c, int argc, const char **argv)
{
    static const struct cli_command verbs[] = {
        {"init", registry_init,
         "create the registry's schema and its key pair"},
        {"serve", registry_serve, "serve the registry's HTTP API"},
        {"clinic", registry_clinic,
         "the clinics: list, approve ID, suspend ID"},
        {"report", registry_report,
         "the national benchmarks over every approved clinic"},
        {"rebuild-partials", registry_rebuild_partials,
         "build the national report's partial states again"},
        {"enroll", registry_enroll_cmd,
         "(at a clinic) join a registry, pinning its key"},
        {"pull", registry_pull_cmd,
         "(at a clinic) fetch the signed national document"},
        {"directory", registry_directory_cmd,
         "(at a clinic) send the listing of the public directory"},
        {"certify", registry_certify_cmd,
         "(at a clinic) ask for a registry certificate"},
        {"revoke", registry_revoke_cmd, "revoke a registry certificate"},
        {"log", registry_log_cmd, "the transparency log: verify (monitor)"},
        {"key", registry_key_cmd, "the registry's keys: rotate"},
        {NULL, NULL, NULL},
    };
    /* A test tool, kept out of the list (registry.h). */
    if (argc >= 2 && !strcmp(argv[1], "test-sign")) {
        snprintf(c->command, sizeof(c->command), "registry test-sign");
        return registry_test_sign(c, argc - 1, argv + 1);
    }
    return cli_dispatch(c, argc, argv, verbs,
                        "The profession's registry: clinics push "
                        "de-identified outcome summaries, signed, and the "
                        "registry computes national benchmarks. --pg "
                        "CONNINFO (or TOUCHSTONE_PG) names its PostgreSQL "
                        "database.");
}
