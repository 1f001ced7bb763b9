#!/usr/bin/env bash
# The registry's public /verify page over HTTP, on a real registry: a
# certificate issued by 'registry certify' is checked uploaded
# (multipart/form-data) and pasted (multipart and urlencoded): valid, with
# what it states and the proof; changed by hand: tampered, saying what
# failed; the clinic's own attestation: not a registry certificate; not
# JSON: tampered; revoked by 'registry revoke': revoked. GET
# /verify?certificate=ID checks one the directory shows. Bad forms are a
# 400 that shows the form again; nothing is stored.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

registry_on_pg
expect_ok at demo
expect_ok at practitioner consent 1 --registry yes
enroll_approved at
clinic=$CLINIC_ID
expect_ok at push
expect_ok at registry certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/cert.json"
cert_id=$(jq -r .certificate.id cert.json)
name=$(jq -r .certificate.practitioner.name cert.json)

# verify ARGS...: POSTs to /verify with curl ARGS; STATUS and page.html.
verify() { STATUS=$(curl -s -o page.html -w '%{http_code}' "$@" "$REG_URL/verify"); }
has() { grep -q -- "$1" page.html || fail "${2:-page}: no '$1' in $(sed -n '/<main>/,$p' page.html | head -40)"; }
hasnt() { ! grep -q -- "$1" page.html || fail "${2:-page}: '$1' is there"; }

before=$(registry_digest)
verify -F "file=@cert.json;type=application/json"
assert_eq "$STATUS" 200 "upload"
has 'id="verdict-valid"' "uploaded"
has "$name" "the practitioner named"
has "Chronic low back pain" "the protocol named"
lic=$(jq -r .certificate.practitioner.license cert.json)
clinic_name=$(jq -r .certificate.clinic.name cert.json)
designation=$(jq -r .certificate.designation cert.json)
has "<strong>$name</strong> (license $lic) of $clinic_name holds the registry's <strong>$designation</strong> designation in Chronic low back pain, measured by " "the statement"
has "Log entry</dt><dd>0<" "the log entry"
has "holds it at that entry today" "the log today"
node "$ROOT/tests/tools/htmlcheck.js" page.html || fail "the verdict page is not valid HTML"
verify -F "certificate=<cert.json"
has 'id="verdict-valid"' "pasted, multipart"
verify --data-urlencode "certificate@cert.json"
has 'id="verdict-valid"' "pasted, urlencoded"

# Changed by hand: tampered, and why.
jq -c '.certificate.designation = "advanced"' cert.json > tampered.json
verify --data-urlencode "certificate@tampered.json"
assert_eq "$STATUS" 200 "a tampered certificate is an answer, not an error"
has 'id="verdict-tampered"' "tampered"
has 'id="why"' "what failed"
node "$ROOT/tests/tools/htmlcheck.js" page.html || fail "the tampered verdict is not valid HTML"
hasnt 'verdict-valid' "tampered"
# The transparency proof changed: tampered too.
jq -c '.transparency.leaf_index = 5' cert.json > moved.json
verify -F "file=@moved.json"
has 'id="verdict-tampered"' "a moved leaf"
printf 'not a certificate' > junk.txt
verify -F "file=@junk.txt"
has 'id="verdict-tampered"\|id="verdict-not-registry"' "junk"
hasnt 'verdict-valid' "junk"
# The clinic's own attestation is not a registry certificate.
expect_ok at certify --practitioner 1 --protocol low-back-pain --instrument nprs --out "$TMP/clinic-cert.json"
verify -F "file=@clinic-cert.json"
has 'id="verdict-not-registry"' "a clinic attestation"

# Bad forms: a 400 with the form again.
verify -F "file=@/dev/null"
assert_eq "$STATUS" 400 "an empty form"
has 'role="alert"' "the empty form"
has '<form method="post" action="/verify"' "the form again"
node "$ROOT/tests/tools/htmlcheck.js" page.html || fail "the refusal page is not valid HTML"
verify -H 'Content-Type: multipart/form-data; boundary=xyz' --data-binary 'garbage'
assert_eq "$STATUS" 400 "a malformed multipart body"
verify -H 'Content-Type: text/plain' --data-binary @cert.json
assert_eq "$STATUS" 400 "another media type"
STATUS=$(curl -s -o page.html -w '%{http_code}' -X DELETE "$REG_URL/verify")
assert_eq "$STATUS" 405 "DELETE"
assert_eq "$(registry_digest)" "$before" "checking stores nothing"

# From the directory: GET /verify?certificate=ID, once listed.
STATUS=$(curl -s -o page.html -w '%{http_code}' "$REG_URL/verify?certificate=$cert_id")
assert_eq "$STATUS" 400 "not listed yet"
expect_ok at clinic set --state OR --zip3 972
expect_ok at practitioner consent 1 --directory yes
expect_ok at registry directory
STATUS=$(curl -s -o page.html -w '%{http_code}' "$REG_URL/verify?certificate=$cert_id")
assert_eq "$STATUS" 200 "listed"
has 'id="verdict-valid"' "checked from the directory"
curl -s "$REG_URL/directory/certificate/$cert_id.json" | cmp - cert.json || fail "the directory's file is not the one issued"

# Revoked: the same file now says so.
expect_ok ts registry revoke --pg "$TOUCHSTONE_PG" --key "$TMP/registry.key" --certificate "$cert_id" --reason "synthetic revocation"
verify -F "file=@cert.json"
has 'id="verdict-revoked"' "revoked"
has "synthetic revocation" "the reason"
hasnt 'verdict-valid' "revoked"
STATUS=$(curl -s -o page.html -w '%{http_code}' "$REG_URL/verify?certificate=$cert_id")
assert_eq "$STATUS" 400 "a revoked one is not in the directory"

registry_stop
echo "ok t1051-registry-verify-page"
