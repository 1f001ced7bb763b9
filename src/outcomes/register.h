/*
 * The register of issued certificates (table certificate, migration 9):
 * every document certify_issue() signs is kept as issued, and may be
 * revoked once, with a reason (docs/certificates.md). The signature of a
 * revoked certificate still holds; the register is where a reader learns
 * that the clinic withdrew it (the /verify page and API say so).
 */
#ifndef TS_OUTCOMES_REGISTER_H
#define TS_OUTCOMES_REGISTER_H

#include <jansson.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"
#include "record/actor.h"
#include "record/record.h"
#include "store/store.h"

#define REGISTER_ID_MAX 64       /* the claims' id: 1-64 of [a-z0-9-] */
#define REGISTER_REASON_MAX 500  /* a revocation's reason */

struct issued_certificate {
    char id[REGISTER_ID_MAX + 1];
    int64_t practitioner_id;
    char practitioner_name[RECORD_NAME_MAX + 1];
    char protocol[RECORD_CODE_MAX + 1];
    char instrument[RECORD_CODE_MAX + 1];
    char designation[16];               /* "reproducible", "advanced" */
    char issued_at[CLOCK_INSTANT_LEN];
    char revoked_at[CLOCK_INSTANT_LEN]; /* "" while valid */
    char revoked_reason[REGISTER_REASON_MAX + 1];
};

struct issued_list {
    struct issued_certificate *items;
    size_t count;
};

/*
 * Records a certificate just signed: its document exactly as issued
 * (certificate_sign's output; the register's columns come from its
 * claims). Runs inside the caller's transaction (certify_issue's); no
 * access check, no audit (the caller holds both). ERR_INPUT (field "id")
 * when the id is taken.
 */
int register_add(struct store *s, const char *document, struct err *e);

/*
 * Lists issued certificates, newest first: an admin every one (or one
 * practitioner's, practitioner_id > 0), a therapist their own (another
 * practitioner_id: ERR_AUTH, field "practitioner"); researchers none
 * (ERR_AUTH). Audited as a "read" of "certificate". *out is allocated;
 * release it with register_list_release().
 */
int register_list(struct store *s, const struct actor *caller,
                  int64_t practitioner_id, struct issued_list *out,
                  struct err *e);
void register_list_release(struct issued_list *l);

/*
 * One certificate by id, with the same access rule (ERR_NOT_FOUND, field
 * "id", for one the caller may not see as for a missing one); *document
 * (when not NULL) receives the signed document (free() it). Audited.
 */
int register_get(struct store *s, const struct actor *caller, const char *id,
                 struct issued_certificate *out, char **document,
                 struct err *e);

/*
 * Revokes a certificate: admins only (ERR_AUTH), a reason of 1 to
 * REGISTER_REASON_MAX characters (ERR_INPUT, field "reason"); ERR_NOT_FOUND
 * (field "id") for an unknown id; ERR_REFUSED (field "id") when it was
 * revoked already. One transaction, audited as an "update" of
 * "certificate" naming the id. *out (may be NULL) receives the row after.
 */
int register_revoke(struct store *s, const struct actor *caller,
                    const char *id, const char *reason,
                    struct issued_certificate *out, struct err *e);

/*
 * What the register says of a certificate id, for anyone who holds the
 * certificate (the public /verify page): 0 and *found = 0 when the id is
 * not in the register; *found = 1 and *out filled when it is. Reads only
 * the certificate's own row (its id, status and dates; the claims are in
 * the document the reader holds). Not audited: it reads no patient data.
 */
int register_status(struct store *s, const char *id, int *found,
                    struct issued_certificate *out, struct err *e);

/* The register's view of a certificate as JSON: {"status": "valid" or
 * "revoked", "issued_at", "revoked_at", "reason"} (null while valid);
 * {"status": "unknown"} when found is 0. New reference. */
json_t *register_status_json(int found, const struct issued_certificate *c);

/* A listed certificate as JSON: {"id", "practitioner": {"id", "name"},
 * "protocol", "instrument", "designation", "issued_at", "status",
 * "revoked_at", "reason"}. New reference. */
json_t *register_entry_json(const struct issued_certificate *c);

#endif
