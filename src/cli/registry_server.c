/*
 * touchstone registry init | serve | clinic | report | test-sign: the
 * registry's own side, on PostgreSQL (registry/).
 */
#include "cli/registry.h"
#include "catalog/catalog.h"
#include "core/buf.h"
#include "core/util.h"
#include "outcomes/signing.h"
#include "record/clinic_key.h"
#include "registry/api.h"
#include "registry/national.h"
#include "registry/pg.h"
#include "registry/schema.h"
#include "web/web.h"

#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --pg, else TOUCHSTONE_PG. */
static const char *conninfo_of(const char *flag)
{
    return flag ? flag : getenv("TOUCHSTONE_PG");
}

int registry_connect(const char *pg, struct pg **db, struct err *e)
{
    *db = NULL;
    if (pg_connect(conninfo_of(pg), db, e) < 0 ||
        registry_schema_check(*db, e) < 0) {
        pg_close(*db);
        *db = NULL;
        return -1;
    }
    return 0;
}

static const struct pg_query meta_get = {
    "cli_meta_get", "SELECT public_key FROM registry_meta WHERE id = 1", 0};
static const struct pg_query meta_insert = {
    "cli_meta_insert", "INSERT INTO registry_meta (id, public_key) VALUES"
    " (1, $1)", 1};

/* The registry's public key (base64) into out: 1, 0 when it has none, -1
 * with e. */
static int registry_public_key(struct pg *db, char out[48], struct err *e)
{
    struct pg_result *r;
    if (pg_run(db, &meta_get, NULL, &r, e) < 0)
        return -1;
    int found = pg_rows(r) > 0;
    if (found)
        snprintf(out, 48, "%s", pg_text(r, 0, 0));
    pg_result_free(r);
    return found;
}

int registry_init(struct cli *c, int argc, const char **argv)
{
    const char *pg = NULL, *key = NULL;
    struct opt opts[] = {
        OPTION_PG(&pg),
        {"key", OPT_STRING, &key, "FILE",
         "where the registry's secret key goes (created, mode 600)", 1, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct pg *db = NULL;
    int applied = 0;
    if (pg_connect(conninfo_of(pg), &db, &e) < 0 ||
        registry_schema_migrate(db, &applied, &e) < 0)
        goto fail;
    char existing[48];
    int has = registry_public_key(db, existing, &e);
    if (has < 0)
        goto fail;
    if (has) {
        err_set(&e, ERR_CONFLICT, "key", "the registry has its key pair "
                "already (public key %s); its secret key stays where it was "
                "made", existing);
        goto fail;
    }
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    if (clinic_key_generate(key, pk, &e) < 0)
        goto fail;
    char text[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(pk, text);
    const char *params[] = {text};
    if (pg_run(db, &meta_insert, params, NULL, &e) < 0) {
        unlink(key);
        goto fail;
    }
    pg_close(db);
    if (c->json)
        return cli_print_json(
            c, json_pack("{sisiss}", "schema_version",
                         registry_schema_version(), "migrations_applied",
                         applied, "public_key", text, "key", key));
    printf("registry ready: schema version %d, public key %s\n"
           "secret key in '%s' (mode 600): keep it safe, it signs the "
           "national report\n",
           registry_schema_version(), text, key);
    return EXIT_OK;
fail:
    pg_close(db);
    return cli_fail(c, &e);
}

/* The server's backend: one PostgreSQL connection per busy worker. */
struct serve_ctx {
    const char *conninfo;
    struct registry_api api;
};

static void *serve_open(void *ctx, struct err *e)
{
    struct serve_ctx *s = ctx;
    struct pg *db;
    return pg_connect(s->conninfo, &db, e) < 0 ? NULL : db;
}

static void serve_close(void *ctx, void *conn)
{
    (void)ctx;
    pg_close(conn);
}

static void serve_handle(void *ctx, void *conn, struct http_request *req,
                         struct http_response *resp)
{
    struct serve_ctx *s = ctx;
    pg_recover(conn);
    registry_api_handle(&s->api, conn, req, resp);
}

int registry_serve(struct cli *c, int argc, const char **argv)
{
    const char *pg = NULL, *key = NULL, *listen = "127.0.0.1:8090";
    long threads = 4, timeout = 30, min_cell = REGISTRY_MIN_CELL_DEFAULT;
    struct opt opts[] = {
        OPTION_PG(&pg),
        {"key", OPT_STRING, &key, "FILE", "the registry's secret key file",
         1, 0},
        {"listen", OPT_STRING, &listen, "HOST:PORT",
         "address to listen on (default 127.0.0.1:8090; port 0: any)", 0,
         0},
        OPTION_THREADS(&threads),
        OPTION_TIMEOUT(&timeout),
        {"min-cell", OPT_INT, &min_cell, "N",
         "withhold cells of fewer than N episodes from the national report "
         "(default 11)",
         0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0 ||
        cli_check_server(c, threads, timeout) < 0 ||
        cli_check_range(c, "min-cell", min_cell, 1, 1000) < 0)
        return c->exit_code;
    struct serve_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.conninfo = conninfo_of(pg);
    ctx.api.min_cell = (int)min_cell;
    struct err e = ERR_INIT;
    struct pg *db;
    int has = registry_connect(pg, &db, &e) < 0
                  ? -1
                  : registry_public_key(db, ctx.api.public_key, &e);
    pg_close(db);
    if (has < 0)
        return cli_fail(c, &e);
    if (!has)
        return cli_error(c, EXIT_FAILURE_, "key", "the registry has no key "
                         "pair (run 'touchstone registry init')");
    if (clinic_key_read_secret(key, ctx.api.secret_key, &e) < 0)
        return cli_fail(c, &e);
    char mine[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(ctx.api.secret_key + 32, mine);
    if (strcmp(mine, ctx.api.public_key)) {
        sodium_memzero(ctx.api.secret_key, sizeof(ctx.api.secret_key));
        return cli_error(c, EXIT_FAILURE_, "key", "'%s' is not this "
                         "registry's key (its public key is %s)", key,
                         ctx.api.public_key);
    }
    struct catalog *catalog = NULL;
    if (catalog_load(NULL, &catalog, &e) < 0) {
        sodium_memzero(ctx.api.secret_key, sizeof(ctx.api.secret_key));
        return cli_fail(c, &e);
    }
    ctx.api.catalog = catalog;
    struct web_backend backend = {&ctx, serve_open, serve_close,
                                  serve_handle};
    struct web_serve_options o = {
        .listen = listen,
        .threads = (int)threads,
        .timeout_seconds = (int)timeout,
        .backend = &backend,
    };
    web_config_default(&o.config);
    ctx.api.national_cache = registry_national_cache_new();
    int rc = web_serve(&o, &e);
    registry_national_cache_free(ctx.api.national_cache);
    sodium_memzero(ctx.api.secret_key, sizeof(ctx.api.secret_key));
    catalog_free(catalog);
    return rc < 0 ? cli_fail(c, &e) : EXIT_OK;
}

static const struct pg_query clinic_list = {
    "cli_clinic_list", "SELECT id, name, status, last_seq, public_key,"
    " to_char(enrolled_at AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), (SELECT count(*) FROM"
    " registry_batch b WHERE b.clinic_id = c.id) FROM registry_clinic c"
    " ORDER BY id", 0};
static const struct pg_query clinic_status = {
    "cli_clinic_status", "UPDATE registry_clinic SET status = $2,"
    " updated_at = now() WHERE id = $1 RETURNING id", 2};

static int clinic_list_verb(struct cli *c, int argc, const char **argv)
{
    const char *pg = NULL;
    struct opt opts[] = {
        OPTION_PG(&pg),
        OPT_END,
    };
    struct err e = ERR_INIT;
    struct pg *db = NULL;
    struct pg_result *r;
    if (cli_parse(c, argc, argv, opts, NULL) < 0 ||
        registry_connect(pg, &db, &e) < 0 ||
        pg_run(db, &clinic_list, NULL, &r, &e) < 0) {
        pg_close(db);
        return cli_stop(c, &e);
    }
    if (c->json) {
        json_t *list = json_array();
        for (int i = 0; i < pg_rows(r); i++)
            json_array_append_new(
                list,
                json_pack("{sIsssssIsssssI}", "id",
                          (json_int_t)pg_int(r, i, 0), "name",
                          pg_text(r, i, 1), "status", pg_text(r, i, 2),
                          "last_seq", (json_int_t)pg_int(r, i, 3),
                          "public_key", pg_text(r, i, 4), "enrolled_at",
                          pg_text(r, i, 5), "batches",
                          (json_int_t)pg_int(r, i, 6)));
        pg_result_free(r);
        pg_close(db);
        return cli_print_json(c, list);
    }
    if (pg_rows(r) == 0)
        printf("no clinic has enrolled\n");
    else
        printf("%-6s %-10s %-8s %-20s %s\n", "ID", "STATUS", "LAST_SEQ",
               "ENROLLED", "NAME");
    for (int i = 0; i < pg_rows(r); i++)
        printf("%-6s %-10s %-8s %-20s %s\n", pg_text(r, i, 0),
               pg_text(r, i, 2), pg_text(r, i, 3), pg_text(r, i, 5),
               pg_text(r, i, 1));
    pg_result_free(r);
    pg_close(db);
    return EXIT_OK;
}

/* approve / suspend: sets the status of clinic ID. */
static int clinic_set(struct cli *c, int argc, const char **argv,
                      const char *status)
{
    const char *pg = NULL;
    int64_t id = 0;
    struct opt opts[] = {
        {"id", OPT_ARG_ID, &id, "ID", "the clinic's registry id", 1, 0},
        OPTION_PG(&pg),
        OPT_END,
    };
    struct err e = ERR_INIT;
    struct pg *db;
    if (cli_parse(c, argc, argv, opts, NULL) < 0 ||
        registry_connect(pg, &db, &e) < 0)
        return cli_stop(c, &e);
    char text[32];
    snprintf(text, sizeof(text), "%lld", (long long)id);
    const char *params[] = {text, status};
    struct pg_result *r;
    if (pg_run(db, &clinic_status, params, &r, &e) < 0) {
        pg_close(db);
        return cli_fail(c, &e);
    }
    int found = pg_rows(r) > 0;
    pg_result_free(r);
    pg_close(db);
    if (!found)
        return cli_error(c, EXIT_BAD_INPUT, "id", "no clinic %lld",
                         (long long)id);
    if (c->json)
        return cli_print_json(c, json_pack("{sIss}", "clinic",
                                           (json_int_t)id, "status",
                                           status));
    printf("clinic %lld: %s\n", (long long)id, status);
    return EXIT_OK;
}

static int clinic_approve(struct cli *c, int argc, const char **argv)
{
    return clinic_set(c, argc, argv, "approved");
}

static int clinic_suspend(struct cli *c, int argc, const char **argv)
{
    return clinic_set(c, argc, argv, "suspended");
}

int registry_clinic(struct cli *c, int argc, const char **argv)
{
    static const struct cli_verb verbs[] = {
        {"list", clinic_list_verb, "the enrolled clinics",
         "Lists the enrolled clinics: id, status (pending, "
         "approved, suspended), the last batch accepted and the "
         "name."},
        {"approve", clinic_approve, "accept a clinic's pushes",
         "Approves clinic ID: its pushes are accepted from now on, and its "
         "summaries count in the national report."},
        {"suspend", clinic_suspend, "refuse a clinic's pushes",
         "Suspends clinic ID: its pushes are refused and its summaries "
         "leave the national report (they are kept; approving it again "
         "brings them back)."},
        VERB_END,
    };
    /* "registry clinic approve" names itself in errors and usage. */
    const char *args[64];
    if (argc > (int)ARRAY_SIZE(args))
        return cli_error(c, EXIT_BAD_INPUT, "", "too many arguments");
    for (int i = 0; i < argc; i++)
        args[i] = argv[i];
    args[0] = "registry clinic";
    return cli_run_verb(c, argc, args, verbs,
                        "The clinics enrolled with the registry.");
}

/* The text form of the report: one line per model. */
static void print_report_text(const json_t *doc)
{
    const json_t *reg = json_object_get(doc, "registry");
    printf("national registry: %lld clinics, %lld practitioners, %lld "
           "summaries; cells under %lld episodes withheld\n\n",
           json_integer_value(json_object_get(reg, "clinics")),
           json_integer_value(json_object_get(reg, "practitioners")),
           json_integer_value(json_object_get(reg, "summaries")),
           json_integer_value(json_object_get(reg, "min_cell")));
    printf("%-36s %-10s %8s %10s %10s %s\n", "PROTOCOL", "INSTRUMENT",
           "COMPLETE", "MEAN", "SD", "MODEL");
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(doc, "models"), i, m)
    {
        const json_t *n = json_object_get(m, "n_complete");
        const json_t *mean = json_object_get(m, "mean_improvement");
        const json_t *sd = json_object_get(m, "sd_improvement");
        char ntext[24] = "-", mtext[24] = "-", stext[24] = "-";
        if (json_is_integer(n))
            snprintf(ntext, sizeof(ntext), "%lld", json_integer_value(n));
        if (json_is_number(mean))
            snprintf(mtext, sizeof(mtext), "%.2f", json_number_value(mean));
        if (json_is_number(sd))
            snprintf(stext, sizeof(stext), "%.2f", json_number_value(sd));
        const char *model =
            json_is_true(json_object_get(m, "suppressed")) ? "withheld"
            : json_is_true(json_object_get(m, "adjusted")) ? "risk-adjusted"
                                                           : "unadjusted";
        printf("%-36s %-10s %8s %10s %10s %s\n",
               json_string_value(json_object_get(m, "protocol")),
               json_string_value(json_object_get(m, "instrument")), ntext,
               mtext, stext, model);
    }
    printf("\n%zu cells ('--json' shows them)\n",
           json_array_size(json_object_get(doc, "cells")));
}

int registry_report(struct cli *c, int argc, const char **argv)
{
    const char *pg = NULL, *protocol = NULL, *instrument = NULL;
    long min_cell = REGISTRY_MIN_CELL_DEFAULT;
    struct opt opts[] = {
        OPTION_PG(&pg),
        {"protocol", OPT_STRING, &protocol, "ID", "one protocol only", 0, 0},
        {"instrument", OPT_STRING, &instrument, "CODE",
         "one instrument only", 0, 0},
        {"min-cell", OPT_INT, &min_cell, "N",
         "withhold cells of fewer than N episodes (default 11; 1 withholds "
         "none)",
         0, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    struct pg *db;
    if (cli_parse(c, argc, argv, opts, NULL) < 0 ||
        cli_check_range(c, "min-cell", min_cell, 1, 1000) < 0 ||
        registry_connect(pg, &db, &e) < 0)
        return cli_stop(c, &e);
    if (c->json) {
        /* Written as text group by group: tens of megabytes, never one
         * value. The heaps grow by 32 MiB at a time, not by what each
         * request lacks (fewer system calls, measured). */
        mallopt(M_TOP_PAD, 32 << 20);
        int rc = registry_national_write(
            db, protocol, instrument, (int)min_cell,
            CLI_JSON_FLAGS, stdout, &e);
        pg_close(db);
        if (rc < 0)
            return cli_fail(c, &e);
        if (putchar('\n') == EOF || fflush(stdout) == EOF)
            return cli_error(c, EXIT_FAILURE_, "output",
                             "cannot write the JSON to standard output");
        return EXIT_OK;
    }
    json_t *doc = registry_national_report(db, protocol, instrument,
                                           (int)min_cell, &e);
    pg_close(db);
    if (!doc)
        return cli_fail(c, &e);
    print_report_text(doc);
    json_decref(doc);
    return EXIT_OK;
}

int registry_test_sign(struct cli *c, int argc, const char **argv)
{
    const char *key = NULL;
    struct opt opts[] = {
        {"key", OPT_STRING, &key, "FILE", "a secret key file (mode 600)", 1,
         0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "A test tool: prints the base64 Ed25519 signature of the "
                  "canonical JSON of the JSON value on standard input, "
                  "signed with the secret key in FILE.") < 0)
        return c->exit_code;
    struct buf in = BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        buf_add(&in, chunk, n);
    json_error_t jerr;
    json_t *value = json_loadb(in.data, in.len, JSON_DECODE_ANY, &jerr);
    buf_release(&in);
    if (!value)
        return cli_error(c, EXIT_BAD_INPUT, "stdin", "not JSON: %s",
                         jerr.text);
    struct err e = ERR_INIT;
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    if (clinic_key_read_secret(key, sk, &e) < 0) {
        json_decref(value);
        return cli_fail(c, &e);
    }
    size_t len;
    char *canonical = signing_canonical_json(value, &len);
    json_decref(value);
    if (!canonical) {
        sodium_memzero(sk, sizeof(sk));
        return cli_error(c, EXIT_BAD_INPUT, "stdin", "cannot be written as "
                         "canonical JSON");
    }
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    signing_sign(canonical, len, sk, sig);
    sodium_memzero(sk, sizeof(sk));
    free(canonical);
    char *text = clinic_key_base64_encode(sig, sizeof(sig));
    printf("%s\n", text);
    free(text);
    return EXIT_OK;
}
