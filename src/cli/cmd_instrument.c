/* touchstone instrument: the outcome instruments (list, show). No database
 * is needed: the instruments are data built into the program. */
#include "catalog/catalog_json.h"
#include "cli/cli.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

COMMAND("instrument", cmd_instrument, "the outcome instruments: list, show")

static json_t *instrument_json(const struct instrument *in)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(in->code));
    json_object_set_new(o, "name", json_string(in->name));
    json_object_set_new(o, "construct", json_string(in->construct));
    json_object_set_new(o, "loinc",
                        in->loinc ? json_string(in->loinc) : json_null());
    json_object_set_new(o, "item_count_min", json_integer(in->item_count_min));
    json_object_set_new(o, "item_count", json_integer(in->item_count));
    json_object_set_new(o, "integer_items", json_boolean(in->integer_items));
    if (in->allowed_count) {
        json_t *al = json_array();
        for (int k = 0; k < in->allowed_count; k++)
            json_array_append_new(al, json_real(in->allowed[k]));
        json_object_set_new(o, "allowed", al);
    }
    json_object_set_new(o, "items", catalog_json_instrument_items(in, 1));
    json_object_set_new(o, "items_source", json_string(in->items_source));
    catalog_json_set_scoring(o, in);
    json_object_set_new(o, "total",
                        json_pack("{s:f,s:f,s:s,s:s,s:s}", "min",
                                  in->total_min, "max", in->total_max, "unit",
                                  in->unit, "direction",
                                  instrument_direction_name(in->direction),
                                  "source", in->total_source));
    json_object_set_new(o, "bands", catalog_json_instrument_bands(in));
    json_object_set_new(o, "bands_source", in->bands_source
                                               ? json_string(in->bands_source)
                                               : json_null());
    json_object_set_new(o, "mcid", catalog_json_mcid_sourced(in));
    json_object_set_new(o, "accepts_value",
                        json_boolean(instrument_accepts_value(in)));
    if (!isnan(in->reliability))
        json_object_set_new(o, "reliability",
                            json_pack("{s:f,s:s}", "icc", in->reliability,
                                      "source", in->reliability_source));
    return o;
}

/* "2 points or 30%", or "none published". */
static void mcid_text(const struct instrument *in, char *out, size_t size)
{
    if (in->has_absolute && in->has_relative)
        snprintf(out, size, "%g or %g%%", in->mcid_absolute,
                 in->mcid_relative * 100);
    else if (in->has_absolute)
        snprintf(out, size, "%g", in->mcid_absolute);
    else if (in->has_relative)
        snprintf(out, size, "%g%%", in->mcid_relative * 100);
    else
        snprintf(out, size, "none published");
}

static int instrument_list(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    if (c->json) {
        json_t *list = json_array();
        for (int i = 0; i < instrument_count(); i++)
            json_array_append_new(list, instrument_json(instrument_at(i)));
        return cli_print_json(c, json_pack("{s:i,s:o}", "count",
                                           instrument_count(), "instruments",
                                           list));
    }
    printf("%-14s %-6s %-10s %-14s %-16s %s\n", "CODE", "ITEMS", "TOTAL",
           "DIRECTION", "MCID", "NAME");
    for (int i = 0; i < instrument_count(); i++) {
        const struct instrument *in = instrument_at(i);
        char items[16], total[32], mcid[64];
        if (in->item_count_min != in->item_count)
            snprintf(items, sizeof(items), "%d-%d", in->item_count_min,
                     in->item_count);
        else
            snprintf(items, sizeof(items), "%d", in->item_count);
        snprintf(total, sizeof(total), "%g-%g", in->total_min, in->total_max);
        mcid_text(in, mcid, sizeof(mcid));
        printf("%-14s %-6s %-10s %-14s %-16s %s\n", in->code, items, total,
               instrument_direction_name(in->direction), mcid, in->name);
    }
    return EXIT_OK;
}

static int instrument_show(struct cli *c, int argc, const char **argv)
{
    const char *code = NULL;
    const struct instrument *in;
    if (cli_parse_arg(c, argc, argv, "code", "CODE", "the instrument's code",
                      &code) < 0 ||
        !(in = cli_find_instrument(c, code)))
        return c->exit_code;
    if (c->json)
        return cli_print_json(c, instrument_json(in));
    char mcid[64];
    mcid_text(in, mcid, sizeof(mcid));
    printf("%s: %s\n", in->code, in->name);
    printf("measures: %s\n", in->construct);
    if (in->loinc)
        printf("loinc: %s\n", in->loinc);
    if (in->item_count_min != in->item_count)
        printf("items: %d to %d", in->item_count_min, in->item_count);
    else
        printf("items: %d", in->item_count);
    printf(", %s\n", in->integer_items ? "whole numbers" : "any number");
    int uniform = 1, reversed = 0;
    for (int i = 0; i < in->item_count; i++) {
        uniform &= in->item_min[i] == in->item_min[0] &&
                   in->item_max[i] == in->item_max[0];
        reversed += in->reverse[i];
    }
    if (uniform && in->item_count > 2) {
        printf("  each item %g-%g\n", in->item_min[0], in->item_max[0]);
    } else {
        for (int i = 0; i < in->item_count; i++)
            printf("  %-10s %g-%g\n", in->item_labels[i], in->item_min[i],
                   in->item_max[i]);
    }
    if (reversed) {
        printf("  reverse-scored:");
        for (int i = 0, k = 0; i < in->item_count; i++)
            if (in->reverse[i])
                printf("%s%s", k++ ? ", " : " ", in->item_labels[i]);
        printf("\n");
    }
    if (in->allowed_count) {
        printf("  answers worth:");
        for (int k = 0; k < in->allowed_count; k++)
            printf(" %g", in->allowed[k]);
        printf("\n");
    }
    printf("  source: %s\n", in->items_source);
    printf("scoring: %s; %s\n", instrument_method_name(in->method),
           in->scoring_source);
    printf("missing items: %s\n", in->missing_rule);
    printf("total: %g-%g %s, %s\n", in->total_min, in->total_max, in->unit,
           in->direction == DIRECTION_HIGHER_WORSE ? "higher is worse"
                                                   : "higher is better");
    if (in->band_count) {
        printf("bands:\n");
        for (int b = 0; b < in->band_count; b++)
            printf("  up to %-6g %s\n", in->bands[b].upto,
                   in->bands[b].label);
    }
    if (in->bands_source)
        printf("  source: %s\n", in->bands_source);
    printf("mcid: %s; %s\n", mcid, in->mcid_source);
    if (!isnan(in->reliability))
        printf("test-retest reliability: ICC %g; %s\n", in->reliability,
               in->reliability_source);
    return EXIT_OK;
}

CLI_VERB_COMMAND(cmd_instrument,
    "The outcome instruments, built into the program.",
    {"list", instrument_list, "list the outcome instruments",
     "Lists the outcome instruments: items, total range, direction and "
     "MCID."},
    {"show", instrument_show, "show one instrument",
     "Shows an instrument's structure, scoring, missing-item rule, bands "
     "and MCID, each with its source."})
