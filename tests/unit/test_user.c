/* Unit tests for record/user.c and record/websession.c: password rules,
 * Argon2id hashes, session tokens (SHA-256 stored), expiry, throttling. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "record/clinic.h"
#include "record/user.h"
#include "record/websession.h"
#include "store/store.h"
#include "unit/test_helpers.h"

static char dir[64];
static char path[128];
static struct store *db;

static void open_db(void)
{
    cr_assert_geq(sodium_init(), 0);
    test_dir_make(dir, sizeof(dir), "ts-user", path, sizeof(path));
    test_clinic_open(path, "Synthetic Unit Clinic", &db);
    setenv("TOUCHSTONE_NOW", "2026-06-30T12:00:00Z", 1);
}

static void close_db(void)
{
    store_close(db);
    test_dir_remove(dir);
    unsetenv("TOUCHSTONE_NOW");
}

TestSuite(user, .init = open_db, .fini = close_db);
TestSuite(websession, .init = open_db, .fini = close_db);

/* Adds a user (no practitioner, password "a good long password") and
 * returns its id, asserting that it worked. */
static int64_t add_user(const char *email, enum role role)
{
    struct err e = ERR_INIT;
    int64_t id;
    cr_assert_eq(user_add(db, &actor_cli, email, role, 0,
                          "a good long password", &id, &e),
                 0, "%s: %s", email, e.message);
    return id;
}

/* An admin added with add_user() and logged in: its session's token in
 * token and the session in ws (limits l); returns the user's id. */
static int64_t add_user_with_session(const char *email,
                                     const struct websession_limits *l,
                                     char token[WEBSESSION_TOKEN_HEX],
                                     struct websession *ws)
{
    struct err e = ERR_INIT;
    int64_t id = add_user(email, ROLE_ADMIN);
    cr_assert_eq(websession_create(db, id, l, token, ws, &e), 0, "%s",
                 e.message);
    return id;
}

Test(password, rules)
{
    struct err e = ERR_INIT;
    cr_assert_eq(user_password_check("twelve chars", &e), 0);
    cr_assert_eq(user_password_check("eleven char", &e), -1);
    cr_assert_str_eq(e.field, "password");
    /* Characters, not bytes: 11 two-byte letters are too short, 12 pass. */
    cr_assert_eq(user_password_check("ééééééééééé", &e), -1);
    cr_assert_eq(user_password_check("éééééééééééé", &e), 0);
    cr_assert_eq(user_password_check(NULL, &e), -1);
    cr_assert_eq(user_password_check("", &e), -1);
    cr_assert_eq(user_password_check("             ", &e), -1);
    cr_assert_eq(user_password_check("with a\x01 control", &e), -1);
    cr_assert_eq(user_password_check("bad utf-8 \xC3\x28 here", &e), -1);
    char longest[USER_PASSWORD_MAX + 2];
    memset(longest, 'p', sizeof(longest));
    longest[USER_PASSWORD_MAX] = '\0';
    cr_assert_eq(user_password_check(longest, &e), 0);
    longest[USER_PASSWORD_MAX] = 'p';
    longest[USER_PASSWORD_MAX + 1] = '\0';
    cr_assert_eq(user_password_check(longest, &e), -1);
}

Test(websession, token_hash_is_sha256)
{
    /* FIPS 180-2, appendix B.1: SHA-256("abc"). */
    char hash[WEBSESSION_TOKEN_HEX];
    websession_hash_token("abc", hash);
    cr_assert_str_eq(hash, "ba7816bf8f01cfea414140de5dae2223"
                           "b00361a396177a9cb410ff61f20015ad");
    /* SHA-256 of the empty string (same source, B.0 in later editions). */
    websession_hash_token("", hash);
    cr_assert_str_eq(hash, "e3b0c44298fc1c149afbf4c8996fb924"
                           "27ae41e4649b934ca495991b7852b855");
}

Test(websession, random_tokens)
{
    char a[WEBSESSION_TOKEN_HEX], b[WEBSESSION_TOKEN_HEX];
    websession_random_token(a);
    websession_random_token(b);
    cr_assert_eq(strlen(a), 64);
    cr_assert(websession_token_well_formed(a));
    cr_assert_str_neq(a, b);
    cr_assert_not(websession_token_well_formed(NULL));
    cr_assert_not(websession_token_well_formed(""));
    cr_assert_not(websession_token_well_formed("abc"));
    a[10] = 'G';
    cr_assert_not(websession_token_well_formed(a));
    a[10] = 'A'; /* upper case is not what we issue */
    cr_assert_not(websession_token_well_formed(a));
    char longer[70];
    memset(longer, 'a', 65);
    longer[65] = '\0';
    cr_assert_not(websession_token_well_formed(longer));
}

Test(websession, limits_from_the_environment)
{
    struct websession_limits l;
    unsetenv("TOUCHSTONE_SESSION_IDLE_SECONDS");
    unsetenv("TOUCHSTONE_SESSION_MAX_SECONDS");
    websession_limits_default(&l);
    cr_assert_eq(l.idle_seconds, 1800);
    cr_assert_eq(l.max_seconds, 43200);
    setenv("TOUCHSTONE_SESSION_IDLE_SECONDS", "5", 1);
    setenv("TOUCHSTONE_SESSION_MAX_SECONDS", "-3", 1);
    websession_limits_default(&l);
    cr_assert_eq(l.idle_seconds, 5);
    cr_assert_eq(l.max_seconds, 43200);
    unsetenv("TOUCHSTONE_SESSION_IDLE_SECONDS");
    unsetenv("TOUCHSTONE_SESSION_MAX_SECONDS");
}

Test(user, add_hash_and_authenticate)
{
    struct err e = ERR_INIT;
    int64_t id = add_user("Ann@Example.org", ROLE_ADMIN);
    struct user u;
    cr_assert_eq(user_find(db, "ann@example.ORG", &u, &e), 0);
    cr_assert_eq(u.id, id);
    cr_assert_eq(u.role, ROLE_ADMIN);
    struct stmt *st =
        store_prepare(db, "SELECT password_hash FROM user WHERE id = :id");
    stmt_bind_int(st, ":id", id);
    cr_assert_eq(stmt_step(st, &e), 1);
    const char *hash = stmt_text(st, 0);
    cr_assert(strncmp(hash, "$argon2id$", 10) == 0, "%s", hash);
    cr_assert_eq(crypto_pwhash_str_verify(hash, "a good long password",
                                          strlen("a good long password")),
                 0);
    stmt_finalize(st);

    long retry;
    struct user who;
    cr_assert_eq(user_authenticate(db, "ANN@example.org",
                                   "a good long password", "10.0.0.1", &who,
                                   &retry, &e),
                 0, "%s", e.message);
    cr_assert_eq(who.id, id);
    struct err wrong = ERR_INIT, unknown = ERR_INIT;
    cr_assert_eq(user_authenticate(db, "ann@example.org", "not the password",
                                   "10.0.0.1", &who, &retry, &wrong),
                 -1);
    cr_assert_eq(user_authenticate(db, "bob@example.org", "not the password",
                                   "10.0.0.1", &who, &retry, &unknown),
                 -1);
    cr_assert_eq(wrong.code, ERR_AUTH);
    cr_assert_str_eq(wrong.message, unknown.message);
    cr_assert_str_eq(wrong.field, unknown.field);
    /* A record id is not an email. */
    cr_assert_eq(user_authenticate(db, "1", "a good long password",
                                   "10.0.0.2", &who, &retry, &e),
                 -1);
}

Test(user, throttle_after_five_failures)
{
    struct err e = ERR_INIT;
    add_user("cat@example.org", ROLE_RESEARCHER);
    struct user who;
    long retry;
    for (int i = 0; i < USER_LOGIN_MAX_FAILURES; i++) {
        cr_assert_eq(user_authenticate(db, "cat@example.org", "wrong one",
                                       "10.0.0.3", &who, &retry, &e),
                     -1);
        cr_assert_eq(e.code, ERR_AUTH);
    }
    cr_assert_eq(user_authenticate(db, "cat@example.org",
                                   "a good long password", "10.0.0.4", &who,
                                   &retry, &e),
                 -1);
    cr_assert_eq(e.code, ERR_REFUSED);
    cr_assert_eq(retry, USER_LOGIN_WINDOW_SECONDS);
    setenv("TOUCHSTONE_NOW", "2026-06-30T12:10:00Z", 1);
    cr_assert_eq(user_authenticate(db, "cat@example.org",
                                   "a good long password", "10.0.0.4", &who,
                                   &retry, &e),
                 -1);
    cr_assert_eq(retry, 300);
    setenv("TOUCHSTONE_NOW", "2026-06-30T12:15:00Z", 1);
    cr_assert_eq(user_authenticate(db, "cat@example.org",
                                   "a good long password", "10.0.0.4", &who,
                                   &retry, &e),
                 0, "%s", e.message);
}

Test(user, field_rules)
{
    /* Each refused: the field named, or (field NULL) the error's code. */
    static const struct {
        const char *email;
        enum role role;
        int64_t practitioner;
        const char *password, *field;
        int code;
    } refused[] = {
        {"t@example.org", ROLE_THERAPIST, 0, "a good long password",
         "practitioner", 0},
        {"t@example.org", ROLE_THERAPIST, 5, "a good long password", NULL,
         ERR_NOT_FOUND},
        {"nope", ROLE_ADMIN, 0, "a good long password", "email", 0},
        {"ok@example.org", ROLE_ADMIN, 0, "short", "password", 0},
    };
    for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
        struct err e = ERR_INIT;
        int64_t id;
        cr_assert_eq(user_add(db, &actor_cli, refused[i].email,
                              refused[i].role, refused[i].practitioner,
                              refused[i].password, &id, &e),
                     -1, "refusal %zu", i);
        if (refused[i].field)
            cr_assert_str_eq(e.field, refused[i].field);
        else
            cr_assert_eq(e.code, refused[i].code);
    }
    cr_assert_eq(store_query_int(db, "SELECT count(*) FROM user"), 0);
}

Test(websession, create_lookup_expire)
{
    struct err e = ERR_INIT;
    struct websession_limits l = {60, 300};
    char token[WEBSESSION_TOKEN_HEX], hash[WEBSESSION_TOKEN_HEX];
    struct websession ws;
    int64_t id = add_user_with_session("dan@example.org", &l, token, &ws);
    cr_assert(websession_token_well_formed(token));
    cr_assert(websession_token_well_formed(ws.csrf_token));
    cr_assert_str_neq(token, ws.csrf_token);
    websession_hash_token(token, hash);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM web_session WHERE token_hash = '%s'",
             hash);
    cr_assert_eq(store_query_int(db, sql), 1);

    /* Idle 60 s, absolute 300 s: requests every 50 s keep it to 300. */
    const char *times[] = {"2026-06-30T12:00:50Z", "2026-06-30T12:01:40Z",
                           "2026-06-30T12:02:30Z", "2026-06-30T12:03:20Z",
                           "2026-06-30T12:04:10Z"};
    for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
        setenv("TOUCHSTONE_NOW", times[i], 1);
        struct websession found;
        cr_assert_eq(websession_lookup(db, token, &l, &found, &e), 0,
                     "%s: %s", times[i], e.message);
        cr_assert_eq(found.user.id, id);
        cr_assert_str_eq(found.csrf_token, ws.csrf_token);
    }
    setenv("TOUCHSTONE_NOW", "2026-06-30T12:05:00Z", 1);
    struct websession found;
    cr_assert_eq(websession_lookup(db, token, &l, &found, &e), -1);
    cr_assert_eq(e.code, ERR_AUTH);
    cr_assert_str_eq(e.message, "session expired");
    cr_assert_eq(store_query_int(db, sql), 0);
    /* Gone for good. */
    cr_assert_eq(websession_lookup(db, token, &l, &found, &e), -1);
    cr_assert_str_eq(e.message, "not logged in");
}

Test(websession, delete_and_disable)
{
    struct err e = ERR_INIT;
    struct websession_limits l = {600, 3600};
    char t1[WEBSESSION_TOKEN_HEX], t2[WEBSESSION_TOKEN_HEX];
    struct websession ws;
    int64_t id = add_user_with_session("eve@example.org", &l, t1, &ws);
    cr_assert_eq(websession_create(db, id, &l, t2, &ws, &e), 0);
    cr_assert_eq(websession_delete(db, t1, &e), 0);
    cr_assert_eq(websession_lookup(db, t1, &l, &ws, &e), -1);
    cr_assert_eq(websession_lookup(db, t2, &l, &ws, &e), 0);
    cr_assert_eq(user_disable(db, &actor_cli, id, &e), 0);
    cr_assert_eq(websession_lookup(db, t2, &l, &ws, &e), -1);
    cr_assert_eq(store_query_int(db, "SELECT count(*) FROM web_session"), 0);
}

Test(user, demo_logins)
{
    struct err e = ERR_INIT;
    cr_assert_eq(store_exec(db, "INSERT INTO practitioner (name, license,"
                                " credentials, created_at) VALUES"
                                " ('Synthetic Demo Therapist', 'L-1', 'LMT',"
                                " '2026-01-01T00:00:00Z')",
                            &e),
                 0);
    int64_t p = store_last_id(db);
    cr_assert_eq(user_create_demo_logins(db, p, &e), 0, "%s", e.message);
    struct user u;
    long retry;
    cr_assert_eq(user_authenticate(db, "therapist@demo.example",
                                   USER_DEMO_PASSWORD, "local", &u, &retry,
                                   &e),
                 0);
    cr_assert_eq(u.role, ROLE_THERAPIST);
    cr_assert_eq(u.practitioner_id, p);
    cr_assert_eq(user_find(db, "researcher@demo.example", &u, &e), 0);
    cr_assert_eq(u.role, ROLE_RESEARCHER);
    /* A second call changes nothing. */
    cr_assert_eq(user_create_demo_logins(db, p, &e), -1);
    cr_assert_eq(e.code, ERR_CONFLICT);
    cr_assert_eq(store_query_int(db, "SELECT count(*) FROM user"), 3);
}
