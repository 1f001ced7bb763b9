/* Unit tests of the kept parts of practitioners' reports (outcomes/report.h
 * report_parts): on the demo clinic in a real SQLite file, after scores
 * that change one protocol's groups, a report made with kept parts is the
 * same, byte for byte, as one computed whole, and it computed again only
 * the groups whose generation changed (read from outcome_group here). */
#include "outcomes/report.h"
#include "outcomes/thresholds.h"
#include "unit/record_fixture.h"

/* The record's fixture, with the demo clinic in it. */
static void demo_setup(void)
{
    setup();
    struct err e = ERR_INIT;
    struct demo_summary sum;
    cr_assert_eq(demo_fill(s, &actor_cli, 1, &sum, &e), 0, "%s", e.message);
}

TestSuite(report_parts, .init = demo_setup, .fini = teardown);

/* The document as the server writes it. */
static char *report_text(int64_t practitioner, struct report_parts *kept)
{
    struct err e = ERR_INIT;
    json_t *doc = report_practitioner_json_kept(s, &actor_cli, practitioner,
                                                NULL, kept, &e);
    cr_assert_not_null(doc, "%s: %s", e.field, e.message);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                     JSON_REAL_PRECISION(10));
    json_decref(doc);
    cr_assert_not_null(text);
    return text;
}

/* Every group's generation, by group id (ids are 1, 2, ...). */
static size_t generations(int64_t *out, size_t size)
{
    struct err e = ERR_INIT;
    struct stmt *st =
        store_prepare(s, "SELECT id, generation FROM outcome_group");
    size_t n = 0;
    int rc;
    while ((rc = stmt_step(st, &e)) == 1) {
        int64_t id = stmt_int(st, 0);
        cr_assert(id >= 1 && (size_t)id <= size);
        out[id - 1] = stmt_int(st, 1);
        n = (size_t)id > n ? (size_t)id : n;
    }
    stmt_finalize(st);
    cr_assert_eq(rc, 0, "%s", e.message);
    return n;
}

/* A score at the last session of an open episode of the practitioner,
 * of another protocol than not_protocol (NULL: any), then its discharge
 * that day (so that the practitioner's cells change); the episode's
 * protocol into protocol. */
static void score(int64_t practitioner, const char *not_protocol,
                  char *protocol, size_t size, double value)
{
    struct err e = ERR_INIT;
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT ep.id, se.id, se.started_at, ep.protocol_id FROM episode ep"
        " JOIN session se ON se.episode_id = ep.id WHERE ep.practitioner_id"
        " = :p AND ep.ended_on IS NULL AND (:not IS NULL OR ep.protocol_id"
        " <> :not) AND EXISTS (SELECT 1 FROM observation o WHERE"
        " o.episode_id = ep.id AND o.instrument = 'nprs' AND o.timepoint ="
        " 'baseline') ORDER BY se.id DESC LIMIT 1",
        STORE_INT(":p", practitioner), STORE_TEXT(":not", not_protocol));
    cr_assert_eq(stmt_step(st, &e), 1, "no open episode with NPRS: %s",
                 e.message);
    char at[64];
    snprintf(at, sizeof(at), "%s", stmt_text(st, 2));
    snprintf(protocol, size, "%s", stmt_text(st, 3));
    struct observation_new o = {.episode_id = stmt_int(st, 0),
                                .session_id = stmt_int(st, 1),
                                .instrument = "nprs",
                                .timepoint = "post",
                                .observed_at = at,
                                .has_value = 1,
                                .value = value};
    int64_t episode = o.episode_id;
    stmt_finalize(st);
    int64_t id;
    cr_assert_eq(observation_add(s, &actor_cli, &o, &id, &e), 0, "%s: %s",
                 e.field, e.message);
    char day[11];
    snprintf(day, sizeof(day), "%.10s", at);
    cr_assert_eq(episode_close(s, &actor_cli, episode, day, &e), 0,
                 "%s: %s", e.field, e.message);
}

/* The practitioner with open episodes with NPRS in the most protocols. */
static int64_t busiest(void)
{
    return store_query_int(
        s, "SELECT practitioner_id FROM episode ep WHERE ended_on IS NULL"
           " AND EXISTS (SELECT 1 FROM observation o WHERE o.episode_id ="
           " ep.id AND o.instrument = 'nprs' AND o.timepoint = 'baseline')"
           " GROUP BY practitioner_id ORDER BY count(DISTINCT protocol_id)"
           " DESC, practitioner_id LIMIT 1");
}

Test(report_parts, a_score_recomputes_its_own_groups_only)
{
    int64_t p = busiest();
    cr_assert_gt(p, 0);
    struct report_parts *kept = report_parts_new(1024);
    long reused, computed;
    int64_t before[256], after[256];
    size_t groups = generations(before, 256);
    cr_assert_gt(groups, 2);

    /* The first report computes every group, the next takes them all. */
    char *whole = report_text(p, NULL);
    char *first = report_text(p, kept);
    cr_assert_str_eq(first, whole);
    report_parts_counts(kept, &reused, &computed);
    cr_assert_eq(reused, 0);
    cr_assert_eq(computed, (long)groups);
    char *again = report_text(p, kept);
    cr_assert_str_eq(again, whole);
    report_parts_counts(kept, &reused, &computed);
    cr_assert_eq(reused, (long)groups);
    cr_assert_eq(computed, (long)groups);
    free(first);
    free(again);

    /* Scores in two protocols, one after the other. */
    char protocol[64] = "";
    for (int round = 0; round < 2; round++) {
        char last[64];
        snprintf(last, sizeof(last), "%s", protocol);
        score(p, round ? last : NULL, protocol, sizeof(protocol),
              2 + round);
        cr_assert_eq(generations(after, 256), groups);
        long changed = 0;
        for (size_t g = 0; g < groups; g++)
            changed += after[g] != before[g];
        cr_assert_gt(changed, 0, "the score changed no group");
        cr_assert_lt(changed, (long)groups, "the score changed every group");
        long reused0, computed0;
        report_parts_counts(kept, &reused0, &computed0);
        char *served = report_text(p, kept);
        char *fresh = report_text(p, NULL);
        cr_assert_str_eq(served, fresh, "round %d (%s)", round, protocol);
        cr_assert_str_neq(fresh, whole, "the score changed nothing");
        report_parts_counts(kept, &reused, &computed);
        cr_assert_eq(computed - computed0, changed);
        cr_assert_eq(reused - reused0, (long)groups - changed);
        free(whole);
        whole = fresh;
        free(served);
        memcpy(before, after, sizeof(before));
    }

    /* New thresholds: every part is computed again. */
    struct err e = ERR_INIT;
    cr_assert_eq(thresholds_set(s, &actor_cli, "min_episodes", "3", &e), 0,
                 "%s", e.message);
    long reused0, computed0;
    report_parts_counts(kept, &reused0, &computed0);
    char *served = report_text(p, kept);
    char *fresh = report_text(p, NULL);
    cr_assert_str_eq(served, fresh);
    report_parts_counts(kept, &reused, &computed);
    cr_assert_eq(reused, reused0);
    cr_assert_eq(computed - computed0, (long)groups);
    free(served);
    free(fresh);
    free(whole);
    report_parts_free(kept);
}
