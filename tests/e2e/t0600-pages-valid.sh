#!/usr/bin/env bash
# Every page of the web app, as each role, over the demo clinic: the right
# status, the navigation of the role, and HTML that passes the validity
# check (tests/tools/htmlcheck.js), which is itself shown to catch
# malformed pages first.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

# The checker rejects what it must (each snippet in a valid document).
doc() { printf '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>t</title>\n</head>\n<body>\n%s\n</body>\n</html>\n' "$1"; }
doc '<main><p>fine &amp; <a href="#x">ok</a></p><div id="x"></div></main>' > "$TMP/good.html"
node "$TOOLS/htmlcheck.js" "$TMP/good.html" || fail "htmlcheck refused a valid page"
bad=(
  '<div><span></div></span>'
  '<p>unclosed'
  '<p>bare & ampersand</p>'
  '<p>&bogus;</p>'
  '<div id="a"></div><div id="a"></div>'
  '<label for="nothing">x</label>'
  '<input name="orphan">'
  '<p style="color:red">x</p>'
  '<button type="button" onclick="x()">x</button>'
  '<script>alert(1)</script>'
  '<ul><div>x</div></ul>'
  '<table><td>x</td></table>'
  '<p><div>x</div></p>'
  '<form><form></form></form>'
  '<br></br>'
  '<blink>x</blink>'
  '<a href=x>unquoted</a>'
  '<p class="a" class="b">dup</p>'
  '<svg><line x1="0"/></svg>'
  '<a href="#missing">x</a>'
)
for snippet in "${bad[@]}"; do
  doc "$snippet" > "$TMP/bad.html"
  if node "$TOOLS/htmlcheck.js" "$TMP/bad.html" > /dev/null; then
    fail "htmlcheck accepted: $snippet"
  fi
done

expect_ok ts demo
open=$(sql "SELECT id FROM episode WHERE practitioner_id = 1 AND ended_on IS NULL ORDER BY id LIMIT 1")
closed=$(sql "SELECT id FROM episode WHERE practitioner_id = 1 AND ended_on IS NOT NULL ORDER BY id LIMIT 1")
patient=$(sql "SELECT patient_id FROM episode WHERE id = $open")
other=$(sql "SELECT id FROM episode WHERE practitioner_id <> 1 ORDER BY id LIMIT 1")
other_patient=$(sql "SELECT patient_id FROM episode WHERE id = $other")
[ -n "$open" ] && [ -n "$closed" ] && [ -n "$other" ] || fail "the demo lacks episodes"

# Not logged in: the login page and the public verification page only.
page /login
page /verify
assert_contains "$OUT" '<a href="/verify" aria-current="page">Verify a certificate</a>'
grep -q 'href="/patients"' <<<"$OUT" && fail "patients offered to an anonymous visitor"
http GET /patients
expect_location '^/login$'

therapist_pages=(
  / /patients "/patients?q=a" /patients/new "/patients/$patient"
  "/patients/$patient/referrals/new" "/patients/$patient/episodes/new"
  "/patients/$patient/episodes/new?q=neck" "/patients/$patient/episodes/new/low-back-pain"
  "/patients/$patient/episodes/new/migraine"
  "/episodes/$open" "/episodes/$closed" "/episodes/$open/sessions/new"
  "/episodes/$open/sessions/new?length=45" "/episodes/$open/sessions/new?length=900"
  "/episodes/$open/scores/new" "/episodes/$open/scores/new?instrument=hit6&timepoint=pre"
  "/episodes/$open/scores/new?instrument=psfs&timepoint=baseline"
  "/episodes/$closed/scores/new?timepoint=followup"
  /followups /protocols "/protocols?q=M54" /protocols/low-back-pain
  "/protocols/contralateral-circulation?length=40" /verify
  "/episodes/$open/chart" "/episodes/$closed/chart?instrument=odi"
  "/episodes/$closed/report" /outcomes "/outcomes?protocol=low-back-pain&instrument=odi"
  /certificates "/certificates?protocol=sciatica&instrument=nprs"
)
page_login therapist@demo.example touchstone-demo
for p in "${therapist_pages[@]}"; do page "$p"; done
# The therapist's navigation; no admin.
page /
for link in / /patients /followups /outcomes /certificates /protocols /verify; do
  assert_contains "$OUT" "<li><a href=\"$link\""
done
grep -q 'href="/admin"' <<<"$OUT" && fail "admin offered to a therapist"
# A colleague's records are "not found", as pages too.
page "/episodes/$other" 404
page "/patients/$other_patient" 404
page "/episodes/$other/chart" 404
page "/episodes/$other/report" 404
http GET "/episodes/$other/report.html"
expect_status 404
page /admin 403
page /no/such/page 404
assert_contains "$OUT" '<h1>404 Not Found</h1>'
page "/episodes/$open/sessions/new" 200
page /protocols/no-such-protocol 404

admin_pages=(
  / /patients "/patients/$other_patient" "/episodes/$other" "/episodes/$other/chart"
  "/episodes/$other/report" "/outcomes?practitioner=2" /admin/thresholds
  "/certificates?practitioner=1&protocol=low-back-pain&instrument=nprs"
  "/patients/$patient/episodes/new/low-back-pain" /followups
  /admin /admin/practitioners /admin/practitioners/1 /protocols
)
page_login admin@demo.example touchstone-demo
for p in "${admin_pages[@]}"; do page "$p"; done
assert_contains "$OUT" '<li><a href="/admin"'
# The practitioner's page shows both consents (the demo's consent to the
# registry, none to the directory).
page /admin/practitioners/1
assert_contains "$OUT" '<dt>Registry</dt><dd>matched by NPI or license \(consented\)</dd>'
assert_contains "$OUT" '<dt>Directory</dt><dd>not listed</dd>'

# The researcher: no patient-level page at all.
page_login researcher@demo.example touchstone-demo
page /
grep -q 'href="/patients"' <<<"$OUT" && fail "patients offered to a researcher"
for p in /patients /patients/new "/patients/$patient" "/episodes/$open" \
         "/episodes/$open/sessions/new" "/episodes/$open/scores/new" /followups; do
  page "$p" 403
  assert_contains "$OUT" 'never a patient'
done
page /admin 403
page "/episodes/$open/chart" 403
page "/episodes/$open/report" 403
page /outcomes
assert_contains "$OUT" '<h1>Registry outcomes</h1>'
page /certificates 403
page /protocols
page /verify
