/* touchstone episode: episodes of care. */
#include "cli/cli.h"
#include "core/util.h"
#include "record/episode.h"
#include "record/record_json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

COMMAND("episode", cmd_episode, "open, close, show and list episodes of care")

#define SCREEN_FILE_MAX (1 << 20)

/* Answers given as --red-flag ID=yes|no and in a --screen file (a JSON
 * object of id -> "yes"/"no"). The ids point into argv or into *doc,
 * which the caller json_decref()s. */
static int screen_parse(const struct opt_list *flags, const char *file,
                        char (*ids)[RECORD_CODE_MAX + 2],
                        struct screen_answer *answers, size_t max,
                        size_t *count, json_t **doc, struct err *e)
{
    *count = 0;
    *doc = NULL;
    for (int i = 0; i < flags->count; i++) {
        const char *text = flags->items[i];
        const char *eq = strrchr(text, '=');
        size_t len = eq ? (size_t)(eq - text) : 0;
        if (!eq || len == 0 || (strcmp(eq + 1, "yes") && strcmp(eq + 1, "no")))
            return err_set(e, ERR_INPUT, "red-flag",
                           "'%.64s' is not ID=yes or ID=no", text);
        if (len > RECORD_CODE_MAX)
            len = RECORD_CODE_MAX + 1; /* too long: the id check refuses */
        memcpy(ids[i], text, len);
        ids[i][len] = '\0';
        answers[*count].question_id = ids[i];
        answers[*count].yes = !strcmp(eq + 1, "yes");
        (*count)++;
    }
    if (!file)
        return 0;
    /* Read at most SCREEN_FILE_MAX bytes: a device or a pipe that never
     * ends is refused, not followed. */
    FILE *f = fopen(file, "rb");
    if (!f)
        return err_set(e, ERR_INPUT, "screen", "unable to read '%.200s': %s",
                       file, strerror(errno));
    char *text = xmalloc(SCREEN_FILE_MAX + 1);
    size_t len = fread(text, 1, SCREEN_FILE_MAX + 1, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || len > SCREEN_FILE_MAX) {
        free(text);
        return err_set(e, ERR_INPUT, "screen",
                       failed ? "unable to read '%.200s'"
                              : "'%.200s' is larger than 1 MiB",
                       file);
    }
    json_error_t jerr;
    *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!*doc)
        return err_set(e, ERR_INPUT, "screen",
                       "'%.200s': %s (line %d, column %d)", file, jerr.text,
                       jerr.line, jerr.column);
    if (!json_is_object(*doc))
        return err_set(e, ERR_INPUT, "screen",
                       "'%.200s' is not a JSON object of id: \"yes\"/\"no\"",
                       file);
    const char *key;
    json_t *value;
    json_object_foreach(*doc, key, value) {
        const char *v = json_string_value(value);
        if (!v || (strcmp(v, "yes") && strcmp(v, "no")))
            return err_set(e, ERR_INPUT, "screen",
                           "'%.64s': the answer must be \"yes\" or \"no\"",
                           key);
        if (*count >= max)
            return err_set(e, ERR_INPUT, "screen", "more than %zu answers",
                           max);
        answers[*count].question_id = key;
        answers[*count].yes = !strcmp(v, "yes");
        (*count)++;
    }
    return 0;
}

/* -1 with e filled when the option was given with a negative value (the
 * record takes -1 for "not given"). */
static int count_given_negative(const struct opt *opts, const char *name,
                                long value, struct err *e)
{
    for (const struct opt *o = opts; o->name; o++)
        if (!strcmp(o->name, name) && o->seen && value < 0)
            return err_set(e, ERR_INPUT, name,
                           "%ld is out of range (at least 0)", value);
    return 0;
}

static int episode_open_cmd(struct cli *c, int argc, const char **argv)
{
    struct episode_new in = {0};
    const char *patient = NULL, *practitioner = NULL, *referral = NULL;
    const char *screen_file = NULL;
    long chronicity = -1, comorbidities = -1;
    struct opt_list flags = {0};
    struct opt opts[] = {
        {"patient", OPT_STRING, &patient, "ID", "the patient's id", 1, 0},
        {"practitioner", OPT_STRING, &practitioner, "ID",
         "the treating practitioner's id", 1, 0},
        OPTION_PROTOCOL(&in.protocol_id,
                        "the protocol, as in low-back-pain", 1),
        {"icd10", OPT_STRING, &in.icd10, "CODE", "ICD-10-CM diagnosis code",
         1, 0},
        {"start", OPT_STRING, &in.started_on, "DATE",
         "first day of care (YYYY-MM-DD)", 1, 0},
        {"referral", OPT_STRING, &referral, "ID",
         "the referral this answers", 0, 0},
        {"chronicity-weeks", OPT_INT, &chronicity, "N",
         "weeks since the condition began", 0, 0},
        {"comorbidities", OPT_INT, &comorbidities, "N",
         "number of comorbid conditions", 0, 0},
        {"red-flag", OPT_LIST, &flags, "ID=yes|no",
         "an answer of the red-flag screen", 0, 0},
        {"screen", OPT_STRING, &screen_file, "FILE",
         "red-flag answers as a JSON object {\"id\": \"yes\"|\"no\"}", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct screen_answer answers[128];
    json_t *screen_doc = NULL;
    char ids[ARRAY_SIZE(flags.items)][RECORD_CODE_MAX + 2];
    in.chronicity_weeks = chronicity;
    in.comorbidities = comorbidities;
    if (count_given_negative(opts, "chronicity-weeks", chronicity, &e) < 0 ||
        count_given_negative(opts, "comorbidities", comorbidities, &e) < 0)
        return cli_fail(c, &e);
    if (cli_parse_id(patient, "patient", &in.patient_id, &e) < 0 ||
        cli_parse_id(practitioner, "practitioner", &in.practitioner_id,
                     &e) < 0 ||
        (referral &&
         cli_parse_id(referral, "referral", &in.referral_id, &e) < 0) ||
        screen_parse(&flags, screen_file, ids, answers, ARRAY_SIZE(answers),
                     &in.screen_count, &screen_doc, &e) < 0) {
        json_decref(screen_doc);
        return cli_fail(c, &e);
    }
    in.screen = answers;
    struct buf note = BUF_INIT;
    int64_t id;
    int rc = cli_catalog_override(c, &in.catalog, &e);
    if (rc == 0)
        rc = cli_open_store(c, &e);
    if (rc == 0)
        rc = episode_open(c->store, &actor_cli, &in, &id, &note, &e);
    json_decref(screen_doc);
    if (rc < 0) {
        int status = cli_fail(c, &e);
        if (note.len && c->json)
            cli_print_json(c, json_pack("{s:s,s:s,s:s}", "refused",
                                        err_code_name(e.code), "message",
                                        e.message, "note", note.data));
        else if (note.len)
            fputs(note.data, stdout);
        buf_release(&note);
        return status;
    }
    buf_release(&note);
    return cli_print_id(c, id);
}

static int episode_close_cmd(struct cli *c, int argc, const char **argv)
{
    const char *end = NULL;
    int64_t id = 0;
    struct opt opts[] = {
        OPTION_ID(&id, "the episode's id"),
        {"end", OPT_STRING, &end, "DATE", "day of discharge (YYYY-MM-DD)", 1,
         0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||
        episode_close(c->store, &actor_cli, id, end, &e) < 0)
        return cli_stop(c, &e);
    if (c->json)
        return cli_print_json(c, json_pack("{s:I,s:s}", "id", (json_int_t)id,
                                           "end", end));
    printf("closed episode %lld on %s\n", (long long)id, end);
    return EXIT_OK;
}

static void print_observation(const struct observation *o, const char *lead)
{
    printf("%s%-8s %-10s %6g  at %s", lead, o->timepoint, o->instrument,
           o->total, o->observed_at);
    if (o->followup_days >= 0)
        printf(" (%ld days after discharge)", o->followup_days);
    if (o->items) {
        printf("  items");
        for (size_t i = 0; i < o->item_count; i++) {
            if (isnan(o->items[i]))
                printf("%s-", i ? "," : " ");
            else
                printf("%s%g", i ? "," : " ", o->items[i]);
        }
    }
    printf("\n");
}

static void print_text(const char *label, const char *text)
{
    if (!text)
        return;
    printf("    %-11s ", label);
    for (const char *p = text; *p; p++) {
        putchar(*p);
        if (*p == '\n' && p[1])
            printf("                ");
    }
    printf("\n");
}

CLI_TO_JSON(episode_detail_json, episode_detail_to_json)

static void print_episode_detail(const void *item)
{
    const struct episode_detail *d = item;
    const struct episode *ep = &d->episode;
    printf("episode %lld: %s (patient %lld)\n", (long long)ep->id,
           ep->patient_name, (long long)ep->patient_id);
    printf("  protocol      %s\n", ep->protocol_id);
    printf("  icd10         %s\n", ep->icd10);
    printf("  practitioner  %s (%lld)\n", ep->practitioner_name,
           (long long)ep->practitioner_id);
    if (ep->referral_id)
        printf("  referral      %lld\n", (long long)ep->referral_id);
    printf("  period        %s .. %s\n", ep->started_on,
           ep->ended_on[0] ? ep->ended_on : "(open)");
    if (ep->chronicity_weeks >= 0)
        printf("  chronicity    %ld weeks\n", ep->chronicity_weeks);
    if (ep->comorbidities >= 0)
        printf("  comorbidities %ld\n", ep->comorbidities);
    const struct observation_list *obs = &d->observations;
    for (size_t j = 0; j < obs->count; j++)
        if (!strcmp(obs->items[j].timepoint, "baseline") &&
            !obs->items[j].session_id)
            print_observation(&obs->items[j], "  ");
    for (size_t i = 0; i < d->sessions.count; i++) {
        const struct session *se = &d->sessions.items[i];
        printf("  session %zu (id %lld): %s, %d min\n", i + 1,
               (long long)se->id, se->started_at, se->minutes);
        if (se->phase_count) {
            printf("    phases     ");
            for (size_t k = 0; k < se->phase_count; k++)
                printf(" %s %d%s", se->phases[k].name, se->phases[k].minutes,
                       k + 1 < se->phase_count ? "," : "\n");
        }
        for (size_t k = 0; k < se->finding_count; k++)
            printf("    finding     %s: %s\n", se->findings[k].code,
                   se->findings[k].message);
        for (size_t j = 0; j < obs->count; j++)
            if (obs->items[j].session_id == se->id)
                print_observation(&obs->items[j], "    ");
        print_text("note", se->note);
        print_text("subjective", se->subjective);
        print_text("objective", se->objective);
        print_text("assessment", se->assessment);
        print_text("plan", se->plan);
    }
    for (size_t j = 0; j < obs->count; j++)
        if (strcmp(obs->items[j].timepoint, "baseline") != 0 &&
            !obs->items[j].session_id)
            print_observation(&obs->items[j], "  ");
}

CLI_SHOW_VERB(episode_show_cmd, episode, "the episode's id",
              episode_detail_json, print_episode_detail)

CLI_TO_JSON(episode_json, episode_to_json)

static void episode_header(void)
{
    printf("%-6s %-10s %-10s %-28s %-8s %-24s %s\n", "ID", "START", "END",
           "PROTOCOL", "ICD10", "PATIENT", "SESSIONS");
}

static void episode_row(const void *item)
{
    const struct episode *ep = item;
    printf("%-6lld %-10s %-10s %-28s %-8s %-24s %d\n", (long long)ep->id,
           ep->started_on, ep->ended_on[0] ? ep->ended_on : "(open)",
           ep->protocol_id, ep->icd10, ep->patient_name, ep->session_count);
}

static int episode_list_cmd(struct cli *c, int argc, const char **argv)
{
    static const struct cli_list_format format = {
        episode_json, episode_header, episode_row, "no episodes"};
    struct episode_filter f = {0};
    struct opt opts[] = {
        OPTION_PATIENT(&f.patient_id, "only this patient's", 0),
        OPTION_PRACTITIONER(&f.practitioner_id, "only this practitioner's", 0),
        {"open", OPT_FLAG, &f.open_only, NULL, "only open episodes", 0, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    struct episode_list l;
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||
        episode_list(c->store, &actor_cli, &f, &l, &e) < 0)
        return cli_stop(c, &e);
    int rc = cli_print_list(c, &format, l.items, l.count, sizeof(*l.items));
    episode_list_release(&l);
    return rc;
}

CLI_VERB_COMMAND(cmd_episode,
    "Episodes of care: one patient, condition, protocol "
    "and practitioner.",
    {"open", episode_open_cmd, "open an episode of care",
     "Opens an episode of care and prints the new id. Every red-flag "
     "question of the protocol must be answered (see 'touchstone catalog "
     "show PROTOCOL_ID'). Refused with status 3 when the practitioner is "
     "not trained in the protocol or a red flag is answered yes; the "
     "note for the patient's file is printed."},
    {"close", episode_close_cmd, "discharge: close an episode",
     "Discharges the patient: closes the episode on DATE."},
    {"show", episode_show_cmd, "show sessions and scores in order",
     "Shows an episode: its sessions with phases, findings and scores, "
     "in order, and its follow-ups."},
    {"list", episode_list_cmd, "list episodes",
     "Lists episodes by start date."})
