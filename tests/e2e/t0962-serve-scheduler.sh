#!/usr/bin/env bash
# The scheduler inside `touchstone serve`: a closed episode whose follow-up
# window is open is invited and its email delivered to a real SMTP server
# without any command, and the server still stops cleanly on SIGTERM.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/smtp-lib.sh"

record_clinic
expect_ok ts practitioner add --name "Ada Synthetic" --license MA-1 --credentials LMT
train_lbp 1 2020-01-01 32 2021-01-01
expect_ok ts patient add --name "Noor Vantablix" --dob 1980-01-01 --sex female --email noor@example.org
expect_ok ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-05-01 --screen clear.json
expect_ok ts episode close 1 --end 2026-06-20
smtp_start
expect_ok ts mail configure --smtp "$SMTP_URL" --from clinic@example.org --base-url https://clinic.example.org

serve_start --schedule-every 1
for i in $(seq 1 100); do
  [ "$(mail_count)" -ge 1 ] && break
  sleep 0.1
done
assert_eq "$(mail_count)" 1 "the scheduler's email"
grep -q 'Hello Noor,' "$MAILDIR"/*.eml || fail "the message"
serve_stop
assert_eq "$(sql "SELECT count(*) FROM invitation WHERE episode_id = 1 AND timepoint = 'followup'")" 1 "one invitation"
assert_eq "$(sql "SELECT status FROM outbox")" sent "sent"
grep -q 'scheduler: invited 1, reminders 0; sent 1' "$TMP/serve.err" || fail "no scheduler line: $(cat "$TMP/serve.err")"
grep -q 'Vantablix\|noor@' "$TMP/serve.err" && fail "patient data in the server's log"
# --schedule-every 0 turns it off; a bad value is refused.
expect_refused 2 'schedule-every' ts serve --schedule-every -1
echo "ok t0922"
