/* QuestionnaireResponse (documents/fhir_import.c): a score imported alone,
 * as `touchstone import fhir` and POST /fhir/r4/QuestionnaireResponse take
 * it. fuzz_fhir_import.c with the input's root made a
 * QuestionnaireResponse, so that every input reaches its reader. */
#define FUZZ_FORCE_TYPE "QuestionnaireResponse"
#include "fuzz_fhir_import.c"
