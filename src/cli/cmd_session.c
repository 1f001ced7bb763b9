/* touchstone session: treatment sessions. */
#include "cli/cli.h"
#include "core/util.h"
#include "record/record_json.h"
#include "record/session.h"

#include <stdio.h>

COMMAND("session", cmd_session, "record a treatment session with its phases and notes")

static int session_add_cmd(struct cli *c, int argc, const char **argv)
{
    struct session_new in = {0};
    const char *episode = NULL;
    long minutes = 0;
    struct opt_list phase_texts = {0};
    struct opt opts[] = {
        {"episode", OPT_STRING, &episode, "ID", "the episode's id", 1, 0},
        {"start", OPT_STRING, &in.started_at, "DATETIME",
         "when it began (YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])", 1, 0},
        {"minutes", OPT_INT, &minutes, "M", "length in minutes (1-600)", 1,
         0},
        {"phase", OPT_LIST, &phase_texts, "NAME:MINUTES",
         "a phase of the procedure, in order (introductory:10)", 0, 0},
        {"note", OPT_STRING, &in.note, "TEXT", "a free note", 0, 0},
        {"subjective", OPT_STRING, &in.subjective, "TEXT", "SOAP: subjective",
         0, 0},
        {"objective", OPT_STRING, &in.objective, "TEXT", "SOAP: objective", 0,
         0},
        {"assessment", OPT_STRING, &in.assessment, "TEXT",
         "SOAP: assessment", 0, 0},
        {"plan", OPT_STRING, &in.plan, "TEXT", "SOAP: plan", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct session_phase phases[ARRAY_SIZE(phase_texts.items)];
    in.minutes = minutes;
    in.phases = phases;
    in.phase_count = (size_t)phase_texts.count;
    for (int i = 0; i < phase_texts.count; i++)
        if (session_phase_parse(phase_texts.items[i], &phases[i], &e) < 0)
            return cli_fail(c, &e);
    int64_t id;
    if (cli_parse_id(episode, "episode", &in.episode_id, &e) < 0 ||
        cli_catalog_override(c, &in.catalog, &e) < 0 ||
        cli_open_store(c, &e) < 0 ||
        session_add(c->store, &actor_cli, &in, &id, &e) < 0)
        return cli_fail(c, &e);
    return cli_print_id(c, id);
}

static json_t *session_json(const void *se)
{
    return session_to_json(se);
}

static void print_session(const void *item)
{
    const struct session *se = item;
    printf("session %lld of episode %lld: %s, %d min\n", (long long)se->id,
           (long long)se->episode_id, se->started_at, se->minutes);
    for (size_t k = 0; k < se->phase_count; k++)
        printf("  phase %zu  %-20s %d min\n", k + 1, se->phases[k].name,
               se->phases[k].minutes);
    for (size_t k = 0; k < se->finding_count; k++)
        printf("  finding  %s: %s\n", se->findings[k].code,
               se->findings[k].message);
    const char *labels[] = {"note", "subjective", "objective", "assessment",
                            "plan"};
    const char *texts[] = {se->note, se->subjective, se->objective,
                           se->assessment, se->plan};
    for (size_t k = 0; k < ARRAY_SIZE(labels); k++)
        if (texts[k])
            printf("  %-11s %s\n", labels[k], texts[k]);
}

static int session_show_cmd(struct cli *c, int argc, const char **argv)
{
    int64_t id = 0;
    struct err e = ERR_INIT;
    struct session se;
    if (cli_parse_id_open(c, argc, argv, "the session's id", &id) < 0 ||
        session_get(c->store, &actor_cli, id, "id", &se, &e) < 0)
        return cli_stop(c, &e);
    int rc = cli_print_item(c, &se, session_json, print_session);
    session_release(&se);
    return rc;
}

CLI_VERB_COMMAND(cmd_session,
    "Treatment sessions of an episode of care.",
    {"add", session_add_cmd, "record a session",
     "Records a session of an open episode and prints the new id. Phases "
     "are checked for fidelity to the protocol (introductory massage "
     "first, at least half kneading); findings are kept with the session."},
    {"show", session_show_cmd, "show a session",
     "Shows a session."})
