/* touchstone audit: the hash-chained log of every read and write of
 * patient data. */
#include "cli/cli.h"
#include "core/clock.h"
#include "record/audit.h"

#include <stdio.h>
#include <string.h>

COMMAND("audit", cmd_audit, "verify or list the audit log (append-only, hash-chained)")

static int audit_verify_cmd(struct cli *c, int argc, const char **argv)
{
    struct opt_list anchors = {0};
    struct opt opts[] = {
        {"anchor", OPT_LIST, &anchors, "ID:HASH",
         "an anchor written down earlier ('audit anchor'): its entry must "
         "still be there, unchanged (repeatable)", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    int64_t ids[64];
    char hashes[64][AUDIT_HASH_HEX];
    for (int i = 0; i < anchors.count; i++)
        if (audit_parse_anchor(anchors.items[i], &ids[i], hashes[i], &e) < 0)
            return cli_fail(c, &e);
    if (cli_open_store(c, &e) < 0)
        return cli_fail(c, &e);
    int64_t n = audit_verify(c->store, &e);
    for (int i = 0; n >= 0 && i < anchors.count; i++)
        if (audit_check_anchor(c->store, ids[i], hashes[i], &e) < 0)
            n = -1;
    int64_t head_id;
    char head[AUDIT_HASH_HEX];
    if (n >= 0 && audit_head(c->store, &head_id, head, &e) < 0)
        n = -1;
    if (n < 0) {
        if (c->json && e.code != ERR_NONE) {
            cli_print_json(c, json_pack("{s:b,s:s}", "ok", 0, "problem",
                                        e.message));
        }
        return cli_fail(c, &e);
    }
    if (c->json)
        return cli_print_json(
            c, json_pack("{s:b,s:I,s:I,s:o}", "ok", 1, "entries",
                         (json_int_t)n, "anchors", (json_int_t)anchors.count,
                         "head",
                         head_id ? json_sprintf("%lld:%s", (long long)head_id,
                                                head)
                                 : json_null()));
    printf("ok: %lld audit entries, the chain is whole", (long long)n);
    if (anchors.count)
        printf("; %d anchor%s matched", anchors.count,
               anchors.count == 1 ? "" : "s");
    printf("\n");
    return EXIT_OK;
}

static int audit_anchor_cmd(struct cli *c, int argc, const char **argv)
{
    struct err e = ERR_INIT;
    int64_t id;
    char hash[AUDIT_HASH_HEX];
    if (cli_parse_none_open(c, argc, argv) < 0 ||
        audit_head(c->store, &id, hash, &e) < 0)
        return cli_stop(c, &e);
    if (!id)
        return cli_error(c, EXIT_FAILURE_, "audit", "the audit log is empty");
    if (c->json)
        return cli_print_json(c, json_pack("{s:I,s:s,s:o}", "id",
                                           (json_int_t)id, "hash", hash,
                                           "anchor",
                                           json_sprintf("%lld:%s",
                                                        (long long)id, hash)));
    printf("%lld:%s\n", (long long)id, hash);
    return EXIT_OK;
}

static int audit_list_cmd(struct cli *c, int argc, const char **argv)
{
    const char *since = NULL;
    int64_t patient = 0, user = 0;
    long limit = 0;
    struct opt opts[] = {
        OPTION_PATIENT(&patient, "only entries about this patient", 0),
        {"user", OPT_ID, &user, "ID", "only entries by this account", 0, 0},
        {"since", OPT_STRING, &since, "DATE",
         "only entries at or after DATE (or an instant)", 0, 0},
        {"limit", OPT_INT, &limit, "N", "at most N entries, the latest", 0,
         0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    time_t since_t = 0;
    if (cli_parse(c, argc, argv, opts, NULL) < 0 ||
        (since && clock_parse_instant(since, &since_t, "since", &e) < 0))
        return cli_stop(c, &e);
    if (limit < 0)
        return cli_error(c, EXIT_BAD_INPUT, "limit",
                         "'%ld' is not a positive number", limit);
    if (cli_open_store(c, &e) < 0)
        return cli_fail(c, &e);
    char since_at[CLOCK_INSTANT_LEN] = "";
    if (since)
        clock_format_instant(since_t, since_at);
    struct stmt *st = store_prepare(
        c->store,
        "SELECT * FROM (SELECT id, at, user_id, actor, action, record_type,"
        " record_id, patient_id, outcome, client FROM audit"
        " WHERE (:patient = 0 OR patient_id = :patient)"
        " AND (:user = 0 OR user_id = :user)"
        " AND (:since = '' OR at >= :since)"
        " ORDER BY id DESC LIMIT :limit) ORDER BY id");
    stmt_bind_int(st, ":patient", patient);
    stmt_bind_int(st, ":user", user);
    stmt_bind_text(st, ":since", since_at);
    stmt_bind_int(st, ":limit", limit > 0 ? limit : -1);
    json_t *list = c->json ? json_array() : NULL;
    if (!c->json)
        printf("%-6s %-20s %-24s %-8s %-12s %-8s %-8s %-9s %s\n", "ID", "AT",
               "ACTOR", "ACTION", "RECORD", "ID", "PATIENT", "OUTCOME",
               "CLIENT");
    int rc;
    while ((rc = stmt_step(st, &e)) == 1) {
        if (list) {
            json_t *o = json_object();
            for (int i = 0; i < stmt_column_count(st); i++) {
                const char *name = stmt_column_name(st, i);
                json_t *v;
                if (stmt_is_null(st, i))
                    v = json_null();
                else if (i == 0 || i == 2 || i == 6 || i == 7)
                    v = json_integer(stmt_int(st, i));
                else
                    v = json_string(stmt_text(st, i));
                json_object_set_new(o, name, v);
            }
            json_array_append_new(list, o);
            continue;
        }
        char rid[24] = "-", pid[24] = "-";
        if (!stmt_is_null(st, 6))
            snprintf(rid, sizeof(rid), "%lld", (long long)stmt_int(st, 6));
        if (!stmt_is_null(st, 7))
            snprintf(pid, sizeof(pid), "%lld", (long long)stmt_int(st, 7));
        printf("%-6lld %-20s %-24s %-8s %-12s %-8s %-8s %-9s %s\n",
               (long long)stmt_int(st, 0), stmt_text(st, 1),
               stmt_text(st, 3), stmt_text(st, 4), stmt_text(st, 5), rid, pid,
               stmt_text(st, 8), stmt_text(st, 9));
    }
    stmt_finalize(st);
    if (rc < 0) {
        json_decref(list);
        return cli_fail(c, &e);
    }
    return list ? cli_print_json(c, list) : EXIT_OK;
}

CLI_VERB_COMMAND(cmd_audit,
    "The append-only audit log: every read and write of "
    "patient data, hash-chained. No command edits or "
    "deletes entries.",
    {"verify", audit_verify_cmd, "check every link of the hash chain",
     "Walks the audit chain from its first entry. Exits 0 with the "
     "number of entries when every link and hash holds, and every anchor "
     "given still matches; exits 1 naming the first broken entry or "
     "anchor."},
    {"anchor", audit_anchor_cmd,
     "print the chain's head (ID:HASH) to keep outside the database",
     "Prints the head of the audit chain as ID:HASH. Write it down "
     "outside the database (another system, paper) now and then; 'audit "
     "verify --anchor ID:HASH' later shows whether the log was cut back "
     "or rewritten since."},
    {"list", audit_list_cmd, "list entries (--patient, --user, --since)",
     "Lists audit entries, oldest first. Entries hold ids only, never "
     "names or notes."})
