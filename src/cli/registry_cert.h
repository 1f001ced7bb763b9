/*
 * registry_cert: the verbs of "touchstone registry" for certificates and
 * the transparency log (docs/certificates.md), each a verb function of the
 * registry command's table (cmd_registry.c): argv[0] is the verb.
 */
#ifndef TS_CLI_REGISTRY_CERT_H
#define TS_CLI_REGISTRY_CERT_H

#include "cli/cli.h"

#include <jansson.h>
#include <stddef.h>

/* (at a clinic) touchstone registry certify --practitioner ID --protocol P
 * --instrument I [--out FILE] [--json] */
int registry_certify_cmd(struct cli *c, int argc, const char **argv);
/* touchstone registry revoke --pg CONNINFO --key FILE --certificate ID
 * --reason TEXT */
int registry_revoke_cmd(struct cli *c, int argc, const char **argv);
/* touchstone registry log verify --url URL [--state FILE]
 * [--registry-key KEY] */
int registry_log_cmd(struct cli *c, int argc, const char **argv);
/* touchstone registry key rotate --pg CONNINFO --key FILE --new-key FILE */
int registry_key_cmd(struct cli *c, int argc, const char **argv);

/* The registry public key KEY (base64) or the first line of the file KEY
 * into pk: -1 with e (field) when it is neither. */
int registry_cert_read_key(const char *key, const char *field,
                           unsigned char pk[32], struct err *e);

/* GET base url + path: 0 with *out (new reference) on a 200 with JSON,
 * else -1 with the registry's refusal or the failure to reach it. */
int registry_cert_fetch(const char *url, const char *path, json_t **out,
                        struct err *e);

/* 0 when the len bytes of leaf are a key change ({"change": {...,
 * "old_public_key", "new_public_key"}, "old_signature", "new_signature"})
 * signed by both its keys, which are written to old_pk and new_pk. */
int registry_key_change_check(const char *leaf, size_t len,
                              unsigned char old_pk[32],
                              unsigned char new_pk[32]);

/* Registry public keys trusted by a check. */
#define REGISTRY_TRUSTED_MAX 32
struct registry_trusted {
    unsigned char keys[REGISTRY_TRUSTED_MAX][32];
    size_t count;
};

/* Adds pk (once; beyond REGISTRY_TRUSTED_MAX keys, nothing). */
void registry_trusted_add(struct registry_trusted *t,
                          const unsigned char pk[32]);

/* The registry's key history (GET url/log/v1/keys and the key-change
 * leaves it names): a key joins the trusted ones when the log's key-change
 * leaf between it and a trusted key is signed by both. -1 with e when the
 * log cannot be read. */
int registry_trusted_history(const char *url, struct registry_trusted *t,
                             struct err *e);

#endif
