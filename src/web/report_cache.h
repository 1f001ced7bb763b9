/*
 * report_cache: the server's rendered practitioner reports, kept between
 * requests. A document is served again only while everything it was
 * computed from is unchanged, read in the same snapshot as the request:
 * the outcome groups' generations (raised by every change of a group's
 * summaries, never lowered: taken as their sum, with the groups' count
 * and largest id), the designation thresholds, the practitioner's name, the
 * pulled national document and its key, and the practitioner's
 * invitations. That fingerprint (a SHA-256 of those rows) is the key, so
 * a change made by any connection or process is seen at once. Every read
 * served from the cache is audited like a computed one. A new input of
 * report_practitioner_json() (outcomes/report.c) must join the
 * fingerprint here, or its changes would not be seen. A document computed
 * again takes the unchanged groups' parts from the kept parts of
 * outcomes/report.h (keyed by each group's generation), so that a score
 * recomputes its own group only.
 */
#ifndef TS_WEB_REPORT_CACHE_H
#define TS_WEB_REPORT_CACHE_H

#include <stdint.h>

struct web_ctx;

/* Answers GET /api/v1/practitioners/ID/report for an allowed caller from
 * the cache, or computes it (report_practitioner_json), keeps it and
 * answers; 0 with the reply set. 1 when the cache does not apply (the
 * caller would be refused, or the protocol is not a slug): the caller
 * answers as usual. -1 with w->err when the report failed. */
int report_cache_practitioner(struct web_ctx *w, int64_t practitioner_id,
                              const char *protocol);

#endif
