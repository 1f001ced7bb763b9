/* Unit tests for prom/: link tokens (checked against BLAKE2b computed here
 * from the documented formula), the outbox's backoff, address and URL
 * checks, the CA file check, the message's headers and the follow-up
 * windows. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/buf.h"
#include "prom/invitation.h"
#include "prom/mail.h"
#include "prom/outbox.h"
#include "prom/smtp.h"
#include "prom/token.h"
#include "unit/test_helpers.h"

/* The formula of docs/patient-reported.md, written out in one buffer:
 * base64url(BLAKE2b-256(key = sk[0..32), "touchstone-link-v1" 0 purpose
 * 0 nonce-bytes)). */
static void expected_token(const unsigned char sk[64], const char *purpose,
                           const unsigned char nonce[16], char out[44])
{
    unsigned char msg[128];
    size_t n = 0;
    memcpy(msg, "touchstone-link-v1", 18);
    n = 18;
    msg[n++] = 0;
    memcpy(msg + n, purpose, strlen(purpose));
    n += strlen(purpose);
    msg[n++] = 0;
    memcpy(msg + n, nonce, 16);
    n += 16;
    unsigned char digest[32];
    crypto_generichash(digest, 32, msg, n, sk, 32);
    sodium_bin2base64(out, 44, digest, 32,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

Test(token, derive_follows_the_documented_formula)
{
    cr_assert(sodium_init() >= 0);
    for (int round = 0; round < 50; round++) {
        unsigned char pk[32], sk[64], nonce[16];
        crypto_sign_keypair(pk, sk);
        randombytes_buf(nonce, sizeof(nonce));
        char hex[33], got[TOKEN_TEXT_LEN], want[44];
        sodium_bin2hex(hex, sizeof(hex), nonce, sizeof(nonce));
        struct err e = ERR_INIT;
        const char *purpose = round % 2 ? "report" : "invitation";
        cr_assert_eq(token_derive(sk, purpose, hex, got, &e), 0);
        expected_token(sk, purpose, nonce, want);
        cr_assert_str_eq(got, want);
        cr_assert(token_well_formed(got));
        /* Another purpose gives another token. */
        char other[TOKEN_TEXT_LEN];
        token_derive(sk, round % 2 ? "invitation" : "report", hex, other, &e);
        cr_assert_str_neq(got, other);
    }
}

Test(token, hash_is_sha256_hex)
{
    /* SHA-256("abc") (FIPS 180-2, appendix B.1). */
    char h[TOKEN_HASH_HEX_LEN];
    token_hash("abc", h);
    cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb41"
                        "0ff61f20015ad");
}

Test(token, malformed_nonce_refused)
{
    unsigned char sk[64] = {0};
    char out[TOKEN_TEXT_LEN];
    struct err e = ERR_INIT;
    cr_assert_eq(token_derive(sk, "invitation", "abc", out, &e), -1);
    cr_assert_str_eq(e.field, "nonce");
    cr_assert_eq(token_derive(sk, "invitation",
                              "zz000000000000000000000000000000", out, &e),
                 -1);
}

Test(outbox, backoff_is_powers_of_five_minutes)
{
    long want = 1;
    for (int attempt = 1; attempt <= 6; attempt++) {
        cr_assert_eq(outbox_backoff_minutes(attempt), want,
                     "attempt %d: %ld", attempt,
                     outbox_backoff_minutes(attempt));
        want *= 5;
    }
    /* 5^6 = 15625 minutes is past the cap of a week (10080). */
    cr_assert_eq(outbox_backoff_minutes(7), OUTBOX_BACKOFF_MAX_MINUTES);
    cr_assert_eq(outbox_backoff_minutes(100), OUTBOX_BACKOFF_MAX_MINUTES);
}

Test(mail, addresses)
{
    const char *good[] = {"pat@example.org", "a.b+c@mail.example.co.uk",
                          "x@y.z"};
    const char *bad[] = {"",
                         "pat",
                         "@example.org",
                         "pat@",
                         "pat@example",
                         "pat@@example.org",
                         "a@b@example.org",
                         "pat @example.org",
                         "pat@example.org\r\nBcc: x@y.org",
                         "<pat@example.org>",
                         "pat@example.org,other@example.org",
                         "pat@example.",
                         "pat@.org",
                         "\"pat\"@example.org"};
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        cr_assert(mail_address_ok(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        cr_assert_not(mail_address_ok(bad[i]), "%s", bad[i]);
    char longest[300];
    memset(longest, 'a', sizeof(longest));
    memcpy(longest + 250, "@b.org", 7); /* 256 bytes */
    cr_assert_not(mail_address_ok(longest));
    mail_address_ok(NULL);
}

Test(mail, urls)
{
    struct err e = ERR_INIT;
    cr_assert_eq(mail_check_smtp_url("smtp://127.0.0.1:2525", "smtp", &e), 0);
    cr_assert_eq(mail_check_smtp_url("smtps://mail.example.org", "smtp", &e),
                 0);
    cr_assert_eq(mail_check_smtp_url("smtp://[::1]:25/", "smtp", &e), 0);
    const char *bad_smtp[] = {"http://mail.example.org", "smtp://",
                              "smtp://host:0", "smtp://host:65536",
                              "smtp://u:p@host", "smtp://host/path",
                              "smtp://ho st", "smtp://host:25x"};
    for (size_t i = 0; i < sizeof(bad_smtp) / sizeof(*bad_smtp); i++) {
        err_clear(&e);
        cr_assert_eq(mail_check_smtp_url(bad_smtp[i], "smtp", &e), -1, "%s",
                     bad_smtp[i]);
        cr_assert_str_eq(e.field, "smtp");
    }
    cr_assert_eq(mail_check_base_url("https://clinic.example.org", "b", &e),
                 0);
    cr_assert_eq(mail_check_base_url("http://127.0.0.1:8080/touch/", "b", &e),
                 0);
    const char *bad_base[] = {"ftp://x.org", "https://", "https://x.org?a=1",
                              "https://x.org/#f", "https://x.org\n"};
    for (size_t i = 0; i < sizeof(bad_base) / sizeof(*bad_base); i++)
        cr_assert_eq(mail_check_base_url(bad_base[i], "b", &e), -1, "%s",
                     bad_base[i]);
}

/* Writes text to the file name in dir. */

Test(mail, ca_file)
{
    char dir[] = "/tmp/test-prom-ca-XXXXXX";
    cr_assert(mkdtemp(dir));
    test_write_file(dir, "ca.pem",
             "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    test_write_file(dir, "junk.pem", "not a certificate\n");
    test_write_file(dir, "key.pem", "-----BEGIN PRIVATE KEY-----\n");
    test_write_file(dir, "empty.pem", "");
    struct err e = ERR_INIT;
    char path[512];
    snprintf(path, sizeof(path), "%s/ca.pem", dir);
    cr_assert_eq(mail_check_ca_file(path, "ca-file", &e), 0, "%s", e.message);
    struct {
        const char *name, *says;
    } bad[] = {
        {"junk.pem", "no PEM"},
        {"key.pem", "no PEM"},
        {"empty.pem", "1 byte to 1 MiB"},
        {"", "not a regular file"}, /* the folder itself */
        {"none.pem", "unable to open"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, bad[i].name);
        err_clear(&e);
        cr_assert_eq(mail_check_ca_file(path, "ca-file", &e), -1, "%s", path);
        cr_assert_str_eq(e.field, "ca-file");
        cr_assert(strstr(e.message, bad[i].says), "%s: %s", path, e.message);
    }
    err_clear(&e);
    cr_assert_eq(mail_check_ca_file(NULL, "ca-file", &e), -1);
    const char *names[] = {"ca.pem", "junk.pem", "key.pem", "empty.pem"};
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        remove(path);
    }
    rmdir(dir);
}

Test(smtp, message_headers_cannot_be_injected)
{
    struct smtp_message m = {"clinic@example.org", "pat@example.org",
                             "Clinic\r\nBcc: evil@example.org: hello",
                             "line one\nline two\n"};
    struct buf b = BUF_INIT;
    /* 2026-06-30T12:00:00Z was a Tuesday. */
    smtp_format_message(&m, 1782820800, &b);
    cr_assert(strstr(b.data, "Date: Tue, 30 Jun 2026 12:00:00 +0000\r\n"),
              "%s", b.data);
    cr_assert_null(strstr(b.data, "\r\nBcc:"));
    cr_assert(strstr(b.data, "Subject: Clinic  Bcc: evil@example.org: hello"
                             "\r\n"));
    cr_assert(strstr(b.data, "Content-Type: text/plain; charset=UTF-8\r\n"));
    cr_assert(strstr(b.data, "\r\n\r\nline one\r\nline two\r\n"));
    buf_release(&b);
}

Test(smtp, utf8_subject_is_encoded)
{
    struct smtp_message m = {"c@example.org", "p@example.org",
                             "Cl\xc3\xadnica Sint\xc3\xa9tica", "hi\n"};
    struct buf b = BUF_INIT;
    smtp_format_message(&m, 0, &b);
    /* base64 of the UTF-8 bytes (printf 'Clínica Sintética' | base64). */
    cr_assert(strstr(b.data, "Subject: =?UTF-8?B?Q2zDrW5pY2EgU2ludMOpdGljYQ=="
                             "?=\r\n"),
              "%s", b.data);
    buf_release(&b);
}

Test(invitation, followup_windows)
{
    struct catalog *cat;
    struct err e = ERR_INIT;
    cr_assert_eq(catalog_load(NULL, &cat, &e), 0, "%s", e.message);
    /* low-back-pain: 24h, 4w, 3m, 6m -> days 1, 28, 90, 180. */
    const struct protocol *p = catalog_find(cat, "low-back-pain");
    cr_assert_not_null(p);
    long end = 20000, from, until;
    const char *delay;
    int late;
    /* The day of discharge: the 24h window is next, [end+1, end+28). */
    cr_assert_eq(invitation_followup_window(p, end, end, &from, &until,
                                            &delay, &late), 0);
    cr_assert_eq(from, end + 1);
    cr_assert_eq(until, end + 28);
    cr_assert_str_eq(delay, "24h");
    cr_assert_eq(late, 0);
    cr_assert_eq(invitation_followup_window(p, end, end + 28, &from, &until,
                                            &delay, &late), 0);
    cr_assert_str_eq(delay, "4w");
    cr_assert_eq(until, end + 90);
    /* The last: from day 180, open 180/2 + 1 = 91 days. */
    cr_assert_eq(invitation_followup_window(p, end, end + 200, &from, &until,
                                            &delay, &late), 0);
    cr_assert_str_eq(delay, "6m");
    cr_assert_eq(from, end + 180);
    cr_assert_eq(until, end + 271);
    /* Every window closed: a late one from today, then nothing after a
     * year. */
    cr_assert_eq(invitation_followup_window(p, end, end + 300, &from, &until,
                                            &delay, &late), 0);
    cr_assert_eq(late, 1);
    cr_assert_eq(from, end + 300);
    cr_assert_eq(until, end + 300 + INVITATION_LATE_DAYS);
    cr_assert_eq(invitation_followup_window(p, end, end + 366, &from, &until,
                                            &delay, &late), -1);
    catalog_free(cat);
}
