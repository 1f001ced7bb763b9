/* Form and query decoding (web/http.h): application/x-www-form-urlencoded
 * bodies and query strings (http_form_parse), percent-decoding
 * (http_percent_decode) and a request target split into path and query
 * (http_request_set_target), each on the input as it is. */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct http_pairs pairs = HTTP_PAIRS_INIT;
    struct err e = ERR_INIT;
    if (http_form_parse(text, size, &pairs, &e) == 0)
        for (size_t i = 0; i < pairs.count; i++)
            (void)http_pairs_get(&pairs, pairs.items[i].name, 1);
    http_pairs_release(&pairs);
    free(http_percent_decode(text, size, 1));
    free(http_percent_decode(text, size, 0));
    /* A target is a C string: up to the first NUL. */
    char *target = xstrndup(text, size);
    struct http_request req;
    http_request_init(&req);
    e = (struct err)ERR_INIT;
    if (http_request_set_target(&req, target, &e) == 0) {
        struct http_pairs q = HTTP_PAIRS_INIT;
        (void)http_form_parse(req.query, strlen(req.query), &q, &e);
        http_pairs_release(&q);
    }
    http_request_release(&req);
    free(target);
    return 0;
}
