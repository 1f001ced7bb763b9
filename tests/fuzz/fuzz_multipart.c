/* Multipart uploads (web/page_verify.c, RFC 7578): the public /verify
 * page's POST. The input's first line is the rest of the Content-Type
 * after "multipart/form-data" (its boundary parameter), the rest the body;
 * answered by web_handle on the synthetic clinic. */
#include "fuzz_common.h"

FUZZ_INITIALIZE_CLINIC

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    if (!nl)
        return 0;
    size_t params = (size_t)(nl - text);
    if (params > 200 || memchr(text, '\r', params) ||
        memchr(text, '\0', params))
        return 0;
    char ctype[256];
    snprintf(ctype, sizeof(ctype), "multipart/form-data%.*s", (int)params,
             text);
    static const char line[] = "POST /verify";
    int status = fuzz_request(line, sizeof(line) - 1, ctype, nl + 1,
                              size - params - 1, 0);
    if (status >= 500)
        die("the verify page answered %d", status);
    return 0;
}
