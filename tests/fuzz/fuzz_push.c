/* The registry's push format (registry/ingest.h): registry_push_read() on
 * the input as a push body, the parse that every POST /v1/push goes
 * through before anything touches PostgreSQL. */
#include "fuzz_common.h"
#include "registry/ingest.h"

FUZZ_INITIALIZE_SODIUM

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct registry_push p;
    memset(&p, 0, sizeof(p));
    struct err e = ERR_INIT;
    (void)registry_push_read((const char *)data, size, &p, &e);
    registry_push_release(&p);
    return 0;
}
