/* Certificate JSON (outcomes/certificate.h): certificate_verify() on the
 * input as a certificate document, as `touchstone verify` and the public
 * /verify page read one; the claims of a valid one are checked again. */
#include "fuzz_common.h"
#include "outcomes/certificate.h"
#include "outcomes/signing.h"

FUZZ_INITIALIZE_SODIUM

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *claims = NULL;
    unsigned char pk[SIGNING_PUBLIC_BYTES];
    struct err e = ERR_INIT;
    if (certificate_verify((const char *)data, size, NULL, &claims, pk,
                           &e) == 0) {
        struct err e2 = ERR_INIT;
        if (certificate_check_claims(claims, &e2) < 0)
            die("a verified certificate's claims fail: %s", e2.message);
        json_decref(claims);
    }
    return 0;
}
