/* touchstone referral: physicians' referrals. */
#include "cli/cli.h"
#include "record/record_json.h"
#include "record/referral.h"

#include <stdio.h>

COMMAND("referral", cmd_referral, "record a physician's referral of a patient")

static int referral_add_cmd(struct cli *c, int argc, const char **argv)
{
    struct referral_new in = {0};
    const char *patient = NULL;
    struct opt opts[] = {
        {"patient", OPT_STRING, &patient, "ID", "the patient's id", 1, 0},
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
         "date of the referral (YYYY-MM-DD)", 1, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Records a referral and prints the new id.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    int64_t id;
    if (cli_parse_id(patient, "patient", &in.patient_id, &e) < 0 ||
        cli_open_store(c, &e) < 0 ||
        referral_add(c->store, &actor_cli, &in, &id, &e) < 0)
        return cli_fail(c, &e);
    return cli_print_id(c, id);
}

static int referral_show_cmd(struct cli *c, int argc, const char **argv)
{
    const char *id_text = NULL;
    struct opt opts[] = {
        {"id", OPT_ARG, &id_text, "ID", "the referral's id", 1, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, "Shows a referral.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    int64_t id;
    struct referral r;
    if (cli_parse_id(id_text, "id", &id, &e) < 0 ||
        cli_open_store(c, &e) < 0 ||
        referral_get(c->store, &actor_cli, id, "id", &r, &e) < 0)
        return cli_fail(c, &e);
    if (c->json)
        return cli_print_json(c, referral_to_json(&r));
    printf("referral %lld for patient %lld\n", (long long)r.id,
           (long long)r.patient_id);
    printf("  date       %s\n", r.referred_on);
    printf("  physician  %s (%s)%s%s\n", r.physician_name,
           r.physician_specialty, r.physician_npi[0] ? ", NPI " : "",
           r.physician_npi);
    printf("  icd10      %s\n", r.icd10);
    printf("  reason     %s\n", r.reason);
    return EXIT_OK;
}

int cmd_referral(struct cli *c, int argc, const char **argv)
{
    static const struct cli_command verbs[] = {
        {"add", referral_add_cmd, "record a referral"},
        {"show", referral_show_cmd, "show a referral"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, argc, argv, verbs,
                        "Physicians' referrals, with ICD-10-CM codes.");
}
