/* Unit tests for web/: the router, the request parser behind test-http,
 * form and cookie parsing, responses, and the HTML escaping writers. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/util.h"
#include "web/html.h"
#include "web/http.h"
#include "web/router.h"

static int dummy(struct web_ctx *w)
{
    (void)w;
    return 0;
}

static int other(struct web_ctx *w)
{
    (void)w;
    return 1;
}

static const struct route table[] = {
    {"GET", "/", dummy, 0},
    {"GET", "/api/v1/patients", dummy, 0},
    {"POST", "/api/v1/patients", other, 0},
    {"GET", "/api/v1/patients/{id}", dummy, 0},
    {"GET", "/api/v1/patients/{id}/referrals", other, 0},
    {"GET", "/api/v1/instruments/{code}", dummy, 0},
    {"DELETE", "/api/v1/episodes/{episode_id}/items/{id}", dummy, 0},
};

static enum route_result match(const char *method, const char *path,
                               struct route_match *m)
{
    return router_match(table, ARRAY_SIZE(table), method, path, m);
}

Test(router, literal_and_method)
{
    struct route_match m;
    cr_assert_eq(match("GET", "/api/v1/patients", &m), ROUTE_FOUND);
    cr_assert_eq(m.route, &table[1]);
    cr_assert_eq(match("POST", "/api/v1/patients", &m), ROUTE_FOUND);
    cr_assert_eq(m.route, &table[2]);
    cr_assert_eq(match("GET", "/", &m), ROUTE_FOUND);
    cr_assert_eq(m.route, &table[0]);
    /* HEAD is answered by GET routes. */
    cr_assert_eq(match("HEAD", "/api/v1/patients", &m), ROUTE_FOUND);
    cr_assert_eq(m.route, &table[1]);
}

Test(router, not_found_and_not_allowed)
{
    struct route_match m;
    cr_assert_eq(match("GET", "/api/v1/nothing", &m), ROUTE_NO_PATH);
    cr_assert_eq(match("GET", "/api/v1/patients/", &m), ROUTE_NO_PATH);
    cr_assert_eq(match("GET", "/api/v1", &m), ROUTE_NO_PATH);
    cr_assert_eq(match("GET", "", &m), ROUTE_NO_PATH);
    cr_assert_eq(match("GET", "//api/v1/patients", &m), ROUTE_NO_PATH);
    cr_assert_eq(match("PUT", "/api/v1/patients", &m), ROUTE_NO_METHOD);
    cr_assert_str_eq(m.allow, "GET, HEAD, POST");
    cr_assert_eq(match("POST", "/api/v1/patients/3", &m), ROUTE_NO_METHOD);
    cr_assert_str_eq(m.allow, "GET, HEAD");
    cr_assert_null(m.route);
}

Test(router, id_parameters)
{
    struct route_match m;
    cr_assert_eq(match("GET", "/api/v1/patients/42", &m), ROUTE_FOUND);
    cr_assert_eq(route_param_id(&m, "id"), 42);
    cr_assert_str_eq(route_param(&m, "id"), "42");
    cr_assert_eq(match("GET", "/api/v1/patients/42/referrals", &m),
                 ROUTE_FOUND);
    cr_assert_eq(m.route, &table[4]);
    cr_assert_eq(match("DELETE", "/api/v1/episodes/7/items/9", &m),
                 ROUTE_FOUND);
    cr_assert_eq(route_param_id(&m, "episode_id"), 7);
    cr_assert_eq(route_param_id(&m, "id"), 9);
    cr_assert_eq(route_param_id(&m, "absent"), 0);
    cr_assert_null(route_param(&m, "absent"));
    /* Not positive whole numbers without leading zeros: no match. */
    const char *bad[] = {"/api/v1/patients/0",   "/api/v1/patients/007",
                         "/api/v1/patients/-1",  "/api/v1/patients/1e3",
                         "/api/v1/patients/abc", "/api/v1/patients/1234567890123456",
                         "/api/v1/patients/+4"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        cr_assert_eq(match("GET", bad[i], &m), ROUTE_NO_PATH, "%s", bad[i]);
    /* 15 digits is the longest id. */
    cr_assert_eq(match("GET", "/api/v1/patients/999999999999999", &m),
                 ROUTE_FOUND);
    cr_assert_eq(route_param_id(&m, "id"), 999999999999999LL);
}

Test(router, text_parameters)
{
    struct route_match m;
    cr_assert_eq(match("GET", "/api/v1/instruments/hit-6", &m), ROUTE_FOUND);
    cr_assert_str_eq(route_param(&m, "code"), "hit-6");
    cr_assert_eq(route_param_id(&m, "code"), 0);
    cr_assert_eq(match("GET", "/api/v1/instruments/a b", &m), ROUTE_NO_PATH);
    cr_assert_eq(match("GET", "/api/v1/instruments/<x>", &m), ROUTE_NO_PATH);
    char longest[200] = "/api/v1/instruments/";
    memset(longest + strlen(longest), 'a', 128);
    cr_assert_eq(match("GET", longest, &m), ROUTE_NO_PATH);
}

/* Parses a raw request; returns the parser's status. */
static int parse(const char *raw, struct http_request *r, struct err *e)
{
    http_request_init(r);
    return http_request_parse(r, raw, strlen(raw), e);
}

Test(http_parse, a_whole_request)
{
    struct http_request r;
    struct err e = ERR_INIT;
    const char *raw = "POST /api/v1/patients?search=Ann%20B&x=1 HTTP/1.1\r\n"
                      "Host: example\r\n"
                      "Content-Type: Application/JSON; charset=utf-8\r\n"
                      "Cookie: a=1; ts_session=abc ; b=2\r\n"
                      "Content-Length: 7\r\n"
                      "\r\n"
                      "{\"a\":1}";
    cr_assert_eq(parse(raw, &r, &e), 0, "%s", e.message);
    cr_assert_str_eq(r.method, "POST");
    cr_assert_str_eq(r.path, "/api/v1/patients");
    cr_assert_str_eq(r.query, "search=Ann%20B&x=1");
    cr_assert_str_eq(http_request_header(&r, "host"), "example");
    cr_assert_str_eq(r.body.data, "{\"a\":1}");
    char media[32];
    http_request_media_type(&r, media, sizeof(media));
    cr_assert_str_eq(media, "application/json");
    char value[65];
    cr_assert_eq(http_request_cookie(&r, "ts_session", value, sizeof(value)),
                 0);
    cr_assert_str_eq(value, "abc");
    cr_assert_eq(http_request_cookie(&r, "b", value, sizeof(value)), 0);
    cr_assert_str_eq(value, "2");
    cr_assert_eq(http_request_cookie(&r, "ts", value, sizeof(value)), -1);
    cr_assert_eq(http_request_cookie(&r, "a", value, 1), -1);
    http_request_release(&r);
}

Test(http_parse, bare_newlines_and_decoding)
{
    struct http_request r;
    struct err e = ERR_INIT;
    cr_assert_eq(parse("GET /a%2Fb/%C3%A9 HTTP/1.0\n\n", &r, &e), 0);
    cr_assert_str_eq(r.path, "/a/b/\xC3\xA9");
    cr_assert_str_eq(r.query, "");
    cr_assert_eq(r.body.len, 0);
    http_request_release(&r);
}

Test(http_parse, refusals)
{
    static const struct {
        const char *raw;
        int status;
    } cases[] = {
        {"", 400},
        {"GET / HTTP/1.1", 400},                       /* no line end */
        {"GET /\r\n\r\n", 400},                        /* no version */
        {"GET / HTTP/1.1 extra\r\n\r\n", 400},
        {"GET / HTTP/3\r\n\r\n", 400},
        {"G(T / HTTP/1.1\r\n\r\n", 400},               /* method token */
        {"GET x HTTP/1.1\r\n\r\n", 400},               /* not origin form */
        {"GET /%4 HTTP/1.1\r\n\r\n", 400},             /* short escape */
        {"GET /%00 HTTP/1.1\r\n\r\n", 400},            /* NUL */
        {"GET /%C3%28 HTTP/1.1\r\n\r\n", 400},         /* not UTF-8 */
        {"GET /%0A HTTP/1.1\r\n\r\n", 400},            /* control char */
        {"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n: x\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: x\r\n", 400},        /* no end of head */
        {"GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\n\r\nbody", 411},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
        {"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nshort", 400},
        {"POST / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\nx",
         400},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct http_request r;
        struct err e = ERR_INIT;
        cr_assert_eq(parse(cases[i].raw, &r, &e), cases[i].status,
                     "case %zu", i);
        cr_assert_neq(e.message[0], '\0', "case %zu has no message", i);
        http_request_release(&r);
    }
}

Test(http_parse, body_cap)
{
    struct http_request r;
    struct err e = ERR_INIT;
    /* Announced past the cap: parsed, flagged, no body kept. */
    cr_assert_eq(parse("POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n",
                       &r, &e),
                 0);
    cr_assert(r.body_too_large);
    http_request_release(&r);
    /* Exactly at the cap: kept. */
    size_t n = HTTP_BODY_CAP;
    struct buf raw = BUF_INIT;
    buf_printf(&raw, "POST / HTTP/1.1\r\nContent-Length: %zu\r\n\r\n", n);
    size_t head = raw.len;
    char *body = xmalloc(n);
    memset(body, 'x', n);
    buf_add(&raw, body, n);
    free(body);
    http_request_init(&r);
    cr_assert_eq(http_request_parse(&r, raw.data, raw.len, &e), 0);
    cr_assert_not(r.body_too_large);
    cr_assert_eq(r.body.len, n);
    cr_assert_eq(raw.len, head + n);
    /* One byte more through add_body: flagged and emptied. */
    http_request_add_body(&r, "y", 1);
    cr_assert(r.body_too_large);
    cr_assert_eq(r.body.len, 0);
    http_request_release(&r);
    buf_release(&raw);
}

Test(http_form, decoding)
{
    struct http_pairs p = HTTP_PAIRS_INIT;
    struct err e = ERR_INIT;
    const char *text = "email=a%40b.example&password=two+words&empty=&flag"
                       "&&x=%E2%9C%93&x=2";
    cr_assert_eq(http_form_parse(text, strlen(text), &p, &e), 0);
    cr_assert_eq(p.count, 6);
    cr_assert_str_eq(http_pairs_get(&p, "email", 0), "a@b.example");
    cr_assert_str_eq(http_pairs_get(&p, "password", 0), "two words");
    cr_assert_str_eq(http_pairs_get(&p, "empty", 0), "");
    cr_assert_str_eq(http_pairs_get(&p, "flag", 0), "");
    cr_assert_str_eq(http_pairs_get(&p, "x", 0), "\xE2\x9C\x93");
    cr_assert_eq(http_pairs_count(&p, "x"), 2);
    cr_assert_null(http_pairs_get(&p, "EMAIL", 0));
    cr_assert_str_eq(http_pairs_get(&p, "EMAIL", 1), "a@b.example");
    http_pairs_release(&p);
    const char *bad[] = {"a=%zz", "a=%4", "a=%00", "a=%FF", "%C0%80=1"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        cr_assert_eq(http_form_parse(bad[i], strlen(bad[i]), &p, &e), -1,
                     "%s", bad[i]);
        cr_assert_str_eq(e.field, "query");
        http_pairs_release(&p);
    }
}

Test(http_response, serialize_and_headers)
{
    struct http_response r;
    http_response_init(&r);
    r.status = 404;
    http_response_set_header(&r, "Content-Type", "text/plain");
    http_response_set_header(&r, "content-type", "application/json");
    http_response_add_header(&r, "Set-Cookie", "a=1");
    http_response_add_header(&r, "Set-Cookie", "b=2");
    buf_puts(&r.body, "{}");
    cr_assert_str_eq(http_response_header(&r, "CONTENT-TYPE"),
                     "application/json");
    struct buf out = BUF_INIT;
    http_response_serialize(&r, 0, &out);
    cr_assert_str_eq(out.data, "HTTP/1.1 404 Not Found\r\n"
                               "Content-Type: application/json\r\n"
                               "Set-Cookie: a=1\r\n"
                               "Set-Cookie: b=2\r\n"
                               "Content-Length: 2\r\n\r\n{}");
    buf_reset(&out);
    http_response_serialize(&r, 1, &out);
    cr_assert_eq(strstr(out.data, "{}"), NULL);
    cr_assert_neq(strstr(out.data, "Content-Length: 2\r\n"), NULL);
    http_response_reset(&r);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.headers.count, 0);
    cr_assert_eq(r.body.len, 0);
    buf_release(&out);
    http_response_release(&r);
    cr_assert_str_eq(http_status_reason(413), "Content Too Large");
    cr_assert_str_eq(http_status_reason(299), "Unknown");
}

Test(html, escaping_writers)
{
    struct buf b = BUF_INIT;
    html_text(&b, "<script>alert('x') & \"y\"</script>");
    cr_assert_str_eq(b.data, "&lt;script&gt;alert(&#39;x&#39;) &amp; "
                             "&quot;y&quot;&lt;/script&gt;");
    buf_reset(&b);
    html_attr(&b, "\" onmouseover=\"x");
    cr_assert_str_eq(b.data, "&quot; onmouseover=&quot;x");
    buf_reset(&b);
    html_text(&b, NULL);
    html_text(&b, "plain é text");
    cr_assert_str_eq(b.data, "plain é text");
    buf_reset(&b);
    html_url_arg(&b, "a b&c=d/é~-._");
    cr_assert_str_eq(b.data, "a%20b%26c%3Dd%2F%C3%A9~-._");
    buf_reset(&b);
    html_raw(&b, "<p>");
    cr_assert_str_eq(b.data, "<p>");
    buf_release(&b);
}

Test(html, printf_escapes_strings_only)
{
    struct buf b = BUF_INIT;
    html_printf(&b, "<td class=\"%s\">%s %d%% %5.2f %ld %lld %zu %u %x %c</td>",
                "a\"b", "<b>", -3, 2.345, 70000L, -8000000000LL, (size_t)9,
                7U, 255U, '<');
    cr_assert_str_eq(b.data, "<td class=\"a&quot;b\">&lt;b&gt; -3% "
                             " 2.35 70000 -8000000000 9 7 ff &lt;</td>");
    buf_reset(&b);
    /* Width and precision apply to the text before escaping. */
    html_printf(&b, "[%-4s][%.2s][%s]", "<", "<<<", "");
    cr_assert_str_eq(b.data, "[&lt;   ][&lt;&lt;][]");
    buf_release(&b);
}
