/* touchstone user: login accounts for the web server. */
#include "cli/cli.h"
#include "core/util.h"
#include "record/user.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

COMMAND("user", cmd_user, "manage web login accounts (add, list, disable, passwd)")

/* Room for the longest password, a line end and one byte more to tell
 * that a file is too long. */
#define PASSWORD_BUF (USER_PASSWORD_MAX + 4)

/* Reads a password from FILE ("-": standard input) into out (size n):
 * the first line, without its line end. */
static int read_password_file(struct cli *c, const char *path, char *out,
                              size_t n)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f)
        return cli_error(c, EXIT_BAD_INPUT, "password-file",
                         "unable to open '%s': %s", path, strerror(errno));
    size_t len = fread(out, 1, n - 1, f);
    int bad = ferror(f);
    if (f != stdin)
        fclose(f);
    out[len] = '\0';
    if (bad)
        return cli_error(c, EXIT_BAD_INPUT, "password-file",
                         "unable to read '%s'", path);
    if (len == n - 1)
        return cli_error(c, EXIT_BAD_INPUT, "password-file",
                         "'%s' is longer than %d bytes", path,
                         USER_PASSWORD_MAX);
    if (memchr(out, '\0', len))
        return cli_error(c, EXIT_BAD_INPUT, "password-file",
                         "'%s' holds a NUL byte", path);
    /* One line: a final line end is dropped, any other one refused. */
    if (len && out[len - 1] == '\n')
        out[--len] = '\0';
    if (len && out[len - 1] == '\r')
        out[--len] = '\0';
    if (strpbrk(out, "\r\n"))
        return cli_error(c, EXIT_BAD_INPUT, "password-file",
                         "'%s' holds more than one line", path);
    return 0;
}

/* Reads one line from the terminal with echo off. */
static int prompt_line(const char *prompt, char *out, size_t n)
{
    struct termios old, quiet;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return -1;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
        return -1;
    int ok = fgets(out, (int)n, stdin) != NULL;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    if (!ok)
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

/* The new password: from --password-file, else asked twice on a
 * terminal. */
static int get_password(struct cli *c, const char *file, char *out, size_t n)
{
    if (file)
        return read_password_file(c, file, out, n);
    if (!isatty(STDIN_FILENO))
        return cli_error(c, EXIT_BAD_INPUT, "password",
                         "give --password-file FILE (standard input is not "
                         "a terminal to ask on)");
    char again[PASSWORD_BUF];
    if (prompt_line("new password: ", out, n) < 0 ||
        prompt_line("again: ", again, sizeof(again)) < 0)
        return cli_error(c, EXIT_BAD_INPUT, "password",
                         "unable to read it from the terminal");
    int same = strcmp(out, again) == 0;
    sodium_memzero(again, sizeof(again));
    if (!same)
        return cli_error(c, EXIT_BAD_INPUT, "password",
                         "the two entries differ");
    return 0;
}

static int user_add_cmd(struct cli *c, int argc, const char **argv)
{
    const char *email = NULL, *role_text = NULL, *file = NULL;
    long practitioner = 0;
    struct opt opts[] = {
        {"email", OPT_STRING, &email, "EMAIL", "the login name", 1, 0},
        {"role", OPT_STRING, &role_text, "ROLE",
         "admin, therapist or researcher", 1, 0},
        {"practitioner", OPT_INT, &practitioner, "ID",
         "the therapist's practitioner record (therapists only)", 0, 0},
        {"password-file", OPT_STRING, &file, "FILE",
         "read the password from FILE ('-': standard input); without it "
         "the password is asked on the terminal",
         0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    enum role role;
    if (role_parse(role_text, &role) < 0)
        return cli_error(c, EXIT_BAD_INPUT, "role",
                         "'%.32s' is not admin, therapist or researcher",
                         role_text);
    if (practitioner < 0)
        return cli_error(c, EXIT_BAD_INPUT, "practitioner",
                         "'%ld' is not a record id", practitioner);
    struct err e = ERR_INIT;
    char password[PASSWORD_BUF];
    if (get_password(c, file, password, sizeof(password)) != 0)
        return c->exit_code;
    int64_t id = 0;
    int rc = cli_open_store(c, &e);
    if (rc == 0)
        rc = user_add(c->store, &actor_cli, email, role, practitioner,
                      password, &id, &e);
    sodium_memzero(password, sizeof(password));
    if (rc < 0)
        return cli_fail(c, &e);
    return cli_print_id(c, id);
}

static json_t *user_json(const void *item)
{
    const struct user *u = item;
    json_t *o = json_pack("{s:I,s:s,s:s,s:b,s:s}", "id", (json_int_t)u->id,
                          "email", u->email, "role", role_name(u->role),
                          "disabled", u->disabled, "created_at",
                          u->created_at);
    json_object_set_new(o, "practitioner_id",
                        u->practitioner_id
                            ? json_integer(u->practitioner_id)
                            : json_null());
    return o;
}

static void user_header(void)
{
    printf("%-5s %-32s %-10s %-12s %s\n", "ID", "EMAIL", "ROLE",
           "PRACTITIONER", "STATUS");
}

static void user_row(const void *item)
{
    const struct user *u = item;
    char p[24] = "-";
    if (u->practitioner_id)
        snprintf(p, sizeof(p), "%lld", (long long)u->practitioner_id);
    printf("%-5lld %-32s %-10s %-12s %s\n", (long long)u->id, u->email,
           role_name(u->role), p, u->disabled ? "disabled" : "active");
}

static int user_list_cmd(struct cli *c, int argc, const char **argv)
{
    static const struct cli_list_format format = {user_json, user_header,
                                                  user_row, NULL};
    struct err e = ERR_INIT;
    struct user *users = NULL;
    int n = 0;
    if (cli_parse_none_open(c, argc, argv) < 0 ||
        user_list(c->store, &users, &n, &e) < 0)
        return cli_stop(c, &e);
    int rc = cli_print_list(c, &format, users, (size_t)n, sizeof(*users));
    free(users);
    return rc;
}

static int user_disable_cmd(struct cli *c, int argc, const char **argv)
{
    const char *who = NULL;
    struct err e = ERR_INIT;
    struct user u;
    if (cli_parse_arg_open(c, argc, argv, "user", "ID|EMAIL", "the account",
                           &who) < 0 ||
        user_find(c->store, who, &u, &e) < 0 ||
        user_disable(c->store, &actor_cli, u.id, &e) < 0)
        return cli_stop(c, &e);
    if (c->json)
        return cli_print_json(c, json_pack("{s:I,s:b}", "id",
                                           (json_int_t)u.id, "disabled", 1));
    printf("disabled account %lld (%s)\n", (long long)u.id, u.email);
    return EXIT_OK;
}

static int user_passwd_cmd(struct cli *c, int argc, const char **argv)
{
    const char *who = NULL, *file = NULL;
    struct opt opts[] = {
        {"user", OPT_ARG, &who, "ID|EMAIL", "the account", 1, 0},
        {"password-file", OPT_STRING, &file, "FILE",
         "read the password from FILE ('-': standard input)", 0, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    struct user u;
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||
        user_find(c->store, who, &u, &e) < 0)
        return cli_stop(c, &e);
    char password[PASSWORD_BUF];
    if (get_password(c, file, password, sizeof(password)) != 0)
        return c->exit_code;
    int rc = user_set_password(c->store, &actor_cli, u.id, password, &e);
    sodium_memzero(password, sizeof(password));
    if (rc < 0)
        return cli_fail(c, &e);
    if (c->json)
        return cli_print_json(c, json_pack("{s:I}", "id", (json_int_t)u.id));
    printf("changed the password of account %lld (%s)\n", (long long)u.id,
           u.email);
    return EXIT_OK;
}

CLI_VERB_COMMAND(cmd_user,
    "Web login accounts. Therapist accounts are linked "
    "to their practitioner record.",
    {"add", user_add_cmd, "create a login (admin, therapist, researcher)",
     "Creates a web login. Passwords have at least 12 characters and are "
     "stored as Argon2id hashes."},
    {"list", user_list_cmd, "list the logins",
     "Lists the web login accounts."},
    {"disable", user_disable_cmd, "disable a login and end its sessions",
     "Disables an account: it can no longer log in, and its sessions end."},
    {"passwd", user_passwd_cmd, "set a new password",
     "Sets a new password; the account's sessions end."})
