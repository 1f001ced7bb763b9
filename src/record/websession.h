/*
 * websession: server-side login sessions for the web server.
 *
 * A session is a 256-bit random token (libsodium randombytes_buf) given to
 * the browser in a cookie as 64 hex digits. Only its SHA-256 (hex) is
 * stored, in web_session.token_hash, so a copy of the database does not
 * hold usable tokens. Each session also holds a CSRF synchronizer token
 * (another 256 random bits, hex) that writes must echo.
 *
 * A session ends after limits.idle_seconds without a request, or
 * limits.max_seconds after it began, whichever comes first; both are
 * checked on every lookup against clock_now() (TOUCHSTONE_NOW honoured).
 * Nothing here allocates.
 */
#ifndef TS_RECORD_WEBSESSION_H
#define TS_RECORD_WEBSESSION_H

#include <time.h>

#include "core/err.h"
#include "record/user.h"
#include "store/store.h"

#define WEBSESSION_TOKEN_HEX 65 /* 64 hex digits + NUL */
#define WEBSESSION_IDLE_DEFAULT (30 * 60)
#define WEBSESSION_MAX_DEFAULT (12 * 60 * 60)

struct websession_limits {
    long idle_seconds; /* ends after this long without a request */
    long max_seconds;  /* ends this long after login, whatever happens */
};

struct websession {
    struct user user;                  /* the account logged in */
    char csrf_token[WEBSESSION_TOKEN_HEX];
    time_t created_at;
    time_t last_seen_at;
    time_t expires_at; /* the earlier of the idle and absolute ends */
};

/* The defaults, overridden by TOUCHSTONE_SESSION_IDLE_SECONDS and
 * TOUCHSTONE_SESSION_MAX_SECONDS when they hold positive whole numbers. */
void websession_limits_default(struct websession_limits *l);

/* Writes the hex SHA-256 of token (as stored in web_session). */
void websession_hash_token(const char *token,
                           char hash_out[WEBSESSION_TOKEN_HEX]);

/* Writes 64 fresh random hex digits (256 bits). */
void websession_random_token(char out[WEBSESSION_TOKEN_HEX]);

/* 1 when token is exactly 64 lowercase hex digits. */
int websession_token_well_formed(const char *token);

/* Starts a session for user_id: writes the cookie token to token_out and
 * fills *out (user, CSRF token, times). Removes sessions that have
 * expired, for everyone. */
int websession_create(struct store *s, int64_t user_id,
                      const struct websession_limits *limits,
                      char token_out[WEBSESSION_TOKEN_HEX],
                      struct websession *out, struct err *e);

/* Finds the live session for a cookie token and fills *out, then records
 * the request time (last_seen_at). -1 with ERR_AUTH when the token is
 * malformed or unknown (message "not logged in"), when the session has
 * expired (message "session expired"; the row is removed), or when the
 * account is disabled. */
int websession_lookup(struct store *s, const char *token,
                      const struct websession_limits *limits,
                      struct websession *out, struct err *e);

/* Ends the session of a cookie token (nothing when there is none). */
int websession_delete(struct store *s, const char *token, struct err *e);

/* Ends every session of an account. */
int websession_delete_user(struct store *s, int64_t user_id, struct err *e);

#endif
