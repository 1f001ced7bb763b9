#!/usr/bin/env bash
# Invitations through a real mail server (aiosmtpd on loopback): mail
# configure and its refusals, invite, outbox send -> the message arrives
# with the right headers, the first name, the clinic and a link, and
# nothing else of the record (canaries); the link's token is the one the
# documented formula gives (computed here with Python's BLAKE2b), hashes to
# the stored token_hash and is nowhere in the database. A server that is
# down: queued again with backoff 1, 5, 25, 125 minutes and the error
# kept, failed after five attempts. AUTH with a password file; opt-out;
# revoke; the scheduler (outbox run) invites and reminds at most twice.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/smtp-lib.sh"

mail_clinic
e1=$(closed_episode "Robin Quarternaxe" robin@example.org 8)

# --- mail configure: refusals change nothing ---
smtp_start
expect_refused 2 'smtp: .*not an smtp' ts mail configure --smtp http://x --from a@example.org --base-url https://c.example.org
expect_refused 2 'smtp: .*port' ts mail configure --smtp smtp://127.0.0.1:99999 --from a@example.org --base-url https://c.example.org
expect_refused 2 'smtp: .*user or password' ts mail configure --smtp smtp://u:p@127.0.0.1 --from a@example.org --base-url https://c.example.org
expect_refused 2 'from: .*not an email' ts mail configure --smtp "$SMTP_URL" --from 'a@b>' --base-url https://c.example.org
expect_refused 2 'base-url: .*not an http' ts mail configure --smtp "$SMTP_URL" --from a@example.org --base-url ftp://c.example.org
expect_refused 2 'base-url: .*query' ts mail configure --smtp "$SMTP_URL" --from a@example.org --base-url 'https://c.example.org/?x=1'
printf 'pw\n' > "$TMP/pw-open"; chmod 644 "$TMP/pw-open"
expect_refused 2 'password-file: .*group or others.*chmod 600' ts mail configure --smtp "$SMTP_URL" --from a@example.org --base-url https://c.example.org --user u --password-file "$TMP/pw-open"
expect_refused 2 'go together' ts mail configure --smtp "$SMTP_URL" --from a@example.org --base-url https://c.example.org --user u
# Sending before mail is configured is refused.
expect_refused 2 'mail is not configured' ts outbox send
expect_ok ts mail configure --smtp "$SMTP_URL" --from clinic@example.org --base-url https://clinic.example.org/

# --- an invitation and its message ---
expect_ok ts --json invite --episode "$e1" --timepoint followup
inv1=$(json this.id)
assert_eq "$(json this.opens_at)" 2026-06-21T00:00:00Z "opens"
assert_eq "$(json this.expires_at)" 2026-07-18T00:00:00Z "expires (the 4w follow-up opens then)"
assert_eq "$(json 'this.instruments.join()')" nprs,psfs "instruments with wording"
assert_eq "$(json this.without_wording)" odi "odi has no wording"
# An instrument without wording: refused, saying why, nothing changed.
expect_refused 2 "instrument: 'odi' has no wording" ts invite --episode "$e1" --timepoint followup --instrument odi
# A second open invitation for the same window: refused.
expect_refused 2 'still open' ts invite --episode "$e1" --timepoint followup
expect_refused 2 'not baseline, followup or pre' ts invite --episode "$e1" --timepoint later
expect_refused 2 'has ended: no session is ahead' ts invite --episode "$e1" --timepoint pre
expect_refused 2 'no episode 99' ts invite --episode 99 --timepoint followup
expect_refused 2 'has had its first visit|baseline' ts invite --episode "$e1" --timepoint baseline

expect_ok ts --json outbox send
assert_eq "$(json this.sent)" 1 "sent"
assert_eq "$(mail_count)" 1 "messages received"
tr -d '\r' < "$(find "$MAILDIR" -name '*.eml' | sort | head -1)" > "$TMP/msg1"
msg=$TMP/msg1
grep -q '^X-Envelope-To: robin@example.org' "$msg" || fail "envelope recipient"
grep -q '^X-Envelope-From: clinic@example.org' "$msg" || fail "envelope sender"
grep -qx 'To: robin@example.org' "$msg" || fail "To header: $(cat "$msg")"
grep -qx 'From: clinic@example.org' "$msg" || fail "From header"
grep -qx 'Subject: Synthetic Test Clinic: a few questions about how you are doing' "$msg" || fail "Subject"
grep -q '^Date: ' "$msg" || fail "Date header"
grep -q '^Message-ID: <[0-9a-f]*@example.org>' "$msg" || fail "Message-ID"
grep -q '^Content-Type: text/plain; charset=UTF-8' "$msg" || fail "MIME type"
grep -q 'Hello Robin,' "$msg" || fail "first name"
grep -q 'Synthetic Test Clinic would like' "$msg" || fail "clinic name"
grep -q '2026-07-17' "$msg" || fail "the last day of the link"
grep -qi 'rather not receive' "$msg" || fail "how to opt out"
# Canaries: nothing else of the record, in the headers or the body (the
# link's line and the random Message-ID left out: a random token may hold
# any three letters).
grep -v -e '/r/' -e '^Message-ID:' "$msg" > "$TMP/msg1-text"
for canary in Quarternaxe M54 low-back 'back pain' lumbar nprs psfs 'Ada' odi protocol score episode 1970; do
  grep -qiw -- "$canary" "$TMP/msg1-text" && { grep -iw -- "$canary" "$TMP/msg1-text" >&2; fail "the email holds '$canary'"; }
done
link=$(grep -oE 'https://clinic.example.org/r/[A-Za-z0-9_-]+' "$msg")
token=${link##*/}
assert_eq "${#token}" 43 "token length"
# The stored hash is SHA-256 of the token.
assert_eq "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" "$(sql "SELECT token_hash FROM invitation WHERE id = $inv1")" "token_hash"
# The token is BLAKE2b-256 keyed with the clinic key's seed over
# "touchstone-link-v1" 0 "invitation" 0 nonce (docs/patient-reported.md).
nonce=$(sql "SELECT nonce FROM invitation WHERE id = $inv1")
expected=$(link_token invitation "$nonce")
assert_eq "$token" "$expected" "the token from the documented formula"
sqlite3 "$TOUCHSTONE_DB" .dump | grep -qF -- "$token" && fail "the token is in the database"
grep -qF -- "$token" "$TOUCHSTONE_DB" "$TOUCHSTONE_DB-wal" 2>/dev/null && fail "the token is in the database file"
assert_eq "$(sql "SELECT status || ' ' || attempts || ' ' || (sent_at IS NOT NULL) FROM outbox WHERE invitation_id = $inv1")" "sent 1 1" "outbox row"
assert_eq "$(sql "SELECT last_sent_at IS NOT NULL FROM invitation WHERE id = $inv1")" 1 "last_sent_at"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'create' AND record_type = 'invitation' AND record_id = $inv1")" 1 "audited"
# Nothing more is due.
expect_ok ts --json outbox send
assert_eq "$(json this.sent)" 0 "a second send sends nothing"

# --- the server is down: backoff 1, 5, 25, 125 minutes, failed at 5 ---
e2=$(closed_episode "Sam Oxtercombe" sam@example.org 8)
expect_ok ts --json invite --episode "$e2" --timepoint followup
out2=$(json this.outbox)
smtp_stop
now=$(date -u -d 2026-06-30T12:00:00Z +%s)
for attempt in 1 2 3 4; do
  expect_ok ts --json outbox send
  assert_eq "$(json this.retrying)" 1 "attempt $attempt retried"
  row=$(sql "SELECT status, attempts, next_attempt_at, last_error IS NOT NULL AND last_error <> '' FROM outbox WHERE id = $out2")
  minutes=$((5 ** (attempt - 1)))
  want=$(date -u -d "@$((now + minutes * 60))" +%Y-%m-%dT%H:%M:%SZ)
  assert_eq "$row" "queued|$attempt|$want|1" "after attempt $attempt"
  # Not due before its time.
  expect_ok ts --json outbox send
  assert_eq "$(json this.retrying + this.sent)" 0 "nothing due before the backoff"
  now=$((now + minutes * 60))
  export TOUCHSTONE_NOW=$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)
done
expect_ok ts --json outbox send
assert_eq "$(json this.failed)" 1 "failed after the last attempt"
assert_contains "$(json this.last_error)" '[Cc]onnect|refused'
assert_eq "$(sql "SELECT status, attempts FROM outbox WHERE id = $out2")" "failed|5" "failed row"
expect_ok ts outbox list
assert_contains "$OUT" "failed +5/5"
export TOUCHSTONE_NOW=2026-06-30T14:00:00Z

# --- AUTH with a password file; a wrong password never shows ---
smtp_start --auth mailer:s3cret-Pw
printf 'wrong-Pw-canary\n' > "$TMP/pw"; chmod 600 "$TMP/pw"
expect_ok ts mail configure --smtp "$SMTP_URL" --from clinic@example.org --base-url https://clinic.example.org --user mailer --password-file "$TMP/pw"
sql "SELECT * FROM mail_config" | grep -q 'canary' && fail "the password is in the database"
e3=$(closed_episode "Kim Vellichor" kim@example.org 8)
expect_ok ts --json invite --episode "$e3" --timepoint followup
out3=$(json this.outbox)
before=$(mail_count)
expect_ok ts --json outbox send
assert_eq "$(json this.retrying)" 1 "a refused login is retried"
assert_eq "$(mail_count)" "$before" "nothing delivered without the login"
err3=$(sql "SELECT last_error FROM outbox WHERE id = $out3")
[ -n "$err3" ] || fail "no last_error after a refused login"
grep -q canary <<<"$err3$OUT" && fail "the password shows in an error"
printf 's3cret-Pw\n' > "$TMP/pw"
export TOUCHSTONE_NOW=2026-06-30T14:01:00Z
expect_ok ts --json outbox send
assert_eq "$(json this.sent)" 1 "sent with the login"
assert_eq "$(mail_count)" "$((before + 1))" "delivered with AUTH"
grep -l 'Hello Kim,' "$MAILDIR"/*.eml > /dev/null || fail "Kim's message"

# --- opt-out: a queued message is cancelled, new invitations refused ---
e4=$(closed_episode "Lee Brontavish" lee@example.org 8)
expect_ok ts --json invite --episode "$e4" --timepoint followup
out4=$(json this.outbox)
p4=$(sql "SELECT patient_id FROM episode WHERE id = $e4")
expect_ok ts --json patient opt-out "$p4"
assert_eq "$(json this.cancelled)" 1 "cancelled by the opt-out"
assert_eq "$(sql "SELECT contact_opt_out_at FROM patient WHERE id = $p4")" 2026-06-30T14:01:00Z "opt-out recorded"
assert_eq "$(sql "SELECT status FROM outbox WHERE id = $out4")" cancelled "opted-out message"
before=$(mail_count)
expect_ok ts --json outbox send
assert_eq "$(json this.sent)" 0 "nothing sent to an opted-out patient"
assert_eq "$(mail_count)" "$before" "no message after opt-out"
inv4=$(sql "SELECT id FROM invitation WHERE episode_id = $e4")
expect_ok ts invite revoke "$inv4" --reason "patient declined"
expect_refused 2 'declined invitations' ts invite --episode "$e4" --timepoint followup
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'opt-out' AND patient_id = $p4")" 1 "opt-out audited"

# --- revoke: its queued message is cancelled ---
e5=$(closed_episode "Jo Pelmatrix" jo@example.org 8)
expect_ok ts --json invite --episode "$e5" --timepoint followup
inv5=$(json this.id); out5=$(json this.outbox)
expect_refused 2 'reason' ts invite revoke "$inv5" --reason ''
expect_ok ts invite revoke "$inv5" --reason "wrong episode"
assert_eq "$(sql "SELECT status FROM outbox WHERE id = $out5")" cancelled "revoked message"
expect_ok ts --json invite list --episode "$e5"
assert_eq "$(json 'this[0].state')" revoked "state"
assert_eq "$(json 'this[0].revoked_reason')" "wrong episode" "reason kept"
expect_refused 2 'revoked already' ts invite revoke "$inv5" --reason again
before=$(mail_count)
expect_ok ts --json outbox send
assert_eq "$(mail_count)" "$before" "nothing sent for a revoked invitation"

# --- a printed code: no message, the link printed for the sheet ---
e6=$(closed_episode "Ari Nomail" ari@example.org 8)
expect_ok ts --json invite --episode "$e6" --timepoint followup --channel print
assert_eq "$(json this.outbox)" null "no message for a printed code"
plink=$(json this.link)
assert_eq "$(printf %s "${plink##*/}" | sha256sum | cut -d' ' -f1)" "$(sql "SELECT token_hash FROM invitation WHERE id = $(json this.id)")" "printed token"

# --- the scheduler: invites open windows, reminds at most twice ---
e7=$(closed_episode "Val Scheduleton" val@example.org 8)
e8=$(closed_episode "Max Hasscore" max@example.org 8)
expect_ok ts observe --episode "$e8" --instrument nprs --timepoint followup --at 2026-06-25T09:00:00Z --value 2
before=$(mail_count)
expect_ok ts --json outbox run
assert_eq "$(json this.invited)" 1 "the scheduler invited e7 only (e8 has its score; the others are invited, revoked or opted out)"
assert_eq "$(json this.sent)" 1 "and sent it"
assert_eq "$(sql "SELECT count(*) FROM invitation WHERE episode_id = $e7")" 1 "e7 invited"
assert_eq "$(sql "SELECT count(*) FROM invitation WHERE episode_id = $e8")" 0 "e8 not invited"
assert_eq "$(sql "SELECT actor FROM audit WHERE action = 'create' AND record_type = 'invitation' ORDER BY id DESC LIMIT 1")" scheduler "audited as the scheduler"
expect_ok ts --json outbox run
assert_eq "$(json this.invited + this.reminded + this.sent)" 0 "a second run does nothing"
# Window 2026-06-21..2026-07-18 (27 days): reminder k is due 9k days in,
# and 4.5 days after the last message at the soonest.
for at in 2026-07-01T00:00:00Z 2026-07-09T12:00:00Z 2026-07-10T00:00:00Z 2026-07-14T12:00:00Z 2026-07-16T00:00:00Z 2026-07-17T12:00:00Z; do
  TOUCHSTONE_NOW=$at ts --json outbox run > /dev/null || fail "outbox run at $at"
done
inv7=$(sql "SELECT id FROM invitation WHERE episode_id = $e7")
assert_eq "$(sql "SELECT reminders FROM invitation WHERE id = $inv7")" 2 "two reminders at most"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE invitation_id = $inv7 AND kind = 'reminder' AND status = 'sent'")" 2 "reminders sent"
grep -l 'Hello Val,' "$MAILDIR"/*.eml | xargs grep -l 'A reminder from Synthetic Test Clinic' | wc -l | grep -qx 2 || fail "two reminder emails to Val"
echo "ok t0920"
