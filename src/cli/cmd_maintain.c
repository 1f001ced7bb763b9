/* touchstone backup and touchstone check: keeping the file safe (the
 * backup with the clinic's signing key beside it). */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "record/clinic_key.h"

COMMAND("backup", cmd_backup, "copy the database safely while it is in use")
COMMAND("check", cmd_check, "run integrity and foreign-key checks")

/* The folder of path (".", for a bare name). Allocates; the caller frees. */
static char *folder_of(const char *path)
{
    char *copy = xstrdup(path);
    char *dir = xstrdup(dirname(copy));
    free(copy);
    return dir;
}

/* Refuses (-1, field "file") a folder that cannot protect a signing key:
 * one that group or others may write to (they could replace or remove the
 * key beside the backup) or that belongs to another user (who may change
 * that). */
static int backup_folder_safe(const char *file, struct err *e)
{
    char *dir = folder_of(file);
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) < 0)
        rc = err_set(e, ERR_FAIL, "file", "unable to use the folder '%s': %s",
                     dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = err_set(e, ERR_FAIL, "file", "'%s' is not a folder", dir);
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        rc = err_set(e, ERR_REFUSED, "file",
                     "refusing to write the clinic's signing key into '%s': "
                     "group or others may write to that folder (mode %04o), "
                     "so the key beside the backup would not be protected; "
                     "back up into a folder only you can write "
                     "('chmod go-w %s'), or pass --without-key",
                     dir, (unsigned)(st.st_mode & 07777), dir);
    else if (st.st_uid != geteuid() && st.st_uid != 0)
        rc = err_set(e, ERR_REFUSED, "file",
                     "refusing to write the clinic's signing key into '%s': "
                     "the folder belongs to another user (uid %u), who "
                     "could open it to others; back up into a folder of "
                     "your own, or pass --without-key",
                     dir, (unsigned)st.st_uid);
    free(dir);
    return rc;
}

/* Writes the secret key sk to path: created new (O_EXCL, never through a
 * link) with mode 0600, written in full and fsync'ed, and its mode read
 * back: a file system that does not keep 0600 (some network and FAT
 * mounts) is refused. On failure removes the file. */
static int backup_write_key(const char *path,
                            const unsigned char sk[CLINIC_KEY_SECRET_BYTES],
                            struct err *e)
{
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, errno == EEXIST ? ERR_CONFLICT : ERR_FAIL, "file",
                       "unable to create the key file '%s': %s", path,
                       strerror(errno));
    int rc = 0;
    struct stat st;
    if (fchmod(fd, 0600) < 0) {
        rc = err_set(e, ERR_FAIL, "file", "unable to set mode 0600 on '%s': %s",
                     path, strerror(errno));
    } else if (fstat(fd, &st) < 0 || (st.st_mode & 07777) != 0600) {
        rc = err_set(e, ERR_REFUSED, "file",
                     "refusing to leave the clinic's signing key in '%s': "
                     "its file system does not keep mode 0600 (the file "
                     "has %04o), so others could read it; back up onto "
                     "another file system, or pass --without-key",
                     path, (unsigned)(st.st_mode & 07777));
    } else {
        size_t n = CLINIC_KEY_SECRET_BYTES;
        if (fd_write_full(fd, sk, n) < n || fsync(fd) < 0)
            rc = err_set(e, ERR_FAIL, "file", "unable to write '%s': %s", path,
                         strerror(errno));
    }
    if (close(fd) < 0 && rc == 0)
        rc = err_set(e, ERR_FAIL, "file", "unable to write '%s': %s", path,
                     strerror(errno));
    if (rc < 0)
        unlink(path);
    return rc;
}

/* Makes the new names in the folder of file durable (best effort: a
 * folder that cannot be opened or synced still holds fsync'ed files). */
static void backup_sync_folder(const char *file)
{
    char *dir = folder_of(file);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int cmd_backup(struct cli *c, int argc, const char **argv)
{
    const char *file = NULL;
    int without_key = 0;
    struct opt opts[] = {
        OPTION_FILE(&file, "the new backup file"),
        {"without-key", OPT_FLAG, &without_key, NULL,
         "copy the database alone, not the clinic's signing key", 0, 0},
        OPT_END,
    };
    if (cli_parse_open(c, argc, argv, opts,
                       "Copies the database with SQLite's online backup, "
                       "safe while others use it, and the clinic's signing "
                       "key beside it as FILE.key (mode 0600), so that FILE "
                       "and FILE.key restore a clinic that can sign. "
                       "Refuses an existing FILE or FILE.key, and a folder "
                       "that group or others may write to or a file system "
                       "that does not keep mode 0600 (the key would not be "
                       "protected there); --without-key copies the "
                       "database alone.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    char *key_dest = NULL;
    int has_key = 0;
    if (!without_key) {
        if (clinic_key_public(c->store, pk, &e) < 0) {
            if (e.code != ERR_NOT_FOUND)
                return cli_fail(c, &e);
            /* A database made before keys: there is no key to copy. */
            err_clear(&e);
        } else {
            has_key = 1;
        }
    }
    if (has_key) {
        key_dest = clinic_key_path(file);
        struct stat st;
        if (backup_folder_safe(file, &e) < 0) {
            free(key_dest);
            return cli_fail(c, &e);
        }
        const char *taken = lstat(file, &st) == 0       ? file
                            : lstat(key_dest, &st) == 0 ? key_dest
                                                        : NULL;
        if (taken) {
            err_set(&e, ERR_CONFLICT, "file",
                    "'%s' already exists; refusing to overwrite it", taken);
            free(key_dest);
            return cli_fail(c, &e);
        }
        if (clinic_key_load_secret(c->store, sk, &e) < 0) {
            free(key_dest);
            char why[sizeof(e.message)];
            snprintf(why, sizeof(why), "%s", e.message);
            err_set(&e, e.code, "key",
                    "%s (--without-key copies the database alone)", why);
            return cli_fail(c, &e);
        }
    }
    /* The key is written whole under a name of its own first, and takes
     * its name only once the database is copied: FILE.key, when it
     * exists, is always a whole key, even if the backup is killed. */
    char *key_partial = NULL;
    if (has_key) {
        key_partial = xasprintf("%s.partial-%ld", key_dest, (long)getpid());
        int rc = backup_write_key(key_partial, sk, &e);
        explicit_bzero(sk, sizeof(sk));
        if (rc < 0) {
            free(key_partial);
            free(key_dest);
            return cli_fail(c, &e);
        }
    }
    if (store_backup(c->store, file, &e) < 0) {
        if (key_partial)
            unlink(key_partial);
        free(key_partial);
        free(key_dest);
        return cli_fail(c, &e);
    }
    if (key_partial) {
        /* link(2) never replaces an existing file, unlike rename(2). */
        if (link(key_partial, key_dest) < 0) {
            err_set(&e, errno == EEXIST ? ERR_CONFLICT : ERR_FAIL, "file",
                    "unable to name the key file '%s': %s", key_dest,
                    strerror(errno));
            unlink(key_partial);
            unlink(file);
            free(key_partial);
            free(key_dest);
            return cli_fail(c, &e);
        }
        unlink(key_partial);
        free(key_partial);
    }
    backup_sync_folder(file);
    int status;
    if (c->json) {
        status = cli_print_json(
            c, json_pack("{s:s,s:s?}", "backup", file, "key", key_dest));
    } else {
        printf("backed up '%s' to '%s'\n", c->db_path, file);
        if (has_key)
            printf("copied its signing key to '%s' (mode 0600)\n", key_dest);
        else if (without_key)
            printf("the signing key was not copied (--without-key)\n");
        else
            printf("the database has no signing key (made before keys; "
                   "'touchstone key create' makes one)\n");
        status = EXIT_OK;
    }
    free(key_dest);
    return status;
}

int cmd_check(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    if (cli_parse_open(c, argc, argv, opts,
                       "Runs SQLite's integrity check and the foreign-key "
                       "check; exits 0 only when both are clean.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct buf report = BUF_INIT;
    int problems = store_check(c->store, &report, &e);
    if (problems < 0) {
        buf_release(&report);
        return cli_fail(c, &e);
    }
    if (c->json) {
        buf_release(&report);
        cli_print_json(c, json_pack("{s:b,s:i}", "ok", problems == 0,
                                    "problems", problems));
        return problems ? EXIT_FAILURE_ : EXIT_OK;
    }
    fputs(report.data, stdout);
    buf_release(&report);
    if (problems) {
        fprintf(stderr, "touchstone: check: %d problem(s) in '%s'\n", problems,
                c->db_path);
        return EXIT_FAILURE_;
    }
    printf("ok: '%s' passes the integrity and foreign-key checks\n",
           c->db_path);
    return EXIT_OK;
}
