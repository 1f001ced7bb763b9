#include "record/observation.h"
#include "catalog/instrument.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/episode.h"
#include "record/internal.h"
#include "record/summary.h"
#include "record/validate.h"
#include "core/buf.h"
#include "core/util.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const timepoints[] = {"baseline", "pre", "post",
                                         "followup"};

int observation_timepoint_valid(const char *timepoint)
{
    return str_in(timepoint, timepoints, ARRAY_SIZE(timepoints));
}

int observation_compute_total(const char *instrument, const double *items,
                              size_t n, const double *value, double *total,
                              struct err *e)
{
    if ((n > 0) == (value != NULL))
        return err_set(e, ERR_INPUT, "items",
                       "give either item responses or a single value");
    const struct instrument *in = instrument_find(instrument);
    if (!in)
        return err_set(e, ERR_INPUT, "instrument",
                       "'%.64s' is not an instrument of the catalog (see "
                       "'touchstone instrument list')",
                       instrument ? instrument : "");
    struct score score;
    struct err inner = ERR_INIT;
    int rc;
    if (value) {
        if (!instrument_accepts_value(in))
            return err_set(e, ERR_INPUT, "value",
                           "%s takes item responses (--items), not a single "
                           "value",
                           in->code);
        rc = instrument_score(in, value, NULL, 1, &score, &inner);
    } else {
        if (n > INSTRUMENT_MAX_ITEMS)
            return err_set(e, ERR_INPUT, "items",
                           "%s needs at most %d items, got %zu", in->code,
                           in->item_count, n);
        int present[INSTRUMENT_MAX_ITEMS];
        for (size_t i = 0; i < n; i++)
            present[i] = !isnan(items[i]);
        rc = instrument_score(in, items, present, (int)n, &score, &inner);
    }
    if (rc < 0) {
        /* The scoring rule names the item ("item 4", "systolic"); the
         * field is the option that carried it. */
        const char *field = value ? "value" : "items";
        if (!strcmp(inner.field, "items") || !strcmp(inner.field, "value") ||
            !inner.field[0] || value)
            return err_set(e, ERR_INPUT, field, "%s", inner.message);
        return err_set(e, ERR_INPUT, field, "%s: %s", inner.field,
                       inner.message);
    }
    *total = score.total;
    return 0;
}

/* Field checks; *total is the score. */
int observation_validate(const struct observation_new *in,
                         char observed_at[CLOCK_INSTANT_LEN], double *total,
                         struct err *e)
{
    if (in->episode_id <= 0)
        return err_set(e, ERR_INPUT, "episode", "missing");
    if (in->session_id < 0)
        return err_set(e, ERR_INPUT, "session", "'%lld' is not a record id",
                       (long long)in->session_id);
    if (validate_slug(in->instrument, "instrument", e) < 0 ||
        validate_one_of(in->timepoint, "timepoint", timepoints,
                        ARRAY_SIZE(timepoints), e) < 0)
        return -1;
    int around_session =
        !strcmp(in->timepoint, "pre") || !strcmp(in->timepoint, "post");
    if (around_session && in->session_id == 0)
        return err_set(e, ERR_INPUT, "session",
                       "a %s measure names its session", in->timepoint);
    if (!strcmp(in->timepoint, "followup") && in->session_id)
        return err_set(e, ERR_INPUT, "session",
                       "a follow-up comes after discharge, not at a session");
    if (validate_past_instant(in->observed_at, "at", observed_at, e) < 0)
        return -1;
    if (in->source && strcmp(in->source, "clinic") &&
        strcmp(in->source, "patient") && strcmp(in->source, "import"))
        return err_set(e, ERR_INPUT, "source",
                       "'%.32s' is not one of clinic, patient, import",
                       in->source);
    if (in->invitation_id < 0)
        return err_set(e, ERR_INPUT, "invitation",
                       "'%lld' is not a record id",
                       (long long)in->invitation_id);
    if (in->item_count > OBSERVATION_ITEMS_MAX)
        return err_set(e, ERR_INPUT, "items", "more than %d items",
                       OBSERVATION_ITEMS_MAX);
    if (in->item_count > 0 && in->has_value)
        return err_set(e, ERR_INPUT, "value",
                       "give either --items or --value, not both");
    if (in->item_count == 0 && !in->has_value)
        return err_set(e, ERR_INPUT, "value",
                       "missing (give --items or --value)");
    return observation_compute_total(in->instrument, in->items,
                                     in->item_count,
                                     in->has_value ? &in->value : NULL, total,
                                     e);
}

int observation_check_episode(const struct observation_new *in,
                              const char *observed_at,
                              const struct episode *ep, int historical,
                              struct err *e)
{
    if (strncmp(observed_at, ep->started_on, 10) < 0)
        return err_set(e, ERR_INPUT, "at",
                       "'%s' is before the episode's start (%s)",
                       in->observed_at, ep->started_on);
    if (!strcmp(in->timepoint, "followup")) {
        if (!ep->ended_on[0])
            return err_set(e, ERR_CONFLICT, "timepoint",
                           "episode %lld is still open; a follow-up comes "
                           "after discharge",
                           (long long)ep->id);
        if (strncmp(observed_at, ep->ended_on, 10) < 0)
            return err_set(e, ERR_INPUT, "at",
                           "'%s' is before the episode's end (%s)",
                           in->observed_at, ep->ended_on);
    } else if (ep->ended_on[0] && !historical) {
        return err_set(e, ERR_CONFLICT, "timepoint",
                       "episode %lld was closed on %s; after discharge only "
                       "a followup is recorded",
                       (long long)ep->id, ep->ended_on);
    } else if (ep->ended_on[0] &&
               strncmp(observed_at, ep->ended_on, 10) > 0) {
        return err_set(e, ERR_INPUT, "at",
                       "'%s' is after the episode's end (%s); after "
                       "discharge only a followup is recorded",
                       in->observed_at, ep->ended_on);
    }
    return 0;
}

int observation_check_session(const struct observation_new *in,
                              const char *observed_at,
                              int64_t session_episode_id,
                              const char *session_started_at, struct err *e)
{
    if (session_episode_id != in->episode_id)
        return err_set(e, ERR_INPUT, "session",
                       "session %lld belongs to another episode",
                       (long long)in->session_id);
    if (!strcmp(in->timepoint, "post") &&
        strcmp(observed_at, session_started_at) < 0)
        return err_set(e, ERR_INPUT, "at",
                       "'%s' is before the session began (%s)",
                       in->observed_at, session_started_at);
    return 0;
}

static int observation_check(struct store *s, const struct observation_new *in,
                             const char *observed_at, struct err *e)
{
    struct episode ep;
    if (episode_load(s, in->episode_id, "episode", &ep, e) < 0 ||
        observation_check_episode(in, observed_at, &ep, 0, e) < 0)
        return -1;
    if (in->session_id) {
        struct stmt *st = STORE_QUERY(
            s, "SELECT episode_id, started_at FROM session WHERE id = :id",
            STORE_INT(":id", in->session_id));
        int rc = stmt_step(st, e);
        int64_t episode = rc == 1 ? stmt_int(st, 0) : 0;
        char start[CLOCK_INSTANT_LEN] = "";
        if (rc == 1)
            record_copy(start, sizeof(start), stmt_text(st, 1));
        stmt_finalize(st);
        if (rc < 0)
            return -1;
        /* A session of another episode (maybe one the caller may not
         * see) answers as a missing one: ids cannot be probed. */
        if (rc == 0 || episode != in->episode_id)
            return record_not_found(e, "session", "session", in->session_id);
        if (observation_check_session(in, observed_at, episode, start, e) <
            0)
            return -1;
    }
    return 0;
}

char *observation_items_json(const double *items, size_t n)
{
    /* Whole numbers and gaps only (nearly every instrument): written
     * directly, as jansson would write them. */
    struct buf b = BUF_INIT;
    buf_putc(&b, '[');
    size_t i;
    for (i = 0; i < n; i++) {
        double v = items[i];
        if (!isnan(v) && !(v == floor(v) && fabs(v) < 1e15))
            break;
        if (i)
            buf_putc(&b, ',');
        if (isnan(v)) {
            buf_puts(&b, "null");
        } else {
            /* "%lld", by hand: millions of these in a bulk import. */
            char digits[24];
            long long w = (long long)v;
            unsigned long long u = w < 0 ? 0ULL - (unsigned long long)w
                                         : (unsigned long long)w;
            int k = (int)sizeof(digits);
            do {
                digits[--k] = (char)('0' + u % 10);
                u /= 10;
            } while (u);
            if (w < 0)
                digits[--k] = '-';
            buf_add(&b, digits + k, sizeof(digits) - (size_t)k);
        }
    }
    if (i == n) {
        buf_putc(&b, ']');
        return buf_detach(&b, NULL);
    }
    buf_release(&b);
    json_t *a = json_array();
    for (i = 0; i < n; i++) {
        double v = items[i];
        if (isnan(v))
            json_array_append_new(a, json_null());
        else if (v == floor(v) && fabs(v) < 1e15)
            json_array_append_new(a, json_integer((json_int_t)v));
        else
            json_array_append_new(a, json_real(v));
    }
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    if (!text)
        die("out of memory writing JSON");
    return text;
}

static int observation_write(struct store *s, const struct observation_new *in,
                             const char *observed_at, double total,
                             int64_t *id, struct err *e)
{
    char *items = in->item_count
                      ? observation_items_json(in->items, in->item_count)
                      : NULL;
    struct stmt *st = STORE_QUERY(
        s,
        "INSERT INTO observation (episode_id, session_id, instrument,"
        " timepoint, observed_at, items, total, source, invitation_id,"
        " created_at) VALUES (:episode, :session, :instrument,"
        " :timepoint, :at, :items, :total, :source, :invitation, :now)",
        STORE_INT(":episode", in->episode_id),
        STORE_ID(":session", in->session_id),
        STORE_TEXT(":instrument", in->instrument),
        STORE_TEXT(":timepoint", in->timepoint), STORE_TEXT(":at", observed_at),
        STORE_TEXT(":items", items), STORE_DOUBLE(":total", total),
        STORE_TEXT(":source", in->source ? in->source : "clinic"),
        STORE_ID(":invitation", in->invitation_id));
    int rc = record_insert(st, id, e);
    free(items);
    if (rc < 0)
        return -1;
    /* The episode's outcome summary changes with it, in this transaction
     * (its rows written only where they change). */
    struct summary_added added = {in->instrument, in->timepoint,
                                  in->session_id};
    return summary_refresh_added(s, in->episode_id, &added, e);
}

int observation_insert(struct store *s, const struct observation_new *in,
                       int64_t *id, struct err *e)
{
    char observed_at[CLOCK_INSTANT_LEN];
    double total;
    if (observation_validate(in, observed_at, &total, e) < 0 ||
        observation_check(s, in, observed_at, e) < 0)
        return -1;
    return observation_write(s, in, observed_at, total, id, e);
}

int observation_add(struct store *s, const struct actor *caller,
                    const struct observation_new *in, int64_t *id,
                    struct err *e)
{
    char observed_at[CLOCK_INSTANT_LEN];
    double total;
    if (observation_validate(in, observed_at, &total, e) < 0)
        return -1;
    int64_t patient = 0;
    if (record_begin_checked(s, caller, "create", "observation", 0, 0,
                             in->episode_id, "episode", &patient, e) < 0)
        return -1;
    int rc = observation_check(s, in, observed_at, e);
    if (rc == 0)
        rc = observation_write(s, in, observed_at, total, id, e);
    return audit_end(s, caller, "create", "observation", *id, patient, rc, e);
}

int observation_add_within(struct store *s, const struct actor *caller,
                           const struct observation_new *in,
                           int64_t patient_id, int64_t *id, struct err *e)
{
    if (observation_insert(s, in, id, e) < 0)
        return -1;
    return audit_append(s, caller, "create", "observation", *id, patient_id,
                        "ok", e);
}

#define OBSERVATION_SELECT                                                   \
    "SELECT o.id, o.episode_id, o.session_id, o.instrument, o.timepoint,"    \
    " o.observed_at, o.items, o.total, CASE WHEN o.timepoint = 'followup'"   \
    " AND e.ended_on IS NOT NULL THEN CAST(julianday(substr(o.observed_at,"  \
    " 1, 10)) - julianday(e.ended_on) AS INTEGER) ELSE -1 END, o.created_at" \
    " FROM observation o JOIN episode e ON e.id = o.episode_id"

/* Parses the stored items (a JSON array written by items_json). */
static void items_parse(const char *text, struct observation *out)
{
    if (!text)
        return;
    json_t *a = json_loads(text, 0, NULL);
    if (json_is_array(a) && json_array_size(a) > 0) {
        out->item_count = json_array_size(a);
        out->items = xcalloc(out->item_count, sizeof(*out->items));
        for (size_t i = 0; i < out->item_count; i++) {
            json_t *v = json_array_get(a, i);
            out->items[i] = json_is_number(v) ? json_number_value(v) : NAN;
        }
    }
    json_decref(a);
}

static void observation_row(struct stmt *st, void *item)
{
    struct observation *out = item;
    memset(out, 0, sizeof(*out));
    out->id = stmt_int(st, 0);
    out->episode_id = stmt_int(st, 1);
    out->session_id = stmt_int(st, 2);
    record_copy(out->instrument, sizeof(out->instrument), stmt_text(st, 3));
    record_copy(out->timepoint, sizeof(out->timepoint), stmt_text(st, 4));
    record_copy(out->observed_at, sizeof(out->observed_at), stmt_text(st, 5));
    items_parse(stmt_text(st, 6), out);
    out->total = stmt_double(st, 7);
    out->followup_days = (long)stmt_int(st, 8);
    record_copy(out->created_at, sizeof(out->created_at), stmt_text(st, 9));
}

void observation_release(struct observation *o)
{
    free(o->items);
    memset(o, 0, sizeof(*o));
}

static void observation_release_item(void *item)
{
    observation_release(item);
}

/* observation_load, observation_get: an observation follows its episode;
 * its item responses come with its row. */
RECORD_KIND_DEFINE(observation, OBSERVATION_SELECT " WHERE o.id = :id",
                   observation_row, NULL, observation_release_item, 1,
                   episode_id)

int observation_query(struct store *s, int64_t episode_id,
                      struct observation_list *out, struct err *e)
{
    int rc = RECORD_SELECT(s, out, observation_row, e,
                           OBSERVATION_SELECT " WHERE o.episode_id = :episode"
                                              " ORDER BY o.observed_at, o.id",
                           STORE_INT(":episode", episode_id));
    return RELEASE_ON_FAILURE(rc, observation_list_release, out);
}

/* observation_list: an episode's observations. */
RECORD_LIST_DEFINE(observation, 1, "episode")

ARRAY_LIST_RELEASE_EACH(observation, observation_release)
