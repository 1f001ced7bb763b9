/*
 * err: a recoverable failure, filled by the layer that found it and turned
 * into stderr and an exit status only by cli/, into an HTTP status only by
 * web/. Nothing below those layers prints.
 *
 * A struct err is plain data (no allocation); err_clear() resets it.
 */
#ifndef TS_CORE_ERR_H
#define TS_CORE_ERR_H

enum err_code {
    ERR_NONE = 0,
    ERR_INPUT,     /* bad input: a field is malformed or out of range */
    ERR_NOT_FOUND, /* a named record does not exist (or may not be seen) */
    ERR_CONFLICT,  /* the record's state forbids it (closed episode, ...) */
    ERR_SCOPE,     /* outside the practitioner's training: refer instead */
    ERR_REFUSED,   /* a clinical rule refused it (a red flag, ...) */
    ERR_AUTH,      /* not logged in, or bad credentials */
    ERR_FAIL,      /* anything else: I/O, database, a corrupt file */
};

struct err {
    enum err_code code;
    char field[64];    /* the input field at fault, or "" */
    char message[512]; /* lowercase, no trailing period */
};

#define ERR_INIT {ERR_NONE, "", ""}

void err_clear(struct err *e);
/* Fills e and returns -1, so callers can write: return err_set(...). */
int err_set(struct err *e, enum err_code code, const char *field,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Stable lowercase name of a code ("input", "not_found", ...). */
const char *err_code_name(enum err_code code);

#endif
