#!/usr/bin/env bash
# The follow-ups page asks the patient: each due follow-up has "Send link"
# and "Print code" (POST forms carrying the session's CSRF token); a live
# emailed link turns "Send link" into "Resend", a live printed one gives a
# link to its sheet. Forged or malformed requests are refused and change
# nothing.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

expect_ok ts demo
serve_start
page_login admin@demo.example touchstone-demo
page /followups
# Episodes in the table, and those with the buttons: the same set.
rows=$(grep -oE '<tr><td><a href="/episodes/[0-9]+"' <<<"$OUT" | grep -oE '[0-9]+' | sort -n | paste -sd, -)
[ -n "$rows" ] || fail "the demo has no follow-up due"
send=$(grep -B4 '<button type="submit" class="secondary">Send link</button>' <<<"$OUT" |
  grep -oE 'action="/episodes/[0-9]+/invitations"' | grep -oE '[0-9]+' | sort -n | paste -sd, -)
print=$(grep -B4 '<button type="submit" class="secondary">Print code</button>' <<<"$OUT" |
  grep -oE 'action="/episodes/[0-9]+/invitations"' | grep -oE '[0-9]+' | sort -n | paste -sd, -)
assert_eq "$send" "$rows" "episodes with Send link"
assert_eq "$print" "$rows" "episodes with Print code"
# Each form carries the session's token.
forms=$(grep -c 'action="/episodes/[0-9]*/invitations"' <<<"$OUT")
tokens=$(grep -A1 'action="/episodes/[0-9]*/invitations"' <<<"$OUT" | grep -c "name=\"csrf\" value=\"$FORM_CSRF\"")
assert_eq "$tokens" "$forms" "forms with the CSRF token"

E=${rows%%,*}
before=$(db_digest)
http POST "/episodes/$E/invitations" "timepoint=followup&channel=print" "$FORM"
expect_status 403
post "/episodes/$E/invitations" "timepoint=followup&channel=fax"
expect_status 422
assert_contains "$OUT" 'not email or print'
post "/episodes/$E/invitations" "timepoint=followup&channel=email&resend=abc"
expect_status 422
assert_eq "$(db_digest)" "$before" "the database after refused requests"

# A live emailed link: Resend (naming it); a live printed one: its sheet.
sql "INSERT INTO invitation (episode_id, timepoint, instruments, nonce, token_hash, channel, created_at, opens_at, expires_at) VALUES ($E, 'followup', '[\"nprs\"]', '0123456789abcdef0123456789abcdef', 'h1', 'email', '2026-06-29T08:00:00Z', '2026-06-01T00:00:00Z', '2026-09-01T00:00:00Z')"
I=$(sql "SELECT max(id) FROM invitation")
page /followups
row=$(grep -A40 "<tr><td><a href=\"/episodes/$E\"" <<<"$OUT" | sed '/<\/tr>/q')
assert_contains "$row" "name=\"resend\" value=\"$I\""
assert_contains "$row" '>Resend</button>'
sql "UPDATE invitation SET channel = 'print' WHERE id = $I"
page /followups
row=$(grep -A40 "<tr><td><a href=\"/episodes/$E\"" <<<"$OUT" | sed '/<\/tr>/q')
assert_contains "$row" "<a href=\"/episodes/$E/invitations/$I/print\">Print code</a>"
assert_contains "$row" '>Send link</button>'
# Used, it is no longer live: the buttons come back.
sql "UPDATE invitation SET used_at = '2026-06-30T10:00:00Z' WHERE id = $I"
page /followups
row=$(grep -A40 "<tr><td><a href=\"/episodes/$E\"" <<<"$OUT" | sed '/<\/tr>/q')
assert_contains "$row" '>Print code</button>'
serve_stop
echo "ok: t0932-followups-ask"
