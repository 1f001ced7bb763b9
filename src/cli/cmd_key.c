/* touchstone key: the clinic's signing key pair (record/clinic_key.h). */
#include "cli/cli.h"
#include "core/util.h"
#include "record/clinic_key.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

COMMAND("key", cmd_key, "the clinic's signing key: export-public, check, create")

/* Prints the secret key file's path and the public key (base64) of pk:
 * {"key": PATH, "public_key": KEY}, with "ok": true first when ok, under
 * --json; else the sentence format, given the path and then the key. */
static int print_key_file(struct cli *c, const unsigned char *pk, int ok,
                          const char *format)
{
    char text[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(pk, text);
    char *path = clinic_key_path(c->db_path);
    int rc;
    if (c->json) {
        json_t *doc = ok ? json_pack("{s:b}", "ok", 1) : json_object();
        json_object_set_new(doc, "key", json_string(path));
        json_object_set_new(doc, "public_key", json_string(text));
        rc = cli_print_json(c, doc);
    } else {
        rc = printf(format, path, text) < 0 ? EXIT_FAILURE_ : EXIT_OK;
    }
    free(path);
    return rc;
}

static int key_export_public(struct cli *c, int argc, const char **argv)
{
    if (cli_parse_none_open(c, argc, argv) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    if (clinic_key_public(c->store, pk, &e) < 0)
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
    if (cli_parse_none_open(c, argc, argv) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    if (clinic_key_load_secret(c->store, sk, &e) < 0)
        return cli_fail(c, &e);
    int rc = print_key_file(c, sk + 32, 1, "ok: '%s' is the clinic's "
                            "signing key (public key %s)\n");
    sodium_memzero(sk, sizeof(sk));
    return rc;
}

static int key_create(struct cli *c, int argc, const char **argv)
{
    if (cli_parse_none_open(c, argc, argv) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    if (clinic_key_create(c->store, pk, &e) < 0)
        return cli_fail(c, &e);
    return print_key_file(c, pk, 0, "created signing key '%s' (public key "
                          "%s); keep it secret and back it up apart from "
                          "the database\n");
}

int cmd_key(struct cli *c, int argc, const char **argv)
{
    static const struct cli_verb verbs[] = {
        {"export-public", key_export_public,
         "print the clinic's public key (base64)",
         "Prints the clinic's Ed25519 public key (base64). Give it to "
         "whoever checks the clinic's certificates: 'touchstone verify FILE "
         "--public-key KEY'."},
        {"check", key_check, "check the secret key file (mode, size, pair)",
         "Checks the secret key file beside the database: present, a plain "
         "file only its owner may read (mode 600), the right size, whole, "
         "and the pair of the public key in the database. Exits 0 only then."},
        {"create", key_create, "make a key pair for a database that has none",
         "Gives a database made before keys existed its key pair: the secret "
         "key in '<db>.key' (mode 600), the public key in the database. "
         "Refuses when it has one."},
        {NULL, NULL, NULL, NULL},
    };
    return cli_run_verb(c, argc, argv, verbs,
                        "The clinic's Ed25519 key pair signs its "
                        "certificates. The secret key is the file "
                        "'<db>.key' beside the database (mode 600); the "
                        "public key is in the database.");
}
