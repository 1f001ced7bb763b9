/* touchstone referral: physicians' referrals. */
#include "cli/cli.h"
#include "record/record_json.h"
#include "record/referral.h"

#include <stdio.h>

COMMAND("referral", cmd_referral, "record a physician's referral of a patient")

CLI_ADD_VERB(referral_add_cmd, referral,
    OPTION_PATIENT(&in.patient_id, "the patient's id", 1),
    {"physician", OPT_STRING, &in.physician_name, "NAME",
     "the referring physician", 1, 0},
    {"specialty", OPT_STRING, &in.physician_specialty, "TEXT",
     "the physician's specialty", 1, 0},
    {"npi", OPT_STRING, &in.physician_npi, "NPI",
     "the physician's NPI", 0, 0},
    {"reason", OPT_STRING, &in.reason, "TEXT", "reason for referral", 1,
     0},
    {"icd10", OPT_STRING, &in.icd10, "CODE[,CODE...]",
     "ICD-10-CM diagnosis codes", 1, 0},
    {"date", OPT_STRING, &in.referred_on, "DATE",
     "date of the referral (YYYY-MM-DD)", 1, 0})

CLI_TO_JSON(referral_json, referral_to_json)

static void print_referral(const void *item)
{
    const struct referral *r = item;
    printf("referral %lld for patient %lld\n", (long long)r->id,
           (long long)r->patient_id);
    printf("  date       %s\n", r->referred_on);
    printf("  physician  %s (%s)%s%s\n", r->physician_name,
           r->physician_specialty, r->physician_npi[0] ? ", NPI " : "",
           r->physician_npi);
    printf("  icd10      %s\n", r->icd10);
    printf("  reason     %s\n", r->reason);
}

static int referral_show_cmd(struct cli *c, int argc, const char **argv)
{
    int64_t id = 0;
    struct err e = ERR_INIT;
    struct referral r;
    if (cli_parse_id_open(c, argc, argv, "the referral's id", &id) < 0 ||
        referral_get(c->store, &actor_cli, id, "id", &r, &e) < 0)
        return cli_stop(c, &e);
    return cli_print_item(c, &r, referral_json, print_referral);
}

CLI_VERB_COMMAND(cmd_referral,
    "Physicians' referrals, with ICD-10-CM codes.",
    {"add", referral_add_cmd, "record a referral",
     "Records a referral and prints the new id."},
    {"show", referral_show_cmd, "show a referral",
     "Shows a referral."})
