/*
 * report_cache: the server's rendered practitioner reports, kept between
 * requests, checked at two levels. A document is kept under the
 * database's change count (audit_writer_changes: it rises once the audit
 * writer finds that any connection or process has committed) read
 * before its snapshot began, and under a fingerprint of everything it is
 * computed from (a SHA-256 of those rows in that snapshot: each outcome
 * group's generation, the thresholds, the practitioner's name, the pulled
 * national document and its key, the practitioner's invitations). While
 * the count is unchanged, a read is answered with no query. When it has
 * moved (a commit somewhere, often unrelated), the fingerprint is read
 * in a new snapshot: unchanged, the document is kept under the new count;
 * changed, it is computed again. A commit by another process made just
 * before a request may be counted only by the audit writer's pass that
 * makes the request's audit entry durable: report_cache_recheck() then
 * reads the fingerprint before anything is sent, and answers again from
 * a new snapshot when it changed. Every read served from the cache is
 * audited like a computed one. A new input of report_practitioner_json()
 * (outcomes/report.c) must join the fingerprint here, or its changes
 * would not be seen. A document computed again takes the unchanged
 * groups' parts from the kept parts of outcomes/report.h (keyed by each
 * group's generation), so that a score recomputes its own group only;
 * and a write computes the documents read lately again before it is
 * answered (report_cache_refresh), so that readers do not.
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

/* After the audit entries of a read are durable: when its answer came
 * from a kept document without a query and the change count has moved
 * since, reads the fingerprint in a new snapshot and, when it is not the
 * served document's, answers again from that snapshot (its read is
 * audited already; what the new computing holds is dropped). 0, or -1 with w->err
 * when that failed. Nothing when the last answer of the thread was not
 * a kept one; called once at the end of every request (answer 0: the
 * request failed, only forgets). */
int report_cache_recheck(struct web_ctx *w, int answer);

/* After a write is committed and synced, before it is answered: computes
 * again the kept documents served in the last seconds (at most a few),
 * in read mode, so that the readers that follow find them and none
 * refits a model. Failures leave a document to be computed by its next
 * reader. */
void report_cache_refresh(struct web_ctx *w);

#endif
