/* The socket side of the web server: libmicrohttpd with a thread pool, a
 * pool of connections (the clinic's store, or a backend's), the access log
 * and a graceful stop. */
#include "core/clock.h"
#include "core/dynlib.h"
#include "core/number.h"
#include "core/util.h"
#include "record/audit.h"
#include "web/web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* libmicrohttpd (and GnuTLS under it) is loaded when a server starts
 * (core/dynlib.h), not linked: the other commands do not pay for
 * relocating them at start. Every MHD function this file calls is named
 * here; a new one joins the list. */
#define MHD_FUNCTIONS(X) \
    X(MHD_start_daemon) \
    X(MHD_quiesce_daemon) \
    X(MHD_stop_daemon) \
    X(MHD_get_connection_values) \
    X(MHD_get_connection_info) \
    X(MHD_create_response_from_buffer) \
    X(MHD_add_response_header) \
    X(MHD_queue_response) \
    X(MHD_destroy_response)

static struct { MHD_FUNCTIONS(DYNLIB_POINTER) } mhd;
#define MHD_SYMBOL(name) DYNLIB_SYMBOL(mhd, name)
static const struct dynlib_symbol mhd_symbols[] = {MHD_FUNCTIONS(MHD_SYMBOL)};
static struct dynlib libmicrohttpd =
    DYNLIB_INIT("libmicrohttpd.so.12", "libmicrohttpd12", mhd_symbols);

#define MHD_start_daemon (*mhd.MHD_start_daemon)
#define MHD_quiesce_daemon (*mhd.MHD_quiesce_daemon)
#define MHD_stop_daemon (*mhd.MHD_stop_daemon)
#define MHD_get_connection_values (*mhd.MHD_get_connection_values)
#define MHD_get_connection_info (*mhd.MHD_get_connection_info)
#define MHD_create_response_from_buffer (*mhd.MHD_create_response_from_buffer)
#define MHD_add_response_header (*mhd.MHD_add_response_header)
#define MHD_queue_response (*mhd.MHD_queue_response)
#define MHD_destroy_response (*mhd.MHD_destroy_response)

#define DRAIN_SECONDS 10
/* A request target past this is answered 414 here, header lines past it
 * 431, with the security headers. libmicrohttpd's own memory for a
 * connection is twice that, so that its answers (without them) are left
 * only for heads past that (docs/security.md). No larger: libmicrohttpd
 * clears the whole of it with memset between two requests of a kept-alive
 * connection (at 1 MiB that was a fifth of the server's CPU time, at
 * 128 KiB 4 to 6%), and a body never lives in it (http_request_add_body
 * collects it into the request's own buffer, piece by piece). 32 KiB of
 * header lines is twice what Node.js takes by default and as much as
 * nginx's default buffers. */
#define SERVER_HEAD_MAX (32 * 1024)
#define SERVER_CONNECTION_MEMORY (64 * 1024)

struct server {
    const struct web_serve_options *opts;
    struct web_backend backend; /* the options', or the clinic's */
    struct web_config config;   /* the options', with the audit writer */
    pthread_mutex_t lock;
    pthread_cond_t drained;
    int in_flight;          /* requests with a whole head, not completed */
    void **idle;            /* connections free for a request */
    int idle_count;
    void **all;             /* every connection opened, to close at the end */
    size_t all_count;
    size_t all_alloc;
};

/* One request's state, from its request line to its completion. */
struct request_state {
    struct http_request req;
    int started;       /* the handler saw the headers */
    int target_status; /* a status for a target that did not parse, or 0 */
    struct err target_err;
    struct timespec begun;
    size_t target_bytes; /* the request target's bytes */
    size_t head_bytes;   /* the header lines' bytes */
};

/* The clinic's backend: store connections to the database, web_handle. */
static void *clinic_open(void *ctx, struct err *e)
{
    const struct server *sv = ctx;
    struct store *s;
    if (store_open(sv->opts->db_path, STORE_EXISTING, &s, e) < 0)
        return NULL;
    /* One connection a worker: memory stays flat however many there are
     * (docs/architecture.md). */
    store_keep_small(s);
    /* Workers' writes and the audit writer's queue for one lock, never
     * in SQLite's sleep-and-retry busy handler (docs/architecture.md). */
    store_serialize_writes(s, 0);
    return s;
}

static void clinic_close(void *ctx, void *conn)
{
    (void)ctx;
    store_close(conn);
}

static void clinic_handle(void *ctx, void *conn, struct http_request *req,
                          struct http_response *resp)
{
    const struct server *sv = ctx;
    web_handle(&sv->config, conn, req, resp);
}

static void *pool_acquire(struct server *sv, struct err *e)
{
    void *s = NULL;
    pthread_mutex_lock(&sv->lock);
    if (sv->idle_count)
        s = sv->idle[--sv->idle_count];
    pthread_mutex_unlock(&sv->lock);
    if (s)
        return s;
    s = sv->backend.open(sv->backend.ctx, e);
    if (!s)
        return NULL;
    pthread_mutex_lock(&sv->lock);
    size_t had = sv->all_alloc;
    ALLOC_GROW(sv->all, sv->all_count + 1, sv->all_alloc);
    if (sv->all_alloc != had) /* idle has room for every session */
        sv->idle = xreallocarray(sv->idle, sv->all_alloc, sizeof(*sv->idle));
    sv->all[sv->all_count++] = s;
    pthread_mutex_unlock(&sv->lock);
    return s;
}

static void pool_release(struct server *sv, void *s)
{
    pthread_mutex_lock(&sv->lock);
    sv->idle[sv->idle_count++] = s;
    pthread_mutex_unlock(&sv->lock);
}

static void pool_close(struct server *sv)
{
    for (size_t i = 0; i < sv->all_count; i++)
        sv->backend.close(sv->backend.ctx, sv->all[i]);
    free(sv->all);
    free(sv->idle);
    sv->all = sv->idle = NULL;
    sv->all_count = sv->idle_count = sv->all_alloc = 0;
}

/* Called by libmicrohttpd with the raw request target, before anything
 * else of the request: the state begins here. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    struct request_state *rs = xcalloc(1, sizeof(*rs));
    http_request_init(&rs->req);
    clock_gettime(CLOCK_MONOTONIC, &rs->begun);
    rs->target_bytes = uri ? strlen(uri) : 0;
    if (http_request_set_target(&rs->req, uri ? uri : "", &rs->target_err) <
        0)
        rs->target_status = 400;
    return rs;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why)
{
    struct server *sv = cls;
    (void)c;
    (void)why;
    struct request_state *rs = *state;
    if (!rs)
        return;
    int counted = rs->started;
    http_request_release(&rs->req);
    free(rs);
    *state = NULL;
    if (!counted)
        return;
    pthread_mutex_lock(&sv->lock);
    sv->in_flight--;
    if (sv->in_flight == 0)
        pthread_cond_broadcast(&sv->drained);
    pthread_mutex_unlock(&sv->lock);
}

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind,
                                  const char *name, const char *value)
{
    struct request_state *rs = cls;
    (void)kind;
    if (name) {
        http_pairs_add(&rs->req.headers, name, value ? value : "");
        /* "Name: value\r\n" */
        rs->head_bytes += strlen(name) + (value ? strlen(value) : 0) + 4;
    }
    return MHD_YES;
}

static void client_address(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "unknown");
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  out, (socklen_t)n);
}

/* The path for the access log: at most 200 bytes, anything but visible
 * ASCII escaped. The query is never logged, nor the token of a patient's
 * link ("/r/TOKEN" is logged as "/r/...") or of a physician's report
 * link ("/p/TOKEN" as "/p/..."). */
static void log_path(const char *path, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    if (str_starts_with(path, "/r/") || str_starts_with(path, "/p/")) {
        snprintf(out, n, "%.3s...", path);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)path;
         *p && o + 4 < n && o < 200; p++) {
        if (*p > 0x20 && *p < 0x7F && *p != '"' && *p != '%') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

static void access_log(struct request_state *rs, const char *method,
                       const char *path, int status, size_t bytes)
{
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    long ms = (end.tv_sec - rs->begun.tv_sec) * 1000 +
              (end.tv_nsec - rs->begun.tv_nsec) / 1000000;
    char at[CLOCK_INSTANT_LEN], shown[256];
    clock_format_instant(time(NULL), at);
    log_path(path, shown, sizeof(shown));
    fprintf(stderr, "%s %s \"%s %s\" %d %zu %ldms\n", at, rs->req.client,
            method, shown, status, bytes, ms);
}

/* Sends resp through libmicrohttpd (the body is handed over). */
static enum MHD_Result send_response(struct MHD_Connection *c,
                                     struct request_state *rs,
                                     struct http_response *resp)
{
    size_t len;
    char *body = buf_detach(&resp->body, &len);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    for (size_t i = 0; i < resp->headers.count; i++)
        MHD_add_response_header(r, resp->headers.items[i].name,
                                resp->headers.items[i].value);
    access_log(rs, rs->req.method, rs->req.path, resp->status, len);
    enum MHD_Result ok =
        MHD_queue_response(c, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result answer(struct server *sv, struct MHD_Connection *c,
                              struct request_state *rs)
{
    struct http_response resp;
    http_response_init(&resp);
    if (rs->target_status) {
        web_reply_unparsed(rs->target_status, &rs->target_err, &resp);
    } else {
        struct err e = ERR_INIT;
        void *s = pool_acquire(sv, &e);
        if (!s) {
            fprintf(stderr, "touchstone: serve: %s\n", e.message);
            err_set(&e, ERR_FAIL, "", "the database is unavailable");
            web_reply_unparsed(503, &e, &resp);
        } else {
            sv->backend.handle(sv->backend.ctx, s, &rs->req, &resp);
            pool_release(sv, s);
        }
    }
    enum MHD_Result ok = send_response(c, rs, &resp);
    http_response_release(&resp);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **state)
{
    struct server *sv = cls;
    struct request_state *rs = *state;
    (void)url;
    (void)version;
    if (!rs)
        return MHD_NO;
    if (!rs->started) {
        /* In flight from here (the head is complete) to on_completed: a
         * client still sending its head does not hold up a stop. */
        rs->started = 1;
        pthread_mutex_lock(&sv->lock);
        sv->in_flight++;
        pthread_mutex_unlock(&sv->lock);
        struct err e = ERR_INIT;
        if (http_request_set_method(&rs->req, method, &e) < 0 &&
            !rs->target_status) {
            rs->target_status = 400;
            rs->target_err = e;
        }
        MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, rs);
        client_address(c, rs->req.client, sizeof(rs->req.client));
        if (rs->target_bytes > SERVER_HEAD_MAX) {
            rs->target_status = 414;
            err_set(&rs->target_err, ERR_INPUT, "target",
                    "the request target is over %d KiB",
                    SERVER_HEAD_MAX / 1024);
            return answer(sv, c, rs);
        }
        if (rs->head_bytes > SERVER_HEAD_MAX && !rs->target_status) {
            rs->target_status = 431;
            err_set(&rs->target_err, ERR_INPUT, "headers",
                    "the header lines are over %d KiB",
                    SERVER_HEAD_MAX / 1024);
            return answer(sv, c, rs);
        }
        const char *cl = http_request_header(&rs->req, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > rs->req.body.cap) {
            rs->req.body_too_large = 1;
            return answer(sv, c, rs);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        http_request_add_body(&rs->req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return answer(sv, c, rs);
}

/* Opens a listening socket for "host:port" ("[v6]:port"). */
static int listen_on(const char *listen_text, int *fd_out, int *ipv6,
                     char *shown, size_t shown_len, struct err *e)
{
    char host[256];
    const char *colon = strrchr(listen_text, ':');
    if (!colon || colon == listen_text || !colon[1] ||
        (size_t)(colon - listen_text) >= sizeof(host))
        return err_set(e, ERR_INPUT, "listen",
                       "'%.64s' is not HOST:PORT", listen_text);
    const char *port = colon + 1;
    memcpy(host, listen_text, (size_t)(colon - listen_text));
    host[colon - listen_text] = '\0';
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 3 || host[n - 1] != ']')
            return err_set(e, ERR_INPUT, "listen",
                           "'%.64s' is not [ADDRESS]:PORT", listen_text);
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    for (const char *p = port; *p; p++)
        if (*p < '0' || *p > '9' || p - port > 5)
            return err_set(e, ERR_INPUT, "listen", "'%.16s' is not a port",
                           port);
    long long port_number;
    if (parse_integer(port, 0, 65535, &port_number) < 0)
        return err_set(e, ERR_INPUT, "listen", "'%.16s' is not a port",
                       port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        return err_set(e, ERR_INPUT, "listen", "unable to resolve '%.64s': %s",
                       host, gai_strerror(rc));
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 64) < 0) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return err_set(e, ERR_FAIL, "listen", "unable to listen on '%.64s': "
                       "%s", listen_text, strerror(saved));
    }
    *ipv6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    struct sockaddr_storage bound;
    socklen_t blen = sizeof(bound);
    char addr[INET6_ADDRSTRLEN] = "?";
    int bound_port = 0;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0) {
        if (bound.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&bound;
            inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
            bound_port = ntohs(in->sin_port);
        } else {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&bound;
            inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
            bound_port = ntohs(in6->sin6_port);
        }
    }
    snprintf(shown, shown_len, *ipv6 ? "[%s]:%d" : "%s:%d", addr,
             bound_port);
    *fd_out = fd;
    return 0;
}

int web_serve(const struct web_serve_options *o, struct err *e)
{
    struct server sv;
    memset(&sv, 0, sizeof(sv));
    sv.opts = o;
    sv.config = o->config;
    sv.backend = o->backend ? *o->backend
                            : (struct web_backend){&sv, clinic_open,
                                                   clinic_close,
                                                   clinic_handle};
    if (dynlib_load(&libmicrohttpd, e) < 0)
        return -1;
    pthread_mutex_init(&sv.lock, NULL);
    pthread_cond_init(&sv.drained, NULL);

    /* The first connection applies migrations before any worker runs. */
    void *first = pool_acquire(&sv, e);
    if (!first)
        goto fail;
    pool_release(&sv, first);
    /* The clinic's reads append their audit entries through one writer,
     * many requests' entries a transaction (group commit). */
    if (!o->backend &&
        audit_writer_start(o->db_path, &sv.config.audit, e) < 0)
        goto fail;

    int fd = -1, ipv6 = 0;
    char shown[128];
    if (listen_on(o->listen, &fd, &ipv6, shown, sizeof(shown), e) < 0)
        goto fail;

    /* Signals are taken by sigwait() here, never by the workers. */
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
                     MHD_USE_ITC | (ipv6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, &sv, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)(o->threads > 0 ? o->threads : 4),
        MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)(o->timeout_seconds > 0 ? o->timeout_seconds : 30),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVER_CONNECTION_MEMORY,
        MHD_OPTION_CONNECTION_LIMIT, 256U, MHD_OPTION_URI_LOG_CALLBACK,
        on_uri, &sv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, &sv,
        MHD_OPTION_END);
    if (!d) {
        close(fd);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        err_set(e, ERR_FAIL, "listen", "unable to start the HTTP server on "
                "'%s'", shown);
        goto fail;
    }
    printf("listening on http://%s/\n", shown);
    fflush(stdout);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    fprintf(stderr, "touchstone: serve: %s received, stopping\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    /* Stop accepting; let requests in flight finish. */
    int listen_fd = MHD_quiesce_daemon(d);
    if (listen_fd >= 0)
        close(listen_fd);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += DRAIN_SECONDS;
    pthread_mutex_lock(&sv.lock);
    while (sv.in_flight > 0 &&
           pthread_cond_timedwait(&sv.drained, &sv.lock, &until) == 0)
        ;
    int left = sv.in_flight;
    pthread_mutex_unlock(&sv.lock);
    if (left)
        fprintf(stderr, "touchstone: serve: %d request(s) still running "
                "after %d s; closing them\n", left, DRAIN_SECONDS);
    MHD_stop_daemon(d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    audit_writer_stop(sv.config.audit);
    pool_close(&sv);
    pthread_cond_destroy(&sv.drained);
    pthread_mutex_destroy(&sv.lock);
    fprintf(stderr, "touchstone: serve: stopped\n");
    return 0;
fail:
    audit_writer_stop(sv.config.audit);
    pool_close(&sv);
    pthread_cond_destroy(&sv.drained);
    pthread_mutex_destroy(&sv.lock);
    return -1;
}
