/* touchstone bill: superbills of a session or an episode. */
#include "cli/cli.h"
#include "core/util.h"
#include "documents/superbill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

COMMAND("bill", cmd_bill, "a superbill (CPT units, ICD-10-CM) of a session or episode")

int cmd_bill(struct cli *c, int argc, const char **argv)
{
    const char *session = NULL, *episode = NULL, *rule_name = "cms";
    const char *format = NULL, *out = NULL;
    struct opt opts[] = {
        {"session", OPT_STRING, &session, "ID", "bill one session", 0, 0},
        {"episode", OPT_STRING, &episode, "ID",
         "bill every session of an episode (one visit per date)", 0, 0},
        {"rule", OPT_STRING, &rule_name, "cms|per-code",
         "the payer's unit rule (default cms: the 8-minute rule)", 0, 0},
        {"format", OPT_STRING, &format, "text|csv|html|json",
         "output format (default text; --json is json)", 0, 0},
        OPTION_OUT(&out, "write to FILE (default stdout)"),
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Prints a superbill: CPT lines (97124, 97140, 97112, ...) "
                  "from the session's phases, with units by the rule and "
                  "the minutes behind them, ICD-10-CM diagnosis pointers "
                  "from the episode and the referral, the provider's NPI "
                  "and the date of service. A session that cannot be "
                  "billed (under 8 minutes) is refused with status 3; on "
                  "an episode's bill such a visit shows 0 units and why. "
                  "docs/billing.md explains the rules.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    if (!!session == !!episode)
        return cli_error(c, EXIT_BAD_INPUT, session ? "episode" : "session",
                         "give one of --session and --episode");
    if (!format)
        format = c->json ? "json" : "text";
    if (strcmp(format, "text") && strcmp(format, "csv") &&
        strcmp(format, "html") && strcmp(format, "json"))
        return cli_error(c, EXIT_BAD_INPUT, "format",
                         "'%.32s' is not one of text, csv, html, json",
                         format);
    enum bill_rule rule;
    int64_t id;
    struct superbill bill;
    if (bill_rule_parse(rule_name, &rule, "rule", &e) < 0 ||
        cli_parse_id(session ? session : episode,
                     session ? "session" : "episode", &id, &e) < 0 ||
        cli_open_store(c, &e) < 0)
        return cli_fail(c, &e);
    int rc = session
                 ? superbill_for_session(c->store, &actor_cli, id, rule,
                                         &bill, &e)
                 : superbill_for_episode(c->store, &actor_cli, id, rule,
                                         &bill, &e);
    if (rc < 0) {
        if (!strcmp(e.field, "id"))
            snprintf(e.field, sizeof(e.field), "%s",
                     session ? "session" : "episode");
        return cli_fail(c, &e);
    }
    struct buf b = BUF_INIT;
    if (!strcmp(format, "json")) {
        json_t *doc = superbill_to_json(&bill);
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(doc);
        if (!text)
            die("out of memory writing JSON");
        buf_printf(&b, "%s\n", text);
        free(text);
    } else if (!strcmp(format, "csv")) {
        superbill_csv(&bill, &b);
    } else if (!strcmp(format, "html")) {
        superbill_html(&bill, &b);
    } else {
        buf_printf(&b, "superbill (%s rule) for %s, born %s (patient %lld)\n",
                   bill_rule_name(rule), bill.patient.name,
                   bill.patient.birth_date, (long long)bill.patient.id);
        buf_printf(&b, "provider  %s, %s, NPI %s\n", bill.practitioner.name,
                   bill.practitioner.credentials,
                   bill.practitioner.npi[0] ? bill.practitioner.npi
                                            : "(none)");
        if (bill.has_referral)
            buf_printf(&b, "referred  by %s (%s)%s%s on %s\n",
                       bill.referral.physician_name,
                       bill.referral.physician_specialty,
                       bill.referral.physician_npi[0] ? ", NPI " : "",
                       bill.referral.physician_npi,
                       bill.referral.referred_on);
        for (int i = 0; i < bill.diagnosis_count; i++)
            buf_printf(&b, "dx %c      %s  %s\n", bill.diagnoses[i].letter,
                       bill.diagnoses[i].code,
                       bill.diagnoses[i].title ? bill.diagnoses[i].title
                                               : "");
        for (size_t i = 0; i < bill.visit_count; i++) {
            const struct superbill_visit *v = &bill.visits[i];
            buf_printf(&b, "%s  %s\n", v->date, v->reason);
            for (int k = 0; k < v->line_count; k++)
                buf_printf(&b, "  %s  %-28s %-4s %3d min  %d unit%s  (%s)\n",
                           v->lines[k].item.code, v->lines[k].title,
                           v->lines[k].pointers, v->lines[k].item.minutes,
                           v->lines[k].item.units,
                           v->lines[k].item.units == 1 ? " " : "s",
                           v->lines[k].basis);
        }
        buf_printf(&b, "total     %d unit%s\n", bill.total_units,
                   bill.total_units == 1 ? "" : "s");
    }
    superbill_release(&bill);
    rc = cli_write_output(c, out, b.data, b.len);
    buf_release(&b);
    return rc;
}
