#!/usr/bin/env bash
# Patients through the pages, as a browser without JavaScript: the intake
# form (demographics, a referral with ICD-10-CM codes, consents) with its
# CSRF token, errors shown beside the field with the input kept (escaped)
# and nothing saved, POST-redirect-GET, the list with search, a later
# referral, and the roles that may not.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

page_clinic
add_user therapist@clinic.example therapist "$PA"
add_user researcher@clinic.example researcher
page_login therapist@clinic.example

page /patients/new
assert_contains "$OUT" '<label for="f-dob">Date of birth</label>'
assert_contains "$OUT" '<input type="checkbox" value="1" name="consent-treatment" id="f-consent-treatment"'

referral="physician=$(enc 'Dr. Synthetic Physician')&specialty=$(enc 'Family medicine')&npi=1234567893&icd10=$(enc 'M54.50, G44.209')&reason=$(enc 'Low back pain for 3 months')&date=2026-06-01"
good="name=$(enc 'Synthetic <b>Patient</b> Alpha')&dob=1970-02-03&sex=female&zip=12345&phone=$(enc '555-0100')&email=&$referral&consent-treatment=1&consent-research=1"

# Refusals change nothing and show the problem beside the field, with
# every value typed kept (escaped).
before=$(db_digest)
post /patients "${good/dob=1970-02-03/dob=}"
expect_status 422
valid_html "intake refused for the date of birth"
assert_contains "$OUT" '<span class="field-error" id="e-dob">Missing.</span>'
assert_contains "$OUT" 'aria-describedby="e-dob" aria-invalid="true"'
assert_contains "$OUT" '<a href="#f-dob">Missing.</a>'
assert_contains "$OUT" 'value="Synthetic &lt;b&gt;Patient&lt;/b&gt; Alpha"'
assert_contains "$OUT" 'value="M54.50,G44.209"'
grep -q '<b>Patient' <<<"$OUT" && fail "unescaped input in the page"

post /patients "${good/M54.50%2C%20G44.209/54M}"
expect_status 422
valid_html "intake refused for the codes"
assert_contains "$OUT" 'id="e-icd10"'
assert_contains "$OUT" 'value="54M"'

post /patients "${good/&consent-treatment=1/}"
expect_status 422
assert_contains "$OUT" 'id="e-consent-treatment"'
assert_contains "$OUT" 'name="consent-research" id="f-consent-research"[^>]* checked>'
grep -q 'id="f-consent-treatment"[^>]*checked' <<<"$OUT" && fail "an unchecked box came back checked"

post /patients "${good/npi=1234567893/npi=1234567890}"
expect_status 422
assert_contains "$OUT" 'id="e-npi"'

post /patients "${good/sex=female/sex=robot}"
expect_status 422
assert_contains "$OUT" 'id="e-sex"'

post /patients "${good/date=2026-06-01/date=1960-01-01}"
expect_status 422
assert_contains "$OUT" 'id="e-date"'
assert_contains "$OUT" 'before the patient&#39;s birth'

# Without the form's token the write is refused.
http POST /patients "$good" "$FORM"
expect_status 403
# A token with its last character changed (to one it is not).
last=${FORM_CSRF: -1}; other=0; [ "$last" = 0 ] && other=1
http POST /patients "csrf=${FORM_CSRF%?}$other&$good" "$FORM"
expect_status 403
assert_eq "$(db_digest)" "$before" "database after refused intakes"

# The intake saves the patient and the referral, then redirects.
post /patients "$good"
expect_location '^/patients/[0-9]+\?done=intake$'
pid=$(header Location | sed -E 's|^/patients/([0-9]+).*|\1|')
assert_eq "$(sql "SELECT name, birth_date, sex, zip, consent_treatment, consent_research, created_by_practitioner FROM patient WHERE id = $pid")" \
  "Synthetic <b>Patient</b> Alpha|1970-02-03|female|12345|1|1|$PA"
assert_eq "$(sql "SELECT physician_name, physician_npi, icd10, referred_on FROM referral WHERE patient_id = $pid")" \
  "Dr. Synthetic Physician|1234567893|M54.50,G44.209|2026-06-01"
page "$(header Location)"
assert_contains "$OUT" '<p class="notice" role="status">The patient and the referral are saved.</p>'
assert_contains "$OUT" '<h1>Synthetic &lt;b&gt;Patient&lt;/b&gt; Alpha</h1>'
assert_contains "$OUT" '<code>M54.50</code> Low back pain, unspecified'
assert_contains "$OUT" "href=\"/patients/$pid/episodes/new\""

# Without a referral.
post /patients "name=$(enc 'Synthetic Patient Beta')&dob=1985-05-06&sex=male&consent-treatment=1"
expect_location '^/patients/[0-9]+\?done=patient$'
beta=$(header Location | sed -E 's|^/patients/([0-9]+).*|\1|')
assert_eq "$(sql "SELECT count(*) FROM referral WHERE patient_id = $beta")" 0

# The list, and its search.
page /patients
assert_contains "$OUT" "<a href=\"/patients/$pid\">Synthetic &lt;b&gt;Patient&lt;/b&gt; Alpha</a>"
assert_contains "$OUT" "<a href=\"/patients/$beta\">Synthetic Patient Beta</a>"
page "/patients?q=$(enc 'beta')"
assert_contains "$OUT" 'Synthetic Patient Beta'
grep -q 'Patient Alpha' <<<"$OUT" && fail "the search kept a patient it does not match"
assert_contains "$OUT" '1 patient matching &ldquo;beta&rdquo;'
page "/patients?q=$(enc '%')"
assert_contains "$OUT" '0 patients matching'

# A later referral, refused then saved.
page "/patients/$beta/referrals/new"
post "/patients/$beta/referrals" "physician=Dr.+Synthetic+Physician&specialty=Neurology&icd10=G44.209&reason=Headaches&date=2099-01-01"
expect_status 422
assert_contains "$OUT" 'id="e-date"'
post "/patients/$beta/referrals" "physician=Dr.+Synthetic+Physician&specialty=Neurology&icd10=G44.209&reason=Headaches&date=2026-06-10"
expect_location "^/patients/$beta\\?done=referral$"
assert_eq "$(sql "SELECT icd10 FROM referral WHERE patient_id = $beta")" G44.209

# A researcher may not; nobody logged in is sent to the login page.
page_login researcher@clinic.example
before=$(db_digest)
post /patients "$good"
expect_status 403
page "/patients/$pid" 403
assert_eq "$(db_digest)" "$before" "database after the researcher's attempt"
COOKIE=""
http POST /patients "$good" "$FORM"
expect_location '^/login$'
