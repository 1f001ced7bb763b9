/* touchstone invite-print: the verb "invite print" (cli/invite_print.h)
 * as a command of its own. */
#include "cli/invite_print.h"

COMMAND("invite-print", cmd_invite_print, "print an invitation's link as a QR code (SVG, PNG) or text")

int cmd_invite_print(struct cli *c, int argc, const char **argv)
{
    return invite_print_cmd(c, argc, argv);
}
