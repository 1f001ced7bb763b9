/* touchstone certificate: the register of issued certificates
 * (outcomes/register.h): list, show, revoke. */
#include "cli/cli.h"
#include "core/util.h"
#include "outcomes/register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

COMMAND("certificate", cmd_certificate, "the register of issued certificates: list, show, revoke")

CLI_TO_JSON(certificate_json, register_entry_json)

static void certificate_row(const void *item)
{
    const struct issued_certificate *x = item;
    printf("%s  %s  %s (%lld)  %s x %s  %s  %s%s\n", x->id, x->issued_at,
           x->practitioner_name, (long long)x->practitioner_id, x->protocol,
           x->instrument, x->designation,
           x->revoked_at[0] ? "revoked at " : "valid", x->revoked_at);
}

static int certificate_list(struct cli *c, int argc, const char **argv)
{
    static const struct cli_list_format format = {
        certificate_json, NULL, certificate_row, "no certificate issued"};
    long practitioner = 0;
    struct opt opts[] = {
        {"practitioner", OPT_INT, &practitioner, "ID",
         "only this practitioner's", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    if (practitioner < 0)
        return cli_error(c, EXIT_BAD_INPUT, "practitioner",
                         "%ld is not a record id", practitioner);
    struct issued_list l;
    if (cli_open_store(c, &e) < 0 ||
        register_list(c->store, &actor_cli, practitioner, &l, &e) < 0)
        return cli_fail(c, &e);
    int rc = c->json ? cli_print_json(
                           c, json_pack("{so}", "certificates",
                                        cli_list_json(&format, l.items,
                                                      l.count,
                                                      sizeof(*l.items))))
                     : cli_print_list(c, &format, l.items, l.count,
                                      sizeof(*l.items));
    register_list_release(&l);
    return rc;
}

static int certificate_show(struct cli *c, int argc, const char **argv)
{
    const char *id = NULL;
    struct err e = ERR_INIT;
    struct issued_certificate x;
    char *doc = NULL;
    if (cli_parse_arg_open(c, argc, argv, "id", "ID", "the certificate's id",
                           &id) < 0 ||
        register_get(c->store, &actor_cli, id, &x, &doc, &e) < 0)
        return cli_stop(c, &e);
    int rc = EXIT_OK;
    if (c->json) {
        json_t *o = register_entry_json(&x);
        json_object_set_new(o, "document", json_string(doc));
        rc = cli_print_json(c, o);
    } else {
        fputs(doc, stdout);
        if (x.revoked_at[0])
            fprintf(stderr, "touchstone: certificate show: this certificate "
                            "was revoked at %s: %s\n",
                    x.revoked_at, x.revoked_reason);
    }
    free(doc);
    return rc;
}

static int certificate_revoke(struct cli *c, int argc, const char **argv)
{
    const char *id = NULL, *reason = NULL;
    struct opt opts[] = {
        {"id", OPT_ARG, &id, "ID", "the certificate's id", 1, 0},
        {"reason", OPT_STRING, &reason, "TEXT",
         "why the clinic withdraws it (shown to whoever verifies it)", 1, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    struct issued_certificate x;
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||
        register_revoke(c->store, &actor_cli, id, reason, &x, &e) < 0)
        return cli_stop(c, &e);
    if (c->json)
        return cli_print_json(c, register_entry_json(&x));
    printf("revoked certificate %s at %s\n", x.id, x.revoked_at);
    return EXIT_OK;
}

CLI_VERB_COMMAND(cmd_certificate,
    "Every certificate 'touchstone certify' signs is "
    "kept in the clinic's register as issued; a "
    "certificate can be revoked once, with a reason.",
    {"list", certificate_list, "the certificates issued, newest first",
     "Lists the certificates the clinic has issued, newest first, with "
     "their status (valid or revoked)."},
    {"show", certificate_show, "one certificate, as issued",
     "Prints an issued certificate exactly as it was signed (with "
     "--json: its register entry and the document)."},
    {"revoke", certificate_revoke, "withdraw a certificate, with a reason",
     "Revokes an issued certificate, once, with a reason. Its signature "
     "still holds; the register, which /verify reads, says it was "
     "withdrawn."})
