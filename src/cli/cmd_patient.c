/* touchstone patient: the people treated. */
#include "cli/cli.h"
#include "prom/invitation.h"
#include "record/patient.h"
#include "record/record_json.h"

#include <stdio.h>

COMMAND("patient", cmd_patient, "add, list, search and show patients")

static int patient_add_cmd(struct cli *c, int argc, const char **argv)
{
    struct patient_new in = {0};
    struct opt opts[] = {
        {"name", OPT_STRING, &in.name, "NAME", "full name", 1, 0},
        {"dob", OPT_STRING, &in.birth_date, "DATE",
         "date of birth (YYYY-MM-DD)", 1, 0},
        {"sex", OPT_STRING, &in.sex, "SEX", "female, male, other or unknown",
         1, 0},
        {"zip", OPT_STRING, &in.zip, "ZIP", "12345 or 12345-6789", 0, 0},
        {"phone", OPT_STRING, &in.phone, "PHONE", "phone number", 0, 0},
        {"email", OPT_STRING, &in.email, "EMAIL", "email address", 0, 0},
        {"consent-treatment", OPT_FLAG, &in.consent_treatment, NULL,
         "consented to treatment", 0, 0},
        {"consent-research", OPT_FLAG, &in.consent_research, NULL,
         "consented to research use of de-identified data", 0, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    int64_t id;
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||
        patient_add(c->store, &actor_cli, &in, &id, &e) < 0)
        return cli_stop(c, &e);
    return cli_print_id(c, id);
}

static json_t *patient_json(const void *p)
{
    return patient_to_json(p);
}

static void patient_header(void)
{
    printf("%-6s %-36s %-10s %s\n", "ID", "NAME", "DOB", "SEX");
}

static void patient_row(const void *item)
{
    const struct patient *p = item;
    printf("%-6lld %-36s %-10s %s\n", (long long)p->id, p->name,
           p->birth_date, p->sex);
}

static int patient_list_cmd(struct cli *c, int argc, const char **argv)
{
    const char *search = NULL;
    struct opt opts[] = {
        {"search", OPT_STRING, &search, "TEXT",
         "only names containing TEXT (any case)", 0, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    struct patient_list l;
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||
        patient_list(c->store, &actor_cli, search, &l, &e) < 0)
        return cli_stop(c, &e);
    struct cli_list_format f = {
        patient_json, patient_header, patient_row,
        search && *search ? "no patients match" : "no patients yet"};
    int rc = cli_print_list(c, &f, l.items, l.count, sizeof(*l.items));
    patient_list_release(&l);
    return rc;
}

static json_t *patient_detail_json(const void *d)
{
    return patient_detail_to_json(d);
}

static void print_patient_detail(const void *item)
{
    const struct patient_detail *d = item;
    const struct patient *p = &d->patient;
    printf("patient %lld: %s%s\n", (long long)p->id, p->name,
           p->synthetic ? " (synthetic)" : "");
    printf("  born       %s\n", p->birth_date);
    printf("  sex        %s\n", p->sex);
    if (p->zip[0])
        printf("  zip        %s\n", p->zip);
    if (p->phone[0])
        printf("  phone      %s\n", p->phone);
    if (p->email[0])
        printf("  email      %s\n", p->email);
    printf("  consent    treatment %s, research %s\n",
           p->consent_treatment ? "yes" : "no",
           p->consent_research ? "yes" : "no");
    printf("referrals:%s\n", d->referrals.count ? "" : " none");
    for (size_t i = 0; i < d->referrals.count; i++) {
        const struct referral *r = &d->referrals.items[i];
        printf("  %-5lld %s  %s (%s)  %s  %s\n", (long long)r->id,
               r->referred_on, r->physician_name, r->physician_specialty,
               r->icd10, r->reason);
    }
    printf("episodes:%s\n", d->episodes.count ? "" : " none");
    for (size_t i = 0; i < d->episodes.count; i++) {
        const struct episode *ep = &d->episodes.items[i];
        printf("  %-5lld %s..%-10s %-28s %-8s %s, %d session%s\n",
               (long long)ep->id, ep->started_on,
               ep->ended_on[0] ? ep->ended_on : "(open)", ep->protocol_id,
               ep->icd10, ep->practitioner_name, ep->session_count,
               ep->session_count == 1 ? "" : "s");
    }
}

static int patient_show_cmd(struct cli *c, int argc, const char **argv)
{
    int64_t id = 0;
    struct err e = ERR_INIT;
    struct patient_detail d;
    if (cli_parse_id_open(c, argc, argv, "the patient's id", &id) < 0 ||
        patient_show(c->store, &actor_cli, id, &d, &e) < 0)
        return cli_stop(c, &e);
    int rc = cli_print_item(c, &d, patient_detail_json, print_patient_detail);
    patient_detail_release(&d);
    return rc;
}

static int patient_opt_out_cmd(struct cli *c, int argc, const char **argv)
{
    int64_t id = 0;
    struct err e = ERR_INIT;
    int cancelled = 0;
    if (cli_parse_id_open(c, argc, argv, "the patient's id", &id) < 0 ||
        invitation_opt_out(c->store, &actor_cli, id, &cancelled, &e) < 0)
        return cli_stop(c, &e);
    if (c->json)
        return cli_print_json(c, json_pack("{s:I,s:i}", "id", (json_int_t)id,
                                           "cancelled", cancelled));
    printf("patient %lld: opted out; %d message%s cancelled\n",
           (long long)id, cancelled, cancelled == 1 ? "" : "s");
    return EXIT_OK;
}

CLI_VERB_COMMAND(cmd_patient,
    "The clinic's patients.",
    {"add", patient_add_cmd, "register a patient",
     "Registers a patient and prints the new id."},
    {"list", patient_list_cmd, "list or search patients",
     "Lists patients by name."},
    {"show", patient_show_cmd, "show one with referrals and episodes",
     "Shows a patient with referrals and episodes of care."},
    {"opt-out", patient_opt_out_cmd, "record that they decline invitations",
     "Records that the patient declines invitations and cancels every "
     "message to them not sent yet."})
