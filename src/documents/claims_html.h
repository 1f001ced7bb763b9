/*
 * claims_html: the sentence a verification page leads with, stating what
 * a certificate claims (catalog/claims.h): who (with the licence), of
 * which clinic, holds which designation in which protocol, measured by
 * which instrument, on data of which window. The clinic's /verify
 * (web/page_verify.c) and the registry's (registry/verify_show.c) both
 * write it here; each keeps its own voice.
 */
#ifndef TS_DOCUMENTS_CLAIMS_HTML_H
#define TS_DOCUMENTS_CLAIMS_HTML_H

#include "catalog/claims.h"
#include "core/buf.h"

enum claims_voice {
    CLAIMS_VOICE_CLINIC,   /* a lead paragraph: "X (license L) of C is D" */
    CLAIMS_VOICE_REGISTRY, /* "X (licence L) of C holds the registry's D
                            * designation" */
};

/* Appends the statement of c as one HTML paragraph, every text escaped.
 * Allocates only through b. */
void claims_html_statement(struct buf *b, const struct catalog_claims *c,
                           enum claims_voice voice);

#endif
