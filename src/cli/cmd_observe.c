/* touchstone observe: record an outcome measure. */
#include "cli/cli.h"
#include "core/number.h"
#include "core/util.h"
#include "record/observation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

COMMAND("observe", cmd_observe, "record an outcome score (baseline, pre, post, follow-up)")

/* Parses "V,V,,V" (an empty entry is a missing response, NAN). */
static int items_parse(const char *text, double *items, size_t max,
                       size_t *count, struct err *e)
{
    *count = 0;
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (*count >= max)
            return err_set(e, ERR_INPUT, "items", "more than %zu items", max);
        if (len == 0) {
            items[(*count)++] = NAN;
        } else {
            char value[64];
            if (len >= sizeof(value))
                return err_set(e, ERR_INPUT, "items",
                               "item %zu: '%.32s...' is not a number",
                               *count + 1, p);
            memcpy(value, p, len);
            value[len] = '\0';
            double v;
            if (parse_decimal(value, &v) < 0)
                return err_set(e, ERR_INPUT, "items",
                               "item %zu: '%s' is not a number", *count + 1,
                               value);
            items[(*count)++] = v;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

int cmd_observe(struct cli *c, int argc, const char **argv)
{
    struct observation_new in = {0};
    const char *episode = NULL, *session = NULL, *items_text = NULL;
    double value = 0;
    struct opt opts[] = {
        {"episode", OPT_STRING, &episode, "ID", "the episode's id", 1, 0},
        OPTION_INSTRUMENT(&in.instrument,
                          "the instrument, as in nprs or odi", 1),
        {"timepoint", OPT_STRING, &in.timepoint, "WHEN",
         "baseline, pre, post or followup", 1, 0},
        {"session", OPT_STRING, &session, "ID",
         "the session (required for pre and post)", 0, 0},
        {"at", OPT_STRING, &in.observed_at, "DATETIME",
         "when it was measured", 1, 0},
        {"items", OPT_STRING, &items_text, "V,V,...",
         "item responses in order (empty: not answered)", 0, 0},
        {"value", OPT_DOUBLE, &value, "X", "a single score", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Records an outcome score and prints the new id. Give "
                  "exactly one of --items and --value; the total is "
                  "computed by the instrument's scoring rule.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    double items[OBSERVATION_ITEMS_MAX];
    in.has_value = opts[6].seen;
    in.value = value;
    if (items_text && in.has_value) {
        err_set(&e, ERR_INPUT, "items", "give either --items or --value, "
                                        "not both");
        return cli_fail(c, &e);
    }
    if (items_text &&
        items_parse(items_text, items, ARRAY_SIZE(items), &in.item_count,
                    &e) < 0)
        return cli_fail(c, &e);
    in.items = items;
    int64_t id;
    if (cli_parse_id(episode, "episode", &in.episode_id, &e) < 0 ||
        (session && cli_parse_id(session, "session", &in.session_id, &e) < 0) ||
        cli_open_store(c, &e) < 0 ||
        observation_add(c->store, &actor_cli, &in, &id, &e) < 0)
        return cli_fail(c, &e);
    return cli_print_id(c, id);
}
