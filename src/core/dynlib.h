/*
 * dynlib: a shared library loaded when first needed (dlopen), not at
 * start. The commands that never send mail nor speak to the registry or
 * PostgreSQL then do not pay for relocating libcurl's and libpq's
 * dependency trees (TLS, Kerberos, LDAP, ...) at every start.
 *
 * A library is described once, statically: its soname, the Debian package
 * that holds it (named in the error when it is missing) and the symbols
 * to resolve, each into a function pointer of a table. dynlib_load() opens
 * it and fills every pointer, once per process (thread-safe); later calls
 * return the first call's result at once.
 */
#ifndef TS_CORE_DYNLIB_H
#define TS_CORE_DYNLIB_H

#include <stddef.h>

#include "core/err.h"

struct dynlib_symbol {
    const char *name; /* "curl_easy_init" */
    void **slot;      /* where its address goes */
};

struct dynlib {
    const char *soname;  /* "libcurl.so.4" */
    const char *package; /* "libcurl4" */
    const struct dynlib_symbol *symbols;
    size_t count;
    /* Filled by dynlib_load(): 1 loaded, -1 failed (why in error). */
    int state;
    char error[256];
};

/*
 * A library's table, from an X-macro naming its functions (LIST(X) gives
 * X(name) for each; their types come from the library's header):
 *
 *   static struct { LIST(DYNLIB_POINTER) } fns;
 *   #define FNS_SYMBOL(name) DYNLIB_SYMBOL(fns, name)
 *   static const struct dynlib_symbol fns_symbols[] = {LIST(FNS_SYMBOL)};
 *   static struct dynlib lib = DYNLIB_INIT("libx.so.1", "libx1",
 *                                          fns_symbols);
 *
 * fns holds a pointer of each function's own type, under its name, which
 * dynlib_load(&lib) fills.
 */
#define DYNLIB_POINTER(name) __typeof__(name) *name;
#define DYNLIB_SYMBOL(table, name) {#name, (void **)&(table).name},
#define DYNLIB_INIT(soname, package, symbols)                               \
    {(soname), (package), (symbols), sizeof(symbols) / sizeof((symbols)[0]), \
     0, ""}

/* Loads lib and resolves every symbol (the first call; later ones return
 * its result). -1 with e (field "library") naming the library, its
 * package and what failed (not found, a symbol missing) when it cannot;
 * every slot is then left as it was. Never unloads. */
int dynlib_load(struct dynlib *lib, struct err *e);

#endif
