#include "prom/mail.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/util.h"
#include "record/access.h"
#include "record/audit.h"

int mail_address_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 3 || n > MAIL_ADDRESS_MAX)
        return 0;
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@'))
        return 0;
    const char *dot = strchr(at + 1, '.');
    if (!dot || dot == at + 1 || !dot[1] || s[n - 1] == '.')
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f ||
            strchr("<>,;\"\\()[]:", *p))
            return 0;
    return 1;
}

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* Checks "HOST[:PORT]" followed by end, "/" or (when rest_ok) any path;
 * sets *rest to what follows the authority. */
static int check_authority(const char *p, const char *field, const char **rest,
                           struct err *e)
{
    const char *h = p;
    if (memchr(p, '@', strcspn(p, "/?#")))
        return err_set(e, ERR_INPUT, field,
                       "must not carry a user or password (use --user "
                       "and --password-file)");
    if (*p == '[') {
        p++;
        while (*p && *p != ']' &&
               (strchr("0123456789abcdefABCDEF:.", *p)))
            p++;
        if (*p != ']' || p == h + 1)
            return err_set(e, ERR_INPUT, field, "has a malformed IPv6 host");
        p++;
    } else {
        while (host_char(*p))
            p++;
        if (p == h)
            return err_set(e, ERR_INPUT, field, "has no host name");
    }
    if (*p == ':') {
        p++;
        long port = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 6) {
            port = port * 10 + (*p - '0');
            p++;
            digits++;
        }
        if (!digits || port < 1 || port > 65535)
            return err_set(e, ERR_INPUT, field,
                           "has a port that is not 1 to 65535");
    }
    *rest = p;
    return 0;
}

static int has_blank_or_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* A URL of one of two schemes ("smtp", "smtps"; "http", "https"): not
 * empty, not too long, no blank or control character, then the host and
 * port. Sets *rest to what follows them. */
static int check_url(const char *url, const char *field, const char *plain,
                     const char *secure, const char **rest, struct err *e)
{
    if (!url || !*url)
        return err_set(e, ERR_INPUT, field, "is empty");
    if (strlen(url) > MAIL_URL_MAX)
        return err_set(e, ERR_INPUT, field, "is longer than %d bytes",
                       MAIL_URL_MAX);
    if (has_blank_or_control(url))
        return err_set(e, ERR_INPUT, field,
                       "holds a blank or a control character");
    const char *p = NULL;
    size_t n = strlen(plain);
    if (!strncmp(url, plain, n) && !strncmp(url + n, "://", 3))
        p = url + n + 3;
    n = strlen(secure);
    if (!strncmp(url, secure, n) && !strncmp(url + n, "://", 3))
        p = url + n + 3;
    if (!p)
        return err_set(e, ERR_INPUT, field,
                       "'%.64s' is not an %s:// or %s:// URL", url, plain,
                       secure);
    return check_authority(p, field, rest, e);
}

int mail_check_smtp_url(const char *url, const char *field, struct err *e)
{
    const char *rest;
    if (check_url(url, field, "smtp", "smtps", &rest, e) < 0)
        return -1;
    if (*rest && strcmp(rest, "/"))
        return err_set(e, ERR_INPUT, field,
                       "must end after the host and port, not '%.32s'", rest);
    return 0;
}

int mail_check_base_url(const char *url, const char *field, struct err *e)
{
    const char *rest;
    if (check_url(url, field, "http", "https", &rest, e) < 0)
        return -1;
    if (*rest && *rest != '/')
        return err_set(e, ERR_INPUT, field,
                       "has '%.32s' where a path should start", rest);
    if (strpbrk(rest, "?#"))
        return err_set(e, ERR_INPUT, field,
                       "must not hold a query or a fragment");
    return 0;
}

int mail_read_password(const char *path, const char *field, char *password,
                       struct err *e)
{
    if (!path || !*path)
        return err_set(e, ERR_INPUT, field, "is empty");
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, ERR_INPUT, field, "unable to open '%s': %s", path,
                       errno == ELOOP ? "it is a symbolic link"
                                      : strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        rc = err_set(e, ERR_FAIL, field, "unable to read '%s': %s", path,
                     strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = err_set(e, ERR_INPUT, field, "'%s' is not a regular file", path);
    } else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        rc = err_set(e, ERR_INPUT, field,
                     "'%s' may be read by group or others (mode %04o); "
                     "refusing to use it: run 'chmod 600 %s'", path,
                     (unsigned)(st.st_mode & 07777), path);
    } else if (st.st_size < 1 || st.st_size > MAIL_PASSWORD_MAX) {
        rc = err_set(e, ERR_INPUT, field,
                     "'%s' must hold a password of 1 to %d bytes", path,
                     MAIL_PASSWORD_MAX);
    } else if (password) {
        size_t got = fd_read_full(fd, password, (size_t)st.st_size);
        password[got] = '\0';
        while (got > 0 &&
               (password[got - 1] == '\n' || password[got - 1] == '\r'))
            password[--got] = '\0';
        if (got == 0 || strlen(password) != got) {
            sodium_memzero(password, MAIL_PASSWORD_MAX + 1);
            rc = err_set(e, ERR_INPUT, field,
                         "'%s' does not hold a one-line password", path);
        }
    }
    close(fd);
    return rc;
}

int mail_check_ca_file(const char *path, const char *field, struct err *e)
{
    if (!path || !*path)
        return err_set(e, ERR_INPUT, field, "missing");
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_INPUT, field, "unable to open '%s': %s", path,
                       strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = err_set(e, ERR_INPUT, field, "'%s' is not a regular file", path);
    } else if (st.st_size < 1 || st.st_size > (1 << 20)) {
        rc =
            err_set(e, ERR_INPUT, field,
                    "'%s' must hold 1 byte to 1 MiB of PEM certificates", path);
    } else {
        char *text = xcalloc(1, (size_t)st.st_size + 1);
        size_t got = fread(text, 1, (size_t)st.st_size, f);
        text[got] = '\0';
        if (!strstr(text, "-----BEGIN CERTIFICATE-----"))
            rc = err_set(e, ERR_INPUT, field,
                         "'%s' holds no PEM certificate (-----BEGIN "
                         "CERTIFICATE-----)",
                         path);
        free(text);
    }
    fclose(f);
    return rc;
}

/* Resolves path (of the flag field) to the absolute path kept in the
 * settings, which must fit MAIL_PATH_MAX. */
static int absolute_path(const char *path, const char *field,
                         char absolute[PATH_MAX], struct err *e)
{
    if (!realpath(path, absolute))
        return err_set(e, ERR_INPUT, field, "unable to resolve '%s': %s", path,
                       strerror(errno));
    if (strlen(absolute) > MAIL_PATH_MAX)
        return err_set(e, ERR_INPUT, field, "its path is longer than %d bytes",
                       MAIL_PATH_MAX);
    return 0;
}

int mail_configure(struct store *s, const struct actor *caller,
                   const struct mail_config_new *in, struct err *e)
{
    if (access_manage(caller, "configure mail", e) < 0)
        return -1;
    if (mail_check_smtp_url(in->smtp_url, "smtp", e) < 0 ||
        mail_check_base_url(in->base_url, "base-url", e) < 0)
        return -1;
    if (!mail_address_ok(in->from_address))
        return err_set(e, ERR_INPUT, "from", "'%.64s' is not an email address",
                       in->from_address ? in->from_address : "");
    int has_user = in->username && *in->username;
    int has_file = in->password_file && *in->password_file;
    if (has_user != has_file)
        return err_set(e, ERR_INPUT, has_user ? "password-file" : "user",
                       "--user and --password-file go together");
    char absolute[PATH_MAX];
    if (has_user) {
        if (strlen(in->username) > MAIL_USER_MAX ||
            has_blank_or_control(in->username))
            return err_set(e, ERR_INPUT, "user",
                           "must be 1 to %d bytes with no blank or control "
                           "character", MAIL_USER_MAX);
        if (mail_read_password(in->password_file, "password-file", NULL,
                               e) < 0 ||
            absolute_path(in->password_file, "password-file", absolute, e) < 0)
            return -1;
    }
    char ca_absolute[PATH_MAX];
    int has_ca = in->ca_file != NULL;
    if (has_ca) {
        if (mail_check_ca_file(in->ca_file, "ca-file", e) < 0 ||
            absolute_path(in->ca_file, "ca-file", ca_absolute, e) < 0)
            return -1;
    }
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    if (store_begin(s, e) < 0)
        return -1;
    /* A trailing slash would double in <base_url>/r/<token>. */
    size_t blen = strlen(in->base_url);
    while (blen > 0 && in->base_url[blen - 1] == '/')
        blen--;
    char base[MAIL_URL_MAX + 1];
    memcpy(base, in->base_url, blen);
    base[blen] = '\0';
    int rc = STORE_RUN(
        s, e,
        "INSERT INTO mail_config (id, smtp_url, from_address, base_url,"
        " username, password_file, ca_file, updated_at) VALUES (1, :smtp,"
        " :from, :base, :user, :file, :ca, :now) ON CONFLICT (id) DO"
        " UPDATE SET smtp_url = excluded.smtp_url, from_address ="
        " excluded.from_address, base_url = excluded.base_url, username ="
        " excluded.username, password_file = excluded.password_file,"
        " ca_file = excluded.ca_file, updated_at = excluded.updated_at",
        STORE_TEXT(":smtp", in->smtp_url),
        STORE_TEXT(":from", in->from_address), STORE_TEXT(":base", base),
        STORE_TEXT(":user", has_user ? in->username : NULL),
        STORE_TEXT(":file", has_user ? absolute : NULL),
        STORE_TEXT(":ca", has_ca ? ca_absolute : NULL),
        STORE_TEXT(":now", now));
    return audit_end(s, caller, "update", "mail_config", 1, 0, rc, e);
}

int mail_config_load(struct store *s, struct mail_config *out, int *found,
                     struct err *e)
{
    memset(out, 0, sizeof(*out));
    *found = 0;
    struct stmt *st =
        store_prepare(s, "SELECT smtp_url, from_address, base_url, username,"
                         " password_file, updated_at, ca_file FROM mail_config"
                         " WHERE id = 1");
    int rc = stmt_step(st, e);
    if (rc > 0) {
        str_copy(out->smtp_url, sizeof(out->smtp_url), stmt_text(st, 0));
        str_copy(out->from_address, sizeof(out->from_address),
                  stmt_text(st, 1));
        str_copy(out->base_url, sizeof(out->base_url), stmt_text(st, 2));
        str_copy(out->username, sizeof(out->username), stmt_text(st, 3));
        str_copy(out->password_file, sizeof(out->password_file),
                  stmt_text(st, 4));
        str_copy(out->updated_at, sizeof(out->updated_at), stmt_text(st, 5));
        str_copy(out->ca_file, sizeof(out->ca_file), stmt_text(st, 6));
        *found = 1;
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}
