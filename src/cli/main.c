/* touchstone: the one program. Global options, then the command table. */
#include "catalog/catalog.h"
#include "cli/cli.h"
#include "core/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TOUCHSTONE_VERSION
#define TOUCHSTONE_VERSION "0.1.0"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: touchstone [--db PATH] [--catalog DIR] [--json] "
            "<command> [options]\n\n"
            "Touchstone: the clinical record and outcomes registry of "
            "medical massage therapy.\n\ncommands:\n");
    for (int i = 0; i < cli_command_count; i++)
        fprintf(out, "  %-14s %s\n", cli_commands[i].name,
                cli_commands[i].summary);
    fprintf(out, "\n'touchstone <command> --help' tells more. The database "
                 "is --db PATH, else $TOUCHSTONE_DB, else ./touchstone.db.\n");
}

/* Removes the global options from argv wherever they stand; returns the
 * new argc, or -1 after printing an error. */
static int take_globals(struct cli *c, int argc, const char **argv)
{
    const char *db = NULL;
    int out = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        const char *v = NULL;
        if (!strcmp(a, "--json")) {
            c->json = 1;
            continue;
        }
        if (!strcmp(a, "--db") || !strcmp(a, "--catalog")) {
            slot = a[2] == 'd' ? &db : &c->catalog_dir;
            if (i + 1 >= argc || !*argv[i + 1]) {
                fprintf(stderr, "touchstone: %s: needs a value\n", a + 2);
                return -1;
            }
            v = argv[++i];
        } else if (str_starts_with(a, "--db=") ||
                   str_starts_with(a, "--catalog=")) {
            slot = a[2] == 'd' ? &db : &c->catalog_dir;
            v = strchr(a, '=') + 1;
            if (!*v) {
                fprintf(stderr, "touchstone: %.*s: needs a value\n",
                        (int)(strchr(a, '=') - a - 2), a + 2);
                return -1;
            }
        }
        if (slot) {
            *slot = v;
            continue;
        }
        argv[out++] = a;
    }
    c->db_path = store_default_path(db);
    return out;
}

int main(int argc, const char **argv)
{
    struct cli c = {0};
    if (sodium_init() < 0)
        die("unable to initialise libsodium");
    argc = take_globals(&c, argc - 1, argv + 1);
    argv++;
    if (argc < 0)
        return EXIT_BAD_INPUT;
    if (argc == 0) {
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
        !strcmp(argv[0], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[0], "--version") || !strcmp(argv[0], "version")) {
        printf("touchstone %s\n", TOUCHSTONE_VERSION);
        return EXIT_OK;
    }
    for (int i = 0; i < cli_command_count; i++) {
        if (!strcmp(cli_commands[i].name, argv[0])) {
            snprintf(c.command, sizeof(c.command), "%s", argv[0]);
            int status = cli_commands[i].exec(&c, argc, argv);
            store_close(c.store);
            catalog_free(c.catalog);
            if (fflush(stdout) != 0 && status == EXIT_OK) {
                perror("touchstone: stdout");
                return EXIT_FAILURE_;
            }
            return status;
        }
    }
    fprintf(stderr, "touchstone: '%.64s' is not a command (see 'touchstone "
                    "--help')\n", argv[0]);
    return EXIT_BAD_INPUT;
}
