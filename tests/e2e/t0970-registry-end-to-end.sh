#!/usr/bin/env bash
# The registry end to end: the real clinic side (registry enroll, push,
# pull) against the real registry server on a PostgreSQL of the test's own.
# Three synthetic clinics of different sizes enroll, are approved and push;
# a canary patient of one clinic appears nowhere in the bytes pushed nor in
# a pg_dump of the registry; the national report equals the clinic's own
# report run on one clinic database holding the three clinics' summaries
# (written here from the exact batches the clinics sent), to 1e-9; a second
# push sends nothing; pull keeps the signed national document and refuses
# a tampered one and one signed with another key, keeping the old one.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"
PY_PID=""
trap '[ -n "$PY_PID" ] && kill "$PY_PID" 2>/dev/null; registry_cleanup' EXIT

registry_on_pg

# at NAME CMD...: a touchstone command on clinic NAME's database.
at() { local name=$1; shift; "$TOUCHSTONE" --db "$TMP/$name.db" "$@"; }

for spec in A:3:3:60 B:5:5:140 C:7:8:260; do
  IFS=: read -r name seed practitioners patients <<<"$spec"
  expect_ok at "$name" demo --seed "$seed" --practitioners "$practitioners" --patients "$patients"
done

# The canary, in clinic A: 92 years old, every identifier filled in, one
# complete episode with two instruments.
canary_episode 94117
expect_ok at A observe --episode "$ep" --instrument odi --timepoint baseline --at 2026-01-05T09:05Z \
  --items 4,3,3,2,3,2,2,3,1,2
expect_ok at A session add --episode "$ep" --start 2026-01-12T10:00Z --minutes 60 \
  --phase introductory:10 --phase kneading:40 --phase circulatory:10 --note "QuorvalynNoteText"
session=$OUT
expect_ok at A observe --episode "$ep" --session "$session" --instrument nprs --timepoint post \
  --at 2026-01-12T11:02Z --value 2
expect_ok at A observe --episode "$ep" --session "$session" --instrument odi --timepoint post \
  --at 2026-01-12T11:05Z --items 1,1,1,0,1,1,0,1,0,1
expect_ok at A episode close "$ep" --end 2026-01-19
assert_eq "$(sqlite3 A.db "SELECT count(*) FROM episode_summary WHERE episode_id = $ep AND complete = 1")" 2 \
  "the canary's complete summaries"

# Enrol, approve, push.
total=0
for name in A B C; do
  expect_ok at "$name" registry enroll --url "$REG_URL" --json
  assert_eq "$(json 'this.status')" pending "$name: status"
  id=$(json 'this.clinic')
  expect_ok ts registry clinic approve "$id" --pg "$TOUCHSTONE_PG"
  expect_ok at "$name" push --json
  rows=$(sqlite3 "$name.db" "SELECT count(*) FROM episode_summary")
  assert_eq "$(json 'this.rows')" "$rows" "$name: rows pushed"
  assert_eq "$(sqlite3 "$name.db" "SELECT count(*) FROM registry_outbound WHERE acked_at IS NULL")" 0 \
    "$name: every batch acknowledged"
  total=$((total + rows))
done
assert_eq "$(psql_value "SELECT count(*) FROM registry_outcome")" "$total" "summaries in the registry"

# The canary is nowhere: neither in the bytes pushed nor in the registry.
sqlite3 A.db "SELECT body FROM registry_outbound" > pushed.txt
pg_dump --no-owner "$TOUCHSTONE_PG" > dump.sql
[ "$(wc -l < dump.sql)" -gt 50 ] || fail "pg_dump is too short"
for needle in Quorvalyn Thistlewaite 1934-03-17 1934-3-17 03/17/1934 555-0199 5550199 \
    quorvalyn.canary mail.invalid 94117 QuorvalynNoteText; do
  # As a whole word: the ZIP's digits may well occur inside a number
  # (5/17 = 0.294117...) or a key's base64.
  ! grep -qiwF -- "$needle" pushed.txt || fail "canary '$needle' in the bytes pushed"
  ! grep -qiwF -- "$needle" dump.sql || fail "canary '$needle' in the registry's pg_dump"
done
# ... while its episode did cross, de-identified (age pooled, ZIP not sent).
python3 - pushed.txt <<'PY' || fail "the canary's rows did not cross de-identified"
import json, sys
ages = [r["age"] for line in open(sys.argv[1]) if line.strip()
        for r in json.loads(line)["batch"]["rows"] if r["age"] is not None]
assert max(ages) == 90, max(ages)
PY

# The national report against the clinic's own report on one database
# holding the three clinics' summaries, from the batches they sent; each
# practitioner under its registry id and label.
expect_ok ts registry report --pg "$TOUCHSTONE_PG" --json --min-cell 1
echo "$OUT" > national.json
expect_ok ts registry report --pg "$TOUCHSTONE_PG" --json
echo "$OUT" > national-public.json
assert_eq "$(jq -c '.registry | [.clinics, .summaries]' national.json)" "[3,$total]" "scope"
for name in A B C; do sqlite3 "$name.db" "SELECT body FROM registry_outbound ORDER BY seq"; done > batches.txt
union_clinic union.db batches.txt
expect_ok ts --db union.db report registry --json
echo "$OUT" > union.json
python3 "$HERE/t0949-reports-agree.py" national.json union.json 10

# A second push sends nothing and changes nothing.
before=$(registry_digest)
for name in A B C; do
  expect_ok at "$name" push --json
  assert_eq "$(json 'this.rows')" 0 "$name: second push"
done
assert_eq "$(registry_digest)" "$before" "the registry after a second push"

# Pull: the signed national document, kept in the clinic.
expect_ok at A registry pull --json
assert_eq "$(json 'this.verified')" true "verified"
sqlite3 A.db "SELECT document FROM registry_national" > pulled.json
assert_eq "$(jq -S -c .registry pulled.json)" "$(jq -S -c .registry national-public.json)" "pulled scope"
python3 - pulled.json national-public.json <<'PY' || fail "the pulled document differs from the national report"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def same(x, y, where):
    if isinstance(x, float) or isinstance(y, float):
        assert abs(x - y) <= 1e-9 * max(1.0, abs(x)), "%s: %r != %r" % (where, x, y)
    elif isinstance(x, list):
        assert len(x) == len(y), where
        for i, (u, v) in enumerate(zip(x, y)):
            same(u, v, "%s[%d]" % (where, i))
    elif isinstance(x, dict):
        assert set(x) == set(y), where
        for k in x:
            same(x[k], y[k], where + "." + k)
    else:
        assert x == y, "%s: %r != %r" % (where, x, y)
same(a, b, "document")
PY
# The signature over the stored (canonical) bytes verifies, by openssl,
# with the registry key the enrolment pinned.
python3 - A.db <<'PY' || fail "the stored signature does not verify with openssl"
import base64, json, sqlite3, subprocess, sys
db = sqlite3.connect(sys.argv[1])
doc, sig = db.execute("SELECT document, signature FROM registry_national").fetchone()
pk, = db.execute("SELECT registry_public_key FROM registry_link").fetchone()
open("doc.bin", "wb").write(doc.encode())
open("sig.bin", "wb").write(base64.b64decode(sig))
open("reg.der", "wb").write(bytes.fromhex("302a300506032b6570032100") + base64.b64decode(pk))
subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "reg.der", "-keyform", "DER",
                "-rawin", "-in", "doc.bin", "-sigfile", "sig.bin"], check=True, capture_output=True)
PY
stored=$(sqlite3 A.db "SELECT document || signature || pulled_at FROM registry_national")

# A registry stand-in serving a tampered document (one model's mean moved)
# with the genuine signature, then the genuine answer under another key.
python3 - pulled.json "$(sqlite3 A.db "SELECT signature FROM registry_national")" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
json.dump({"document": doc, "signature": sys.argv[2]}, open("genuine.json", "w"))
doc["models"][0]["mean_improvement"] = (doc["models"][0]["mean_improvement"] or 0) + 0.5
json.dump({"document": doc, "signature": sys.argv[2]}, open("tampered.json", "w"))
PY
cp tampered.json serve.json
python3 - <<'PY' 2> fake.err &
import http.server, socketserver
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open("serve.json", "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = socketserver.TCPServer(("127.0.0.1", 0), H)
open("fake.port.tmp", "w").write(str(s.server_address[1]))
import os; os.rename("fake.port.tmp", "fake.port")
s.serve_forever()
PY
PY_PID=$!
for _ in $(seq 1 100); do [ -f fake.port ] && break; sleep 0.1; done
[ -f fake.port ] || fail "the stand-in did not start: $(cat fake.err)"
sqlite3 A.db "UPDATE registry_link SET url = 'http://127.0.0.1:$(cat fake.port)'"
expect_refused 3 "signature: the national document's signature does not verify" \
  env TOUCHSTONE_DB="$TMP/A.db" "$TOUCHSTONE" registry pull
assert_eq "$(sqlite3 A.db "SELECT document || signature || pulled_at FROM registry_national")" "$stored" \
  "the tampered document left the pulled one"
cp genuine.json serve.json
expect_ok at A registry pull   # the genuine answer verifies
other=$(at B key export-public)
pinned=$(sqlite3 A.db "SELECT registry_public_key FROM registry_link")
sqlite3 A.db "UPDATE registry_link SET registry_public_key = '$other'"
expect_refused 3 "signature: the national document's signature does not verify" \
  env TOUCHSTONE_DB="$TMP/A.db" "$TOUCHSTONE" registry pull
sqlite3 A.db "UPDATE registry_link SET registry_public_key = '$pinned', url = '$REG_URL'"
registry_stop
echo "ok t0970-registry-end-to-end"
