/* touchstone key: the clinic's signing key pair (record/clinic_key.h). */
#include "cli/cli.h"
#include "core/util.h"
#include "record/clinic_key.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

COMMAND("key", cmd_key, "the clinic's signing key: export-public, check, create")

static int key_export_public(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    if (cli_parse(c, argc, argv, opts,
                  "Prints the clinic's Ed25519 public key (base64). Give it "
                  "to whoever checks the clinic's certificates: 'touchstone "
                  "verify FILE --public-key KEY'.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    if (cli_open_store(c, &e) < 0 || clinic_key_public(c->store, pk, &e) < 0)
        return cli_fail(c, &e);
    char text[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(pk, text);
    if (c->json)
        return cli_print_json(c, json_pack("{s:s,s:s}", "alg", "Ed25519",
                                           "public_key", text));
    printf("%s\n", text);
    return EXIT_OK;
}

static int key_check(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    if (cli_parse(c, argc, argv, opts,
                  "Checks the secret key file beside the database: present, "
                  "a plain file only its owner may read (mode 600), the "
                  "right size, whole, and the pair of the public key in the "
                  "database. Exits 0 only then.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    if (cli_open_store(c, &e) < 0 ||
        clinic_key_load_secret(c->store, sk, &e) < 0)
        return cli_fail(c, &e);
    char text[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(sk + 32, text);
    sodium_memzero(sk, sizeof(sk));
    char *path = clinic_key_path(c->db_path);
    int rc;
    if (c->json)
        rc = cli_print_json(c, json_pack("{s:b,s:s,s:s}", "ok", 1, "key",
                                         path, "public_key", text));
    else
        rc = printf("ok: '%s' is the clinic's signing key (public key %s)\n",
                    path, text) < 0;
    free(path);
    return rc;
}

static int key_create(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    if (cli_parse(c, argc, argv, opts,
                  "Gives a database made before keys existed its key pair: "
                  "the secret key in '<db>.key' (mode 600), the public key "
                  "in the database. Refuses when it has one.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    if (cli_open_store(c, &e) < 0 || clinic_key_create(c->store, pk, &e) < 0)
        return cli_fail(c, &e);
    char text[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(pk, text);
    char *path = clinic_key_path(c->db_path);
    int rc;
    if (c->json)
        rc = cli_print_json(c, json_pack("{s:s,s:s}", "key", path,
                                         "public_key", text));
    else
        rc = printf("created signing key '%s' (public key %s); keep it "
                    "secret and back it up apart from the database\n",
                    path, text) < 0;
    free(path);
    return rc;
}

int cmd_key(struct cli *c, int argc, const char **argv)
{
    static const struct cli_command verbs[] = {
        {"export-public", key_export_public,
         "print the clinic's public key (base64)"},
        {"check", key_check,
         "check the secret key file (mode, size, pair)"},
        {"create", key_create,
         "make a key pair for a database that has none"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, argc, argv, verbs,
                        "The clinic's Ed25519 key pair signs its "
                        "certificates. The secret key is the file "
                        "'<db>.key' beside the database (mode 600); the "
                        "public key is in the database.");
}
