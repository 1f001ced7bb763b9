/*
 * scope: the clinical rules between the record and the protocol catalog
 * (catalog/catalog.h), each behind one function so the record calls it
 * from one place.
 *
 *   scope_protocol: the protocol an id names (else a field error);
 *   scope_check: a practitioner delivers a protocol (opens an episode,
 *     records a session) only when their training reaches the protocol's
 *     own hours and, for every protocol but the baseline itself, the
 *     full-body stress-management baseline (120 hours);
 *   scope_screen: the protocol's red-flag screen before a course of care;
 *   scope_fidelity: a session's phases against the protocol's structure.
 */
#ifndef TS_RECORD_SCOPE_H
#define TS_RECORD_SCOPE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "record/episode.h"
#include "record/session.h"
#include "store/store.h"

struct catalog;
struct protocol;

/* given, or (when NULL) the catalog shipped in the binary, loaded once on
 * first use and kept for the life of the process. */
const struct catalog *scope_catalog(const struct catalog *given);

/* The protocol protocol_id in cat (NULL: shipped), or NULL with ERR_INPUT
 * on field ("'x' is not a protocol of the catalog ..."). */
const struct protocol *scope_protocol(const struct catalog *cat,
                                      const char *protocol_id,
                                      const char *field, struct err *e);

/* 0 when practitioner_id's training covers protocol p; else -1 with
 * ERR_SCOPE (field "practitioner") naming the missing hours and, when note
 * is not NULL, a note naming them and the clinic's active practitioners
 * who are trained (names only). Runs inside the caller's transaction. */
int scope_check(struct store *s, const struct catalog *cat,
                int64_t practitioner_id, const struct protocol *p,
                struct buf *note, struct err *e);

/* 0 when every red-flag question of p is answered and every answer is
 * "no". Any "yes" is ERR_REFUSED (field "red-flag") with a referral note
 * appended to note (when not NULL) and *flag the first flag answered yes;
 * an id that is not one of p's flags, an id answered twice or a question
 * left unanswered is ERR_INPUT (field "red-flag"). */
int scope_screen(const struct protocol *p, const struct screen_answer *answers,
                 size_t count, char flag[RECORD_CODE_MAX + 1],
                 struct buf *note, struct err *e);

/* Checks a session's phases for fidelity to protocol p (catalog/plan.h:
 * introductory first, kneading at least half, phases known, in order,
 * within their shares, the session within the protocol's length) and
 * allocates *findings (free()) with *count entries (0 and NULL when the
 * session was delivered as planned). A session recorded without phases
 * gets one finding, "phases-not-recorded". */
void scope_fidelity(const struct protocol *p, int minutes,
                    const struct session_phase *phases, size_t phase_count,
                    struct session_finding **findings, size_t *count);

#endif
