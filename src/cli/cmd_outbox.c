/* touchstone outbox: the messages the clinic sends, and their sending. */
#include "cli/cli.h"
#include "prom/outbox.h"
#include "prom/schedule.h"

#include <stdio.h>

COMMAND("outbox", cmd_outbox, "list and send the queued messages")

static json_t *message_json(const void *item)
{
    const struct outbox_message *m = item;
    json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:i,s:i,s:s,s:s}", "id",
                          (json_int_t)m->id, "kind", m->kind, "recipient",
                          m->recipient, "status", m->status, "attempts",
                          m->attempts, "max_attempts", m->max_attempts,
                          "next_attempt_at", m->next_attempt_at,
                          "created_at", m->created_at);
    json_object_set_new(o, "invitation",
                        m->invitation_id ? json_integer(m->invitation_id)
                                         : json_null());
    json_object_set_new(o, "last_error", m->last_error[0]
                                             ? json_string(m->last_error)
                                             : json_null());
    json_object_set_new(o, "sent_at", m->sent_at[0] ? json_string(m->sent_at)
                                                    : json_null());
    return o;
}

static void message_header(void)
{
    printf("%-6s %-10s %-9s %-8s %-20s %s\n", "ID", "KIND", "STATUS",
           "ATTEMPTS", "NEXT", "LAST ERROR");
}

static void message_row(const void *item)
{
    const struct outbox_message *m = item;
    char attempts[24];
    snprintf(attempts, sizeof(attempts), "%d/%d", m->attempts,
             m->max_attempts);
    printf("%-6lld %-10s %-9s %-8s %-20s %s\n", (long long)m->id, m->kind,
           m->status, attempts, m->next_attempt_at, m->last_error);
}

static const struct cli_list_format message_format = {
    message_json, message_header, message_row, "the outbox is empty"};

CLI_LIST_ALL_VERB(outbox_list_cmd, outbox, &message_format)

static int print_report(struct cli *c, const struct schedule_report *sr,
                        const struct outbox_report *r)
{
    if (c->json) {
        json_t *o = json_pack("{s:i,s:i,s:i,s:i,s:i,s:b}", "sent", r->sent,
                              "retrying", r->retrying, "failed", r->failed,
                              "cancelled", r->cancelled, "resumed",
                              r->resumed, "busy", r->busy);
        json_object_set_new(o, "last_error", r->last_error[0]
                                                 ? json_string(r->last_error)
                                                 : json_null());
        if (sr) {
            json_object_set_new(o, "invited", json_integer(sr->invited));
            json_object_set_new(o, "reminded", json_integer(sr->reminded));
            json_object_set_new(o, "skipped", json_integer(sr->skipped));
        }
        return cli_print_json(c, o);
    }
    if (sr)
        printf("invited %d, reminders %d, skipped %d\n", sr->invited,
               sr->reminded, sr->skipped);
    if (r->busy)
        printf("another sender is at work; nothing sent\n");
    else
        printf("sent %d, retrying %d, failed %d, cancelled %d%s\n", r->sent,
               r->retrying, r->failed, r->cancelled,
               r->resumed ? " (resumed one a crash interrupted)" : "");
    cli_print_if_set("last error: %s\n", r->last_error);
    return EXIT_OK;
}

static int outbox_send_cmd(struct cli *c, int argc, const char **argv)
{
    long limit = 0;
    struct opt opts[] = {
        {"limit", OPT_INT, &limit, "N", "send at most N messages", 0, 0},
        OPT_END,
    };
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||
        cli_check_range(c, "limit", limit, 0, 1000000) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct outbox_report r;
    if (outbox_send_due(c->store, (int)limit, &r, &e) < 0)
        return cli_fail(c, &e);
    return print_report(c, NULL, &r);
}

static int outbox_run_cmd(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    struct err e = ERR_INIT;
    const struct catalog *cat;
    struct schedule_report sr;
    struct outbox_report r;
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||
        cli_catalog_override(c, &cat, &e) < 0 ||
        schedule_run(c->store, cat, &sr, &e) < 0 ||
        outbox_send_due(c->store, 0, &r, &e) < 0)
        return cli_stop(c, &e);
    return print_report(c, &sr, &r);
}

CLI_VERB_COMMAND(cmd_outbox,
    "The durable queue of messages to patients.",
    {"list", outbox_list_cmd, "list the messages",
     "Lists the outbox, newest first."},
    {"send", outbox_send_cmd, "send the messages that are due",
     "Sends the messages that are due, one at a time."},
    {"run", outbox_run_cmd, "invite, remind, then send (for cron)",
     "Invites the follow-ups whose windows opened, queues "
     "the reminders due, then sends (for cron)."})
