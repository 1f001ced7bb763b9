/*
 * claims: what a certificate's claims (outcomes/certificate.h) state, in
 * words, for the pages that show a certificate (the clinic's and the
 * registry's /verify): each member as text ("" when absent), with the
 * protocol's and the instrument's names from the catalog.
 */
#ifndef TS_CATALOG_CLAIMS_H
#define TS_CATALOG_CLAIMS_H

#include <jansson.h>

#include "catalog/catalog.h"

struct catalog_claims {
    const char *practitioner, *license; /* the practitioner's */
    const char *clinic;                 /* the clinic's name */
    const char *designation;
    const char *protocol, *protocol_name; /* the id; its name, or the id */
    const char *instrument, *instrument_name; /* the code; its name, or it */
    const char *from, *to; /* the data window */
};

/* Fills out from claims, names looked up in cat (NULL: none known). The
 * texts are borrowed: valid while claims and cat are. */
void catalog_claims_read(const struct catalog *cat, const json_t *claims,
                         struct catalog_claims *out);

#endif
