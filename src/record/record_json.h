/*
 * record_json: the record's structs as JSON (jansson), one shape for the
 * command line's --json and the web API. Each function returns a new
 * reference (json_decref() it); dates and instants are ISO 8601 strings,
 * absent optional fields are null. A limited practitioner has only id and
 * name.
 */
#ifndef TS_RECORD_RECORD_JSON_H
#define TS_RECORD_RECORD_JSON_H

#include <jansson.h>

#include "record/episode.h"
#include "record/observation.h"
#include "record/patient.h"
#include "record/practitioner.h"
#include "record/referral.h"
#include "record/session.h"
#include "record/training.h"

json_t *practitioner_to_json(const struct practitioner *p);
/* The practitioner's fields (all of them only when not limited)
 * with a "training" array when not limited. */
json_t *practitioner_detail_to_json(const struct practitioner_detail *d);
json_t *training_to_json(const struct training *t);
json_t *patient_to_json(const struct patient *p);
/* The patient's fields with "referrals" and "episodes" arrays. */
json_t *patient_detail_to_json(const struct patient_detail *d);
json_t *referral_to_json(const struct referral *r);
json_t *episode_to_json(const struct episode *ep);
/* The episode's fields with "sessions" (each with "phases", "findings"
 * and its "observations") and the episode-level "observations" (baseline
 * and follow-up, and any not tied to a session). */
json_t *episode_detail_to_json(const struct episode_detail *d);
json_t *session_to_json(const struct session *se);
json_t *observation_to_json(const struct observation *o);

/* Lists as JSON arrays. */
json_t *practitioner_list_to_json(const struct practitioner_list *l);
json_t *patient_list_to_json(const struct patient_list *l);
json_t *episode_list_to_json(const struct episode_list *l);

#endif
