/* touchstone report-link: links through which a referring physician reads
 * an episode's progress report (prom/report_link.h); list, revoke. */
#include "cli/cli.h"
#include "prom/mail.h"
#include "prom/report_link.h"

#include <sodium.h>
#include <stdio.h>

COMMAND("report-link", cmd_report_link, "send a physician a link to a progress report; list, revoke")

static int report_link_create_cmd(struct cli *c, int argc, const char **argv)
{
    int64_t episode = 0;
    const char *to = NULL;
    long days = REPORT_LINK_DEFAULT_DAYS;
    struct opt opts[] = {
        OPTION_EPISODE(&episode, "the episode", 1),
        {"to", OPT_STRING, &to, "ADDRESS", "the physician's email address",
         1, 0},
        {"days", OPT_INT, &days, "N",
         "days the link works (default 30, at most 90)", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Creates a link to the episode's progress report and "
                  "queues its email to the physician (no patient data in "
                  "it).") < 0 ||
        cli_check_range(c, "days", days, 1, REPORT_LINK_MAX_DAYS) < 0)
        return c->exit_code;
    if (!mail_address_ok(to))
        return cli_error(c, EXIT_BAD_INPUT, "to",
                         "'%.64s' is not an email address", to);
    struct err e = ERR_INIT;
    if (cli_open_store(c, &e) < 0)
        return cli_fail(c, &e);
    struct report_link_created out;
    if (report_link_create(c->store, &actor_cli, episode, (int)days, to, &out,
                           &e) < 0)
        return cli_fail(c, &e);
    /* The link goes only by its message: it is never shown here. */
    sodium_memzero(out.token, sizeof(out.token));
    int rc = EXIT_OK;
    if (c->json)
        rc = cli_print_json(c, json_pack("{s:I,s:I,s:I,s:s}", "id",
                                         (json_int_t)out.id, "episode_id",
                                         (json_int_t)episode, "outbox",
                                         (json_int_t)out.outbox_id,
                                         "expires_at", out.expires_at));
    else
        printf("report link %lld: episode %lld, open until %s, message "
               "queued\n",
               (long long)out.id, (long long)episode, out.expires_at);
    return rc;
}

CLI_TO_JSON(link_json, report_link_to_json)

static void link_header(void)
{
    printf("%-6s %-7s %-8s %-20s %s\n", "ID", "EPISODE", "STATE", "CREATED",
           "EXPIRES");
}

static void link_row(const void *item)
{
    const struct report_link *l = item;
    printf("%-6lld %-7lld %-8s %-20s %s\n", (long long)l->id,
           (long long)l->episode_id, l->state, l->created_at, l->expires_at);
}

static const struct cli_list_format link_format = {
    link_json, link_header, link_row, "no report links"};

CLI_LIST_VERB(report_link_list_cmd, report_link, &link_format, int64_t,
              OPTION_EPISODE(&filter, "only this episode's", 0))

static int report_link_revoke_cmd(struct cli *c, int argc, const char **argv)
{
    int64_t id = 0;
    struct err e = ERR_INIT;
    if (cli_parse_id_open(c, argc, argv, "the report link", &id) < 0 ||
        report_link_revoke(c->store, &actor_cli, id, &e) < 0)
        return cli_stop(c, &e);
    return cli_print_id(c, id);
}

CLI_VERB_FORMS_COMMAND(cmd_report_link,
    "Sends the referring physician a link to an episode's progress "
    "report (touchstone report-link --episode ID --to ADDRESS "
    "[--days N]), or manages the links.",
    report_link_create_cmd,
    {"list", report_link_list_cmd, "list report links",
     "Lists report links, newest first."},
    {"revoke", report_link_revoke_cmd, "revoke one",
     "Revokes a report link: it stops working and its unsent message is "
     "cancelled."})
