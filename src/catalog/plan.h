/*
 * plan: timed session plans from a protocol, and the fidelity of a session
 * as delivered to its protocol.
 *
 * A plan gives every phase of the protocol, in order, a whole number of
 * minutes; the minutes sum exactly to the session length, each phase stays
 * within its share (min_share x M rounded up to max_share x M rounded
 * down), and kneading phases take at least half the time.
 *
 * Ownership: plans and fidelity reports are plain structs filled in the
 * caller's memory; their pointers point into the protocol, so they are
 * valid while the catalog that holds it is. Nothing here allocates.
 */
#ifndef TS_CATALOG_PLAN_H
#define TS_CATALOG_PLAN_H

#include "catalog/catalog.h"
#include "core/err.h"

struct plan_phase {
    const struct protocol_phase *phase; /* name, kind, techniques, ... */
    int minutes;
};

struct plan {
    const struct protocol *protocol;
    int minutes;          /* the session length */
    int kneading_minutes; /* minutes of kneading phases in all */
    int phase_count;
    struct plan_phase phases[PROTOCOL_MAX_PHASES];
};

/*
 * 1 when a session of `minutes` can be split into whole minutes within
 * every phase's share (ignoring the protocol's session range), else 0.
 */
int plan_fits(const struct protocol *p, int minutes);

/*
 * Makes the plan of a session of `minutes` minutes. Phases start at their
 * minimum (min share of M, rounded up); the remaining minutes go one at a
 * time to the phase furthest below its target (the midpoint of its share
 * range, scaled so the targets sum to M), never past a phase's maximum;
 * ties go to the earlier phase. Returns 0, or -1 with e (ERR_REFUSED,
 * field "minutes") when the length is outside the protocol's range (the
 * message gives the range, e.g. "40 minutes is outside the 15-25 minutes
 * of contralateral-circulation") or cannot be split within the shares.
 */
int plan_make(const struct protocol *p, int minutes, struct plan *out,
              struct err *e);

/* One phase of a session as delivered: the protocol phase's name (matched
 * case-insensitively) and the minutes spent on it. */
struct delivered_phase {
    const char *name;
    int minutes;
};

/* Finding codes (stable strings, stored with the session). */
#define FIDELITY_INTRODUCTORY_NOT_FIRST "introductory-not-first"
#define FIDELITY_KNEADING_UNDER_HALF "kneading-under-half"
#define FIDELITY_UNKNOWN_PHASE "unknown-phase"
#define FIDELITY_MINUTES_MISMATCH "minutes-mismatch"
#define FIDELITY_LENGTH_OUT_OF_RANGE "length-out-of-range"
#define FIDELITY_PHASE_MISSING "phase-missing"
#define FIDELITY_SHARE_OUT_OF_RANGE "share-out-of-range"
#define FIDELITY_PHASE_OUT_OF_ORDER "phase-out-of-order"
#define FIDELITY_MAX_FINDINGS 24

struct fidelity_finding {
    const char *code; /* one of FIDELITY_* */
    char message[200];
};

struct fidelity {
    int count; /* findings kept (at most FIDELITY_MAX_FINDINGS) */
    int found; /* findings found: more than count when some were dropped */
    struct fidelity_finding findings[FIDELITY_MAX_FINDINGS];
};

/*
 * Checks a delivered session against protocol p. phases[0..n) are the
 * phases in the order delivered (a name may repeat; its minutes add up);
 * session_minutes is the session's recorded length. Findings, in this
 * order:
 *   introductory-not-first  the first phase is not p's introductory phase
 *                           (or no phase was recorded)
 *   unknown-phase           a phase p does not have (one per name)
 *   phase-out-of-order      known phases out of p's order
 *   phase-missing           a phase of p that was not delivered
 *   kneading-under-half     kneading took under half of session_minutes
 *   share-out-of-range      a phase outside its share of session_minutes
 *   minutes-mismatch        the phases' minutes do not sum to
 *                           session_minutes
 *   length-out-of-range     session_minutes outside p's session range
 * Returns the number of findings found (0: delivered as planned; the first
 * FIDELITY_MAX_FINDINGS are kept in out), or -1 with e
 * filled (ERR_INPUT) for a NULL or blank name, minutes below 0 or above
 * 1440, n below 0 or session_minutes not positive.
 */
int plan_check_fidelity(const struct protocol *p,
                        const struct delivered_phase *phases, int n,
                        int session_minutes, struct fidelity *out,
                        struct err *e);

#endif
