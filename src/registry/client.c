/* The clinic's HTTP client of the registry (client.h). */
#include "registry/client.h"
#include "core/buf.h"

#include "core/curl_dl.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void registry_answer_release(struct registry_answer *a)
{
    json_decref(a->json);
    memset(a, 0, sizeof(*a));
}

static size_t take(char *data, size_t size, size_t n, void *ctx)
{
    struct buf *b = ctx;
    if (buf_add(b, data, size * n) < 0)
        return 0; /* over the cap: curl stops with CURLE_WRITE_ERROR */
    return size * n;
}

int registry_client_url(const char *base_url, char *out, size_t max,
                        struct err *e)
{
    size_t len = base_url ? strlen(base_url) : 0;
    if (len == 0)
        return err_set(e, ERR_INPUT, "url", "the registry's URL is empty");
    if (strncmp(base_url, "http://", 7) && strncmp(base_url, "https://", 8))
        return err_set(e, ERR_INPUT, "url",
                       "'%.64s' is not an http:// or https:// URL",
                       base_url);
    if (len > max)
        return err_set(e, ERR_INPUT, "url", "longer than %zu bytes", max);
    for (const char *p = base_url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return err_set(e, ERR_INPUT, "url",
                           "has a blank or control character");
    while (len > 0 && base_url[len - 1] == '/')
        len--;
    snprintf(out, max + 1, "%.*s", (int)len, base_url);
    return 0;
}

/* POST when body is not NULL, else GET. */
static int request(const char *base_url, const char *path, const char *body,
                   size_t len, struct registry_answer *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    pthread_once(&curl_once, curl_start);
    struct buf url = BUF_INIT, answer;
    buf_init(&answer, REGISTRY_CLIENT_ANSWER_MAX);
    buf_printf(&url, "%s%s", base_url, path);
    CURL *curl = curl_easy_init();
    if (!curl) {
        buf_release(&url);
        return err_set(e, ERR_FAIL, "url", "libcurl cannot start%s%s",
                       *curl_dl_error() ? ": " : "", curl_dl_error());
    }
    char message[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Accept: application/json");
    if (body)
        headers = curl_slist_append(headers,
                                    "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url.data);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, message);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                     REGISTRY_CLIENT_CONNECT_SECONDS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, REGISTRY_CLIENT_TOTAL_SECONDS);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "touchstone");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, take);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)len);
    } else {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    CURLcode cc = curl_easy_perform(curl);
    int rc = 0;
    if (cc == CURLE_WRITE_ERROR && !buf_ok(&answer))
        rc = err_set(e, ERR_FAIL, "url",
                     "%s answered more than %u bytes", url.data,
                     REGISTRY_CLIENT_ANSWER_MAX);
    else if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST)
        rc = err_set(e, ERR_FAIL, "url", "cannot connect to %s: %s",
                     url.data, message[0] ? message : curl_easy_strerror(cc));
    else if (cc == CURLE_OPERATION_TIMEDOUT)
        rc = err_set(e, ERR_FAIL, "url", "%s did not answer in time: %s",
                     url.data, message[0] ? message : curl_easy_strerror(cc));
    else if (cc != CURLE_OK)
        rc = err_set(e, ERR_FAIL, "url", "%s: %s", url.data,
                     message[0] ? message : curl_easy_strerror(cc));
    if (rc == 0) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
        out->json = json_loadb(answer.data, answer.len, 0, NULL);
        snprintf(out->raw, sizeof(out->raw), "%s", answer.data);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    buf_release(&url);
    buf_release(&answer);
    return rc;
}

int registry_client_post(const char *base_url, const char *path,
                         const char *body, size_t len,
                         struct registry_answer *out, struct err *e)
{
    return request(base_url, path, body, len, out, e);
}

int registry_client_get(const char *base_url, const char *path,
                        struct registry_answer *out, struct err *e)
{
    return request(base_url, path, NULL, 0, out, e);
}

int registry_client_refusal(const struct registry_answer *a, struct err *e)
{
    const json_t *error = json_object_get(a->json, "error");
    const char *field = json_string_value(json_object_get(error, "field"));
    const char *message =
        json_string_value(json_object_get(error, "message"));
    enum err_code code = a->status == 400                      ? ERR_INPUT
                         : a->status == 401 || a->status == 403 ? ERR_AUTH
                         : a->status == 404 ? ERR_NOT_FOUND
                         : a->status == 409 ? ERR_CONFLICT
                                            : ERR_FAIL;
    if (!message)
        return err_set(e, code, "registry",
                       "the registry answered %ld: %.120s", a->status,
                       a->raw[0] ? a->raw : "(no body)");
    return err_set(e, code, field && field[0] ? field : "registry",
                   "the registry refused (%ld): %s", a->status, message);
}
