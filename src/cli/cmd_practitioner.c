/* touchstone practitioner: the clinic's therapists. */
#include "cli/cli.h"
#include "record/listing.h"
#include "record/practitioner.h"
#include "record/record_json.h"

#include <stdio.h>
#include <string.h>

COMMAND("practitioner", cmd_practitioner, "add, list and show practitioners and their training")

CLI_ADD_VERB(practitioner_add_cmd, practitioner,
    {"name", OPT_STRING, &in.name, "NAME", "full name", 1, 0},
    {"license", OPT_STRING, &in.license, "LICENSE",
     "state license number", 1, 0},
    {"credentials", OPT_STRING, &in.credentials, "TEXT",
     "credentials, as in LMT", 1, 0},
    {"email", OPT_STRING, &in.email, "EMAIL", "email address", 0, 0},
    {"npi", OPT_STRING, &in.npi, "NPI",
     "National Provider Identifier (10 digits)", 0, 0})

CLI_TO_JSON(practitioner_json, practitioner_to_json)

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

static const struct cli_list_format practitioner_format = {
    practitioner_json, practitioner_header, practitioner_row,
    "no practitioners yet (add one with 'touchstone practitioner add')"};

CLI_LIST_ALL_VERB(practitioner_list_cmd, practitioner, &practitioner_format)

CLI_TO_JSON(practitioner_detail_json, practitioner_detail_to_json)

static void print_practitioner_detail(const void *item)
{
    const struct practitioner_detail *d = item;
    const struct practitioner *p = &d->practitioner;
    printf("practitioner %lld: %s\n", (long long)p->id, p->name);
    printf("  credentials  %s\n", p->credentials);
    printf("  license      %s\n", p->license);
    cli_print_if_set("  email        %s\n", p->email);
    cli_print_if_set("  npi          %s\n", p->npi);
    printf("  active       %s%s\n", p->active ? "yes" : "no",
           p->synthetic ? " (synthetic)" : "");
    if (!p->limited) {
        printf("  registry     %s\n",
               p->registry_consent ? "matched by NPI or license (consented)"
                                   : "a pseudonym of this clinic");
        if (p->directory_consent)
            printf("  directory    listed as \"%s\"\n",
                   p->directory_name[0] ? p->directory_name : p->name);
        else
            printf("  directory    not listed\n");
    }
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

CLI_SHOW_VERB(practitioner_show_cmd, practitioner, "the practitioner's id",
              practitioner_detail_json, print_practitioner_detail)

/* "yes" 1, "no" 0, else -1 (the error printed). */
static int yes_no(struct cli *c, const char *flag, const char *value)
{
    if (!strcmp(value, "yes"))
        return 1;
    if (!strcmp(value, "no"))
        return 0;
    cli_error(c, EXIT_BAD_INPUT, flag, "'%.32s' is not one of yes, no",
              value);
    return -1;
}

static int practitioner_consent_cmd(struct cli *c, int argc,
                                    const char **argv)
{
    int64_t id = 0;
    const char *registry = NULL, *directory = NULL, *name = NULL;
    struct opt opts[] = {
        OPTION_ID(&id, "the practitioner's id"),
        {"registry", OPT_STRING, &registry, "yes|no",
         "may the registry match them across clinics by NPI or licence",
         0, 0},
        {"directory", OPT_STRING, &directory, "yes|no",
         "may the registry's public directory list them (needs the "
         "registry consent)",
         0, 0},
        {"display-name", OPT_STRING, &name, "NAME",
         "the name the directory shows (default: \"NAME, CREDENTIALS\")", 0,
         0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    if (!registry && !directory)
        return cli_error(c, EXIT_BAD_INPUT, "registry", "give --registry "
                         "yes|no, --directory yes|no, or both");
    if (name && !directory)
        return cli_error(c, EXIT_BAD_INPUT, "display-name", "goes with "
                         "--directory yes");
    int consent = -1, listed = -1;
    if ((registry && (consent = yes_no(c, "registry", registry)) < 0) ||
        (directory && (listed = yes_no(c, "directory", directory)) < 0))
        return c->exit_code;
    struct err e = ERR_INIT;
    if (cli_open_store(c, &e) < 0)
        return cli_fail(c, &e);
    /* Withdrawing the registry's consent withdraws the listing's, and
     * giving both records the registry's first. */
    if (consent == 0 && listed < 0)
        listed = 0;
    if (consent >= 0 && listed == 0 &&
        listing_set_consent(c->store, &actor_cli, id, 0, name, &e) < 0)
        return cli_fail(c, &e);
    if (consent >= 0 &&
        practitioner_set_registry_consent(c->store, &actor_cli, id, consent,
                                          &e) < 0)
        return cli_fail(c, &e);
    if (listed == 1 || (listed == 0 && consent < 0))
        if (listing_set_consent(c->store, &actor_cli, id, listed, name,
                                &e) < 0)
            return cli_fail(c, &e);
    int now_listed;
    char shown[LISTING_NAME_MAX + 1];
    if (listing_consent(c->store, id, &now_listed, shown, sizeof(shown),
                        &e) < 0)
        return cli_fail(c, &e);
    if (c->json) {
        json_t *doc = json_pack("{sI}", "id", (json_int_t)id);
        if (consent >= 0)
            json_object_set_new(doc, "registry_consent",
                                json_boolean(consent));
        json_object_set_new(doc, "directory_consent",
                            json_boolean(now_listed));
        if (now_listed)
            json_object_set_new(doc, "display_name", json_string(shown));
        return cli_print_json(c, doc);
    }
    if (consent >= 0)
        printf("practitioner %lld: registry consent %s\n", (long long)id,
               consent ? "yes" : "no");
    if (listed >= 0) {
        if (now_listed)
            printf("practitioner %lld: directory consent yes, listed as "
                   "'%s'\n", (long long)id, shown);
        else
            printf("practitioner %lld: directory consent no\n",
                   (long long)id);
    }
    return EXIT_OK;
}

CLI_VERB_COMMAND(cmd_practitioner,
    "The clinic's practitioners (therapists).",
    {"add", practitioner_add_cmd, "add a practitioner",
     "Adds a practitioner and prints the new id."},
    {"list", practitioner_list_cmd, "list the practitioners",
     "Lists the practitioners by name."},
    {"show", practitioner_show_cmd, "show one with training records",
     "Shows a practitioner with their training records."},
    {"consent", practitioner_consent_cmd,
     "record consent to the registry and its directory",
     "Records the practitioner's consents. --registry: to be sent to the "
     "registry with their NPI (or licence), so that they are one registry "
     "practitioner across every clinic; without it they are a pseudonym "
     "of this clinic. --directory: to be listed, under the display name, "
     "in the registry's public directory while they hold a current "
     "registry certificate ('touchstone registry directory' sends the "
     "listing)."})
