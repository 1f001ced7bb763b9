#include "record/websession.h"
#include "core/util.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long env_seconds(const char *name, long fallback)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*end || errno || n <= 0)
        return fallback;
    return n;
}

void websession_limits_default(struct websession_limits *l)
{
    l->idle_seconds =
        env_seconds("TOUCHSTONE_SESSION_IDLE_SECONDS", WEBSESSION_IDLE_DEFAULT);
    l->max_seconds =
        env_seconds("TOUCHSTONE_SESSION_MAX_SECONDS", WEBSESSION_MAX_DEFAULT);
}

void websession_hash_token(const char *token,
                           char hash_out[WEBSESSION_TOKEN_HEX])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(hash_out, WEBSESSION_TOKEN_HEX, digest, sizeof(digest));
}

void websession_random_token(char out[WEBSESSION_TOKEN_HEX])
{
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof(bytes));
    sodium_bin2hex(out, WEBSESSION_TOKEN_HEX, bytes, sizeof(bytes));
    sodium_memzero(bytes, sizeof(bytes));
}

int websession_token_well_formed(const char *token)
{
    if (!token)
        return 0;
    size_t n = 0;
    for (; token[n]; n++)
        if (!((token[n] >= '0' && token[n] <= '9') ||
              (token[n] >= 'a' && token[n] <= 'f')) ||
            n >= WEBSESSION_TOKEN_HEX - 1)
            return 0;
    return n == WEBSESSION_TOKEN_HEX - 1;
}

static time_t expiry(time_t created, time_t last_seen,
                     const struct websession_limits *l)
{
    time_t idle_end = last_seen + l->idle_seconds;
    time_t max_end = created + l->max_seconds;
    return idle_end < max_end ? idle_end : max_end;
}

int websession_create(struct store *s, int64_t user_id,
                      const struct websession_limits *limits,
                      char token_out[WEBSESSION_TOKEN_HEX],
                      struct websession *out, struct err *e)
{
    char hash[WEBSESSION_TOKEN_HEX];
    struct websession ws;
    memset(&ws, 0, sizeof(ws));
    if (user_get(s, user_id, &ws.user, e) < 0)
        return -1;
    websession_random_token(token_out);
    websession_hash_token(token_out, hash);
    websession_random_token(ws.csrf_token);
    time_t now = clock_now();
    char at[CLOCK_INSTANT_LEN], idle_cut[CLOCK_INSTANT_LEN],
        max_cut[CLOCK_INSTANT_LEN];
    clock_format_instant(now, at);
    clock_format_instant(now - limits->idle_seconds, idle_cut);
    clock_format_instant(now - limits->max_seconds, max_cut);
    if (store_begin(s, e) < 0)
        return -1;
    int rc = STORE_RUN(s, e,
                       "DELETE FROM web_session WHERE last_seen_at < :idle"
                       " OR created_at < :max",
                       STORE_TEXT(":idle", idle_cut),
                       STORE_TEXT(":max", max_cut));
    if (rc == 0)
        rc = STORE_RUN(s, e,
                       "INSERT INTO web_session (token_hash, user_id,"
                       " csrf_token, created_at, last_seen_at)"
                       " VALUES (:hash, :user, :csrf, :at, :at)",
                       STORE_TEXT(":hash", hash), STORE_INT(":user", user_id),
                       STORE_TEXT(":csrf", ws.csrf_token),
                       STORE_TEXT(":at", at));
    if (rc < 0) {
        store_rollback(s);
        sodium_memzero(token_out, WEBSESSION_TOKEN_HEX);
        return -1;
    }
    if (store_commit(s, e) < 0)
        return -1;
    ws.created_at = ws.last_seen_at = now;
    ws.expires_at = expiry(now, now, limits);
    *out = ws;
    return 0;
}

static int delete_hash(struct store *s, const char *hash, struct err *e)
{
    struct stmt *st =
        store_prepare(s, "DELETE FROM web_session WHERE token_hash = :hash");
    stmt_bind_text(st, ":hash", hash);
    return stmt_run(st, e);
}

int websession_lookup(struct store *s, const char *token,
                      const struct websession_limits *limits,
                      struct websession *out, struct err *e)
{
    if (!websession_token_well_formed(token))
        return err_set(e, ERR_AUTH, "session", "not logged in");
    char hash[WEBSESSION_TOKEN_HEX];
    websession_hash_token(token, hash);
    struct stmt *st =
        STORE_QUERY(s,
                    "SELECT user_id, csrf_token, created_at, last_seen_at"
                    " FROM web_session WHERE token_hash = :hash",
                    STORE_TEXT(":hash", hash));
    struct websession ws;
    memset(&ws, 0, sizeof(ws));
    int64_t user_id = 0;
    int rc = stmt_step(st, e), times_ok = 0;
    if (rc == 1) {
        user_id = stmt_int(st, 0);
        snprintf(ws.csrf_token, sizeof(ws.csrf_token), "%s",
                 stmt_text(st, 1));
        times_ok =
            clock_parse_instant(stmt_text(st, 2), &ws.created_at, "created",
                                NULL) == 0 &&
            clock_parse_instant(stmt_text(st, 3), &ws.last_seen_at, "seen",
                                NULL) == 0;
    }
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(e, ERR_AUTH, "session", "not logged in");
    time_t now = clock_now();
    if (!times_ok || now >= expiry(ws.created_at, ws.last_seen_at, limits)) {
        if (delete_hash(s, hash, e) < 0)
            return -1;
        return err_set(e, ERR_AUTH, "session", "session expired");
    }
    struct err lookup = ERR_INIT;
    if (user_get(s, user_id, &ws.user, &lookup) < 0 || ws.user.disabled) {
        if (lookup.code == ERR_FAIL) {
            *e = lookup;
            return -1;
        }
        if (delete_hash(s, hash, e) < 0)
            return -1;
        return err_set(e, ERR_AUTH, "session", "not logged in");
    }
    if (now > ws.last_seen_at) {
        char at[CLOCK_INSTANT_LEN];
        clock_format_instant(now, at);
        st = STORE_QUERY(s,
                         "UPDATE web_session SET last_seen_at = :at"
                         " WHERE token_hash = :hash",
                         STORE_TEXT(":at", at), STORE_TEXT(":hash", hash));
        if (stmt_run(st, e) < 0)
            return -1;
        ws.last_seen_at = now;
    }
    ws.expires_at = expiry(ws.created_at, ws.last_seen_at, limits);
    *out = ws;
    return 0;
}

int websession_delete(struct store *s, const char *token, struct err *e)
{
    if (!websession_token_well_formed(token))
        return 0;
    char hash[WEBSESSION_TOKEN_HEX];
    websession_hash_token(token, hash);
    return delete_hash(s, hash, e);
}

int websession_delete_user(struct store *s, int64_t user_id, struct err *e)
{
    struct stmt *st =
        store_prepare(s, "DELETE FROM web_session WHERE user_id = :user");
    stmt_bind_int(st, ":user", user_id);
    return stmt_run(st, e);
}
