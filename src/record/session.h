/*
 * session: one treatment session of an episode: when, how long, the
 * phases of the procedure (introductory massage, kneading, ...) and notes.
 *
 * A session is added only to an open episode the caller may change, not
 * before the episode's start nor in the future, and only when the
 * practitioner is within scope (scope.h). Its phases are checked for
 * fidelity to the protocol (scope.h: introductory massage first, at least
 * half of the time kneading, ...); findings do not refuse the session,
 * they are stored with it (session_finding) and shown with the episode.
 */
#ifndef TS_RECORD_SESSION_H
#define TS_RECORD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/util.h"
#include "record/actor.h"
#include "record/record.h"
#include "store/store.h"

struct catalog;

#define SESSION_MINUTES_MAX 600
#define SESSION_PHASES_MAX 64

/* One phase of a session: a slug ("introductory", "kneading") and its
 * minutes (0..600). */
struct session_phase {
    char name[RECORD_CODE_MAX + 1];
    int minutes;
};

/* A fidelity finding about a session's phases. */
struct session_finding {
    char code[RECORD_CODE_MAX + 1]; /* "introductory-not-first", ... */
    char message[256];              /* a sentence for the record */
};

/* Input of session_add; borrowed. Text fields are NULL when not given. */
struct session_new {
    int64_t episode_id;     /* "episode" */
    const char *started_at; /* "start": an instant, not in the future */
    long minutes;           /* "minutes": 1..600 */
    const struct session_phase *phases; /* "phase": sum <= minutes */
    size_t phase_count;                 /* <= SESSION_PHASES_MAX */
    const char *note;       /* "note", and the SOAP fields "subjective", */
    const char *subjective; /* "objective", "assessment", "plan": */
    const char *objective;  /* multi-line text of at most 20000 bytes */
    const char *assessment;
    const char *plan;
    /* The catalog of protocols (scope, fidelity); NULL: the shipped
     * catalog. */
    const struct catalog *catalog;
};

/* Owned: the text fields (NULL when absent), phases and findings; freed
 * by session_release(). */
struct session {
    int64_t id;
    int64_t episode_id;
    char started_at[CLOCK_INSTANT_LEN];
    int minutes;
    char *note, *subjective, *objective, *assessment, *plan;
    struct session_phase *phases;
    size_t phase_count;
    struct session_finding *findings;
    size_t finding_count;
    char created_at[CLOCK_INSTANT_LEN];
};

/* Sessions, each released (session_release) by the list. */
ARRAY_LIST(session, session);

/* Parses "NAME:MINUTES" (field "phase") into *out. */
int session_phase_parse(const char *text, struct session_phase *out,
                        struct err *e);

/* Validates and adds a session with its phases and findings (audited
 * "create"); *id is the new session. */
int session_add(struct store *s, const struct actor *caller,
                const struct session_new *in, int64_t *id, struct err *e);
/* Fills *out (audited "read"); allocates, see session_release(). */
int session_get(struct store *s, const struct actor *caller, int64_t id,
                const char *field, struct session *out, struct err *e);
void session_release(struct session *se);
/* The sessions of one episode, by start then id (audited "list"). */
int session_list(struct store *s, const struct actor *caller,
                 int64_t episode_id, struct session_list *out,
                 struct err *e);

#endif
