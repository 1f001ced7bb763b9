/* touchstone report physician: the progress report as HTML and PDF. */
#include "cli/report_physician.h"
#include "core/util.h"
#include "documents/physician_report.h"
#include "outcomes/report.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define CHROMIUM_DEFAULT "/usr/bin/chromium"
#define CHROMIUM_SECONDS 120

static int write_file(const char *path, const struct buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(b->data, 1, b->len, f) == b->len;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* Removes the temporary directory and what Chromium left in it. */
static void remove_tree(const char *dir)
{
    pid_t pid;
    const char *argv[] = {"rm", "-rf", "--", dir, NULL};
    if (posix_spawnp(&pid, "rm", NULL, NULL, (char *const *)argv,
                     environ) == 0)
        waitpid(pid, NULL, 0);
}

/* Prints html_path to pdf_path with headless Chromium. */
static int print_pdf(struct cli *c, const char *chromium,
                     const char *html_path, const char *pdf_path,
                     const char *tmp)
{
    char *profile = xasprintf("--user-data-dir=%s/profile", tmp);
    char *target = xasprintf("--print-to-pdf=%s", pdf_path);
    char *url = xasprintf("file://%s", html_path);
    const char *argv[] = {chromium, "--headless", "--no-sandbox",
                          "--disable-gpu", "--no-first-run",
                          "--disable-background-networking",
                          "--disable-component-update", "--disable-sync",
                          "--no-pdf-header-footer", profile, target, url,
                          NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, chromium, &actions, NULL,
                         (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    free(profile);
    free(target);
    free(url);
    if (rc != 0)
        return cli_error(c, EXIT_FAILURE_, "pdf", "unable to run '%s': %s",
                         chromium, strerror(rc));
    int status = 0;
    time_t until = time(NULL) + CHROMIUM_SECONDS;
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR)
            return cli_error(c, EXIT_FAILURE_, "pdf", "lost the Chromium "
                             "process: %s", strerror(errno));
        if (time(NULL) > until) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return cli_error(c, EXIT_FAILURE_, "pdf", "Chromium did not "
                             "finish within %d seconds", CHROMIUM_SECONDS);
        }
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    struct stat st;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        stat(pdf_path, &st) != 0 || st.st_size == 0)
        return cli_error(c, EXIT_FAILURE_, "pdf", "Chromium did not write "
                         "'%s' (exit status %d)", pdf_path,
                         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return EXIT_OK;
}

int cli_report_physician(struct cli *c, int argc, const char **argv)
{
    const char *episode = NULL, *out = NULL, *pdf = NULL;
    struct opt opts[] = {
        {"episode", OPT_STRING, &episode, "ID", "the episode of care", 1, 0},
        {"out", OPT_STRING, &out, "FILE.html",
         "write the HTML report to FILE (default: stdout unless --pdf)", 0,
         0},
        {"pdf", OPT_STRING, &pdf, "FILE.pdf",
         "also print it to PDF with headless Chromium ($TOUCHSTONE_CHROMIUM "
         "or " CHROMIUM_DEFAULT ")", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    const char *chromium = getenv("TOUCHSTONE_CHROMIUM");
    if (!chromium || !*chromium)
        chromium = CHROMIUM_DEFAULT;
    if (pdf && access(chromium, X_OK) != 0)
        return cli_error(c, EXIT_FAILURE_, "pdf",
                         "PDF needs Chromium, and '%s' is not installed "
                         "(install the Debian package 'chromium', or set "
                         "TOUCHSTONE_CHROMIUM); the HTML report (--out) "
                         "prints from any browser", chromium);
    struct err e = ERR_INIT;
    int64_t id;
    struct buf html = BUF_INIT;
    if (cli_parse_id(episode, "episode", &id, &e) < 0 ||
        cli_open_store(c, &e) < 0 ||
        physician_report_html(c->store, &actor_cli, id, &html, &e) < 0) {
        buf_release(&html);
        if (!strcmp(e.field, "id"))
            snprintf(e.field, sizeof(e.field), "episode");
        return cli_fail(c, &e);
    }
    int rc = EXIT_OK;
    if (c->json) {
        /* The report's comparison with peers, and its outcomes, as JSON on
         * stdout (the HTML only into --out). */
        json_t *doc = physician_report_peers_json(c->store, &actor_cli, id,
                                                  &e);
        json_t *detail = doc ? report_episode_json(c->store, &actor_cli, id,
                                                    &e)
                              : NULL;
        if (!detail) {
            json_decref(doc);
            buf_release(&html);
            return cli_fail(c, &e);
        }
        json_object_set(doc, "outcomes",
                        json_object_get(detail, "outcomes"));
        json_decref(detail);
        if (out)
            rc = cli_write_output(c, out, html.data, html.len);
        if (rc == EXIT_OK)
            rc = cli_print_json(c, doc);
        else
            json_decref(doc);
    } else if (out || !pdf) { /* stdout unless --pdf alone */
        rc = cli_write_output(c, out, html.data, html.len);
    }
    if (rc == EXIT_OK && pdf) {
        char tmpl[] = "/tmp/touchstone-report-XXXXXX";
        char *tmp = mkdtemp(tmpl);
        if (!tmp) {
            rc = cli_error(c, EXIT_FAILURE_, "pdf", "unable to make a "
                           "temporary directory: %s", strerror(errno));
        } else {
            char *page = xasprintf("%s/report.html", tmp);
            char *target = pdf[0] == '/' ? xstrdup(pdf) : NULL;
            if (!target) {
                char cwd[4096];
                if (!getcwd(cwd, sizeof(cwd)))
                    die("unable to read the working directory");
                target = xasprintf("%s/%s", cwd, pdf);
            }
            if (write_file(page, &html) < 0)
                rc = cli_error(c, EXIT_FAILURE_, "pdf", "unable to write "
                               "'%s'", page);
            else
                rc = print_pdf(c, chromium, page, target, tmp);
            free(page);
            free(target);
            remove_tree(tmp);
        }
    }
    buf_release(&html);
    return rc;
}
