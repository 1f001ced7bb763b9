/* touchstone registry enroll | pull: the clinic's verbs of the registry
 * command (registry_client.h, docs/registry.md). */
#include "cli/registry_client.h"
#include "core/json_read.h"
#include "record/clinic.h"
#include "record/clinic_key.h"
#include "registry/batch.h"
#include "registry/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads an enrolment answer into link (clinic, status and, when given,
 * the registry's key). */
static int read_enrolment(const json_t *answer, struct registry_link *link,
                          struct err *e)
{
    static const char *const keys[] = {"clinic", "status",
                                       "registry_public_key", NULL};
    struct json_reader r = JSON_READER_INIT(e);
    long long clinic;
    const char *status, *key = NULL;
    if (json_read_object(&r, answer, "") < 0 ||
        json_read_keys(&r, answer, "", keys) < 0 ||
        json_read_integer(&r, answer, "", "clinic", JSON_REQUIRED, &clinic) <
            0 ||
        json_read_text(&r, answer, "", "status", JSON_REQUIRED | JSON_NONEMPTY,
                       &status) < 0 ||
        json_read_text(&r, answer, "", "registry_public_key", 0, &key) < 0)
        return -1;
    if (clinic <= 0)
        return err_set(e, ERR_INPUT, "clinic",
                       "the registry answered clinic id %lld", clinic);
    if (strlen(status) > REGISTRY_STATUS_MAX)
        return err_set(e, ERR_INPUT, "status", "longer than %d bytes",
                       REGISTRY_STATUS_MAX);
    link->clinic_id = clinic;
    snprintf(link->status, sizeof(link->status), "%s", status);
    if (key) {
        unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
        if (clinic_key_base64_decode(key, pk, sizeof(pk),
                                     "registry_public_key", e) < 0)
            return -1;
        snprintf(link->public_key, sizeof(link->public_key), "%s", key);
    }
    return 0;
}

int registry_enroll_cmd(struct cli *c, int argc, const char **argv)
{
    const char *url = NULL;
    struct opt opts[] = {
        {"url", OPT_STRING, &url, "URL",
         "the registry's address (http://host:port)", 1, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Enrols the clinic with a registry: sends its name and "
                  "public key, pins the registry's key and prints the "
                  "clinic's registry id and status (pending until a "
                  "registry admin approves it).") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct registry_link link = {0};
    if (registry_client_url(url, link.url, REGISTRY_URL_MAX, &e) < 0)
        return cli_fail(c, &e);
    char name[256];
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    char pk64[CLINIC_KEY_PUBLIC_BASE64_LEN];
    if (cli_open_store(c, &e) < 0 ||
        clinic_name(c->store, name, sizeof(name), &e) < 0 ||
        clinic_key_public(c->store, pk, &e) < 0)
        return cli_fail(c, &e);
    clinic_key_public_base64(pk, pk64);
    struct registry_link old;
    struct err none = ERR_INIT;
    int had = registry_link_get(c->store, &old, &none) == 0;
    json_t *request = json_pack("{s:s,s:s}", "name", name, "public_key",
                                pk64);
    size_t len;
    char *body = signing_canonical_json(request, &len);
    json_decref(request);
    if (!body)
        return cli_error(c, EXIT_FAILURE_, "name",
                         "the clinic's name is not UTF-8");
    struct registry_answer a;
    int rc = registry_client_post(link.url, "/registry/v1/enroll", body, len,
                                  &a, &e);
    free(body);
    if (rc < 0)
        return cli_fail(c, &e);
    if (a.status != 200 && a.status != 201)
        rc = registry_client_refusal(&a, &e);
    else
        rc = read_enrolment(a.json, &link, &e);
    registry_answer_release(&a);
    if (rc == 0 && !link.public_key[0]) {
        if (had && !strcmp(old.url, link.url))
            memcpy(link.public_key, old.public_key, sizeof(link.public_key));
        else
            rc = err_set(&e, ERR_FAIL, "registry_public_key",
                         "the registry did not give its public key");
    }
    if (rc == 0)
        rc = registry_link_save(c->store, &actor_cli, &link, &e);
    if (rc < 0)
        return cli_fail(c, &e);
    if (c->json)
        return cli_print_json(c, json_pack("{s:I,s:s}", "clinic",
                                           (json_int_t)link.clinic_id,
                                           "status", link.status));
    printf("enrolled with %s as clinic %lld: %s\n", link.url,
           (long long)link.clinic_id, link.status);
    if (!strcmp(link.status, "pending"))
        printf("a registry admin approves the clinic before it may push\n");
    return EXIT_OK;
}

int registry_pull_cmd(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    if (cli_parse_open(c, argc, argv, opts,
                       "Fetches the registry's national document, checks "
                       "its signature with the key pinned at enrolment and "
                       "keeps it for the outcome reports.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct registry_link link;
    if (registry_link_get(c->store, &link, &e) < 0)
        return cli_fail(c, &e);
    struct registry_answer a;
    if (registry_client_get(link.url, "/registry/v1/national", &a, &e) < 0)
        return cli_fail(c, &e);
    int rc;
    if (a.status != 200)
        rc = registry_client_refusal(&a, &e);
    else if (!a.json)
        rc = err_set(&e, ERR_FAIL, "document",
                     "the registry's answer is not JSON");
    else
        rc = registry_national_store(c->store, &actor_cli, a.json,
                                     link.public_key, &e);
    const json_t *doc = json_object_get(a.json, "document");
    size_t models = json_array_size(json_object_get(doc, "models"));
    size_t cells = json_array_size(json_object_get(doc, "cells"));
    registry_answer_release(&a);
    if (rc < 0)
        return cli_fail(c, &e);
    if (c->json)
        return cli_print_json(c, json_pack("{s:s,s:I,s:I,s:b}", "registry",
                                           link.url, "models",
                                           (json_int_t)models, "cells",
                                           (json_int_t)cells, "verified",
                                           1));
    printf("pulled the national document from %s: %zu models, %zu cells "
           "(signature verified with the pinned key)\n",
           link.url, models, cells);
    return EXIT_OK;
}
