/* Bulk NDJSON rows: fuzz_import_csv.c with --format ndjson. */
#define FUZZ_FORMAT "ndjson"
#include "fuzz_import_csv.c"
