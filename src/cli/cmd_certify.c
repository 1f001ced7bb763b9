/* touchstone certify: a signed certificate of a designation. */
#include "cli/cli.h"
#include "core/util.h"
#include "outcomes/certify.h"
#include "outcomes/signing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

COMMAND("certify", cmd_certify, "issue a signed certificate of a designation")

/* Refuses a path that exists (a file, a directory or a link). */
static int path_free(const char *path, const char *field, struct err *e)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        return err_set(e, ERR_CONFLICT, field,
                       "'%.200s' exists; a certificate never overwrites a "
                       "file",
                       path);
    return 0;
}

/* Writes text to a new file (never an existing one). */
static int write_new(const char *path, const char *field, const char *text,
                     size_t len, struct err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0644);
    if (fd < 0)
        return err_set(e, errno == EEXIST ? ERR_CONFLICT : ERR_FAIL, field,
                       "cannot create '%.200s': %s", path, strerror(errno));
    if (fd_write_full(fd, text, len) < len) {
        int saved = errno;
        close(fd);
        unlink(path);
        return err_set(e, ERR_FAIL, field, "cannot write '%.200s': %s", path,
                       strerror(saved));
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        unlink(path);
        return err_set(e, ERR_FAIL, field, "cannot write '%.200s'", path);
    }
    return 0;
}

static int designation_parse(const char *text, enum designation *out,
                             struct err *e)
{
    *out = DESIGNATION_NONE;
    if (!text)
        return 0;
    if (!strcmp(text, "reproducible"))
        *out = DESIGNATION_REPRODUCIBLE;
    else if (!strcmp(text, "advanced"))
        *out = DESIGNATION_ADVANCED;
    else
        return err_set(e, ERR_INPUT, "designation",
                       "'%.64s' is not reproducible or advanced", text);
    return 0;
}

int cmd_certify(struct cli *c, int argc, const char **argv)
{
    const char *out = NULL, *data_out = NULL;
    const char *designation = NULL;
    struct certify_request req = {0};
    struct opt opts[] = {
        OPTION_PRACTITIONER(&req.practitioner_id, "the practitioner", 1),
        OPTION_PROTOCOL(&req.protocol, "the protocol", 1),
        OPTION_INSTRUMENT(
            &req.instrument,
            "the instrument (default: the protocol's one qualifying cell)", 0),
        {"designation", OPT_STRING, &designation, "NAME",
         "reproducible or advanced (default: the highest met)", 0, 0},
        {"out", OPT_STRING, &out, "FILE",
         "the certificate file to create (never overwritten)", 1, 0},
        {"data", OPT_STRING, &data_out, "FILE",
         "also write the de-identified episode summaries it rests on", 0,
         0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Issues a certificate of the practitioner's designation "
                  "in one cell, signed with the clinic's key; 'touchstone "
                  "verify FILE' checks it. Refused (status 3), naming the "
                  "unmet criterion, when the cell does not meet the "
                  "designation.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    if (designation_parse(designation, &req.wanted, &e) < 0 ||
        path_free(out, "out", &e) < 0 ||
        (data_out && path_free(data_out, "data", &e) < 0))
        return cli_fail(c, &e);
    if (data_out && !strcmp(data_out, out))
        return cli_error(c, EXIT_BAD_INPUT, "data",
                         "must differ from --out");
    if (cli_open_store(c, &e) < 0)
        return cli_fail(c, &e);
    json_t *data = NULL;
    char *doc = certify_issue(c->store, &actor_cli, &req,
                              data_out ? &data : NULL, &e);
    if (!doc)
        return cli_fail(c, &e);
    int rc = write_new(out, "out", doc, strlen(doc), &e);
    if (rc == 0 && data_out) {
        size_t len;
        char *bytes = signing_canonical_json(data, &len);
        rc = bytes ? write_new(data_out, "data", bytes, len, &e)
                   : err_set(&e, ERR_FAIL, "data", "cannot encode");
        free(bytes);
    }
    json_decref(data);
    if (rc < 0) {
        free(doc);
        return cli_fail(c, &e);
    }
    json_t *parsed = json_loads(doc, 0, NULL);
    free(doc);
    json_t *claims = json_object_get(parsed, "certificate");
    const char *id = json_string_value(json_object_get(claims, "id"));
    const char *level =
        json_string_value(json_object_get(claims, "designation"));
    const char *sha =
        json_string_value(json_object_get(claims, "data_sha256"));
    int status;
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "file", json_string(out));
        json_object_set_new(o, "id", json_string(id ? id : ""));
        json_object_set_new(o, "designation", json_string(level ? level : ""));
        json_object_set(o, "protocol", json_object_get(claims, "protocol"));
        json_object_set(o, "instrument",
                        json_object_get(claims, "instrument"));
        json_object_set_new(o, "practitioner",
                            json_integer(req.practitioner_id));
        json_object_set_new(o, "data_sha256", json_string(sha ? sha : ""));
        json_object_set_new(o, "data",
                            data_out ? json_string(data_out) : json_null());
        status = cli_print_json(c, o);
    } else {
        printf("certificate %s: practitioner %lld is %s in %s x %s; "
               "written to '%s'\n",
               id ? id : "?", (long long)req.practitioner_id,
               level ? level : "?",
               json_string_value(json_object_get(claims, "protocol")),
               json_string_value(json_object_get(claims, "instrument")), out);
        status = EXIT_OK;
    }
    json_decref(parsed);
    return status;
}
