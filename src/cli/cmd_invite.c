/* touchstone invite: one-time links through which patients answer. */
#include "cli/cli.h"
#include "cli/invite_print.h"
#include "prom/invitation.h"
#include "prom/mail.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

COMMAND("invite", cmd_invite, "invite a patient to answer; list, revoke")

static int invite_create_cmd(struct cli *c, int argc, const char **argv)
{
    struct invitation_new in = {0};
    struct opt opts[] = {
        OPTION_EPISODE(&in.episode_id, "the episode", 1),
        {"timepoint", OPT_STRING, &in.timepoint, "TIMEPOINT",
         "baseline, followup or pre (before a visit)", 1, 0},
        {"on", OPT_STRING, &in.visit_on, "DATE",
         "pre: the visit's day, YYYY-MM-DD (default today); the link is "
         "open that day",
         0, 0},
        OPTION_INSTRUMENT(
            &in.instrument,
            "one instrument (default: the protocol's, those with wording)", 0),
        {"channel", OPT_STRING, &in.channel, "CHANNEL",
         "email (default: queued in the outbox) or print (the link is "
         "printed here)",
         0, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    if (cli_parse_open(c, argc, argv, opts,
                       "Creates a one-time link for the episode's timepoint "
                       "and queues its email.") < 0 ||
        cli_catalog_override(c, &in.catalog, &e) < 0)
        return cli_stop(c, &e);
    struct invitation_created out;
    if (invitation_create(c->store, &actor_cli, &in, &out, &e) < 0)
        return cli_fail(c, &e);
    int print = in.channel && !strcmp(in.channel, "print");
    char link[MAIL_URL_MAX + TOKEN_TEXT_LEN + 8] = "";
    if (print) {
        struct mail_config m;
        int found = 0;
        if (mail_config_load(c->store, &m, &found, &e) < 0) {
            sodium_memzero(&out, sizeof(out));
            return cli_fail(c, &e);
        }
        snprintf(link, sizeof(link), "%s/r/%s",
                 found ? m.base_url : "", out.token);
    }
    int rc = EXIT_OK;
    if (c->json) {
        json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:o}", "id",
                              (json_int_t)out.id, "opens_at", out.opens_at,
                              "expires_at", out.expires_at, "channel",
                              print ? "print" : "email", "instruments",
                              json_loads(out.instruments, 0, NULL));
        json_object_set_new(o, "outbox", out.outbox_id
                                             ? json_integer(out.outbox_id)
                                             : json_null());
        if (out.skipped[0])
            json_object_set_new(o, "without_wording",
                                json_string(out.skipped));
        if (!strcmp(in.timepoint, "pre"))
            json_object_set_new(o, "visit_on",
                                json_stringn(out.opens_at, 10));
        if (print)
            json_object_set_new(o, "link", json_string(link));
        rc = cli_print_json(c, o);
    } else {
        printf("invitation %lld: %s, open %s to %s%s%s\n",
               (long long)out.id, out.instruments, out.opens_at,
               out.expires_at,
               out.outbox_id ? ", message queued" : "",
               print ? "" : "");
        cli_print_if_set("not asked (no wording): %s\n", out.skipped);
        if (print)
            printf("link: %s\n", link);
    }
    sodium_memzero(&out, sizeof(out));
    sodium_memzero(link, sizeof(link));
    return rc;
}

CLI_TO_JSON(invitation_json, invitation_to_json)

static void invitation_header(void)
{
    printf("%-6s %-7s %-9s %-7s %-8s %-20s %s\n", "ID", "EPISODE",
           "TIMEPOINT", "CHANNEL", "STATE", "EXPIRES", "INSTRUMENTS");
}

static void invitation_row(const void *item)
{
    const struct invitation *i = item;
    printf("%-6lld %-7lld %-9s %-7s %-8s %-20s %s", (long long)i->id,
           (long long)i->episode_id, i->timepoint, i->channel, i->state,
           i->expires_at, i->instruments);
    if (i->held)
        printf("  %d answer%s held for the session of %s", i->held,
               i->held == 1 ? "" : "s", i->visit_on);
    else if (i->visit_on[0])
        printf("  visit %s", i->visit_on);
    printf("\n");
}

static const struct cli_list_format invitation_format = {
    invitation_json, invitation_header, invitation_row, "no invitations"};

CLI_LIST_VERB(invite_list_cmd, invitation, &invitation_format, int64_t,
              OPTION_EPISODE(&filter, "only this episode's", 0))

static int invite_revoke_cmd(struct cli *c, int argc, const char **argv)
{
    int64_t id = 0;
    const char *reason = NULL;
    struct opt opts[] = {
        OPTION_ID(&id, "the invitation"),
        {"reason", OPT_STRING, &reason, "TEXT", "why it is revoked", 1, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||
        invitation_revoke(c->store, &actor_cli, id, reason, &e) < 0)
        return cli_stop(c, &e);
    return cli_print_id(c, id);
}

static int invite_resend_cmd(struct cli *c, int argc, const char **argv)
{
    int64_t id = 0, outbox_id;
    struct err e = ERR_INIT;
    if (cli_parse_id_open(c, argc, argv, "the invitation", &id) < 0 ||
        invitation_resend(c->store, &actor_cli, id, &outbox_id, &e) < 0)
        return cli_stop(c, &e);
    return cli_print_id(c, outbox_id);
}

CLI_VERB_FORMS_COMMAND(cmd_invite,
    "Invites a patient to answer (touchstone invite --episode ID "
    "--timepoint baseline|followup|pre [--on DATE]), or manages "
    "invitations.",
    invite_create_cmd,
    {"list", invite_list_cmd, "list invitations",
     "Lists invitations, newest first."},
    {"revoke", invite_revoke_cmd, "revoke one, with a reason",
     "Revokes an invitation: its link stops working and "
     "its unsent messages are cancelled."},
    {"resend", invite_resend_cmd, "queue its message again",
     "Queues an open email invitation's message again."},
    {"print", invite_print_cmd,
     "write the printed code (QR) of a print invitation",
     "Prints an invitation's link for a patient without "
     "email: as a QR code the patient scans with a phone "
     "(--out FILE.svg or FILE.png), or as text. The link "
     "is derived from the clinic's key; it is never "
     "stored."})
