#define CURL_DL_TABLE 1
#include "core/curl_dl.h"
#include "core/dynlib.h"

struct curl_dl_functions curl_dl;

#define SYMBOL(name, field) {#name, (void **)&curl_dl.field}
static const struct dynlib_symbol symbols[] = {
    SYMBOL(curl_global_init, global_init),
    SYMBOL(curl_easy_init, easy_init),
    SYMBOL(curl_easy_setopt, easy_setopt),
    SYMBOL(curl_easy_getinfo, easy_getinfo),
    SYMBOL(curl_easy_perform, easy_perform),
    SYMBOL(curl_easy_cleanup, easy_cleanup),
    SYMBOL(curl_easy_strerror, easy_strerror),
    SYMBOL(curl_easy_reset, easy_reset),
    SYMBOL(curl_easy_escape, easy_escape),
    SYMBOL(curl_free, free),
    SYMBOL(curl_slist_append, slist_append),
    SYMBOL(curl_slist_free_all, slist_free_all),
};

static struct dynlib libcurl =
    DYNLIB_INIT("libcurl.so.4", "libcurl4", symbols);

CURLcode curl_dl_global_init(long flags)
{
    struct err e = ERR_INIT;
    if (dynlib_load(&libcurl, &e) < 0)
        return CURLE_FAILED_INIT;
    return curl_dl.global_init(flags);
}

CURL *curl_dl_easy_init(void)
{
    struct err e = ERR_INIT;
    if (dynlib_load(&libcurl, &e) < 0)
        return NULL;
    return curl_dl.easy_init();
}

const char *curl_dl_error(void)
{
    return libcurl.state < 0 ? libcurl.error : "";
}
