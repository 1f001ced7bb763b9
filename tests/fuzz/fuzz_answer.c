/* The patient's page form answers (web/page_patient.c, prom/answer.c): the
 * input is the form body POSTed to /r/TOKEN of the synthetic clinic's
 * open invitation (NPRS and PSFS), reset for each input: the items read
 * (page_items_read), checked by the instruments' rules and recorded by
 * answer_submit. */
#include "fuzz_common.h"

FUZZ_INITIALIZE_CLINIC

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char line[] = "POST /r/@TOKEN@";
    int status =
        fuzz_request(line, sizeof(line) - 1,
                     "application/x-www-form-urlencoded",
                     (const char *)data, size, 0);
    if (status != 200 && status != 400 && status != 422 && status != 413)
        die("the patient's page answered %d", status);
    return 0;
}
