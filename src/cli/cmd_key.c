/* touchstone key: the clinic's signing key pair (record/clinic_key.h). */
#include "cli/cli.h"
#include "core/clock.h"
#include "core/util.h"
#include "record/audit.h"
#include "record/clinic_key.h"
#include "registry/batch.h"
#include "registry/client.h"
#include "registry/clinic_key_change.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

COMMAND("key", cmd_key, "the clinic's signing key: export-public, check, create, rotate, history")

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
    struct err e = ERR_INIT;
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    if (cli_parse_none_open(c, argc, argv) < 0 ||
        clinic_key_public(c->store, pk, &e) < 0)
        return cli_stop(c, &e);
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
    struct err e = ERR_INIT;
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    if (cli_parse_none_open(c, argc, argv) < 0 ||
        clinic_key_load_secret(c->store, sk, &e) < 0)
        return cli_stop(c, &e);
    int rc = print_key_file(c, sk + 32, 1, "ok: '%s' is the clinic's "
                            "signing key (public key %s)\n");
    sodium_memzero(sk, sizeof(sk));
    return rc;
}

static int key_create(struct cli *c, int argc, const char **argv)
{
    struct err e = ERR_INIT;
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    if (cli_parse_none_open(c, argc, argv) < 0 ||
        clinic_key_create(c->store, pk, &e) < 0)
        return cli_stop(c, &e);
    return print_key_file(c, pk, 0, "created signing key '%s' (public key "
                          "%s); keep it secret and back it up apart from "
                          "the database\n");
}

/* Announces the change from old_sk to new_sk to the registry the clinic
 * is enrolled with (none: 0 and *announced 0), signed by both keys. Any
 * refusal or failure is -1 with e: the rotation then does not happen;
 * *unknown is 1 when no answer came (the registry may have taken it: the
 * new key is kept for the next run). */
static int announce(struct cli *c, const unsigned char *old_sk,
                    const unsigned char *new_sk, int *announced,
                    int *unknown, int64_t *leaf, struct err *e)
{
    struct registry_link link;
    struct err none = ERR_INIT;
    *announced = 0;
    if (registry_link_get(c->store, &link, &none) < 0) {
        if (none.code == ERR_NOT_FOUND)
            return 0;
        *e = none;
        return -1;
    }
    char at[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), at);
    size_t len;
    char *body = clinic_key_change_build(link.clinic_id, old_sk, new_sk, at,
                                         &len);
    struct registry_answer a;
    int rc = registry_client_post(link.url, "/registry/v1/clinics/key", body,
                                  len, &a, e);
    free(body);
    if (rc < 0) {
        *unknown = 1;
        return -1;
    }
    if (a.status != 200) {
        rc = registry_client_refusal(&a, e);
    } else {
        json_t *idx = json_object_get(a.json, "leaf_index");
        *leaf = json_is_integer(idx) ? json_integer_value(idx) : -1;
        *announced = 1;
    }
    registry_answer_release(&a);
    return rc;
}

/* Finishes a rotation stopped after the database took the new key but
 * before the key file was replaced: renames new_path over the key file. */
static int finish_rotation(struct cli *c, const char *new_path,
                           const unsigned char *new_pk)
{
    char *path = clinic_key_path(c->db_path);
    int rc = rename(new_path, path);
    int saved = errno;
    char id[CLINIC_KEY_ID_LEN];
    clinic_key_id(new_pk, id);
    if (rc < 0) {
        cli_error(c, EXIT_FAILURE_, "key", "unable to move '%s' over '%s': "
                  "%s", new_path, path, strerror(saved));
        free(path);
        return c->exit_code;
    }
    free(path);
    if (c->json)
        return cli_print_json(c, json_pack("{s:s,s:b}", "new_key_id", id,
                                           "finished", 1));
    printf("finished an interrupted rotation: the key file is now key %s\n",
           id);
    return EXIT_OK;
}

static int key_rotate(struct cli *c, int argc, const char **argv)
{
    if (cli_parse_none_open(c, argc, argv) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    unsigned char old_sk[CLINIC_KEY_SECRET_BYTES];
    unsigned char new_sk[CLINIC_KEY_SECRET_BYTES];
    unsigned char new_pk[CLINIC_KEY_PUBLIC_BYTES];
    unsigned char current[CLINIC_KEY_PUBLIC_BYTES];
    char *new_path = clinic_key_new_path(c->db_path);
    /* A new key left by an interrupted rotation: the database's key already
     * (finish the rename), or a key the registry may hold (use it again). */
    struct err probe = ERR_INIT;
    int reuse = access(new_path, F_OK) == 0;
    if (reuse && (clinic_key_read_secret(new_path, new_sk, &probe) < 0 ||
                  clinic_key_public(c->store, current, &probe) < 0)) {
        free(new_path);
        return cli_fail(c, &probe);
    }
    if (reuse && sodium_memcmp(current, new_sk + 32, sizeof(current)) == 0) {
        memcpy(new_pk, new_sk + 32, sizeof(new_pk));
        sodium_memzero(new_sk, sizeof(new_sk));
        int rc = finish_rotation(c, new_path, new_pk);
        free(new_path);
        return rc;
    }
    if (clinic_key_load_secret(c->store, old_sk, &e) < 0) {
        sodium_memzero(new_sk, sizeof(new_sk));
        free(new_path);
        return cli_fail(c, &e);
    }
    int rc = 0;
    if (reuse)
        memcpy(new_pk, new_sk + 32, sizeof(new_pk));
    else
        rc = clinic_key_generate(new_path, new_pk, &e);
    int made = !reuse && rc == 0;
    if (made)
        rc = clinic_key_read_secret(new_path, new_sk, &e);
    int announced = 0, unknown = 0;
    int64_t leaf = -1;
    if (rc == 0)
        rc = announce(c, old_sk, new_sk, &announced, &unknown, &leaf, &e);
    if (rc == 0)
        rc = clinic_key_rotate_commit(c->store, &actor_cli, old_sk + 32,
                                      new_pk, new_path, &e);
    else if (made && !unknown)
        unlink(new_path);
    else if (reuse && !unknown) {
        struct err was = e;
        err_set(&e, was.code, was.field, "%.300s (with the new key '%.120s' "
                "an earlier rotation left: remove it to start afresh)",
                was.message, new_path);
    }
    char old_id[CLINIC_KEY_ID_LEN], new_id[CLINIC_KEY_ID_LEN];
    clinic_key_id(old_sk + 32, old_id);
    clinic_key_id(new_pk, new_id);
    sodium_memzero(old_sk, sizeof(old_sk));
    sodium_memzero(new_sk, sizeof(new_sk));
    free(new_path);
    if (rc < 0) {
        struct err ignored = ERR_INIT;
        audit_record_refusal(c->store, &actor_cli, "rotate", "clinic_key", 0,
                             0, "refused", &ignored);
        return cli_fail(c, &e);
    }
    char pk64[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(new_pk, pk64);
    if (c->json)
        return cli_print_json(
            c, json_pack("{s:s,s:s,s:s,s:b,s:o}", "old_key_id", old_id,
                         "new_key_id", new_id, "public_key", pk64,
                         "registry", announced, "leaf_index",
                         announced && leaf >= 0 ? json_integer(leaf)
                                                : json_null()));
    printf("clinic key rotated: %s -> %s (public key %s)\n", old_id, new_id,
           pk64);
    if (announced)
        printf("the registry holds the new key (key-change leaf %lld)\n",
               (long long)leaf);
    printf("certificates signed with the old key still verify; publish the "
           "new public key and back up the new key file\n");
    return EXIT_OK;
}

static int key_history(struct cli *c, int argc, const char **argv)
{
    if (cli_parse_none_open(c, argc, argv) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    json_t *keys = clinic_key_history_json(c->store, &e);
    if (!keys)
        return cli_fail(c, &e);
    if (c->json)
        return cli_print_json(c, json_pack("{s:o}", "keys", keys));
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) {
        const char *retired = json_string_value(json_object_get(k,
                                                                "retired_at"));
        printf("%s %s %s to %s\n",
               json_string_value(json_object_get(k, "key_id")),
               json_string_value(json_object_get(k, "public_key")),
               json_string_value(json_object_get(k, "created_at")),
               retired ? retired : "now (current)");
    }
    json_decref(keys);
    return EXIT_OK;
}

CLI_VERB_COMMAND(cmd_key,
    "The clinic's Ed25519 key pair signs its "
    "certificates. The secret key is the file "
    "'<db>.key' beside the database (mode 600); the "
    "public key is in the database.",
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
    {"rotate", key_rotate, "replace the key pair; old certificates "
     "stay valid",
     "Makes a new key pair and retires the old one: the old public key "
     "goes to the key history (certificates it signed still verify), "
     "the new secret key replaces '<db>.key' (mode 600; the old secret "
     "key is gone). A clinic enrolled with a registry first announces "
     "the change, signed by both keys; if the registry refuses, nothing "
     "changes."},
    {"history", key_history, "list the clinic's keys, current and "
     "retired",
     "Lists every key the clinic has had: id, public key, created, "
     "retired. With --json, the file 'touchstone verify --key-history' "
     "reads."})
