/*
 * curl_dl: libcurl loaded when first used (core/dynlib.h), for the mail
 * sender and the registry client. A file that speaks to libcurl includes
 * this instead of <curl/curl.h> and calls libcurl by its own names, which
 * are mapped here onto a table filled at the first curl_global_init():
 * libcurl is not linked, so a command that sends nothing does not load
 * it, nor its dependencies. When libcurl cannot be loaded,
 * curl_global_init() answers CURLE_FAILED_INIT, curl_easy_init() NULL,
 * and curl_dl_error() says why (the soname and its Debian package).
 */
#ifndef TS_CORE_CURL_DL_H
#define TS_CORE_CURL_DL_H

/* The typecheck macros of curl.h would hide the names mapped below. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

struct curl_dl_functions {
    __typeof__(curl_global_init) *global_init;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_easy_perform) *easy_perform;
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_easy_reset) *easy_reset;
    __typeof__(curl_easy_escape) *easy_escape;
    __typeof__(curl_free) *free;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
};

/* Filled by curl_dl_global_init() (NULL pointers until libcurl loads). */
extern struct curl_dl_functions curl_dl;

/* Loads libcurl (once), then curl_global_init(flags); CURLE_FAILED_INIT
 * when libcurl cannot be loaded. */
CURLcode curl_dl_global_init(long flags);
/* curl_easy_init() once loaded; NULL when libcurl is not loaded. */
CURL *curl_dl_easy_init(void);
/* Why libcurl could not be loaded ("" when it was, or was not tried). A
 * static string. */
const char *curl_dl_error(void);

#ifndef CURL_DL_TABLE
/* curl.h's own same-name macros (typecheck off) give way to the table. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init curl_dl_global_init
#define curl_easy_init curl_dl_easy_init
#define curl_easy_setopt (*curl_dl.easy_setopt)
#define curl_easy_getinfo (*curl_dl.easy_getinfo)
#define curl_easy_perform (*curl_dl.easy_perform)
#define curl_easy_cleanup (*curl_dl.easy_cleanup)
#define curl_easy_strerror (*curl_dl.easy_strerror)
#define curl_easy_reset (*curl_dl.easy_reset)
#define curl_easy_escape (*curl_dl.easy_escape)
#define curl_free (*curl_dl.free)
#define curl_slist_append (*curl_dl.slist_append)
#define curl_slist_free_all (*curl_dl.slist_free_all)
#endif

#endif
