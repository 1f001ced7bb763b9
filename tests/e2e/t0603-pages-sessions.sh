#!/usr/bin/env bash
# A session through the pages: the protocol's timed plan for the chosen
# length (the same plan as `touchstone plan`), the minutes of each phase
# (typed, as without JavaScript), the SOAP note, the fidelity preview that
# saves nothing, then saving and the redirect to the post-session scores.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

page_lbp_episode 2026-06-01
add_user therapist-a@clinic.example therapist "$PA"
page_login therapist-a@clinic.example

# The plan for 40 minutes, phase by phase, as the plan command makes it.
expect_ok ts --json plan --protocol low-back-pain --minutes 40
plan=$(json 'this.phases.map(p => p.name + ":" + p.minutes).join(" ")')
page "/episodes/$E/sessions/new?length=40"
for pm in $plan; do
  assert_contains "$OUT" "<tr data-phase=\"${pm%%:*}\" data-planned=\"${pm#*:}\">"
  assert_contains "$OUT" "name=\"phase-${pm%%:*}\" id=\"f-phase-${pm%%:*}\""
done
assert_contains "$OUT" '<h2>Plan for 40 minutes</h2>'
assert_contains "$OUT" '<input type="hidden" name="planned" value="40">'
assert_contains "$OUT" '<script src="/assets/app.js" defer></script>'
assert_contains "$OUT" '<div class="timer" id="timer" hidden>'
# A length the protocol does not allow: said beside the length field.
page "/episodes/$E/sessions/new?length=90"
assert_contains "$OUT" 'id="e-length">90 minutes is outside the 20-60 minutes of low-back-pain.'
grep -q 'Plan for' <<<"$OUT" && fail "a plan for a length the protocol refuses"

phases() { local out="" pm; for pm in "$@"; do out+="&phase-${pm%%:*}=${pm#*:}"; done; printf '%s' "$out"; }
soap="subjective=$(enc $'Pain 6/10\nworse in the morning')&objective=$(enc 'Tender L4-L5 paravertebrals')&assessment=Improving&plan=$(enc 'Twice a week <home stretches>')"
# shellcheck disable=SC2086
as_planned=$(phases $plan)
before=$(db_digest)

# The preview of a session delivered as planned: no findings, nothing saved.
post "/episodes/$E/sessions" "planned=40&start=2026-06-10T10:00&minutes=40$as_planned&$soap&action=preview"
expect_status 200
valid_html "session preview"
assert_contains "$OUT" 'Delivered as the protocol plans: no fidelity findings.'
assert_contains "$OUT" '<button type="submit" name="action" value="save">Save the session</button>'
assert_contains "$OUT" '>Twice a week &lt;home stretches&gt;</textarea>'
assert_contains "$OUT" '<textarea rows="4" name="subjective" id="f-subjective"[^>]*>Pain 6/10$'
assert_contains "$OUT" '^worse in the morning</textarea>$'
# Too little kneading: the preview says so (plan_check_fidelity).
post "/episodes/$E/sessions" "planned=40&start=2026-06-10T10:00&minutes=40&phase-introductory=10&phase-kneading=10&phase-friction=10&phase-trigger-point=4&phase-stretching=3&phase-circulatory=3&action=preview"
expect_status 200
assert_contains "$OUT" '<strong>Fidelity findings</strong>'
assert_contains "$OUT" 'kneading'
# Nothing recorded for the phases: one finding, still nothing saved.
post "/episodes/$E/sessions" "planned=40&start=2026-06-10T10:00&minutes=40&action=preview"
assert_contains "$OUT" 'no phases were recorded'
# Bad input is shown beside its field, the values kept.
post "/episodes/$E/sessions" "planned=40&start=2026-06-10T10:00&minutes=abc$as_planned&action=preview"
expect_status 422
valid_html "session refused for its length"
assert_contains "$OUT" 'id="e-minutes"'
assert_contains "$OUT" 'value="abc"'
post "/episodes/$E/sessions" "planned=40&start=2026-06-10T10:00&minutes=40${as_planned/phase-kneading=/phase-kneading=x}&action=preview"
expect_status 422
assert_contains "$OUT" 'id="e-phase"'
post "/episodes/$E/sessions" "planned=40&start=2027-06-10T10:00&minutes=40$as_planned&action=save"
expect_status 422
assert_contains "$OUT" 'id="e-start"'
assert_eq "$(db_digest)" "$before" "database after previews and refusals"

# Saving: the session with its phases and note, then the scores after it.
post "/episodes/$E/sessions" "planned=40&start=2026-06-10T10:00&minutes=40$as_planned&$soap&action=save"
expect_location "^/episodes/$E/scores/new\\?session=[0-9]+&timepoint=post&done=session$"
S=$(header Location | sed -E 's/.*session=([0-9]+).*/\1/')
assert_eq "$(sql "SELECT episode_id, started_at, minutes, assessment FROM session WHERE id = $S")" "$E|2026-06-10T10:00:00Z|40|Improving"
assert_eq "$(sql "SELECT subjective FROM session WHERE id = $S")" $'Pain 6/10\nworse in the morning'
assert_eq "$(sql "SELECT group_concat(name || ':' || minutes, ' ') FROM (SELECT * FROM session_phase WHERE session_id = $S ORDER BY position)")" "$plan"
assert_eq "$(sql "SELECT count(*) FROM session_finding WHERE session_id = $S")" 0
page "$(header Location)"
assert_contains "$OUT" 'The session is saved.'
assert_contains "$OUT" "<option value=\"$S\" selected>Session 1"

# A session saved with too little kneading keeps its finding on the episode.
post "/episodes/$E/sessions" "planned=40&start=2026-06-12T10:00&minutes=40&phase-introductory=10&phase-kneading=10&phase-friction=10&phase-trigger-point=4&phase-stretching=3&phase-circulatory=3&action=save"
expect_status 303
assert_eq "$(sql "SELECT count(*) FROM session_finding f JOIN session s ON s.id = f.session_id WHERE s.episode_id = $E AND f.code = 'kneading-under-half'")" 1
page "/episodes/$E"
assert_contains "$OUT" '<strong>Session 2</strong>'
assert_contains "$OUT" 'introductory 10 &rarr; kneading 10'
assert_contains "$OUT" '<ul class="findings">'
