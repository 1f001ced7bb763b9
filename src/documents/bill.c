/*
 * Superbill units: the CMS 8-minute rule and the per-code midpoint rule.
 * Sources: Medicare Claims Processing Manual, Pub. 100-04, ch. 5, s. 20.2
 * "Counting Minutes for Timed Codes in 15 Minute Units"; the worked
 * examples of /work/shared/domain/codes.md. See docs/billing.md.
 */
#include "documents/bill.h"
#include "core/util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The timed (15-minute) codes this module bills, with short titles of our
 * own. All are "each 15 minutes" codes on CMS's list of timed therapy
 * codes; 97124, 97140 and 97112 are the massage therapist's. */
static const struct {
    const char *code;
    const char *title;
} timed_codes[] = {
    {"97032", "electrical stimulation, attended"},
    {"97033", "iontophoresis"},
    {"97034", "contrast baths"},
    {"97035", "ultrasound"},
    {"97110", "therapeutic exercise"},
    {"97112", "neuromuscular re-education"},
    {"97113", "aquatic therapy"},
    {"97116", "gait training"},
    {"97124", "therapeutic massage"},
    {"97140", "manual therapy"},
    {"97530", "therapeutic activities"},
    {"97535", "self-care training"},
};

const char *bill_code_title(const char *code)
{
    if (!code)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(timed_codes); i++)
        if (!strcmp(timed_codes[i].code, code))
            return timed_codes[i].title;
    return NULL;
}

int bill_units_for_minutes(int minutes)
{
    if (minutes < 8)
        return 0;
    /* 8-22 -> 1, 23-37 -> 2, ...: the unit turns over at the 8th minute
     * of each 15 (the "midpoint"). */
    return (minutes + 7) / BILL_UNIT_MINUTES;
}

const char *bill_rule_name(enum bill_rule rule)
{
    switch (rule) {
    case BILL_RULE_CMS: return "cms";
    case BILL_RULE_PER_CODE: return "per-code";
    }
    BUG("unknown billing rule %d", (int)rule);
}

int bill_rule_parse(const char *name, enum bill_rule *rule, const char *field,
                    struct err *e)
{
    if (name && !strcmp(name, "cms")) {
        *rule = BILL_RULE_CMS;
        return 0;
    }
    if (name && !strcmp(name, "per-code")) {
        *rule = BILL_RULE_PER_CODE;
        return 0;
    }
    return err_set(e, ERR_INPUT, field,
                   "'%.32s' is not a billing rule (expected 'cms' or "
                   "'per-code')", name ? name : "");
}

/* Adds the lines into b->items, merging codes; validates each line. */
static int merge_lines(const struct bill_line *lines, int n, struct bill *b,
                       struct err *e)
{
    if (n <= 0)
        return err_set(e, ERR_REFUSED, "minutes",
                       "no timed service to bill");
    for (int i = 0; i < n; i++) {
        const struct bill_line *l = &lines[i];
        if (!memchr(l->code, '\0', sizeof(l->code)) ||
            !bill_code_title(l->code))
            return err_set(e, ERR_INPUT, "code",
                           "line %d: '%.*s' is not a timed CPT code "
                           "Touchstone bills", i + 1, BILL_CODE_LEN - 1,
                           l->code);
        if (l->minutes < 1 || l->minutes > BILL_MINUTES_MAX)
            return err_set(e, ERR_INPUT, "minutes",
                           "line %d (%s): %d minutes is outside 1-%d", i + 1,
                           l->code, l->minutes, BILL_MINUTES_MAX);
        int k = 0;
        while (k < b->count && strcmp(b->items[k].code, l->code))
            k++;
        if (k == b->count) {
            if (b->count == BILL_MAX_CODES)
                return err_set(e, ERR_INPUT, "code",
                               "more than %d different codes on one bill",
                               BILL_MAX_CODES);
            memcpy(b->items[k].code, l->code, BILL_CODE_LEN);
            b->count++;
        }
        b->items[k].minutes += l->minutes;
        if (b->items[k].minutes > BILL_MINUTES_MAX)
            return err_set(e, ERR_INPUT, "minutes",
                           "%s: %d minutes in all is over %d",
                           l->code, b->items[k].minutes, BILL_MINUTES_MAX);
        b->total_minutes += l->minutes;
    }
    return 0;
}

/* CMS: full 15-minute units to each code, then the rest to the largest
 * remainders, one each. */
static void compute_cms(struct bill *b)
{
    b->total_units = bill_units_for_minutes(b->total_minutes);
    int given = 0;
    int done[BILL_MAX_CODES] = {0};
    for (int k = 0; k < b->count; k++) {
        b->items[k].units = b->items[k].minutes / BILL_UNIT_MINUTES;
        given += b->items[k].units;
    }
    /* sum(m / 15) <= total / 15 <= (total + 7) / 15: never too many. */
    if (given > b->total_units)
        BUG("full units %d exceed the total %d", given, b->total_units);
    /* What is left is (sum of remainders + 7) / 15 < the number of codes,
     * so every extra unit finds a code that has not had one. */
    for (int left = b->total_units - given; left > 0; left--) {
        int best = -1;
        for (int k = 0; k < b->count; k++) {
            if (done[k])
                continue;
            int rem = b->items[k].minutes % BILL_UNIT_MINUTES;
            if (best < 0) {
                best = k;
                continue;
            }
            int best_rem = b->items[best].minutes % BILL_UNIT_MINUTES;
            if (rem > best_rem ||
                (rem == best_rem &&
                 b->items[k].minutes > b->items[best].minutes))
                best = k;
        }
        if (best < 0)
            BUG("no code left for an extra unit");
        done[best] = 1;
        b->items[best].units++;
    }
}

static void compute_per_code(struct bill *b)
{
    b->total_units = 0;
    for (int k = 0; k < b->count; k++) {
        b->items[k].units = bill_units_for_minutes(b->items[k].minutes);
        b->total_units += b->items[k].units;
    }
}

int bill_compute(enum bill_rule rule, const struct bill_line *lines, int n,
                 struct bill *out, struct err *e)
{
    struct bill b;
    memset(&b, 0, sizeof(b));
    b.rule = rule;
    if (merge_lines(lines, n, &b, e) < 0)
        return -1;
    if (rule == BILL_RULE_CMS) {
        if (b.total_minutes < 8)
            return err_set(e, ERR_REFUSED, "minutes",
                           "%d timed minute%s in all: the 8-minute rule "
                           "bills nothing under 8 minutes",
                           b.total_minutes, b.total_minutes == 1 ? "" : "s");
        compute_cms(&b);
    } else if (rule == BILL_RULE_PER_CODE) {
        compute_per_code(&b);
        if (b.total_units == 0)
            return err_set(e, ERR_REFUSED, "minutes",
                           "no code reaches 8 minutes: the per-code rule "
                           "bills nothing");
    } else {
        BUG("unknown billing rule %d", (int)rule);
    }
    *out = b;
    return 0;
}

/*
 * The phase table: how each named phase of a session bills. CPT 97124 is
 * massage by effleurage, petrissage and tapotement (stroking, compression,
 * percussion); 97140 is manual therapy (soft-tissue mobilisation, myofascial
 * release, manual lymphatic drainage, joint mobilisation, manual traction);
 * 97112 is neuromuscular re-education (balance, coordination, kinesthetic
 * sense, posture, proprioception, PNF). Choices a reader may question are
 * explained in docs/billing.md ("neuromuscular" is re-education, 97112;
 * "neuromuscular-therapy", the massage school's trigger-point method, is
 * manual therapy, 97140; classical friction is massage, 97124, but
 * cross-fibre friction is soft-tissue mobilisation, 97140).
 */
static const struct {
    const char *name;
    const char *code; /* NULL: known, not a timed billable service */
} phase_table[] = {
    /* 97124 therapeutic massage */
    {"introductory", "97124"},
    {"introductory-massage", "97124"},
    {"introductory-stroking", "97124"},
    {"effleurage", "97124"},
    {"stroking", "97124"},
    {"circulatory", "97124"},
    {"circulatory-stroking", "97124"},
    {"circulatory-strokes", "97124"},
    {"petrissage", "97124"},
    {"kneading", "97124"},
    {"tapotement", "97124"},
    {"percussion", "97124"},
    {"friction", "97124"},
    {"rubbing", "97124"},
    {"vibration", "97124"},
    {"shaking", "97124"},
    {"compression", "97124"},
    {"swedish-massage", "97124"},
    {"classical-massage", "97124"},
    {"therapeutic-massage", "97124"},
    {"massage", "97124"},
    {"finishing-stroking", "97124"},
    /* 97140 manual therapy */
    {"soft-tissue-mobilisation", "97140"},
    {"soft-tissue-mobilization", "97140"},
    {"myofascial-release", "97140"},
    {"myofascial", "97140"},
    {"lymphatic-drainage", "97140"},
    {"manual-lymphatic-drainage", "97140"},
    {"trigger-point", "97140"},
    {"trigger-point-therapy", "97140"},
    {"trigger-point-release", "97140"},
    {"ischemic-compression", "97140"},
    {"ischaemic-compression", "97140"},
    {"neuromuscular-therapy", "97140"},
    {"cross-fibre-friction", "97140"},
    {"cross-fiber-friction", "97140"},
    {"deep-transverse-friction", "97140"},
    {"joint-mobilisation", "97140"},
    {"joint-mobilization", "97140"},
    {"passive-movements", "97140"},
    {"passive-movement", "97140"},
    {"passive-range-of-motion", "97140"},
    {"stretching", "97140"},
    {"passive-stretching", "97140"},
    {"muscle-energy-technique", "97140"},
    {"positional-release", "97140"},
    {"strain-counterstrain", "97140"},
    {"manual-traction", "97140"},
    {"traction", "97140"},
    {"manual-therapy", "97140"},
    /* 97112 neuromuscular re-education */
    {"neuromuscular", "97112"},
    {"neuromuscular-re-education", "97112"},
    {"neuromuscular-reeducation", "97112"},
    {"proprioceptive-neuromuscular-facilitation", "97112"},
    {"pnf", "97112"},
    {"pnf-stretching", "97112"},
    {"proprioceptive-training", "97112"},
    {"balance-training", "97112"},
    {"postural-re-education", "97112"},
    {"postural-reeducation", "97112"},
    {"kinesthetic-training", "97112"},
    /* 97110 therapeutic exercise (active work by the patient) */
    {"therapeutic-exercise", "97110"},
    {"active-stretching", "97110"},
    {"active-range-of-motion", "97110"},
    /* Known phases that are not timed services. */
    {"assessment", NULL},
    {"evaluation", NULL},
    {"consultation", NULL},
    {"positioning", NULL},
    {"rest", NULL},
    {"documentation", NULL},
};

/* Writes the normalised form of name into out (size n): trimmed, ASCII
 * lowercase, runs of spaces, underscores and hyphens as one hyphen.
 * Returns 0, or -1 when it does not fit or holds other than letters,
 * digits and those separators. */
static int normalise_phase(const char *name, char *out, size_t n)
{
    size_t len = 0;
    int pending_dash = 0;
    while (*name && isspace((unsigned char)*name))
        name++;
    for (const char *p = name; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == ' ' || ch == '_' || ch == '-' || ch == '\t') {
            pending_dash = len > 0;
            continue;
        }
        if (!isalnum(ch) || ch > 0x7f)
            return -1;
        if (pending_dash) {
            if (len + 1 >= n)
                return -1;
            out[len++] = '-';
            pending_dash = 0;
        }
        if (len + 1 >= n)
            return -1;
        out[len++] = (char)tolower(ch);
    }
    out[len] = '\0';
    return len ? 0 : -1;
}

enum bill_phase_kind bill_phase_code(const char *name, const char **code)
{
    char key[80];
    *code = NULL;
    if (!name || normalise_phase(name, key, sizeof(key)) < 0)
        return BILL_PHASE_UNKNOWN;
    for (size_t i = 0; i < ARRAY_SIZE(phase_table); i++) {
        if (!strcmp(phase_table[i].name, key)) {
            *code = phase_table[i].code;
            return *code ? BILL_PHASE_BILLED : BILL_PHASE_NOT_BILLED;
        }
    }
    return BILL_PHASE_UNKNOWN;
}

int bill_lines_from_phases(const struct bill_phase *phases, int n,
                           struct bill_line *out, int max, int *count,
                           struct err *e)
{
    int used = 0;
    *count = 0;
    for (int i = 0; i < n; i++) {
        const struct bill_phase *ph = &phases[i];
        const char *code;
        enum bill_phase_kind kind = bill_phase_code(ph->name, &code);
        if (kind == BILL_PHASE_UNKNOWN)
            return err_set(e, ERR_INPUT, "phase",
                           "phase %d: '%.64s' is not a phase Touchstone "
                           "knows how to bill (see docs/billing.md)", i + 1,
                           ph->name ? ph->name : "");
        if (ph->minutes < 0 || ph->minutes > BILL_MINUTES_MAX)
            return err_set(e, ERR_INPUT, "minutes",
                           "phase %d (%.64s): %d minutes is outside 0-%d",
                           i + 1, ph->name, ph->minutes, BILL_MINUTES_MAX);
        if (kind == BILL_PHASE_NOT_BILLED || ph->minutes == 0)
            continue;
        int k = 0;
        while (k < used && strcmp(out[k].code, code))
            k++;
        if (k == used) {
            if (used == max)
                return err_set(e, ERR_INPUT, "phase",
                               "more than %d codes from one session", max);
            snprintf(out[k].code, BILL_CODE_LEN, "%s", code);
            out[k].minutes = 0;
            used++;
        }
        out[k].minutes += ph->minutes;
        if (out[k].minutes > BILL_MINUTES_MAX)
            return err_set(e, ERR_INPUT, "minutes",
                           "%s: %d minutes in all is over %d", code,
                           out[k].minutes, BILL_MINUTES_MAX);
    }
    *count = used;
    return 0;
}
