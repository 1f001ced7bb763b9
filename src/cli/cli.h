/*
 * cli: the command line. One file per command (cmd_*.c); each declares
 * itself with a COMMAND(name, function, summary) line at the start of a
 * line, which the build collects into the command table (commands.c).
 * Commands with verbs ("patient add") dispatch through cli_dispatch().
 *
 * This is the only layer (with web/) that prints: errors go to stderr as
 * "touchstone: <command>: <field>: <problem>" and become exit statuses:
 * 0 success, 1 failure, 2 bad input, 3 refused by a clinical rule (scope of
 * practice, red flag).
 */
#ifndef TS_CLI_CLI_H
#define TS_CLI_CLI_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

/* Marker read by the Makefile; expands to nothing in C. */
#define COMMAND(name, function, summary)

enum {
    EXIT_OK = 0,
    EXIT_FAILURE_ = 1,
    EXIT_BAD_INPUT = 2,
    EXIT_REFUSED = 3,
};

struct cli {
    const char *db_path;     /* --db, TOUCHSTONE_DB or the default */
    const char *catalog_dir; /* --catalog DIR, or NULL */
    int json;                /* --json */
    char command[64];        /* "patient add": names the command in errors */
    struct store *store;     /* opened by cli_open_store(), closed by main */
    int exit_code;           /* set when cli_parse() says stop */
};

typedef int (*cli_fn)(struct cli *c, int argc, const char **argv);

struct cli_command {
    const char *name;
    cli_fn exec;
    const char *summary;
};

extern const struct cli_command cli_commands[];
extern const int cli_command_count;

enum opt_type {
    OPT_STRING, /* const char *: --name VALUE */
    OPT_INT,    /* long: a whole number */
    OPT_DOUBLE, /* double: a finite number */
    OPT_FLAG,   /* int: --name sets it to 1 */
    OPT_LIST,   /* struct opt_list: repeatable --name VALUE */
    OPT_ARG,    /* const char *: a positional argument, in order */
};

struct opt_list {
    const char *items[64];
    int count;
};

struct opt {
    const char *name; /* without dashes; also the field named in errors */
    enum opt_type type;
    void *value;
    const char *metavar; /* "NAME", "DATE", ... for the usage line */
    const char *help;
    int required;
    int seen; /* set by cli_parse */
};

#define OPT_END {NULL, OPT_FLAG, NULL, NULL, NULL, 0, 0}

/*
 * Parses argv (argv[0] is the command or verb name) into opts. --name VALUE
 * and --name=VALUE are accepted; "--help" prints the usage from the table.
 * Returns 0 to go on, or -1 to stop with c->exit_code (0 after --help, 2
 * after bad input, with the error printed).
 */
int cli_parse(struct cli *c, int argc, const char **argv, struct opt *opts,
              const char *summary);

/* Runs the verb named by argv[1] from a NULL-terminated table. */
int cli_dispatch(struct cli *c, int argc, const char **argv,
                 const struct cli_command *verbs, const char *summary);

/* Opens the store (must exist) unless already open. */
int cli_open_store(struct cli *c, struct err *e);

/* Prints e as "touchstone: <command>: <field>: <problem>" and returns the
 * exit status for its code. */
int cli_fail(struct cli *c, const struct err *e);
/* The same for a problem found in the CLI itself. */
int cli_error(struct cli *c, int status, const char *field, const char *fmt,
              ...) __attribute__((format(printf, 4, 5)));

/* Prints the JSON document (and takes the reference) to stdout. */
int cli_print_json(struct cli *c, json_t *doc);
/* Prints a new record's id: "N" or {"id": N} with --json. */
int cli_print_id(struct cli *c, int64_t id);
/* Parses a positive record id argument ("id", "patient", ...). */
int cli_parse_id(const char *text, const char *field, int64_t *id,
                 struct err *e);

#endif
