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
         "create the registry's schema and its key pair",
         "Creates the registry's schema in the PostgreSQL database "
         "(or brings it to this program's version) and the "
         "registry's Ed25519 key pair: the secret key in FILE "
         "(created, mode 600; an existing file is refused), the "
         "public key in the database. A registry that has its key "
         "already is refused."},
        {"serve", registry_serve, "serve the registry's HTTP API",
         "Serves the registry's HTTP API (/registry/v1/enroll, "
         "/push, /national, /certify, /directory; the "
         "transparency log under /log/v1/) and its public pages "
         "(/directory, /verify) until SIGINT or SIGTERM. Prints the "
         "URL, then one access-log line per request on stderr "
         "(never a body). Plain HTTP: put a TLS proxy in "
         "front."},
        {"clinic", registry_clinic,
         "the clinics: list, approve ID, suspend ID", NULL},
        {"report", registry_report,
         "the national benchmarks over every approved clinic",
         "The national benchmarks over every approved clinic's "
         "summaries, computed by the clinic's own outcome code: "
         "the same document as 'touchstone report registry "
         "--json', with no practitioner named and small cells "
         "withheld."},
        {"rebuild-partials", registry_rebuild_partials,
         "build the national report's partial states again", NULL},
        {"enroll", registry_enroll_cmd,
         "(at a clinic) join a registry, pinning its key", NULL},
        {"pull", registry_pull_cmd,
         "(at a clinic) fetch the signed national document", NULL},
        {"directory", registry_directory_cmd,
         "(at a clinic) send the listing of the public directory",
         "Sends the registry the clinic's listing for its "
         "public directory, signed with the clinic's key: "
         "the clinic's state and 3-digit ZIP ('touchstone "
         "clinic set') and every practitioner who consented "
         "to the registry and to the directory ('touchstone "
         "practitioner consent ID --directory yes') and has "
         "been pushed, under the name the clinic gives. It "
         "replaces the listing sent before: a withdrawn "
         "consent leaves the directory. The directory shows "
         "a listed practitioner only while they hold a "
         "current registry certificate."},
        {"certify", registry_certify_cmd,
         "(at a clinic) ask for a registry certificate",
         "Asks the registry the clinic enrolled with for a "
         "certificate of the practitioner's designation in "
         "one protocol x instrument, checked on the national "
         "data. The request is signed with the clinic's key; "
         "the certificate that comes back is checked with "
         "the registry key pinned at enrolment, with its "
         "proof of inclusion in the registry's log. A "
         "refusal names the criterion not met."},
        {"revoke", registry_revoke_cmd, "revoke a registry certificate",
         "Revokes a registry certificate: appends a revocation leaf to the "
         "transparency log and signs a new tree head. Anyone checking the "
         "certificate against the log then sees it revoked."},
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
