/* touchstone serve: the built-in web server. */
#include "cli/cli.h"
#include "web/web.h"

#include <stdio.h>

COMMAND("serve", cmd_serve, "run the web server (HTML pages and the JSON API)")

int cmd_serve(struct cli *c, int argc, const char **argv)
{
    const char *listen = "127.0.0.1:8080";
    long threads = 4, timeout = 30;
    int secure_cookies = 0;
    struct opt opts[] = {
        {"listen", OPT_STRING, &listen, "HOST:PORT",
         "address to listen on (default 127.0.0.1:8080; port 0: any free "
         "port)",
         0, 0},
        {"threads", OPT_INT, &threads, "N", "worker threads (default 4)", 0,
         0},
        {"timeout", OPT_INT, &timeout, "SECONDS",
         "close idle or slow connections after SECONDS (default 30)", 0, 0},
        {"secure-cookies", OPT_FLAG, &secure_cookies, NULL,
         "mark cookies Secure (when a TLS proxy serves the clients)", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Serves the clinic's database over HTTP until SIGINT or "
                  "SIGTERM, then finishes the requests in flight and closes "
                  "the database. Prints the URL, then one access-log line "
                  "per request on stderr. Plain HTTP: keep it on loopback, "
                  "or put a TLS proxy in front (docs/security.md).") < 0)
        return c->exit_code;
    if (threads < 1 || threads > 64)
        return cli_error(c, EXIT_BAD_INPUT, "threads",
                         "'%ld' is not between 1 and 64", threads);
    if (timeout < 1 || timeout > 3600)
        return cli_error(c, EXIT_BAD_INPUT, "timeout",
                         "'%ld' is not between 1 and 3600", timeout);
    struct web_serve_options o = {
        .db_path = c->db_path,
        .listen = listen,
        .threads = (int)threads,
        .timeout_seconds = (int)timeout,
    };
    web_config_default(&o.config);
    o.config.tls = secure_cookies;
    struct err e = ERR_INIT;
    if (cli_load_catalog(c, &o.config.catalog, &e) < 0 ||
        web_serve(&o, &e) < 0)
        return cli_fail(c, &e);
    return EXIT_OK;
}
