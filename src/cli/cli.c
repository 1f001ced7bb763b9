#include "cli/cli.h"
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/json_write.h"
#include "core/number.h"
#include "core/util.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int is_positional(const struct opt *o)
{
    return o->type == OPT_ARG || o->type == OPT_ARG_ID;
}

static void print_usage(struct cli *c, const struct opt *opts,
                        const char *summary)
{
    struct buf line = BUF_INIT;
    buf_printf(&line, "usage: touchstone %s", c->command);
    for (const struct opt *o = opts; o->name; o++) {
        const char *open = o->required ? "" : "[";
        const char *close = o->required ? "" : "]";
        if (is_positional(o))
            buf_printf(&line, " %s%s%s", open, o->metavar, close);
        else if (o->type == OPT_FLAG)
            buf_printf(&line, " %s--%s%s", open, o->name, close);
        else
            buf_printf(&line, " %s--%s %s%s%s", open, o->name,
                       o->metavar ? o->metavar : "VALUE",
                       o->type == OPT_LIST ? " ..." : "", close);
    }
    printf("%s\n\n%s\n", line.data, summary ? summary : "");
    buf_release(&line);
    int any = 0;
    for (const struct opt *o = opts; o->name; o++) {
        if (!any++)
            printf("\n");
        char left[64];
        if (is_positional(o))
            snprintf(left, sizeof(left), "%s", o->metavar);
        else if (o->type == OPT_FLAG)
            snprintf(left, sizeof(left), "--%s", o->name);
        else
            snprintf(left, sizeof(left), "--%s %s", o->name,
                     o->metavar ? o->metavar : "VALUE");
        printf("  %-28s %s%s\n", left, o->help ? o->help : "",
               o->type == OPT_LIST ? " (repeatable)" : "");
    }
    printf("\nglobal options: --db PATH (or TOUCHSTONE_DB), --catalog DIR, "
           "--json\n");
}

static int set_value(struct cli *c, struct opt *o, const char *v)
{
    switch (o->type) {
    case OPT_STRING:
    case OPT_ARG:
        *(const char **)o->value = v;
        return 0;
    case OPT_INT: {
        long long n;
        if (parse_integer(v, LONG_MIN, LONG_MAX, &n) < 0)
            return cli_error(c, EXIT_BAD_INPUT, o->name,
                             "'%.64s' is not a whole number", v), -1;
        *(long *)o->value = (long)n;
        return 0;
    }
    case OPT_DOUBLE: {
        double d;
        if (parse_decimal(v, &d) < 0)
            return cli_error(c, EXIT_BAD_INPUT, o->name,
                             "'%.64s' is not a number", v), -1;
        *(double *)o->value = d;
        return 0;
    }
    case OPT_LIST: {
        struct opt_list *l = o->value;
        if (l->count >= (int)ARRAY_SIZE(l->items))
            return cli_error(c, EXIT_BAD_INPUT, o->name,
                             "given more than %d times",
                             (int)ARRAY_SIZE(l->items)), -1;
        l->items[l->count++] = v;
        return 0;
    }
    case OPT_FLAG:
        *(int *)o->value = 1;
        return 0;
    case OPT_ID:
    case OPT_ARG_ID:
        break; /* cli_parse checks ids at the end */
    }
    BUG("unknown option type");
}

/* Sets o's value from v: record ids are kept in ids[] (by o's place in
 * the table) for the end of cli_parse. */
static int take_value(struct cli *c, struct opt *opts, struct opt *o,
                      const char *v, const char **ids)
{
    if (o->type == OPT_ID || o->type == OPT_ARG_ID) {
        ids[o - opts] = v;
        return 0;
    }
    return set_value(c, o, v);
}

int cli_parse(struct cli *c, int argc, const char **argv, struct opt *opts,
              const char *summary)
{
    const char *ids[64] = {NULL};
    c->exit_code = EXIT_BAD_INPUT;
    for (const struct opt *o = opts; o->name; o++)
        if (o - opts >= (ptrdiff_t)ARRAY_SIZE(ids))
            BUG("too many options");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            print_usage(c, opts, summary ? summary : c->help);
            c->exit_code = EXIT_OK;
            return -1;
        }
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            struct opt *o = opts;
            for (; o->name; o++)
                if (!is_positional(o) && strlen(o->name) == len &&
                    !strncmp(o->name, name, len))
                    break;
            if (!o->name) {
                cli_error(c, EXIT_BAD_INPUT, "", "unknown option '--%.*s' "
                          "(see 'touchstone %s --help')",
                          (int)(len > 64 ? 64 : len), name, c->command);
                return -1;
            }
            if (o->seen && o->type != OPT_LIST) {
                cli_error(c, EXIT_BAD_INPUT, o->name, "given more than once");
                return -1;
            }
            o->seen = 1;
            if (o->type == OPT_FLAG) {
                if (eq) {
                    cli_error(c, EXIT_BAD_INPUT, o->name, "takes no value");
                    return -1;
                }
                *(int *)o->value = 1;
                continue;
            }
            const char *v = eq ? eq + 1 : NULL;
            if (!v) {
                if (i + 1 >= argc) {
                    cli_error(c, EXIT_BAD_INPUT, o->name, "needs a value");
                    return -1;
                }
                v = argv[++i];
            }
            if (take_value(c, opts, o, v, ids) < 0)
                return -1;
            continue;
        }
        struct opt *o = opts;
        for (; o->name; o++)
            if (is_positional(o) && !o->seen)
                break;
        if (!o->name) {
            cli_error(c, EXIT_BAD_INPUT, "", "unexpected argument '%.64s'",
                      a);
            return -1;
        }
        o->seen = 1;
        take_value(c, opts, o, a, ids);
    }
    for (struct opt *o = opts; o->name; o++)
        if (o->required && !o->seen) {
            cli_error(c, EXIT_BAD_INPUT, o->name, "missing (see 'touchstone "
                      "%s --help')", c->command);
            return -1;
        }
    for (struct opt *o = opts; o->name; o++) {
        struct err e = ERR_INIT;
        if (ids[o - opts] &&
            cli_parse_id(ids[o - opts], o->name, o->value, &e) < 0) {
            cli_fail(c, &e);
            return -1;
        }
    }
    c->exit_code = EXIT_OK;
    return 0;
}

int cli_parse_open(struct cli *c, int argc, const char **argv,
                   struct opt *opts, const char *summary)
{
    if (cli_parse(c, argc, argv, opts, summary) < 0)
        return -1;
    struct err e = ERR_INIT;
    if (cli_open_store(c, &e) < 0) {
        cli_fail(c, &e);
        return -1;
    }
    return 0;
}

int cli_parse_none_open(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    return cli_parse_open(c, argc, argv, opts, NULL);
}

int cli_parse_catalog(struct cli *c, int argc, const char **argv,
                      struct opt *opts, const char *summary,
                      const struct catalog **cat)
{
    if (cli_parse(c, argc, argv, opts, summary) < 0)
        return -1;
    struct err e = ERR_INIT;
    if (cli_load_catalog(c, cat, &e) < 0) {
        cli_fail(c, &e);
        return -1;
    }
    return 0;
}

int cli_parse_id_open(struct cli *c, int argc, const char **argv,
                      const char *help, int64_t *id)
{
    struct opt opts[] = {
        OPTION_ID(id, help),
        OPT_END,
    };
    return cli_parse_open(c, argc, argv, opts, NULL);
}

int cli_parse_arg(struct cli *c, int argc, const char **argv,
                  const char *name, const char *metavar, const char *help,
                  const char **value)
{
    struct opt opts[] = {
        {name, OPT_ARG, value, metavar, help, 1, 0},
        OPT_END,
    };
    return cli_parse(c, argc, argv, opts, NULL);
}

int cli_parse_arg_open(struct cli *c, int argc, const char **argv,
                       const char *name, const char *metavar,
                       const char *help, const char **value)
{
    struct err e = ERR_INIT;
    if (cli_parse_arg(c, argc, argv, name, metavar, help, value) < 0)
        return -1;
    if (cli_open_store(c, &e) < 0) {
        cli_fail(c, &e);
        return -1;
    }
    return 0;
}

int cli_run_verb(struct cli *c, int argc, const char **argv,
                 const struct cli_verb *verbs, const char *summary)
{
    const char *noun = argv[0];
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "usage: touchstone %s <verb> [options]\n\n%s\n\n", noun,
                summary);
        for (const struct cli_verb *v = verbs; v->name; v++)
            fprintf(out, "  %-12s %s\n", v->name, v->summary);
        fprintf(out, "\n'touchstone %s <verb> --help' tells more.\n", noun);
        return argc < 2 ? EXIT_BAD_INPUT : EXIT_OK;
    }
    for (const struct cli_verb *v = verbs; v->name; v++) {
        if (!strcmp(v->name, argv[1])) {
            snprintf(c->command, sizeof(c->command), "%s %s", noun, v->name);
            c->help = v->help;
            return v->exec(c, argc - 1, argv + 1);
        }
    }
    return cli_error(c, EXIT_BAD_INPUT, "", "unknown verb '%.64s' (see "
                     "'touchstone %s --help')", argv[1], noun);
}

int cli_run_verb_forms(struct cli *c, int argc, const char **argv,
                       const struct cli_verb *verbs, const char *summary,
                       cli_fn options_form)
{
    int options = argc >= 2 && !strncmp(argv[1], "--", 2) &&
                  strcmp(argv[1], "--help");
    if (!options)
        return cli_run_verb(c, argc, argv, verbs, summary);
    if (!options_form)
        return cli_error(c, EXIT_BAD_INPUT, "", "'%.64s': name a verb "
                         "first (see 'touchstone %s --help')", argv[1],
                         argv[0]);
    return options_form(c, argc, argv);
}

const struct instrument *cli_find_instrument(struct cli *c,
                                             const char *code)
{
    const struct instrument *in = instrument_find(code);
    if (in)
        return in;
    struct err e = ERR_INIT;
    struct buf known = BUF_INIT;
    for (int i = 0; i < instrument_count(); i++)
        buf_printf(&known, "%s%s", i ? ", " : "", instrument_at(i)->code);
    err_set(&e, ERR_NOT_FOUND, "code", "unknown instrument '%.40s' (known: "
            "%s)", code, known.data);
    buf_release(&known);
    cli_fail(c, &e);
    return NULL;
}

const struct protocol *cli_find_protocol(struct cli *c,
                                         const struct catalog *cat,
                                         const char *field, const char *id)
{
    const struct protocol *p = catalog_find(cat, id);
    if (!p)
        cli_error(c, EXIT_BAD_INPUT, field, "no protocol '%.64s' (see "
                  "'touchstone catalog list')", id);
    return p;
}

int cli_open_store(struct cli *c, struct err *e)
{
    if (c->store)
        return 0;
    return store_open(c->db_path, STORE_EXISTING, &c->store, e);
}

int cli_load_catalog(struct cli *c, const struct catalog **out,
                     struct err *e)
{
    if (!c->catalog && catalog_load(c->catalog_dir, &c->catalog, e) < 0)
        return -1;
    *out = c->catalog;
    return 0;
}

int cli_catalog_override(struct cli *c, const struct catalog **out,
                         struct err *e)
{
    *out = NULL;
    return c->catalog_dir ? cli_load_catalog(c, out, e) : 0;
}

static int status_for(enum err_code code)
{
    switch (code) {
    case ERR_NONE: return EXIT_OK;
    case ERR_INPUT:
    case ERR_NOT_FOUND:
    case ERR_CONFLICT:
    case ERR_AUTH: return EXIT_BAD_INPUT;
    case ERR_SCOPE:
    case ERR_REFUSED: return EXIT_REFUSED;
    case ERR_FAIL: return EXIT_FAILURE_;
    }
    return EXIT_FAILURE_;
}

static void vreport(struct cli *c, const char *field, const char *fmt,
                    va_list ap)
{
    fprintf(stderr, "touchstone: %s: ", c->command);
    if (field && *field)
        fprintf(stderr, "%s: ", field);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_error(struct cli *c, int status, const char *field, const char *fmt,
              ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, field, fmt, ap);
    va_end(ap);
    c->exit_code = status;
    return status;
}

int cli_fail(struct cli *c, const struct err *e)
{
    fprintf(stderr, "touchstone: %s: ", c->command);
    if (e->field[0])
        fprintf(stderr, "%s: ", e->field);
    fprintf(stderr, "%s\n", e->message[0] ? e->message : "failed");
    c->exit_code = status_for(e->code);
    return c->exit_code;
}

int cli_stop(struct cli *c, const struct err *e)
{
    return e->code == ERR_NONE ? c->exit_code : cli_fail(c, e);
}

int cli_print_json(struct cli *c, json_t *doc)
{
    /* Streamed: a registry's report is tens of megabytes. */
    int rc = json_write_file(doc, CLI_JSON_FLAGS, stdout);
    json_decref(doc);
    if (rc < 0 || putchar('\n') == EOF || fflush(stdout) == EOF)
        return cli_error(c, EXIT_FAILURE_, "output",
                         "cannot write the JSON to standard output");
    return EXIT_OK;
}

int cli_print_id(struct cli *c, int64_t id)
{
    if (c->json)
        return cli_print_json(c, json_pack("{s:I}", "id", (json_int_t)id));
    printf("%lld\n", (long long)id);
    return EXIT_OK;
}

void cli_print_if_set(const char *format, const char *value)
{
    if (value[0])
        printf(format, value);
}

int cli_print_item(struct cli *c, const void *item,
                   json_t *(*to_json)(const void *item),
                   void (*print_text)(const void *item))
{
    if (c->json)
        return cli_print_json(c, to_json(item));
    print_text(item);
    return EXIT_OK;
}

json_t *cli_list_json(const struct cli_list_format *f, const void *items,
                      size_t count, size_t size)
{
    json_t *a = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(a, f->to_json((const char *)items + i * size));
    return a;
}

int cli_print_list(struct cli *c, const struct cli_list_format *f,
                   const void *items, size_t count, size_t size)
{
    if (c->json)
        return cli_print_json(c, cli_list_json(f, items, count, size));
    if (count == 0 && f->empty) {
        printf("%s\n", f->empty);
        return EXIT_OK;
    }
    if (f->header)
        f->header();
    for (size_t i = 0; i < count; i++)
        f->row((const char *)items + i * size);
    return EXIT_OK;
}

int cli_write_output(struct cli *c, const char *path, const char *text,
                     size_t len)
{
    if (!path || !strcmp(path, "-")) {
        if (fwrite(text, 1, len, stdout) != len)
            return cli_error(c, EXIT_FAILURE_, "out", "unable to write "
                             "stdout");
        return EXIT_OK;
    }
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(text, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        free(tmp);
        return cli_error(c, EXIT_FAILURE_, "out", "unable to write '%s'",
                         path);
    }
    free(tmp);
    return EXIT_OK;
}

int cli_parse_id(const char *text, const char *field, int64_t *id,
                 struct err *e)
{
    long long v;
    if (parse_integer(text, 1, INT64_MAX, &v) < 0)
        return err_set(e, ERR_INPUT, field, "'%.64s' is not a record id",
                       text ? text : "");
    *id = v;
    return 0;
}

int cli_check_range(struct cli *c, const char *field, long v, long lo,
                    long hi)
{
    if (v >= lo && v <= hi)
        return 0;
    c->exit_code = cli_error(c, EXIT_BAD_INPUT, field,
                             "'%ld' is not between %ld and %ld", v, lo, hi);
    return -1;
}

int cli_check_server(struct cli *c, long threads, long timeout)
{
    if (cli_check_range(c, "threads", threads, 1, 64) < 0)
        return -1;
    return cli_check_range(c, "timeout", timeout, 1, 3600);
}
