/*
 * report_cache: the server's rendered practitioner reports, kept between
 * requests. A document is kept under the database's change count
 * (audit_writer_changes: it rises once the audit writer finds that any
 * connection or process has committed) read before its snapshot began,
 * and served again while the count is unchanged: a kept answer costs no
 * query. A commit by another process made just before a request may be
 * counted only by the pass of the audit writer that makes the request's
 * audit entry durable: report_cache_recheck() then answers again from a
 * new snapshot before anything is sent. Every read served from the cache
 * is audited like a computed one. A document computed again takes the
 * unchanged groups' parts from the kept parts of outcomes/report.h (keyed
 * by each group's generation), so that a score recomputes its own group
 * only; and a write computes the documents read lately again before it
 * is answered (report_cache_refresh), so that readers do not.
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
 * from a kept document and the change count has moved since it was
 * looked up, answers again from a new snapshot (its read is audited
 * already; what the new computing holds is dropped). 0, or -1 with w->err
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
