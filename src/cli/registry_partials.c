/* touchstone registry rebuild-partials: the national report's partial
 * states built again from every summary (registry/partial.h). */
#include "cli/cli.h"
#include "cli/registry.h"
#include "registry/partial.h"
#include "registry/pg.h"
#include "registry/schema.h"

#include <stdio.h>
#include <stdlib.h>

int registry_rebuild_partials(struct cli *c, int argc, const char **argv)
{
    const char *pg = NULL;
    struct opt opts[] = {
        {"pg", OPT_STRING, &pg, "CONNINFO",
         "PostgreSQL conninfo (default: $TOUCHSTONE_PG)", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Builds every partial state of the national report again "
                  "from every summary, in one transaction (pushes wait for "
                  "it): after summaries were loaded other than by pushes. "
                  "Pushes keep the states current by themselves, and a "
                  "report rebuilds any state marked out of date first.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct pg *db = NULL;
    long states = 0;
    if (pg_connect(pg ? pg : getenv("TOUCHSTONE_PG"), &db, &e) < 0 ||
        registry_schema_check(db, &e) < 0 ||
        registry_partial_rebuild(db, &states, &e) < 0) {
        pg_close(db);
        return cli_fail(c, &e);
    }
    pg_close(db);
    if (c->json)
        return cli_print_json(c, json_pack("{sI}", "states",
                                           (json_int_t)states));
    printf("rebuilt %ld partial states\n", states);
    return EXIT_OK;
}
