/*
 * user: login accounts for the web server (admin, therapist, researcher).
 *
 * Passwords are hashed with Argon2id (libsodium crypto_pwhash_str, the
 * "interactive" limits) and never stored or returned in clear. A therapist
 * account is linked to its practitioner record, which is what the access
 * rules use; other roles have none. A disabled account cannot log in and
 * its web sessions are ended.
 *
 * Failed logins are counted in the table login_failure, per account email
 * and per client address, so that every server thread sees them: past
 * USER_LOGIN_MAX_FAILURES for the email (or USER_LOGIN_MAX_CLIENT_FAILURES
 * for the client) within USER_LOGIN_WINDOW_SECONDS, further attempts are
 * refused without checking the password until the window moves on. An
 * attempt counts the failures and reserves its own failure row in one
 * write transaction before the password is checked (a success clears the
 * email's rows), so parallel attempts never check more passwords than the
 * limit.
 *
 * Account changes and logins are written to the audit log (ids only).
 * Nothing here allocates except user_list() (see there).
 */
#ifndef TS_RECORD_USER_H
#define TS_RECORD_USER_H

#include <stdint.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

#define USER_EMAIL_MAX 254
#define USER_PASSWORD_MIN 12   /* characters (UTF-8 code points) */
#define USER_PASSWORD_MAX 1024 /* bytes */
#define USER_LOGIN_MAX_FAILURES 5
#define USER_LOGIN_MAX_CLIENT_FAILURES 10
#define USER_LOGIN_WINDOW_SECONDS (15 * 60)
/* The password of the demo logins made by user_create_demo_logins(). */
#define USER_DEMO_PASSWORD "touchstone-demo"

struct user {
    int64_t id;
    char email[USER_EMAIL_MAX + 1];
    enum role role;
    int64_t practitioner_id; /* 0: none (admin, researcher) */
    int disabled;
    char created_at[CLOCK_INSTANT_LEN];
};

/* Checks the password rules: valid UTF-8, no control characters, at least
 * USER_PASSWORD_MIN characters, at most USER_PASSWORD_MAX bytes, not only
 * white space. 0, or -1 with e (field "password"). */
int user_password_check(const char *password, struct err *e);

/* Creates an account after checking every field: email (shape, at most
 * USER_EMAIL_MAX, unique ignoring case: ERR_CONFLICT), password rules, and
 * practitioner_id (required for, and only allowed with, ROLE_THERAPIST;
 * the practitioner must exist). Writes the new id to *id. Audited as
 * "create" "user" by actor a. One transaction; nothing changes on error. */
int user_add(struct store *s, const struct actor *a, const char *email,
             enum role role, int64_t practitioner_id, const char *password,
             int64_t *id, struct err *e);

/* Finds an account by id (all digits) or by email (ignoring case) and
 * fills *out. ERR_NOT_FOUND (field "user") when there is none. */
int user_find(struct store *s, const char *id_or_email, struct user *out,
              struct err *e);
/* The same by id. */
int user_get(struct store *s, int64_t id, struct user *out, struct err *e);

/* Fills *users with every account, by id; allocates the array (*count
 * entries), which the caller frees with free(). */
int user_list(struct store *s, struct user **users, int *count,
              struct err *e);

/* Disables an account and ends its web sessions. Disabling an already
 * disabled account is ERR_CONFLICT. Audited ("disable" "user"). */
int user_disable(struct store *s, const struct actor *a, int64_t id,
                 struct err *e);

/* Replaces the password (rules as user_password_check) and ends the
 * account's web sessions. Audited ("passwd" "user"). */
int user_set_password(struct store *s, const struct actor *a, int64_t id,
                      const char *password, struct err *e);

/*
 * Checks a login. Returns 0 and fills *out when the email names an enabled
 * account whose password matches. Otherwise -1 with:
 *  - ERR_AUTH (field "login", the same message whatever the reason:
 *    unknown email, disabled account, wrong password). An unknown email
 *    still costs one Argon2id verification, so timing does not tell.
 *    The failure is counted for the email and for client.
 *  - ERR_REFUSED (field "login") when too many failures were counted in
 *    the window for the email or the client; *retry_after is then the
 *    number of seconds until the next attempt will be considered.
 * A success clears the email's failures. Logins and failures are audited
 * ("login" "user", outcome "ok", "denied" or "throttled") with the actor
 * named by client. Safe to call from several threads, each with its own
 * store connection.
 */
int user_authenticate(struct store *s, const char *email,
                      const char *password, const char *client,
                      struct user *out, long *retry_after, struct err *e);

/* The actor for a logged-in account; client (an address) and the user's
 * email are referenced, not copied, so u and client must outlive it. */
struct actor user_actor(const struct user *u, const char *client);

/*
 * Creates the three demo logins, each with USER_DEMO_PASSWORD:
 * admin@demo.example (admin), therapist@demo.example (therapist, linked
 * to therapist_practitioner_id) and researcher@demo.example (researcher).
 * One transaction; fails (changing nothing) if any exists already.
 */
int user_create_demo_logins(struct store *s,
                            int64_t therapist_practitioner_id,
                            struct err *e);

#endif
