/* API JSON bodies and the clinic's pages' forms, signed in: the input's
 * first line is "METHOD TARGET" (a line starting "form " sends the rest
 * of it that way as application/x-www-form-urlencoded instead of JSON),
 * the rest the body; the request carries the admin's session cookie and
 * CSRF header and goes through web_handle on the synthetic clinic, reset
 * for each input (fuzz_request: "@CSRF@" and "@TOKEN@" are filled in). */
#include "fuzz_common.h"

FUZZ_INITIALIZE_CLINIC

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    if (!nl || nl == text)
        return 0;
    size_t line_len = (size_t)(nl - text);
    const char *ctype = "application/json";
    if (line_len > 5 && !memcmp(text, "form ", 5)) {
        ctype = "application/x-www-form-urlencoded";
        text += 5;
        line_len -= 5;
        size -= 5;
    }
    /* The request line may not hold a line end or NUL of its own. */
    if (memchr(text, '\r', line_len) || memchr(text, '\0', line_len))
        return 0;
    int status = fuzz_request(text, line_len, ctype, text + line_len + 1,
                              size - line_len - 1, 1);
    if (status >= 500 && status != 503)
        die("a signed-in request answered %d", status);
    return 0;
}
