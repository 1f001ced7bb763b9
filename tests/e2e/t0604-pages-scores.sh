#!/usr/bin/env bash
# Outcome scores through the pages: one form per instrument (item fields
# with their ranges), the total computed by the instrument's rule and shown
# before saving (a preview that saves nothing), errors beside the item,
# saving; the live total the script asks for; the follow-ups due.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

page_lbp_episode 2026-04-01
expect_ok ts session add --episode "$E" --start 2026-04-05T10:00:00Z --minutes 30 --phase introductory:4 --phase kneading:17 --phase friction:3 --phase trigger-point:2 --phase stretching:2 --phase circulatory:2; S=$OUT
add_user therapist-a@clinic.example therapist "$PA"
page_login therapist-a@clinic.example

# The form of the protocol's primary instrument, at baseline first.
page "/episodes/$E/scores/new"
assert_contains "$OUT" '<h1>Oswestry Disability Index 2.1a'
assert_contains "$OUT" '<option value="baseline" selected>'
for i in 1 5 10; do
  assert_contains "$OUT" "<label for=\"f-item-$i\">item $i</label>"
  assert_contains "$OUT" "<input type=\"number\" name=\"item-$i\" id=\"f-item-$i\" aria-describedby=\"h-item-$i\" min=\"0\" max=\"5\" step=\"1\""
done
page "/episodes/$E/scores/new?instrument=hit6&timepoint=pre"
assert_contains "$OUT" '<select name="item-1" id="f-item-1">'
assert_contains "$OUT" '<option value="13">13</option>'
assert_contains "$OUT" "<option value=\"$S\" selected>Session 1"
page "/episodes/$E/scores/new?instrument=nope" 404
page "/episodes/$E/scores/new?timepoint=later" 422

# ODI: sum / (5 x sections answered) x 100. The scoring source's own
# example: 16 points over 9 answered sections = 16 / 45 x 100 = 35.56.
items="item-1=3&item-2=2&item-3=1&item-4=2&item-5=0&item-6=2&item-7=3&item-8=1&item-9=2&item-10="
base="instrument=odi&timepoint=baseline&at=2026-04-01T09:00"
before=$(db_digest)
post "/episodes/$E/scores" "$base&$items&action=preview"
expect_status 200
valid_html "score preview"
assert_contains "$OUT" 'Total <output>35.56</output>'
assert_contains "$OUT" '1 item unanswered'
assert_contains "$OUT" 'value="save">Save the scores</button>'
assert_contains "$OUT" 'name="item-4" id="f-item-4"[^>]* value="2"'
# An item out of range: beside the item, values kept.
post "/episodes/$E/scores" "$base&${items/item-3=1/item-3=9}&action=preview"
expect_status 422
valid_html "score refused for an item"
assert_contains "$OUT" '<span class="field-error" id="e-item-3">'
assert_contains "$OUT" 'name="item-3" id="f-item-3"[^>]* value="9"'
# Too many sections missing (at most 2).
post "/episodes/$E/scores" "$base&item-1=3&item-2=2&item-3=1&item-4=2&item-5=0&item-6=2&item-7=3&action=save"
expect_status 422
assert_contains "$OUT" 'id="e-items"'
post "/episodes/$E/scores" "$base&${items/item-2=2/item-2=two}&action=preview"
expect_status 422
assert_contains "$OUT" 'id="e-item-2">&#39;two&#39; is not a number'
assert_eq "$(db_digest)" "$before" "database after previews and refusals"

# Saved: the total is the rule's, the items kept.
post "/episodes/$E/scores" "$base&$items&action=save"
expect_location "^/episodes/$E\\?done=scores$"
assert_eq "$(sql "SELECT instrument, timepoint, round(total, 4), session_id IS NULL FROM observation WHERE episode_id = $E")" "odi|baseline|35.5556|1"
# After the session: 5 / 50 x 100 = 10, an improvement of 25.56, past the
# MCID of 10 points.
after="item-1=1&item-2=0&item-3=1&item-4=0&item-5=0&item-6=1&item-7=1&item-8=0&item-9=1&item-10=0"
post "/episodes/$E/scores" "instrument=odi&timepoint=post&session=$S&at=2026-04-05T11:00&$after&action=preview"
assert_contains "$OUT" 'Total <output>10</output>'
assert_contains "$OUT" 'Change from the baseline \(35.56\): \+25.56 &middot; a clinically important improvement'
post "/episodes/$E/scores" "instrument=odi&timepoint=post&session=$S&at=2026-04-05T11:00&$after&action=save"
expect_status 303
assert_eq "$(sql "SELECT session_id, total FROM observation WHERE episode_id = $E AND timepoint = 'post'")" "$S|10.0"
page "/episodes/$E?done=scores"
assert_contains "$OUT" 'The scores are saved.'
assert_contains "$OUT" '<td class="num">\+25.56</td><td>yes</td>'
# A post-session score naming no session of the episode.
post "/episodes/$E/scores" "instrument=odi&timepoint=post&session=999&at=2026-04-05T11:00&$after&action=save"
expect_status 404

# The live total: the same rule, as JSON.
http GET "/instruments/odi/total?$items"
expect_status 200
assert_eq "$(json 'this.total.toFixed(4)')" 35.5556
assert_eq "$(json 'this.answered + "/" + this.missing')" 9/1
http GET "/instruments/odi/total?item-3=9"
assert_eq "$(json 'this.field')" item-3
http GET "/instruments/hit6/total?item-1=6&item-2=8&item-3=10&item-4=11&item-5=13&item-6=6"
assert_eq "$(json 'this.total')" 54
COOKIE=""
http GET "/instruments/odi/total?$items"
expect_location '^/login$'
page_login therapist-a@clinic.example

# Follow-ups: discharged on 2026-05-20, today 2026-06-30 is in the 4-week
# follow-up's window (from 2026-06-17 to the 3-month one on 2026-08-18).
expect_ok ts episode close "$E" --end 2026-05-20
page /followups
assert_contains "$OUT" "<a href=\"/episodes/$E\">Synthetic Patient Alpha</a></td><td>Chronic low back pain</td><td>2026-05-20</td><td>4w after discharge</td><td>2026-06-17</td><td>2026-08-17</td>"
assert_contains "$OUT" "href=\"/episodes/$E/scores/new\\?timepoint=followup&amp;instrument=odi\""
page "/episodes/$E/scores/new?timepoint=followup&instrument=odi"
assert_contains "$OUT" '<option value="followup" selected>'
post "/episodes/$E/scores" "instrument=odi&timepoint=followup&at=2026-06-25T10:00&$after&action=save"
expect_status 303
assert_eq "$(sql "SELECT observed_at FROM observation WHERE episode_id = $E AND timepoint = 'followup'")" 2026-06-25T10:00:00Z
page "/episodes/$E"
assert_contains "$OUT" '<td>followup, 36 days after discharge</td>'
page /followups
grep -q "/episodes/$E\"" <<<"$OUT" && fail "a follow-up taken is still listed as due"
assert_contains "$OUT" 'No follow-up is due.'
