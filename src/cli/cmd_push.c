/* touchstone push: sends the clinic's new and changed episode summaries
 * to the registry it enrolled with (docs/registry.md). */
#include "cli/cli.h"
#include "registry/batch.h"
#include "registry/client.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

COMMAND("push", cmd_push, "send new and changed outcome summaries to the registry")

struct push {
    struct cli *c;
    struct registry_link link;
    int64_t batches, rows, retracted, resent;
    int64_t total; /* rows and retractions due at the first batch built */
    int progress;  /* 1: show progress on the terminal */
    long batch_rows; /* rows and retractions per batch at most */
};

static void show_progress(struct push *p)
{
    if (!p->progress || p->total <= p->batch_rows)
        return;
    int64_t done = p->rows + p->retracted;
    fprintf(stderr, "\rpushing: %lld of %lld rows (%lld%%)",
            (long long)done, (long long)p->total,
            (long long)(p->total ? done * 100 / p->total : 100));
    fflush(stderr);
}

/* 1 when a 409 answer shows that batch o is the registry's last. */
static int accepted_already(const struct registry_answer *a,
                            const struct registry_outbound *o)
{
    const char *digest =
        json_string_value(json_object_get(a->json, "last_digest"));
    const json_t *seq = json_object_get(a->json, "last_seq");
    return digest && !strcmp(digest, o->digest) &&
           (!json_is_integer(seq) || json_integer_value(seq) == o->seq);
}

/* Sends batch o and records its acknowledgement. */
static int send_batch(struct push *p, const struct registry_outbound *o,
                      struct err *e)
{
    struct registry_answer a;
    if (registry_client_post(p->link.url, "/registry/v1/push", o->body,
                             o->len, &a, e) < 0)
        return -1;
    int rc = 0;
    if (a.status == 409 && accepted_already(&a, o)) {
        rc = 0; /* committed before the clinic heard: acknowledged */
    } else if (a.status == 409) {
        const json_t *last = json_object_get(a.json, "last_seq");
        rc = err_set(e, ERR_CONFLICT, "seq",
                     "the registry refuses batch %lld: its last batch from "
                     "this clinic is %lld, with another digest than this "
                     "clinic's",
                     (long long)o->seq,
                     json_is_integer(last)
                         ? (long long)json_integer_value(last)
                         : -1LL);
    } else if (a.status != 200) {
        rc = registry_client_refusal(&a, e);
    }
    registry_answer_release(&a);
    if (rc < 0)
        return -1;
    if (registry_batch_acknowledge(p->c->store, &actor_cli, o->seq, e) < 0)
        return -1;
    struct err ignored = ERR_INIT;
    registry_link_set_status(p->c->store, "approved", &ignored);
    p->batches++;
    p->rows += o->rows;
    p->retracted += o->retracted;
    show_progress(p);
    return 0;
}

static int push_all(struct push *p, struct err *e)
{
    struct registry_outbound o;
    int rc = registry_outbound_pending(p->c->store, &o, e);
    if (rc == 1) {
        p->resent++;
        rc = send_batch(p, &o, e);
        registry_outbound_release(&o);
    }
    if (rc < 0)
        return -1;
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    if (clinic_key_load_secret(p->c->store, sk, e) < 0)
        return -1;
    struct registry_rows *rows;
    rc = registry_rows_read(p->c->store, &actor_cli, &rows, e);
    while (rc == 0) {
        rc = registry_batch_build(p->c->store, &actor_cli, rows,
                                  p->link.clinic_id, sk,
                                  (size_t)p->batch_rows, &o, e);
        if (rc <= 0)
            break;
        if (p->total == 0)
            p->total = o.remaining;
        rc = send_batch(p, &o, e);
        registry_outbound_release(&o);
    }
    sodium_memzero(sk, sizeof(sk));
    registry_rows_free(rows);
    return rc < 0 ? -1 : 0;
}

int cmd_push(struct cli *c, int argc, const char **argv)
{
    long batch_rows = REGISTRY_BATCH_ROWS;
    struct opt opts[] = {
        {"batch-rows", OPT_INT, &batch_rows, "N",
         "rows and retractions per batch at most (default 10000)", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                       "Sends every new or changed outcome summary since "
                       "the last acknowledged push to the registry the "
                       "clinic enrolled with, de-identified and signed; a "
                       "batch not acknowledged yet is sent again first, "
                       "byte for byte.") < 0)
        return c->exit_code;
    if (cli_check_range(c, "batch-rows", batch_rows, 1, 1000000) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct push p = {.c = c, .progress = !c->json && isatty(2),
                     .batch_rows = batch_rows};
    if (cli_open_store(c, &e) < 0 ||
        registry_link_get(c->store, &p.link, &e) < 0)
        return cli_fail(c, &e);
    int rc = push_all(&p, &e);
    if (p.progress && p.total > p.batch_rows)
        fputc('\n', stderr);
    if (rc < 0)
        return cli_fail(c, &e);
    if (c->json)
        return cli_print_json(
            c, json_pack("{s:I,s:I,s:I,s:I,s:I}", "clinic",
                         (json_int_t)p.link.clinic_id, "batches",
                         (json_int_t)p.batches, "rows", (json_int_t)p.rows,
                         "retracted", (json_int_t)p.retracted, "resent",
                         (json_int_t)p.resent));
    if (p.batches == 0)
        printf("nothing to push\n");
    else
        printf("pushed %lld rows and %lld retractions in %lld batches to "
               "%s\n",
               (long long)p.rows, (long long)p.retracted,
               (long long)p.batches, p.link.url);
    return EXIT_OK;
}
