#!/usr/bin/env bash
# The patient's page of a link, on a real server on loopback: it shows the
# clinic's name, the patient's first name and the questions, nothing else
# of the record; bad answers are refused naming the field and record
# nothing; good ones become observations of source "patient" with an audit
# entry naming the link; the link is dead afterwards; revoked, expired,
# unknown and tampered tokens get the plain page (404/410) and change
# nothing; guessing is throttled; the access log never holds a token.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

answer_clinic "Synthetic Answer Clinic"
expect_ok ts patient add --name "Robin Canarysurname" --dob 1975-04-12 --sex female --email robin@example.org
expect_ok ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-04-01 --screen "$TMP/clear.json"
expect_ok ts observe --episode 1 --instrument nprs --timepoint baseline --at 2026-04-01T10:00:00Z --value 7
expect_ok ts episode close 1 --end 2026-05-20

# invitation NONCE INSTRUMENTS EXPIRES [REVOKED]: an invitation of episode
# 1 at follow-up written directly; its token is derived by the program
# from the nonce and the clinic's key (invite print prints the link), and
# its hash is computed here with sha256sum. Sets TOKEN.
invitation() {
  local revoked=NULL
  [ -n "${4-}" ] && revoked="'$4'"
  sql "INSERT INTO invitation (episode_id, timepoint, instruments, nonce, token_hash, channel, created_at, opens_at, expires_at, revoked_at, revoked_reason) VALUES (1, 'followup', '$2', '$1', 'pending-$1', 'print', '2026-06-29T08:00:00Z', '2026-06-17T00:00:00Z', '$3', $revoked, CASE WHEN $revoked IS NULL THEN NULL ELSE 'test' END)"
  local id; id=$(sql "SELECT id FROM invitation WHERE nonce = '$1'")
  expect_ok ts invite print "$id" --base-url http://clinic.example
  TOKEN=${OUT##*/r/}
  [[ $TOKEN =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "not a token: $OUT"
  sql "UPDATE invitation SET token_hash = '$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)' WHERE id = $id"
}

invitation 0123456789abcdef0123456789abcdef '["nprs","psfs"]' 2026-08-01T00:00:00Z; GOOD=$TOKEN
invitation 11111111111111111111111111111111 '["nprs"]' 2026-08-01T00:00:00Z 2026-06-30T09:00:00Z; REVOKED=$TOKEN
invitation 22222222222222222222222222222222 '["nprs"]' 2026-06-30T11:59:59Z; EXPIRED=$TOKEN
# The token is nowhere in the database.
sqlite3 "$TOUCHSTONE_DB" .dump | grep -qF "$GOOD" && fail "a token is stored in the database"

serve_start
# get PATH / post PATH BODY: through curl to the real server, no cookie.
get() {
  STATUS=$(curl -sS -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' "${URL%/}$1")
  OUT=$(cat "$TMP/body"); HEADERS=$(tr -d '\r' < "$TMP/headers")
}
post_form() {
  STATUS=$(curl -sS -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' \
    -H "$FORM" --data "$2" "${URL%/}$1")
  OUT=$(cat "$TMP/body"); HEADERS=$(tr -d '\r' < "$TMP/headers")
}

get "/r/$GOOD"
assert_eq "$STATUS" 200 "the page of a good link"
valid_html "the patient's page"
assert_contains "$OUT" '<html lang="en">'
assert_contains "$OUT" '<meta name="viewport" content="width=device-width'
assert_contains "$OUT" 'Synthetic Answer Clinic'
assert_contains "$OUT" 'Hello Robin'
grep -qi 'set-cookie' <<<"$HEADERS" && fail "the patient's page set a cookie"
# The questions, as the catalog words them (read here from the file).
questions=$(node -e 'const c=require(process.argv[1]);
  for (const code of ["nprs","psfs"]) for (const i of c.instruments.find(x=>x.code===code).wording.items) console.log(i.text);' \
  "$here/../../catalog/instruments.json")
while IFS= read -r q; do
  grep -qF "$q" <<<"$OUT" || fail "the question '$q' is not on the page"
done <<<"$questions"
# Nothing else of the record: no surname, condition, protocol, therapist,
# score, birth date or email.
for canary in Canarysurname Canarytherapist M54.50 M54 'ow back' low-back-pain 1975 robin@example.org 'Oswestry'; do
  grep -qiF "$canary" <<<"$OUT" && fail "the patient's page shows '$canary'"
done
# Every input has a label.
node -e '
  const html = require("fs").readFileSync(process.argv[1], "utf8");
  const ids = [...html.matchAll(/<input [^>]*id="([^"]+)"/g)].map(m => m[1]);
  const labelled = new Set([...html.matchAll(/<label for="([^"]+)"/g)].map(m => m[1]));
  const bare = ids.filter(id => !labelled.has(id));
  if (!ids.length || bare.length) { console.log("unlabelled: " + bare.join(" ")); process.exit(1); }' "$TMP/body" ||
  fail "an input of the patient's page has no label"

# Bad answers: 422 naming the field, and nothing recorded.
before=$(db_digest)
post_form "/r/$GOOD" 'nprs-item-1=11&psfs-item-1=5&psfs-item-2=6&psfs-item-3=7'
assert_eq "$STATUS" 422 "an out-of-range answer"
assert_contains "$OUT" 'id="e-nprs-item-1">Choose a whole number from 0 to 10'
assert_contains "$OUT" 'Your answers were not sent'
assert_contains "$OUT" 'value="5" checked'
post_form "/r/$GOOD" 'nprs-item-1=4&psfs-item-1=5&psfs-item-2=6'
assert_eq "$STATUS" 422 "an activity left unrated"
assert_contains "$OUT" 'href="#q-psfs-item-3">Please answer this question'
assert_contains "$OUT" 'id="e-psfs-item-3"'
post_form "/r/$GOOD" 'nprs-item-1=four&psfs-item-1=5&psfs-item-2=6&psfs-item-3=7'
assert_eq "$STATUS" 422 "an answer that is not a number"
assert_contains "$OUT" 'id="e-nprs-item-1"'
post_form "/r/$GOOD" 'nprs-item-1=4.5&psfs-item-1=5&psfs-item-2=6&psfs-item-3=7'
assert_eq "$STATUS" 422 "a fraction where whole numbers are asked"
assert_eq "$(db_digest)" "$before" "the database after refused answers"

# Good answers: one observation per instrument, the patient's own.
post_form "/r/$GOOD" 'nprs-item-1=4&psfs-item-1=5&psfs-item-2=6&psfs-item-3=8&psfs-item-4=&psfs-item-5='
assert_eq "$STATUS" 200 "good answers"
assert_contains "$OUT" 'Thank you, Robin'
valid_html "the thank-you page"
inv=$(sql "SELECT id FROM invitation WHERE nonce = '0123456789abcdef0123456789abcdef'")
assert_eq "$(sql "SELECT instrument, timepoint, source, invitation_id, printf('%.6f', total) FROM observation WHERE source = 'patient' ORDER BY instrument")" \
  "nprs|followup|patient|$inv|4.000000
psfs|followup|patient|$inv|$(node -e 'console.log(((5+6+8)/3).toFixed(6))')" "the recorded answers"
assert_eq "$(sql "SELECT items FROM observation WHERE instrument = 'psfs' AND source = 'patient'")" '[5,6,8]' "the PSFS items"
assert_eq "$(sql "SELECT count(*) FROM observation WHERE source = 'clinic'")" 1 "the clinic's baseline, untouched"
[ -n "$(sql "SELECT used_at FROM invitation WHERE id = $inv")" ] || fail "the invitation is not marked used"
# The audit log names the link, not a user.
assert_eq "$(sql "SELECT DISTINCT actor || '|' || ifnull(user_id, '-') || '|' || action || '|' || record_type || '|' || patient_id FROM audit WHERE record_type = 'observation' AND action = 'create' AND actor LIKE 'link%'")" \
  "link $inv|-|create|observation|1" "the audit entries of the answers"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE actor = 'link $inv'")" 2 "one audit entry per observation"
expect_ok ts audit verify

# The link is dead: the page and a second submission get 410 and change
# nothing.
before=$(db_digest)
get "/r/$GOOD"
assert_eq "$STATUS" 410 "a used link"
assert_contains "$OUT" 'This link cannot be used'
assert_contains "$OUT" 'already answered'
valid_html "the page of a used link"
post_form "/r/$GOOD" 'nprs-item-1=2&psfs-item-1=9&psfs-item-2=9&psfs-item-3=9'
assert_eq "$STATUS" 410 "a second submission"
get "/r/$REVOKED"
assert_eq "$STATUS" 410 "a revoked link"
assert_contains "$OUT" 'withdrawn'
post_form "/r/$REVOKED" 'nprs-item-1=2'
assert_eq "$STATUS" 410 "an answer through a revoked link"
get "/r/$EXPIRED"
assert_eq "$STATUS" 410 "an expired link"
assert_contains "$OUT" 'expired'
post_form "/r/$EXPIRED" 'nprs-item-1=2'
assert_eq "$STATUS" 410 "an answer through an expired link"
for page in "$OUT"; do
  for canary in Canarysurname M54 Robin; do
    grep -qF "$canary" <<<"$page" && fail "the refusal page shows '$canary'"
  done
done
# Unknown and tampered tokens: 404, the same plain page. (3 failures.)
unknown=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | head -c 43)
get "/r/$unknown"
assert_eq "$STATUS" 404 "an unknown token"
assert_contains "$OUT" 'This link cannot be used'
valid_html "the page of an unknown link"
last=${GOOD: -1}; [ "$last" = A ] && swap=B || swap=A
post_form "/r/${GOOD:0:42}$swap" 'nprs-item-1=2&psfs-item-1=9&psfs-item-2=9&psfs-item-3=9'
assert_eq "$STATUS" 404 "a tampered token"
get "/r/${GOOD:0:20}"
assert_eq "$STATUS" 404 "a cut token"
assert_eq "$(db_digest)" "$before" "the database after refused links"

# Guessing is throttled: the 11th unknown token within a minute from one
# address gets 429, and then so does a real link.
for i in $(seq 4 10); do
  get "/r/${unknown:0:40}$(printf '%03d' "$i")"
  assert_eq "$STATUS" 404 "guess $i"
done
get "/r/${unknown:0:40}011"
assert_eq "$STATUS" 429 "the guess past the limit"
[ -n "$(grep -i '^Retry-After: [0-9]' <<<"$HEADERS")" ] || fail "no Retry-After on 429"
assert_contains "$OUT" 'Too many attempts'
get "/r/$REVOKED"
assert_eq "$STATUS" 429 "a throttled client's real link"

serve_stop
# No token in the access log: the path of a link is logged as /r/...
grep -qF "$GOOD" "$TMP/serve.err" && fail "the access log holds a token"
grep -qF "$unknown" "$TMP/serve.err" && fail "the access log holds a guessed token"
grep -q '"GET /r/\.\.\." 200' "$TMP/serve.err" || fail "the access log lacks the masked path: $(head -3 "$TMP/serve.err")"
echo "ok: t0930-patient-page"
