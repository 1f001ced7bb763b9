#include "prom/smtp.h"

#include "core/curl_dl.h"
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *const week_days[] = {"Sun", "Mon", "Tue", "Wed",
                                        "Thu", "Fri", "Sat"};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr",
                                          "May", "Jun", "Jul", "Aug",
                                          "Sep", "Oct", "Nov", "Dec"};

/* Appends s with every control character (CR, LF, ...) as a blank: a
 * header's value can never start another header. */
static void put_header_text(struct buf *out, const char *s)
{
    for (; *s; s++)
        buf_putc(out, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static int is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/* The subject as ASCII text, or RFC 2047 encoded words of base64 UTF-8,
 * each of at most 45 bytes of text (so a word stays under 76 characters)
 * and never cutting a UTF-8 sequence. */
static void put_subject(struct buf *out, const char *subject)
{
    struct buf clean = BUF_INIT;
    put_header_text(&clean, subject);
    if (is_ascii(clean.data)) {
        buf_puts(out, clean.data);
        buf_release(&clean);
        return;
    }
    size_t i = 0;
    while (i < clean.len) {
        size_t n = clean.len - i < 45 ? clean.len - i : 45;
        while (i + n < clean.len && n > 0 &&
               ((unsigned char)clean.data[i + n] & 0xC0) == 0x80)
            n--;
        char word[sodium_base64_ENCODED_LEN(45,
                                            sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(word, sizeof(word),
                          (const unsigned char *)clean.data + i, n,
                          sodium_base64_VARIANT_ORIGINAL);
        buf_printf(out, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", word);
        i += n;
    }
    buf_release(&clean);
}

void smtp_format_message(const struct smtp_message *m, time_t date,
                         struct buf *out)
{
    struct tm tm;
    gmtime_r(&date, &tm);
    buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
               week_days[tm.tm_wday], tm.tm_mday, month_names[tm.tm_mon],
               tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    unsigned char id[16];
    char id_hex[33];
    randombytes_buf(id, sizeof(id));
    sodium_bin2hex(id_hex, sizeof(id_hex), id, sizeof(id));
    const char *domain = strchr(m->from, '@');
    buf_printf(out, "Message-ID: <%s@", id_hex);
    put_header_text(out, domain ? domain + 1 : "localhost");
    buf_puts(out, ">\r\nFrom: ");
    put_header_text(out, m->from);
    buf_puts(out, "\r\nTo: ");
    put_header_text(out, m->to);
    buf_puts(out, "\r\nSubject: ");
    put_subject(out, m->subject);
    buf_puts(out, "\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: 8bit\r\n\r\n");
    for (const char *p = m->body; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n')
            buf_puts(out, "\r\n");
        else
            buf_putc(out, *p);
    }
    if (out->len < 2 || strcmp(out->data + out->len - 2, "\r\n"))
        buf_puts(out, "\r\n");
}

struct upload {
    const char *data;
    size_t len, at;
};

static size_t upload_read(char *dest, size_t size, size_t nitems, void *arg)
{
    struct upload *u = arg;
    size_t room = size * nitems, left = u->len - u->at;
    size_t n = left < room ? left : room;
    memcpy(dest, u->data + u->at, n);
    u->at += n;
    return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_start(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int smtp_send(const struct smtp_server *srv, const struct smtp_message *m,
              struct err *e)
{
    pthread_once(&curl_once, curl_start);
    CURL *curl = curl_easy_init();
    if (!curl)
        return err_set(e, ERR_FAIL, "smtp", "unable to start libcurl%s%s",
                       *curl_dl_error() ? ": " : "", curl_dl_error());
    struct buf text = BUF_INIT;
    smtp_format_message(m, time(NULL), &text);
    struct upload u = {text.data, text.len, 0};
    char from[300], to[300];
    snprintf(from, sizeof(from), "<%s>", m->from);
    snprintf(to, sizeof(to), "<%s>", m->to);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, srv->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT,
                     srv->timeout_seconds > 0 ? srv->timeout_seconds : 60L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
    int has_ca = srv->ca_file && *srv->ca_file;
    if (!strncmp(srv->url, "smtp://", 7))
        curl_easy_setopt(curl, CURLOPT_USE_SSL,
                         has_ca ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (has_ca)
        curl_easy_setopt(curl, CURLOPT_CAINFO, srv->ca_file);
    if (srv->username && *srv->username) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, srv->username);
        curl_easy_setopt(curl, CURLOPT_PASSWORD,
                         srv->password ? srv->password : "");
    }
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &u);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    CURLcode rc = curl_easy_perform(curl);
    int status = 0;
    if (rc != CURLE_OK) {
        long response = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
        if (response)
            status = err_set(e, ERR_FAIL, "smtp", "%s (server said %ld)",
                             errbuf[0] ? errbuf : curl_easy_strerror(rc),
                             response);
        else
            status = err_set(e, ERR_FAIL, "smtp", "%s",
                             errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    buf_release(&text);
    return status;
}
