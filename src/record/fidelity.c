#include "record/fidelity.h"
#include "catalog/plan.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>

size_t fidelity_check(const struct protocol *p, const char *const *names,
                      const int *minutes, size_t n, int session_minutes,
                      char (*codes)[FIDELITY_CODE_MAX + 1],
                      char (*messages)[FIDELITY_MESSAGE_MAX], size_t max)
{
    struct delivered_phase *phases = xcalloc(n ? n : 1, sizeof(*phases));
    for (size_t i = 0; i < n; i++) {
        phases[i].name = names[i];
        phases[i].minutes = minutes[i];
    }
    struct fidelity out;
    struct err e = ERR_INIT;
    int found = plan_check_fidelity(p, phases, (int)n, session_minutes, &out,
                                    &e);
    free(phases);
    /* The record validated the phases already; a refusal here is a bug. */
    if (found < 0)
        BUG("fidelity check refused validated phases: %s", e.message);
    size_t count = 0;
    for (int i = 0; i < out.count && count < max; i++, count++) {
        snprintf(codes[count], FIDELITY_CODE_MAX + 1, "%s",
                 out.findings[i].code);
        snprintf(messages[count], FIDELITY_MESSAGE_MAX, "%s",
                 out.findings[i].message);
    }
    return count;
}

int fidelity_plan(const struct protocol *p, int minutes, const char **names,
                  int *phase_minutes, int max, struct err *e)
{
    struct plan plan;
    if (plan_make(p, minutes, &plan, e) < 0)
        return -1;
    int n = 0;
    for (int i = 0; i < plan.phase_count && n < max; i++, n++) {
        names[n] = plan.phases[i].phase->name;
        phase_minutes[n] = plan.phases[i].minutes;
    }
    return n;
}
