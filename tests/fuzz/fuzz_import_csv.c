/* Bulk CSV rows (cli/import_export.c, record/bulk.h): `touchstone import
 * --kind KIND --format csv FILE` on the input as FILE, into the synthetic
 * clinic (reset for each input). The first byte picks the kind
 * (practitioners, training, patients, referrals, episodes, sessions,
 * observations); the rest is the file. Every third input goes with
 * --skip-bad, which writes the bad rows back out. */
#include "fuzz_common.h"
#include "record/bulk.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT "csv"
#endif

static char path[128], rejects[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_clinic_build();
    snprintf(path, sizeof(path), "%s", fuzz_path("rows"));
    snprintf(rejects, sizeof(rejects), "%s", fuzz_path("rejects"));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum bulk_kind kind = (enum bulk_kind)(data[0] % BULK_KIND_COUNT);
    fuzz_write_file(path, data + 1, size - 1);
    fuzz_clinic_reset();
    const char *argv[] = {"import", "--kind", bulk_kind_name(kind),
                          "--format", FUZZ_FORMAT, path,
                          "--skip-bad", rejects, NULL};
    int argc = (data[0] / BULK_KIND_COUNT) % 3 == 2 ? 8 : 6;
    (void)fuzz_cli_argv(fuzz_clinic.db, 0, argc, argv);
    return 0;
}
