#include "record/user.h"
#include "core/util.h"
#include "record/audit.h"
#include "record/internal.h"
#include "record/validate.h"
#include "record/websession.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USER_SELECT                                                          \
    "SELECT id, email, role, practitioner_id, disabled, created_at FROM user"

static void read_user(struct stmt *st, void *item)
{
    struct user *u = item;
    memset(u, 0, sizeof(*u));
    u->id = stmt_int(st, 0);
    snprintf(u->email, sizeof(u->email), "%s", stmt_text(st, 1));
    if (role_parse(stmt_text(st, 2), &u->role) < 0)
        BUG("user %lld has an unknown role", (long long)u->id);
    u->practitioner_id = stmt_is_null(st, 3) ? 0 : stmt_int(st, 3);
    u->disabled = (int)stmt_int(st, 4);
    snprintf(u->created_at, sizeof(u->created_at), "%s", stmt_text(st, 5));
}

/* Counts UTF-8 code points (the text is known to be valid UTF-8). */
static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

int user_password_check(const char *password, struct err *e)
{
    if (!password || !*password)
        return err_set(e, ERR_INPUT, "password", "missing");
    if (strlen(password) > USER_PASSWORD_MAX)
        return err_set(e, ERR_INPUT, "password",
                       "longer than %d bytes", USER_PASSWORD_MAX);
    if (validate_text(password, "password", 1, USER_PASSWORD_MAX, e) < 0)
        return -1;
    if (utf8_length(password) < USER_PASSWORD_MIN)
        return err_set(e, ERR_INPUT, "password",
                       "shorter than %d characters", USER_PASSWORD_MIN);
    return 0;
}

static int hash_password(const char *password,
                         char out[crypto_pwhash_STRBYTES], struct err *e)
{
    if (crypto_pwhash_str(out, password, strlen(password),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return err_set(e, ERR_FAIL, "password",
                       "unable to hash the password (out of memory)");
    return 0;
}

static int practitioner_exists(struct store *s, int64_t id, struct err *e)
{
    struct stmt *st =
        store_prepare(s, "SELECT 1 FROM practitioner WHERE id = :id");
    stmt_bind_int(st, ":id", id);
    int rc = stmt_step(st, e);
    stmt_finalize(st);
    return rc;
}

static int check_account_fields(const char *email, enum role role,
                                int64_t practitioner_id, struct err *e)
{
    if (!email || !*email)
        return err_set(e, ERR_INPUT, "email", "missing");
    if (strlen(email) > USER_EMAIL_MAX)
        return err_set(e, ERR_INPUT, "email", "longer than %d bytes",
                       USER_EMAIL_MAX);
    if (validate_email(email, "email", e) < 0)
        return -1;
    if (role == ROLE_THERAPIST && practitioner_id <= 0)
        return err_set(e, ERR_INPUT, "practitioner",
                       "a therapist account needs its practitioner record");
    if (role != ROLE_THERAPIST && practitioner_id != 0)
        return err_set(e, ERR_INPUT, "practitioner",
                       "only a therapist account links to a practitioner");
    return 0;
}

/* Inserts one account in the open transaction, audited. */
static int insert_user(struct store *s, const struct actor *a,
                       const char *email, enum role role,
                       int64_t practitioner_id, const char *hash,
                       int64_t *id, struct err *e)
{
    if (practitioner_id) {
        int rc = practitioner_exists(s, practitioner_id, e);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return err_set(e, ERR_NOT_FOUND, "practitioner",
                           "no practitioner %lld",
                           (long long)practitioner_id);
    }
    struct stmt *st = STORE_QUERY(s, "SELECT 1 FROM user WHERE email = :email",
                                  STORE_TEXT(":email", email));
    int rc = stmt_step(st, e);
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    if (rc == 1)
        return err_set(e, ERR_CONFLICT, "email",
                       "an account for '%s' exists already", email);
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    st = STORE_QUERY(s,
                     "INSERT INTO user (email, role, practitioner_id,"
                     " password_hash, created_at) VALUES (:email, :role,"
                     " :practitioner, :hash, :now)",
                     STORE_TEXT(":email", email),
                     STORE_TEXT(":role", role_name(role)),
                     STORE_ID(":practitioner", practitioner_id),
                     STORE_TEXT(":hash", hash), STORE_TEXT(":now", now));
    if (stmt_insert(st, id, e) < 0)
        return -1;
    return audit_append(s, a, "create", "user", *id, 0, "ok", e);
}

int user_add(struct store *s, const struct actor *a, const char *email,
             enum role role, int64_t practitioner_id, const char *password,
             int64_t *id, struct err *e)
{
    if (check_account_fields(email, role, practitioner_id, e) < 0 ||
        user_password_check(password, e) < 0)
        return -1;
    char hash[crypto_pwhash_STRBYTES];
    if (hash_password(password, hash, e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    return store_end(
        s, insert_user(s, a, email, role, practitioner_id, hash, id, e), e);
}

/* Steps st (a USER_SELECT, bound) once, filling *out from its row when
 * there is one, and finalizes it; rc as stmt_step. */
static int user_step(struct stmt *st, struct user *out, struct err *e)
{
    int rc = stmt_step(st, e);
    if (rc == 1)
        read_user(st, out);
    stmt_finalize(st);
    return rc;
}

int user_get(struct store *s, int64_t id, struct user *out, struct err *e)
{
    struct stmt *st =
        STORE_QUERY(s, USER_SELECT " WHERE id = :id", STORE_INT(":id", id));
    int rc = user_step(st, out, e);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(e, ERR_NOT_FOUND, "user", "no account %lld",
                       (long long)id);
    return 0;
}

/* Finds an account by email (ignoring case); rc as stmt_step. */
static int find_by_email(struct store *s, const char *email, struct user *out,
                         struct err *e)
{
    struct stmt *st = STORE_QUERY(s, USER_SELECT " WHERE email = :email",
                                  STORE_TEXT(":email", email));
    return user_step(st, out, e);
}

int user_find(struct store *s, const char *id_or_email, struct user *out,
              struct err *e)
{
    if (!id_or_email || !*id_or_email)
        return err_set(e, ERR_INPUT, "user", "missing");
    const char *p = id_or_email;
    while (isdigit((unsigned char)*p))
        p++;
    if (!*p && strlen(id_or_email) < 19)
        return user_get(s, strtoll(id_or_email, NULL, 10), out, e);
    int rc = find_by_email(s, id_or_email, out, e);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(e, ERR_NOT_FOUND, "user", "no account '%.254s'",
                       id_or_email);
    return 0;
}

int user_list(struct store *s, struct user **users, int *count,
              struct err *e)
{
    struct stmt *st = store_prepare(s, USER_SELECT " ORDER BY id");
    struct user *list = NULL;
    size_t n = 0;
    if (record_rows(st, &list, &n, sizeof(*list), read_user, e) < 0) {
        record_list_free(&list, &n);
        return -1;
    }
    *users = list;
    *count = (int)n;
    return 0;
}

/* Runs one UPDATE of a user row, the session purge and an audit entry in a
 * transaction. */
static int change_user(struct store *s, const struct actor *a, int64_t id,
                       const char *sql, const char *hash,
                       const char *action, struct err *e)
{
    if (store_begin(s, e) < 0)
        return -1;
    struct stmt *st = STORE_QUERY(s, sql, STORE_INT(":id", id));
    if (hash)
        stmt_bind_text(st, ":hash", hash);
    int failed = stmt_run(st, e) < 0 || websession_delete_user(s, id, e) < 0 ||
                 audit_append(s, a, action, "user", id, 0, "ok", e) < 0;
    return store_end(s, failed ? -1 : 0, e);
}

int user_disable(struct store *s, const struct actor *a, int64_t id,
                 struct err *e)
{
    struct user u;
    if (user_get(s, id, &u, e) < 0)
        return -1;
    if (u.disabled)
        return err_set(e, ERR_CONFLICT, "user",
                       "account %lld is disabled already", (long long)id);
    return change_user(s, a, id,
                       "UPDATE user SET disabled = 1 WHERE id = :id", NULL,
                       "disable", e);
}

int user_set_password(struct store *s, const struct actor *a, int64_t id,
                      const char *password, struct err *e)
{
    struct user u;
    if (user_password_check(password, e) < 0 || user_get(s, id, &u, e) < 0)
        return -1;
    char hash[crypto_pwhash_STRBYTES];
    if (hash_password(password, hash, e) < 0)
        return -1;
    return change_user(s, a, id,
                       "UPDATE user SET password_hash = :hash WHERE id = :id",
                       hash, "passwd", e);
}

/* A hash of a random password, verified when the email is unknown so that
 * the answer takes as long as for a real account. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
    unsigned char secret[32];
    char hex[65];
    randombytes_buf(secret, sizeof(secret));
    sodium_bin2hex(hex, sizeof(hex), secret, sizeof(secret));
    if (crypto_pwhash_str(dummy_hash, hex, strlen(hex),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        die("unable to hash a password (out of memory)");
}

/* Failures since `since` for one column value, and the oldest of them. */
static int count_failures(struct store *s, const char *sql, const char *value,
                          const char *since, int64_t *count, time_t *oldest,
                          struct err *e)
{
    struct stmt *st = STORE_QUERY(s, sql, STORE_TEXT(":value", value),
                                  STORE_TEXT(":since", since));
    int rc = stmt_step(st, e);
    *count = 0;
    *oldest = 0;
    if (rc == 1) {
        *count = stmt_int(st, 0);
        const char *at = stmt_text(st, 1);
        if (at && clock_parse_instant(at, oldest, "at", NULL) < 0)
            *oldest = 0;
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

static const struct actor anonymous_base = {0, ROLE_RESEARCHER, 0,
                                            "anonymous", "unknown"};

/* Audits a login outcome in a transaction of its own; a success also
 * clears the email's failures (the attempt's own reservation with them). */
static int record_attempt(struct store *s, const struct user *u,
                          const char *email, const char *client,
                          const char *outcome, struct err *e)
{
    struct actor a = anonymous_base;
    a.client = client;
    int ok = !strcmp(outcome, "ok");
    if (u && ok)
        a = user_actor(u, client);
    if (store_begin(s, e) < 0)
        return -1;
    int rc = 0;
    if (ok) {
        rc = STORE_RUN(s, e,
                       "DELETE FROM login_failure WHERE"
                       " email = :email",
                       STORE_TEXT(":email", email));
    }
    if (rc == 0)
        rc = audit_append(s, &a, "login", "user", u ? u->id : 0, 0, outcome,
                          e);
    return store_end(s, rc, e);
}

/* Inserts the failure row that reserves one try, and forgets the rows
 * that left the window, in the open transaction. */
static int reserve_failure(struct store *s, const char *email,
                           const char *client, time_t now, struct err *e)
{
    char at[CLOCK_INSTANT_LEN], since[CLOCK_INSTANT_LEN];
    clock_format_instant(now, at);
    clock_format_instant(now - USER_LOGIN_WINDOW_SECONDS, since);
    if (STORE_RUN(s, e,
                  "INSERT INTO login_failure (email, client, at)"
                  " VALUES (:email, :client, :at)",
                  STORE_TEXT(":email", email), STORE_TEXT(":client", client),
                  STORE_TEXT(":at", at)) < 0)
        return -1;
    return STORE_RUN(s, e, "DELETE FROM login_failure WHERE at <= :since",
                     STORE_TEXT(":since", since));
}

/*
 * Counts the failures in the window for the email and the client and, below
 * both limits, reserves a failure row for this attempt, all in one write
 * transaction: parallel attempts see each other's reservations, so no more
 * than the limit ever reach the password check. The reservation stands as
 * the failure when the password is wrong; a success clears it. Returns 0
 * with a try reserved, 1 when throttled (audited, *retry_after set), -1 on
 * a store error.
 */
static int reserve_attempt(struct store *s, const char *email,
                           const char *client, long *retry_after,
                           struct err *e)
{
    time_t now = clock_now();
    char since[CLOCK_INSTANT_LEN];
    clock_format_instant(now - USER_LOGIN_WINDOW_SECONDS, since);
    int64_t by_email, by_client;
    time_t oldest_email, oldest_client;
    if (store_begin(s, e) < 0)
        return -1;
    if (count_failures(s, "SELECT count(*), min(at) FROM login_failure"
                          " WHERE email = :value AND at > :since",
                       email, since, &by_email, &oldest_email, e) < 0 ||
        count_failures(s, "SELECT count(*), min(at) FROM login_failure"
                          " WHERE client = :value AND at > :since",
                       client, since, &by_client, &oldest_client, e) < 0)
        goto failed;
    if (by_email < USER_LOGIN_MAX_FAILURES &&
        by_client < USER_LOGIN_MAX_CLIENT_FAILURES) {
        if (reserve_failure(s, email, client, now, e) < 0)
            goto failed;
        return store_commit(s, e);
    }
    time_t oldest = by_email >= USER_LOGIN_MAX_FAILURES ? oldest_email
                                                        : oldest_client;
    if (by_email >= USER_LOGIN_MAX_FAILURES &&
        by_client >= USER_LOGIN_MAX_CLIENT_FAILURES &&
        oldest_client > oldest)
        oldest = oldest_client;
    long wait = (long)(oldest + USER_LOGIN_WINDOW_SECONDS - now);
    *retry_after = wait > 0 ? wait : 1;
    struct actor a = anonymous_base;
    a.client = client;
    if (audit_append(s, &a, "login", "user", 0, 0, "throttled", e) < 0 ||
        store_commit(s, e) < 0)
        goto failed;
    return 1;
failed:
    store_rollback(s);
    return -1;
}

int user_authenticate(struct store *s, const char *email,
                      const char *password, const char *client,
                      struct user *out, long *retry_after, struct err *e)
{
    static const char denied[] = "unknown email or wrong password";
    *retry_after = 0;
    if (!email)
        email = "";
    if (!password)
        password = "";
    if (!client || !*client)
        client = "unknown";
    pthread_once(&dummy_once, make_dummy_hash);

    int reserved = reserve_attempt(s, email, client, retry_after, e);
    if (reserved < 0)
        return -1;
    if (reserved == 1)
        return err_set(e, ERR_REFUSED, "login",
                       "too many failed logins; try again in %ld minute(s)",
                       (*retry_after + 59) / 60);

    struct user u;
    int found = 0;
    if (*email && strlen(email) <= USER_EMAIL_MAX) {
        found = find_by_email(s, email, &u, e);
        if (found < 0)
            return -1;
    }
    char hash[crypto_pwhash_STRBYTES] = "";
    if (found) {
        struct stmt *st = STORE_QUERY(s,
                                      "SELECT password_hash FROM user"
                                      " WHERE id = :id",
                                      STORE_INT(":id", u.id));
        if (stmt_step(st, e) == 1)
            snprintf(hash, sizeof(hash), "%s", stmt_text(st, 0));
        stmt_finalize(st);
    }
    size_t pwlen = strlen(password);
    if (pwlen > USER_PASSWORD_MAX)
        pwlen = USER_PASSWORD_MAX;
    int match = crypto_pwhash_str_verify(found && *hash ? hash : dummy_hash,
                                         password, pwlen) == 0;
    int ok = found && match && !u.disabled &&
             strlen(password) <= USER_PASSWORD_MAX;
    if (!ok) {
        if (record_attempt(s, found ? &u : NULL, email, client, "denied",
                           e) < 0)
            return -1;
        return err_set(e, ERR_AUTH, "login", "%s", denied);
    }
    if (record_attempt(s, &u, email, client, "ok", e) < 0)
        return -1;
    *out = u;
    return 0;
}

struct actor user_actor(const struct user *u, const char *client)
{
    struct actor a = {
        .user_id = u->id,
        .role = u->role,
        .practitioner_id = u->role == ROLE_THERAPIST ? u->practitioner_id : 0,
        .name = u->email,
        .client = client && *client ? client : "unknown",
    };
    return a;
}

int user_create_demo_logins(struct store *s,
                            int64_t therapist_practitioner_id, struct err *e)
{
    static const struct {
        const char *email;
        enum role role;
    } logins[] = {
        {"admin@demo.example", ROLE_ADMIN},
        {"therapist@demo.example", ROLE_THERAPIST},
        {"researcher@demo.example", ROLE_RESEARCHER},
    };
    char hash[ARRAY_SIZE(logins)][crypto_pwhash_STRBYTES];
    for (size_t i = 0; i < ARRAY_SIZE(logins); i++) {
        int64_t p =
            logins[i].role == ROLE_THERAPIST ? therapist_practitioner_id : 0;
        if (check_account_fields(logins[i].email, logins[i].role, p, e) < 0 ||
            hash_password(USER_DEMO_PASSWORD, hash[i], e) < 0)
            return -1;
    }
    if (store_begin(s, e) < 0)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(logins); i++) {
        int64_t id;
        int64_t p =
            logins[i].role == ROLE_THERAPIST ? therapist_practitioner_id : 0;
        if (insert_user(s, &actor_cli, logins[i].email, logins[i].role, p,
                        hash[i], &id, e) < 0) {
            store_rollback(s);
            return -1;
        }
    }
    return store_commit(s, e);
}
