/*
 * national: the registry's national report, computed with the clinic's own
 * outcome code (outcomes/report.h, benchmark.h, disclosure.h), not a copy
 * of it.
 *
 * The summaries of every approved clinic are read from registry_outcome
 * (one pass, row by row) into a scratch clinic store in memory
 * (store/store.h; the schema's triggers build its compact outcome rows as
 * in any clinic), with each registry practitioner under its registry id
 * and stable label, and every summary as an episode of its own. Then
 * report_registry_json() runs on it, exactly as `touchstone report
 * registry` does on a clinic. The public document names no practitioner
 * ("practitioner" null, the registry's "peer-..." label kept), and small
 * cells are withheld with their complements (disclosure_protect_registry
 * with min_cell, 11 by default as CMS does). The document adds
 * "registry": {"clinics", "practitioners", "summaries", "min_cell"}.
 *
 * Ownership: both functions return a new reference (json_decref() it), or
 * NULL with e filled.
 */
#ifndef TS_REGISTRY_NATIONAL_H
#define TS_REGISTRY_NATIONAL_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "outcomes/signing.h"
#include "registry/pg.h"

#define REGISTRY_MIN_CELL_DEFAULT 11

/* The counts of what the national report rests on. */
struct registry_national_counts {
    int64_t clinics, practitioners, summaries;
};

struct store;
/* The scratch clinic store the national report is computed on (see
 * above), with the summaries of protocol x instrument (NULL for any) and
 * the counts: for other computations with the clinic's outcome code
 * (registry/cert.h). Allocates; the caller store_close()s it. */
struct store *registry_national_load(struct pg *db, const char *protocol,
                                     const char *instrument,
                                     struct registry_national_counts *counts,
                                     struct err *e);

/* The national report (protocol, instrument: NULL for any). */
json_t *registry_national_report(struct pg *db, const char *protocol,
                                 const char *instrument, int min_cell,
                                 struct err *e);

/* {"document": REPORT, "signature": BASE64}: the report signed with the
 * registry's secret key (Ed25519 over its canonical JSON). */
json_t *registry_national_signed(struct pg *db,
                                 const unsigned char sk[SIGNING_SECRET_BYTES],
                                 int min_cell, struct err *e);

#endif
