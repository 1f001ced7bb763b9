#!/usr/bin/env bash
# Administration through the pages: login accounts (create, refuse a
# duplicate beside the field, disable), practitioners, training records
# against each protocol's hours, designation thresholds; other roles are
# refused and change nothing.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

page_clinic
add_user admin@clinic.example admin
add_user therapist-a@clinic.example therapist "$PA"
page_login admin@clinic.example

page /admin
assert_contains "$OUT" '<td>therapist-a@clinic.example</td><td>therapist</td><td>Synthetic Therapist A</td><td>active</td>'
pw=$(enc 'a long synthetic password')
before=$(db_digest)
post /admin/users "email=therapist-a%40clinic.example&role=researcher&practitioner=&password=$pw"
expect_status 422
valid_html "a duplicate account"
assert_contains "$OUT" 'id="e-email"'
assert_contains "$OUT" 'value="therapist-a@clinic.example"'
post /admin/users "email=new%40clinic.example&role=therapist&practitioner=&password=$pw"
expect_status 422
assert_contains "$OUT" 'id="e-practitioner"'
post /admin/users "email=new%40clinic.example&role=researcher&practitioner=&password=short"
expect_status 422
assert_contains "$OUT" 'id="e-password"'
grep -q 'value="short"' <<<"$OUT" && fail "a password was written back into the page"
assert_eq "$(db_digest)" "$before" "database after refused accounts"
post /admin/users "email=new%40clinic.example&role=researcher&practitioner=&password=$pw"
expect_location '^/admin\?done=user$'
assert_eq "$(sql "SELECT role, practitioner_id IS NULL OR practitioner_id = 0 FROM user WHERE email = 'new@clinic.example'")" "researcher|1"
page_login new@clinic.example 'a long synthetic password'
page_login admin@clinic.example
uid=$(sql "SELECT id FROM user WHERE email = 'new@clinic.example'")
post "/admin/users/$uid/disable"
expect_location '^/admin\?done=disabled$'
assert_eq "$(sql "SELECT disabled FROM user WHERE id = $uid")" 1
me=$(sql "SELECT id FROM user WHERE email = 'admin@clinic.example'")
post "/admin/users/$me/disable"
expect_status 409

# Practitioners.
page /admin/practitioners
post /admin/practitioners "name=Synthetic+Therapist+C&credentials=LMT&license=&email=&npi="
expect_status 422
assert_contains "$OUT" 'id="e-license"'
assert_contains "$OUT" 'value="Synthetic Therapist C"'
post /admin/practitioners "name=Synthetic+Therapist+C&credentials=LMT&license=LMT-C3&email=&npi="
expect_location '^/admin/practitioners/[0-9]+\?done=practitioner$'
PC=$(header Location | sed -E 's|.*/practitioners/([0-9]+).*|\1|')

# Training: each protocol's hours; the scope follows.
page "/admin/practitioners/$PC"
assert_contains "$OUT" '<option value="low-back-pain">Chronic low back pain \(24 h\)</option>'
row() { grep "<tr><td>$1</td>" <<<"$OUT" | tail -1; }
assert_contains "$(row 'Chronic low back pain')" '<td class="num">24</td><td class="num">0</td><td>no</td>'
post "/admin/practitioners/$PC/training" "protocol=low-back-pain&hours=lots&completed=2026-01-01&provider="
expect_status 422
assert_contains "$OUT" 'id="e-hours"'
post "/admin/practitioners/$PC/training" "protocol=low-back-pain&hours=24&completed=2027-01-01&provider="
expect_status 422
assert_contains "$OUT" 'id="e-completed"'
post "/admin/practitioners/$PC/training" "protocol=low-back-pain&hours=24&completed=2026-01-01&provider=Synthetic+School"
expect_location "^/admin/practitioners/$PC\\?done=training$"
post "/admin/practitioners/$PC/training" "protocol=stress-management-full-body&hours=150&completed=2025-01-01&provider="
expect_status 303
page "/admin/practitioners/$PC"
assert_contains "$(row 'Chronic low back pain')" '<td class="num">24</td><td class="num">24</td><td><span class="badge yes">yes</span>'
assert_eq "$(sql "SELECT sum(hours) FROM training WHERE practitioner_id = $PC")" 174.0

# Thresholds.
page /admin/thresholds
assert_contains "$OUT" 'id="f-value-min_episodes" min="1" max="100000" step="1" value="20"'
post /admin/thresholds "name=min_episodes&value=2.5"
expect_status 422
valid_html "a refused threshold"
assert_contains "$OUT" 'id="e-value-min_episodes"'
assert_contains "$OUT" 'value="2.5"'
post /admin/thresholds "name=no_such&value=1"
expect_status 422
valid_html "an unknown threshold"
post /admin/thresholds "name=min_episodes&value=25"
expect_location '^/admin/thresholds\?done=threshold$'
assert_eq "$(sql "SELECT value FROM designation_threshold WHERE name = 'min_episodes'")" 25.0
expect_ok ts --json thresholds show
assert_eq "$(json 'this.min_episodes')" 25

# A therapist may do none of it.
page_login therapist-a@clinic.example
before=$(db_digest)
for p in /admin /admin/practitioners "/admin/practitioners/$PC" /admin/thresholds; do page "$p" 403; done
post /admin/users "email=x%40clinic.example&role=admin&practitioner=&password=$pw"
expect_status 403
post /admin/practitioners "name=X&credentials=LMT&license=L"
expect_status 403
post "/admin/practitioners/$PA/training" "protocol=migraine&hours=40&completed=2026-01-01"
expect_status 403
post /admin/thresholds "name=min_episodes&value=1"
expect_status 403
assert_eq "$(db_digest)" "$before" "database after the therapist's attempts"
