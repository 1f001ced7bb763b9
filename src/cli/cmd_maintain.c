/* touchstone backup and touchstone check: keeping the file safe. */
#include "cli/cli.h"

#include <stdio.h>

COMMAND("backup", cmd_backup, "copy the database safely while it is in use")
COMMAND("check", cmd_check, "run integrity and foreign-key checks")

int cmd_backup(struct cli *c, int argc, const char **argv)
{
    const char *file = NULL;
    struct opt opts[] = {
        OPTION_FILE(&file, "the new backup file"),
        OPT_END,
    };
    if (cli_parse_open(c, argc, argv, opts,
                       "Copies the database with SQLite's online backup, "
                       "safe while others use it. Refuses an existing "
                       "FILE.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    if (store_backup(c->store, file, &e) < 0)
        return cli_fail(c, &e);
    if (c->json)
        return cli_print_json(c, json_pack("{s:s}", "backup", file));
    printf("backed up '%s' to '%s'\n", c->db_path, file);
    return EXIT_OK;
}

int cmd_check(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    if (cli_parse_open(c, argc, argv, opts,
                       "Runs SQLite's integrity check and the foreign-key "
                       "check; exits 0 only when both are clean.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct buf report = BUF_INIT;
    int problems = store_check(c->store, &report, &e);
    if (problems < 0) {
        buf_release(&report);
        return cli_fail(c, &e);
    }
    if (c->json) {
        buf_release(&report);
        cli_print_json(c, json_pack("{s:b,s:i}", "ok", problems == 0,
                                    "problems", problems));
        return problems ? EXIT_FAILURE_ : EXIT_OK;
    }
    fputs(report.data, stdout);
    buf_release(&report);
    if (problems) {
        fprintf(stderr, "touchstone: check: %d problem(s) in '%s'\n",
                problems, c->db_path);
        return EXIT_FAILURE_;
    }
    printf("ok: '%s' passes the integrity and foreign-key checks\n",
           c->db_path);
    return EXIT_OK;
}
