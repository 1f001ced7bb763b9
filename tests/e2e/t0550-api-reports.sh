#!/usr/bin/env bash
# The outcome reports over a real server: the same documents as the
# command line's --json for the same database (compared value by value),
# scoped by role (a therapist's registry shows only their own ids, a
# researcher's withholds cells of fewer than 5 episodes), strict query
# parameters, and an audit entry for every read and refusal.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"

demo_clinic "Synthetic Report Clinic"
serve_start

# as ROLE METHOD PATH: one request by curl with ROLE's cookie jar; sets
# STATUS and OUT.
declare -A jar csrf
login_demo_roles
as() {
  local who=$1 path=$2
  STATUS=$(curl -sS -o "$TMP/body" -w '%{http_code}' -b "${jar[$who]}" "${URL}${path#/}")
  OUT=$(cat "$TMP/body")
}

# same A B: two JSON documents hold the same values (numbers compared as
# parsed, member order ignored); prints the first difference.
same() {
  node -e '
    const fs = require("fs");
    const [a, b] = [1, 2].map(i => JSON.parse(fs.readFileSync(process.argv[i], "utf8")));
    function diff(x, y, path) {
      if (typeof x !== typeof y || (x === null) !== (y === null) ||
          Array.isArray(x) !== Array.isArray(y)) return path;
      if (x === null || typeof x !== "object") return x === y ? null : path + ": " + x + " vs " + y;
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      if (Array.isArray(x) && x.length !== y.length) return path + ": length";
      for (const k of keys) { const d = diff(x[k], y[k], path + "." + k); if (d) return d; }
      return null;
    }
    const d = diff(a, b, "$");
    if (d) { console.log(d); process.exit(1); }' "$1" "$2" || fail "documents differ: $1 $2"
}

# The API's document (role, path) against the command line's (args).
compare() {
  local who=$1 path=$2; shift 2
  as "$who" "$path"
  assert_eq "$STATUS" 200 "$who GET $path"
  printf '%s' "$OUT" > "$TMP/api.json"
  expect_ok ts --json "$@"
  printf '%s' "$OUT" > "$TMP/cli.json"
  same "$TMP/api.json" "$TMP/cli.json"
}

EP1=$(sql "SELECT min(id) FROM episode WHERE practitioner_id = 1 AND ended_on IS NOT NULL")
EP2=$(sql "SELECT min(id) FROM episode WHERE practitioner_id = 2 AND ended_on IS NOT NULL")

# An admin reads everything, exactly as the command line writes it.
compare admin "/api/v1/episodes/$EP1/report" report episode "$EP1"
compare admin "/api/v1/episodes/$EP2/report" report episode "$EP2"
compare admin /api/v1/practitioners/2/report report practitioner 2
compare admin "/api/v1/practitioners/1/report?protocol=low-back-pain" report practitioner 1 --protocol low-back-pain
compare admin /api/v1/registry/report report registry
compare admin "/api/v1/registry/report?protocol=low-back-pain&instrument=odi" report registry --protocol low-back-pain --instrument odi
# The numbers are real: the demo's designated cells are there.
as admin /api/v1/registry/report
assert_eq "$(json 'this.cells.filter(c=>c.designation!="none").map(c=>[c.practitioner,c.instrument].join(":")).join()')" "1:nprs,1:odi"

# A therapist: their own episodes and report, equal to the command line's.
compare therapist "/api/v1/episodes/$EP1/report" report episode "$EP1"
compare therapist "/api/v1/practitioners/1/report?protocol=low-back-pain" report practitioner 1 --protocol low-back-pain
as therapist "/api/v1/episodes/$EP2/report"; assert_eq "$STATUS" 404
assert_eq "$(json 'this.error.message')" "no episode $EP2"
as therapist /api/v1/practitioners/2/report; assert_eq "$STATUS" 404
assert_eq "$(json 'this.error.message')" "no practitioner 2"
# Their registry: the command line's (an admin's, where nothing is
# withheld), with every other practitioner's id withheld (labels stay) and
# the small cells of others withheld by the rule of docs/api.md, computed
# here independently by protect() below.
cat >"$TMP/protect.js" <<'JS'
// Withholds small cells of entries whose practitioner is hidden (null):
// primary (count < 5), complementary (a group with exactly one withheld
// entry loses its smallest other hidden entry, else its model's numbers),
// and small models of groups with a hidden cell.
const MIN = 5, who = ["practitioner", "label", "protocol", "instrument"];
const group = (o) => o.protocol + "/" + o.instrument;
const hide = (o, keep) => {
  for (const k of Object.keys(o)) if (!keep.includes(k)) o[k] = null;
  o.suppressed = true;
};
function protect(d, shown) {
  for (const k of ["cells", "incomplete"])
    for (const c of d[k]) if (c.practitioner !== shown) c.practitioner = null;
  const hidden = (c) => c.practitioner === null;
  for (const m of d.models) {
    const anyHidden = d.cells.some((c) => group(c) === group(m) && hidden(c));
    if (m.n_complete < MIN && anyHidden) hide(m, ["protocol", "instrument"]);
  }
  for (const [k, count] of [["cells", "n"], ["incomplete", "total"]]) {
    const out = new Set(d[k].filter((c) => hidden(c) && c[count] < MIN));
    for (const g of new Set(d[k].map(group))) {
      const mine = d[k].filter((c) => group(c) === g);
      if (mine.filter((c) => out.has(c)).length !== 1) continue;
      const rest = mine.filter((c) => !out.has(c) && hidden(c))
        .sort((a, b) => a[count] - b[count]);
      if (rest.length) out.add(rest[0]);
      else hide(d.models.find((m) => group(m) === g), ["protocol", "instrument"]);
    }
    for (const c of d[k]) if (out.has(c)) hide(c, who); else c.suppressed = false;
  }
  for (const m of d.models) if (m.suppressed !== true) m.suppressed = false;
  return d;
}
const d = JSON.parse(require("fs").readFileSync(0, "utf8"));
const shown = process.argv[2] === "none" ? undefined : Number(process.argv[2]);
process.stdout.write(JSON.stringify(protect(d, shown)));
JS
expect_ok ts --json report registry
node "$TMP/protect.js" 1 <<<"$OUT" > "$TMP/cli.json"
as therapist /api/v1/registry/report; assert_eq "$STATUS" 200
printf '%s' "$OUT" > "$TMP/api.json"
same "$TMP/api.json" "$TMP/cli.json"
assert_eq "$(json '[...new Set(this.cells.map(c=>c.practitioner))].sort().join()')" "1,"

# A researcher: no episode or practitioner report; the registry without
# any id, and with every statistic of fewer than 5 episodes withheld, and
# a complementary cell where one alone would be (computed here
# independently from the command line's report).
as researcher "/api/v1/episodes/$EP1/report"; assert_eq "$STATUS" 404
as researcher /api/v1/practitioners/1/report; assert_eq "$STATUS" 404
assert_eq "$(json 'this.error.code')" not_found
expect_ok ts --json report registry
node "$TMP/protect.js" none <<<"$OUT" > "$TMP/cli.json"
as researcher /api/v1/registry/report; assert_eq "$STATUS" 200
printf '%s' "$OUT" > "$TMP/api.json"
same "$TMP/api.json" "$TMP/cli.json"
! grep -q "Demo (synthetic)" <<<"$OUT" || fail "a name reached the researcher"
assert_eq "$(json 'this.cells.every(c=>c.practitioner===null)')" true
# The demo has small cells, and they show no number.
[ "$(json 'this.cells.filter(c=>c.suppressed).length')" -gt 0 ] || fail "no small cell in the demo"
assert_eq "$(json 'this.cells.filter(c=>c.suppressed).every(c=>c.n===null && c.mean_improvement===null && c.responder_rate===null && /^peer-/.test(c.label))')" true
assert_eq "$(json 'this.cells.filter(c=>!c.suppressed).every(c=>c.n>=5)')" true
# A group with a single withheld cell has no other to withhold: its
# model's numbers are withheld instead.
assert_eq "$(json '(()=>{const g={}; for (const c of this.cells) {const k=c.protocol+"/"+c.instrument; g[k]=(g[k]||0)+(c.suppressed?1:0)} return Object.entries(g).every(([k,n])=>n!==1 || this.models.find(m=>m.protocol+"/"+m.instrument===k).suppressed)})()')" true
# An admin sees every number; a therapist sees their own small cells.
as admin /api/v1/registry/report
assert_eq "$(json 'this.cells.some(c=>c.n<5) && this.cells.every(c=>c.suppressed===false)')" true
as therapist /api/v1/registry/report
assert_eq "$(json 'this.cells.filter(c=>c.practitioner===1).every(c=>c.suppressed===false && c.n!==null)')" true

# Query parameters are strict; ids must be record ids.
as admin "/api/v1/registry/report?protocol=Low_Back"; assert_eq "$STATUS" 422
assert_eq "$(json 'this.error.field')" protocol
as admin "/api/v1/registry/report?instrument=a%20b"; assert_eq "$STATUS" 422
assert_eq "$(json 'this.error.field')" instrument
as admin "/api/v1/registry/report?practitioner=1"; assert_eq "$STATUS" 422
assert_eq "$(json 'this.error.field')" practitioner
as admin "/api/v1/practitioners/1/report?protocol=low-back-pain&protocol=sciatica"; assert_eq "$STATUS" 422
assert_eq "$(json 'this.error.field')" protocol
as admin "/api/v1/episodes/$EP1/report?x=1"; assert_eq "$STATUS" 422
as admin /api/v1/episodes/abc/report; assert_eq "$STATUS" 404
as admin /api/v1/practitioners/0/report; assert_eq "$STATUS" 404
# An unknown (well-formed) protocol is an empty report, as on the command line.
compare admin "/api/v1/registry/report?protocol=no-such-protocol" report registry --protocol no-such-protocol
as admin "/api/v1/registry/report?protocol=no-such-protocol"
assert_eq "$(json 'this.cells.length')" 0
# Reports are reads only.
code=$(curl -sS -o "$TMP/body" -w '%{http_code}' -b "${jar[admin]}" -X POST "${URL}api/v1/registry/report")
assert_eq "$code" 405

# Every report read is audited under the caller, refusals as denied.
audited() {
  sql "SELECT count(*) FROM audit WHERE actor = '$1' AND action = 'read' AND record_type = '$2' AND outcome = '$3'${4:+ AND record_id = $4}"
}
[ "$(audited therapist@demo.example episode_outcome ok "$EP1")" -ge 1 ] || fail "no audited episode report read"
assert_eq "$(sql "SELECT patient_id = (SELECT patient_id FROM episode WHERE id = $EP1) FROM audit WHERE actor = 'therapist@demo.example' AND record_type = 'episode_outcome' AND record_id = $EP1 LIMIT 1")" 1
[ "$(audited therapist@demo.example episode_outcome denied "$EP2")" -ge 1 ] || fail "no audited episode report refusal"
[ "$(audited therapist@demo.example practitioner_outcome ok 1)" -ge 1 ] || fail "no audited practitioner report read"
[ "$(audited therapist@demo.example practitioner_outcome denied 2)" -ge 1 ] || fail "no audited practitioner report refusal"
[ "$(audited researcher@demo.example practitioner_outcome denied 1)" -ge 1 ] || fail "no audited researcher refusal"
[ "$(audited researcher@demo.example registry_outcome ok)" -ge 1 ] || fail "no audited registry read"
[ "$(audited admin@demo.example practitioner_outcome ok 2)" -ge 1 ] || fail "no audited admin read"
assert_eq "$(sql "SELECT DISTINCT client FROM audit WHERE actor = 'researcher@demo.example' AND record_type = 'registry_outcome'")" 127.0.0.1
expect_ok ts audit verify

serve_stop
