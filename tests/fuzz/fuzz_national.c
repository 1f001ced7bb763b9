/* The national document a clinic pulls from its registry (registry/batch.h
 * registry_national_store, outcomes/national.h): what a registry answers
 * is read by the clinic, so a hostile or broken registry is a stranger
 * too. The input is the document; the harness signs its canonical JSON
 * with the key the synthetic clinic pinned at enrolment (so that the
 * fuzzer reaches past the signature), stores it, reads it back
 * (national_load) and compares the clinic's cells with it
 * (national_compare), as the therapist's report does. */
#include "fuzz_common.h"
#include "outcomes/national.h"
#include "outcomes/signing.h"
#include "record/actor.h"
#include "record/clinic_key.h"
#include "registry/batch.h"

static unsigned char pk[SIGNING_PUBLIC_BYTES], sk[SIGNING_SECRET_BYTES];
static char pinned[CLINIC_KEY_PUBLIC_BASE64_LEN];
static json_t *cells, *clinic;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_clinic_build();
    crypto_sign_keypair(pk, sk);
    clinic_key_public_base64(pk, pinned);
    /* The clinic enrolled with the registry whose key is pk. */
    fuzz_clinic_reset();
    struct store *s;
    struct err e = ERR_INIT;
    if (store_open(fuzz_clinic.db, STORE_EXISTING, &s, &e) < 0)
        die("fuzz: %s", e.message);
    struct registry_link link;
    memset(&link, 0, sizeof(link));
    snprintf(link.url, sizeof(link.url), "http://registry.example");
    link.clinic_id = 1;
    snprintf(link.status, sizeof(link.status), "approved");
    snprintf(link.public_key, sizeof(link.public_key), "%s", pinned);
    snprintf(link.enrolled_at, sizeof(link.enrolled_at), "%s", FUZZ_NOW);
    if (registry_link_save(s, &actor_cli, &link, &e) < 0)
        die("fuzz: registry_link_save: %s", e.message);
    store_close(s);
    free(fuzz_clinic.image);
    fuzz_clinic.image = fuzz_read_file(fuzz_clinic.db, &fuzz_clinic.image_len);
    /* A therapist's cells and the clinic's groups, as the report gives
     * them to national_compare. */
    cells = json_pack(
        "[{ss ss sI sf sf sb}, {ss ss sI sf sn sb}]", "protocol",
        "low-back-pain", "instrument", "nprs", "n_complete", (json_int_t)12,
        "observed_minus_expected", 0.4, "mean_improvement", 2.5,
        "suppressed", 0, "protocol", "low-back-pain", "instrument", "odi",
        "n_complete", (json_int_t)3, "mean_improvement", 8.0,
        "observed_minus_expected", "suppressed", 1);
    clinic = json_pack("[{ss ss sI sf}]", "protocol", "low-back-pain",
                       "instrument", "nprs", "n_complete", (json_int_t)40,
                       "mean_improvement", 2.1);
    if (!cells || !clinic)
        die("fuzz: cells");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size,
                             JSON_REJECT_DUPLICATES, NULL);
    if (!doc)
        return 0;
    json_t *answer = signing_envelope(doc, "document", sk);
    if (!answer)
        return 0;
    struct store *s = fuzz_clinic_open();
    struct err e = ERR_INIT;
    if (answer && registry_national_store(s, &actor_cli, answer, pinned,
                                          &e) == 0) {
        char pulled[CLOCK_INSTANT_LEN];
        struct err e2 = ERR_INIT;
        json_t *back = national_load(s, pulled, &e2);
        if (!back)
            die("a stored national document does not read back: %s",
                e2.message);
        json_decref(back);
        json_t *cmp = national_compare(s, cells, clinic);
        free(json_dumps(cmp, JSON_COMPACT));
        json_decref(cmp);
    }
    json_decref(answer);
    store_close(s);
    return 0;
}
