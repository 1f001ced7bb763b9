/*
 * physician_report: the progress report a therapist sends to the referring
 * physician, as one self-contained HTML page (inline CSS and SVG, no
 * script, no external resource) that prints on one or two pages.
 *
 * It holds: the clinic, the patient (name, date of birth, sex), the
 * referral (physician, date, reason, ICD-10-CM codes), the episode
 * (protocol, diagnosis, therapist with credentials and NPI, dates,
 * status), the sessions (date, minutes, phases, the primary instrument
 * before and after), an SVG chart of the primary instrument (baseline,
 * per-session scores before and after, follow-ups, the MCID band and the
 * responder line: svg_chart.h), the change of every instrument against its
 * MCID, the therapist compared with peers (the national registry when a
 * document was pulled, else this clinic alone, saying so:
 * physician_report_peers_json) (from the outcome report, outcomes/report.h:
 * baseline, discharge or latest, improvement, responder, follow-up, sustained),
 * and the plan (the last session's plan, the course and follow-ups the protocol
 * foresees).
 *
 * The primary instrument is the first of the protocol's primary
 * instruments the episode has scores of, else the first instrument
 * scored. Everything is read through the record and outcome layers with
 * the caller's access rules and audit entries; ERR_NOT_FOUND (field
 * "episode") when the caller may not see the episode. Every value from
 * the record is escaped.
 */
#ifndef TS_DOCUMENTS_PHYSICIAN_REPORT_H
#define TS_DOCUMENTS_PHYSICIAN_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "record/actor.h"
#include "record/episode.h"
#include "store/store.h"

/* Appends the whole HTML document of the episode's report to out. On
 * failure out may hold part of a page: discard it. */
int physician_report_html(struct store *s, const struct actor *caller,
                          int64_t episode_id, struct buf *out,
                          struct err *e);

/*
 * The therapist of the episode compared with peers, for the episode's
 * protocol (docs/outcomes.md, "The physician's report"): a new reference
 * (the caller json_decref()s it), or NULL with e filled.
 *   {"episode", "practitioner", "protocol",
 *    "source": "registry" | "clinic",
 *    "sentence": "against N therapists in M clinics" (registry) or
 *                "Compared against this clinic alone: <why>." (clinic),
 *    registry only: "clinics", "practitioners", "pulled_at",
 *    "groups": [{"protocol", "instrument", "n", "mean_improvement",
 *                "observed_minus_expected" (the therapist's cell),
 *                registry: "national_n_complete",
 *                  "national_mean_improvement", "national_withheld",
 *                  "national_cells", "percentile" (among the nation's
 *                  published cells, outcomes/national.h);
 *                clinic: "clinic_n_complete", "clinic_mean_improvement",
 *                  "clinic_cells", "percentile" (among this clinic's
 *                  published cells of the group: 100 x (cells below +
 *                  half the cells equal) / cells, null when none)}]}
 * The groups are the therapist's cells (complete episodes) of the
 * protocol. ERR_NOT_FOUND (field "episode") when the caller may not see
 * the episode; ERR_AUTH when it may not read the therapist's outcomes.
 */
json_t *physician_report_peers_json(struct store *s, const struct actor *caller,
                                    int64_t episode_id, struct err *e);

/*
 * Appends the SVG outcome chart of one instrument (NULL: the primary, as
 * above) of an episode the caller has already read (episode_show), for
 * pages that show it apart from the report. baseline_override is used as
 * the baseline when finite (the outcome report's baseline), else the
 * first "baseline" score is. Returns 0, or -1 when the episode has no
 * score of that instrument (nothing appended).
 */
int physician_report_chart(const struct episode_detail *d,
                           const char *instrument, double baseline_override,
                           struct buf *out);

/* The total of an episode's first "baseline" score of the instrument
 * code, or NAN when it has none. Allocates nothing. */
double physician_report_baseline(const struct episode_detail *d,
                                 const char *code);

#endif
