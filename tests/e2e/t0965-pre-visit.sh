#!/usr/bin/env bash
# Answers before a visit (timepoint pre), through the real server and the
# patient's page: `invite --timepoint pre [--on DATE]` makes a link open on
# the visit's day; answers given before the session is recorded are held
# with the invitation (audited by the link, listed as "held"), and become
# observations (timepoint pre, source patient, observed when answered) of
# the session of that day when the therapist records it, in the session's
# transaction; answers given when the day's session exists already name it
# at once. A session of another day takes nothing; a held answer that
# meets no session stays listed. Refusals change nothing.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

answer_clinic "Synthetic Previsit Clinic"
for who in "Robin Canarysurname" "Kim Vellichor" "Lee Brontavish"; do
  expect_ok ts patient add --name "$who" --dob 1975-04-12 --sex female
  expect_ok ts episode open --patient "$OUT" --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-06-01 --screen "$TMP/clear.json"
done
expect_ok ts observe --episode 1 --instrument nprs --timepoint baseline --at 2026-06-01T10:00:00Z --value 7
expect_ok ts episode close 3 --end 2026-06-20

export TOUCHSTONE_NOW=2026-06-30T08:00:00Z
# --- refusals change nothing ---
expect_refused 2 'on: 2026-06-29 is past' ts invite --episode 1 --timepoint pre --on 2026-06-29 --channel print
expect_refused 2 'on: ' ts invite --episode 1 --timepoint pre --on 2026-13-01 --channel print
expect_refused 2 'on: .*more than 90 days ahead' ts invite --episode 1 --timepoint pre --on 2026-12-31 --channel print
expect_refused 2 'on: .*only with timepoint pre' ts invite --episode 1 --timepoint baseline --on 2026-06-30 --channel print
expect_refused 2 'episode 3 has ended' ts invite --episode 3 --timepoint pre --channel print
assert_eq "$(sql 'SELECT count(*) FROM invitation')" 0 "no invitation after refusals"

# token_of: the token of the printed link in $OUT (JSON).
token_of() { local link; link=$(json this.link); echo "${link##*/r/}"; }
expect_ok ts --json invite --episode 1 --timepoint pre --channel print
inv1=$(json this.id); tok1=$(token_of)
assert_eq "$(json this.opens_at)" 2026-06-30T00:00:00Z "opens at the visit day's start"
assert_eq "$(json this.expires_at)" 2026-07-01T00:00:00Z "expires at its end"
assert_eq "$(json this.visit_on)" 2026-06-30 "the visit's day"
expect_refused 2 'still open' ts invite --episode 1 --timepoint pre --channel print
expect_ok ts --json invite --episode 1 --timepoint pre --on 2026-07-02 --channel print
inv_later=$(json this.id); tok_later=$(token_of)
assert_eq "$(json this.opens_at)" 2026-07-02T00:00:00Z "a later visit's day"
expect_ok ts --json invite --episode 2 --timepoint pre --channel print
inv2=$(json this.id); tok2=$(token_of)

# Episode 2's session of today is recorded already (07:00); episode 1 has
# one of yesterday only.
expect_ok ts session add --episode 2 --start 2026-06-30T07:00:00Z --minutes 45
s2=$OUT
expect_ok ts session add --episode 1 --start 2026-06-29T10:00:00Z --minutes 45
s1_yesterday=$OUT

serve_start
get() {
  STATUS=$(curl -sS -o "$TMP/body" -w '%{http_code}' "${URL%/}$1"); OUT=$(cat "$TMP/body")
}
post_form() {
  STATUS=$(curl -sS -o "$TMP/body" -w '%{http_code}' -H "$FORM" --data "$2" "${URL%/}$1"); OUT=$(cat "$TMP/body")
}
get "/r/$tok_later"
assert_eq "$STATUS" 410 "a link of a later visit's day"
assert_contains "$OUT" 'Not open yet: the questions open on 2026-07-02'
get "/r/$tok1"
assert_eq "$STATUS" 200 "the page of the pre-visit link"
assert_contains "$OUT" 'Hello Robin'
for canary in Canarysurname Canarytherapist M54 low-back-pain; do
  grep -qiF "$canary" <<<"$OUT" && fail "the patient's page shows '$canary'"
done
before=$(db_digest)
post_form "/r/$tok1" 'nprs-item-1=11&psfs-item-1=3&psfs-item-2=4&psfs-item-3=5'
assert_eq "$STATUS" 422 "an out-of-range answer"
post_form "/r/$tok1" 'nprs-item-1=6&psfs-item-1=3&psfs-item-2=4'
assert_eq "$STATUS" 422 "an activity left unrated"
assert_eq "$(db_digest)" "$before" "refused answers change nothing"

# Good answers before the session is recorded: held.
post_form "/r/$tok1" 'nprs-item-1=6&psfs-item-1=3&psfs-item-2=4&psfs-item-3=5'
assert_eq "$STATUS" 200 "good answers"
assert_contains "$OUT" 'Thank you, Robin'
assert_eq "$(sql "SELECT count(*) FROM observation WHERE source = 'patient'")" 0 "no observation before the session"
assert_eq "$(sql "SELECT instrument || '|' || ifnull(items, '-') || '|' || ifnull(value, '-') || '|' || answered_at || '|' || ifnull(observation_id, '-') FROM held_answer WHERE invitation_id = $inv1 ORDER BY instrument")" \
"nprs|-|6.0|2026-06-30T08:00:00Z|-
psfs|[3.0,4.0,5.0]|-|2026-06-30T08:00:00Z|-" "the held answers"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE actor = 'link $inv1' AND action = 'create' AND record_type = 'held_answer' AND patient_id = 1 AND user_id IS NULL")" 2 "audited by the link"
[ -n "$(sql "SELECT used_at FROM invitation WHERE id = $inv1")" ] || fail "the link is not marked used"
before=$(db_digest)
post_form "/r/$tok1" 'nprs-item-1=2&psfs-item-1=9&psfs-item-2=9&psfs-item-3=9'
assert_eq "$STATUS" 410 "a second submission"
assert_eq "$(db_digest)" "$before" "a second submission changes nothing"

# Answers when the day's session exists already: its observations at once.
post_form "/r/$tok2" 'nprs-item-1=5&psfs-item-1=6&psfs-item-2=7&psfs-item-3=9'
assert_eq "$STATUS" 200 "episode 2's answers"
assert_eq "$(sql "SELECT instrument || '|' || timepoint || '|' || source || '|' || session_id || '|' || invitation_id || '|' || observed_at || '|' || printf('%.6f', total) FROM observation WHERE episode_id = 2 ORDER BY instrument")" \
"nprs|pre|patient|$s2|$inv2|2026-06-30T08:00:00Z|5.000000
psfs|pre|patient|$s2|$inv2|2026-06-30T08:00:00Z|$(node -e 'console.log(((6+7+9)/3).toFixed(6))')" "bound at once"
assert_eq "$(sql "SELECT count(*) FROM held_answer WHERE invitation_id = $inv2")" 0 "nothing held for episode 2"
serve_stop

# The list shows the held answers.
expect_ok ts --json invite list --episode 1
assert_eq "$(json "this.find(i => i.id == $inv1).state")" held "state of the answered link"
assert_eq "$(json "this.find(i => i.id == $inv1).held_answers")" 2 "held answers listed"
assert_eq "$(json "this.find(i => i.id == $inv1).visit_on")" 2026-06-30 "visit day listed"
expect_ok ts invite list --episode 1
assert_contains "$OUT" "2 answers held for the session of 2026-06-30"

# A refused session records nothing and binds nothing.
export TOUCHSTONE_NOW=2026-06-30T12:00:00Z
expect_refused 2 'minutes' ts session add --episode 1 --start 2026-06-30T10:00:00Z --minutes 0
# The therapist records the session of the visit's day: the held answers
# become its observations, in the same transaction.
expect_ok ts session add --episode 1 --start 2026-06-30T10:00:00Z --minutes 45
s1=$OUT
[ "$s1" != "$s1_yesterday" ] || fail "a new session"
assert_eq "$(sql "SELECT instrument || '|' || timepoint || '|' || source || '|' || session_id || '|' || invitation_id || '|' || observed_at || '|' || printf('%.6f', total) || '|' || ifnull(items, '-') FROM observation WHERE episode_id = 1 AND source = 'patient' ORDER BY instrument")" \
"nprs|pre|patient|$s1|$inv1|2026-06-30T08:00:00Z|6.000000|-
psfs|pre|patient|$s1|$inv1|2026-06-30T08:00:00Z|$(node -e 'console.log(((3+4+5)/3).toFixed(6))')|[3,4,5]" "the held answers bound to the session"
assert_eq "$(sql "SELECT count(*) FROM held_answer h JOIN observation o ON o.id = h.observation_id WHERE h.invitation_id = $inv1 AND o.instrument = h.instrument")" 2 "each held answer names its observation"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE actor = 'link $inv1' AND action = 'create' AND record_type = 'observation'")" 2 "the observations are the link's"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE actor = 'cli' AND action = 'update' AND record_type = 'held_answer'")" 2 "the binding is audited"
expect_ok ts --json invite list --episode 1
assert_eq "$(json "this.find(i => i.id == $inv1).state")" used "nothing held any more"
# A second session of the same day takes nothing more.
expect_ok ts session add --episode 1 --start 2026-06-30T11:00:00Z --minutes 30
assert_eq "$(sql "SELECT count(*) FROM observation WHERE episode_id = 1 AND source = 'patient'")" 2 "bound once"
expect_ok ts audit verify

# A held answer that never meets a session stays listed.
export TOUCHSTONE_NOW=2026-07-02T09:00:00Z
serve_start
post_form "/r/$tok_later" 'nprs-item-1=3&psfs-item-1=7&psfs-item-2=7&psfs-item-3=8'
assert_eq "$STATUS" 200 "the later visit's answers"
serve_stop
export TOUCHSTONE_NOW=2026-07-20T09:00:00Z
expect_ok ts --json invite list --episode 1
assert_eq "$(json "this.find(i => i.id == $inv_later).state")" held "still held after its day"
assert_eq "$(json "this.find(i => i.id == $inv_later).held_answers")" 2 "still listed"
# Recorded late, the session of that day still takes them.
expect_ok ts session add --episode 1 --start 2026-07-02T10:00:00Z --minutes 45
assert_eq "$(sql "SELECT count(*) FROM observation WHERE invitation_id = $inv_later AND session_id = $OUT AND timepoint = 'pre'")" 2 "bound when recorded late"
# The clinic's form (POST /episodes/{id}/invitations, as the follow-ups
# page's buttons send it) makes a pre-visit link for a day too; a past day
# is refused and changes nothing.
add_user ada@example.org therapist 1
page_login ada@example.org
before=$(db_digest)
post /episodes/1/invitations "timepoint=pre&channel=print&on=2026-07-19"
assert_eq "$STATUS" 422 "a past visit day through the form"
assert_contains "$OUT" 'is past'
assert_eq "$(db_digest)" "$before" "a refused form changes nothing"
post /episodes/1/invitations "timepoint=pre&channel=print&on=2026-07-24"
assert_eq "$STATUS" 303 "a pre-visit link through the form"
assert_eq "$(sql "SELECT timepoint || '|' || visit_on || '|' || opens_at || '|' || expires_at FROM invitation ORDER BY id DESC LIMIT 1")"   "pre|2026-07-24|2026-07-24T00:00:00Z|2026-07-25T00:00:00Z" "the form's invitation"
echo "ok t0965-pre-visit"
