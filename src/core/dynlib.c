#include "core/dynlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* Opens and resolves; the reason of a failure into lib->error. */
static int load(struct dynlib *lib)
{
    void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(lib->error, sizeof(lib->error),
                 "%s cannot be loaded (install the Debian package %s): %s",
                 lib->soname, lib->package, why ? why : "not found");
        return -1;
    }
    /* Resolved into a scratch list first: all or nothing. */
    void *found[128];
    if (lib->count > sizeof(found) / sizeof(found[0])) {
        snprintf(lib->error, sizeof(lib->error), "%s: too many symbols",
                 lib->soname);
        return -1;
    }
    for (size_t i = 0; i < lib->count; i++) {
        dlerror();
        found[i] = dlsym(h, lib->symbols[i].name);
        if (!found[i]) {
            snprintf(lib->error, sizeof(lib->error),
                     "%s has no %s (the package %s is too old or not the "
                     "expected library)",
                     lib->soname, lib->symbols[i].name, lib->package);
            return -1;
        }
    }
    for (size_t i = 0; i < lib->count; i++)
        *lib->symbols[i].slot = found[i];
    return 0;
}

int dynlib_load(struct dynlib *lib, struct err *e)
{
    pthread_mutex_lock(&load_lock);
    if (lib->state == 0)
        lib->state = load(lib) < 0 ? -1 : 1;
    int state = lib->state;
    pthread_mutex_unlock(&load_lock);
    if (state < 0)
        return err_set(e, ERR_FAIL, "library", "%s", lib->error);
    return 0;
}
