#!/usr/bin/env bash
# The outbox's crash rule: `outbox send` killed with SIGKILL mid-batch,
# twenty times (TOUCHSTONE_KILLS) at random moments, against a real SMTP server slowed down
# so that kills land while a message is in flight. Never more than one
# message is 'sending'; at the end every message was delivered at least
# once, and the deliveries beyond one per message are at most the number
# of kills (each kill can cut only the one message in flight).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/smtp-lib.sh"

mail_clinic
KILLS=${TOUCHSTONE_KILLS:-20} # 50 in make test-long
N=$((KILLS + 4))
for i in $(seq -w 1 $N); do
  eid=$(closed_episode "Pat$i Synthetic" "p$i@example.org")
  expect_ok ts invite --episode "$eid" --timepoint followup
done
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE status = 'queued'")" "$N" "queued"

smtp_start --delay 0.5
expect_ok ts mail configure --smtp "$SMTP_URL" --from clinic@example.org --base-url https://clinic.example.org
cut_short=0
for k in $(seq 1 $KILLS); do
  "$TOUCHSTONE" outbox send > /dev/null 2>&1 &
  pid=$!
  sleep "0.$(( (RANDOM % 70) + 15 ))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sending=$(sql "SELECT count(*) FROM outbox WHERE status = 'sending'")
  [ "$sending" -le 1 ] || fail "after kill $k: $sending messages 'sending'"
  cut_short=$((cut_short + sending))
done
[ "$cut_short" -ge 1 ] || fail "no kill landed while a message was in flight"
left=$(sql "SELECT count(*) FROM outbox WHERE status <> 'sent'")
[ "$left" -ge 1 ] || fail "the batch ended before the kills (slow the server down)"
expect_ok ts --json outbox send
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE status = 'sent'")" "$N" "every message sent"
# Deliveries per recipient, from the server's folder.
grep -h '^X-Envelope-To:' "$MAILDIR"/*.eml | tr -d '\r' | sort | uniq -c | awk '{print $1, $3}' > "$TMP/deliveries"
assert_eq "$(wc -l < "$TMP/deliveries")" "$N" "recipients reached"
for i in $(seq -w 1 $N); do
  grep -q " p$i@example.org$" "$TMP/deliveries" || fail "p$i never received its message"
done
extra=$(awk '{s += $1 - 1} END {print s + 0}' "$TMP/deliveries")
[ "$extra" -le "$KILLS" ] || fail "$extra extra deliveries for $KILLS kills"
echo "ok t0921 ($cut_short kills cut a message in flight, $extra delivered twice)"
