/* The study CSV (cli/cmd_study.c): `touchstone study analyze FILE` on the
 * input as FILE, its read (libcsv, the table's rules) and the analysis
 * (stats/study.h) of what it accepts. */
#include "fuzz_common.h"

static char path[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(path, sizeof(path), "%s", fuzz_path("study.csv"));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(path, data, size);
    const char *argv[] = {"study", "analyze", path, NULL};
    /* Both outputs: the text and --json. */
    (void)fuzz_cli_argv(NULL, size & 1, 3, argv);
    return 0;
}
