#include "record/scope.h"
#include "catalog/catalog.h"
#include "record/fidelity.h"
#include "record/internal.h"
#include "record/validate.h"
#include "core/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct catalog *shipped;
static pthread_once_t shipped_once = PTHREAD_ONCE_INIT;

static void load_shipped(void)
{
    struct err e = ERR_INIT;
    if (catalog_load(NULL, &shipped, &e) < 0)
        BUG("the shipped catalog does not load: %s", e.message);
}

const struct catalog *scope_catalog(const struct catalog *given)
{
    if (given)
        return given;
    pthread_once(&shipped_once, load_shipped);
    return shipped;
}

const struct protocol *scope_protocol(const struct catalog *cat,
                                      const char *protocol_id,
                                      const char *field, struct err *e)
{
    if (validate_slug(protocol_id, field, e) < 0)
        return NULL;
    const struct protocol *p = catalog_find(scope_catalog(cat), protocol_id);
    if (!p)
        err_set(e, ERR_INPUT, field,
                "'%s' is not a protocol of the catalog (see 'touchstone "
                "catalog list')",
                protocol_id);
    return p;
}

/* The hours practitioner_id has and needs for p: of the baseline and of
 * p itself. -1 when the database could not be read, else 0. */
static int missing_hours(struct store *s, const struct catalog *cat,
                         int64_t practitioner_id, const struct protocol *p,
                         double *baseline_have, double *baseline_need,
                         double *own_have, double *own_need)
{
    *own_need = protocol_required_hours(p);
    *own_have = training_hours(s, practitioner_id, p->id);
    *baseline_need =
        protocol_requires_baseline(p) ? catalog_baseline_hours(cat) : 0;
    *baseline_have = *baseline_need > 0
                         ? training_hours(s, practitioner_id,
                                          CATALOG_BASELINE_ID)
                         : 0;
    return *own_have < 0 || *baseline_have < 0 ? -1 : 0;
}

/* 1 when practitioner_id is trained for p, 0 when not, -1 when the
 * database could not be read. */
static int trained(struct store *s, const struct catalog *cat,
                   int64_t practitioner_id, const struct protocol *p)
{
    double bh, bn, oh, on;
    if (missing_hours(s, cat, practitioner_id, p, &bh, &bn, &oh, &on) < 0)
        return -1;
    return bh >= bn && oh >= on && oh > 0;
}

/* A failed read of the training is a failure, never a refusal: nobody is
 * told a therapist lacks training because a disk failed. */
static int unreadable(int64_t practitioner_id, struct err *e)
{
    return err_set(e, ERR_FAIL, "practitioner",
                   "unable to read the training of practitioner %lld",
                   (long long)practitioner_id);
}

int scope_check(struct store *s, const struct catalog *cat,
                int64_t practitioner_id, const struct protocol *p,
                struct buf *note, struct err *e)
{
    cat = scope_catalog(cat);
    int is_trained = trained(s, cat, practitioner_id, p);
    if (is_trained > 0)
        return 0;
    double bh, bn, oh, on;
    if (is_trained < 0 ||
        missing_hours(s, cat, practitioner_id, p, &bh, &bn, &oh, &on) < 0)
        return unreadable(practitioner_id, e);
    char missing[256] = "";
    size_t len = 0;
    if (bh < bn)
        len += (size_t)snprintf(missing, sizeof(missing),
                                "%g of the %g hours of %s training", bh, bn,
                                CATALOG_BASELINE_ID);
    if (oh < on || oh <= 0)
        snprintf(missing + len, sizeof(missing) - len,
                 "%s%g of the %g hours of %s training", len ? " and " : "",
                 oh, on, p->id);
    err_set(e, ERR_SCOPE, "practitioner",
            "practitioner %lld is not trained in %s (has %s): refer the "
            "patient to a trained colleague",
            (long long)practitioner_id, p->id, missing);
    if (!note)
        return -1;
    buf_printf(note,
               "Outside scope of practice: practitioner %lld has %s for "
               "the %s protocol (%s).\n",
               (long long)practitioner_id, missing, p->id, p->name);
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT id, name FROM practitioner WHERE active = 1 AND id <> :id"
        " ORDER BY name, id",
        STORE_INT(":id", practitioner_id));
    int any = 0, rc;
    struct err ignored = ERR_INIT;
    while ((rc = stmt_step(st, &ignored)) == 1) {
        int64_t other = stmt_int(st, 0);
        int other_trained = trained(s, cat, other, p);
        if (other_trained < 0) {
            rc = -1;
            break;
        }
        if (!other_trained)
            continue;
        if (!any++)
            buf_puts(note, "Trained colleagues to refer to:\n");
        buf_printf(note, "  %lld  %s\n", (long long)other, stmt_text(st, 1));
    }
    stmt_finalize(st);
    if (rc < 0)
        return unreadable(practitioner_id, e);
    if (!any)
        buf_puts(note, "No practitioner of the clinic is trained in it: "
                       "refer the patient outside the clinic.\n");
    return -1;
}

int scope_screen(const struct protocol *p, const struct screen_answer *answers,
                 size_t count, char flag[RECORD_CODE_MAX + 1],
                 struct buf *note, struct err *e)
{
    flag[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        if (validate_slug(answers[i].question_id, "red-flag", e) < 0)
            return -1;
        if (!protocol_red_flag_find(p, answers[i].question_id)) {
            struct buf ids = BUF_INIT;
            for (int k = 0; k < p->red_flag_count; k++)
                buf_printf(&ids, "%s%s", k ? ", " : "", p->red_flags[k].id);
            err_set(e, ERR_INPUT, "red-flag",
                    "'%s' is not a red flag of %s (its flags: %s)",
                    answers[i].question_id, p->id, ids.data);
            buf_release(&ids);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(answers[i].question_id, answers[j].question_id))
                return err_set(e, ERR_INPUT, "red-flag",
                               "'%s' is answered more than once",
                               answers[i].question_id);
    }
    for (size_t i = 0; i < count; i++) {
        if (!answers[i].yes)
            continue;
        const struct protocol_red_flag *rf =
            protocol_red_flag_find(p, answers[i].question_id);
        record_copy(flag, RECORD_CODE_MAX + 1, rf->id);
        err_set(e, ERR_REFUSED, "red-flag",
                "'%s' answered yes: do not start %s; refer the patient to a "
                "physician first",
                flag, p->id);
        if (note)
            buf_printf(note,
                       "Referral note: at screening for %s (%s), the patient "
                       "answered yes to red flag '%s': \"%s\" Massage is not "
                       "started. Please assess the patient; treatment may "
                       "begin once a physician clears it.\n",
                       p->name, p->id, rf->id, rf->question);
        return -1;
    }
    struct buf unanswered = BUF_INIT;
    for (int k = 0; k < p->red_flag_count; k++) {
        int answered = 0;
        for (size_t i = 0; i < count && !answered; i++)
            answered = !strcmp(answers[i].question_id, p->red_flags[k].id);
        if (!answered)
            buf_printf(&unanswered, "%s%s", unanswered.len ? ", " : "",
                       p->red_flags[k].id);
    }
    if (unanswered.len) {
        err_set(e, ERR_INPUT, "red-flag",
                "not answered: %.300s (answer each with --red-flag ID=yes|no "
                "or --screen FILE)",
                unanswered.data);
        buf_release(&unanswered);
        return -1;
    }
    buf_release(&unanswered);
    return 0;
}

void scope_fidelity(const struct protocol *p, int minutes,
                    const struct session_phase *phases, size_t phase_count,
                    struct session_finding **findings, size_t *count)
{
    *findings = NULL;
    *count = 0;
    if (phase_count == 0) {
        *findings = xcalloc(1, sizeof(**findings));
        record_copy((*findings)[0].code, sizeof((*findings)[0].code),
                    "phases-not-recorded");
        snprintf((*findings)[0].message, sizeof((*findings)[0].message),
                 "no phases were recorded, so fidelity to %s cannot be "
                 "checked",
                 p->id);
        *count = 1;
        return;
    }
    const char **names = xcalloc(phase_count, sizeof(*names));
    int *mins = xcalloc(phase_count, sizeof(*mins));
    for (size_t i = 0; i < phase_count; i++) {
        names[i] = phases[i].name;
        mins[i] = phases[i].minutes;
    }
    enum { MAX = 24 };
    char codes[MAX][FIDELITY_CODE_MAX + 1];
    char messages[MAX][FIDELITY_MESSAGE_MAX];
    size_t n = fidelity_check(p, names, mins, phase_count, minutes, codes,
                              messages, MAX);
    free(names);
    free(mins);
    if (!n)
        return;
    *findings = xcalloc(n, sizeof(**findings));
    for (size_t i = 0; i < n; i++) {
        record_copy((*findings)[i].code, sizeof((*findings)[i].code),
                    codes[i]);
        record_copy((*findings)[i].message, sizeof((*findings)[i].message),
                    messages[i]);
    }
    *count = n;
}
