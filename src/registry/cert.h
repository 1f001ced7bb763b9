/*
 * cert: the registry's certificates (docs/certificates.md). A clinic asks
 * for the designation of one of its practitioners in one protocol x
 * instrument; the registry checks it on the national data with the
 * clinic's own designation code (registry/national.h's scratch store,
 * outcomes/benchmark.h) and issues a certificate signed with its key and
 * appended to its transparency log (registry/log.h), or refuses naming
 * the first criterion not met. A registry admin revokes a certificate: a
 * revocation leaf in the log.
 *
 * The certificate file (one line of canonical JSON):
 *   {"certificate": CLAIMS, "signature": {"alg", "public_key", "value"},
 *    "transparency": {"leaf_index", "tree_size", "root_hash",
 *      "audit_path": [base64...], "sth": STH, "leaf": base64}}
 * CLAIMS pass certificate_check_claims() (outcomes/certificate.h) and add
 * "issuer" {"kind": "registry", "key_id", "public_key"}, "expires_at",
 * "national" (the cell's group: clinics, peers, summaries, the model) and
 * "percentile". The leaf is the canonical bytes of CLAIMS; the signature
 * is Ed25519 over those same bytes.
 */
#ifndef TS_REGISTRY_CERT_H
#define TS_REGISTRY_CERT_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "registry/log.h"
#include "registry/pg.h"

#define REGISTRY_CERT_DAYS 365 /* a certificate's validity */

struct registry_cert_request {
    int64_t clinic;          /* the asking clinic's registry id */
    const char *practitioner; /* the clinic's pseudonym "p-..." */
    const char *name;        /* the practitioner's name and licence */
    const char *license;
    const char *protocol;
    const char *instrument;
};

/*
 * Checks and issues, in one transaction with the log's append and a new
 * signed tree head. Returns the certificate file's text (free() it), or
 * NULL with e and *status (the HTTP status: 404 unknown practitioner or
 * cell, 422 a criterion not met (ERR_REFUSED, field the criterion's name,
 * the message its required and observed values), 403 a clinic not
 * approved, 500).
 */
char *registry_cert_issue(struct pg *db, const struct registry_signer *signer,
                          int min_cell, const struct registry_cert_request *r,
                          int *status, struct err *e);

/*
 * Revokes certificate id with reason: appends a revocation leaf (the
 * canonical bytes of {"format": "touchstone-revocation/1", "certificate",
 * "certificate_leaf", "reason", "revoked_at"}) and signs a new tree head,
 * in one transaction. ERR_NOT_FOUND ("certificate"), ERR_CONFLICT when it
 * is revoked already. Fills *leaf_index.
 */
int registry_cert_revoke(struct pg *db, const struct registry_signer *signer,
                         int64_t id, const char *reason, uint64_t *leaf_index,
                         struct err *e);

/* The status of certificate id: {"id", "leaf_index", "revoked",
 * "revoked_at", "reason", "revocation_leaf"} (new reference), or NULL
 * with ERR_NOT_FOUND. */
json_t *registry_cert_status(struct pg *db, int64_t id, struct err *e);

#endif
