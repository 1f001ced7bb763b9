/*
 * cli: the command line. One file per command (cmd_*.c); each declares
 * itself with a COMMAND(name, function, summary) line at the start of a
 * line, which the build collects into the command table (commands.c).
 * Commands with verbs ("patient add") dispatch through cli_run_verb().
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

struct catalog;
struct instrument;
struct protocol;

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
    struct catalog *catalog; /* loaded by cli_load_catalog(), freed by main */
    const char *help;        /* the running verb's help (cli_run_verb) */
    int exit_code;           /* set when cli_parse() says stop */
};

typedef int (*cli_fn)(struct cli *c, int argc, const char **argv);

struct cli_command {
    const char *name;
    cli_fn exec;
    const char *summary;
};

extern const struct cli_command cli_commands[];

/* A command's verb: summary is its line in the command's --help, help the
 * paragraph of its own --help (cli_parse with a NULL summary prints it). */
struct cli_verb {
    const char *name;
    cli_fn exec;
    const char *summary;
    const char *help;
};
extern const int cli_command_count;

/* The end of a verb table, as OPT_END is of an option table. */
#define VERB_END {NULL, NULL, NULL, NULL}

/*
 * Defines the command function `function`, which runs the verbs given (the
 * rows of its struct cli_verb table, VERB_END added) with cli_run_verb and
 * the command's summary.
 */
#define CLI_VERB_COMMAND(function, summary, ...)                              \
    int function(struct cli *c, int argc, const char **argv)                  \
    {                                                                         \
        static const struct cli_verb verbs[] = {__VA_ARGS__, VERB_END};       \
        return cli_run_verb(c, argc, argv, verbs, summary);                   \
    }
/* The same for a command with two forms (cli_run_verb_forms): a verb, or
 * options_form when the first argument is an option. */
#define CLI_VERB_FORMS_COMMAND(function, summary, options_form, ...)          \
    int function(struct cli *c, int argc, const char **argv)                  \
    {                                                                         \
        static const struct cli_verb verbs[] = {__VA_ARGS__, VERB_END};       \
        return cli_run_verb_forms(c, argc, argv, verbs, summary,              \
                                  options_form);                              \
    }

enum opt_type {
    OPT_STRING, /* const char *: --name VALUE */
    OPT_INT,    /* long: a whole number */
    OPT_DOUBLE, /* double: a finite number */
    OPT_FLAG,   /* int: --name sets it to 1 */
    OPT_LIST,   /* struct opt_list: repeatable --name VALUE */
    OPT_ARG,    /* const char *: a positional argument, in order */
    OPT_ID,     /* int64_t: --name ID, a record id (cli_parse_id) */
    OPT_ARG_ID, /* int64_t: a positional record id, in order */
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
 * The options many commands share, named, typed and shown the same way
 * everywhere; help says what the option means to this command, required
 * is 1 or 0. Record ids are checked by cli_parse (OPT_ID, OPT_ARG_ID).
 */
#define OPTION_ID(var, help) {"id", OPT_ARG_ID, (var), "ID", (help), 1, 0}
#define OPTION_PATIENT(var, help, required)                                   \
    {"patient", OPT_ID, (var), "ID", (help), (required), 0}
#define OPTION_PRACTITIONER(var, help, required)                              \
    {"practitioner", OPT_ID, (var), "ID", (help), (required), 0}
#define OPTION_EPISODE(var, help, required)                                   \
    {"episode", OPT_ID, (var), "ID", (help), (required), 0}
#define OPTION_PROTOCOL(var, help, required)                                  \
    {"protocol", OPT_STRING, (var), "PROTOCOL_ID", (help), (required), 0}
#define OPTION_INSTRUMENT(var, help, required)                                \
    {"instrument", OPT_STRING, (var), "CODE", (help), (required), 0}
/* --out FILE, never required; the command says what stdout gets. */
#define OPTION_OUT(var, help) {"out", OPT_STRING, (var), "FILE", (help), 0, 0}
/* The positional FILE a command reads or writes. */
#define OPTION_FILE(var, help) {"file", OPT_ARG, (var), "FILE", (help), 1, 0}
/* A web server's --threads N and --timeout SECONDS ('serve', 'registry
 * serve'); cli_check_server() checks their ranges. */
#define OPTION_THREADS(var)                                                   \
    {"threads", OPT_INT, (var), "N", "worker threads (default 4)", 0, 0}
#define OPTION_TIMEOUT(var)                                                   \
    {"timeout", OPT_INT, (var), "SECONDS",                                   \
     "close idle or slow connections after SECONDS (default 30)", 0, 0}

/*
 * Parses argv (argv[0] is the command or verb name) into opts. --name VALUE
 * and --name=VALUE are accepted; "--help" prints the usage from the table
 * and summary (NULL: the running verb's help from its cli_verb table).
 * Returns 0 to go on, or -1 to stop with c->exit_code (0 after --help, 2
 * after bad input, with the error printed). Record ids (OPT_ID, OPT_ARG_ID)
 * are checked last, in the table's order, once every option is in place.
 */
int cli_parse(struct cli *c, int argc, const char **argv, struct opt *opts,
              const char *summary);
/* cli_parse(), then cli_open_store(): 0 to go on, or -1 to stop with
 * c->exit_code set and the error printed. */
int cli_parse_open(struct cli *c, int argc, const char **argv,
                   struct opt *opts, const char *summary);

/* Parses a verb whose one argument is a record's id (help says whose),
 * into *id, then opens the store: 0 to go on, or -1 to stop with
 * c->exit_code set and the error printed. */
int cli_parse_id_open(struct cli *c, int argc, const char **argv,
                      const char *help, int64_t *id);

/* Parses a verb whose one argument is text, a required positional
 * argument named name, shown as metavar, with help, into *value: 0 to go
 * on, or -1 to stop with c->exit_code set and the error printed.
 * cli_parse_arg_open() then opens the store. */
int cli_parse_arg(struct cli *c, int argc, const char **argv,
                  const char *name, const char *metavar, const char *help,
                  const char **value);
int cli_parse_arg_open(struct cli *c, int argc, const char **argv,
                       const char *name, const char *metavar,
                       const char *help, const char **value);

/* Parses a verb that takes no options (its help from its cli_verb table),
 * then opens the store: 0 to go on, or -1 to stop with c->exit_code set
 * and the error printed. */
int cli_parse_none_open(struct cli *c, int argc, const char **argv);

/* cli_parse(), then cli_load_catalog() into *cat (main frees it): 0 to go
 * on, or -1 to stop with c->exit_code set and the error printed. */
int cli_parse_catalog(struct cli *c, int argc, const char **argv,
                      struct opt *opts, const char *summary,
                      const struct catalog **cat);

/* Runs the verb named by argv[1] from a NULL-terminated table, with
 * c->help set to its help; without a verb, or with --help, prints summary
 * and the verbs' summaries. */
int cli_run_verb(struct cli *c, int argc, const char **argv,
                 const struct cli_verb *verbs, const char *summary);
/* Runs a command that has two forms: a verb from the table, or, when the
 * first argument is an option ("--kind", not "--help"), options_form with
 * the whole command line. */
int cli_run_verb_forms(struct cli *c, int argc, const char **argv,
                       const struct cli_verb *verbs, const char *summary,
                       cli_fn options_form);
/* The instrument whose code is code (catalog/instrument.h), or NULL with
 * "code: unknown instrument 'X' (known: ...)" printed and c->exit_code
 * set. */
const struct instrument *cli_find_instrument(struct cli *c,
                                             const char *code);
/* The protocol id of cat, or NULL with "<field>: no protocol 'ID' (see
 * 'touchstone catalog list')" printed and c->exit_code set. */
const struct protocol *cli_find_protocol(struct cli *c,
                                         const struct catalog *cat,
                                         const char *field, const char *id);
/* Opens the store (must exist) unless already open. */
int cli_open_store(struct cli *c, struct err *e);
/* Loads the catalog unless already loaded: the shipped one with the
 * --catalog directory over it, into c->catalog (main frees it); *out
 * points to it. */
int cli_load_catalog(struct cli *c, const struct catalog **out,
                     struct err *e);
/* The catalog the record's rules are to use: NULL (the shipped one) when
 * --catalog was not given, else cli_load_catalog()'s. */
int cli_catalog_override(struct cli *c, const struct catalog **out,
                         struct err *e);

/* Prints e as "touchstone: <command>: <field>: <problem>" and returns the
 * exit status for its code. */
int cli_fail(struct cli *c, const struct err *e);
/* The exit status of a verb stopped by a failed step: cli_fail(e) when e
 * holds an error, else c->exit_code, set (and the problem printed) by the
 * cli_parse*() that stopped. For verbs that write
 * "if (cli_parse_open(...) < 0 || action(..., &e) < 0)". */
int cli_stop(struct cli *c, const struct err *e);
/* The same for a problem found in the CLI itself. */
int cli_error(struct cli *c, int status, const char *field, const char *fmt,
              ...) __attribute__((format(printf, 4, 5)));

/* 0 when lo <= v <= hi; otherwise prints "<field>: 'V' is not between LO
 * and HI", sets c->exit_code to EXIT_BAD_INPUT and returns -1. */
int cli_check_range(struct cli *c, const char *field, long v, long lo,
                    long hi);

/* cli_check_range() of a web server's threads (1 to 64), then of its
 * timeout (1 to 3600 seconds). */
int cli_check_server(struct cli *c, long threads, long timeout);

/* The flags (jansson's) of every JSON document the command line prints. */
#define CLI_JSON_FLAGS                                                       \
    (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))
/* Prints the JSON document (and takes the reference) to stdout. */
int cli_print_json(struct cli *c, json_t *doc);
/* Prints a new record's id: "N" or {"id": N} with --json. */
int cli_print_id(struct cli *c, int64_t id);
/* Prints format, whose one conversion is %s, with value, unless value is
 * empty: a record's optional field in its text form. */
void cli_print_if_set(const char *format, const char *value)
    __attribute__((format(printf, 1, 0)));
/* Prints one record: to_json(item) (a new reference) with --json, else
 * print_text(item). Returns the exit status. */
int cli_print_item(struct cli *c, const void *item,
                   json_t *(*to_json)(const void *item),
                   void (*print_text)(const void *item));
/*
 * How cli_print_list() shows one kind of item: with --json each item
 * becomes an element of one JSON array; as text, header() comes first and
 * row() prints each item's line, or the line empty stands alone when there
 * are no items.
 */
struct cli_list_format {
    json_t *(*to_json)(const void *item); /* a new reference */
    void (*header)(void);                 /* NULL: no header */
    void (*row)(const void *item);
    const char *empty; /* NULL: the header alone when there are no items */
};

/* Defines name, a to_json of cli_print_item() or a cli_list_format, as
 * json_of (a new reference) of the item, which json_of takes by its own
 * type (a record_json.h function). */
#define CLI_TO_JSON(name, json_of)                                            \
    static json_t *name(const void *item) { return json_of(item); }

/*
 * The verbs that list, show and add records all have one shape; these
 * define them (as static functions named function), with actor_cli
 * (record/actor.h) as the actor.
 *
 * CLI_LIST_VERB: parses the option rows given (OPT_END added), which fill
 * `filter`, a zeroed filter_type; opens the store; lists with
 * type_list(c->store, &actor_cli, filter, &l, &e) into a struct type_list;
 * prints it as the format expression (a const struct cli_list_format *,
 * evaluated after the listing, so it may depend on filter) says; releases
 * it with type_list_release(). CLI_LIST_ALL_VERB: the same for a list that
 * takes no options and no filter.
 */
#define CLI_LIST_VERB(function, type, format, filter_type, ...)               \
    static int function(struct cli *c, int argc, const char **argv)          \
    {                                                                         \
        filter_type filter = {0};                                             \
        struct opt opts[] = {__VA_ARGS__, OPT_END};                           \
        struct err e = ERR_INIT;                                              \
        struct type##_list l;                                                 \
        if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||                  \
            type##_list(c->store, &actor_cli, filter, &l, &e) < 0)            \
            return cli_stop(c, &e);                                           \
        int rc = cli_print_list(c, (format), l.items, l.count,                \
                                sizeof(*l.items));                            \
        type##_list_release(&l);                                              \
        return rc;                                                            \
    }
#define CLI_LIST_ALL_VERB(function, type, format)                             \
    static int function(struct cli *c, int argc, const char **argv)          \
    {                                                                         \
        struct err e = ERR_INIT;                                              \
        struct type##_list l;                                                 \
        if (cli_parse_none_open(c, argc, argv) < 0 ||                         \
            type##_list(c->store, &actor_cli, &l, &e) < 0)                    \
            return cli_stop(c, &e);                                           \
        int rc = cli_print_list(c, (format), l.items, l.count,                \
                                sizeof(*l.items));                            \
        type##_list_release(&l);                                              \
        return rc;                                                            \
    }
/*
 * CLI_SHOW_VERB: parses the record's id (whose: its help, "the
 * episode's id"), opens the store, fills a struct type_detail with
 * type_show(c->store, &actor_cli, id, &d, &e), prints it with
 * cli_print_item(to_json, print_text) and releases it with
 * type_detail_release().
 */
#define CLI_SHOW_VERB(function, type, whose, to_json, print_text)             \
    static int function(struct cli *c, int argc, const char **argv)          \
    {                                                                         \
        int64_t id = 0;                                                       \
        struct err e = ERR_INIT;                                              \
        struct type##_detail d;                                               \
        if (cli_parse_id_open(c, argc, argv, (whose), &id) < 0 ||             \
            type##_show(c->store, &actor_cli, id, &d, &e) < 0)                \
            return cli_stop(c, &e);                                           \
        int rc = cli_print_item(c, &d, to_json, print_text);                  \
        type##_detail_release(&d);                                            \
        return rc;                                                            \
    }
/*
 * CLI_ADD_VERB: parses the option rows given (OPT_END added), which fill
 * `in`, a zeroed struct type_new; opens the store; adds the record with
 * type_add(c->store, &actor_cli, &in, &id, &e) and prints its id.
 */
#define CLI_ADD_VERB(function, type, ...)                                     \
    static int function(struct cli *c, int argc, const char **argv)          \
    {                                                                         \
        struct type##_new in = {0};                                           \
        struct opt opts[] = {__VA_ARGS__, OPT_END};                           \
        struct err e = ERR_INIT;                                              \
        int64_t id;                                                           \
        if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||                  \
            type##_add(c->store, &actor_cli, &in, &id, &e) < 0)               \
            return cli_stop(c, &e);                                           \
        return cli_print_id(c, id);                                           \
    }

/* The JSON array of f->to_json() of count items, size bytes apart: a new
 * reference. */
json_t *cli_list_json(const struct cli_list_format *f, const void *items,
                      size_t count, size_t size);
/* Prints count items, size bytes apart, as f says: the JSON array with
 * --json, else the text lines. Returns the exit status. */
int cli_print_list(struct cli *c, const struct cli_list_format *f,
                   const void *items, size_t count, size_t size);

/* Writes len bytes of text to path, whole or not at all (written beside
 * it, then renamed over it), or to stdout when path is NULL or "-".
 * Errors name the field "out". Returns the exit status. */
int cli_write_output(struct cli *c, const char *path, const char *text,
                     size_t len);


/* Parses a positive record id argument ("id", "patient", ...). */
int cli_parse_id(const char *text, const char *field, int64_t *id,
                 struct err *e);

#endif
