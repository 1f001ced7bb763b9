#!/usr/bin/env bash
# catalog check DIR and the global --catalog DIR: a clinic extends and
# overrides the catalog; a bad file is refused with file:line:column.
. "$(dirname "$0")/lib.sh"

mkdir -p clinic/protocols
# phases TECHNIQUE: the three phases both protocols below share, the
# introductory one done with TECHNIQUE.
phases() {
  cat <<JSON
[
        {"name": "introductory", "kind": "introductory", "techniques": ["$1"],
         "min_share": 0.1, "max_share": 0.2},
        {"name": "kneading", "kind": "kneading", "techniques": ["petrissage"],
         "min_share": 0.5, "max_share": 0.7},
        {"name": "circulatory", "kind": "circulatory", "techniques": ["circulatory strokes"],
         "min_share": 0.1, "max_share": 0.3, "direction": "toward the heart"}
      ]
JSON
}
# A clinic's own protocol, a replacement of a shipped one, a group and a code.
cat > clinic/protocols/ours.json <<JSON
{
  "about": "synthetic clinic protocols",
  "protocols": [
    {
      "id": "synthetic-desk-neck",
      "name": "Desk worker's neck (synthetic)",
      "group": "clinic-extras",
      "region": "neck and shoulders",
      "indications": ["M54.2", "M54.9"],
      "red_flags": [{"id": "arm-weakness", "question": "New weakness in an arm?"}],
      "training_hours": 12,
      "phases": $(phases stroking),
      "minutes": {"min": 20, "max": 40, "default": 30},
      "course": {"sessions": 6, "per_week": 2},
      "outcomes": {"primary": ["ndi"], "secondary": ["nprs"]},
      "follow_up": ["24h", "4w"]
    },
    {
      "id": "sports-pre-event",
      "name": "Pre-event sports massage (clinic version)",
      "group": "sports",
      "region": "legs",
      "indications": ["M62.838"],
      "red_flags": [{"id": "acute-injury", "question": "A fresh injury?"}],
      "training_hours": 20,
      "phases": $(phases effleurage),
      "minutes": {"min": 10, "max": 20, "default": 12},
      "course": {"sessions": 1, "per_week": 1},
      "outcomes": {"primary": ["nprs"]},
      "follow_up": ["2h"]
    }
  ]
}
JSON
cat > clinic/extras.json <<'JSON'
{"groups": [{"id": "clinic-extras", "name": "Clinic extras"}],
 "codes": [{"code": "M54.9", "title": "Dorsalgia, unspecified"}]}
JSON

expect_ok ts catalog check clinic
assert_eq "$OUT" "ok: 'clinic': 2 files, 1 protocol added, 1 replaced ($(( $(ts catalog list --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).count)') + 1 )) in all)"
expect_ok ts catalog check clinic --json
assert_eq "$(json 'this.ok')" "true"
assert_eq "$(json 'this.added')" "1"
assert_eq "$(json 'this.replaced')" "1"
[ ! -e "$TOUCHSTONE_DB" ] || fail "catalog check created a database"

# The global --catalog makes the clinic's protocols visible everywhere.
expect_ok ts --catalog clinic catalog show synthetic-desk-neck --json
assert_eq "$(json 'this.group_name')" "Clinic extras"
assert_eq "$(json 'this.from_clinic')" "true"
assert_eq "$(json 'this.indications[1].title')" "Dorsalgia, unspecified"
expect_ok ts catalog show sports-pre-event --catalog clinic --json
assert_eq "$(json 'this.name')" "Pre-event sports massage (clinic version)"
assert_eq "$(json 'this.replaces')" "true"
expect_ok ts catalog show sports-pre-event --json
assert_eq "$(json 'this.replaces')" "false"
expect_ok ts --catalog clinic plan --protocol synthetic-desk-neck --minutes 20 --json
assert_eq "$(json 'this.phases.reduce((a, p) => a + p.minutes, 0)')" "20"
expect_refused 2 "catalog show: id: no protocol 'synthetic-desk-neck'" \
  ts catalog show synthetic-desk-neck

# A missing directory.
expect_refused 2 "catalog check: catalog: cannot open directory 'nowhere'" \
  ts catalog check nowhere
expect_refused 2 "catalog list: catalog: cannot open directory 'nowhere'" \
  ts --catalog nowhere catalog list

# Broken files: each refused with file:line:column: field: problem.
bad() { rm -rf broken; mkdir -p broken/protocols; cat > broken/protocols/p.json; }
# derived INDEX JS: protocol INDEX of ours.json as p, changed by the
# JavaScript JS, alone in broken/protocols/p.json.
derived() {
  node -e "
    const d = JSON.parse(require('fs').readFileSync('clinic/protocols/ours.json'));
    const p = d.protocols[$1];
    $2;
    console.log(JSON.stringify({protocols: [p]}, null, 2));" | bad
}
# at FILE PATTERN TEXT: line and col, where TEXT starts on the line of FILE
# that PATTERN (grep) finds.
at() {
  line=$(grep -n "$2" "$1" | cut -d: -f1)
  col=$(sed -n "${line}p" "$1" | awk -v text="$3" '{print index($0, text)}')
}

# 1. syntax error (line 3: four spaces and {"id": "x", are 15 characters)
printf '{\n  "protocols": [\n    {"id": "x",, }\n  ]\n}\n' | bad
expect_refused 2 "^touchstone: catalog check: broken/protocols/p.json:3:16: syntax: " \
  ts catalog check broken

# 2. kneading share 0.4
derived 1 'p.phases[1].min_share = 0.4'
at broken/protocols/p.json '"min_share": 0.4' '0.4'
expect_refused 2 "^touchstone: catalog check: broken/protocols/p.json:$line:$col: protocols\[0\]\.phases\[1\]\.min_share: kneading must take at least half the procedure time" \
  ts catalog check broken
# The same error through the global option, for any command.
expect_refused 2 "broken/protocols/p.json:$line:$col: protocols\[0\]\.phases\[1\]\.min_share" \
  ts --catalog broken catalog list

# 3. contralateral-circulation at 40 minutes
derived 0 'p.id = "contralateral-circulation"; p.group = "circulation"; p.indications = ["I73.9"]; p.outcomes = {primary: ["pvr"]}; p.minutes = {min: 15, max: 40, default: 20}'
at broken/protocols/p.json '"max": 40' '40'
expect_refused 2 "broken/protocols/p.json:$line:$col: protocols\[0\]\.minutes\.max: contralateral-circulation lasts 15-25 minutes" \
  ts catalog check broken

# 4. full-body stress management with 100 hours
derived 0 'p.id = "stress-management-full-body"; p.group = "stress-management"; p.indications = ["Z73.3"]; p.training_hours = 100'
at broken/protocols/p.json '"training_hours": 100' '100'
expect_refused 2 "broken/protocols/p.json:$line:$col: protocols\[0\]\.training_hours: stress-management-full-body needs 120-200 hours" \
  ts catalog check broken

# 5. unknown instrument code
sed -e 's/"primary": \["ndi"\]/"primary": ["womac"]/' clinic/protocols/ours.json \
  | sed -e 's/"group": "clinic-extras"/"group": "neck-upper-back"/' \
        -e 's/"M54.2", "M54.9"/"M54.2"/' | bad
at broken/protocols/p.json '"womac"' '"womac"'
expect_refused 2 "broken/protocols/p.json:$line:$col: protocols\[0\]\.outcomes\.primary\[0\]: unknown instrument 'womac'" \
  ts catalog check broken

# 6. duplicate id in the clinic's own files
sed -e 's/"group": "clinic-extras"/"group": "neck-upper-back"/' \
    -e 's/"M54.2", "M54.9"/"M54.2"/' clinic/protocols/ours.json | bad
cp broken/protocols/p.json broken/protocols/q.json
at broken/protocols/q.json '"id": "synthetic-desk-neck"' '"synthetic-desk-neck"'
expect_refused 2 "broken/protocols/q.json:$line:$col: protocols\[0\]\.id: duplicate protocol id 'synthetic-desk-neck' \(also at broken/protocols/p.json:$line:$col\)" \
  ts catalog check broken

# 7. introductory not first
derived 1 'p.phases.reverse()'
expect_refused 2 "broken/protocols/p.json:[0-9]+:[0-9]+: protocols\[0\]\.phases\[0\]\.kind: the first phase must be introductory" \
  ts catalog check broken

# A file that is not a catalog file at all.
rm -rf broken; mkdir broken; echo '{"instruments": []}' > broken/x.json
expect_refused 2 "broken/x.json:1:17: instruments: instruments are built into the program" \
  ts catalog check broken
expect_refused 2 "catalog check: dir: missing" ts catalog check
[ ! -e "$TOUCHSTONE_DB" ] || fail "catalog check created a database"
