/* touchstone demo: a synthetic clinic to explore. */
#include "cli/import_export.h"
#include "cli/cli.h"
#include "record/clinic.h"
#include "record/clinic_key.h"
#include "synth/demo.h"
#include "record/practitioner.h"
#include "synth/registry_gen.h"
#include "record/user.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

COMMAND("demo", cmd_demo, "fill a new or empty database with a synthetic clinic")

static void show_progress(void *ctx, double fraction, int64_t rows)
{
    cli_progress_update(ctx, fraction, rows);
}

int cmd_demo(struct cli *c, int argc, const char **argv)
{
    const char *seed_text = "1";
    long practitioners = 0, patients = 0, episodes_per_patient = 2;
    struct opt opts[] = {
        {"seed", OPT_STRING, &seed_text, "S",
         "seed of the synthetic history (a whole number; default 1)", 0, 0},
        {"practitioners", OPT_INT, &practitioners, "N",
         "a synthetic registry of N practitioners (default 20 when "
         "--patients is given)", 0, 0},
        {"patients", OPT_INT, &patients, "M",
         "... and M patients (default 1000 when --practitioners is given)",
         0, 0},
        {"episodes-per-patient", OPT_INT, &episodes_per_patient, "K",
         "... each in K episodes of care (default 2)", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Creates the database when missing (as 'init' does) and "
                  "fills it with a small synthetic clinic: therapists with "
                  "training, patients, referrals, episodes of care, sessions "
                  "and outcome scores. Every name is invented and every row "
                  "marked synthetic. The same seed (and TOUCHSTONE_NOW) "
                  "gives the same database. Refuses a database that already "
                  "holds practitioners or patients. With --practitioners "
                  "or --patients it generates a registry at scale instead "
                  "(a million episodes and more; see "
                  "docs/synthetic-data.md), with a progress bar when "
                  "stderr is a terminal.") < 0)
        return c->exit_code;
    int registry = opts[1].seen || opts[2].seen || opts[3].seen;
    if (registry) {
        if (!opts[1].seen)
            practitioners = 20;
        if (!opts[2].seen)
            patients = 1000;
    }
    struct err e = ERR_INIT;
    char *end;
    errno = 0;
    unsigned long long seed = strtoull(seed_text, &end, 10);
    if (!*seed_text || *end || errno || seed_text[0] == '-' ||
        seed_text[0] == '+' || seed_text[0] == ' ') {
        err_set(&e, ERR_INPUT, "seed", "'%.64s' is not a whole number from 0 "
                "to 18446744073709551615", seed_text);
        return cli_fail(c, &e);
    }
    struct stat st;
    int created = 0;
    if (stat(c->db_path, &st) != 0) {
        if (clinic_init(c->db_path, "Demo Clinic (synthetic)", &e) < 0)
            return cli_fail(c, &e);
        created = 1;
    }
    struct demo_summary sum = {0};
    struct registry_summary big = {0};
    struct cli_progress progress;
    cli_progress_start(&progress, "generating the registry");
    struct registry_options ro = {
        .practitioners = practitioners, .patients = patients,
        .episodes_per_patient = episodes_per_patient, .seed = seed,
        .progress = show_progress, .progress_ctx = &progress,
    };
    int rc = cli_open_store(c, &e);
    if (rc == 0 && registry)
        rc = registry_generate(c->store, &actor_cli, &ro, &big, &e);
    else if (rc == 0)
        rc = demo_fill(c->store, &actor_cli, (uint64_t)seed, &sum, &e);
    cli_progress_end(&progress);
    if (rc < 0) {
        if (created) {
            store_close(c->store);
            c->store = NULL;
            unlink(c->db_path);
            char *key = clinic_key_path(c->db_path);
            unlink(key);
            free(key);
        }
        return cli_fail(c, &e);
    }
    /* One web login per role; the therapist is the first practitioner. */
    struct practitioner_list pl = {0};
    int64_t therapist = 0;
    if (practitioner_list(c->store, &actor_cli, &pl, &e) < 0)
        return cli_fail(c, &e);
    for (size_t i = 0; i < pl.count; i++)
        if (!therapist || pl.items[i].id < therapist)
            therapist = pl.items[i].id;
    practitioner_list_release(&pl);
    if (user_create_demo_logins(c->store, therapist, &e) < 0)
        return cli_fail(c, &e);
    if (registry) {
        if (c->json)
            return cli_print_json(c, json_pack(
                "{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "db", c->db_path,
                "seed", (json_int_t)seed, "practitioners",
                (json_int_t)big.practitioners, "training",
                (json_int_t)big.training, "patients",
                (json_int_t)big.patients, "referrals",
                (json_int_t)big.referrals, "episodes",
                (json_int_t)big.episodes, "sessions",
                (json_int_t)big.sessions, "observations",
                (json_int_t)big.observations));
        printf("filled '%s' with a synthetic registry (seed %llu): %lld "
               "practitioners, %lld patients, %lld referrals, %lld "
               "episodes, %lld sessions, %lld observations\n",
               c->db_path, seed, (long long)big.practitioners,
               (long long)big.patients, (long long)big.referrals,
               (long long)big.episodes, (long long)big.sessions,
               (long long)big.observations);
        return EXIT_OK;
    }
    if (c->json)
        return cli_print_json(
            c, json_pack("{s:s,s:I,s:i,s:i,s:i,s:i,s:i,s:i,s:{s:[sss],s:s}}",
                         "db",
                         c->db_path, "seed", (json_int_t)seed,
                         "practitioners", sum.practitioners, "patients",
                         sum.patients, "referrals", sum.referrals, "episodes",
                         sum.episodes, "sessions", sum.sessions,
                         "observations", sum.observations, "logins",
                         "emails", "admin@demo.example",
                         "therapist@demo.example", "researcher@demo.example",
                         "password", USER_DEMO_PASSWORD));
    printf("filled '%s' with a synthetic clinic (seed %llu): %d "
           "practitioners, %d patients, %d referrals, %d episodes, %d "
           "sessions, %d observations\n",
           c->db_path, seed, sum.practitioners, sum.patients, sum.referrals,
           sum.episodes, sum.sessions, sum.observations);
    printf("web logins (password '%s'): admin@demo.example, "
           "therapist@demo.example (practitioner %lld), "
           "researcher@demo.example\n",
           USER_DEMO_PASSWORD, (long long)therapist);
    return EXIT_OK;
}
