/* Unit tests for record/access.h: who sees and changes what, against a
 * real SQLite file, through the record's public functions. */
#include "unit/record_fixture.h"

TestSuite(access, .init = setup, .fini = teardown);

/* Access rules. */

/* Two trained practitioners, "A Synthetic" and "B Synthetic", as the
 * therapists a (a@example.invalid) and b (b@example.invalid). */
static void two_therapists(struct actor *a, struct actor *b)
{
    static const char *const name[] = {"A Synthetic", "B Synthetic"};
    static const char *const email[] = {"a@example.invalid",
                                        "b@example.invalid"};
    struct actor *who[] = {a, b};
    for (int i = 0; i < 2; i++) {
        int64_t id = trained_practitioner(name[i]);
        *who[i] = (struct actor){.user_id = id + 100, .role = ROLE_THERAPIST,
                                 .practitioner_id = id, .name = email[i],
                                 .client = "127.0.0.1"};
    }
}

Test(access, therapists_see_only_their_own_patients)
{
    struct err e = ERR_INIT;
    struct actor a, b;
    two_therapists(&a, &b);
    int64_t a_id = a.practitioner_id, b_id = b.practitioner_id;
    int64_t pa = patient(&actor_cli, "Patient Of A");
    int64_t pb = patient(&actor_cli, "Patient Of B");
    int64_t ea = episode(&actor_cli, pa, a_id, "2026-01-05");
    episode(&actor_cli, pb, b_id, "2026-01-06");

    struct patient p;
    cr_assert_eq(patient_get(s, &a, pa, "id", &p, &e), 0, "%s", e.message);
    cr_assert_eq(patient_get(s, &a, pb, "id", &p, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    char denied[64];
    snprintf(denied, sizeof(denied), "no patient %lld", (long long)pb);
    cr_assert_str_eq(e.message, denied);
    /* The same answer as an id of nothing. */
    cr_assert_eq(patient_get(s, &a, 9999, "id", &p, &e), -1);
    cr_assert_str_eq(e.message, "no patient 9999");
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM audit WHERE outcome"
                                    " = 'denied' AND actor ="
                                    " 'a@example.invalid'"),
                 2);

    struct patient_list pl;
    cr_assert_eq(patient_list(s, &a, NULL, &pl, &e), 0);
    cr_assert_eq(pl.count, 1);
    cr_assert_str_eq(pl.items[0].name, "Patient Of A");
    patient_list_release(&pl);
    struct episode_list el;
    struct episode_filter all = {0};
    cr_assert_eq(episode_list(s, &b, &all, &el, &e), 0);
    cr_assert_eq(el.count, 1);
    cr_assert_eq(el.items[0].patient_id, pb);
    episode_list_release(&el);
    struct episode_filter of_a = {.patient_id = pa};
    cr_assert_eq(episode_list(s, &b, &of_a, &el, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);

    struct episode_detail d;
    cr_assert_eq(episode_show(s, &b, ea, &d, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    cr_assert_eq(episode_close(s, &b, ea, "2026-02-01", &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    struct session_phase ph[] = {{"introductory", 10}};
    struct session_new sn = {.episode_id = ea,
                             .started_at = "2026-01-06T10:00Z",
                             .minutes = 30, .phases = ph, .phase_count = 1};
    int64_t id;
    cr_assert_eq(session_add(s, &b, &sn, &id, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    cr_assert_eq(session_add(s, &a, &sn, &id, &e), 0, "%s", e.message);
    struct session se;
    cr_assert_eq(session_get(s, &b, id, "id", &se, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    struct observation_new on = {.episode_id = ea, .instrument = "nprs",
                                 .timepoint = "baseline",
                                 .observed_at = "2026-01-05T09:00Z",
                                 .has_value = 1, .value = 6};
    cr_assert_eq(observation_add(s, &b, &on, &id, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    struct referral_new rn = {.patient_id = pa, .physician_name = "Dr Fictive",
                              .physician_specialty = "Neurology",
                              .reason = "pain", .icd10 = "M54.50",
                              .referred_on = "2026-01-02"};
    cr_assert_eq(referral_add(s, &b, &rn, &id, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    cr_assert_eq(referral_add(s, &a, &rn, &id, &e), 0);
    struct referral r;
    cr_assert_eq(referral_get(s, &b, id, "id", &r, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
}

Test(access, a_therapist_registers_a_patient_and_opens_the_first_episode)
{
    struct err e = ERR_INIT;
    struct actor a, b;
    two_therapists(&a, &b);
    int64_t a_id = a.practitioner_id, b_id = b.practitioner_id;
    int64_t pat = patient(&a, "New Synthetic");
    struct patient p;
    cr_assert_eq(patient_get(s, &a, pat, "id", &p, &e), 0);
    cr_assert_eq(p.created_by_practitioner, a_id);
    cr_assert_eq(patient_get(s, &b, pat, "id", &p, &e), -1);
    /* Not in another practitioner's name. */
    struct episode_new in = {.patient_id = pat, .practitioner_id = b_id,
                             .protocol_id = "low-back-pain",
                             .icd10 = "M54.50", .started_on = "2026-01-05",
                             .chronicity_weeks = -1, .comorbidities = -1,
                             LBP_CLEAR};
    int64_t id;
    cr_assert_eq(episode_open(s, &a, &in, &id, NULL, &e), -1);
    cr_assert_eq(e.code, ERR_AUTH);
    cr_assert_eq(episode_open(s, &b, &in, &id, NULL, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    in.practitioner_id = a_id;
    cr_assert_eq(episode_open(s, &a, &in, &id, NULL, &e), 0, "%s", e.message);
    /* Practitioners: names only, training only one's own. */
    struct practitioner_list pl;
    cr_assert_eq(practitioner_list(s, &a, &pl, &e), 0);
    cr_assert_eq(pl.count, 2);
    for (size_t i = 0; i < pl.count; i++)
        cr_assert_eq(pl.items[i].limited, pl.items[i].id != a_id);
    cr_assert_str_eq(pl.items[1].license, "");
    practitioner_list_release(&pl);
    struct training_list tl;
    cr_assert_eq(training_list(s, &a, b_id, &tl, &e), 0);
    cr_assert_eq(tl.count, 0);
    cr_assert_eq(training_list(s, &a, a_id, &tl, &e), 0);
    cr_assert_eq(tl.count, 2);
    training_list_release(&tl);
    struct practitioner_new np = {.name = "X", .license = "L",
                                  .credentials = "LMT"};
    cr_assert_eq(practitioner_add(s, &a, &np, &id, &e), -1);
    cr_assert_eq(e.code, ERR_AUTH);
    struct training_new tn = {a_id, "migraine", 10, "2020-01-01", NULL,
                              NULL};
    cr_assert_eq(training_add(s, &a, &tn, &id, &e), -1);
    cr_assert_eq(e.code, ERR_AUTH);
}

Test(access, researchers_get_no_patient_level_record)
{
    struct err e = ERR_INIT;
    int64_t a_id = trained_practitioner("A Synthetic");
    int64_t pat = patient(&actor_cli, "Pat Synthetic");
    int64_t ep = episode(&actor_cli, pat, a_id, "2026-01-05");
    struct actor r = {.user_id = 7, .role = ROLE_RESEARCHER,
                      .name = "r@example.invalid", .client = "127.0.0.1"};
    struct patient p;
    cr_assert_eq(patient_get(s, &r, pat, "id", &p, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    struct patient_list pl;
    cr_assert_eq(patient_list(s, &r, NULL, &pl, &e), 0);
    cr_assert_eq(pl.count, 0);
    patient_list_release(&pl);
    struct episode_detail d;
    cr_assert_eq(episode_show(s, &r, ep, &d, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    struct episode_list el;
    struct episode_filter all = {0};
    cr_assert_eq(episode_list(s, &r, &all, &el, &e), 0);
    cr_assert_eq(el.count, 0);
    struct patient_new np = {.name = "X", .birth_date = "1970-01-01",
                             .sex = "male"};
    int64_t id;
    cr_assert_eq(patient_add(s, &r, &np, &id, &e), -1);
    struct practitioner_detail pd;
    cr_assert_eq(practitioner_show(s, &r, a_id, &pd, &e), 0);
    cr_assert(pd.practitioner.limited);
    cr_assert_eq(pd.training.count, 0);
    practitioner_detail_release(&pd);
}

