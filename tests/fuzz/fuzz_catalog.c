/* Catalog JSON (catalog/catalog.h): the input is a clinic's catalog file
 * laid over the shipped catalog by catalog_load(), as `--catalog DIR`
 * reads it. The first byte says where it goes: DIR/clinic.json (groups,
 * codes, protocols), DIR/protocols/clinic.json, or DIR/wording/CODE.json
 * (an instrument's wording; the second byte picks CODE). */
#include "fuzz_common.h"

#include <sys/stat.h>

static const char *const codes[] = {
    "nprs", "odi", "ndi", "hit6", "pss10", "fiqr", "psqi", "isi",
    "act", "rpq", "pcss", "headache-days", "bp", "pvr", "lefs", "psfs",
};
static char dir[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof(dir), "%s", fuzz_path("catalog"));
    char sub[160];
    mkdir(dir, 0700);
    snprintf(sub, sizeof(sub), "%s/protocols", dir);
    mkdir(sub, 0700);
    snprintf(sub, sizeof(sub), "%s/wording", dir);
    mkdir(sub, 0700);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    char path[200];
    switch (data[0] % 3) {
    case 0:
        snprintf(path, sizeof(path), "%s/clinic.json", dir);
        break;
    case 1:
        snprintf(path, sizeof(path), "%s/protocols/clinic.json", dir);
        break;
    default:
        snprintf(path, sizeof(path), "%s/wording/%s.json", dir,
                 codes[data[1] % (sizeof(codes) / sizeof(codes[0]))]);
    }
    fuzz_write_file(path, data + 2, size - 2);
    struct catalog *c = NULL;
    struct err e = ERR_INIT;
    if (catalog_load(dir, &c, &e) == 0) {
        /* What the clinic's pages read of a loaded catalog. */
        for (int i = 0; i < catalog_protocol_count(c); i++) {
            const struct protocol *p = catalog_protocol_at(c, i);
            (void)catalog_total_hours(c, p);
            (void)catalog_code_title(c, p->id);
        }
        catalog_free(c);
    }
    unlink(path);
    return 0;
}
