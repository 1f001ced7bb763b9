/* Fault injection for the tests, in the manner of SQLite's own test VFS
 * and malloc hooks: compiled to nothing unless TOUCHSTONE_FAULT is defined,
 * which only the test build (build/test/) does, for this file alone. The
 * release binary holds none of it.
 *
 * In the test build, the environment variable TOUCHSTONE_FAULT, read once
 * before main(), chooses what to do:
 *
 *   count        count every read, write and sync of every file SQLite
 *                opens, and every allocation SQLite makes; print the counts
 *                on stderr at exit as
 *                "touchstone-fault: counts read=R write=W sync=S malloc=M"
 *   KIND:N       make the Nth operation of KIND fail, once
 *   KIND:N+      make the Nth operation of KIND and every later one fail
 *
 * KIND is read (SQLITE_IOERR_READ), write (SQLITE_IOERR_WRITE), full (a
 * write answering SQLITE_FULL, counted with the writes), sync
 * (SQLITE_IOERR_FSYNC) or malloc (SQLite's allocator answers NULL, so
 * SQLite answers SQLITE_NOMEM). When a fault was injected, the process says
 * so on stderr at exit: "touchstone-fault: injected KIND N". Anything else
 * in the variable is refused before main() with exit status 2.
 *
 * The wrapped VFS is registered as the default, over the one SQLite would
 * use, and forwards every call to it; the allocator wraps SQLite's own. */
#ifdef TOUCHSTONE_FAULT

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fault_kind { FAULT_NONE, FAULT_READ, FAULT_WRITE, FAULT_FULL,
                  FAULT_SYNC, FAULT_MALLOC };

static const char *const fault_names[] = {
    "none", "read", "write", "full", "sync", "malloc"};

static enum fault_kind fault_kind;
static long fault_at;       /* the operation that fails, from 1 */
static int fault_persistent; /* and every one after it */
static int fault_counting;
static atomic_long fault_reads, fault_writes, fault_syncs, fault_mallocs;
static atomic_long fault_injected; /* the first operation made to fail */

static sqlite3_vfs *fault_real_vfs;
static sqlite3_mem_methods fault_real_mem;

/* Counts one operation on counter and says whether it must fail: it is
 * of one of the kinds first and second (the same kind twice for one) and
 * the chosen one in the count. */
static int fault_hit(atomic_long *counter, enum fault_kind first,
                     enum fault_kind second)
{
    long n = atomic_fetch_add(counter, 1) + 1;
    if ((fault_kind != first && fault_kind != second) || n < fault_at ||
        (n > fault_at && !fault_persistent))
        return 0;
    long none = 0;
    atomic_compare_exchange_strong(&fault_injected, &none, n);
    return 1;
}

struct fault_file {
    sqlite3_file base;
    sqlite3_file *real; /* the wrapped VFS's file, just after this struct */
};

#define REAL(f) (((struct fault_file *)(f))->real)

static int fault_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}

static int fault_read(sqlite3_file *f, void *out, int n, sqlite3_int64 at)
{
    if (fault_hit(&fault_reads, FAULT_READ, FAULT_READ))
        return SQLITE_IOERR_READ;
    return REAL(f)->pMethods->xRead(REAL(f), out, n, at);
}

static int fault_write(sqlite3_file *f, const void *in, int n,
                       sqlite3_int64 at)
{
    /* The writes are counted once, whichever of the two kinds is asked. */
    if (fault_hit(&fault_writes, FAULT_WRITE, FAULT_FULL))
        return fault_kind == FAULT_FULL ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    return REAL(f)->pMethods->xWrite(REAL(f), in, n, at);
}

static int fault_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int fault_sync(sqlite3_file *f, int flags)
{
    if (fault_hit(&fault_syncs, FAULT_SYNC, FAULT_SYNC))
        return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int fault_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int fault_lock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int fault_unlock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int fault_check_reserved_lock(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int fault_file_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int fault_sector_size(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int fault_device_characteristics(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int fault_shm_map(sqlite3_file *f, int region, int size, int extend,
                         void volatile **out)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, out);
}

static int fault_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void fault_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int fault_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

static int fault_fetch(sqlite3_file *f, sqlite3_int64 at, int n, void **out)
{
    return REAL(f)->pMethods->xFetch(REAL(f), at, n, out);
}

static int fault_unfetch(sqlite3_file *f, sqlite3_int64 at, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), at, p);
}

/* One table per version of the real file's methods, so that SQLite sees
 * exactly the calls the real file offers (no shared memory, no mmap where
 * the real file has none). */
#define FAULT_IO_METHODS(version)                                        \
    {version, fault_close, fault_read, fault_write, fault_truncate,      \
     fault_sync, fault_file_size, fault_lock, fault_unlock,              \
     fault_check_reserved_lock, fault_file_control, fault_sector_size,   \
     fault_device_characteristics, fault_shm_map, fault_shm_lock,        \
     fault_shm_barrier, fault_shm_unmap, fault_fetch, fault_unfetch}

static const sqlite3_io_methods fault_io[4] = {
    {0}, FAULT_IO_METHODS(1), FAULT_IO_METHODS(2), FAULT_IO_METHODS(3)};

static int fault_open(sqlite3_vfs *vfs, sqlite3_filename name,
                      sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    struct fault_file *ff = (struct fault_file *)f;
    ff->real = (sqlite3_file *)(ff + 1);
    ff->real->pMethods = NULL;
    int rc = fault_real_vfs->xOpen(fault_real_vfs, name, ff->real, flags,
                                   out_flags);
    const sqlite3_io_methods *m = ff->real->pMethods;
    if (!m)
        ff->base.pMethods = NULL;
    else
        ff->base.pMethods = &fault_io[m->iVersion < 1 ? 1
                                      : m->iVersion > 3 ? 3
                                                        : m->iVersion];
    return rc;
}

static int fault_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return fault_real_vfs->xDelete(fault_real_vfs, name, sync_dir);
}

static int fault_access(sqlite3_vfs *vfs, const char *name, int flags,
                        int *out)
{
    (void)vfs;
    return fault_real_vfs->xAccess(fault_real_vfs, name, flags, out);
}

static int fault_full_pathname(sqlite3_vfs *vfs, const char *name, int n,
                               char *out)
{
    (void)vfs;
    return fault_real_vfs->xFullPathname(fault_real_vfs, name, n, out);
}

static void *fault_dl_open(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return fault_real_vfs->xDlOpen(fault_real_vfs, name);
}

static void fault_dl_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    fault_real_vfs->xDlError(fault_real_vfs, n, out);
}

static void (*fault_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return fault_real_vfs->xDlSym(fault_real_vfs, h, sym);
}

static void fault_dl_close(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    fault_real_vfs->xDlClose(fault_real_vfs, h);
}

static int fault_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return fault_real_vfs->xRandomness(fault_real_vfs, n, out);
}

static int fault_sleep(sqlite3_vfs *vfs, int micros)
{
    (void)vfs;
    return fault_real_vfs->xSleep(fault_real_vfs, micros);
}

static int fault_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return fault_real_vfs->xCurrentTime(fault_real_vfs, out);
}

static int fault_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return fault_real_vfs->xGetLastError
               ? fault_real_vfs->xGetLastError(fault_real_vfs, n, out)
               : 0;
}

static int fault_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return fault_real_vfs->xCurrentTimeInt64(fault_real_vfs, out);
}

static sqlite3_vfs fault_vfs = {
    .iVersion = 2,
    .zName = "touchstone-fault",
    .xOpen = fault_open,
    .xDelete = fault_delete,
    .xAccess = fault_access,
    .xFullPathname = fault_full_pathname,
    .xDlOpen = fault_dl_open,
    .xDlError = fault_dl_error,
    .xDlSym = fault_dl_sym,
    .xDlClose = fault_dl_close,
    .xRandomness = fault_randomness,
    .xSleep = fault_sleep,
    .xCurrentTime = fault_current_time,
    .xGetLastError = fault_get_last_error,
    .xCurrentTimeInt64 = fault_current_time_int64,
};

static void *fault_malloc(int n)
{
    if (fault_hit(&fault_mallocs, FAULT_MALLOC, FAULT_MALLOC))
        return NULL;
    return fault_real_mem.xMalloc(n);
}

static void *fault_realloc(void *p, int n)
{
    if (fault_hit(&fault_mallocs, FAULT_MALLOC, FAULT_MALLOC))
        return NULL;
    return fault_real_mem.xRealloc(p, n);
}

static void fault_report(void)
{
    if (fault_counting)
        fprintf(stderr,
                "touchstone-fault: counts read=%ld write=%ld sync=%ld "
                "malloc=%ld\n",
                atomic_load(&fault_reads), atomic_load(&fault_writes),
                atomic_load(&fault_syncs), atomic_load(&fault_mallocs));
    long n = atomic_load(&fault_injected);
    if (n)
        fprintf(stderr, "touchstone-fault: injected %s %ld\n",
                fault_names[fault_kind], n);
}

/* Reads "KIND:N" or "KIND:N+" into the fault_* settings; -1 if malformed. */
static int fault_parse(const char *spec)
{
    if (strcmp(spec, "count") == 0) {
        fault_counting = 1;
        return 0;
    }
    const char *colon = strchr(spec, ':');
    if (!colon)
        return -1;
    size_t len = (size_t)(colon - spec);
    for (int k = FAULT_READ; k <= FAULT_MALLOC; k++)
        if (strlen(fault_names[k]) == len &&
            strncmp(spec, fault_names[k], len) == 0)
            fault_kind = (enum fault_kind)k;
    if (fault_kind == FAULT_NONE)
        return -1;
    char *end;
    fault_at = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || fault_at < 1)
        return -1;
    if (*end == '+') {
        fault_persistent = 1;
        end++;
    }
    return *end ? -1 : 0;
}

__attribute__((constructor)) static void fault_install(void)
{
    const char *spec = getenv("TOUCHSTONE_FAULT");
    if (!spec || !*spec)
        return;
    if (fault_parse(spec) < 0) {
        fprintf(stderr,
                "TOUCHSTONE_FAULT: '%s' is not count, KIND:N or KIND:N+ "
                "(KIND read, write, full, sync or malloc)\n",
                spec);
        exit(2);
    }
    enum fault_kind kind = fault_kind;
    fault_kind = FAULT_NONE; /* until installed */
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &fault_real_mem) !=
        SQLITE_OK) {
        fprintf(stderr, "TOUCHSTONE_FAULT: SQLite's allocator unreadable\n");
        exit(2);
    }
    sqlite3_mem_methods mem = fault_real_mem;
    mem.xMalloc = fault_malloc;
    mem.xRealloc = fault_realloc;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &mem) != SQLITE_OK) {
        fprintf(stderr, "TOUCHSTONE_FAULT: SQLite's allocator not wrapped\n");
        exit(2);
    }
    fault_real_vfs = sqlite3_vfs_find(NULL);
    if (!fault_real_vfs) {
        fprintf(stderr, "TOUCHSTONE_FAULT: no default VFS\n");
        exit(2);
    }
    fault_vfs.szOsFile =
        (int)sizeof(struct fault_file) + fault_real_vfs->szOsFile;
    fault_vfs.mxPathname = fault_real_vfs->mxPathname;
    fault_vfs.pAppData = fault_real_vfs->pAppData;
    sqlite3_vfs_register(&fault_vfs, 1);
    /* What SQLite did before main() is not counted: the counts start
     * with the program's own work, and the faults with them. */
    atomic_store(&fault_reads, 0);
    atomic_store(&fault_writes, 0);
    atomic_store(&fault_syncs, 0);
    atomic_store(&fault_mallocs, 0);
    fault_kind = kind;
    atexit(fault_report);
}

#else

/* ISO C wants at least one declaration in a file. */
typedef int store_fault_unused;

#endif
