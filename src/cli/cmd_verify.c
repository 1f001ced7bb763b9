/* touchstone verify: check a signed certificate, without a database. */
#include "cli/cli.h"
#include "core/util.h"
#include "outcomes/certificate.h"
#include "record/clinic_key.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

COMMAND("verify", cmd_verify, "check a signed certificate (no database needed)")

/* Reads at most max + 1 bytes of path ("-" for stdin) into a new buffer,
 * so that a file over max shows as such. -1 with e when unreadable. */
static int read_input(const char *path, char **out, size_t *len, size_t max,
                      struct err *e)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return err_set(e, ERR_INPUT, "file", "unable to read '%s': %s", path,
                       strerror(errno));
    char *data = xmalloc(max + 2);
    size_t n = fread(data, 1, max + 1, f);
    int bad = ferror(f);
    int saved = errno;
    if (f != stdin)
        fclose(f);
    if (bad) {
        free(data);
        return err_set(e, ERR_INPUT, "file", "unable to read '%s': %s", path,
                       strerror(saved));
    }
    data[n] = '\0';
    *out = data;
    *len = n;
    return 0;
}

/* Prints s with control characters shown as '?': a certificate's free
 * members are not to drive the terminal. */
static void print_clean(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        putchar(*p < 0x20 || *p == 0x7f ? '?' : *p);
}

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* A value in readable form: strings as they are, numbers plainly, the
 * rest as compact JSON. */
static void print_value(const json_t *v)
{
    if (json_is_string(v)) {
        print_clean(json_string_value(v));
    } else if (json_is_integer(v)) {
        printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        printf("%.10g", json_real_value(v));
    } else {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
                                       JSON_PRESERVE_ORDER);
        print_clean(text ? text : "");
        free(text);
    }
}

static int is_known_claim(const char *key)
{
    static const char *const known[] = {
        "format",      "id",          "issued_at",  "clinic",
        "practitioner", "protocol",   "instrument", "designation",
        "metrics",     "thresholds",  "data_window", "data_sha256", NULL};
    for (const char *const *k = known; *k; k++)
        if (!strcmp(*k, key))
            return 1;
    return 0;
}

static void print_claims(const json_t *claims, const char *pk64,
                         int key_checked)
{
    const json_t *p = json_object_get(claims, "practitioner");
    const json_t *w = json_object_get(claims, "data_window");
    printf("valid: certificate %s\n", str(claims, "id"));
    printf("signed by     %s\n", pk64);
    if (key_checked)
        printf("              (the expected public key)\n");
    else
        printf("              (not compared with an expected key: give "
               "--public-key to check who signed it)\n");
    printf("issued at     %s\n", str(claims, "issued_at"));
    printf("clinic        ");
    print_clean(str(json_object_get(claims, "clinic"), "name"));
    printf("\npractitioner  ");
    print_clean(str(p, "name"));
    printf(" (id %" JSON_INTEGER_FORMAT ", license ",
           json_integer_value(json_object_get(p, "id")));
    print_clean(str(p, "license"));
    printf(")\ndesignation   %s\nprotocol      ", str(claims, "designation"));
    print_clean(str(claims, "protocol"));
    printf("\ninstrument    ");
    print_clean(str(claims, "instrument"));
    printf("\ndata window   %s to %s\n", str(w, "from"), str(w, "to"));
    printf("data sha256   %s\n", str(claims, "data_sha256"));
    printf("metrics:\n");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(claims, "metrics"), key,
                        v) {
        printf("  ");
        print_clean(key);
        printf(": ");
        print_value(v);
        printf("\n");
    }
    printf("criteria met:\n");
    size_t i;
    json_array_foreach(json_object_get(claims, "thresholds"), i, v) {
        printf("  ");
        print_clean(str(v, "criterion"));
        const char *k;
        json_t *x;
        int first = 1;
        json_object_foreach(v, k, x) {
            if (!strcmp(k, "criterion") || !strcmp(k, "met"))
                continue;
            printf("%s", first ? " (" : ", ");
            first = 0;
            print_clean(k);
            printf(" ");
            print_value(x);
        }
        printf("%s\n", first ? "" : ")");
    }
    json_object_foreach((json_t *)claims, key, v) {
        if (is_known_claim(key))
            continue;
        print_clean(key);
        printf(": ");
        print_value(v);
        printf("\n");
    }
}

int cmd_verify(struct cli *c, int argc, const char **argv)
{
    const char *file = NULL, *key_text = NULL;
    struct opt opts[] = {
        {"file", OPT_ARG, &file, "FILE", "the certificate ('-' for stdin)",
         1, 0},
        {"public-key", OPT_STRING, &key_text, "KEY",
         "the clinic's public key (base64, from 'touchstone key "
         "export-public'); the certificate must be signed by it", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Checks a certificate's Ed25519 signature and claims and "
                  "prints them. Exits 0 when valid, 1 when not (naming what "
                  "failed), 2 when the file cannot be read. Needs no "
                  "database.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    unsigned char expected[CLINIC_KEY_PUBLIC_BYTES];
    if (key_text) {
        /* Forgive blanks around a pasted key, nothing else. */
        while (isspace((unsigned char)*key_text))
            key_text++;
        char *trimmed = xstrdup(key_text);
        size_t n = strlen(trimmed);
        while (n && isspace((unsigned char)trimmed[n - 1]))
            trimmed[--n] = '\0';
        int rc = clinic_key_base64_decode(trimmed, expected,
                                          sizeof(expected), "public-key", &e);
        free(trimmed);
        if (rc < 0)
            return cli_fail(c, &e);
    }
    char *text = NULL;
    size_t len = 0;
    if (read_input(file, &text, &len, CERTIFICATE_MAX_BYTES, &e) < 0)
        return cli_fail(c, &e);
    json_t *claims = NULL;
    unsigned char signer[CLINIC_KEY_PUBLIC_BYTES];
    int rc = certificate_verify(text, len, key_text ? expected : NULL,
                                &claims, signer, &e);
    free(text);
    if (rc < 0) {
        if (c->json)
            cli_print_json(c, json_pack("{s:b,s:s,s:s}", "valid", 0, "field",
                                        e.field, "error", e.message));
        cli_fail(c, &e);
        c->exit_code = EXIT_FAILURE_;
        return EXIT_FAILURE_;
    }
    char pk64[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(signer, pk64);
    if (c->json)
        return cli_print_json(
            c, json_pack("{s:b,s:s,s:b,s:o}", "valid", 1, "public_key", pk64,
                         "public_key_checked", key_text != NULL,
                         "certificate", claims));
    print_claims(claims, pk64, key_text != NULL);
    json_decref(claims);
    return EXIT_OK;
}
