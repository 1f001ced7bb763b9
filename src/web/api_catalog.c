/* The protocol catalog, session plans and outcome instruments over JSON.
 * Not patient data: any logged-in role reads them. The catalog is loaded
 * once by the command that serves (web_config.catalog) and only read. */
#include "catalog/catalog_json.h"
#include "catalog/plan.h"
#include "web/handlers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static json_t *protocol_detail(const struct catalog *cat,
                               const struct protocol *p)
{
    const struct protocol_group *g = catalog_group_find(cat, p->group);
    json_t *o = catalog_json_protocol_summary(cat, p);
    json_object_set_new(o, "group_name", json_string(g ? g->name : ""));
    json_object_set_new(o, "summary",
                        p->summary ? json_string(p->summary) : json_null());
    catalog_json_set_screening(o, p);
    json_object_set_new(o, "training", catalog_json_training(cat, p, 0));
    json_object_set_new(o, "phases", catalog_json_phases(p, 1));
    catalog_json_set_course(o, p);
    return o;
}

/* The catalog, or a 503 when the server has none loaded. */
static const struct catalog *catalog_of(struct web_ctx *w)
{
    if (!w->config->catalog)
        web_error(w, 503, "unavailable", "", "the catalog is not loaded");
    return w->config->catalog;
}

/* The protocol named by the path, or 404. */
static const struct protocol *protocol_of(struct web_ctx *w,
                                          const struct catalog *cat)
{
    const char *id = route_param(&w->match, "protocol");
    const struct protocol *p = catalog_find(cat, id);
    if (!p)
        web_error(w, 404, "not_found", "protocol", "no protocol '%s'", id);
    return p;
}

int api_protocols_list(struct web_ctx *w)
{
    static const char *const allowed[] = {"page", "per_page", "group", NULL};
    int page, per_page;
    const struct catalog *cat = catalog_of(w);
    if (!cat || api_query_allow(w, allowed) < 0 ||
        api_page(w, &page, &per_page) < 0)
        return -1;
    const char *group = http_pairs_get(&w->query, "group", 0);
    if (group && !catalog_group_find(cat, group))
        return web_error(w, 422, "invalid", "group", "no group '%.64s'",
                         group);
    json_t *items = json_array();
    int64_t total = 0;
    int64_t first = (int64_t)(page - 1) * per_page;
    for (int i = 0; i < catalog_protocol_count(cat); i++) {
        const struct protocol *p = catalog_protocol_at(cat, i);
        if (group && strcmp(p->group, group))
            continue;
        if (total >= first && total < first + per_page)
            json_array_append_new(items,
                                  catalog_json_protocol_summary(cat, p));
        total++;
    }
    return web_reply_json(w, 200,
                          api_page_doc(items, page, per_page, total));
}

int api_protocol_show(struct web_ctx *w)
{
    const struct catalog *cat = catalog_of(w);
    if (!cat || api_query_none(w) < 0)
        return -1;
    const struct protocol *p = protocol_of(w, cat);
    if (!p)
        return -1;
    return web_reply_json(w, 200, protocol_detail(cat, p));
}

int api_protocol_plan(struct web_ctx *w)
{
    static const char *const allowed[] = {"minutes", NULL};
    int64_t minutes;
    const struct catalog *cat = catalog_of(w);
    if (!cat || api_query_allow(w, allowed) < 0 ||
        api_query_int(w, "minutes", &minutes) < 0)
        return -1;
    const struct protocol *p = protocol_of(w, cat);
    if (!p)
        return -1;
    if (!minutes)
        minutes = p->minutes_default;
    if (minutes > 1440)
        return web_error(w, 422, "invalid", "minutes",
                         "%lld is not a session length in minutes (1-1440)",
                         (long long)minutes);
    struct plan plan;
    if (plan_make(p, (int)minutes, &plan, &w->err) < 0)
        return web_fail(w);
    json_t *phases = json_array();
    for (int i = 0; i < plan.phase_count; i++) {
        json_t *j = catalog_json_phase(plan.phases[i].phase, 1);
        json_object_set_new(j, "minutes",
                            json_integer(plan.phases[i].minutes));
        json_array_append_new(phases, j);
    }
    return web_reply_json(
        w, 200,
        json_pack("{s:s,s:i,s:i,s:o}", "protocol", p->id, "minutes",
                  plan.minutes, "kneading_minutes", plan.kneading_minutes,
                  "phases", phases));
}

static json_t *instrument_summary(const struct instrument *in)
{
    return json_pack("{s:s,s:s,s:s,s:i,s:{s:f,s:f,s:s},s:s,s:o}", "code",
                     in->code, "name", in->name, "construct", in->construct,
                     "item_count", in->item_count, "total", "min",
                     in->total_min, "max", in->total_max, "unit", in->unit,
                     "direction", instrument_direction_name(in->direction),
                     "mcid", catalog_json_mcid(in));
}

static json_t *instrument_detail(const struct instrument *in)
{
    json_t *o = instrument_summary(in);
    json_object_set_new(o, "loinc",
                        in->loinc ? json_string(in->loinc) : json_null());
    json_object_set_new(o, "items", catalog_json_instrument_items(in, 0));
    json_object_set_new(o, "item_count_min", json_integer(in->item_count_min));
    json_object_set_new(o, "integer_items", json_boolean(in->integer_items));
    catalog_json_set_scoring(o, in);
    json_object_set_new(o, "mcid_source", json_string(in->mcid_source));
    json_object_set_new(o, "bands", catalog_json_instrument_bands(in));
    json_object_set_new(o, "accepts_value",
                        json_boolean(instrument_accepts_value(in)));
    return o;
}

int api_instruments_list(struct web_ctx *w)
{
    static const char *const paging[] = {"page", "per_page", NULL};
    int page, per_page;
    if (api_query_allow(w, paging) < 0 || api_page(w, &page, &per_page) < 0)
        return -1;
    json_t *items = json_array();
    int64_t first = (int64_t)(page - 1) * per_page;
    for (int i = 0; i < instrument_count(); i++)
        if (i >= first && i < first + per_page)
            json_array_append_new(items, instrument_summary(instrument_at(i)));
    return web_reply_json(
        w, 200, api_page_doc(items, page, per_page, instrument_count()));
}

int api_instrument_show(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    const char *code = route_param(&w->match, "code");
    const struct instrument *in = instrument_find(code);
    if (!in)
        return web_error(w, 404, "not_found", "code", "no instrument '%s'",
                         code);
    return web_reply_json(w, 200, instrument_detail(in));
}
