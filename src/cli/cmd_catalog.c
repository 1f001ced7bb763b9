/* touchstone catalog: the protocol catalog (list, show, groups, check).
 * No database is needed: the catalog is data built into the program, with
 * the clinic's --catalog DIR over it. */
#include "catalog/catalog_json.h"
#include "cli/cli.h"
#include "core/util.h"

#include <stdio.h>
#include <string.h>

COMMAND("catalog", cmd_catalog, "the protocol catalog: list, show, groups, check")

/* The whole protocol as JSON (used by show). */
static json_t *protocol_json(const struct catalog *cat,
                             const struct protocol *p)
{
    const struct protocol_group *g = catalog_group_find(cat, p->group);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(p->id));
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "group", json_string(p->group));
    json_object_set_new(o, "group_name", json_string(g ? g->name : ""));
    json_object_set_new(o, "region", json_string(p->region));
    json_object_set_new(o, "summary",
                        p->summary ? json_string(p->summary) : json_null());
    catalog_json_set_screening(o, p);
    json_object_set_new(o, "training", catalog_json_training(cat, p, 1));
    json_object_set_new(o, "phases", catalog_json_phases(p, 0));
    json_object_set_new(o, "minutes", catalog_json_minutes(p));
    catalog_json_set_course(o, p);
    json_object_set_new(o, "file", json_string(p->file));
    json_object_set_new(o, "from_clinic", json_boolean(p->from_clinic));
    json_object_set_new(o, "replaces", json_boolean(p->replaces));
    return o;
}

static int catalog_list(struct cli *c, int argc, const char **argv)
{
    const char *group = NULL;
    struct opt opts[] = {
        {"group", OPT_STRING, &group, "GROUP", "only this group's protocols",
         0, 0},
        OPT_END,
    };
    const struct catalog *cat;
    if (cli_parse_catalog(c, argc, argv, opts, NULL, &cat) < 0)
        return c->exit_code;
    if (group && !catalog_group_find(cat, group)) {
        struct err e = ERR_INIT;
        struct buf known = BUF_INIT;
        for (int i = 0; i < catalog_group_count(cat); i++)
            buf_printf(&known, "%s%s", i ? ", " : "",
                       catalog_group_at(cat, i)->id);
        err_set(&e, ERR_NOT_FOUND, "group", "unknown group '%.64s' (known: "
                "%s)", group, known.data);
        buf_release(&known);
        return cli_fail(c, &e);
    }
    json_t *list = c->json ? json_array() : NULL;
    int shown = 0;
    if (!c->json)
        printf("%-34s %-18s %-7s %-5s %s\n", "ID", "GROUP", "MINUTES",
               "HOURS", "NAME");
    for (int i = 0; i < catalog_protocol_count(cat); i++) {
        const struct protocol *p = catalog_protocol_at(cat, i);
        if (group && strcmp(p->group, group))
            continue;
        shown++;
        if (c->json) {
            json_array_append_new(list,
                                  catalog_json_protocol_summary(cat, p));
            continue;
        }
        char minutes[16];
        snprintf(minutes, sizeof(minutes), "%d-%d", p->minutes_min,
                 p->minutes_max);
        printf("%-34s %-18s %-7s %-5d %s\n", p->id, p->group, minutes,
               p->training_hours, p->name);
    }
    if (c->json)
        return cli_print_json(c, json_pack("{s:i,s:o}", "count", shown,
                                           "protocols", list));
    printf("%d protocol%s\n", shown, shown == 1 ? "" : "s");
    return EXIT_OK;
}

static void print_list(const char *label, const char **items, int n)
{
    printf("%s", label);
    for (int i = 0; i < n; i++)
        printf("%s%s", i ? ", " : " ", items[i]);
    if (!n)
        printf(" none");
}

static int catalog_show(struct cli *c, int argc, const char **argv)
{
    const char *id = NULL;
    struct opt opts[] = {
        {"id", OPT_ARG, &id, "ID", "the protocol's id", 1, 0},
        OPT_END,
    };
    const struct catalog *cat;
    const struct protocol *p;
    if (cli_parse_catalog(c, argc, argv, opts, NULL, &cat) < 0 ||
        !(p = cli_find_protocol(c, cat, "id", id)))
        return c->exit_code;
    if (c->json)
        return cli_print_json(c, protocol_json(cat, p));
    const struct protocol_group *g = catalog_group_find(cat, p->group);
    printf("%s: %s\n", p->id, p->name);
    printf("group: %s (%s)\n", p->group, g ? g->name : "");
    printf("region: %s\n", p->region);
    if (p->summary)
        printf("summary: %s\n", p->summary);
    printf("indications:\n");
    for (int i = 0; i < p->indication_count; i++)
        printf("  %-9s %s\n", p->indications[i].code,
               p->indications[i].title);
    printf("red flags (a yes means a physician, not massage):\n");
    for (int i = 0; i < p->red_flag_count; i++)
        printf("  %-26s %s\n", p->red_flags[i].id, p->red_flags[i].question);
    if (protocol_requires_baseline(p))
        printf("training: %d hours specialised + %d hours full-body baseline "
               "(%s) = %d hours\n", protocol_required_hours(p),
               catalog_baseline_hours(cat), CATALOG_BASELINE_ID,
               catalog_total_hours(cat, p));
    else
        printf("training: %d hours (the full-body baseline itself)\n",
               protocol_required_hours(p));
    printf("session: %d-%d minutes (default %d)\n", p->minutes_min,
           p->minutes_max, p->minutes_default);
    printf("course: %d session%s, %d per week\n", p->course_sessions,
           p->course_sessions == 1 ? "" : "s", p->course_per_week);
    printf("phases (share of the session):\n");
    for (int i = 0; i < p->phase_count; i++) {
        const struct protocol_phase *ph = &p->phases[i];
        printf("  %d. %-16s %3d-%3d%%  ", i + 1, ph->name,
               (ph->min_permille + 5) / 10, (ph->max_permille + 5) / 10);
        for (int k = 0; k < ph->technique_count; k++)
            printf("%s%s", k ? ", " : "", ph->techniques[k]);
        if (ph->direction)
            printf("; %s", ph->direction);
        printf("\n");
    }
    print_list("outcomes: primary", p->primary, p->primary_count);
    print_list("; secondary", p->secondary, p->secondary_count);
    printf("\nfollow-up:");
    for (int i = 0; i < p->follow_up_count; i++)
        printf("%s%s", i ? ", " : " ", p->follow_ups[i].text);
    printf("\nfile: %s%s\n", p->file,
           p->replaces ? " (replaces the shipped protocol)" : "");
    return EXIT_OK;
}

static int catalog_groups(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    const struct catalog *cat;
    if (cli_parse_catalog(c, argc, argv, opts, NULL, &cat) < 0)
        return c->exit_code;
    json_t *list = c->json ? json_array() : NULL;
    for (int i = 0; i < catalog_group_count(cat); i++) {
        const struct protocol_group *g = catalog_group_at(cat, i);
        int n = catalog_group_protocol_count(cat, g->id);
        if (c->json)
            json_array_append_new(list, json_pack("{s:s,s:s,s:i}", "id", g->id,
                                                  "name", g->name,
                                                  "protocols", n));
        else
            printf("%-20s %3d  %s\n", g->id, n, g->name);
    }
    if (c->json)
        return cli_print_json(c, json_pack("{s:o}", "groups", list));
    return EXIT_OK;
}

static int catalog_check(struct cli *c, int argc, const char **argv)
{
    const char *dir = NULL;
    struct catalog *cat;
    struct err e = ERR_INIT;
    if (cli_parse_arg(c, argc, argv, "dir", "DIR",
                      "the clinic's catalog directory", &dir) < 0 ||
        catalog_load(dir, &cat, &e) < 0)
        return cli_stop(c, &e);
    int files, added, replaced;
    catalog_clinic_summary(cat, &files, &added, &replaced);
    int total = catalog_protocol_count(cat);
    catalog_free(cat);
    if (c->json)
        return cli_print_json(c, json_pack("{s:b,s:s,s:i,s:i,s:i,s:i}", "ok",
                                           1, "dir", dir, "files", files,
                                           "added", added, "replaced",
                                           replaced, "protocols", total));
    printf("ok: '%s': %d file%s, %d protocol%s added, %d replaced (%d in "
           "all)\n", dir, files, files == 1 ? "" : "s", added,
           added == 1 ? "" : "s", replaced, total);
    return EXIT_OK;
}

CLI_VERB_COMMAND(cmd_catalog,
    "The protocol catalog, built into the program; a "
    "clinic extends or overrides it with --catalog DIR.",
    {"list", catalog_list, "list the protocols",
     "Lists the protocols: id, group, session minutes, specialised "
     "training hours and name."},
    {"show", catalog_show, "show one protocol",
     "Shows a protocol: indications, red flags, training, phases, "
     "session and course length, outcome instruments and follow-ups."},
    {"groups", catalog_groups, "list the protocol groups",
     "Lists the protocol groups and how many protocols each holds."},
    {"check", catalog_check, "validate a clinic's catalog directory",
     "Validates a catalog directory (DIR/*.json and "
     "DIR/protocols/*.json) over the shipped catalog, without a "
     "database. A bad file is refused with FILE:LINE:COLUMN: FIELD: "
     "PROBLEM and exit status 2."})
