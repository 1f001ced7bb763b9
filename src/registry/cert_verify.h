/*
 * cert_verify: the offline check of a registry certificate
 * (registry/cert.h has the file's shape), with the registry's public
 * keys only: no database, no network.
 *
 * In order: the file is JSON holding "certificate", "signature" and
 * "transparency"; the signature verifies over the canonical bytes of the
 * claims and the claims are well formed (certificate_verify(), outcomes/
 * certificate.h); the signing key is one of the trusted keys and the one
 * the claims name (issuer.key_id); the transparency leaf is exactly the
 * claims' canonical bytes; the signed tree head verifies with the trusted
 * key it names and is of the proof's size and root; the audit path leads
 * from the leaf's hash to that root (RFC 9162 section 2.1.3.2).
 */
#ifndef TS_REGISTRY_CERT_VERIFY_H
#define TS_REGISTRY_CERT_VERIFY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "outcomes/merkle.h"
#include "outcomes/signing.h"

enum registry_cert_verdict {
    REGISTRY_CERT_VALID,
    REGISTRY_CERT_TAMPERED,       /* a signature, the leaf or the proof */
    REGISTRY_CERT_UNKNOWN_ISSUER, /* signed by a key not trusted */
    REGISTRY_CERT_NOT_REGISTRY,   /* no "transparency": not a registry
                                   * certificate (a clinic attestation) */
};

/* "valid", "tampered", "unknown issuer", "not a registry certificate". */
const char *registry_cert_verdict_name(enum registry_cert_verdict v);

struct registry_cert_facts {
    json_t *claims;       /* new reference when valid (json_decref) */
    unsigned char signer[SIGNING_PUBLIC_BYTES];
    uint64_t leaf_index, tree_size;
    unsigned char root[MERKLE_HASH_BYTES];
    unsigned char leaf_hash[MERKLE_HASH_BYTES];
};

/*
 * Checks the len bytes of text against the count trusted public keys
 * (count * SIGNING_PUBLIC_BYTES bytes). Returns the verdict; e names what
 * failed when it is not VALID. facts is filled as far as the checks went
 * (claims only when VALID).
 */
enum registry_cert_verdict registry_cert_verify(
    const char *text, size_t len, const unsigned char *trusted, size_t count,
    struct registry_cert_facts *facts, struct err *e);

#endif
