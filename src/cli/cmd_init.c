/* touchstone init: create a clinic's database. */
#include "cli/cli.h"
#include "record/clinic.h"
#include "record/clinic_key.h"

#include <stdio.h>
#include <stdlib.h>

COMMAND("init", cmd_init, "create a new clinic database (refuses an existing file)")

int cmd_init(struct cli *c, int argc, const char **argv)
{
    const char *name = "Touchstone Clinic";
    struct opt opts[] = {
        {"clinic", OPT_STRING, &name, "NAME", "the clinic's name", 0, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    if (cli_parse(c, argc, argv, opts,
                  "Creates the database file with the current schema and "
                  "the clinic's record, and the clinic's signing key pair "
                  "(the secret key in '<db>.key', mode 600).") < 0 ||
        clinic_init(c->db_path, name, &e) < 0)
        return cli_stop(c, &e);
    char *key = clinic_key_path(c->db_path);
    if (c->json) {
        cli_print_json(c, json_pack("{s:s,s:s,s:s}", "db", c->db_path,
                                    "clinic", name, "key", key));
    } else {
        printf("created '%s' for clinic '%s'\n", c->db_path, name);
        printf("created signing key '%s': keep it secret (mode 600) and "
               "back it up apart from the database\n", key);
    }
    free(key);
    return EXIT_OK;
}
