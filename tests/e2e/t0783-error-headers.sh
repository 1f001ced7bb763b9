#!/usr/bin/env bash
# The answers to requests the server refuses before any page runs carry
# the security headers too (CSP, nosniff, X-Frame-Options): a header over
# the server's limit (431, answered by Touchstone, not by libmicrohttpd),
# an over-long request target (414) and an HTTP/1.2 request line. The answers libmicrohttpd still writes
# itself (docs/security.md lists them) are checked to be what that page
# says: fixed texts that reflect nothing of the request.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

expect_ok ts init --clinic "Synthetic Header Clinic"
serve_start
trap 'kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$TMP"' EXIT
port=$(sed -E 's|.*:([0-9]+)/.*|\1|' <<<"$URL")

# raw NAME: sends the request in $TMP/NAME.req on a connection of its own
# (bounded in time) and keeps the answer's head in $TMP/NAME.head.
raw() {
  node -e '
    const net = require("net"), fs = require("fs");
    const [file, port, out] = process.argv.slice(1);
    const s = net.connect(+port, "127.0.0.1", () => s.end(fs.readFileSync(file)));
    let got = Buffer.alloc(0);
    s.on("data", d => { got = Buffer.concat([got, d]); });
    s.on("error", () => {});
    s.on("close", () => {
      const text = got.toString("latin1"), end = text.indexOf("\r\n\r\n");
      fs.writeFileSync(out, (end < 0 ? text : text.slice(0, end)).replace(/\r/g, "") + "\n");
      fs.writeFileSync(out + ".body", end < 0 ? "" : text.slice(end + 4));
    });
    setTimeout(() => s.destroy(), 10000);' "$TMP/$1.req" "$port" "$TMP/$1.head"
}
# expect_secured NAME STATUS: the answer has STATUS and every header.
expect_secured() {
  local head; head=$(cat "$TMP/$1.head")
  assert_contains "$(head -1 <<<"$head")" "^HTTP/1\.1 $2 "
  assert_contains "$head" "^Content-Security-Policy: default-src 'self'"
  assert_contains "$head" "^X-Content-Type-Options: nosniff$"
  assert_contains "$head" "^X-Frame-Options: DENY$"
  assert_contains "$head" "^Referrer-Policy: no-referrer$"
}

# A 45 KB header: over the limit (32 KiB), within libmicrohttpd's memory
# for a connection (64 KiB), answered 431 by Touchstone.
big=$(head -c 45000 /dev/zero | tr '\0' a)
printf 'GET /login HTTP/1.1\r\nHost: test\r\nX-Big: %s\r\n\r\n' "$big" > "$TMP/big.req"
raw big
expect_secured big 431
assert_contains "$(cat "$TMP/big.head.body")" '"code":"headers_too_large"'
# Many headers over the limit alike (170 of 200 bytes: 36 KB, with
# libmicrohttpd's bookkeeping of each line still within its memory).
{ printf 'GET /login HTTP/1.1\r\nHost: test\r\n'
  for i in $(seq 1 170); do printf 'X-Many-%d: %s\r\n' "$i" "${big:0:200}"; done
  printf '\r\n'; } > "$TMP/many.req"
raw many
expect_secured many 431
# Just under the limit the page answers as usual.
printf 'GET /login HTTP/1.1\r\nHost: test\r\nX-Big: %s\r\n\r\n' "${big:0:30000}" > "$TMP/under.req"
raw under
expect_secured under 200

# A request target over the limit: 414, by Touchstone.
printf 'GET /login?q=%s HTTP/1.1\r\nHost: test\r\n\r\n' "$big" > "$TMP/target.req"
raw target
expect_secured target 414

# HTTP/1.2 is answered as HTTP/1.1, with the headers.
printf 'GET /login HTTP/1.2\r\nHost: test\r\n\r\n' > "$TMP/v12.req"
raw v12
expect_secured v12 200

# HTTP/2.0 in a text request line: libmicrohttpd's own 505, as documented,
# with a fixed body and the connection closed.
printf 'GET /login?x=<script>alert(1)</script> HTTP/2.0\r\nHost: test\r\n\r\n' > "$TMP/v20.req"
raw v20
assert_contains "$(head -1 "$TMP/v20.head")" "^HTTP/1\.1 505 "
grep -qi '^Connection: close' "$TMP/v20.head" || fail "505 without Connection: close"
grep -q 'script' "$TMP/v20.head.body" && fail "the 505 reflects the request"
# A head past libmicrohttpd's own memory (64 KiB a connection): its 431, as documented.
printf 'GET /login HTTP/1.1\r\nHost: test\r\nX-Huge: %s\r\n\r\n' "$(head -c 2500000 /dev/zero | tr '\0' a)" > "$TMP/huge.req"
raw huge
assert_contains "$(head -1 "$TMP/huge.head")" "^HTTP/1\.1 431 "
grep -q 'aaaa' "$TMP/huge.head.body" && fail "the 431 reflects the request"

# The server still answers afterwards.
printf 'GET /login HTTP/1.1\r\nHost: test\r\n\r\n' > "$TMP/after.req"
raw after
expect_secured after 200
serve_stop
echo "ok: refused heads answered with the security headers"
