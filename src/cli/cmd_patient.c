/* touchstone patient: the people treated. */
#include "cli/cli.h"
#include "prom/invitation.h"
#include "record/patient.h"
#include "record/record_json.h"

#include <stdio.h>

COMMAND("patient", cmd_patient, "add, list, search and show patients")

CLI_ADD_VERB(patient_add_cmd, patient,
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
     "consented to research use of de-identified data", 0, 0})

CLI_TO_JSON(patient_json, patient_to_json)

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

/* How 'patient list' shows the patients found by search (NULL: all). */
static const struct cli_list_format *patient_format(const char *search)
{
    static const struct cli_list_format all = {
        patient_json, patient_header, patient_row, "no patients yet"};
    static const struct cli_list_format found = {
        patient_json, patient_header, patient_row, "no patients match"};
    return search && *search ? &found : &all;
}

CLI_LIST_VERB(patient_list_cmd, patient, patient_format(filter),
              const char *,
              {"search", OPT_STRING, &filter, "TEXT",
               "only names containing TEXT (any case)", 0, 0})

CLI_TO_JSON(patient_detail_json, patient_detail_to_json)

static void print_patient_detail(const void *item)
{
    const struct patient_detail *d = item;
    const struct patient *p = &d->patient;
    printf("patient %lld: %s%s\n", (long long)p->id, p->name,
           p->synthetic ? " (synthetic)" : "");
    printf("  born       %s\n", p->birth_date);
    printf("  sex        %s\n", p->sex);
    cli_print_if_set("  zip        %s\n", p->zip);
    cli_print_if_set("  phone      %s\n", p->phone);
    cli_print_if_set("  email      %s\n", p->email);
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

CLI_SHOW_VERB(patient_show_cmd, patient, "the patient's id",
              patient_detail_json, print_patient_detail)

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
