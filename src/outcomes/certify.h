/*
 * certify: issues the signed certificate of a practitioner's designation
 * in one cell (docs/certificates.md for the document, docs/outcomes.md
 * for the criteria), or refuses when the cell does not meet it.
 *
 * The claims: the clinic's name; the practitioner's id, name and licence;
 * protocol; instrument; designation; "metrics" (the cell's numbers as in
 * report_cell_json, with n_episodes, n_adjusted and the instrument's MCID);
 * "thresholds" (every criterion of the designation, each with "name",
 * "criterion", "required", "observed" and "met": true); "registry" (the
 * risk model's n, R² and note); "data_window" (the earliest start and the
 * latest end of the complete episodes); "data_sha256" (SHA-256 of the
 * canonical JSON of the de-identified episode summaries below); and
 * "definitions" naming the definitions' version.
 *
 * The de-identified summaries (one object per complete episode of the
 * cell, ordered by start date then episode): start and end years, the age
 * at the start ("90+" from 90 on), sex, chronicity_weeks, comorbidities,
 * sessions, baseline, discharge, followup, followup_days, improvement,
 * responder, sessions_to_response, response_event, sustained. No id,
 * name, date finer than the year, or note.
 */
#ifndef TS_OUTCOMES_CERTIFY_H
#define TS_OUTCOMES_CERTIFY_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "outcomes/benchmark.h"
#include "record/actor.h"
#include "store/store.h"

#define CERTIFY_DEFINITIONS "touchstone-outcomes/1"

struct certify_request {
    int64_t practitioner_id;  /* "practitioner" */
    const char *protocol;     /* "protocol" */
    const char *instrument;   /* "instrument": NULL to take the one cell of
                               * the protocol that is designated */
    enum designation wanted;  /* DESIGNATION_NONE: the highest one met */
};

/*
 * Checks the request and the cell, builds the claims and signs them with
 * the clinic's key (clinic_key_load_secret, certificate_sign). An admin
 * certifies any practitioner, a therapist only themself (anyone else gets
 * ERR_AUTH, field "practitioner", audited as "denied"). Refuses with ERR_REFUSED, field the first unmet
 * criterion's name ("min_episodes", "responder_lower_bound", "mcid", ...)
 * and a message with the required and observed values, when the cell does
 * not meet the designation; ERR_NOT_FOUND (field "practitioner") for an
 * unknown practitioner, (field "instrument") when the practitioner has no
 * such cell; ERR_INPUT (field "instrument") when no instrument was named
 * and several cells qualify. One transaction, audited ("create",
 * "certificate", the practitioner's id); the document is kept in the
 * register of issued certificates (outcomes/register.h) in it.
 *
 * Returns the certificate document (one line ending in "\n"; free() it)
 * and, when data is not NULL, *data: a new reference to the de-identified
 * summaries whose hash the certificate holds. NULL with e on failure.
 */
char *certify_issue(struct store *s, const struct actor *caller,
                    const struct certify_request *req, json_t **data,
                    struct err *e);

/* The de-identified summaries of a cell's complete episodes, as above
 * (today's date pools ages: see certify.c). New reference, or NULL with e
 * filled. Reads only, inside or outside a transaction. */
json_t *certify_cell_data(struct store *s, const char *protocol,
                          const char *instrument, int64_t practitioner_id,
                          struct err *e);

#endif
