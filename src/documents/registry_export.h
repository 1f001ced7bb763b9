/*
 * registry_export: the de-identified registry export, following HIPAA
 * Safe Harbor (45 CFR 164.514(b)(2)) through the transforms of deid.h.
 * docs/exports.md lists every column and why it is safe.
 *
 * Who is in it: only patients who consented to research use
 * (patient.consent_research = 1); every other patient is left out whole.
 * Who may run it: an admin (the clinic); anyone else is ERR_AUTH. Every
 * record is read through the record and outcome layers (access, audit),
 * and the export itself is one audit entry ("export", "registry").
 *
 * Rows, one per episode summary (episode x instrument, from the outcome
 * report: outcomes/report.h) and one per observation:
 *   - patients, practitioners and episodes appear only as pseudonyms drawn
 *     at random for this export (deid_pseudonyms): two exports share none;
 *   - no name, address, phone, email, record number, licence, NPI, or free
 *     text (reasons, notes, SOAP fields) is ever written;
 *   - dates: the episode's start year only; everything else is a day
 *     offset from the episode's start (observations, follow-ups) or a
 *     duration; birth year withheld (null) for anyone 90 or older;
 *   - age at the start as "0".."89" or "90+" (pooled also when the person
 *     is 90 or older on the day of the export);
 *   - ZIP: the first three digits, "000" for the small-population list.
 *
 * Ownership: the export appends to a struct buf; nothing else outlives
 * the call.
 */
#ifndef TS_DOCUMENTS_REGISTRY_EXPORT_H
#define TS_DOCUMENTS_REGISTRY_EXPORT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

enum registry_format {
    REGISTRY_CSV,    /* RFC 4180, a header row; empty fields for null */
    REGISTRY_NDJSON, /* one JSON object per line, with "kind" */
};

struct registry_export_result {
    size_t patients;            /* consenting patients exported */
    size_t patients_left_out;   /* without research consent */
    size_t episodes;
    size_t summaries;           /* episode rows */
    size_t observations;        /* observation rows */
};

/* Parses "csv" or "ndjson" (field "format"). */
int registry_format_parse(const char *name, enum registry_format *out,
                          struct err *e);

/*
 * Appends the export to out. Rows come patient by patient (in a random
 * order, so that row order reveals nothing), each episode's summary rows
 * then its observations by time. Returns 0 with *result filled, or -1
 * with e filled (ERR_AUTH for a caller who is not an admin; any failure
 * of a read) and out possibly holding part of the export: discard it.
 */
int registry_export_deidentified(struct store *s, const struct actor *caller,
                                 enum registry_format format, struct buf *out,
                                 struct registry_export_result *result,
                                 struct err *e);

/* The columns of the CSV form, in order (NULL-terminated). */
extern const char *const registry_export_columns[];

#endif
