/*
 * mail: how the clinic reaches its mail server (table mail_config, one
 * row; docs/patient-reported.md).
 *
 *   smtp_url      smtp://host[:port] (STARTTLS when the server offers it)
 *                 or smtps://host[:port] (TLS from the first byte)
 *   from_address  the sender's address
 *   base_url      http(s)://... where patients reach the clinic's server;
 *                 a link is <base_url>/r/<token>
 *   username      for AUTH, or none
 *   password_file the file holding the password (never the database): a
 *                 regular file that neither group nor others may access
 *   ca_file       the certificates (PEM) the server's certificate must
 *                 chain to, for a clinic whose mail server has a private
 *                 certificate authority; with it, TLS is required (a
 *                 server that does not offer STARTTLS is refused). The
 *                 server's certificate and host name are always checked.
 *
 * Nothing here sends; prom/smtp.h does. Allocates nothing unless said.
 */
#ifndef TS_PROM_MAIL_H
#define TS_PROM_MAIL_H

#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

#define MAIL_URL_MAX 512
#define MAIL_ADDRESS_MAX 254
#define MAIL_USER_MAX 254
#define MAIL_PATH_MAX 1024
#define MAIL_PASSWORD_MAX 1024

struct mail_config {
    char smtp_url[MAIL_URL_MAX + 1];
    char from_address[MAIL_ADDRESS_MAX + 1];
    char base_url[MAIL_URL_MAX + 1];
    char username[MAIL_USER_MAX + 1];      /* "" : no AUTH */
    char password_file[MAIL_PATH_MAX + 1]; /* "" : none */
    char ca_file[MAIL_PATH_MAX + 1];       /* "" : the system's */
    char updated_at[32];
};

/* What `mail configure` gives; username and password_file may be NULL,
 * but a username needs a password file and the other way round. */
struct mail_config_new {
    const char *smtp_url;
    const char *from_address;
    const char *base_url;
    const char *username;
    const char *password_file;
    const char *ca_file; /* NULL: the system's certificate authorities */
};

/* 1 when s is a plausible email address: one '@' with text on both
 * sides, a dot in the domain, at most 254 bytes, no blanks, control
 * characters or any of <>,;"\()[]: that would break a header. */
int mail_address_ok(const char *s);

/* 0 when url is smtp://HOST[:PORT][/] or smtps://... (a host of letters,
 * digits, '.', '-', or a bracketed IPv6 address; a port 1-65535; no user
 * or password in it); else ERR_INPUT naming field. */
int mail_check_smtp_url(const char *url, const char *field, struct err *e);

/* 0 when url is http:// or https:// with a host and no query, fragment,
 * blanks or control characters; else ERR_INPUT naming field. */
int mail_check_base_url(const char *url, const char *field, struct err *e);

/*
 * Checks a password file: a regular file (no symbolic link), readable,
 * with no group or other permission bit (the message gives the mode and
 * "chmod 600"), 1 to MAIL_PASSWORD_MAX bytes. When password is not NULL,
 * the file's content without its trailing newline is copied there (size
 * MAIL_PASSWORD_MAX + 1; the caller wipes it after use). ERR_INPUT or
 * ERR_FAIL naming field; the content never appears in a message.
 */
int mail_read_password(const char *path, const char *field, char *password,
                       struct err *e);

/*
 * Checks a CA file: a readable regular file of 1 byte to 1 MiB holding at
 * least one "-----BEGIN CERTIFICATE-----". ERR_INPUT naming field.
 */
int mail_check_ca_file(const char *path, const char *field, struct err *e);

/*
 * Validates in, makes the password file's and CA file's paths absolute, and
 * stores the configuration (replacing the previous one) in one transaction with
 * an audit entry. Only an admin (the command line is one) may: else ERR_AUTH.
 * Bad input changes nothing.
 */
int mail_configure(struct store *s, const struct actor *caller,
                   const struct mail_config_new *in, struct err *e);

/* Loads the configuration into out. *found is 0 (out zeroed) when mail
 * has not been configured. */
int mail_config_load(struct store *s, struct mail_config *out, int *found,
                     struct err *e);

#endif
