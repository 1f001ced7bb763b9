/*
 * smtp: hands one message to a mail server with libcurl (the only file
 * that includes curl). smtp:// upgrades to TLS with STARTTLS when the
 * server offers it (CURLUSESSL_TRY), or always (CURLUSESSL_ALL: a server
 * without STARTTLS is refused) when a CA file is given; smtps:// speaks
 * TLS from the first byte. The server's certificate and host name are
 * always verified (libcurl's default, never turned off), against the CA
 * file when given. AUTH when a user is given. The message is RFC 5322 with
 * Date, Message-ID, From, To, Subject and a MIME text/plain UTF-8 body.
 *
 * Errors carry curl's message, never the password.
 */
#ifndef TS_PROM_SMTP_H
#define TS_PROM_SMTP_H

#include <time.h>

#include "core/buf.h"
#include "core/err.h"

struct smtp_server {
    const char *url;      /* smtp://host:port or smtps://host:port */
    const char *username; /* NULL or "": no AUTH */
    const char *password; /* with username */
    const char *ca_file;  /* NULL or "": the system's authorities; else
                             these, and TLS is required */
    long timeout_seconds; /* the whole exchange; 0: 60 */
};

struct smtp_message {
    const char *from;    /* an address (mail.h: mail_address_ok) */
    const char *to;      /* an address */
    const char *subject; /* UTF-8; control characters become blanks */
    const char *body;    /* UTF-8 text, lines ending in "\n" */
};

/*
 * Writes the RFC 5322 text of m into out (appending; lines end in CRLF):
 * headers Date (the instant date), Message-ID (random, at the sender's
 * domain), From, To, Subject (RFC 2047 base64 when not ASCII),
 * MIME-Version, Content-Type text/plain; charset=UTF-8 and
 * Content-Transfer-Encoding 8bit, then the body.
 */
void smtp_format_message(const struct smtp_message *m, time_t date,
                         struct buf *out);

/* Sends m through srv. ERR_FAIL (field "smtp") with curl's message when
 * the server cannot be reached, refuses the sender, a recipient or the
 * login, or times out. */
int smtp_send(const struct smtp_server *srv, const struct smtp_message *m,
              struct err *e);

#endif
