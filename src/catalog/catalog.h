/*
 * catalog: the medical massage protocol system, read from JSON data files.
 *
 * The catalog shipped in the binary is catalog/groups.json,
 * catalog/icd10.json and catalog/protocols/NAME.json (embedded at build time).
 * A clinic extends or overrides it with a directory (--catalog DIR) laid out
 * the same way: DIR/NAME.json and DIR/protocols/NAME.json. Each file is one JSON
 * object with any of the arrays "groups", "codes" and "protocols" (and an
 * optional "about" text). A protocol (group, code) in DIR whose id is
 * already in the shipped catalog replaces it; a new id adds it. Within one
 * layer (shipped, or DIR) an id may appear only once.
 *
 * The same directory may hold the wording of instruments the clinic has
 * licensed: DIR/wording/CODE.json (CODE an instrument's code), one JSON
 * object {"about"?, "instrument": CODE, "intro"?, "items": [{"text", "low",
 * "high"}, ...] (exactly as many as the instrument has items), "licence",
 * "source"}; catalog_wording() prefers it to the shipped wording.
 *
 * Every file is validated when loaded; the first problem refuses the whole
 * load with e->field "" and e->message
 *     "FILE:LINE:COLUMN: JSON.PATH: problem"
 * e.g. "clinic/protocols/neck.json:12:5: protocols[3].phases[0].min_share:
 * ...". Syntax errors carry jansson's line and column; semantic errors the
 * position of the offending value (or of the enclosing object when a field
 * is missing).
 *
 * The seed's rules, checked for every protocol (see docs/catalog.md):
 * the first phase is introductory; kneading phases have a minimum share of
 * at least half the procedure time; circulatory strokes run toward the
 * heart; contralateral-circulation lasts 15-25 minutes; full-body stress
 * management needs 120-200 hours of training; every other protocol needs
 * its own specialised hours on top of that 120-hour full-body baseline;
 * every session length a protocol allows can be planned in whole minutes.
 *
 * Ownership: catalog_load() allocates a catalog that the caller releases
 * with catalog_free(). Every pointer reached from it (protocols, groups,
 * strings) is owned by the catalog, is read-only, and stays valid until
 * catalog_free(). A loaded catalog is never modified, so threads may share
 * it.
 */
#ifndef TS_CATALOG_CATALOG_H
#define TS_CATALOG_CATALOG_H

#include "core/err.h"

/* The full-body stress-management protocol: the baseline training every
 * disorder-specific protocol builds on. */
#define CATALOG_BASELINE_ID "stress-management-full-body"
#define CATALOG_BASELINE_MIN_HOURS 120
#define CATALOG_BASELINE_MAX_HOURS 200
/* The contralateral-limb circulation protocol lasts 15-25 minutes. */
#define CATALOG_CONTRALATERAL_ID "contralateral-circulation"
#define CATALOG_CONTRALATERAL_MIN_MINUTES 15
#define CATALOG_CONTRALATERAL_MAX_MINUTES 25
/* Kneading takes at least half the procedure time (in thousandths). */
#define CATALOG_KNEADING_MIN_PERMILLE 500
/* The one direction circulatory strokes may take. */
#define CATALOG_TOWARD_HEART "toward the heart"
/* Limits on one protocol. */
#define PROTOCOL_MAX_PHASES 12

struct catalog; /* opaque */

/* What a phase of the procedure does (its technique families vary). */
enum phase_kind {
    PHASE_INTRODUCTORY,     /* raises the pain threshold; always first */
    PHASE_KNEADING,         /* at least half the time in all */
    PHASE_CIRCULATORY,      /* strokes toward the heart */
    PHASE_FRICTION,
    PHASE_TRIGGER_POINT,
    PHASE_STRETCHING,
    PHASE_VIBRATION,
    PHASE_PERCUSSION,
    PHASE_PASSIVE_MOVEMENT,
    PHASE_LYMPHATIC,
    PHASE_BREATHING,
    PHASE_CLOSING,
    PHASE_KIND_COUNT
};

struct protocol_phase {
    const char *name;       /* unique in the protocol: "kneading" */
    enum phase_kind kind;
    int technique_count;
    const char **techniques; /* technique families: "petrissage", ... */
    int min_permille;       /* share of the session, in thousandths */
    int max_permille;
    const char *direction;  /* CATALOG_TOWARD_HEART or NULL */
    const char *note;       /* or NULL */
};

struct protocol_indication {
    const char *code;  /* ICD-10-CM, "M54.50" */
    const char *title; /* from the catalog's code list */
};

/* A yes/no screening question: "yes" means a physician, not massage. */
struct protocol_red_flag {
    const char *id;
    const char *question;
};

struct protocol_follow_up {
    const char *text; /* "2h", "24h", "4w", "3m" */
    int hours;        /* h = 1, d = 24, w = 168, m = 720 (30 days) */
};

struct protocol {
    const char *id;      /* "tension-headache" */
    const char *name;
    const char *group;   /* a group id */
    const char *region;  /* body region: "neck and upper back" */
    const char *summary; /* or NULL */
    int indication_count;
    struct protocol_indication *indications;
    int red_flag_count;
    struct protocol_red_flag *red_flags;
    int training_hours;  /* the protocol's own specialised hours */
    int phase_count;
    struct protocol_phase *phases; /* in order; phases[0] is introductory */
    int minutes_min, minutes_max, minutes_default; /* per session */
    int course_sessions; /* a course of care */
    int course_per_week;
    int primary_count;
    const char **primary;   /* instrument codes (see instrument.h) */
    int secondary_count;
    const char **secondary;
    int follow_up_count;
    struct protocol_follow_up *follow_ups; /* in increasing delay */
    const char *file;    /* the file it came from */
    int from_clinic;     /* 1 when it came from the --catalog directory */
    int replaces;        /* 1 when it replaced a shipped protocol */
};

struct protocol_group {
    const char *id;   /* "neck-upper-back" */
    const char *name; /* "Neck and upper back" */
    const char *description; /* or NULL */
};

/*
 * Loads the shipped catalog and then, when dir is not NULL, the clinic's
 * directory over it. Returns 0 with *out set (free with catalog_free), or
 * -1 with e filled (ERR_INPUT for a bad file, with the message described
 * above; ERR_FAIL when dir cannot be read) and *out NULL.
 */
int catalog_load(const char *dir, struct catalog **out, struct err *e);

/* The wording a patient reads for an instrument: the clinic's licensed
 * wording from its override folder when it added some, else the shipped
 * wording, else NULL (no invitation may then be made for it). c may be
 * NULL (shipped wording only). Points into the catalog or the instrument
 * table; nothing to free. */
const struct instrument_wording *catalog_wording(const struct catalog *c,
                                                 const char *code);
/* Releases the catalog and everything reached from it (NULL is fine). */
void catalog_free(struct catalog *c);

/* Protocols in order (by group, in the groups' order, then by id). */
int catalog_protocol_count(const struct catalog *c);
const struct protocol *catalog_protocol_at(const struct catalog *c, int i);
/* The protocol with this id, or NULL. */
const struct protocol *catalog_find(const struct catalog *c, const char *id);
/* 1 when q is NULL or empty, or found (any case) in p's name, id, region or
 * summary or in one of its indications' codes or titles; else 0. */
int catalog_protocol_matches(const struct protocol *p, const char *q);

/* Groups in the order of the groups files. */
int catalog_group_count(const struct catalog *c);
const struct protocol_group *catalog_group_at(const struct catalog *c, int i);
const struct protocol_group *catalog_group_find(const struct catalog *c,
                                                const char *id);
/* Protocols of a group. */
int catalog_group_protocol_count(const struct catalog *c, const char *group);

/* The title of an ICD-10-CM code the catalog knows, or NULL. */
const char *catalog_code_title(const struct catalog *c, const char *code);

/* What the clinic directory did: files read, protocols added and
 * replaced (all 0 without a directory). */
void catalog_clinic_summary(const struct catalog *c, int *files, int *added,
                            int *replaced);

/* Training. The baseline protocol needs its own hours (120-200); every
 * other protocol needs its own specialised hours and the baseline too. */
/* The hours of specialised training p itself requires. */
int protocol_required_hours(const struct protocol *p);
/* 1 when p also requires the full-body baseline (every protocol but the
 * baseline itself). */
int protocol_requires_baseline(const struct protocol *p);
/* The baseline protocol's hours (its training_hours, 120-200). */
int catalog_baseline_hours(const struct catalog *c);
/* All the hours p requires: its own, plus the baseline's when required. */
int catalog_total_hours(const struct catalog *c, const struct protocol *p);

/* The phase of p with this name (case-insensitive), or NULL. */
const struct protocol_phase *protocol_phase_find(const struct protocol *p,
                                                 const char *name);
/* 1 when code is a primary outcome of p, 2 when secondary, else 0. */
int protocol_instrument_role(const struct protocol *p, const char *code);
/* The red flag of p with this id, or NULL. */
const struct protocol_red_flag *protocol_red_flag_find(
    const struct protocol *p, const char *id);

/* "introductory", "kneading", ... and back (-1 when unknown). */
const char *phase_kind_name(enum phase_kind kind);
int phase_kind_parse(const char *name);

/* Parses a follow-up delay ("2h", "24h", "3d", "4w", "3m": hours, days,
 * weeks, months of 30 days) into hours; -1 when malformed or above 5
 * years. */
int catalog_parse_delay(const char *text);

/* 1 when s has the shape of an ICD-10-CM code: a capital letter, a digit,
 * a digit or capital letter, then optionally a dot and 1 to 4 digits or
 * capital letters ("M54.50", "G44.209", "I10"). The one definition of the
 * shape; record/validate.h builds its field errors on it. */
int catalog_icd10_well_formed(const char *s);

#endif
