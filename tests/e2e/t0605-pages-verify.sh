#!/usr/bin/env bash
# The public verification page: without an account, a certificate uploaded
# (multipart/form-data) or pasted is checked (certificate_verify) and what
# it claims is shown; a changed, foreign or malformed one is not valid; an
# empty or malformed form is asked again. Nothing is stored.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

demo_certified "$TMP/cert.json"
cert=$(cat "$TMP/cert.json")

# multipart BOUNDARY NAME=VALUE... -> a multipart/form-data body; a name
# ending in @ is a file part.
multipart() {
  local boundary=$1; shift
  local part name value
  for part in "$@"; do
    name=${part%%=*}; value=${part#*=}
    printf -- '--%s\r\n' "$boundary"
    if [[ $name == *@ ]]; then
      printf 'Content-Disposition: form-data; name="%s"; filename="certificate.json"\r\nContent-Type: application/json\r\n\r\n' "${name%@}"
    else
      printf 'Content-Disposition: form-data; name="%s"\r\n\r\n' "$name"
    fi
    printf '%s\r\n' "$value"
  done
  printf -- '--%s--\r\n' "$boundary"
}

page /verify
assert_contains "$OUT" '<form method="post" action="/verify" enctype="multipart/form-data" class="stacked">'
assert_contains "$OUT" '<input type="file" name="file" id="f-file"'

before=$(db_digest)
# Uploaded as a file.
body=$(multipart XyZzy0123 "file@=$cert" "certificate=")
http POST /verify "$body" 'Content-Type: multipart/form-data; boundary=XyZzy0123'
expect_status 200
valid_html "a valid certificate"
assert_contains "$OUT" '<strong>The signature holds.</strong>'
assert_contains "$OUT" '<strong>Avery Demo \(synthetic\)</strong> \(license DEMO-LMT-1001\) of Demo Clinic \(synthetic\) is <strong>reproducible</strong> in Chronic low back pain, measured by Numeric pain rating scale'
assert_contains "$OUT" "<dt>Certificate</dt><dd><code>$CERT_ID</code></dd>"
assert_contains "$OUT" "this clinic's key|this clinic&#39;s key"
assert_contains "$OUT" '<th scope="row">responder_rate</th>'
assert_contains "$OUT" '<li>complete episodes'
# A quoted boundary, and the file beside an empty paste field first.
body=$(multipart 'a b;c' "certificate=" "file@=$cert")
http POST /verify "$body" 'Content-Type: multipart/form-data; boundary="a b;c"'
assert_contains "$OUT" 'The signature holds.'
# Pasted (urlencoded, as a browser without the file field sends).
http POST /verify "certificate=$(enc "$cert")" "$FORM"
assert_contains "$OUT" 'The signature holds.'
# Pasted in the multipart form.
body=$(multipart B0undary "file@=" "certificate=$cert")
http POST /verify "$body" 'Content-Type: multipart/form-data; boundary=B0undary'
assert_contains "$OUT" 'The signature holds.'

# A changed claim: not valid, and why.
changed=${cert/\"designation\":\"reproducible\"/\"designation\":\"advanced\"}
[ "$changed" != "$cert" ] || fail "the claim to change was not found"
http POST /verify "certificate=$(enc "$changed")" "$FORM"
expect_status 200
valid_html "an invalid certificate"
assert_contains "$OUT" '<strong>Not a valid certificate.</strong> <code>signature</code>: '
assert_contains "$OUT" 'Do not rely on what it claims.'
grep -q 'The signature holds' <<<"$OUT" && fail "a changed certificate verified"
http POST /verify "certificate=not+json" "$FORM"
assert_contains "$OUT" '<code>json</code>: '
# Another clinic's key: the signature holds, but it is not ours.
expect_ok ts --db "$TMP/other.db" demo
expect_ok ts --db "$TMP/other.db" certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/other.json"
http POST /verify "certificate=$(enc "$(cat "$TMP/other.json")")" "$FORM"
assert_contains "$OUT" 'The signature holds.'
assert_contains "$OUT" "not this clinic's key|not this clinic&#39;s key"

# Nothing sent, or a broken form: asked again, beside the field.
http POST /verify "certificate=+++" "$FORM"
expect_status 422
valid_html "an empty verification"
assert_contains "$OUT" '<span class="field-error" id="e-file">Choose a certificate file or paste one.</span>'
body=$(multipart B0undary "file@=" "certificate=")
http POST /verify "$body" 'Content-Type: multipart/form-data; boundary=B0undary'
expect_status 422
http POST /verify "$(multipart B0undary "file@=$cert")" 'Content-Type: multipart/form-data'
expect_status 422
assert_contains "$OUT" 'needs a boundary'
http POST /verify "--B0undary\r\nno headers here" 'Content-Type: multipart/form-data; boundary=B0undary'
expect_status 422
assert_contains "$OUT" 'Nothing was checked.</strong> <a href="#f-file">The form data is malformed.'
assert_eq "$(db_digest)" "$before" "database after verifications"

# Logged in, the same page and answer, with the navigation of the role.
page_login therapist@demo.example touchstone-demo
http POST /verify "certificate=$(enc "$cert")" "$FORM"
assert_contains "$OUT" 'The signature holds.'
assert_contains "$OUT" '<li><a href="/patients">Patients</a></li>'
# Other page forms refuse a multipart body (no CSRF token can be read).
http POST /patients "$(multipart B0undary "name=x")" 'Content-Type: multipart/form-data; boundary=B0undary'
expect_status 403
