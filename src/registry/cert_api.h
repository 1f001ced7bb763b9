/*
 * cert_api: the registry's HTTP routes of certificates and of the
 * transparency log (docs/certificates.md has the API):
 *
 *   POST /registry/v1/certify   {"request": {"clinic", "practitioner",
 *                               "name", "license", "protocol",
 *                               "instrument"}, "signature"}: 201 and the
 *                               certificate file, or the refusal
 *   GET  /log/v1/sth            the latest signed tree head
 *                               (?tree_size=N: that one)
 *   GET  /log/v1/proof-by-index ?leaf_index=M&tree_size=N
 *   GET  /log/v1/consistency    ?first=M&second=N
 *   GET  /log/v1/entries        ?start=A&end=B (B excluded, at most 256)
 *   GET  /log/v1/keys           the registry's keys, old and current
 *   GET  /log/v1/certificate    ?id=N: issued, revoked or not
 *
 * Errors are the registry API's ({"error": {"code", "field",
 * "message"}}).
 */
#ifndef TS_REGISTRY_CERT_API_H
#define TS_REGISTRY_CERT_API_H

#include "registry/api.h"

/* Answers a POST /registry/v1/certify. */
registry_route registry_cert_api_certify;

/* Answers a request whose path starts with "/log/v1/". */
registry_route registry_log_api_handle;

#endif
