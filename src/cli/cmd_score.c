/* touchstone score: scores item responses with an instrument's rule. No
 * database is needed. */
#include "catalog/instrument.h"
#include "cli/cli.h"
#include "core/number.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

COMMAND("score", cmd_score, "score item responses with an instrument's rule")

/* A number for people: whole numbers bare, others to 2 decimals. */
static void format_total(double v, char *out, size_t size)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(out, size, "%.0f", v);
    else
        snprintf(out, size, "%.2f", v);
}

/*
 * Parses "V,V,,V" into items[] and present[] (an empty entry is a missing
 * item). Returns the number of entries, or -1 with e naming the item.
 */
static int parse_items(const char *text, double *items, int *present,
                       int max, struct err *e)
{
    int n = 0;
    const char *s = text;
    for (;;) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (n >= max)
            return err_set(e, ERR_INPUT, "items", "more than %d items", max);
        char buf[64];
        char field[32];
        snprintf(field, sizeof(field), "item %d", n + 1);
        while (len && (*s == ' ' || *s == '\t')) {
            s++;
            len--;
        }
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len >= sizeof(buf))
            return err_set(e, ERR_INPUT, field, "'%.20s...' is not a number",
                           s);
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (len == 0) {
            present[n] = 0;
            items[n] = 0;
        } else {
            double v;
            if (parse_decimal(buf, &v) < 0)
                return err_set(e, ERR_INPUT, field, "'%s' is not a number",
                               buf);
            present[n] = 1;
            items[n] = v;
        }
        n++;
        if (!end)
            break;
        s = end + 1;
    }
    return n;
}

int cmd_score(struct cli *c, int argc, const char **argv)
{
    const char *code = NULL, *items_text = NULL;
    struct opt opts[] = {
        {"code", OPT_ARG, &code, "CODE", "the instrument (see 'touchstone "
         "instrument list')", 1, 0},
        {"items", OPT_STRING, &items_text, "V,V,...",
         "item responses in order; an empty entry (V,,V) is a missing item",
         1, 0},
        OPT_END,
    };
    const struct instrument *in;
    if (cli_parse(c, argc, argv, opts,
                  "Scores item responses by the instrument's rule and prints "
                  "the total, how missing items were handled and the band. "
                  "Blood pressure is --items SYSTOLIC,DIASTOLIC.") < 0 ||
        !(in = cli_find_instrument(c, code)))
        return c->exit_code;
    struct err e = ERR_INIT;
    double items[INSTRUMENT_MAX_ITEMS];
    int present[INSTRUMENT_MAX_ITEMS];
    int n = parse_items(items_text, items, present, INSTRUMENT_MAX_ITEMS, &e);
    struct score sc;
    if (n < 0 || instrument_score(in, items, present, n, &sc, &e) < 0)
        return cli_fail(c, &e);
    if (c->json) {
        json_t *subs = json_object();
        for (int i = 0; i < sc.subscore_count; i++)
            json_object_set_new(subs, sc.subscores[i].name,
                                json_real(sc.subscores[i].value));
        json_t *given = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(given, present[i] ? json_real(items[i])
                                                    : json_null());
        return cli_print_json(
            c, json_pack("{s:s,s:f,s:s,s:s,s:i,s:i,s:i,s:s,s:o,s:o,s:o}",
                         "instrument", in->code, "total", sc.total, "unit",
                         in->unit, "direction",
                         instrument_direction_name(in->direction),
                         "items_given", sc.items_given, "items_answered",
                         sc.items_answered, "items_missing", sc.items_missing,
                         "missing", sc.missing, "band",
                         sc.band ? json_string(sc.band) : json_null(),
                         "subscores", subs, "items", given));
    }
    char total[32];
    format_total(sc.total, total, sizeof(total));
    printf("%s: %s %s (%g-%g, %s)\n", in->code, total, in->unit, in->total_min,
           in->total_max,
           in->direction == DIRECTION_HIGHER_WORSE ? "higher is worse"
                                                   : "higher is better");
    printf("items: %d of %d answered\n", sc.items_answered, sc.items_given);
    printf("missing: %s\n", sc.missing);
    printf("band: %s\n", sc.band ? sc.band : "none defined");
    for (int i = 0; i < sc.subscore_count; i++) {
        format_total(sc.subscores[i].value, total, sizeof(total));
        printf("%s: %s\n", sc.subscores[i].name, total);
    }
    return EXIT_OK;
}
