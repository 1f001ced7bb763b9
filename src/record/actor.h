/*
 * actor: who is asking. Every read and write of the record takes the
 * caller, so that access rules (access.h) and the audit log (audit.h) see
 * the same person. The command line acts as the clinic's local admin.
 */
#ifndef TS_RECORD_ACTOR_H
#define TS_RECORD_ACTOR_H

#include <stdint.h>

enum role {
    ROLE_ADMIN,      /* manages users, training, catalog; every record */
    ROLE_THERAPIST,  /* own patients (those in own episodes) only */
    ROLE_RESEARCHER, /* de-identified aggregates only, never a name */
};

struct actor {
    int64_t user_id;         /* 0: the local command line */
    enum role role;
    int64_t practitioner_id; /* a therapist's practitioner record, or 0 */
    const char *name;        /* "cli", or the user's email (audit log) */
    const char *client;      /* "local", or the client's IP address */
};

/* The local command line: an admin with no user account. */
extern const struct actor actor_cli;

/* A patient answering through a link (prom/answer.h) has no account: the
 * link is the actor. actor_link() fills *out as such an actor: no user,
 * the rights of no role over the record (role researcher, no
 * practitioner: every access check refuses it), named "link N" (N the
 * invitation's id) in the audit log, from client. name is the caller's
 * buffer, which *out points to. */
#define ACTOR_LINK_NAME_LEN 32
void actor_link(struct actor *out, int64_t invitation_id, const char *client,
                char name[ACTOR_LINK_NAME_LEN]);

/* "admin", "therapist" or "researcher". */
const char *role_name(enum role r);
/* Parses a role name; -1 when unknown. */
int role_parse(const char *name, enum role *out);

#endif
