/* touchstone mail: the mail server that carries patients' invitations. */
#include "cli/cli.h"
#include "prom/mail.h"

#include <stdio.h>

COMMAND("mail", cmd_mail, "configure the mail server for invitations")

static int mail_configure_cmd(struct cli *c, int argc, const char **argv)
{
    struct mail_config_new in = {0};
    struct opt opts[] = {
        {"smtp", OPT_STRING, &in.smtp_url, "URL",
         "smtp://HOST:PORT (STARTTLS when offered) or smtps://HOST:PORT", 1,
         0},
        {"from", OPT_STRING, &in.from_address, "ADDRESS",
         "the sender's address", 1, 0},
        {"base-url", OPT_STRING, &in.base_url, "URL",
         "where patients reach this server (links are URL/r/TOKEN)", 1, 0},
        {"user", OPT_STRING, &in.username, "USER", "the SMTP login", 0, 0},
        {"password-file", OPT_STRING, &in.password_file, "FILE",
         "a file (mode 600) holding the SMTP password", 0, 0},
        {"ca-file", OPT_STRING, &in.ca_file, "FILE",
         "PEM certificates the server's must chain to (a private CA); "
         "TLS is then required", 0, 0},
        OPT_END,
    };
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    if (mail_configure(c->store, &actor_cli, &in, &e) < 0)
        return cli_fail(c, &e);
    struct mail_config m;
    int found;
    if (mail_config_load(c->store, &m, &found, &e) < 0)
        return cli_fail(c, &e);
    if (c->json)
        return cli_print_json(
            c, json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s?}", "smtp", m.smtp_url,
                         "from", m.from_address, "base_url", m.base_url,
                         "user", m.username[0] ? m.username : NULL,
                         "password_file",
                         m.password_file[0] ? m.password_file : NULL,
                         "ca_file", m.ca_file[0] ? m.ca_file : NULL));
    printf("mail: %s from %s, links %s/r/...%s%s%s%s\n", m.smtp_url,
           m.from_address, m.base_url, m.username[0] ? ", login " : "",
           m.username, m.ca_file[0] ? ", certificates from " : "",
           m.ca_file);
    return EXIT_OK;
}

CLI_VERB_COMMAND(cmd_mail,
    "The mail server that carries invitations.",
    {"configure", mail_configure_cmd, "set the mail server",
     "Stores how to reach the mail server. The password "
     "stays in its file; the database keeps its path."})
