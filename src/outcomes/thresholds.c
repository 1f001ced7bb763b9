#include "outcomes/thresholds.h"
#include "record/access.h"
#include "record/audit.h"
#include "core/clock.h"
#include "core/number.h"
#include "core/util.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const struct threshold_def {
    const char *name;
    size_t offset;
    double fallback, min, max;
    int whole;
    const char *description;
} defs[] = {
    {"min_episodes", offsetof(struct thresholds, min_episodes), 20, 1,
     100000, 1, "complete episodes a cell needs before any designation"},
    {"responder_lower_bound",
     offsetof(struct thresholds, responder_lower_bound), 0.5, 0, 1, 0,
     "Wilson 95% lower bound the responder rate must reach"},
    {"sustained_rate", offsetof(struct thresholds, sustained_rate), 0.7, 0,
     1, 0, "share of responders with a follow-up still responders then"},
    {"followup_coverage", offsetof(struct thresholds, followup_coverage),
     0.5, 0, 1, 0, "share of complete episodes with a follow-up"},
    {"model_min_per_predictor",
     offsetof(struct thresholds, model_min_per_predictor), 10, 1, 1000, 1,
     "complete episodes per predictor before the risk model is fitted"},
};

static double *field(struct thresholds *t, int i)
{
    return (double *)((char *)t + defs[i].offset);
}

void thresholds_default(struct thresholds *t)
{
    for (size_t i = 0; i < ARRAY_SIZE(defs); i++)
        *field(t, (int)i) = defs[i].fallback;
}

int thresholds_count(void) { return (int)ARRAY_SIZE(defs); }

static int check_index(int i)
{
    if (i < 0 || i >= (int)ARRAY_SIZE(defs))
        BUG("threshold index %d", i);
    return i;
}

const char *thresholds_name(int i) { return defs[check_index(i)].name; }

const char *thresholds_description(int i)
{
    return defs[check_index(i)].description;
}

void thresholds_range(int i, double *min, double *max, int *whole)
{
    check_index(i);
    *min = defs[i].min;
    *max = defs[i].max;
    *whole = defs[i].whole;
}

static int find(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_SIZE(defs); i++)
        if (!strcmp(defs[i].name, name))
            return (int)i;
    return -1;
}

int thresholds_load(struct store *s, struct thresholds *out, struct err *e)
{
    thresholds_default(out);
    struct stmt *st =
        store_prepare(s, "SELECT name, value FROM designation_threshold");
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        int i = find(stmt_text(st, 0));
        double v = stmt_double(st, 1);
        if (i >= 0 && v >= defs[i].min && v <= defs[i].max)
            *field(out, i) = v;
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

json_t *thresholds_to_json(const struct thresholds *t)
{
    json_t *o = json_object();
    for (size_t i = 0; i < ARRAY_SIZE(defs); i++) {
        double v = *field((struct thresholds *)t, (int)i);
        json_object_set_new(o, defs[i].name,
                            defs[i].whole ? json_integer((json_int_t)v)
                                          : json_real(v));
    }
    return o;
}

int thresholds_set(struct store *s, const struct actor *caller,
                   const char *name, const char *value_text, struct err *e)
{
    if (access_manage(caller, "change designation thresholds", e) < 0)
        return -1;
    int i = find(name);
    if (i < 0) {
        char names[256] = "";
        for (size_t k = 0; k < ARRAY_SIZE(defs); k++) {
            if (k)
                strcat(names, ", ");
            strcat(names, defs[k].name);
        }
        return err_set(e, ERR_INPUT, "name", "'%.64s' is not one of %s",
                       name ? name : "", names);
    }
    const struct threshold_def *d = &defs[i];
    double v;
    if (parse_decimal(value_text, &v) < 0)
        return err_set(e, ERR_INPUT, "value", "'%.64s' is not a number",
                       value_text ? value_text : "");
    if (v < d->min || v > d->max)
        return err_set(e, ERR_INPUT, "value",
                       "%g is out of range for %s (%g to %g)", v, d->name,
                       d->min, d->max);
    if (d->whole && v != floor(v))
        return err_set(e, ERR_INPUT, "value",
                       "%g is not a whole number (%s counts episodes)", v,
                       d->name);
    if (store_begin(s, e) < 0)
        return -1;
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    struct stmt *st = store_prepare(
        s, "INSERT INTO designation_threshold (name, value, updated_at)"
           " VALUES (:name, :value, :now) ON CONFLICT (name) DO UPDATE SET"
           " value = excluded.value, updated_at = excluded.updated_at");
    stmt_bind_text(st, ":name", d->name);
    stmt_bind_double(st, ":value", v);
    stmt_bind_text(st, ":now", now);
    int rc = stmt_step(st, e) < 0 ? -1 : 0;
    stmt_finalize(st);
    if (rc == 0)
        rc = audit_append(s, caller, "update", "designation_threshold", 0, 0,
                          "ok", e);
    if (rc < 0) {
        store_rollback(s);
        return -1;
    }
    return store_commit(s, e);
}
