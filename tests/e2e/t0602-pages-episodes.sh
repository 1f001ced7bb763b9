#!/usr/bin/env bash
# Opening an episode through the pages: the protocol chooser (suggested by
# the referral's codes; a protocol the therapist is not trained in shows
# the trained colleagues to refer to), the red-flag screen (every question
# answered; any yes refers to a physician), refusals that open nothing,
# the episode's page, and discharge.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

page_clinic
expect_ok ts practitioner add --name "Synthetic Therapist B" --license LMT-B2 --credentials LMT; PB=$OUT
for p in $PA $PB; do
  expect_ok ts training add --practitioner "$p" --protocol stress-management-full-body --hours 150 --completed 2020-01-10
done
expect_ok ts training add --practitioner "$PA" --protocol low-back-pain --hours 24 --completed 2021-03-01
expect_ok ts training add --practitioner "$PB" --protocol migraine --hours 40 --completed 2021-03-01
patient_alpha
expect_ok ts referral add --patient "$PT" --physician "Synthetic Physician" --specialty "Family medicine" --reason "Low back pain" --icd10 M54.50 --date 2026-05-20; REF=$OUT
add_user therapist-a@clinic.example therapist "$PA"
add_user admin@clinic.example admin
# The therapist sees the patient once it is theirs: an admin's episode
# would do; here the therapist registers their own patient.
page_login therapist-a@clinic.example
post /patients "name=Synthetic+Patient+Gamma&dob=1980-01-02&sex=male&consent-treatment=1&physician=Synthetic+Physician&specialty=Neurology&icd10=M54.50&reason=Back+pain&date=2026-06-01"
expect_location '^/patients/[0-9]+'
P=$(header Location | sed -E 's|^/patients/([0-9]+).*|\1|')
R=$(sql "SELECT id FROM referral WHERE patient_id = $P")

# The chooser: the referral's protocol first; trained ones open, others
# name who to refer to.
page "/patients/$P/episodes/new"
assert_contains "$OUT" '<h2>Indicated by the referral \(M54.50\)</h2>'
assert_contains "$OUT" "href=\"/patients/$P/episodes/new/low-back-pain\">Screen and open</a>"
grep -q "href=\"/patients/$P/episodes/new/migraine\"" <<<"$OUT" && fail "an untrained protocol can be opened"
migraine_row=$(grep -A3 'href="/protocols/migraine"' <<<"$OUT" | tr '\n' ' ')
assert_contains "$migraine_row" 'Not trained. <strong>Refer to</strong> Synthetic Therapist B'
tmj_row=$(grep -A3 'href="/protocols/tmj-disorder"' <<<"$OUT" | tr '\n' ' ')
assert_contains "$tmj_row" 'Refer outside the clinic'
page "/patients/$P/episodes/new?q=migraine"
assert_contains "$OUT" 'Migraine'
grep -q 'Chronic low back pain' <<<"$OUT" && fail "the search kept a protocol it does not match"

# Going to an untrained protocol's screen directly: the referral, no form.
page "/patients/$P/episodes/new/migraine"
assert_contains "$OUT" '<h1>Refer to a trained colleague</h1>'
assert_contains "$OUT" 'Synthetic Therapist B'
grep -q 'action="/patients/[0-9]*/episodes"' <<<"$OUT" && fail "a screen form for an untrained protocol"
page "/patients/$P/episodes/new/no-such-protocol" 404

# The screen of a protocol the therapist delivers.
page "/patients/$P/episodes/new/low-back-pain"
flags=$(grep -oE 'name="rf-[a-z0-9-]+" value="no"' <<<"$OUT" | sed -E 's/name="(rf-[a-z0-9-]+)".*/\1/')
nflags=$(wc -l <<<"$flags")
[ "$nflags" -ge 3 ] || fail "expected the red-flag questions, found $nflags"
assert_contains "$OUT" "<option value=\"$R\" selected>"
assert_contains "$OUT" 'value="M54.50"'
answers_no=$(for f in $flags; do printf '&%s=no' "$f"; done)
first=$(head -1 <<<"$flags")
base="protocol=low-back-pain&icd10=M54.50&start=2026-06-10&referral=$R&chronicity-weeks=30&comorbidities=1"

before=$(db_digest)
# A question left unanswered: asked again, answers kept.
post "/patients/$P/episodes" "$base${answers_no/&$first=no/}"
expect_status 422
valid_html "screen with a question unanswered"
assert_contains "$OUT" 'id="e-red-flag"'
assert_contains "$OUT" "Answer every red-flag question \\($((nflags - 1)) of $nflags answered\\)"
second=$(sed -n 2p <<<"$flags")
assert_contains "$OUT" "name=\"$second\" value=\"no\" checked"
# A field the record refuses: beside it.
post "/patients/$P/episodes" "${base/start=2026-06-10/start=2027-01-01}$answers_no"
expect_status 422
assert_contains "$OUT" 'id="e-start"'
post "/patients/$P/episodes" "${base/chronicity-weeks=30/chronicity-weeks=lots}$answers_no"
expect_status 422
assert_contains "$OUT" 'id="e-chronicity-weeks"'
assert_eq "$(db_digest)" "$before" "database after refused screens"

# A yes refers to a physician: nothing opens; the refusal is on file.
post "/patients/$P/episodes" "$base${answers_no/$first=no/$first=yes}"
expect_status 422
valid_html "red-flag refusal"
assert_contains "$OUT" '<h1>Refer to a physician first</h1>'
assert_contains "$OUT" 'Referral note: at screening for Chronic low back pain'
assert_eq "$(sql "SELECT count(*) FROM episode WHERE patient_id = $P")" 0
assert_eq "$(sql "SELECT count(*) FROM episode_refusal WHERE patient_id = $P")" 1

# An untrained protocol, posted anyway: refused by the record's scope rule.
post "/patients/$P/episodes" "protocol=migraine&icd10=G43.009&start=2026-06-10&red-flag=x"
expect_status 422
assert_contains "$OUT" '<h1>Refer to a trained colleague</h1>'
assert_contains "$OUT" 'Trained colleagues to refer to:'
assert_eq "$(sql "SELECT count(*) FROM episode WHERE patient_id = $P")" 0

# Every answer no: the episode opens, and the page redirects to it.
post "/patients/$P/episodes" "$base$answers_no"
expect_location '^/episodes/[0-9]+\?done=opened$'
E=$(header Location | sed -E 's|^/episodes/([0-9]+).*|\1|')
assert_eq "$(sql "SELECT practitioner_id, protocol_id, icd10, started_on, referral_id, chronicity_weeks, comorbidities FROM episode WHERE id = $E")" \
  "$PA|low-back-pain|M54.50|2026-06-10|$R|30|1"
page "/episodes/$E?done=opened"
assert_contains "$OUT" 'The episode is open.'
assert_contains "$OUT" '<code>M54.50</code> Low back pain, unspecified'
assert_contains "$OUT" "href=\"/episodes/$E/sessions/new\">Start a session</a>"
page "/patients/$P"
assert_contains "$OUT" "<a href=\"/episodes/$E\">Chronic low back pain</a>"
page /
assert_contains "$OUT" "<a href=\"/episodes/$E\">Synthetic Patient Gamma</a>"

# Discharge: a date before the start is refused beside the field.
post "/episodes/$E/close" "end=2026-06-01"
expect_status 422
valid_html "refused discharge"
assert_contains "$OUT" 'id="e-end"'
assert_contains "$OUT" 'value="2026-06-01"'
assert_eq "$(sql "SELECT ended_on IS NULL FROM episode WHERE id = $E")" 1
post "/episodes/$E/close" "end=2026-06-28"
expect_location "^/episodes/$E\\?done=closed$"
assert_eq "$(sql "SELECT ended_on FROM episode WHERE id = $E")" 2026-06-28
page "/episodes/$E"
assert_contains "$OUT" 'Follow-ups after discharge: 24h \(2026-06-29\), 4w \(2026-07-26\)'
grep -q 'Start a session' <<<"$OUT" && fail "a closed episode offers a session"
page "/episodes/$E/sessions/new" 409

# An admin opens in a trained therapist's name, chosen in the form.
page_login admin@clinic.example
page "/patients/$PT/episodes/new/low-back-pain"
assert_contains "$OUT" "<option value=\"$PA\">Synthetic Therapist A \\(trained\\)</option>"
assert_contains "$OUT" "<option value=\"$PB\">Synthetic Therapist B \\(not trained\\)</option>"
post "/patients/$PT/episodes" "protocol=low-back-pain&icd10=M54.50&start=2026-06-10&referral=$REF$answers_no"
expect_status 422
assert_contains "$OUT" 'id="e-practitioner"'
post "/patients/$PT/episodes" "practitioner=$PB&protocol=low-back-pain&icd10=M54.50&start=2026-06-10&referral=$REF$answers_no"
expect_status 422
assert_contains "$OUT" 'Refer to a trained colleague'
post "/patients/$PT/episodes" "practitioner=$PA&protocol=low-back-pain&icd10=M54.50&start=2026-06-10&referral=$REF$answers_no"
expect_location '^/episodes/[0-9]+\?done=opened$'
