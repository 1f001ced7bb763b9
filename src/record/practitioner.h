/*
 * practitioner: the therapists of the clinic, and their training records
 * (training.h). Adding one is an admin's action; anyone may list them, but
 * only an admin and the practitioner themself see more than id and name
 * (access_practitioner_full).
 */
#ifndef TS_RECORD_PRACTITIONER_H
#define TS_RECORD_PRACTITIONER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/util.h"
#include "record/actor.h"
#include "record/record.h"
#include "record/training.h"
#include "store/store.h"

/* Input of practitioner_add; borrowed strings, NULL when not given. */
struct practitioner_new {
    const char *name;        /* "name": required, text <= 200 bytes */
    const char *license;     /* "license": required, <= 64 bytes */
    const char *credentials; /* "credentials": required ("LMT"), <= 64 */
    const char *email;       /* "email": optional, address shape */
    const char *npi;         /* "npi": optional, 10 digits, check digit */
    int synthetic;           /* 1 for demo rows */
};

/* A practitioner as the caller may see it. When `limited` is 1 only id,
 * name and active are filled (the rest is ""). No owned memory. */
struct practitioner {
    int64_t id;
    char name[RECORD_NAME_MAX + 1];
    char license[RECORD_CODE_MAX + 1];
    char credentials[RECORD_CODE_MAX + 1];
    char email[RECORD_EMAIL_MAX + 1];
    char npi[11];
    int active;
    int synthetic;
    int registry_consent; /* 1: may be matched across clinics by NPI or
                           * license in the registry (docs/registry.md) */
    int directory_consent; /* 1: the registry's public directory may list
                            * them (record/listing.h) */
    char directory_name[RECORD_NAME_MAX + 1]; /* the name it shows, or "" */
    int limited; /* 1: the caller sees id and name only */
    char created_at[CLOCK_INSTANT_LEN];
};

ARRAY_LIST(practitioner, practitioner);

/* A practitioner with their training records (visible only when not
 * limited; else training is empty). */
struct practitioner_detail {
    struct practitioner practitioner;
    struct training_list training; /* owned */
};

/* Validates and adds a practitioner (admin only); *id is the new id. */
int practitioner_add(struct store *s, const struct actor *caller,
                     const struct practitioner_new *in, int64_t *id,
                     struct err *e);
/* Fills *out with practitioner id (ERR_NOT_FOUND, field `field`, when
 * there is none). */
int practitioner_get(struct store *s, const struct actor *caller, int64_t id,
                     const char *field, struct practitioner *out,
                     struct err *e);
/* The practitioner and their training records, ordered by completion. */
int practitioner_show(struct store *s, const struct actor *caller,
                      int64_t id, struct practitioner_detail *out,
                      struct err *e);
void practitioner_detail_release(struct practitioner_detail *d);
/* Every practitioner, by name then id; allocates out->items. */
int practitioner_list(struct store *s, const struct actor *caller,
                      struct practitioner_list *out, struct err *e);

/*
 * Records the practitioner's consent (1) or its withdrawal (0) to be sent
 * to the registry with their NPI or licence, so that the registry knows
 * them as one practitioner across every clinic (docs/registry.md).
 * Admin only (ERR_AUTH); ERR_NOT_FOUND (field "id") for no such
 * practitioner; audited as an "update" of the practitioner in the same
 * transaction. Allocates nothing.
 */
int practitioner_set_registry_consent(struct store *s,
                                      const struct actor *caller, int64_t id,
                                      int consent, struct err *e);

/* Records registry consent for every synthetic practitioner (the demo's),
 * inside the caller's open transaction, without a check of its own. */
int practitioner_consent_synthetic(struct store *s, struct err *e);

#endif
