#!/usr/bin/env bash
# The certificates page shows the practitioner's certificates from the
# clinic's register; an admin revokes one with a reason through the page
# (without JavaScript), a therapist sees theirs and cannot revoke.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

demo_certified "$TMP/a.json"
serve_start

page_login admin@demo.example touchstone-demo
page "/certificates?practitioner=1"
assert_contains "$OUT" '<section id="issued"><h2>Issued certificates</h2>'
assert_contains "$OUT" "<tr id=\"certificate-$CERT_ID\">"
assert_contains "$OUT" '<span class="badge yes">valid</span>'
assert_contains "$OUT" 'action="/certificates/revoke"'

# Without a reason: refused, nothing changes.
post /certificates/revoke "id=$CERT_ID&reason="
expect_status 422
assert_eq "$(sql "SELECT count(*) FROM certificate WHERE revoked_at IS NULL")" 1
# With one: revoked, and the page says so.
post /certificates/revoke "id=$CERT_ID&reason=$(enc 'issued in error <b>')"
expect_location '^/certificates\?practitioner=1&done=revoked$'
page "/certificates?practitioner=1&done=revoked"
assert_contains "$OUT" 'The certificate was revoked'
assert_contains "$OUT" '<span class="badge no">revoked</span>'
assert_contains "$OUT" 'issued in error &lt;b&gt;'
[[ "$OUT" != *'name="id" value="'"$CERT_ID"'"'* ]] || fail "a revoked certificate still offers a revoke form"
assert_eq "$(sql "SELECT revoked_reason FROM certificate WHERE id = '$CERT_ID'")" "issued in error <b>"
# Once only.
post /certificates/revoke "id=$CERT_ID&reason=again"
expect_status 422
assert_contains "$OUT" "was revoked already"

# The therapist sees their register, without revoke forms, and may not revoke.
page_login therapist@demo.example touchstone-demo
page /certificates
assert_contains "$OUT" "<tr id=\"certificate-$CERT_ID\">"
[[ "$OUT" != *'action="/certificates/revoke"'* ]] || fail "a therapist is offered a revoke form"
post /certificates/revoke "id=$CERT_ID&reason=mine"
expect_status 403
serve_stop
