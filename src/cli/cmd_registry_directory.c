/* touchstone registry directory: sends the clinic's signed listing to the
 * registry's public directory (registry/directory.h). */
#include "cli/cli.h"
#include "cli/registry.h"
#include "record/clinic_key.h"
#include "registry/client.h"
#include "registry/directory.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int registry_directory_cmd(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    struct err e = ERR_INIT;
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||
        clinic_key_load_secret(c->store, sk, &e) < 0)
        return cli_stop(c, &e);
    char *body, *url;
    int listed;
    int rc = directory_listing_build(c->store, &actor_cli, sk, &body,
                                     &listed, &url, &e);
    sodium_memzero(sk, sizeof(sk));
    if (rc < 0)
        return cli_fail(c, &e);
    struct registry_answer a;
    rc = registry_client_post(url, "/registry/v1/directory", body,
                              strlen(body), &a, &e);
    free(body);
    if (rc == 0) {
        if (a.status != 200)
            rc = registry_client_refusal(&a, &e);
        registry_answer_release(&a);
    }
    if (rc < 0) {
        free(url);
        return cli_fail(c, &e);
    }
    if (c->json) {
        json_t *doc = json_pack("{sssi}", "registry", url, "listed", listed);
        free(url);
        return cli_print_json(c, doc);
    }
    printf("sent the directory listing to %s: %d practitioner%s listed\n",
           url, listed, listed == 1 ? "" : "s");
    free(url);
    return EXIT_OK;
}
