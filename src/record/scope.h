/*
 * scope: the clinical rules between the record and the protocol catalog,
 * each behind one function so the record calls it from one place.
 *
 *   scope_check: a practitioner delivers a protocol (opens an episode,
 *     records a session) only when trained in it;
 *   scope_screen: the red-flag screen before a course of care;
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

/* Hours of training in stress-management-full-body that every
 * disorder-specific protocol builds on (DESIGN.md: 120-200 hours). */
#define SCOPE_FULL_BODY_PROTOCOL "stress-management-full-body"
#define SCOPE_FULL_BODY_HOURS 120.0

/* 0 when practitioner_id is trained to deliver protocol_id; else -1 with
 * ERR_SCOPE (field "practitioner") and, when note is not NULL, a note
 * naming the missing hours and the clinic's practitioners who are trained
 * (names only). Runs inside the caller's transaction. */
int scope_check(struct store *s, int64_t practitioner_id,
                const char *protocol_id, struct buf *note, struct err *e);

/* 0 when the red-flag screen for protocol_id is answered and every answer
 * is "no". An unanswered question or an unknown or repeated id is
 * ERR_INPUT (field "red-flag"); any "yes" is ERR_REFUSED (field
 * "red-flag") with a referral note appended to note (when not NULL).
 * *flag receives the first flag answered yes (or "" when none). */
int scope_screen(const char *protocol_id, const struct screen_answer *answers,
                 size_t count, char flag[RECORD_CODE_MAX + 1],
                 struct buf *note, struct err *e);

/* Checks a session's phases for fidelity to protocol_id and allocates
 * *findings (free()) with *count entries (0 and NULL when none). Sessions
 * recorded without phases get no findings. */
void scope_fidelity(const char *protocol_id, int minutes,
                    const struct session_phase *phases, size_t phase_count,
                    struct session_finding **findings, size_t *count);

#endif
