/* The HTTP request path: the input is one raw request, answered as
 * `touchstone test-http` answers it (http_request_parse, then web_handle
 * on the synthetic clinic, reset for each input; unauthenticated unless
 * the input carries a cookie). */
#include "fuzz_common.h"

FUZZ_INITIALIZE_CLINIC

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store *s = fuzz_clinic_open();
    struct http_response resp;
    fuzz_http(&fuzz_clinic.cfg, s, (const char *)data, size, &resp);
    if (resp.status < 100 || resp.status > 599)
        die("an answer with status %d", resp.status);
    http_response_release(&resp);
    store_close(s);
    return 0;
}
