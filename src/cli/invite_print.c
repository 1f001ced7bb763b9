/* touchstone invite print: an invitation's link as a QR code (SVG or PNG),
 * or as text. */
#include "cli/invite_print.h"
#include "core/util.h"
#include "prom/answer.h"
#include "prom/qr.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/episode.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* The format of an output file by its name's ending: 's' SVG, 'p' PNG. */
static int out_format(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && !strcasecmp(path + n - 4, ".svg"))
        return 's';
    if (n > 4 && !strcasecmp(path + n - 4, ".png"))
        return 'p';
    return 0;
}

int invite_print_cmd(struct cli *c, int argc, const char **argv)
{
    int64_t id = 0;
    const char *out = NULL, *base_url = NULL;
    long scale = 8;
    struct opt opts[] = {
        OPTION_ID(&id, "the invitation"),
        OPTION_OUT(&out,
                   "write the QR code of the link to FILE.svg or FILE.png "
                   "(else the link is printed)"),
        {"scale", OPT_INT, &scale, "N",
         "pixels per module of a PNG (1-64, default 8)", 0, 0},
        {"base-url", OPT_STRING, &base_url, "URL",
         "the server's address in the link (default: the mail "
         "configuration's)", 0, 0},
        OPT_END,
    };
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    int format = out ? out_format(out) : 0;
    if (out && !format)
        return cli_error(c, EXIT_BAD_INPUT, "out",
                         "'%.200s' must end in .svg or .png", out);
    if (cli_check_range(c, "scale", scale, 1, 64) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    char link[700];
    /* The link is a right to add to the patient's record: its reading is
     * audited as a read of the invitation. */
    if (store_begin(c->store, &e) < 0)
        return cli_fail(c, &e);
    int rc = answer_link(c->store, id, base_url, link, sizeof(link), &e);
    if (rc == 0)
        rc = audit_append(c->store, &actor_cli, "read", "invitation", id, 0,
                          "ok", &e);
    if (rc == 0)
        rc = store_commit(c->store, &e);
    else
        store_rollback(c->store);
    if (rc < 0)
        return cli_fail(c, &e);
    if (!out) {
        int status = printf("%s\n", link) < 0 ? EXIT_FAILURE_ : EXIT_OK;
        sodium_memzero(link, sizeof(link));
        return status;
    }
    struct qr q;
    if (qr_encode(link, &q, &e) < 0)
        return cli_fail(c, &e);
    sodium_memzero(link, sizeof(link));
    struct buf b = BUF_INIT;
    if (format == 's') {
        buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        qr_svg(&q, (q.width + 2 * QR_QUIET_ZONE) * (int)scale,
               "QR code of the link", &b);
        buf_putc(&b, '\n');
    } else {
        qr_png(&q, (int)scale, &b);
    }
    qr_release(&q);
    int status = cli_write_output(c, out, b.data, b.len);
    buf_release(&b);
    return status;
}
