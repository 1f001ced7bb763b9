/*
 * directory: the registry's public directory of therapists who hold a
 * current registry designation (docs/registry.md, Directory).
 *
 * A clinic sends a signed listing (directory_listing_build at the clinic,
 * directory_update at the registry): its public place (state, 3-digit
 * ZIP) and the practitioners who consented, at the clinic, to be matched
 * in the registry and to be listed, each by the clinic's reference
 * ("p-...") and under the name the clinic gives for the directory. The
 * listing replaces the one before whole, so a withdrawn consent leaves the
 * directory with the next listing.
 *
 * directory_search answers a search by protocol, state and 3-digit ZIP
 * from the tables as they are when asked (no cache): a practitioner shows
 * only while listed by an approved clinic, matched across clinics by
 * consent, and holding a registry certificate that is neither expired nor
 * revoked. Nothing of any patient is read.
 */
#ifndef TS_REGISTRY_DIRECTORY_H
#define TS_REGISTRY_DIRECTORY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "record/access.h"
#include "record/clinic_key.h"
#include "registry/pg.h"
#include "store/store.h"

#define DIRECTORY_PROTOCOL_MAX 64
#define DIRECTORY_NAME_MAX 200
#define DIRECTORY_RESULTS_MAX 500 /* a search shows at most this many */
#define DIRECTORY_PRACTITIONERS_MAX 5000 /* per listing */

/* A search: each member "" when not asked. */
struct directory_query {
    char protocol[DIRECTORY_PROTOCOL_MAX + 1];
    char state[3]; /* "OR" */
    char zip3[4];  /* "972" */
};

/* One current designation of a listed practitioner. */
struct directory_entry {
    int64_t certificate; /* registry_certificate.id */
    int64_t leaf_index;  /* in the transparency log */
    char name[DIRECTORY_NAME_MAX + 1];
    char clinic[801];
    char state[3];
    char zip3[4];
    char protocol[DIRECTORY_PROTOCOL_MAX + 1];
    char instrument[33];
    char designation[65];
    char issued_at[21];  /* "2026-12-07T03:00:00Z" */
    char expires_at[21];
};

struct directory_list {
    struct directory_entry *items; /* owned: directory_list_release() */
    size_t count, alloc;
};

/* Checks one search parameter's value and stores it in q: protocol (a
 * catalog id: lower-case letters, digits and '-'), state (two letters,
 * stored upper-case) or zip3 (three digits); "" leaves it unasked.
 * ERR_INPUT naming field when the value is malformed. */
int directory_query_set(struct directory_query *q, const char *which,
                        const char *value, const char *field, struct err *e);

/* The current designations matching q, at most DIRECTORY_RESULTS_MAX, by
 * protocol, state, ZIP and name. Allocates out->items. */
int directory_search(struct pg *db, const struct directory_query *q,
                     struct directory_list *out, struct err *e);
void directory_list_release(struct directory_list *l);

/* The certificate document (as issued) of registry certificate id while
 * the directory shows it: 1 with *document allocated (free()), 0 when
 * the directory does not show it (unknown, revoked, expired, not
 * listed), -1 with e. */
int directory_certificate(struct pg *db, int64_t id, char **document,
                          struct err *e);

/* The answer of a search as JSON: {"query", "count", "therapists": [...]},
 * each with its certificate's URL under base_url ("" for relative ones).
 * Returns a new reference. */
json_t *directory_to_json(const struct directory_list *l,
                          const struct directory_query *q,
                          const char *base_url);

/* The answer as a FHIR R4 searchset Bundle of PractitionerRole resources
 * (one per designation; the clinic's place as a contained Location), the
 * self link being self_url. base_url is absolute ("http://host:port").
 * Returns a new reference. */
json_t *directory_to_fhir(const struct directory_list *l,
                          const char *base_url, const char *self_url);

/* The registry's answer to a signed listing. */
struct directory_update_result {
    int status;        /* HTTP status: 200, or the refusal's */
    int64_t clinic;
    int64_t seq;
    int64_t last_seq;  /* with a 409: the last listing accepted */
    int listed;        /* practitioners in the listing */
};

/*
 * Applies a clinic's signed listing, body {"listing": {"format": 1,
 * "clinic", "seq", "state", "zip3", "practitioners": [{"ref", "name"}]},
 * "signature"}: the signature (Ed25519 over the canonical JSON of
 * "listing") must verify with the clinic's enrolled key, the clinic be
 * pending or approved, and seq be larger than the last accepted. Then in
 * one transaction: the clinic's place and seq, its listing replaced.
 * Refusals (out->status 400 naming the member, 401 signature, 403 clinic,
 * 409 seq) change nothing and return -1 with e.
 */
int directory_update(struct pg *db, const char *body, size_t len,
                     struct directory_update_result *out, struct err *e);

/* ---- at the clinic ---- */

/*
 * Builds the clinic's signed listing for the registry it enrolled with
 * (registry_link): the clinic's place (clinic_location), and every active
 * practitioner with both the registry and the directory consent who has a
 * registry pseudonym (that is, was pushed), under their directory name.
 * Takes the next listing number and keeps it (so that an answer lost on
 * the way never makes the number repeat), audited ("update",
 * "registry_directory"). *body is allocated (free()); *listed counts the
 * practitioners; *url receives the registry's URL (allocated, free()).
 * ERR_CONFLICT (field "registry") when the clinic has not enrolled.
 */
int directory_listing_build(struct store *s, const struct actor *caller,
                            const unsigned char sk[CLINIC_KEY_SECRET_BYTES],
                            char **body, int *listed, char **url,
                            struct err *e);

#endif
