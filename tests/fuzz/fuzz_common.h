/*
 * fuzz_common.h: what the libFuzzer targets of tests/fuzz/ share.
 *
 *   - a scratch folder of the process (removed at exit);
 *   - fuzz_cli(): runs a command of the command table as `touchstone`
 *     would (the same struct cli, store and catalog closed after);
 *   - a small synthetic clinic built once per process (fuzz_clinic_build):
 *     a trained therapist, a patient with a closed low-back-pain episode,
 *     an open invitation (its token in fuzz_clinic.token) and an admin
 *     logged in on the web (fuzz_clinic.cookie, fuzz_clinic.csrf). Its
 *     database file is kept in memory and written back before each input
 *     (fuzz_clinic_reset), so every input starts from the same state and a
 *     crash reproduces from its input alone.
 *
 * The clock is pinned (TOUCHSTONE_NOW) so that the invitation and the
 * session stay open. Everything here dies on a failure of the fixture
 * itself: that is a broken harness, not a finding.
 */
#ifndef TS_TESTS_FUZZ_COMMON_H
#define TS_TESTS_FUZZ_COMMON_H

#include "cli/cli.h"
#include "catalog/catalog.h"
#include "core/buf.h"
#include "core/util.h"
#include "prom/answer.h"
#include "prom/token.h"
#include "store/store.h"
#include "web/http.h"
#include "web/web.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_NOW "2026-06-30T12:00:00Z"

static char fuzz_dir_path[64];

/* Removes the scratch folder (at exit). */
static void fuzz_dir_remove(void)
{
    if (!fuzz_dir_path[0])
        return;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir_path);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir_path);
}

/* The process's scratch folder, made on first use. */
static inline const char *fuzz_dir(void)
{
    if (!fuzz_dir_path[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/ts-fuzz.XXXXXX",
                 base && *base && strlen(base) < 40 ? base : "/tmp");
        if (!mkdtemp(fuzz_dir_path))
            die("fuzz: mkdtemp failed");
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir_path;
}

/* A path in the scratch folder (static storage, one at a time per name
 * slot: callers copy what they keep). */
static inline char *fuzz_path(const char *name)
{
    static char paths[4][128];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof(paths[0]), "%s/%s", fuzz_dir(), name);
    return p;
}

/* Writes size bytes to path (replacing it). */
static inline void fuzz_write_file(const char *path, const void *data,
                                   size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        die("fuzz: cannot write %s", path);
}

/* Runs command argv[0] with the global options given (db may be NULL);
 * returns its exit status. */
static inline int fuzz_cli_argv(const char *db, int json, int argc,
                                const char **argv)
{
    struct cli c = {0};
    c.db_path = store_default_path(db);
    c.json = json;
    for (int i = 0; i < cli_command_count; i++)
        if (!strcmp(cli_commands[i].name, argv[0])) {
            snprintf(c.command, sizeof(c.command), "%s", argv[0]);
            int status = cli_commands[i].exec(&c, argc, argv);
            store_close(c.store);
            catalog_free(c.catalog);
            fflush(stdout);
            return status;
        }
    die("fuzz: no command '%s'", argv[0]);
}

/* fuzz_cli(db, "patient", "add", ..., NULL) */
static inline int fuzz_cli(const char *db, ...)
{
    const char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, db);
    const char *a;
    while ((a = va_arg(ap, const char *)) && argc < 31)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return fuzz_cli_argv(db, 0, argc, argv);
}

/* fuzz_cli() that must succeed. */
#define FUZZ_MUST(...)                                                        \
    do {                                                                      \
        if (fuzz_cli(__VA_ARGS__, NULL) != 0)                                 \
            die("fuzz: the fixture's command failed (line %d)", __LINE__);    \
    } while (0)

/* One raw request through the web stack, as `touchstone test-http` does:
 * http_request_parse, then web_handle (or the answer to an unparsed
 * request). resp is initialised here; the caller releases it. */
static inline void fuzz_http(const struct web_config *cfg, struct store *s,
                             const char *raw, size_t len,
                             struct http_response *resp)
{
    struct err e = ERR_INIT;
    struct http_request req;
    http_request_init(&req);
    http_response_init(resp);
    snprintf(req.client, sizeof(req.client), "127.0.0.1");
    int status = http_request_parse(&req, raw, len, &e);
    if (status)
        web_reply_unparsed(status, &e, resp);
    else
        web_handle(cfg, s, &req, resp);
    struct buf out = BUF_INIT;
    http_response_serialize(resp, !strcmp(req.method, "HEAD"), &out);
    buf_release(&out);
    http_request_release(&req);
}

struct fuzz_clinic {
    char db[128];
    unsigned char *image; /* the database file as built */
    size_t image_len;
    char token[64];       /* the open invitation's (nprs, psfs) */
    char cookie[256];     /* "name=value" of the admin's web session */
    char csrf[128];
    struct catalog *catalog; /* the shipped catalog */
    struct web_config cfg;
};
static struct fuzz_clinic fuzz_clinic;

static inline void fuzz_sql(const char *db, const char *sql)
{
    sqlite3 *h;
    if (sqlite3_open(db, &h) != SQLITE_OK ||
        sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
        die("fuzz: fixture SQL failed: %s", sqlite3_errmsg(h));
    sqlite3_close(h);
}

/* Reads a whole file into a new buffer. */
static inline unsigned char *fuzz_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("fuzz: cannot read %s", path);
    struct buf b = BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    return (unsigned char *)buf_detach(&b, len);
}

/* Builds the clinic (once per process). */
static inline void fuzz_clinic_build(void)
{
    struct fuzz_clinic *fc = &fuzz_clinic;
    if (fc->image)
        return;
    setenv("TOUCHSTONE_NOW", FUZZ_NOW, 1);
    if (sodium_init() < 0)
        die("fuzz: libsodium");
    snprintf(fc->db, sizeof(fc->db), "%s", fuzz_path("clinic.db"));
    const char *db = fc->db;
    FUZZ_MUST(db, "init", "--clinic", "Synthetic Fuzz Clinic");
    FUZZ_MUST(db, "practitioner", "add", "--name", "Ada Synthetic",
              "--license", "MA-1", "--credentials", "LMT");
    FUZZ_MUST(db, "training", "add", "--practitioner", "1", "--protocol",
              "stress-management-full-body", "--hours", "150", "--completed",
              "2020-01-01");
    FUZZ_MUST(db, "training", "add", "--practitioner", "1", "--protocol",
              "low-back-pain", "--hours", "32", "--completed", "2021-01-01");
    FUZZ_MUST(db, "patient", "add", "--name", "Robin Synthetic", "--dob",
              "1975-04-12", "--sex", "female", "--email",
              "robin@example.org");
    FUZZ_MUST(db, "episode", "open", "--patient", "1", "--practitioner", "1",
              "--protocol", "low-back-pain", "--icd10", "M54.50", "--start",
              "2026-04-01", "--red-flag", "saddle-numbness=no", "--red-flag",
              "progressive-weakness=no", "--red-flag", "fever=no",
              "--red-flag", "weight-loss=no", "--red-flag",
              "cancer-history=no", "--red-flag", "night-pain=no");
    FUZZ_MUST(db, "session", "add", "--episode", "1", "--start",
              "2026-04-01T10:00:00Z", "--minutes", "60", "--phase",
              "introductory:10", "--phase", "kneading:40");
    FUZZ_MUST(db, "observe", "--episode", "1", "--instrument", "nprs",
              "--timepoint", "baseline", "--at", "2026-04-01T09:50:00Z",
              "--value", "7");
    FUZZ_MUST(db, "episode", "close", "1", "--end", "2026-05-20");
    char *pw = fuzz_path("pw");
    fuzz_write_file(pw, "correct horse battery\n", 22);
    FUZZ_MUST(db, "user", "add", "--email", "admin@fuzz.example", "--role",
              "admin", "--password-file", pw);

    /* The invitation, as the patient-page test writes it; its token is
     * derived by the program from the nonce and the clinic's key. */
    fuzz_sql(db, "INSERT INTO invitation (episode_id, timepoint, "
                 "instruments, nonce, token_hash, channel, created_at, "
                 "opens_at, expires_at) VALUES (1, 'followup', "
                 "'[\"nprs\",\"psfs\"]', '0123456789abcdef0123456789abcdef', "
                 "'pending', 'print', '2026-06-29T08:00:00Z', "
                 "'2026-06-17T00:00:00Z', '2026-08-01T00:00:00Z')");
    struct store *s;
    struct err e = ERR_INIT;
    if (store_open(db, STORE_EXISTING, &s, &e) < 0)
        die("fuzz: %s", e.message);
    char link[256];
    if (answer_link(s, 1, "http://clinic.example", link, sizeof(link), &e) < 0)
        die("fuzz: answer_link: %s", e.message);
    store_close(s);
    const char *t = strstr(link, "/r/");
    if (!t)
        die("fuzz: no token in %s", link);
    snprintf(fc->token, sizeof(fc->token), "%s", t + 3);
    char hash[TOKEN_HASH_HEX_LEN], sql[256];
    token_hash(fc->token, hash);
    snprintf(sql, sizeof(sql),
             "UPDATE invitation SET token_hash = '%s' WHERE id = 1", hash);
    fuzz_sql(db, sql);

    /* The admin logs in through the API. */
    if (catalog_load(NULL, &fc->catalog, &e) < 0)
        die("fuzz: catalog: %s", e.message);
    web_config_default(&fc->cfg);
    fc->cfg.catalog = fc->catalog;
    if (store_open(db, STORE_EXISTING, &s, &e) < 0)
        die("fuzz: %s", e.message);
    const char *body =
        "{\"email\":\"admin@fuzz.example\",\"password\":\"correct horse "
        "battery\"}";
    char *raw = xasprintf("POST /api/v1/session HTTP/1.1\r\nHost: fuzz\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: %zu\r\n\r\n%s",
                          strlen(body), body);
    struct http_response resp;
    fuzz_http(&fc->cfg, s, raw, strlen(raw), &resp);
    free(raw);
    const char *cookie = http_response_header(&resp, "Set-Cookie");
    if (resp.status != 201 || !cookie)
        die("fuzz: login answered %d", resp.status);
    snprintf(fc->cookie, sizeof(fc->cookie), "%.*s",
             (int)strcspn(cookie, ";"), cookie);
    json_t *j = json_loadb(resp.body.data, resp.body.len, 0, NULL);
    const char *csrf = json_string_value(json_object_get(j, "csrf_token"));
    if (!csrf)
        die("fuzz: no csrf_token");
    snprintf(fc->csrf, sizeof(fc->csrf), "%s", csrf);
    json_decref(j);
    http_response_release(&resp);
    store_close(s);
    fc->image = fuzz_read_file(db, &fc->image_len);
}

/* Writes the clinic's database back as built (no WAL left over). */
static inline void fuzz_clinic_reset(void)
{
    char side[160];
    snprintf(side, sizeof(side), "%s-wal", fuzz_clinic.db);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", fuzz_clinic.db);
    unlink(side);
    snprintf(side, sizeof(side), "%s-journal", fuzz_clinic.db);
    unlink(side);
    fuzz_write_file(fuzz_clinic.db, fuzz_clinic.image, fuzz_clinic.image_len);
}

/* The clinic reset and opened for one input; store_close() after. */
static inline struct store *fuzz_clinic_open(void)
{
    fuzz_clinic_reset();
    struct store *s;
    struct err e = ERR_INIT;
    if (store_open(fuzz_clinic.db, STORE_EXISTING, &s, &e) < 0)
        die("fuzz: %s", e.message);
    return s;
}

/* The LLVMFuzzerInitialize of a target that runs on the synthetic clinic:
 * the clinic is built once, before the first input. */
#define FUZZ_INITIALIZE_CLINIC                                               \
    int LLVMFuzzerInitialize(int *argc, char ***argv)                        \
    {                                                                        \
        (void)argc;                                                          \
        (void)argv;                                                          \
        fuzz_clinic_build();                                                 \
        return 0;                                                            \
    }

/* The LLVMFuzzerInitialize of a target that needs only libsodium (to
 * verify signatures), not the clinic. */
#define FUZZ_INITIALIZE_SODIUM                                               \
    int LLVMFuzzerInitialize(int *argc, char ***argv)                        \
    {                                                                        \
        (void)argc;                                                          \
        (void)argv;                                                          \
        if (sodium_init() < 0)                                               \
            die("fuzz: libsodium");                                          \
        return 0;                                                            \
    }

/*
 * One request to the clinic (reset first): "METHOD TARGET" and the body,
 * with Content-Type ctype (NULL: none) and, when auth, the admin's session
 * cookie and CSRF header. Every "@CSRF@" in the body becomes the session's
 * CSRF token (the field a page's form carries) and "@TOKEN@" in the target
 * or body the invitation's token, so that the fuzzer reaches what lies
 * behind them.
 */
static inline int fuzz_request(const char *line, size_t line_len,
                               const char *ctype, const char *body,
                               size_t body_len, int auth)
{
    struct buf b = BUF_INIT;
    struct buf t = BUF_INIT;
    /* The target with @TOKEN@ replaced. */
    for (size_t i = 0; i < line_len; i++) {
        if (line_len - i >= 7 && !memcmp(line + i, "@TOKEN@", 7)) {
            buf_puts(&t, fuzz_clinic.token);
            i += 6;
        } else {
            buf_putc(&t, line[i]);
        }
    }
    struct buf body2 = BUF_INIT;
    for (size_t i = 0; i < body_len; i++) {
        if (body_len - i >= 6 && !memcmp(body + i, "@CSRF@", 6)) {
            buf_puts(&body2, fuzz_clinic.csrf);
            i += 5;
        } else if (body_len - i >= 7 && !memcmp(body + i, "@TOKEN@", 7)) {
            buf_puts(&body2, fuzz_clinic.token);
            i += 6;
        } else {
            buf_putc(&body2, body[i]);
        }
    }
    buf_add(&b, t.data ? t.data : "", t.len);
    buf_puts(&b, " HTTP/1.1\r\nHost: clinic.example\r\n");
    if (ctype)
        buf_printf(&b, "Content-Type: %s\r\n", ctype);
    if (auth)
        buf_printf(&b, "Cookie: %s\r\nX-CSRF-Token: %s\r\n",
                   fuzz_clinic.cookie, fuzz_clinic.csrf);
    buf_printf(&b, "Content-Length: %zu\r\n\r\n", body2.len);
    buf_add(&b, body2.data ? body2.data : "", body2.len);
    struct store *s = fuzz_clinic_open();
    struct http_response resp;
    fuzz_http(&fuzz_clinic.cfg, s, b.data, b.len, &resp);
    int status = resp.status;
    if (getenv("FUZZ_VERBOSE")) /* to check a seed reaches its handler */
        fprintf(stderr, "fuzz: %.*s -> %d %.*s\n", (int)t.len, t.data,
                status, (int)(resp.body.len < 300 ? resp.body.len : 300),
                resp.body.data ? resp.body.data : "");
    http_response_release(&resp);
    store_close(s);
    buf_release(&b);
    buf_release(&t);
    buf_release(&body2);
    return status;
}

#endif
