#!/usr/bin/env bash
# The printed code: `invite print ID --out FILE.png` writes a QR code that a
# real reader (zbarimg, Debian's zbar-tools) decodes to the link, whose
# token hashes to the invitation's stored token_hash (checked here with
# sha256sum); the SVG holds the same code. The printable sheet of the web
# is for the clinic only: the admin and the treating therapist see it with
# the link and the code; another therapist gets 404; a used invitation
# 410. Bad options are refused and change nothing.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

page_lbp_episode 2026-04-01
expect_ok ts episode close "$E" --end 2026-05-20
expect_ok ts practitioner add --name "Synthetic Therapist B" --license LMT-B2 --credentials LMT; PB=$OUT
add_user admin@clinic.example admin
add_user a@clinic.example therapist "$PA"
add_user b@clinic.example therapist "$PB"
nonce=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
sql "INSERT INTO invitation (episode_id, timepoint, instruments, nonce, token_hash, channel, created_at, opens_at, expires_at) VALUES ($E, 'followup', '[\"nprs\"]', '$nonce', 'unset', 'print', '2026-06-29T08:00:00Z', '2026-06-17T00:00:00Z', '2026-08-01T00:00:00Z')"
I=$(sql "SELECT id FROM invitation WHERE nonce = '$nonce'")

# Without a base URL (no mail configuration, no --base-url): refused.
expect_refused 2 'base-url' ts invite print "$I" --out "$TMP/code.png"
expect_refused 2 'out.*\.svg or \.png' ts invite print "$I" --out "$TMP/code.gif" --base-url https://clinic.example
expect_refused 2 'scale' ts invite print "$I" --out "$TMP/code.png" --scale 0 --base-url https://clinic.example
expect_refused 2 'no invitation 99' ts invite print 99 --base-url https://clinic.example
[ -e "$TMP/code.png" ] && fail "a refused print wrote a file"

# The link as text; its token's hash becomes the stored one.
expect_ok ts invite print "$I" --base-url https://clinic.example/
link=$OUT
assert_contains "$link" '^https://clinic\.example/r/[A-Za-z0-9_-]{43}$'
token=${link##*/r/}
sql "UPDATE invitation SET token_hash = '$(printf %s "$token" | sha256sum | cut -d' ' -f1)' WHERE id = $I"
# The same nonce always gives the same link (derived, not stored).
expect_ok ts invite print "$I" --base-url https://clinic.example
assert_eq "$OUT" "$link" "the link derived again"

# PNG: a real reader decodes it to the link.
expect_ok ts invite print "$I" --base-url https://clinic.example --out "$TMP/code.png"
assert_eq "$(head -c 8 "$TMP/code.png" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a "the PNG signature"
decoded=$(zbarimg --nodbus -q --raw "$TMP/code.png" 2>/dev/null) || fail "zbarimg could not read the PNG"
assert_eq "$decoded" "$link" "the decoded PNG"
assert_eq "$(printf %s "${decoded##*/r/}" | sha256sum | cut -d' ' -f1)" "$(sql "SELECT token_hash FROM invitation WHERE id = $I")" "the decoded token's hash"
# A small scale still decodes.
expect_ok ts invite print "$I" --base-url https://clinic.example --out "$TMP/small.png" --scale 3
assert_eq "$(zbarimg --nodbus -q --raw "$TMP/small.png" 2>/dev/null)" "$link" "the decoded PNG at scale 3"

# SVG: drawn to pixels by rsvg-convert when present, then decoded (the
# browser test decodes the sheet's SVG as chromium draws it).
expect_ok ts invite print "$I" --base-url https://clinic.example --out "$TMP/code.svg"
assert_contains "$(head -2 "$TMP/code.svg")" '<svg xmlns="http://www.w3.org/2000/svg"'
if command -v rsvg-convert > /dev/null; then
  rsvg-convert -o "$TMP/svg.png" "$TMP/code.svg"
  assert_eq "$(zbarimg --nodbus -q --raw "$TMP/svg.png" 2>/dev/null)" "$link" "the decoded SVG"
fi
# Printing is audited as a read of the invitation.
assert_eq "$(sql "SELECT count(*) FROM audit WHERE action = 'read' AND record_type = 'invitation' AND record_id = $I")" 5 "audited prints"
grep -qF "$token" <(sqlite3 "$TOUCHSTONE_DB" .dump) && fail "the token is stored"

# The printable sheet, with the mail configuration's base URL.
sql "INSERT INTO mail_config (id, smtp_url, from_address, base_url, updated_at) VALUES (1, 'smtp://127.0.0.1:1', 'clinic@clinic.example', 'https://clinic.example', '2026-06-01T00:00:00Z')"
expect_ok ts invite print "$I"
assert_eq "$OUT" "$link" "the link with the configured base URL"
page_login admin@clinic.example
page "/episodes/$E/invitations/$I/print"
assert_contains "$OUT" 'Synthetic Page Clinic'
assert_contains "$OUT" 'Hello Synthetic,'
grep -qF "<code>$link</code>" <<<"$OUT" || fail "the sheet lacks the link"
assert_contains "$OUT" '<svg xmlns="http://www.w3.org/2000/svg"'
assert_contains "$OUT" 'until 2026-08-01'
# The sheet's SVG decodes to the link too.
sed -nE 's/.*(<svg xmlns.*<\/svg>).*/\1/p' <<<"$OUT" > "$TMP/sheet.svg"
if command -v rsvg-convert > /dev/null; then
  rsvg-convert -o "$TMP/sheet.png" "$TMP/sheet.svg"
  assert_eq "$(zbarimg --nodbus -q --raw "$TMP/sheet.png" 2>/dev/null)" "$link" "the decoded sheet"
fi
page_login a@clinic.example
page "/episodes/$E/invitations/$I/print"
page_login b@clinic.example
http GET "/episodes/$E/invitations/$I/print"
expect_status 404
grep -qF "$token" <<<"$OUT" && fail "another therapist saw the link"
page_login admin@clinic.example
http GET "/episodes/$E/invitations/99/print"
expect_status 404
sql "UPDATE invitation SET expires_at = '2026-06-30T11:00:00Z' WHERE id = $I"
http GET "/episodes/$E/invitations/$I/print"
expect_status 410
assert_contains "$OUT" 'has expired'
sql "UPDATE invitation SET expires_at = '2026-08-01T00:00:00Z', used_at = '2026-06-30T10:00:00Z' WHERE id = $I"
http GET "/episodes/$E/invitations/$I/print"
expect_status 410
grep -qF "$token" <<<"$OUT" && fail "the sheet of a used invitation shows its link"
echo "ok: t0931-qr-print"
