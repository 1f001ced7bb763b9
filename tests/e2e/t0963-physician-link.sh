#!/usr/bin/env bash
# The referring physician's link to the progress report, through a real
# mail server (aiosmtpd on loopback) and a real server: report-link
# queues a message that outbox send delivers with the clinic's name, the
# link and its expiry, and nothing of the patient (canaries); the link
# shows the report without a login, audited as the link; refusals of bad
# input change nothing; after revoke 410; after expiry 410; a tampered
# token 404; guessing is throttled; neither the database nor the server's
# log holds the token.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/smtp-lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"
# web-lib.sh and page-lib.sh may set their own traps: keep the mail
# server's and the server's cleanup.
trap 'smtp_stop_quiet; if [ -n "${SERVER_PID-}" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; fi; rm -rf "$TMP"' EXIT

record_clinic
expect_ok ts practitioner add --name "Ada Synthetic" --license MA-1 --credentials LMT
train_lbp 1 2020-01-01 32 2021-01-01
expect_ok ts patient add --name "Robin Quarternaxe" --dob 1970-02-03 --sex male --email robin@example.org
expect_ok ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-05-01 --screen clear.json
expect_ok ts observe --episode 1 --instrument nprs --timepoint baseline --at 2026-05-01T09:00:00Z --value 7
expect_ok ts episode close 1 --end 2026-06-20
expect_ok ts observe --episode 1 --instrument nprs --timepoint followup --at 2026-06-25T09:00:00Z --value 3

smtp_start
expect_ok ts mail configure --smtp "$SMTP_URL" --from clinic@example.org --base-url https://clinic.example.org/

# --- refusals change nothing ---
expect_refused 2 'to: .*not an email' ts report-link --episode 1 --to 'doc@'
expect_refused 2 'days: .*91.*not between 1 and 90' ts report-link --episode 1 --to doc@example.org --days 91
expect_refused 2 'days' ts report-link --episode 1 --to doc@example.org --days 0
expect_refused 2 'no episode 99' ts report-link --episode 99 --to doc@example.org
expect_refused 2 'to' ts report-link --episode 1
expect_refused 2 'no report link 5' ts report-link revoke 5

# --- a link, its message ---
expect_ok ts --json report-link --episode 1 --to dr.ward@example.org
link1=$(json this.id)
# 30 days from TOUCHSTONE_NOW (2026-06-30T12:00:00Z), computed here.
want_expiry=$(date -u -d '2026-06-30T12:00:00Z + 30 days' +%Y-%m-%dT%H:%M:%SZ)
assert_eq "$(json this.expires_at)" "$want_expiry" "expires after 30 days"
assert_eq "$(sql "SELECT kind || ' ' || recipient || ' ' || report_link_id || ' ' || (subject IS NULL) || (body IS NULL) FROM outbox")" \
  "physician_report dr.ward@example.org $link1 11" "the queued message holds no text"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'create' AND record_type = 'report_link' AND record_id = $link1")" 1 "create audited"
expect_ok ts --json report-link --episode 1 --to dr.ward@example.org --days 1
assert_eq "$(json this.expires_at)" 2026-07-01T12:00:00Z "--days 1"
link2=$(json this.id)

expect_ok ts --json outbox send
assert_eq "$(json this.sent)" 2 "both sent"
assert_eq "$(mail_count)" 2 "messages received"
msg=$TMP/msg1
for f in $(find "$MAILDIR" -name '*.eml' | sort); do
  tr -d '\r' < "$f" > "$TMP/m"
  grep -q '2026-07-30 12:00 UTC' "$TMP/m" && cp "$TMP/m" "$msg"
done
[ -s "$msg" ] || fail "no message with the 30-day expiry"
grep -qx 'To: dr.ward@example.org' "$msg" || fail "To header: $(cat "$msg")"
grep -qx 'Subject: Synthetic Test Clinic: a progress report for you' "$msg" || fail "Subject: $(cat "$msg")"
grep -q 'Synthetic Test Clinic has shared a progress report' "$msg" || fail "clinic name"
# Canaries: nothing of the patient in the headers or the body (the link's
# line and the random Message-ID left out: a random token may hold any
# letters).
grep -v -e '/p/' -e '^Message-ID:' "$msg" > "$TMP/msg-text"
for canary in Robin Quarternaxe 'Robin Quarternaxe' M54 M54.50 low-back 'back pain' lumbar nprs psfs odi Ada protocol score 1970 1970-02-03 02-03 2026-05-01 2026-06-20 2026-06-25 7 3; do
  grep -qiw -- "$canary" "$TMP/msg-text" && { grep -iw -- "$canary" "$TMP/msg-text" >&2; fail "the email holds '$canary'"; }
done
link=$(grep -oE 'https://clinic.example.org/p/[A-Za-z0-9_-]+' "$msg")
token=${link##*/}
assert_eq "${#token}" 43 "token length"
nonce=$(sql "SELECT nonce FROM report_link WHERE id = $link1")
# The token by the documented formula, purpose "report", computed here.
expected=$(link_token report "$nonce")
assert_eq "$token" "$expected" "the token from the documented formula"
assert_eq "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" "$(sql "SELECT token_hash FROM report_link WHERE id = $link1")" "token_hash"
sqlite3 "$TOUCHSTONE_DB" .dump | grep -qF -- "$token" && fail "the token is in the database"
grep -qF -- "$token" "$TOUCHSTONE_DB" "$TOUCHSTONE_DB-wal" 2>/dev/null && fail "the token is in the database file"

# --- the physician's page ---
serve_start
get() {
  STATUS=$(curl -sS -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' "${URL%/}$1")
  OUT=$(cat "$TMP/body"); HEADERS=$(tr -d '\r' < "$TMP/headers")
}
get "/p/$token"
assert_eq "$STATUS" 200 "the report through the link"
valid_html "the physician's page"
assert_contains "$OUT" 'Robin Quarternaxe'
assert_contains "$OUT" 'M54\.50'
assert_contains "$OUT" '<svg'
grep -qi '^set-cookie' <<<"$HEADERS" && fail "the link's page sets a cookie"
grep -qi '^content-security-policy' <<<"$HEADERS" || fail "no CSP"
# The report is the one `report physician` writes (the same rendering):
# its document's body, byte for byte, is inside the page.
printf %s "$OUT" > "$TMP/page.html"
expect_ok ts report physician --episode 1 --out "$TMP/report.html"
"$SMTP_PYTHON" - "$TMP/report.html" "$TMP/page.html" <<'PY' || fail "the page does not hold the physician report's body"
import sys
doc = open(sys.argv[1], encoding="utf-8").read()
page = open(sys.argv[2], encoding="utf-8").read()
body = doc[doc.index("<body>") + 6:doc.index("</body>")].strip()
assert len(body) > 500 and "Quarternaxe" in body, "a short report"
sys.exit(0 if body in page else 1)
PY
views=$(sql "SELECT count(*) FROM audit WHERE actor = 'report link $link1' AND action = 'view' AND record_type = 'report_link' AND record_id = $link1 AND outcome = 'ok'")
assert_eq "$views" 1 "the view audited naming the link"
get "/p/$token"
assert_eq "$STATUS" 200 "a second view"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE actor = 'report link $link1' AND action = 'view' AND outcome = 'ok'")" 2 "each view audited"

# A tampered token: 404, the plain page.
first=${token:0:1}; [ "$first" = A ] && repl=B || repl=A
get "/p/$repl${token:1}"
assert_eq "$STATUS" 404 "a tampered token"
assert_contains "$OUT" 'This link cannot be used'
grep -q 'Quarternaxe' <<<"$OUT" && fail "the refusal shows the patient"
get "/p/short"
assert_eq "$STATUS" 404 "a token of the wrong form"

# --- list, revoke ---
expect_ok ts --json report-link list --episode 1
assert_eq "$(json 'this.map(l => l.id + ":" + l.state).join()')" "$link2:open,$link1:open" "list"
expect_ok ts report-link revoke "$link1"
expect_refused 2 'revoked already' ts report-link revoke "$link1"
get "/p/$token"
assert_eq "$STATUS" 410 "a revoked link"
assert_contains "$OUT" 'withdrawn'
grep -q 'Quarternaxe' <<<"$OUT" && fail "the refusal shows the patient"
expect_ok ts --json report-link list
assert_eq "$(json 'this.map(l => l.id + ":" + l.state).join()')" "$link2:open,$link1:revoked" "list after revoke"

# A revoked link's queued message is cancelled, not sent.
expect_ok ts --json report-link --episode 1 --to dr.ward@example.org
link3=$(json this.id)
expect_ok ts report-link revoke "$link3"
expect_ok ts --json outbox send
assert_eq "$(json this.sent)" 0 "nothing sent for a revoked link"
assert_eq "$(sql "SELECT status FROM outbox WHERE report_link_id = $link3")" cancelled "its message cancelled"
assert_eq "$(mail_count)" 2 "no new message"

# --- expiry: the 1-day link, with the clock moved past it ---
token2=""
for f in $(find "$MAILDIR" -name '*.eml' | sort); do
  t=$(tr -d '\r' < "$f" | grep -oE '/p/[A-Za-z0-9_-]{43}' | cut -c4-)
  [ "$t" != "$token" ] && token2=$t
done
[ -n "$token2" ] || fail "no second link"
get "/p/$token2"
assert_eq "$STATUS" 200 "the 1-day link before it expires"
serve_stop
cp "$TMP/serve.err" "$TMP/serve1.err"
export TOUCHSTONE_NOW=2026-07-01T12:00:00Z
serve_start
get "/p/$token2"
assert_eq "$STATUS" 410 "an expired link"
assert_contains "$OUT" 'expired'
assert_eq "$(sql "SELECT count(*) FROM audit WHERE actor = 'report link $link2' AND action = 'view' AND outcome = 'expired'")" 1 "the refused view audited"

# --- guessing is throttled (shared with the patient's links) ---
for i in $(seq 1 10); do
  get "/p/$(printf 'x%.0s' $(seq 1 42))$i"
done
get "/p/$token2"
assert_eq "$STATUS" 429 "throttled after ten unknown tokens"
grep -qi '^retry-after: ' <<<"$HEADERS" || fail "no Retry-After"
get "/r/$token2"
assert_eq "$STATUS" 429 "the patient's links share the throttle"
serve_stop

# --- the server's log hides the tokens ---
cat "$TMP/serve1.err" "$TMP/serve.err" > "$TMP/serve-all.err"
grep -qF -- "$token" "$TMP/serve-all.err" && fail "the log holds a token"
grep -qF -- "$token2" "$TMP/serve-all.err" && fail "the log holds a token"
grep -q '"GET /p/\.\.\." 200' "$TMP/serve-all.err" || fail "the log lacks the masked path"
grep -q '"GET /p/\.\.\." 410' "$TMP/serve-all.err" || fail "the log lacks the masked path: $(head -3 "$TMP/serve.err")"
echo "ok t0963-physician-link"
