/* plan: session plans and fidelity. See plan.h. */
#include "catalog/plan.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Whole minutes a phase may take in a session of m minutes: its minimum
 * share rounded up, its maximum share rounded down (integer arithmetic, so
 * 0.1 x 30 is exactly 3). */
static int phase_low(const struct protocol_phase *ph, int m)
{
    return (ph->min_permille * m + 999) / 1000;
}

static int phase_high(const struct protocol_phase *ph, int m)
{
    return ph->max_permille * m / 1000;
}

int plan_fits(const struct protocol *p, int minutes)
{
    if (minutes <= 0)
        return 0;
    int low = 0, high = 0;
    for (int i = 0; i < p->phase_count; i++) {
        int lo = phase_low(&p->phases[i], minutes);
        int hi = phase_high(&p->phases[i], minutes);
        if (lo > hi)
            return 0;
        low += lo;
        high += hi;
    }
    return low <= minutes && minutes <= high;
}

int plan_make(const struct protocol *p, int minutes, struct plan *out,
              struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (minutes < p->minutes_min || minutes > p->minutes_max)
        return err_set(e, ERR_REFUSED, "minutes",
                       "%d minutes is outside the %d-%d minutes of %s",
                       minutes, p->minutes_min, p->minutes_max, p->id);
    if (!plan_fits(p, minutes))
        return err_set(e, ERR_REFUSED, "minutes",
                       "%d minutes cannot be split in whole minutes within "
                       "the phase shares of %s (allowed %d-%d minutes)",
                       minutes, p->id, p->minutes_min, p->minutes_max);
    if (p->phase_count > PROTOCOL_MAX_PHASES)
        BUG("protocol '%s' has too many phases", p->id);
    long mid_total = 0;
    int used = 0;
    for (int i = 0; i < p->phase_count; i++) {
        mid_total += p->phases[i].min_permille + p->phases[i].max_permille;
        out->phases[i].phase = &p->phases[i];
        out->phases[i].minutes = phase_low(&p->phases[i], minutes);
        used += out->phases[i].minutes;
    }
    /* Target of phase i: minutes x mid_i / mid_total. Compare deficits
     * scaled by mid_total to stay in integers. */
    while (used < minutes) {
        int best = -1;
        long best_deficit = 0;
        for (int i = 0; i < p->phase_count; i++) {
            const struct protocol_phase *ph = &p->phases[i];
            if (out->phases[i].minutes >= phase_high(ph, minutes))
                continue;
            long mid = ph->min_permille + ph->max_permille;
            long deficit = (long)minutes * mid -
                           (long)out->phases[i].minutes * mid_total;
            if (best < 0 || deficit > best_deficit) {
                best = i;
                best_deficit = deficit;
            }
        }
        if (best < 0)
            BUG("plan for '%s' at %d minutes: no room left", p->id, minutes);
        out->phases[best].minutes++;
        used++;
    }
    out->protocol = p;
    out->minutes = minutes;
    out->phase_count = p->phase_count;
    for (int i = 0; i < p->phase_count; i++)
        if (p->phases[i].kind == PHASE_KNEADING)
            out->kneading_minutes += out->phases[i].minutes;
    if (out->kneading_minutes * 2 < minutes)
        BUG("plan for '%s' at %d minutes breaks the kneading rule", p->id,
            minutes);
    return 0;
}

static void add_finding(struct fidelity *out, const char *code,
                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_finding(struct fidelity *out, const char *code,
                        const char *fmt, ...)
{
    out->found++;
    if (out->count >= FIDELITY_MAX_FINDINGS)
        return;
    struct fidelity_finding *f = &out->findings[out->count++];
    f->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
}

static int phase_index(const struct protocol *p, const char *name)
{
    for (int i = 0; i < p->phase_count; i++)
        if (!strcasecmp(p->phases[i].name, name))
            return i;
    return -1;
}

int plan_check_fidelity(const struct protocol *p,
                        const struct delivered_phase *phases, int n,
                        int session_minutes, struct fidelity *out,
                        struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (n < 0 || (n > 0 && !phases))
        return err_set(e, ERR_INPUT, "phases", "no phases given");
    if (session_minutes <= 0 || session_minutes > 1440)
        return err_set(e, ERR_INPUT, "minutes",
                       "%d is not a session length in minutes (1-1440)",
                       session_minutes);
    for (int i = 0; i < n; i++) {
        char field[32];
        snprintf(field, sizeof(field), "phases[%d]", i);
        if (!phases[i].name || !phases[i].name[strspn(phases[i].name,
                                                       " \t")])
            return err_set(e, ERR_INPUT, field, "the phase has no name");
        if (phases[i].minutes < 0 || phases[i].minutes > 1440)
            return err_set(e, ERR_INPUT, field,
                           "%d is not a number of minutes (0-1440)",
                           phases[i].minutes);
    }

    int spent[PROTOCOL_MAX_PHASES] = {0};
    int seen[PROTOCOL_MAX_PHASES] = {0};
    int total = 0;
    for (int i = 0; i < n; i++) {
        total += phases[i].minutes;
        int k = phase_index(p, phases[i].name);
        if (k >= 0) {
            spent[k] += phases[i].minutes;
            seen[k] = 1;
        }
    }

    /* introductory-not-first */
    int first = n > 0 ? phase_index(p, phases[0].name) : -1;
    if (first < 0 || p->phases[first].kind != PHASE_INTRODUCTORY)
        add_finding(out, FIDELITY_INTRODUCTORY_NOT_FIRST,
                    n == 0 ? "no phase was recorded; %s begins with its "
                             "introductory phase '%s'"
                           : "%s begins with its introductory phase '%s', "
                             "not with the phase recorded first",
                    p->id, p->phases[0].name);

    /* unknown-phase, once per name */
    for (int i = 0; i < n; i++) {
        if (phase_index(p, phases[i].name) >= 0)
            continue;
        int repeat = 0;
        for (int j = 0; j < i; j++)
            if (!strcasecmp(phases[j].name, phases[i].name))
                repeat = 1;
        if (!repeat)
            add_finding(out, FIDELITY_UNKNOWN_PHASE,
                        "'%.60s' is not a phase of %s", phases[i].name,
                        p->id);
    }

    /* phase-out-of-order: first occurrences must follow the protocol */
    int last = -1;
    for (int i = 0; i < n; i++) {
        int k = phase_index(p, phases[i].name);
        if (k < 0)
            continue;
        int earlier = 0;
        for (int j = 0; j < i; j++)
            if (phase_index(p, phases[j].name) == k)
                earlier = 1;
        if (earlier)
            continue;
        if (k < last) {
            add_finding(out, FIDELITY_PHASE_OUT_OF_ORDER,
                        "'%s' came after '%s'; %s places it before",
                        p->phases[k].name, p->phases[last].name, p->id);
            continue;
        }
        last = k;
    }

    /* phase-missing */
    for (int k = 0; k < p->phase_count; k++)
        if (!seen[k] || spent[k] == 0)
            add_finding(out, FIDELITY_PHASE_MISSING,
                        "phase '%s' of %s was not delivered",
                        p->phases[k].name, p->id);

    /* kneading-under-half (of the procedure time: the session's minutes) */
    int kneading = 0;
    for (int k = 0; k < p->phase_count; k++)
        if (p->phases[k].kind == PHASE_KNEADING)
            kneading += spent[k];
    if (kneading * 2 < session_minutes)
        add_finding(out, FIDELITY_KNEADING_UNDER_HALF,
                    "kneading took %d of %d minutes, under half the "
                    "procedure time", kneading, session_minutes);

    /* share-out-of-range, for delivered phases */
    for (int k = 0; k < p->phase_count; k++) {
        if (!seen[k] || spent[k] == 0)
            continue;
        const struct protocol_phase *ph = &p->phases[k];
        long scaled = (long)spent[k] * 1000;
        if (scaled < (long)ph->min_permille * session_minutes ||
            scaled > (long)ph->max_permille * session_minutes)
            add_finding(out, FIDELITY_SHARE_OUT_OF_RANGE,
                        "phase '%s' took %d of %d minutes, outside its "
                        "share %d.%03d-%d.%03d", ph->name, spent[k],
                        session_minutes, ph->min_permille / 1000,
                        ph->min_permille % 1000, ph->max_permille / 1000,
                        ph->max_permille % 1000);
    }

    if (total != session_minutes)
        add_finding(out, FIDELITY_MINUTES_MISMATCH,
                    "the phases add up to %d minutes, the session lasted %d",
                    total, session_minutes);

    if (session_minutes < p->minutes_min || session_minutes > p->minutes_max)
        add_finding(out, FIDELITY_LENGTH_OUT_OF_RANGE,
                    "the session lasted %d minutes, outside the %d-%d "
                    "minutes of %s", session_minutes, p->minutes_min,
                    p->minutes_max, p->id);
    return out->found;
}
