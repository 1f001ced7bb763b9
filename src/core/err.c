#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_clear(struct err *e)
{
    e->code = ERR_NONE;
    e->field[0] = '\0';
    e->message[0] = '\0';
}

int err_set(struct err *e, enum err_code code, const char *field,
            const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    e->code = code;
    snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return -1;
}

const char *err_code_name(enum err_code code)
{
    switch (code) {
    case ERR_NONE: return "none";
    case ERR_INPUT: return "invalid";
    case ERR_NOT_FOUND: return "not_found";
    case ERR_CONFLICT: return "conflict";
    case ERR_SCOPE: return "out_of_scope";
    case ERR_REFUSED: return "refused";
    case ERR_AUTH: return "unauthorized";
    case ERR_FAIL: return "failed";
    }
    return "failed";
}
