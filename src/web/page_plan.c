/* The catalog's fidelity checks for the session pages, in plain arrays
 * (their plans come from record/fidelity.h's fidelity_plan), so the session pages need not mix the catalog's
 * delivered phases with the record's session phases. */
#include "catalog/plan.h"
#include "core/util.h"
#include "web/pages.h"

#include <stdio.h>
#include <string.h>

int page_fidelity(const struct protocol *p, const char *const *names,
                  const int *minutes, int n, int session_minutes,
                  char (*messages)[PAGE_FINDING_MAX], int max, struct err *e)
{
    struct delivered_phase phases[PROTOCOL_MAX_PHASES * 2];
    if (n > (int)ARRAY_SIZE(phases))
        return err_set(e, ERR_INPUT, "phase", "at most %zu phases",
                       ARRAY_SIZE(phases));
    for (int i = 0; i < n; i++) {
        phases[i].name = names[i];
        phases[i].minutes = minutes[i];
    }
    struct fidelity out;
    if (plan_check_fidelity(p, phases, n, session_minutes, &out, e) < 0)
        return -1;
    int count = 0;
    for (int i = 0; i < out.count && count < max; i++, count++)
        snprintf(messages[count], PAGE_FINDING_MAX, "%s",
                 out.findings[i].message);
    return count;
}
