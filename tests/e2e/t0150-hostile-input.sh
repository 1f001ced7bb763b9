#!/usr/bin/env bash
# No input of any length or content crashes the program or changes the
# database: 100 KB arguments, odd bytes, negative and huge numbers, ids of
# nothing, in every record command.
. "$(dirname "$0")/lib.sh"

record_clinic
ada_and_pat
expect_ok ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05 --screen clear.json
expect_ok ts session add --episode 1 --start 2026-01-05T10:00Z --minutes 60

big=$(head -c 102400 /dev/zero | tr '\0' x)
odd=$'\xc3\x28\xfe\xff\x01\x7f'
expect_refused 2 "patient add: name: too long \(102400 bytes" ts patient add --name "$big" --dob 1970-01-01 --sex male
expect_refused 2 "patient add: name: " ts patient add --name "$odd" --dob 1970-01-01 --sex male
expect_refused 2 "patient add: dob: " ts patient add --name X --dob "$big" --sex male
expect_refused 2 "patient add: sex: " ts patient add --name X --dob 1970-01-01 --sex "$big"
expect_refused 2 "patient add: zip: " ts patient add --name X --dob 1970-01-01 --sex male --zip "$odd"
expect_refused 2 "patient add: email: " ts patient add --name X --dob 1970-01-01 --sex male --email "$big@example.invalid"
expect_refused 2 "patient list: search: too long" ts patient list --search "$big"
expect_refused 2 "patient show: id: " ts patient show "$big"
expect_refused 2 "practitioner add: name: " ts practitioner add --name "$odd" --license L --credentials LMT
expect_refused 2 "referral add: reason: too long" ts referral add --patient 1 --physician "Dr Fictive" --specialty X --reason "$big" --icd10 M54.50 --date 2026-01-01
expect_refused 2 "referral add: icd10: " ts referral add --patient 1 --physician "Dr Fictive" --specialty X --reason pain --icd10 "$big" --date 2026-01-01
expect_refused 2 "referral add: icd10: more than 12 codes" ts referral add --patient 1 --physician "Dr Fictive" --specialty X --reason pain --icd10 "$(printf 'M54.50,%.0s' {1..12})M54.50" --date 2026-01-01
expect_refused 2 "referral add: icd10: " ts referral add --patient 1 --physician "Dr Fictive" --specialty X --reason pain --icd10 "M54.50,,M54.59" --date 2026-01-01
expect_refused 2 "referral add: patient: no patient 2" ts referral add --patient 2 --physician "Dr Fictive" --specialty X --reason pain --icd10 M54.50 --date 2026-01-01
expect_refused 2 "episode open: protocol: " ts episode open --patient 1 --practitioner 1 --protocol "$big" --icd10 M54.50 --start 2026-01-05
expect_refused 2 "episode open: red-flag: " ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05 --screen clear.json --red-flag "$big=no"
expect_refused 2 "episode open: screen: '/dev/zero' is larger than 1 MiB" ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05 --screen /dev/zero
expect_refused 2 "episode open: screen: unable to read" ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05 --screen "$TMP"
printf '{"fever": "no", "fever": "yes"}' > dup.json
expect_refused 2 "episode open: screen: 'dup.json': duplicate object key" ts episode open --patient 1 --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-01-05 --screen dup.json
expect_refused 2 "session add: note: too long" ts session add --episode 1 --start 2026-01-06T10:00Z --minutes 60 --note "$big"
expect_refused 2 "session add: phase: " ts session add --episode 1 --start 2026-01-06T10:00Z --minutes 60 --phase "$big:5"
expect_refused 2 "session add: phase: " ts session add --episode 1 --start 2026-01-06T10:00Z --minutes 60 --phase "kneading:$big"
expect_refused 2 "session add: start: " ts session add --episode 1 --start "$odd" --minutes 60
expect_refused 2 "session add: minutes: .*not a whole number" ts session add --episode 1 --start 2026-01-06T10:00Z --minutes 99999999999999999999999
expect_refused 2 "session add: minutes: -2147483649 is out of range" ts session add --episode 1 --start 2026-01-06T10:00Z --minutes -2147483649
expect_refused 2 "session add: minutes: 9223372036854775807 is out of range" ts session add --episode 1 --start 2026-01-06T10:00Z --minutes 9223372036854775807
expect_refused 2 "session add: phase: given more than 64 times" ts session add --episode 1 --start 2026-01-06T10:00Z --minutes 60 $(printf -- '--phase kneading:0 %.0s' {1..65})
expect_refused 2 "session add: episode: '-3' is not a record id" ts session add --episode -3 --start 2026-01-06T10:00Z --minutes 60
expect_refused 2 "session add: episode: '9223372036854775808' is not a record id" ts session add --episode 9223372036854775808 --start 2026-01-06T10:00Z --minutes 60
expect_refused 2 "session add: episode: no episode 9223372036854775807" ts session add --episode 9223372036854775807 --start 2026-01-06T10:00Z --minutes 60
expect_refused 2 "observe: items: " ts observe --episode 1 --instrument odi --timepoint baseline --at 2026-01-05T09:00Z --items "$big"
expect_refused 2 "observe: items: " ts observe --episode 1 --instrument odi --timepoint baseline --at 2026-01-05T09:00Z --items "$odd"
expect_refused 2 "observe: value: .*outside 0-10 for nprs" ts observe --episode 1 --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value 1e300
expect_refused 2 "observe: instrument: " ts observe --episode 1 --instrument "$big" --timepoint baseline --at 2026-01-05T09:00Z --value 1
expect_refused 2 "observe: episode: no episode 2" ts observe --episode 2 --instrument nprs --timepoint baseline --at 2026-01-05T09:00Z --value 1
expect_refused 2 "episode show: id: no episode 0|episode show: id: '0' is not a record id" ts episode show 0
expect_refused 2 "episode list: patient: no patient 3" ts episode list --patient 3
expect_refused 2 "episode list: practitioner: no practitioner 3" ts episode list --practitioner 3
expect_refused 2 "session show: id: no session 2" ts session show 2
expect_refused 2 "referral show: id: no referral 1" ts referral show 1
expect_refused 2 "unknown option" ts patient add "--$big"
expect_refused 2 "unexpected argument" ts patient show 1 2
expect_refused 2 "unknown verb" ts episode "$big"
ts check >/dev/null || fail "the database fails its checks"
