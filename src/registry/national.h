/*
 * national: the registry's national report, computed with the clinic's own
 * outcome code (outcomes/report.h, benchmark.h, disclosure.h), not a copy
 * of it.
 *
 * The report merges the partial states of every approved clinic
 * (registry/partial.h: one per clinic x practitioner x protocol x
 * instrument, kept current by the batches), read in one COPY in
 * PostgreSQL's binary format with the practitioners' labels in one
 * snapshot, the report's filters applied as they arrive; the states are
 * merged in a fixed order (group, registry practitioner, clinic) and each
 * group finished by the benchmark's own code (outcomes/benchmark.h, steps
 * (b) and (c)); report_registry_part_write() and
 * report_registry_document_write() write the document.
 * The public document names no practitioner ("practitioner" null, the
 * registry's "peer-..." label kept), and small cells are withheld with
 * their complements (disclosure_decide_group, 11 by default as
 * CMS does). The document adds "registry": {"clinics", "practitioners",
 * "summaries", "min_cell"}.
 *
 * Ownership: the functions returning a json_t * return a new reference
 * (json_decref() it), or NULL with e filled.
 */
#ifndef TS_REGISTRY_NATIONAL_H
#define TS_REGISTRY_NATIONAL_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

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

/* The national report (protocol, instrument: NULL for any), its text
 * read back as a value. */
json_t *registry_national_report(struct pg *db, const char *protocol,
                                 const char *instrument, int min_cell,
                                 struct err *e);

/* Writes the national report to out as JSON text, as json_dumps() would
 * write registry_national_report()'s document with flags (jansson's):
 * straight from the finished groups (outcomes/report.h, the registry
 * document's one writer), each group's text written by one of as many
 * threads as there are cores, never a jansson value (at a million
 * episodes it is 21 MB of text and several times that as a value).
 * Returns 0, or -1 with e (out may then hold part of the text).
 * Allocates nothing for the caller. */
int registry_national_write(struct pg *db, const char *protocol,
                            const char *instrument, int min_cell,
                            size_t flags, FILE *out, struct err *e);
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
 * (updated_at) changes, and of the partial states, which every other
 * write of summaries (in SQL) changes: marks waiting, states rebuilt
 * (their newest row version) or deleted (their count). It is read
 * before the document so that a cached
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
