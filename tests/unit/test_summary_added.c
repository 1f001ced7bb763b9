/* Unit tests of the outcome summary written after one observation
 * (summary_refresh_added, record/summary.h): the rows equal those of a
 * full refresh of the episode after every step of many random courses,
 * and a score that changes no row leaves the rows, and their groups'
 * generations, as they were. A real clinic database per test. */
#include "unit/record_fixture.h"

#include "record/summary.h"

TestSuite(summary_added, .init = setup, .fini = teardown);

/* Every value of episode ep's summary rows and of their compact rows, in
 * key order (freed by the caller). */
static char *digest(int64_t ep)
{
    struct err e = ERR_INIT;
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT coalesce((SELECT group_concat(v, ';') FROM (SELECT"
        " quote(protocol_id) || ',' || quote(instrument) || ',' ||"
        " quote(practitioner_id) || ',' || quote(role) || ',' ||"
        " quote(started_on) || ',' || quote(ended_on) || ',' ||"
        " quote(sessions) || ',' || quote(baseline) || ',' ||"
        " quote(discharge) || ',' || quote(followup) || ',' ||"
        " quote(followup_days) || ',' || quote(improvement) || ',' ||"
        " quote(responder) || ',' || quote(sessions_to_response) || ',' ||"
        " quote(response_event) || ',' || quote(sustained) || ',' ||"
        " quote(has_followup) || ',' || quote(complete) || ',' ||"
        " quote(incomplete_reason) || ',' || quote(age_years) || ',' ||"
        " quote(sex) || ',' || quote(chronicity_weeks) || ',' ||"
        " quote(comorbidities) AS v FROM episode_summary WHERE episode_id ="
        " :ep ORDER BY instrument)), '') || ' / ' || coalesce((SELECT"
        " group_concat(v, ';') FROM (SELECT quote(g.protocol_id) || ',' ||"
        " quote(g.instrument) || ',' || quote(r.practitioner_id) || ',' ||"
        " quote(r.code) || ',' || quote(r.improvement) || ',' ||"
        " quote(r.baseline) || ',' || quote(r.risk) AS v FROM outcome_row r"
        " JOIN outcome_group g ON g.id = r.group_id WHERE r.episode_id ="
        " :ep ORDER BY g.instrument)), '')",
        STORE_INT(":ep", ep));
    cr_assert_eq(stmt_step(st, &e), 1, "%s", e.message);
    char *text = xstrdup(stmt_text(st, 0));
    stmt_finalize(st);
    return text;
}

/* The rows a full refresh of ep gives now (in a transaction rolled back,
 * so the stored rows stay those of the observations' own writes). */
static char *refreshed(int64_t ep)
{
    struct err e = ERR_INIT;
    cr_assert_eq(store_begin(s, &e), 0, "%s", e.message);
    cr_assert_eq(summary_refresh_episode(s, ep, &e), 0, "%s", e.message);
    char *text = digest(ep);
    store_rollback(s);
    return text;
}

static int64_t generation(const char *instrument)
{
    struct stmt *st = STORE_QUERY(
        s, "SELECT generation FROM outcome_group WHERE protocol_id ="
           " 'low-back-pain' AND instrument = :i",
        STORE_TEXT(":i", instrument));
    struct err e = ERR_INIT;
    cr_assert_eq(stmt_step(st, &e), 1, "no group of %s", instrument);
    int64_t g = stmt_int(st, 0);
    stmt_finalize(st);
    return g;
}

/* Records a single-value score (or odi's ten items, each value); 0, or
 * -1 when the record refused it. */
static int add(int64_t ep, int64_t se, const char *instrument,
               const char *timepoint, const char *at, double value)
{
    double items[10];
    struct observation_new o = {.episode_id = ep, .session_id = se,
                                .instrument = instrument,
                                .timepoint = timepoint, .observed_at = at};
    if (!strcmp(instrument, "odi")) {
        for (int i = 0; i < 10; i++)
            items[i] = fmod(value + i, 6);
        o.items = items;
        o.item_count = 10;
    } else {
        o.has_value = 1;
        o.value = value;
    }
    struct err e = ERR_INIT;
    int64_t id;
    return observation_add(s, &actor_cli, &o, &id, &e);
}

Test(summary_added, rows_equal_a_full_refresh_over_random_courses)
{
    int64_t prac = trained_practitioner("Avery Summary (synthetic)");
    int64_t pat = patient(&actor_cli, "Pat Summary");
    static const char *const instruments[] = {"nprs", "odi",
                                              "headache-days", "pvr"};
    static const double ranges[] = {10, 5, 31, 20};
    long checked = 0, closed_checked = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        struct prng r;
        prng_seed(&r, seed);
        int64_t ep = episode(&actor_cli, pat, prac, "2026-01-05");
        int64_t sessions[16];
        char starts[16][32];
        int n_sessions = 0;
        char ended[16] = "";
        for (int step = 0; step < 40; step++) {
            long what = prng_range(&r, 0, 9);
            if (!ended[0] && what <= 1 && n_sessions < 16) {
                /* Sessions in any order of time: an earlier one changes
                 * which session is the first. */
                snprintf(starts[n_sessions], sizeof(starts[0]),
                         "2026-0%ld-%02ldT%02ld:00:00Z", prng_range(&r, 1, 3),
                         prng_range(&r, 6, 28), prng_range(&r, 9, 11));
                sessions[n_sessions] = session(ep, starts[n_sessions]);
                n_sessions++;
                continue;
            }
            if (!ended[0] && what == 9 && step > 10) {
                struct err e = ERR_INIT;
                cr_assert_eq(episode_close(s, &actor_cli, ep, "2026-04-02",
                                           &e),
                             0, "%s", e.message);
                snprintf(ended, sizeof(ended), "2026-04-02");
                continue;
            }
            int k = (int)prng_range(&r, 0, 3);
            double value = (double)prng_range(&r, 0, (long)ranges[k]);
            if (!strcmp(instruments[k], "pvr"))
                value += 0.5 * (double)prng_range(&r, 0, 1);
            char at[32];
            const char *timepoint;
            int64_t se = 0;
            if (ended[0]) {
                timepoint = "followup";
                snprintf(at, sizeof(at), "2026-0%ld-%02ldT10:00:00Z",
                         prng_range(&r, 4, 6), prng_range(&r, 3, 28));
            } else if (n_sessions == 0 || prng_range(&r, 0, 3) == 0) {
                timepoint = "baseline";
                /* A few instants only: ties are ordered by id. */
                snprintf(at, sizeof(at), "2026-01-%02ldT09:00:00Z",
                         prng_range(&r, 5, 7));
            } else {
                int j = (int)prng_range(&r, 0, n_sessions - 1);
                se = sessions[j];
                timepoint = prng_range(&r, 0, 1) ? "pre" : "post";
                snprintf(at, sizeof(at), "%s", starts[j]);
            }
            if (add(ep, se, instruments[k], timepoint, at, value) < 0)
                continue;
            char *written = digest(ep);
            char *whole = refreshed(ep);
            cr_assert_str_eq(written, whole, "seed %llu, step %d (%s %s %s)",
                             (unsigned long long)seed, step, instruments[k],
                             timepoint, at);
            free(written);
            free(whole);
            checked++;
            closed_checked += ended[0] != 0;
        }
    }
    /* The courses covered open and closed episodes alike. */
    cr_assert_gt(checked, 800);
    cr_assert_gt(closed_checked, 40);
}

Test(summary_added, a_score_that_changes_no_row_leaves_its_group_as_it_was)
{
    int64_t prac = trained_practitioner("Avery Summary (synthetic)");
    int64_t pat = patient(&actor_cli, "Pat Summary");
    int64_t ep = episode(&actor_cli, pat, prac, "2026-01-05");
    int64_t se = session(ep, "2026-01-06T10:00:00Z");
    cr_assert_eq(add(ep, 0, "nprs", "baseline", "2026-01-05T09:00:00Z", 8),
                 0);
    int64_t nprs = generation("nprs"), odi = generation("odi");
    char *before = digest(ep);
    cr_assert(strstr(before, "'nprs',") &&
                  strstr(before, ",1,8.0,NULL,"),
              "%s", before);

    /* A post score of an open episode is no baseline: nothing changes. */
    cr_assert_eq(add(ep, se, "nprs", "post", "2026-01-06T11:00:00Z", 3), 0);
    char *after = digest(ep);
    cr_assert_str_eq(after, before);
    cr_assert_eq(generation("nprs"), nprs);
    cr_assert_eq(generation("odi"), odi);
    free(after);

    /* An earlier baseline is the new baseline: that row, and its group,
     * change; the other rows stay. */
    cr_assert_eq(add(ep, 0, "nprs", "baseline", "2026-01-05T08:00:00Z", 7),
                 0);
    after = digest(ep);
    cr_assert(strstr(after, ",1,7.0,NULL,"), "%s", after);
    cr_assert_gt(generation("nprs"), nprs);
    cr_assert_eq(generation("odi"), odi);
    char *whole = refreshed(ep);
    cr_assert_str_eq(after, whole);
    free(whole);
    free(after);

    /* A session added since: the next score writes the new count into
     * every row, as a full refresh would. */
    session(ep, "2026-01-08T10:00:00Z");
    nprs = generation("nprs");
    cr_assert_eq(add(ep, se, "nprs", "post", "2026-01-06T12:00:00Z", 2), 0);
    after = digest(ep);
    cr_assert(strstr(after, ",2,7.0,NULL,"), "%s", after);
    cr_assert_gt(generation("odi"), odi);
    cr_assert_gt(generation("nprs"), nprs);
    whole = refreshed(ep);
    cr_assert_str_eq(after, whole);
    free(whole);
    free(after);
    free(before);
}
