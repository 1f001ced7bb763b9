#!/usr/bin/env bash
# The questions' wording and the instruments as FHIR Questionnaires:
# Touchstone ships the wording of NPRS, PSFS and headache days only; a
# clinic adds the wording of an instrument it has licensed (here ODI, with
# example text clearly marked as such, not the ODI's real text) in its
# catalog folder, checked like the catalog; an instrument without wording
# has no Questionnaire, and the refusal says why. Every Questionnaire is
# valid by the two independent validators.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/web-lib.sh"
fhir_validator

# Requests through test-http with the clinic's catalog folder when $CATALOG
# is set.
CATALOG=""
http_raw() {
  if [ -n "$CATALOG" ]; then
    "$TOUCHSTONE" --catalog "$CATALOG" test-http --client "$CLIENT" < "$1" > "$TMP/response"
  else
    "$TOUCHSTONE" test-http --client "$CLIENT" < "$1" > "$TMP/response"
  fi || fail "test-http failed on $(head -1 "$1")"
  STATUS=$(head -1 "$TMP/response" | cut -d' ' -f2)
  HEADERS=$(sed -n '1,/^\r$/p' "$TMP/response" | tr -d '\r')
  OUT=$(sed '1,/^\r$/d' "$TMP/response")
}
valid() { printf '%s\n' "$OUT" > "$TMP/doc.json"; node "$VALIDATE" "$TMP/doc.json" >/dev/null ||
  fail "invalid FHIR: $(node "$VALIDATE" "$TMP/doc.json" | head -5)"; }

expect_ok ts init --clinic "Synthetic Test Clinic"
expect_ok ts practitioner add --name "Ada Synthetic" --license MA-LMT-4242 --credentials LMT
add_user ada@clinic.example therapist 1
login ada@clinic.example "$PASSWORD"

# Shipped: three Questionnaires, each instrument with shipped wording.
http GET /fhir/r4/Questionnaire
expect_status 200; valid
assert_eq "$(json '[this.type, this.total, this.entry.map(e => e.resource.id).sort().join()].join(" ")')" \
  "searchset 3 headache-days,nprs,psfs"
http GET /fhir/r4/Questionnaire/nprs
expect_status 200; valid
assert_eq "$(json '[this.url, this.status, this.code[0].system, this.code[0].code, this.item.length].join("|")')" \
  "https://touchstone.example/fhir/Questionnaire/nprs|active|http://loinc.org|72514-3|2"
# The intro, then the one question with what the ends of its scale mean
# (read from catalog/instruments.json here, not from the program).
want=$(node -e 'const i = JSON.parse(require("fs").readFileSync(process.argv[1])).instruments.find(x => x.code === "nprs");
  const w = i.wording.items[0]; console.log(w.text + " (0: " + w.low + "; 10: " + w.high + ")|" + i.wording.intro + "|" + i.wording.licence)' \
  "$HERE/../../catalog/instruments.json")
assert_eq "$(json '[this.item[1].text, this.item[0].text, this.copyright].join("|")')" "$want"
assert_eq "$(json '[this.item[1].linkId, this.item[1].type, this.item[1].required, this.item[1].extension.map(x => x.valueInteger).join("-")].join(" ")')" \
  "1 integer true 0-10"
# PSFS: activities 4 and 5 are optional.
http GET /fhir/r4/Questionnaire/psfs
expect_status 200; valid
assert_eq "$(json 'this.item.filter(i => i.type !== "display").map(i => i.required).join()')" "true,true,true,false,false"

# ODI and NDI are licensed: no wording ships, so no Questionnaire.
http GET /fhir/r4/Questionnaire/odi
expect_status 404; valid
assert_eq "$(json 'this.resourceType + " " + this.issue[0].code')" "OperationOutcome not-found"
assert_contains "$(json 'this.issue[0].diagnostics')" "may not ship the wording of Oswestry"
assert_contains "$(json 'this.issue[0].diagnostics')" "wording/odi.json"
http GET /fhir/r4/Questionnaire/nothing
expect_status 404

# A clinic licensed to use ODI adds its wording. EXAMPLE text only.
mkdir -p clinic/wording
node -e 'const items = [];
  for (let i = 1; i <= 10; i++) items.push({text: "EXAMPLE ONLY, not the ODI text: section " + i,
    low: "EXAMPLE least", high: "EXAMPLE most"});
  require("fs").writeFileSync("clinic/wording/odi.json", JSON.stringify({
    about: "EXAMPLE: a synthetic stand-in for wording a clinic has licensed",
    instrument: "odi", intro: "EXAMPLE introduction", items,
    licence: "EXAMPLE: licence no. 0000 held by Synthetic Test Clinic",
    source: "EXAMPLE source"}, null, 2))'
expect_ok ts catalog check clinic
CATALOG=clinic
http GET /fhir/r4/Questionnaire/odi
expect_status 200; valid
assert_eq "$(json '[this.code[0].code, this.item.length, this.item[10].linkId, this.item[10].text, this.copyright].join("|")')" \
  "97909-6|11|10|EXAMPLE ONLY, not the ODI text: section 10 (0: EXAMPLE least; 5: EXAMPLE most)|EXAMPLE: licence no. 0000 held by Synthetic Test Clinic"
# ODI lets two sections be missing: no section is required.
assert_eq "$(json 'this.item.filter(i => i.required).length')" "0"
http GET /fhir/r4/Questionnaire
expect_status 200; valid
assert_eq "$(json 'this.entry.map(e => e.resource.id).sort().join()')" "headache-days,nprs,odi,psfs"
# NDI still has none.
http GET /fhir/r4/Questionnaire/ndi
expect_status 404

# A malformed override is refused with its path, line and column, and the
# catalog (hence the server) does not load.
mkdir -p bad/wording
node -e 'const o = JSON.parse(require("fs").readFileSync("clinic/wording/odi.json"));
  o.items.pop(); require("fs").writeFileSync("bad/wording/odi.json", JSON.stringify(o, null, 2))'
expect_refused 2 "bad/wording/odi.json:[0-9]+:[0-9]+: items: odi has 10 items: the wording gives 9" \
  ts catalog check bad
printf '{"instrument": "odi", "items": [}' > bad/wording/odi.json
expect_refused 2 "bad/wording/odi.json:1:[0-9]+: syntax" ts catalog check bad
printf '{"instrument": "ndi", "items": [], "licence": "x", "source": "x"}' > bad/wording/odi.json
expect_refused 2 "bad/wording/odi.json:1:16: instrument: 'ndi' is not the instrument the file is named after" \
  ts catalog check bad
echo "ok"
