#include "prom/answer.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/util.h"
#include "prom/invitation.h"
#include "prom/token.h"
#include "record/actor.h"
#include "record/audit.h"
#include "record/clinic_key.h"
#include "record/observation.h"

#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fills the instruments of out from the invitation's JSON array of codes. */
static int instruments_read(const struct catalog *c, const char *codes,
                            struct answer_form *out, struct err *e)
{
    json_t *a = json_loads(codes ? codes : "", 0, NULL);
    int rc = 0;
    if (!json_is_array(a) || json_array_size(a) == 0 ||
        json_array_size(a) > ANSWER_MAX_INSTRUMENTS) {
        rc = err_set(e, ERR_FAIL, "instruments",
                     "invitation %lld holds no list of instruments",
                     (long long)out->invitation_id);
        goto done;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *code = json_string_value(json_array_get(a, i));
        const struct instrument *in = code ? instrument_find(code) : NULL;
        const struct instrument_wording *w =
            in ? catalog_wording(c, in->code) : NULL;
        if (!w) {
            rc = err_set(e, ERR_FAIL, "instruments",
                         "invitation %lld names '%.64s', which has no "
                         "question wording",
                         (long long)out->invitation_id, code ? code : "");
            goto done;
        }
        out->instruments[i].instrument = in;
        out->instruments[i].wording = w;
        out->instrument_count = (int)i + 1;
    }
done:
    json_decref(a);
    return rc;
}

/* Looks the token up and checks the invitation's state (answer_open). */
static int invitation_find(struct store *s, const struct catalog *c,
                           const char *token, struct answer_form *out,
                           struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (!token_well_formed(token))
        return err_set(e, ERR_NOT_FOUND, "token", "no such link");
    char hash[TOKEN_HASH_HEX_LEN];
    token_hash(token, hash);
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT i.id, i.episode_id, i.timepoint, i.channel, i.instruments,"
        " i.opens_at, i.expires_at, i.used_at, i.revoked_at, e.patient_id,"
        " p.name FROM invitation i JOIN episode e ON e.id = i.episode_id"
        " JOIN patient p ON p.id = e.patient_id WHERE i.token_hash = :hash",
        STORE_TEXT(":hash", hash));
    int rc = stmt_step(st, e);
    if (rc <= 0) {
        stmt_finalize(st);
        return rc < 0 ? -1
                      : err_set(e, ERR_NOT_FOUND, "token", "no such link");
    }
    char now[CLOCK_INSTANT_LEN], opens[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    out->invitation_id = stmt_int(st, 0);
    out->episode_id = stmt_int(st, 1);
    snprintf(out->timepoint, sizeof(out->timepoint), "%s", stmt_text(st, 2));
    snprintf(out->channel, sizeof(out->channel), "%s", stmt_text(st, 3));
    char *codes = xstrdup(stmt_text(st, 4) ? stmt_text(st, 4) : "");
    snprintf(opens, sizeof(opens), "%s", stmt_text(st, 5));
    snprintf(out->expires_at, sizeof(out->expires_at), "%s",
             stmt_text(st, 6));
    int used = !stmt_is_null(st, 7), revoked = !stmt_is_null(st, 8);
    out->patient_id = stmt_int(st, 9);
    invitation_first_name(stmt_text(st, 10), out->first_name, sizeof(out->first_name));
    stmt_finalize(st);
    rc = 0;
    if (used)
        rc = err_set(e, ERR_CONFLICT, "token",
                     "this link has been used: the questions were already "
                     "answered");
    else if (revoked)
        rc = err_set(e, ERR_CONFLICT, "token",
                     "this link has been withdrawn by the clinic");
    else if (strcmp(now, out->expires_at) >= 0)
        rc = err_set(e, ERR_CONFLICT, "token", "this link has expired");
    else if (strcmp(now, opens) < 0)
        rc = err_set(e, ERR_CONFLICT, "token",
                     "not open yet: the questions open on %.10s", opens);
    if (rc == 0)
        rc = instruments_read(c, codes, out, e);
    free(codes);
    if (rc == 0)
        rc = clinic_name(s, out->clinic, sizeof(out->clinic), e);
    return rc;
}

int answer_open(struct store *s, const struct catalog *c, const char *token,
                struct answer_form *out, struct err *e)
{
    return invitation_find(s, c, token, out, e);
}

/* The instrument's refusal names "item 4", "items" or "value": the page's
 * field is the question's, "CODE-item-4"; a refusal of the instrument as a
 * whole (items missing) names its first unanswered question, else "CODE".
 * The message is worded for the patient. */
static int answer_refuse(const struct instrument *in,
                         const struct answer_items *items,
                         const struct err *inner, struct err *e)
{
    int item;
    if (sscanf(inner->field, "item %d", &item) == 1 && item >= 1 &&
        item <= in->item_count) {
        if (in->integer_items)
            err_set(e, ERR_INPUT, "",
                    "choose a whole number from %g to %g for this question",
                    in->item_min[item - 1], in->item_max[item - 1]);
        else
            err_set(e, ERR_INPUT, "",
                    "give a number from %g to %g for this question",
                    in->item_min[item - 1], in->item_max[item - 1]);
        snprintf(e->field, sizeof(e->field), "%s-item-%d", in->code, item);
        return -1;
    }
    for (int i = 0; i < items->n && i < INSTRUMENT_MAX_ITEMS; i++)
        if (!items->present[i]) {
            err_set(e, ERR_INPUT, "", "please answer this question");
            snprintf(e->field, sizeof(e->field), "%s-item-%d", in->code,
                     i + 1);
            return -1;
        }
    err_set(e, ERR_INPUT, "", "%s", inner->message);
    snprintf(e->field, sizeof(e->field), "%s", in->code);
    return -1;
}

/* The session a pre invitation's answers belong to: the episode's first
 * session on the invitation's visit day, or *session_id 0 when none is
 * recorded yet. */
static int pre_session(struct store *s, int64_t invitation_id,
                       int64_t *session_id, struct err *e)
{
    *session_id = 0;
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT x.id FROM invitation i JOIN session x"
        " ON x.episode_id = i.episode_id"
        " AND substr(x.started_at, 1, 10) = i.visit_on"
        " WHERE i.id = :id ORDER BY x.started_at, x.id LIMIT 1",
        STORE_INT(":id", invitation_id));
    return stmt_one_int(st, session_id, e) < 0 ? -1 : 0;
}

/* Holds one instrument's answers of a pre invitation until the session of
 * its visit day is recorded (table held_answer), audited by the link. */
static int hold_answer(struct store *s, const struct actor *link,
                       const struct answer_form *form,
                       const struct observation_new *o, struct err *e)
{
    char *items = NULL;
    if (o->item_count) {
        json_t *a = json_array();
        for (size_t k = 0; k < o->item_count; k++)
            json_array_append_new(
                a, isnan(o->items[k]) ? json_null() : json_real(o->items[k]));
        items = json_dumps(a, JSON_COMPACT);
        json_decref(a);
    }
    struct stmt *st = STORE_QUERY(
        s,
        "INSERT INTO held_answer (invitation_id, instrument, items, value,"
        " answered_at) VALUES (:invitation, :instrument, :items, :value,"
        " :at)",
        STORE_INT(":invitation", form->invitation_id),
        STORE_TEXT(":instrument", o->instrument), STORE_TEXT(":items", items),
        STORE_TEXT(":at", o->observed_at));
    if (o->has_value)
        stmt_bind_double(st, ":value", o->value);
    int64_t id;
    int rc = stmt_insert(st, &id, e);
    free(items);
    if (rc < 0)
        return -1;
    return audit_append(s, link, "create", "held_answer", id,
                        form->patient_id, "ok", e);
}

int answer_submit(struct store *s, const struct catalog *c, const char *token,
                  const struct answer_items *items, int count,
                  const char *client, struct answer_form *form,
                  struct err *e)
{
    if (invitation_find(s, c, token, form, e) < 0)
        return -1;
    if (count != form->instrument_count)
        return err_set(e, ERR_INPUT, "instruments",
                       "answers for %d instruments, the questions have %d",
                       count, form->instrument_count);
    /* Every answer is checked before anything is written. */
    for (int i = 0; i < count; i++) {
        const struct instrument *in = form->instruments[i].instrument;
        struct score score;
        struct err inner = ERR_INIT;
        if (instrument_score(in, items[i].values, items[i].present,
                             items[i].n, &score, &inner) < 0)
            return answer_refuse(in, &items[i], &inner, e);
    }
    if (store_begin(s, e) < 0)
        return -1;
    /* Checked again inside the transaction: a second submit racing this
     * one finds the link used. */
    struct answer_form again;
    int rc = invitation_find(s, c, token, &again, e);
    char name[ACTOR_LINK_NAME_LEN];
    struct actor link;
    actor_link(&link, form->invitation_id, client, name);
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    /* Before a visit: the answers name the session of the visit's day, or
     * wait for it (held) when it has not been recorded yet. */
    int64_t session_id = 0;
    int pre = !strcmp(form->timepoint, "pre");
    if (rc == 0 && pre)
        rc = pre_session(s, form->invitation_id, &session_id, e);
    form->held = pre && session_id == 0;
    for (int i = 0; rc == 0 && i < count; i++) {
        const struct instrument *in = form->instruments[i].instrument;
        double values[INSTRUMENT_MAX_ITEMS];
        for (int k = 0; k < items[i].n; k++)
            values[k] = items[i].present[k] ? items[i].values[k] : NAN;
        struct observation_new o = {0};
        o.episode_id = form->episode_id;
        o.instrument = in->code;
        o.timepoint = form->timepoint;
        o.observed_at = now;
        o.source = "patient";
        o.invitation_id = form->invitation_id;
        o.session_id = session_id;
        if (instrument_accepts_value(in) && items[i].n == 1) {
            o.has_value = 1;
            o.value = values[0];
        } else {
            o.items = values;
            o.item_count = (size_t)items[i].n;
        }
        int64_t id;
        if (form->held)
            rc = hold_answer(s, &link, form, &o, e);
        else
            rc = observation_add_within(s, &link, &o, form->patient_id, &id, e);
    }
    if (rc == 0) {
        rc = STORE_RUN(s, e,
                       "UPDATE invitation SET used_at = :now WHERE id = :id"
                       " AND used_at IS NULL",
                       STORE_TEXT(":now", now),
                       STORE_INT(":id", form->invitation_id));
        if (rc == 0 && store_changes(s) != 1)
            rc = err_set(e, ERR_CONFLICT, "token",
                         "this link has been used: the questions were "
                         "already answered");
    }
    return store_end(s, rc, e);
}

int answer_live_invitation(struct store *s, int64_t episode_id,
                           const char *timepoint, int64_t *id,
                           char channel[8], struct err *e)
{
    *id = 0;
    channel[0] = '\0';
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT id, channel FROM invitation WHERE episode_id = :episode"
        " AND timepoint = :timepoint AND used_at IS NULL"
        " AND revoked_at IS NULL AND expires_at > :now"
        " ORDER BY id DESC LIMIT 1",
        STORE_INT(":episode", episode_id),
        STORE_TEXT(":timepoint", timepoint), STORE_TEXT(":now", now));
    int rc = stmt_step(st, e);
    if (rc == 1) {
        *id = stmt_int(st, 0);
        snprintf(channel, 8, "%s", stmt_text(st, 1));
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

int answer_invitation_of_episode(struct store *s, int64_t episode_id,
                                 int64_t id, char expires_at[CLOCK_INSTANT_LEN],
                                 int *used, int *revoked, struct err *e)
{
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT expires_at, used_at IS NOT NULL, revoked_at IS NOT NULL"
        " FROM invitation WHERE id = :id AND episode_id = :episode",
        STORE_INT(":id", id), STORE_INT(":episode", episode_id));
    int rc = stmt_step(st, e);
    if (rc == 1) {
        snprintf(expires_at, CLOCK_INSTANT_LEN, "%s", stmt_text(st, 0));
        *used = (int)stmt_int(st, 1);
        *revoked = (int)stmt_int(st, 2);
    }
    stmt_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_NOT_FOUND, "invitation",
                       "no invitation %lld of episode %lld", (long long)id,
                       (long long)episode_id);
    return rc < 0 ? -1 : 0;
}

int answer_link(struct store *s, int64_t invitation_id,
                const char *base_url_override, char *out, size_t n,
                struct err *e)
{
    char nonce[TOKEN_NONCE_HEX_LEN] = "";
    int rc = stmt_one_text(STORE_QUERY(s,
                                       "SELECT nonce FROM invitation"
                                       " WHERE id = :id",
                                       STORE_INT(":id", invitation_id)),
                           nonce, sizeof(nonce), e);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(e, ERR_NOT_FOUND, "invitation", "no invitation %lld",
                       (long long)invitation_id);
    char base[512] = "";
    if (base_url_override) {
        snprintf(base, sizeof(base), "%s", base_url_override);
    } else {
        struct stmt *st =
            store_prepare(s, "SELECT base_url FROM mail_config WHERE id = 1");
        if (stmt_one_text(st, base, sizeof(base), e) < 0)
            return -1;
    }
    size_t len = strlen(base);
    while (len && base[len - 1] == '/')
        base[--len] = '\0';
    if (!len)
        return err_set(e, ERR_INPUT, "base-url",
                       "no base URL for links: configure one with "
                       "'touchstone mail configure --base-url URL'");
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    if (clinic_key_load_secret(s, sk, e) < 0)
        return -1;
    char token[TOKEN_TEXT_LEN];
    rc = token_derive(sk, "invitation", nonce, token, e);
    sodium_memzero(sk, sizeof(sk));
    if (rc < 0)
        return -1;
    if ((size_t)snprintf(out, n, "%s/r/%s", base, token) >= n)
        rc = err_set(e, ERR_INPUT, "base-url", "the base URL is too long");
    sodium_memzero(token, sizeof(token));
    return rc;
}
