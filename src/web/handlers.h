/*
 * handlers: every route handler, for the route table in web.c. Each
 * follows the contract of context.h (0 with a reply, or -1 with w->err).
 * Internal to web/.
 */
#ifndef TS_WEB_HANDLERS_H
#define TS_WEB_HANDLERS_H

#include "web/context.h"

/* api_session.c: logging in and out. web_login() checks a login and
 * starts a session (setting the cookie), or fails with 401 or 429. */
int web_login(struct web_ctx *w, const char *email, const char *password,
              struct websession *ws);
int api_session_create(struct web_ctx *w);
int api_session_show(struct web_ctx *w);
int api_session_delete(struct web_ctx *w);

/* api_record.c: the clinical record. */
int api_practitioners_list(struct web_ctx *w);
int api_practitioners_create(struct web_ctx *w);
int api_practitioner_show(struct web_ctx *w);
int api_training_list(struct web_ctx *w);
int api_training_create(struct web_ctx *w);
int api_patients_list(struct web_ctx *w);
int api_patients_create(struct web_ctx *w);
int api_patient_show(struct web_ctx *w);
int api_patient_referrals(struct web_ctx *w);
int api_patient_referrals_create(struct web_ctx *w);
int api_referrals_list(struct web_ctx *w);
int api_referrals_create(struct web_ctx *w);
int api_referral_show(struct web_ctx *w);
int api_episodes_list(struct web_ctx *w);
int api_episodes_create(struct web_ctx *w);
int api_episode_show(struct web_ctx *w);
int api_episode_close(struct web_ctx *w);
int api_sessions_list(struct web_ctx *w);
int api_sessions_create(struct web_ctx *w);
int api_observations_list(struct web_ctx *w);
int api_observations_create(struct web_ctx *w);

/* api_catalog.c: protocols, plans and instruments. */
int api_protocols_list(struct web_ctx *w);
int api_protocol_show(struct web_ctx *w);
int api_protocol_plan(struct web_ctx *w);
int api_instruments_list(struct web_ctx *w);
int api_instrument_show(struct web_ctx *w);

/* api_report.c: outcome reports, certificates, the clinic's public key
 * and the designation thresholds. */
int api_episode_report(struct web_ctx *w);
int api_practitioner_report(struct web_ctx *w);
int api_registry_report(struct web_ctx *w);
int api_certificates_create(struct web_ctx *w);
int api_certificates_list(struct web_ctx *w);
int api_certificate_show(struct web_ctx *w);
int api_certificate_revoke(struct web_ctx *w);
int api_certificates_verify(struct web_ctx *w);
int api_clinic_public_key(struct web_ctx *w);
int api_thresholds_show(struct web_ctx *w);
int api_threshold_update(struct web_ctx *w);
/* api_fhir.c: FHIR R4 (docs/fhir.md). api_fhir_reply_error() writes
 * w->err as an OperationOutcome (application/fhir+json) with the status. */
int api_fhir_metadata(struct web_ctx *w);
int api_fhir_patient_read(struct web_ctx *w);
int api_fhir_patient_everything(struct web_ctx *w);
int api_fhir_observation_search(struct web_ctx *w);
int api_fhir_transaction(struct web_ctx *w);
/* The instruments' Questionnaires (those with wording) and one by code. */
int api_fhir_questionnaire_search(struct web_ctx *w);
int api_fhir_questionnaire_read(struct web_ctx *w);
/* POST /fhir/r4/QuestionnaireResponse: one response, scored and recorded
 * (201, Location QuestionnaireResponse/{observation id}). */
int api_fhir_questionnaire_response_create(struct web_ctx *w);
void api_fhir_reply_error(struct web_ctx *w, int status);

/* pages.c: the HTML foundation. */
int page_home(struct web_ctx *w);
int page_login_form(struct web_ctx *w);
int page_login_submit(struct web_ctx *w);
int page_logout(struct web_ctx *w);
int page_asset(struct web_ctx *w);

/* page_physician_link.c: the physician's page of a report link. */
int page_physician_link(struct web_ctx *w);

#endif
