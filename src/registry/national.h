/*
 * national: the registry's national report, computed with the clinic's own
 * outcome code (outcomes/report.h, benchmark.h, disclosure.h), not a copy
 * of it.
 *
 * The summaries of every approved clinic are read from registry_outcome
 * in one COPY in PostgreSQL's binary format (one snapshot with the
 * practitioners' labels), the report's filters applied as rows arrive,
 * into an array per protocol x instrument of struct bench_summary
 * (outcomes/benchmark.h), ordered by registry practitioner, clinic and
 * episode. report_registry_summaries_json() then runs on them the pass
 * that `touchstone report registry` runs on a clinic's store: the same
 * code, row for row. The public document names no practitioner
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
/* A scratch clinic store holding the national summaries of protocol x
 * instrument (NULL for any) and their practitioners' labels, with the
 * counts: for computations that need the clinic's store-based outcome
 * code, such as a registry certificate's checks (registry/cert.h). The
 * national report itself does not use it (see above). Allocates; the
 * caller store_close()s it. Defined in registry/national_store.c. */
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

/*
 * The signed national document of a running registry server, kept
 * between requests: computed again only when the registry's generation
 * has moved, a fingerprint of registry_clinic that every accepted batch
 * (last_seq, updated_at) and every change of a clinic's status
 * (updated_at) changes, read before the document so that a cached
 * document is never older than its fingerprint. Safe to share between
 * threads (a mutex; one computation at a time, the others wait for it).
 * registry_national_cache_new() allocates, _free() frees (NULL is fine).
 */
struct registry_national_cache;

struct registry_national_cache *registry_national_cache_new(void);
void registry_national_cache_free(struct registry_national_cache *c);

/* The signed national document as compact JSON text (a new string, free()
 * it), from c when the registry's generation is unchanged; *cached says
 * which. NULL with e on failure. */
char *registry_national_signed_text(struct registry_national_cache *c,
                                    struct pg *db,
                                    const unsigned char
                                        sk[SIGNING_SECRET_BYTES],
                                    int min_cell, int *cached,
                                    struct err *e);

#endif
