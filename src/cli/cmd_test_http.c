/* touchstone test-http: one raw HTTP request from standard input through
 * the whole web stack, the raw response to standard output (as Fossil's
 * test-http): end-to-end tests without a socket. */
#include "cli/cli.h"
#include "core/util.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

COMMAND("test-http", cmd_test_http, "answer one raw HTTP request from stdin on stdout (for tests)")

int cmd_test_http(struct cli *c, int argc, const char **argv)
{
    const char *client = "127.0.0.1";
    int tls = 0;
    struct opt opts[] = {
        {"client", OPT_STRING, &client, "ADDRESS",
         "the client address the request seems to come from "
         "(default 127.0.0.1)",
         0, 0},
        {"tls", OPT_FLAG, &tls, NULL,
         "act as if served over TLS (cookies get Secure)", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Reads one HTTP/1.1 request (request line, headers, "
                  "Content-Length body) from standard input, answers it "
                  "with the same code as 'touchstone serve', and writes the "
                  "full response to standard output.") < 0)
        return c->exit_code;
    if (!*client || strlen(client) >= 64)
        return cli_error(c, EXIT_BAD_INPUT, "client", "1 to 63 characters");
    /* Read at most the head and the largest body, and one byte more. */
    struct buf raw;
    buf_init(&raw, HTTP_HEADER_CAP + HTTP_BODY_CAP + 1024);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        if (buf_add(&raw, chunk, n) < 0)
            break;
    struct err e = ERR_INIT;
    struct http_request req;
    struct http_response resp;
    http_request_init(&req);
    http_response_init(&resp);
    snprintf(req.client, sizeof(req.client), "%s", client);
    req.tls = tls;
    int status = http_request_parse(&req, raw.data, raw.len, &e);
    if (status == 0 && !buf_ok(&raw))
        req.body_too_large = 1;
    buf_release(&raw);
    int rc = EXIT_OK;
    struct web_config cfg;
    web_config_default(&cfg);
    cfg.tls = tls;
    if (status)
        web_reply_unparsed(status, &e, &resp);
    else if (cli_open_store(c, &e) < 0 ||
             cli_load_catalog(c, &cfg.catalog, &e) < 0)
        rc = cli_fail(c, &e);
    else
        web_handle(&cfg, c->store, &req, &resp);
    if (rc == EXIT_OK) {
        struct buf out = BUF_INIT;
        http_response_serialize(&resp, !strcmp(req.method, "HEAD"), &out);
        fwrite(out.data, 1, out.len, stdout);
        buf_release(&out);
    }
    http_request_release(&req);
    http_response_release(&resp);
    return rc;
}
