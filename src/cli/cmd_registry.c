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
    static const struct cli_verb verbs[] = {
        {"init", registry_init,
         "create the registry's schema and its key pair", NULL},
        {"serve", registry_serve, "serve the registry's HTTP API", NULL},
        {"clinic", registry_clinic,
         "the clinics: list, approve ID, suspend ID", NULL},
        {"report", registry_report,
         "the national benchmarks over every approved clinic", NULL},
        {"enroll", registry_enroll_cmd,
         "(at a clinic) join a registry, pinning its key", NULL},
        {"pull", registry_pull_cmd,
         "(at a clinic) fetch the signed national document", NULL},
        {"directory", registry_directory_cmd,
         "(at a clinic) send the listing of the public directory", NULL},
        {"certify", registry_certify_cmd,
         "(at a clinic) ask for a registry certificate", NULL},
        {"revoke", registry_revoke_cmd, "revoke a registry certificate",
         NULL},
        {"log", registry_log_cmd, "the transparency log: verify (monitor)",
         NULL},
        {"key", registry_key_cmd, "the registry's keys: rotate", NULL},
        VERB_END,
    };
    /* A test tool, kept out of the list (registry.h). */
    if (argc >= 2 && !strcmp(argv[1], "test-sign")) {
        snprintf(c->command, sizeof(c->command), "registry test-sign");
        return registry_test_sign(c, argc - 1, argv + 1);
    }
    return cli_run_verb(c, argc, argv, verbs,
                        "The profession's registry: clinics push "
                        "de-identified outcome summaries, signed, and the "
                        "registry computes national benchmarks. --pg "
                        "CONNINFO (or TOUCHSTONE_PG) names its PostgreSQL "
                        "database.");
}
