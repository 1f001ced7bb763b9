/* touchstone plan: a timed session plan from a protocol, or the fidelity of
 * a delivered session to it. No database is needed. */
#include "catalog/catalog.h"
#include "catalog/plan.h"
#include "cli/cli.h"
#include "core/number.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

COMMAND("plan", cmd_plan, "a timed session plan from a protocol")

#define MAX_DELIVERED 32

/* Parses "name=minutes,name=minutes" into phases (names point into a copy
 * the caller frees). Returns the count, or -1 with e filled. */
static int parse_delivered(char *text, struct delivered_phase *phases,
                           struct err *e)
{
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(text, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (n >= MAX_DELIVERED)
            return err_set(e, ERR_INPUT, "delivered", "more than %d phases",
                           MAX_DELIVERED);
        char *eq = strrchr(tok, '=');
        if (!eq)
            return err_set(e, ERR_INPUT, "delivered", "'%.60s' is not "
                           "PHASE=MINUTES", tok);
        *eq = '\0';
        long long minutes;
        int bad = parse_integer(eq + 1, 0, 1440, &minutes) < 0;
        while (*tok == ' ')
            tok++;
        if (bad)
            return err_set(e, ERR_INPUT, "delivered", "'%.40s' is not a "
                           "number of minutes for phase '%.60s'", eq + 1, tok);
        phases[n].name = tok;
        phases[n].minutes = (int)minutes;
        n++;
    }
    if (n == 0)
        return err_set(e, ERR_INPUT, "delivered", "no phases given");
    return n;
}

static int check_fidelity(struct cli *c, const struct protocol *p,
                          int minutes, const char *delivered)
{
    struct err e = ERR_INIT;
    struct delivered_phase phases[MAX_DELIVERED];
    char *copy = xstrdup(delivered);
    struct fidelity fid;
    int n = parse_delivered(copy, phases, &e);
    if (n < 0 || plan_check_fidelity(p, phases, n, minutes, &fid, &e) < 0) {
        free(copy);
        return cli_fail(c, &e);
    }
    free(copy);
    if (c->json) {
        json_t *list = json_array();
        for (int i = 0; i < fid.count; i++)
            json_array_append_new(list, json_pack("{s:s,s:s}", "code",
                                                  fid.findings[i].code,
                                                  "message",
                                                  fid.findings[i].message));
        return cli_print_json(c, json_pack("{s:s,s:i,s:b,s:o}", "protocol",
                                           p->id, "minutes", minutes,
                                           "faithful", fid.found == 0,
                                           "findings", list));
    }
    if (fid.found == 0) {
        printf("faithful: the session follows %s\n", p->id);
        return EXIT_OK;
    }
    printf("%d finding%s for %s:\n", fid.found, fid.found == 1 ? "" : "s",
           p->id);
    for (int i = 0; i < fid.count; i++)
        printf("  %s: %s\n", fid.findings[i].code, fid.findings[i].message);
    return EXIT_OK;
}

int cmd_plan(struct cli *c, int argc, const char **argv)
{
    const char *id = NULL, *delivered = NULL;
    long minutes = 0;
    struct opt opts[] = {
        {"protocol", OPT_STRING, &id, "ID", "the protocol", 1, 0},
        {"minutes", OPT_INT, &minutes, "M",
         "the session length (default: the protocol's default)", 0, 0},
        {"delivered", OPT_STRING, &delivered, "PHASE=MIN,...",
         "check a delivered session's phases against the protocol instead",
         0, 0},
        OPT_END,
    };
    const struct catalog *cat;
    const struct protocol *p;
    if (cli_parse_catalog(c, argc, argv, opts,
                          "Plans a session of M minutes: every phase of the "
                          "protocol in order, in whole minutes that sum to M, "
                          "within each phase's share, kneading at least half. "
                          "A length the protocol cannot take is refused with "
                          "exit status 3. With --delivered, reports how a "
                          "session as delivered departs from the protocol.",
                          &cat) < 0 ||
        !(p = cli_find_protocol(c, cat, "protocol", id)))
        return c->exit_code;
    struct err e = ERR_INIT;
    if (!opts[1].seen)
        minutes = p->minutes_default;
    if (minutes <= 0 || minutes > 1440) {
        err_set(&e, ERR_INPUT, "minutes", "%ld is not a session length in "
                "minutes (1-1440)", minutes);
        return cli_fail(c, &e);
    }
    if (delivered)
        return check_fidelity(c, p, (int)minutes, delivered);
    struct plan plan;
    if (plan_make(p, (int)minutes, &plan, &e) < 0)
        return cli_fail(c, &e);
    if (c->json) {
        json_t *list = json_array();
        for (int i = 0; i < plan.phase_count; i++) {
            const struct protocol_phase *ph = plan.phases[i].phase;
            json_t *tech = json_array();
            for (int k = 0; k < ph->technique_count; k++)
                json_array_append_new(tech, json_string(ph->techniques[k]));
            json_t *j = json_pack("{s:s,s:s,s:i,s:o}", "name", ph->name,
                                  "kind", phase_kind_name(ph->kind),
                                  "minutes", plan.phases[i].minutes,
                                  "techniques", tech);
            if (ph->direction)
                json_object_set_new(j, "direction",
                                    json_string(ph->direction));
            json_array_append_new(list, j);
        }
        return cli_print_json(c, json_pack("{s:s,s:i,s:i,s:o}", "protocol",
                                           p->id, "minutes", plan.minutes,
                                           "kneading_minutes",
                                           plan.kneading_minutes, "phases",
                                           list));
    }
    printf("%s: %d minutes\n", p->id, plan.minutes);
    for (int i = 0; i < plan.phase_count; i++) {
        const struct protocol_phase *ph = plan.phases[i].phase;
        printf("  %d. %-16s %3d min  ", i + 1, ph->name,
               plan.phases[i].minutes);
        for (int k = 0; k < ph->technique_count; k++)
            printf("%s%s", k ? ", " : "", ph->techniques[k]);
        if (ph->direction)
            printf("; %s", ph->direction);
        printf("\n");
    }
    printf("kneading: %d of %d minutes\n", plan.kneading_minutes,
           plan.minutes);
    return EXIT_OK;
}
