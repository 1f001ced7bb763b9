#!/usr/bin/env bash
# The registry's public directory, end to end: two synthetic clinics push,
# set their public place, record their practitioners' consents and send
# their signed listings; certificates are written into the registry's
# tables here (their issuing is tested on its own). The directory (HTML,
# JSON, FHIR) then shows exactly the practitioners who consented to the
# registry and to the directory and hold a current certificate, searched by
# protocol and state or 3-digit ZIP; nothing of any patient (a canary's and
# every demo patient's identifiers); a revoked, expired or suspended one
# disappears at the next request; the listing's refusals change nothing.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

registry_on_pg

at() { local name=$1; shift; "$TOUCHSTONE" --db "$TMP/$name.db" "$@"; }

expect_ok at A demo --seed 3 --practitioners 3 --patients 40
expect_ok at B demo --seed 5 --practitioners 2 --patients 30

# The canary, in clinic A, treated by practitioner 1 (who will be listed).
canary_episode 97214
expect_ok at A session add --episode "$ep" --start 2026-01-12T10:00Z --minutes 60 \
  --phase introductory:10 --phase kneading:40 --phase circulatory:10 --note "QuorvalynNoteText"
session=$OUT
expect_ok at A observe --episode "$ep" --session "$session" --instrument nprs --timepoint post \
  --at 2026-01-12T11:02Z --value 2
expect_ok at A episode close "$ep" --end 2026-01-19

# Consents: A's 1 and 2 to the registry, 3 not (a pseudonym); B's 1.
for p in 1 2; do expect_ok at A practitioner consent "$p" --registry yes; done
expect_ok at A practitioner consent 3 --registry no
expect_ok at B practitioner consent 1 --registry yes

# Being listed needs the registry's consent, and says so.
before=$(db_digest A.db)
rc=0; at A practitioner consent 3 --directory yes 2> err.txt || rc=$?
[ $rc -ne 0 ] || fail "directory consent without registry consent was accepted"
grep -q "directory: practitioner 3 has not consented to the registry" err.txt || fail "unclear refusal: $(cat err.txt)"
grep -q -- "--registry yes" err.txt || fail "the refusal does not say how: $(cat err.txt)"
assert_eq "$(db_digest A.db)" "$before" "a refused consent changes nothing"
rc=0; at A practitioner consent 1 --directory maybe 2> err.txt || rc=$?
assert_eq "$rc" 2 "a bad --directory value"
grep -q "directory: 'maybe' is not one of yes, no" err.txt || fail "$(cat err.txt)"
rc=0; at A clinic set --state Oregon 2> err.txt || rc=$?
assert_eq "$rc" 2 "a bad state"
grep -q "state: must be a state's two letters" err.txt || fail "$(cat err.txt)"
rc=0; at A clinic set --zip3 9721 2> err.txt || rc=$?
assert_eq "$rc" 2 "a bad zip3"
# Sending a listing before enrolling is refused, clearly.
rc=0; at A registry directory 2> err.txt || rc=$?
[ $rc -ne 0 ] || fail "a listing without a registry was sent"
grep -q "registry enroll" err.txt || fail "$(cat err.txt)"

# Enrol, approve, push.
declare -A CLINIC
for name in A B; do
  enroll_approved at "$name"
  CLINIC[$name]=$CLINIC_ID
  expect_ok at "$name" push --json
done

# Places and listings.
expect_ok at A clinic set --state or --zip3 972 --json
assert_eq "$(json 'this.state + this.zip3')" "OR972" "A's place"
expect_ok at B clinic set --state WA --zip3 981
expect_ok at A practitioner consent 1 --directory yes --json
assert_eq "$(json 'this.directory_consent')" true "A1 listed"
a1_name=$(json 'this.display_name')
assert_eq "$a1_name" "$(sqlite3 A.db "SELECT name || ', ' || credentials FROM practitioner WHERE id = 1")" "the default display name"
expect_ok at B practitioner consent 1 --directory yes --display-name "Synthetic Bea Example, LMT"
b1_name="Synthetic Bea Example, LMT"
# The clinic sees both consents on the practitioner.
expect_ok at B practitioner show 1
assert_contains "$OUT" '  registry     matched by NPI or license \(consented\)'
assert_contains "$OUT" "  directory    listed as \"$b1_name\""
expect_ok at B --json practitioner show 1
assert_eq "$(json 'this.registry_consent + " " + this.directory_consent + " " + this.directory_name')" "true true $b1_name" "B1's consents"
expect_ok at A registry directory --json
assert_eq "$(json 'this.listed')" 1 "A lists one practitioner"
expect_ok at B registry directory --json
assert_eq "$(json 'this.listed')" 1 "B lists one practitioner"
# Each consent and each listing is in the clinic's audit log.
assert_eq "$(sqlite3 A.db "SELECT count(*) FROM audit WHERE record_type = 'registry_directory' AND action = 'update'")" 1 "A's listing audited"
assert_eq "$(sqlite3 A.db "SELECT count(*) FROM audit WHERE record_type = 'clinic' AND action = 'update'")" 1 "A's place audited"
assert_eq "$(psql_value "SELECT state || zip3 FROM registry_clinic WHERE id = ${CLINIC[A]}")" "OR972" "A's place at the registry"
assert_eq "$(psql_value "SELECT string_agg(display_name, '|' ORDER BY display_name) FROM registry_listing")" \
  "$a1_name|$b1_name" "the registry's listings"

# Certificates, written as issued: a key, a leaf and the document.
psql "$TOUCHSTONE_PG" -XAtq -c "INSERT INTO registry_key (id, public_key) SELECT substr(encode(sha256(decode(public_key, 'base64')), 'hex'), 1, 16), public_key FROM registry_meta ON CONFLICT DO NOTHING" >/dev/null
# ref NAME LOCAL_ID: the clinic's pseudonym of its practitioner.
ref() { sqlite3 "$1.db" "SELECT pseudonym FROM registry_pseudonym WHERE kind = 'practitioner' AND local_id = $2"; }
LEAF=0
# cert NAME LOCAL_ID PROTOCOL INSTRUMENT EXPIRES(SQL interval from now): CERT
cert() {
  local clinic=${CLINIC[$1]} r; r=$(ref "$1" "$2")
  [ -n "$r" ] || fail "practitioner $1/$2 was not pushed"
  local doc
  doc=$(printf '{"certificate":{"protocol":"%s","instrument":"%s","designation":"above"},"transparency":{"leaf_index":%d}}' "$3" "$4" "$LEAF")
  CERT=$(psql "$TOUCHSTONE_PG" -XAtq -v ON_ERROR_STOP=1 <<SQL
INSERT INTO registry_log_leaf (leaf_index, kind, leaf, leaf_hash)
  VALUES ($LEAF, 'certificate', convert_to('$doc', 'UTF8'), sha256(convert_to('$doc', 'UTF8')));
INSERT INTO registry_certificate (practitioner_id, clinic_id, protocol, instrument, designation,
  issued_at, expires_at, leaf_index, key_id, document)
  SELECT r.practitioner_id, $clinic, '$3', '$4', 'above', now() - interval '1 day', now() + interval '$5',
    $LEAF, (SELECT id FROM registry_key LIMIT 1), '$doc'
  FROM registry_practitioner_ref r WHERE r.clinic_id = $clinic AND r.ref = '$r'
  RETURNING id;
SQL
)
  [ -n "$CERT" ] || fail "no certificate written for $1/$2"
  LEAF=$((LEAF + 1))
}
cert A 1 low-back-pain nprs '1 year'; A1=$CERT
cert A 1 neck-pain psfs '1 year'; A1b=$CERT
cert A 2 low-back-pain nprs '1 year'; A2=$CERT      # not listed
cert A 3 low-back-pain nprs '1 year'; A3=$CERT      # a pseudonym
cert B 1 low-back-pain nprs '-1 second'; B1old=$CERT # expired
cert B 1 low-back-pain odi '1 year'; B1=$CERT

get() { # get PATH FILE: STATUS
  STATUS=$(curl -s -o "$2" -w '%{http_code}' "$REG_URL$1")
}
# names FILE: the therapists' names of a JSON answer, sorted, one a line.
names() { jq -r '.therapists[].name' "$1" | sort; }

get "/directory.json?protocol=low-back-pain&state=OR" lbp-or.json
assert_eq "$STATUS" 200 "directory.json"
assert_eq "$(names lbp-or.json)" "$a1_name" "low back pain in Oregon"
assert_eq "$(jq -r '.therapists[0] | [.certificate.id, .certificate.leaf_index, .instrument, .state, .zip3] | @tsv' lbp-or.json)" \
  "$A1	0	nprs	OR	972" "A1's entry"
get "/directory.json?protocol=low-back-pain&zip3=981" lbp-981.json
assert_eq "$(names lbp-981.json)" "$b1_name" "low back pain at 981 (the expired one gone)"
assert_eq "$(jq -r '[.therapists[].certificate.id] | join(",")' lbp-981.json)" "$B1" "only B1's current certificate"
get "/directory.json?protocol=low-back-pain" lbp.json
assert_eq "$(names lbp.json | tr '\n' '|')" "$(printf '%s\n%s\n' "$a1_name" "$b1_name" | sort | tr '\n' '|')" "low back pain anywhere"
get "/directory.json?protocol=neck-pain&state=or" neck.json
assert_eq "$(jq -r '[.count, .therapists[0].certificate.id] | @tsv' neck.json)" "1	$A1b" "neck pain, state in lower case"
get "/directory.json?protocol=neck-pain&state=WA" none.json
assert_eq "$(jq -r .count none.json)" 0 "no neck pain in Washington"
# Neither the unlisted nor the pseudonymous practitioner, whatever the search.
get "/directory.json" all.json
for c in "$A2" "$A3" "$B1old"; do
  [ "$(jq "[.therapists[] | select(.certificate.id == $c)] | length" all.json)" = 0 ] || fail "certificate $c is shown"
done
assert_eq "$(jq -r .count all.json)" 3 "three current listed designations"

# The HTML page: the form, the results, the links.
get "/directory?protocol=low-back-pain&state=OR" page.html
assert_eq "$STATUS" 200 "the page"
grep -qF "$(jq -rn --arg s "$a1_name" '$s | @html')" page.html || fail "A1 not on the page"
grep -q "href=\"/directory/certificate/$A1.json\"" page.html || fail "no download link"
grep -q '<label for="protocol">' page.html || fail "the protocol has no label"
! grep -qi "<script" page.html || fail "the page has script"
node "$ROOT/tests/tools/htmlcheck.js" page.html || fail "the directory's page is not valid HTML"
grep -q "1 therapist designation found" page.html || fail "no count"
get "/directory/certificate/$A1.json" cert.json
assert_eq "$STATUS" 200 "download"
assert_eq "$(jq -c .transparency cert.json)" '{"leaf_index":0}' "the document as issued"
get "/directory/certificate/$A2.json" nope.json
assert_eq "$STATUS" 404 "an unlisted practitioner's certificate is not served"
get "/assets/registry.css" style.css
assert_eq "$STATUS" 200 "the style sheet"

# FHIR: a searchset of PractitionerRole, valid by both validators.
get "/fhir/r4/PractitionerRole?specialty=low-back-pain&location.address-state=OR" fhir.json
assert_eq "$STATUS" 200 "FHIR search"
assert_eq "$(jq -r '[.resourceType, .type, .total, .entry[0].resource.resourceType, .entry[0].resource.practitioner.display, .entry[0].resource.specialty[0].coding[0].code, .entry[0].resource.contained[0].address.state] | @tsv' fhir.json)" \
  "Bundle	searchset	1	PractitionerRole	$a1_name	low-back-pain	OR" "the FHIR bundle"
get "/fhir/r4/PractitionerRole" fhir-all.json
node "$ROOT/tests/fhir/validate.js" --server-refs fhir.json fhir-all.json > fhir.out || fail "FHIR invalid: $(cat fhir.out)"
get "/fhir/r4/PractitionerRole?specialty=Low%20Back" fhir-bad.json
assert_eq "$STATUS" 400 "a bad specialty"
assert_eq "$(jq -r '.resourceType + " " + (.issue[0].details.text | startswith("specialty:") | tostring)' fhir-bad.json)" "OperationOutcome true" "named"

# Bad searches: 400 naming the parameter.
get "/directory.json?state=Oregon" bad.json
assert_eq "$STATUS" 400 "a bad state"
assert_eq "$(jq -r .error.field bad.json)" state "the field"
get "/directory.json?zip=972" bad.json
assert_eq "$(jq -r .error.field bad.json)" zip "an unknown parameter"
get "/directory?zip3=97" bad.html
assert_eq "$STATUS" 400 "the page refuses a bad ZIP"
grep -q 'role="alert"' bad.html || fail "the page shows no error"
node "$ROOT/tests/tools/htmlcheck.js" bad.html || fail "the refusal page is not valid HTML"

# Nothing of any patient: the canary, and every patient of both clinics.
get "/directory" empty.html
node "$ROOT/tests/tools/htmlcheck.js" empty.html || fail "the empty search is not valid HTML"
for needle in Quorvalyn Thistlewaite 1934-03-17 555-0199 quorvalyn.canary mail.invalid 97214 QuorvalynNoteText; do
  for f in all.json page.html fhir-all.json cert.json; do
    ! grep -qiwF -- "$needle" "$f" || fail "canary '$needle' in $f"
  done
done
for name in A B; do
  sqlite3 "$name.db" "SELECT name FROM patient UNION SELECT email FROM patient WHERE email IS NOT NULL UNION SELECT phone FROM patient WHERE phone IS NOT NULL"
done > patients.txt
[ "$(wc -l < patients.txt)" -gt 60 ] || fail "too few patient identifiers to look for"
# The directory shows the practitioners' names, which the synthetic name
# pools share with patients ("Juniper Figmont" may be both): those names
# are taken out before looking.
cat all.json fhir-all.json page.html |
  python3 -c 'import sys; t = sys.stdin.read()
for n in sys.argv[1:]: t = t.replace(n, "")
sys.stdout.write(t)' "${a1_name% (synthetic), LMT}" "${b1_name%, LMT}" > shown.txt
! grep -qiwF -f patients.txt shown.txt || fail "a patient's identifier is in the directory: $(grep -oiwF -f patients.txt shown.txt | head -1)"

# Revoked: gone at the next request, from every form, and not served.
psql_value "UPDATE registry_certificate SET revoked_at = now(), revoked_reason = 'test revocation' WHERE id = $A1" >/dev/null
get "/directory.json?protocol=low-back-pain&state=OR" after.json
assert_eq "$(jq -r .count after.json)" 0 "revoked: gone from JSON"
get "/directory?protocol=low-back-pain&state=OR" after.html
! grep -q "certificate-$A1\"" after.html || fail "revoked: still on the page"
get "/fhir/r4/PractitionerRole?specialty=low-back-pain&location.address-state=OR" after-fhir.json
assert_eq "$(jq -r .total after-fhir.json)" 0 "revoked: gone from FHIR"
get "/directory/certificate/$A1.json" gone.json
assert_eq "$STATUS" 404 "revoked: not served"
# The neck-pain designation of the same practitioner stays.
get "/directory.json?state=OR" or.json
assert_eq "$(jq -r '[.therapists[].certificate.id] | join(",")' or.json)" "$A1b" "A1's other designation stays"
# Expiring: gone once its time is over.
psql_value "UPDATE registry_certificate SET expires_at = now() - interval '1 second' WHERE id = $A1b" >/dev/null
get "/directory.json?state=OR" or.json
assert_eq "$(jq -r .count or.json)" 0 "expired: gone"

# Consent withdrawn at the clinic: gone with the next listing.
get "/directory.json?state=WA" wa.json
assert_eq "$(jq -r .count wa.json)" 1 "B1 in Washington"
expect_ok at B practitioner consent 1 --directory no
expect_ok at B practitioner show 1
assert_contains "$OUT" '  directory    not listed'
expect_ok at B --json practitioner show 1
assert_eq "$(json 'this.directory_consent')" false "B1 withdrawn"
expect_ok at B registry directory --json
assert_eq "$(json 'this.listed')" 0 "B lists nobody"
get "/directory.json?state=WA" wa.json
assert_eq "$(jq -r .count wa.json)" 0 "withdrawn: gone"
expect_ok at B practitioner consent 1 --directory yes --display-name "$b1_name"
expect_ok at B registry directory
get "/directory.json?state=WA" wa.json
assert_eq "$(jq -r .count wa.json)" 1 "listed again"
# A suspended clinic's practitioners leave the directory.
expect_ok ts registry clinic suspend "${CLINIC[B]}" --pg "$TOUCHSTONE_PG"
get "/directory.json?state=WA" wa.json
assert_eq "$(jq -r .count wa.json)" 0 "suspended: gone"
expect_ok ts registry clinic approve "${CLINIC[B]}" --pg "$TOUCHSTONE_PG"

# The listing's refusals, each leaving the registry unchanged. A listing
# made here and signed with A's key, naming the pseudonymous practitioner.
next=$(( $(sqlite3 A.db "SELECT directory_seq FROM registry_link") + 1 ))
a3=$(ref A 3)
printf '{"format":1,"clinic":%s,"seq":%d,"state":"OR","zip3":"972","practitioners":[{"ref":"%s","name":"Synthetic Pseudonym, LMT"}]}' \
  "${CLINIC[A]}" "$next" "$a3" > listing.json
sign_listing() { # sign_listing KEYNAME LISTING OUT
  local sig; sig=$("$TOUCHSTONE" registry test-sign --key "$TMP/$1.db.key" < "$2") || fail "test-sign"
  jq -c --arg s "$sig" '{listing: ., signature: $s}' "$2" > "$3"
}
before=$(registry_digest)
sign_listing B listing.json wrongkey.json
post /registry/v1/directory wrongkey.json
expect_http 401
assert_eq "$(jq -r .error.field <<<"$OUT")" signature "signed by another clinic"
sign_listing A listing.json body.json
jq -c '.listing.state = "WA"' body.json > tampered.json
post /registry/v1/directory tampered.json
expect_http 401
# resigned_refused EDIT NAME STATUS [FIELD WHAT]: the listing of body.json
# edited by the jq filter EDIT and signed again with A's key (NAME.json) is
# refused with STATUS, naming FIELD.
resigned_refused() {
  jq -c "$1 | .listing" body.json > l.json; sign_listing A l.json "$2.json"
  post /registry/v1/directory "$2.json"
  expect_http "$3"
  [ $# -lt 4 ] || assert_eq "$(jq -r .error.field <<<"$OUT")" "$4" "$5"
}
resigned_refused '.listing.seq = 1' replay 409 listing.seq "a replayed listing"
resigned_refused '.listing.practitioners[0].name = ""' empty 400 "listing.practitioners[0].name" "an empty name"
resigned_refused '.listing.zip3 = "97"' badzip 400 listing.zip3 "a bad zip3"
resigned_refused '.listing.extra = 1' extra 400 listing.extra "an unknown member"
resigned_refused '.listing.clinic = 999' unknown 403
printf 'not json' > junk.json
post /registry/v1/directory junk.json
expect_http 400
assert_eq "$(registry_digest)" "$before" "the refusals changed nothing"
# Accepted as signed, yet the pseudonymous practitioner is never shown:
# the registry lists only practitioners matched by consent.
post /registry/v1/directory body.json
expect_http 200
assert_eq "$(psql_value "SELECT count(*) FROM registry_listing WHERE ref = '$a3'")" 1 "listed"
get "/directory.json?protocol=low-back-pain" lbp.json
[ "$(jq "[.therapists[] | select(.certificate.id == $A3)] | length" lbp.json)" = 0 ] || fail "a practitioner without registry consent is shown"
get "/directory/certificate/$A3.json" nope.json
assert_eq "$STATUS" 404 "nor served"
post /registry/v1/directory body.json
expect_http 409

registry_stop
echo "ok t1050-registry-directory"
