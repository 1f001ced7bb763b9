/*
 * bill: superbill units for timed CPT services. Pure: no database, no I/O.
 *
 * Two rules, chosen per payer (docs/billing.md explains both):
 *
 *  - BILL_RULE_CMS, the CMS "8-minute rule" (Medicare Claims Processing
 *    Manual, Pub. 100-04, ch. 5, section 20.2): the total units come from
 *    the total timed minutes of the visit (8-22 = 1, 23-37 = 2, ..., each
 *    further 15 minutes one more unit); each code first gets one unit per
 *    full 15 minutes of its own; the units still to give go, one each, to
 *    the codes with the most minutes left over.
 *  - BILL_RULE_PER_CODE, the per-code "midpoint" rule many commercial
 *    payers use: each code alone, its units by the same table from its own
 *    minutes (a code under 8 minutes gets none).
 *
 * Lines with the same code are added together first. A bill that yields no
 * unit at all (under 8 minutes in total for CMS; no code reaching 8 minutes
 * per code) is refused (ERR_REFUSED, field "minutes").
 *
 * Session phases ("kneading", "trigger-point", ...) map to CPT codes through
 * one table (bill_phase_code); bill_lines_from_phases() turns a session's
 * phases into service lines.
 *
 * Nothing here allocates: results are plain structs the caller owns.
 */
#ifndef TS_DOCUMENTS_BILL_H
#define TS_DOCUMENTS_BILL_H

#include "core/err.h"

#define BILL_CODE_LEN 6      /* a 5-digit CPT code + NUL */
#define BILL_MAX_CODES 16    /* distinct codes on one bill */
#define BILL_MINUTES_MAX 600 /* minutes of one line (a session's maximum) */
#define BILL_UNIT_MINUTES 15 /* the timed codes bill in 15-minute units */

enum bill_rule {
    BILL_RULE_CMS,      /* CMS 8-minute rule over the total timed minutes */
    BILL_RULE_PER_CODE, /* per-code midpoint rule: each code on its own */
};

/* One timed service line: a CPT code and the minutes spent on it. */
struct bill_line {
    char code[BILL_CODE_LEN];
    int minutes;
};

/* One code on the bill: its minutes (lines added together) and units. */
struct bill_item {
    char code[BILL_CODE_LEN];
    int minutes;
    int units; /* may be 0: the minutes are documented but not billed */
};

/* A computed bill. Items keep the order in which codes first appeared. */
struct bill {
    enum bill_rule rule;
    int count;
    struct bill_item items[BILL_MAX_CODES];
    int total_minutes;
    int total_units;
};

/* The units for a number of minutes of timed service by the 15-minute
 * table: 0 below 8 minutes, then 1 + (minutes - 8) / 15, that is 8-22 = 1,
 * 23-37 = 2, 38-52 = 3, ... (equivalently (minutes + 7) / 15). */
int bill_units_for_minutes(int minutes);

/*
 * Computes the units of the n lines under the rule into *out. Each line's
 * code must be a timed code of bill_code_title()'s table and its minutes
 * 1..BILL_MINUTES_MAX; lines with the same code are merged (their sum also
 * at most BILL_MINUTES_MAX), at most BILL_MAX_CODES distinct codes.
 *
 * BILL_RULE_CMS: total_units = bill_units_for_minutes(total minutes); each
 * code gets minutes / 15 units; the remaining units go one per code to the
 * codes with the most remaining minutes (minutes % 15); a tie goes to the
 * code with more minutes in all, then to the one listed first.
 * BILL_RULE_PER_CODE: each code gets bill_units_for_minutes(its minutes).
 *
 * Returns 0, or -1 with e filled: ERR_INPUT for a bad line (field "code"
 * or "minutes", the message naming the line), ERR_REFUSED when no unit can
 * be billed (field "minutes"). *out is fully written only on success.
 */
int bill_compute(enum bill_rule rule, const struct bill_line *lines, int n,
                 struct bill *out, struct err *e);

/* The rule's stable name: "cms" or "per-code". */
const char *bill_rule_name(enum bill_rule rule);
/* Parses "cms" or "per-code" into *rule; -1 with e (field given) if not. */
int bill_rule_parse(const char *name, enum bill_rule *rule, const char *field,
                    struct err *e);

/* A short title of a timed CPT code this module bills ("therapeutic
 * massage" for "97124"), or NULL when the code is not in its table. The
 * titles are Touchstone's own short labels, not the AMA's descriptors. */
const char *bill_code_title(const char *code);

/* How a session phase name bills. */
enum bill_phase_kind {
    BILL_PHASE_UNKNOWN = -1, /* not in the table: refuse, do not guess */
    BILL_PHASE_NOT_BILLED = 0, /* known but not a timed service (rest, ...) */
    BILL_PHASE_BILLED = 1,     /* a timed service: *code is set */
};

/*
 * Looks a phase name up in the phase table (docs/billing.md lists it).
 * Case, surrounding blanks, spaces and underscores are forgiven
 * ("Trigger point" is "trigger-point"); British and American spellings both
 * appear ("mobilisation", "mobilization"). On BILL_PHASE_BILLED *code
 * points to a static CPT code string; otherwise *code is NULL.
 */
enum bill_phase_kind bill_phase_code(const char *name, const char **code);

/* One phase of a session, as the record keeps it. */
struct bill_phase {
    const char *name;
    int minutes; /* 0..BILL_MINUTES_MAX; 0-minute phases are skipped */
};

/*
 * Turns a session's phases into timed service lines in out (room for max
 * lines): phases of the same code are added together, lines keep the order
 * in which codes first appear, phases that are not billed are left out.
 * Sets *count. Returns 0, or -1 with e filled (ERR_INPUT, field "phase" for
 * an unknown phase name, "minutes" for minutes out of range or a code's
 * sum over BILL_MINUTES_MAX); *count is then 0.
 */
int bill_lines_from_phases(const struct bill_phase *phases, int n,
                           struct bill_line *out, int max, int *count,
                           struct err *e);

#endif
