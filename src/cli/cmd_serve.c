/* touchstone serve: the built-in web server. */
#include "cli/cli.h"
#include "prom/schedule.h"
#include "web/web.h"

#include <stdio.h>

COMMAND("serve", cmd_serve, "run the web server (HTML pages and the JSON API)")

/* The scheduler's lines go with the access log, on stderr. */
static void schedule_log(const char *line)
{
    fprintf(stderr, "%s\n", line);
}

int cmd_serve(struct cli *c, int argc, const char **argv)
{
    const char *listen = "127.0.0.1:8080";
    long threads = 4, timeout = 30;
    int secure_cookies = 0;
    long schedule_every = 60;
    struct opt opts[] = {
        {"listen", OPT_STRING, &listen, "HOST:PORT",
         "address to listen on (default 127.0.0.1:8080; port 0: any free "
         "port)",
         0, 0},
        OPTION_THREADS(&threads),
        OPTION_TIMEOUT(&timeout),
        {"secure-cookies", OPT_FLAG, &secure_cookies, NULL,
         "mark cookies Secure (when a TLS proxy serves the clients)", 0, 0},
        {"schedule-every", OPT_INT, &schedule_every, "SECONDS",
         "invite, remind and send the outbox every SECONDS (default 60; "
         "0: never)",
         0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Serves the clinic's database over HTTP until SIGINT or "
                  "SIGTERM, then finishes the requests in flight and closes "
                  "the database. Prints the URL, then one access-log line "
                  "per request on stderr. Plain HTTP: keep it on loopback, "
                  "or put a TLS proxy in front (docs/security.md).") < 0 ||
        cli_check_server(c, threads, timeout) < 0 ||
        cli_check_range(c, "schedule-every", schedule_every, 0, 86400) < 0)
        return c->exit_code;
    struct web_serve_options o = {
        .db_path = c->db_path,
        .listen = listen,
        .threads = (int)threads,
        .timeout_seconds = (int)timeout,
    };
    web_config_default(&o.config);
    o.config.tls = secure_cookies;
    struct err e = ERR_INIT;
    if (cli_load_catalog(c, &o.config.catalog, &e) < 0)
        return cli_fail(c, &e);
    struct schedule_thread *scheduler = NULL;
    if (schedule_every > 0) {
        struct schedule_thread_options so = {
            .db_path = c->db_path,
            .catalog = c->catalog_dir ? o.config.catalog : NULL,
            .interval_seconds = (int)schedule_every,
            .log = schedule_log,
        };
        if (schedule_thread_start(&so, &scheduler, &e) < 0)
            return cli_fail(c, &e);
    }
    int rc = web_serve(&o, &e);
    schedule_thread_stop(scheduler);
    return rc < 0 ? cli_fail(c, &e) : EXIT_OK;
}
