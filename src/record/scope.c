#include "record/scope.h"
#include "record/internal.h"
#include "record/validate.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Hours of training protocol_id needs of its own, beyond the full-body
 * baseline: any completed training (more than 0 hours). */
static double protocol_required_hours(const char *protocol_id)
{
    if (!strcmp(protocol_id, SCOPE_FULL_BODY_PROTOCOL))
        return SCOPE_FULL_BODY_HOURS;
    return 0.0;
}

/* 1 when the practitioner's training covers the protocol; fills the hours
 * they have (baseline and protocol-specific). */
static int trained(struct store *s, int64_t practitioner_id,
                   const char *protocol_id, double *baseline, double *own)
{
    double need = protocol_required_hours(protocol_id);
    *baseline = training_hours(s, practitioner_id, SCOPE_FULL_BODY_PROTOCOL);
    *own = training_hours(s, practitioner_id, protocol_id);
    if (*baseline < SCOPE_FULL_BODY_HOURS)
        return 0;
    return need > 0 ? *own >= need : *own > 0;
}

int scope_check(struct store *s, int64_t practitioner_id,
                const char *protocol_id, struct buf *note, struct err *e)
{
    double baseline, own;
    if (trained(s, practitioner_id, protocol_id, &baseline, &own))
        return 0;
    char missing[256];
    int full_body = !strcmp(protocol_id, SCOPE_FULL_BODY_PROTOCOL);
    if (baseline < SCOPE_FULL_BODY_HOURS)
        snprintf(missing, sizeof(missing),
                 "%g of the %g hours of %s training%s", baseline,
                 SCOPE_FULL_BODY_HOURS, SCOPE_FULL_BODY_PROTOCOL,
                 full_body || own > 0 ? "" : ", and no training in the "
                                             "protocol");
    else
        snprintf(missing, sizeof(missing), "no training in %.64s",
                 protocol_id);
    err_set(e, ERR_SCOPE, "practitioner",
            "practitioner %lld is not trained in %.64s (has %s): refer the "
            "patient to a trained colleague",
            (long long)practitioner_id, protocol_id, missing);
    if (!note)
        return -1;
    buf_printf(note, "Outside scope of practice: practitioner %lld has %s "
                     "for the %s protocol.\n",
               (long long)practitioner_id, missing, protocol_id);
    struct stmt *st = store_prepare(
        s, "SELECT id, name FROM practitioner WHERE active = 1 AND id <> :id"
           " ORDER BY name, id");
    stmt_bind_int(st, ":id", practitioner_id);
    int any = 0;
    struct err ignored = ERR_INIT;
    while (stmt_step(st, &ignored) == 1) {
        double b, o;
        int64_t other = stmt_int(st, 0);
        if (!trained(s, other, protocol_id, &b, &o))
            continue;
        if (!any++)
            buf_puts(note, "Trained colleagues to refer to:\n");
        buf_printf(note, "  %lld  %s\n", (long long)other, stmt_text(st, 1));
    }
    stmt_finalize(st);
    if (!any)
        buf_puts(note, "No practitioner of the clinic is trained in it: "
                       "refer the patient outside the clinic.\n");
    return -1;
}

int scope_screen(const char *protocol_id, const struct screen_answer *answers,
                 size_t count, char flag[RECORD_CODE_MAX + 1],
                 struct buf *note, struct err *e)
{
    flag[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        if (validate_slug(answers[i].question_id, "red-flag", e) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(answers[i].question_id, answers[j].question_id))
                return err_set(e, ERR_INPUT, "red-flag",
                               "'%s' is answered more than once",
                               answers[i].question_id);
    }
    for (size_t i = 0; i < count; i++) {
        if (!answers[i].yes)
            continue;
        record_copy(flag, RECORD_CODE_MAX + 1, answers[i].question_id);
        err_set(e, ERR_REFUSED, "red-flag",
                "'%s' answered yes: do not start %.64s; refer the patient "
                "to a physician first",
                flag, protocol_id);
        if (note)
            buf_printf(note,
                       "Red flag '%s' answered yes at screening for the %s "
                       "protocol. Massage is not started. Refer the patient "
                       "to their physician for assessment; treatment may "
                       "begin once the physician clears it.\n",
                       flag, protocol_id);
        return -1;
    }
    return 0;
}

static void finding_add(struct session_finding **findings, size_t *count,
                        const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void finding_add(struct session_finding **findings, size_t *count,
                        const char *code, const char *fmt, ...)
{
    *findings = xrealloc(*findings, (*count + 1) * sizeof(**findings));
    struct session_finding *f = &(*findings)[(*count)++];
    record_copy(f->code, sizeof(f->code), code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
}

void scope_fidelity(const char *protocol_id, int minutes,
                    const struct session_phase *phases, size_t phase_count,
                    struct session_finding **findings, size_t *count)
{
    (void)protocol_id;
    (void)minutes;
    *findings = NULL;
    *count = 0;
    if (phase_count == 0)
        return;
    if (strcmp(phases[0].name, "introductory") != 0)
        finding_add(findings, count, "introductory-not-first",
                    "the session begins with %s, not introductory massage",
                    phases[0].name);
    long total = 0, kneading = 0;
    for (size_t i = 0; i < phase_count; i++) {
        total += phases[i].minutes;
        if (!strcmp(phases[i].name, "kneading"))
            kneading += phases[i].minutes;
    }
    if (total > 0 && 2 * kneading < total)
        finding_add(findings, count, "kneading-under-half",
                    "kneading took %ld of %ld minutes of the procedure, "
                    "less than half",
                    kneading, total);
}
