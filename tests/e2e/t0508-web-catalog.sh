#!/usr/bin/env bash
# The catalog over the API: protocols (paginated, by group), a protocol's
# plan for a session length, instruments.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

expect_ok ts init --clinic "Synthetic Web Clinic"
add_user researcher@clinic.example researcher
login researcher@clinic.example "$PASSWORD"

expect_ok ts catalog list --json
count=$(json 'this.count')
http GET '/api/v1/catalog/protocols?per_page=200'
expect_status 200
assert_eq "$(json 'this.total')" "$count"
assert_eq "$(json 'this.items.length')" "$count"
# Pages cover the list once, in order.
http GET '/api/v1/catalog/protocols?per_page=10&page=2'
assert_eq "$(json 'this.items.length')" 10
second=$(json 'this.items[0].id')
expect_ok ts catalog list --json
assert_eq "$(json 'this.protocols[10].id')" "$second"
http GET "/api/v1/catalog/protocols?per_page=10&page=$(( (count + 9) / 10 + 1 ))"
assert_eq "$(json 'this.items.length')" 0
http GET '/api/v1/catalog/protocols?group=lower-back'
expect_status 200
assert_eq "$(json 'this.items.every(p => p.group == "lower-back")')" true
http GET '/api/v1/catalog/protocols?group=nowhere'
expect_error 422 group

http GET /api/v1/catalog/protocols/low-back-pain
expect_status 200
assert_eq "$(json 'this.phases[0].kind')" introductory
assert_eq "$(json 'this.training.baseline')" stress-management-full-body
http GET /api/v1/catalog/protocols/Low-Back-Pain
expect_status 404

# The plan: whole minutes summing to the length, kneading at least half;
# the same as the command line's.
http GET '/api/v1/catalog/protocols/low-back-pain/plan?minutes=45'
expect_status 200
assert_eq "$(json 'this.phases.reduce((s, p) => s + p.minutes, 0)')" 45
[ "$(json 'this.kneading_minutes * 2 >= 45')" = true ] || fail "kneading under half"
api=$(json 'this.phases.map(p => p.name + ":" + p.minutes).join(",")')
expect_ok ts plan --protocol low-back-pain --minutes 45 --json
assert_eq "$(json 'this.phases.map(p => p.name + ":" + p.minutes).join(",")')" "$api"
http GET '/api/v1/catalog/protocols/low-back-pain/plan'
expect_status 200
http GET '/api/v1/catalog/protocols/contralateral-circulation/plan?minutes=40'
expect_status 422
assert_eq "$(json 'this.error.code')" refused
assert_eq "$(json 'this.error.field')" minutes
http GET '/api/v1/catalog/protocols/low-back-pain/plan?minutes=abc'
expect_status 422
http GET '/api/v1/catalog/protocols/low-back-pain/plan?minutes=45&extra=1'
expect_status 422

http GET /api/v1/instruments
expect_status 200
expect_ok ts instrument list --json
n=$(json 'this.count')
http GET /api/v1/instruments
assert_eq "$(json 'this.total')" "$n"
http GET /api/v1/instruments/odi
expect_status 200
assert_eq "$(json 'this.items.length')" 10
assert_eq "$(json 'this.items[0].label')" "item 1"
http GET /api/v1/instruments/nothing
expect_error 404 code
