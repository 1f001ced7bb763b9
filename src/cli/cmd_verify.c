/* touchstone verify: check a signed certificate, without a database. */
#include "cli/cli.h"
#include "cli/registry_cert.h"
#include "core/util.h"
#include "outcomes/certificate.h"
#include "record/clinic_key.h"
#include "registry/batch.h"
#include "registry/cert_verify.h"
#include "registry/log.h"

#include <inttypes.h>
#include <sodium.h>
#include <unistd.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

COMMAND("verify", cmd_verify, "check a signed certificate: a registry certificate and its log proof, or a clinic attestation")

/* Reads at most max + 1 bytes of path ("-" for stdin) into a new buffer,
 * so that a file over max shows as such. -1 with e when unreadable. */
static int read_input(const char *path, char **out, size_t *len, size_t max,
                      struct err *e)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return err_set(e, ERR_INPUT, "file", "unable to read '%s': %s", path,
                       strerror(errno));
    char *data = xmalloc(max + 2);
    size_t n = fread(data, 1, max + 1, f);
    int bad = ferror(f);
    int saved = errno;
    if (f != stdin)
        fclose(f);
    if (bad) {
        free(data);
        return err_set(e, ERR_INPUT, "file", "unable to read '%s': %s", path,
                       strerror(saved));
    }
    data[n] = '\0';
    *out = data;
    *len = n;
    return 0;
}

/* Prints s with control characters shown as '?': a certificate's free
 * members are not to drive the terminal. */
static void print_clean(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        putchar(*p < 0x20 || *p == 0x7f ? '?' : *p);
}

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* A value in readable form: strings as they are, numbers plainly, the
 * rest as compact JSON. */
static void print_value(const json_t *v)
{
    if (json_is_string(v)) {
        print_clean(json_string_value(v));
    } else if (json_is_integer(v)) {
        printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        printf("%.10g", json_real_value(v));
    } else {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
                                       JSON_PRESERVE_ORDER);
        print_clean(text ? text : "");
        free(text);
    }
}

static int is_known_claim(const char *key)
{
    static const char *const known[] = {
        "format",      "id",          "issued_at",  "clinic",
        "practitioner", "protocol",   "instrument", "designation",
        "metrics",     "thresholds",  "data_window", "data_sha256", NULL};
    for (const char *const *k = known; *k; k++)
        if (!strcmp(*k, key))
            return 1;
    return 0;
}

static void print_claims(const json_t *claims, const char *pk64,
                         int key_checked, const char *kind)
{
    const json_t *p = json_object_get(claims, "practitioner");
    const json_t *w = json_object_get(claims, "data_window");
    printf("valid: certificate %s\n", str(claims, "id"));
    printf("kind          %s\n", kind);
    printf("signed by     %s\n", pk64);
    if (key_checked)
        printf("              (the expected public key)\n");
    else
        printf("              (not compared with an expected key: give "
               "--public-key to check who signed it)\n");
    printf("issued at     %s\n", str(claims, "issued_at"));
    printf("clinic        ");
    print_clean(str(json_object_get(claims, "clinic"), "name"));
    printf("\npractitioner  ");
    print_clean(str(p, "name"));
    printf(" (id %" JSON_INTEGER_FORMAT ", license ",
           json_integer_value(json_object_get(p, "id")));
    print_clean(str(p, "license"));
    printf(")\ndesignation   %s\nprotocol      ", str(claims, "designation"));
    print_clean(str(claims, "protocol"));
    printf("\ninstrument    ");
    print_clean(str(claims, "instrument"));
    printf("\ndata window   %s to %s\n", str(w, "from"), str(w, "to"));
    printf("data sha256   %s\n", str(claims, "data_sha256"));
    printf("metrics:\n");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(claims, "metrics"), key,
                        v) {
        printf("  ");
        print_clean(key);
        printf(": ");
        print_value(v);
        printf("\n");
    }
    printf("criteria met:\n");
    size_t i;
    json_array_foreach(json_object_get(claims, "thresholds"), i, v) {
        printf("  ");
        print_clean(str(v, "criterion"));
        const char *k;
        json_t *x;
        int first = 1;
        json_object_foreach(v, k, x) {
            if (!strcmp(k, "criterion") || !strcmp(k, "met"))
                continue;
            printf("%s", first ? " (" : ", ");
            first = 0;
            print_clean(k);
            printf(" ");
            print_value(x);
        }
        printf("%s\n", first ? "" : ")");
    }
    json_object_foreach((json_t *)claims, key, v) {
        if (is_known_claim(key))
            continue;
        print_clean(key);
        printf(": ");
        print_value(v);
        printf("\n");
    }
}


/* ---- registry certificates ---- */

/* With the log at hand: the certificate's leaf is the log's leaf at its
 * index, the log's latest tree head verifies and extends the
 * certificate's tree (consistency proof), and the certificate is not
 * revoked. 0, 1 when revoked (*status filled), -1 with e when the log
 * does not hold it. */
static int check_online(const char *url, const struct registry_trusted *t,
                        const struct registry_cert_facts *f,
                        const char *text, size_t len, json_t **status,
                        struct err *e)
{
    (void)text;
    (void)len;
    json_t *sth, *doc;
    if (registry_cert_fetch(url, "/log/v1/sth", &sth, e) < 0)
        return -1;
    const char *kid = json_string_value(json_object_get(sth, "key_id"));
    const unsigned char *pk = NULL;
    for (size_t i = 0; i < t->count; i++) {
        char id[REGISTRY_KEY_ID_LEN];
        registry_key_id(t->keys[i], id);
        if (kid && !strcmp(id, kid))
            pk = t->keys[i];
    }
    uint64_t size;
    unsigned char root[MERKLE_HASH_BYTES];
    int rc = pk ? registry_sth_verify(sth, pk, &size, root, e)
                : err_set(e, ERR_REFUSED, "sth.key_id", "the log's tree "
                          "head is signed by a key not trusted here");
    json_decref(sth);
    if (rc < 0)
        return -1;
    if (size < f->tree_size)
        return err_set(e, ERR_REFUSED, "transparency.tree_size", "the log "
                       "has %" PRIu64 " leaves, fewer than the certificate's "
                       "tree of %" PRIu64 ": it is not in this log", size,
                       f->tree_size);
    char path[160];
    snprintf(path, sizeof(path), "/log/v1/consistency?first=%" PRIu64
             "&second=%" PRIu64, f->tree_size, size);
    if (registry_cert_fetch(url, path, &doc, e) < 0)
        return -1;
    static struct merkle_path p;
    json_t *list = json_object_get(doc, "consistency_path");
    p.count = json_array_size(list);
    rc = p.count <= MERKLE_PATH_MAX ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < p.count; i++)
        rc = clinic_key_base64_decode(json_string_value(json_array_get(list,
                                                                       i)),
                                      p.hash[i], MERKLE_HASH_BYTES,
                                      "consistency_path", e);
    json_decref(doc);
    if (rc < 0 || merkle_consistency_verify(f->tree_size, size, f->root, root,
                                            &p.hash[0][0], p.count, e) < 0)
        return err_set(e, ERR_REFUSED, "transparency", "the log's history "
                       "does not contain the certificate's tree of size %"
                       PRIu64 ": the certificate is not in this log",
                       f->tree_size);
    const char *id = json_string_value(json_object_get(f->claims, "id"));
    snprintf(path, sizeof(path), "/log/v1/certificate?id=%s", id ? id : "");
    if (registry_cert_fetch(url, path, &doc, e) < 0)
        return -1;
    json_t *leaf = json_object_get(doc, "leaf_index");
    if (!json_is_integer(leaf) ||
        (uint64_t)json_integer_value(leaf) != f->leaf_index) {
        json_decref(doc);
        return err_set(e, ERR_REFUSED, "transparency.leaf_index", "the log "
                       "holds certificate %s at another leaf", id);
    }
    if (json_is_true(json_object_get(doc, "revoked"))) {
        *status = doc;
        return 1;
    }
    json_decref(doc);
    return 0;
}

static int verify_registry(struct cli *c, const char *text, size_t len,
                           const char *key_text, const char *url)
{
    struct err e = ERR_INIT;
    static struct registry_trusted t;
    memset(&t, 0, sizeof(t));
    const char *source = NULL;
    unsigned char pk[32];
    if (key_text) {
        if (registry_cert_read_key(key_text, "registry-key", pk, &e) < 0)
            return cli_fail(c, &e);
        registry_trusted_add(&t, pk);
        source = "the key given";
    } else if (c->db_path && access(c->db_path, F_OK) == 0) {
        struct registry_link link;
        struct err none = ERR_INIT;
        if (cli_open_store(c, &none) == 0 &&
            registry_link_get(c->store, &link, &none) == 0 &&
            clinic_key_base64_decode(link.public_key, pk, 32, "pinned",
                                     &none) == 0) {
            registry_trusted_add(&t, pk);
            source = "the registry key pinned at enrolment";
        }
    }
    if (!t.count)
        return cli_error(c, EXIT_BAD_INPUT, "registry-key", "a registry "
                         "certificate is checked against the registry's "
                         "public key: give --registry-key KEY|FILE (or run "
                         "where the clinic enrolled)");
    if (url && registry_trusted_history(url, &t, &e) < 0)
        return cli_fail(c, &e);
    struct registry_cert_facts f;
    enum registry_cert_verdict v = registry_cert_verify(text, len,
                                                        &t.keys[0][0],
                                                        t.count, &f, &e);
    json_t *revoked = NULL;
    if (v == REGISTRY_CERT_VALID && url) {
        int rc = check_online(url, &t, &f, text, len, &revoked, &e);
        if (rc < 0 && e.code == ERR_FAIL) {
            json_decref(f.claims);
            return cli_fail(c, &e);
        }
        if (rc < 0)
            v = REGISTRY_CERT_TAMPERED;
    }
    const char *status = revoked ? "revoked" : registry_cert_verdict_name(v);
    if (v != REGISTRY_CERT_VALID || revoked) {
        if (c->json) {
            json_t *o = json_pack("{sssb}", "status", status, "valid", 0);
            if (revoked) {
                json_object_set(o, "revoked_at",
                                json_object_get(revoked, "revoked_at"));
                json_object_set(o, "reason",
                                json_object_get(revoked, "reason"));
            } else {
                json_object_set_new(o, "field", json_string(e.field));
                json_object_set_new(o, "error", json_string(e.message));
            }
            cli_print_json(c, o);
        } else if (revoked) {
            printf("revoked: certificate %s was revoked at %s: ",
                   str(f.claims, "id"), str(revoked, "revoked_at"));
            print_clean(str(revoked, "reason"));
            printf("\n");
        } else {
            printf("%s: ", status);
            print_clean(e.field);
            printf(": ");
            print_clean(e.message);
            printf("\n");
        }
        json_decref(revoked);
        json_decref(f.claims);
        c->exit_code = EXIT_FAILURE_;
        return EXIT_FAILURE_;
    }
    char pk64[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(f.signer, pk64);
    if (c->json)
        return cli_print_json(
            c, json_pack("{sssbsssssIsIsbso}", "status", "valid", "valid", 1,
                         "kind", "registry certificate", "public_key", pk64,
                         "leaf_index", (json_int_t)f.leaf_index, "tree_size",
                         (json_int_t)f.tree_size, "log_checked", url != NULL,
                         "certificate", f.claims));
    printf("valid: registry certificate %s, signed by the registry's key "
           "%s (%s), in the registry's log as leaf %" PRIu64 " of %" PRIu64
           "%s\n", str(f.claims, "id"), pk64, source, f.leaf_index,
           f.tree_size,
           url ? "; the log holds it today and it is not revoked"
               : " (not checked for revocation: give --url)");
    print_claims(f.claims, pk64, 1,
                 "registry certificate (the registry's designation on the "
                 "national data)");
    json_decref(f.claims);
    return EXIT_OK;
}

/* A clinic attestation's signer against the clinic's key history (the
 * JSON of 'touchstone key history --json'): the signer must be one of its
 * keys, and a retired key must not have signed after it was retired.
 * Gives the key's id and "current" / "retired" in state. */
static int check_history(const char *path, const json_t *claims,
                         const unsigned char signer[CLINIC_KEY_PUBLIC_BYTES],
                         char id[CLINIC_KEY_ID_LEN], const char **state,
                         struct err *e)
{
    char *text = NULL;
    size_t len = 0;
    if (read_input(path, &text, &len, 1 << 20, e) < 0)
        return -1;
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    json_t *keys = json_object_get(doc, "keys");
    if (!json_is_array(keys)) {
        json_decref(doc);
        return err_set(e, ERR_INPUT, "key-history", "'%s' is not a key "
                       "history ({\"keys\": [...]}, from 'touchstone key "
                       "history --json')", path);
    }
    char signer64[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(signer, signer64);
    clinic_key_id(signer, id);
    const char *issued = json_string_value(json_object_get(claims,
                                                           "issued_at"));
    size_t i;
    json_t *k;
    int rc = err_set(e, ERR_REFUSED, "public_key", "the certificate was "
                     "signed by key %s, which is not in the clinic's key "
                     "history", id);
    json_array_foreach(keys, i, k) {
        const char *pk = json_string_value(json_object_get(k, "public_key"));
        if (!pk || strcmp(pk, signer64))
            continue;
        const char *retired =
            json_string_value(json_object_get(k, "retired_at"));
        *state = retired ? "retired" : "current";
        if (retired && issued && strcmp(issued, retired) > 0)
            rc = err_set(e, ERR_REFUSED, "public_key", "key %s was retired "
                         "at %s, before the certificate's issued_at %s", id,
                         retired, issued);
        else
            rc = 0;
        break;
    }
    json_decref(doc);
    return rc;
}

int cmd_verify(struct cli *c, int argc, const char **argv)
{
    const char *file = NULL, *key_text = NULL, *registry_key = NULL;
    const char *url = NULL, *history = NULL;
    struct opt opts[] = {
        {"file", OPT_ARG, &file, "FILE", "the certificate ('-' for stdin)",
         1, 0},
        {"public-key", OPT_STRING, &key_text, "KEY",
         "the clinic's public key (base64, from 'touchstone key "
         "export-public'); the certificate must be signed by it", 0, 0},
        {"key-history", OPT_STRING, &history, "FILE",
         "a clinic attestation: the clinic's key history ('touchstone key "
         "history --json'); the certificate must be signed by one of its "
         "keys, a retired key before it was retired", 0, 0},
        {"registry-key", OPT_STRING, &registry_key, "KEY|FILE",
         "a registry certificate: the registry's public key (base64, or a "
         "file holding it; default: the key pinned at enrolment)", 0, 0},
        {"url", OPT_STRING, &url, "URL",
         "a registry certificate: also check it against the registry's "
         "log (still there, not revoked; old keys through the log's key "
         "history)", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Checks a certificate's Ed25519 signature and claims and "
                  "prints them. A registry certificate is checked against "
                  "the registry's key with its proof of inclusion in the "
                  "registry's transparency log, offline, and with --url "
                  "against the log itself; it is 'valid', 'tampered', "
                  "'revoked' or of an 'unknown issuer'. A clinic "
                  "attestation (signed by a clinic about its own "
                  "therapist) is checked against --public-key. Exits 0 "
                  "when valid, 1 when not (naming what failed), 2 when the "
                  "file cannot be read.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    unsigned char expected[CLINIC_KEY_PUBLIC_BYTES];
    if (key_text) {
        /* Forgive blanks around a pasted key, nothing else. */
        while (isspace((unsigned char)*key_text))
            key_text++;
        char *trimmed = xstrdup(key_text);
        size_t n = strlen(trimmed);
        while (n && isspace((unsigned char)trimmed[n - 1]))
            trimmed[--n] = '\0';
        int rc = clinic_key_base64_decode(trimmed, expected,
                                          sizeof(expected), "public-key", &e);
        free(trimmed);
        if (rc < 0)
            return cli_fail(c, &e);
    }
    char *text = NULL;
    size_t len = 0;
    if (read_input(file, &text, &len, CERTIFICATE_MAX_BYTES, &e) < 0)
        return cli_fail(c, &e);
    json_t *probe = json_loadb(text, len, 0, NULL);
    int registry = json_object_get(probe, "transparency") != NULL ||
                   (!key_text && (registry_key || url));
    json_decref(probe);
    if (registry) {
        int rc = verify_registry(c, text, len, registry_key, url);
        free(text);
        return rc;
    }
    json_t *claims = NULL;
    unsigned char signer[CLINIC_KEY_PUBLIC_BYTES];
    int rc = certificate_verify(text, len,
                                key_text && !history ? expected : NULL,
                                &claims, signer, &e);
    free(text);
    char key_id[CLINIC_KEY_ID_LEN];
    const char *key_state = NULL;
    if (rc == 0 && history &&
        check_history(history, claims, signer, key_id, &key_state, &e) < 0) {
        json_decref(claims);
        claims = NULL;
        rc = -1;
    }
    if (rc < 0) {
        if (c->json)
            cli_print_json(c, json_pack("{s:b,s:s,s:s}", "valid", 0, "field",
                                        e.field, "error", e.message));
        cli_fail(c, &e);
        c->exit_code = EXIT_FAILURE_;
        return EXIT_FAILURE_;
    }
    char pk64[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(signer, pk64);
    int checked = key_text != NULL || history != NULL;
    if (c->json) {
        json_t *doc = json_pack("{s:b,s:s,s:s,s:b,s:o}", "valid", 1, "kind",
                                "clinic attestation", "public_key", pk64,
                                "public_key_checked", checked,
                                "certificate", claims);
        if (key_state) {
            json_object_set_new(doc, "key_id", json_string(key_id));
            json_object_set_new(doc, "key_state", json_string(key_state));
        }
        return cli_print_json(c, doc);
    }
    if (key_state)
        printf("signed by the clinic's %s key %s (key history)\n",
               key_state, key_id);
    print_claims(claims, pk64, checked,
                 "clinic attestation (signed by the clinic about its own "
                 "therapist; registry certificates are checked with "
                 "--registry-key)");
    json_decref(claims);
    return EXIT_OK;
}
