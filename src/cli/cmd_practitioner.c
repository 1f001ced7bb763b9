/* touchstone practitioner: the clinic's therapists. */
#include "cli/cli.h"
#include "record/practitioner.h"
#include "record/record_json.h"

#include <stdio.h>
#include <string.h>

COMMAND("practitioner", cmd_practitioner, "add, list and show practitioners and their training")

static int practitioner_add_cmd(struct cli *c, int argc, const char **argv)
{
    struct practitioner_new in = {0};
    struct opt opts[] = {
        {"name", OPT_STRING, &in.name, "NAME", "full name", 1, 0},
        {"license", OPT_STRING, &in.license, "LICENSE",
         "state license number", 1, 0},
        {"credentials", OPT_STRING, &in.credentials, "TEXT",
         "credentials, as in LMT", 1, 0},
        {"email", OPT_STRING, &in.email, "EMAIL", "email address", 0, 0},
        {"npi", OPT_STRING, &in.npi, "NPI",
         "National Provider Identifier (10 digits)", 0, 0},
        OPT_END,
    };
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    int64_t id;
    if (practitioner_add(c->store, &actor_cli, &in, &id, &e) < 0)
        return cli_fail(c, &e);
    return cli_print_id(c, id);
}

static json_t *practitioner_json(const void *p)
{
    return practitioner_to_json(p);
}

static void practitioner_header(void)
{
    printf("%-6s %-32s %-12s %-16s %s\n", "ID", "NAME", "CREDENTIALS",
           "LICENSE", "ACTIVE");
}

static void practitioner_row(const void *item)
{
    const struct practitioner *p = item;
    printf("%-6lld %-32s %-12s %-16s %s\n", (long long)p->id, p->name,
           p->credentials, p->license, p->active ? "yes" : "no");
}

static int practitioner_list_cmd(struct cli *c, int argc, const char **argv)
{
    static const struct cli_list_format format = {
        practitioner_json, practitioner_header, practitioner_row,
        "no practitioners yet (add one with 'touchstone practitioner add')"};
    if (cli_parse_none_open(c, argc, argv) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct practitioner_list l;
    if (practitioner_list(c->store, &actor_cli, &l, &e) < 0)
        return cli_fail(c, &e);
    int rc = cli_print_list(c, &format, l.items, l.count, sizeof(*l.items));
    practitioner_list_release(&l);
    return rc;
}

static json_t *practitioner_detail_json(const void *d)
{
    return practitioner_detail_to_json(d);
}

static void print_practitioner_detail(const void *item)
{
    const struct practitioner_detail *d = item;
    const struct practitioner *p = &d->practitioner;
    printf("practitioner %lld: %s\n", (long long)p->id, p->name);
    printf("  credentials  %s\n", p->credentials);
    printf("  license      %s\n", p->license);
    if (p->email[0])
        printf("  email        %s\n", p->email);
    if (p->npi[0])
        printf("  npi          %s\n", p->npi);
    printf("  active       %s%s\n", p->active ? "yes" : "no",
           p->synthetic ? " (synthetic)" : "");
    if (!p->limited)
        printf("  registry     %s\n",
               p->registry_consent ? "matched by NPI or licence (consented)"
                                   : "a pseudonym of this clinic");
    if (d->training.count == 0)
        printf("  training     none recorded\n");
    else
        printf("  training:\n");
    for (size_t i = 0; i < d->training.count; i++) {
        const struct training *t = &d->training.items[i];
        printf("    %-32s %6g h  %s%s%s\n", t->protocol_id, t->hours,
               t->completed_on, t->provider[0] ? "  " : "", t->provider);
    }
}

static int practitioner_show_cmd(struct cli *c, int argc, const char **argv)
{
    int64_t id = 0;
    if (cli_parse_id_open(c, argc, argv, "the practitioner's id", &id) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct practitioner_detail d;
    if (practitioner_show(c->store, &actor_cli, id, &d, &e) < 0)
        return cli_fail(c, &e);
    int rc = cli_print_item(c, &d, practitioner_detail_json,
                            print_practitioner_detail);
    practitioner_detail_release(&d);
    return rc;
}

static int practitioner_consent_cmd(struct cli *c, int argc,
                                    const char **argv)
{
    int64_t id = 0;
    const char *registry = NULL;
    struct opt opts[] = {
        OPTION_ID(&id, "the practitioner's id"),
        {"registry", OPT_STRING, &registry, "yes|no",
         "may the registry match them across clinics by NPI or licence",
         1, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    int consent;
    if (!strcmp(registry, "yes"))
        consent = 1;
    else if (!strcmp(registry, "no"))
        consent = 0;
    else
        return cli_error(c, EXIT_BAD_INPUT, "registry",
                         "'%.32s' is not one of yes, no", registry);
    struct err e = ERR_INIT;
    if (cli_open_store(c, &e) < 0 ||
        practitioner_set_registry_consent(c->store, &actor_cli, id, consent,
                                          &e) < 0)
        return cli_fail(c, &e);
    if (c->json)
        return cli_print_json(c, json_pack("{sIsb}", "id", (json_int_t)id,
                                           "registry_consent", consent));
    printf("practitioner %lld: registry consent %s\n", (long long)id,
           consent ? "yes" : "no");
    return EXIT_OK;
}

int cmd_practitioner(struct cli *c, int argc, const char **argv)
{
    static const struct cli_verb verbs[] = {
        {"add", practitioner_add_cmd, "add a practitioner",
         "Adds a practitioner and prints the new id."},
        {"list", practitioner_list_cmd, "list the practitioners",
         "Lists the practitioners by name."},
        {"show", practitioner_show_cmd, "show one with training records",
         "Shows a practitioner with their training records."},
        {"consent", practitioner_consent_cmd,
         "record consent to be matched in the registry",
         "Records the practitioner's consent to be sent to the registry with "
         "their NPI (or licence), so that they are one registry practitioner "
         "across every clinic; without it they are a pseudonym of this "
         "clinic."},
        {NULL, NULL, NULL, NULL},
    };
    return cli_run_verb(c, argc, argv, verbs,
                        "The clinic's practitioners (therapists).");
}
