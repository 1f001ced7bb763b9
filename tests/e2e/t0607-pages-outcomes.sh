#!/usr/bin/env bash
# The outcomes dashboard and certificates through the pages, over the demo
# clinic: every number of a therapist's cells is the one `touchstone
# report` gives (the same library), the funnel plot marks every peer and
# highlights the therapist, a researcher sees labels only, and an admin
# issues a certificate whose JSON download verifies.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

expect_ok ts demo
expect_ok ts --json report practitioner 1
echo "$OUT" > "$TMP/report.json"
expect_ok ts --json report registry --protocol low-back-pain --instrument nprs
echo "$OUT" > "$TMP/registry.json"

# same_numbers PAGE REPORT: each cell row of the page holds, in <data
# value>, exactly the report's numbers.
same_numbers() {
  node -e '
    const fs = require("fs");
    const html = fs.readFileSync(process.argv[1], "utf8");
    const rep = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
    let checked = 0;
    for (const c of rep.cells) {
      const m = html.match(new RegExp(`<tr[^>]* data-protocol="${c.protocol}" data-instrument="${c.instrument}">(.*?)</tr>`, "s"));
      if (!m) throw new Error(`no row for ${c.protocol} x ${c.instrument}`);
      const row = m[1];
      for (const name of ["n", "mean_improvement", "responder_rate", "median_sessions_to_response",
                          "sustained_rate", "observed_minus_expected"]) {
        const cell = row.match(new RegExp(`data-name="${name}">(.*?)</td>`, "s"));
        if (!cell) throw new Error(`no ${name} in the row of ${c.protocol} x ${c.instrument}`);
        const values = [...cell[1].matchAll(/<data value="([^"]*)">/g)].map(v => Number(v[1]));
        const want = [c[name]];
        const ci = name === "mean_improvement" ? c.mean_improvement_ci95 : name === "responder_rate" ? c.responder_ci95 : null;
        if (ci) want.push(...ci);
        const expected = want.filter(v => v !== null);
        if (values.length !== expected.length || !values.every((v, i) => close(v, expected[i])))
          throw new Error(`${c.protocol} x ${c.instrument} ${name}: page ${values}, report ${expected}`);
        checked += values.length;
      }
      if (!row.includes(c.designation === "none" ? "none yet" : `>${c.designation}</span>`))
        throw new Error(`designation of ${c.protocol} x ${c.instrument}`);
    }
    if (!checked) throw new Error("no number compared");
    console.log(checked);' "$1" "$2" || fail "the page's numbers differ from the report's"
}

# same_criteria PAGE REPORT: the criteria table of low-back-pain x nprs
# holds, in <data value>, exactly the report's required and observed
# values, and a dash where the report has none.
same_criteria() {
  node -e '
    const fs = require("fs");
    const html = fs.readFileSync(process.argv[1], "utf8");
    const rep = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    const d = rep.designations.find(x => x.protocol === "low-back-pain" && x.instrument === "nprs");
    const table = html.match(/<table class="list criteria">(.*?)<\/table>/s);
    if (!table) throw new Error("no criteria table");
    const rows = [...table[1].matchAll(/<tr><td>([^<]*)<\/td><td>([^<]*)<\/td><td class="num">(.*?)<\/td><td class="num">(.*?)<\/td>/gs)];
    if (rows.length !== d.criteria.length) throw new Error(`${rows.length} rows for ${d.criteria.length} criteria`);
    const shown = s => { const m = s.match(/^<data value="([^"]*)">[^<]*<\/data>$/); return m ? Number(m[1]) : s === "&ndash;" ? null : undefined; };
    d.criteria.forEach((c, i) => {
      const text = t => t.replace(/&#39;/g, "\x27").replace(/&quot;/g, "\x22").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
      const [des, crit] = [text(rows[i][1]), text(rows[i][2])];
      const [req, obs] = [rows[i][3], rows[i][4]];
      if (des !== c.designation || crit !== c.criterion) throw new Error(`row ${i}: ${des} ${crit}`);
      for (const [got, want] of [[shown(req), c.required], [shown(obs), c.observed]])
        if (want === null ? got !== null : !(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want))))
          throw new Error(`${c.name}: page ${got}, report ${want}`);
    });' "$1" "$2" || fail "the criteria table differs from the report"
}

page_login therapist@demo.example touchstone-demo
page /outcomes
printf '%s' "$OUT" > "$TMP/outcomes.html"
n=$(same_numbers "$TMP/outcomes.html" "$TMP/report.json")
[ "$n" -gt 40 ] || fail "only $n numbers compared"
# The funnel: one mark per registry cell, the therapist's highlighted.
assert_contains "$OUT" '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 760 430" role="img" aria-labelledby="funnel-title"'
cells=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));
  console.log(r.cells.filter(c => c.n_adjusted > 0 && c.observed_minus_expected !== null).length)' "$TMP/registry.json")
circles=$(grep -c '<circle cx="[0-9.]*" cy="[0-9.]*" r="4.5" fill="#fff" stroke="#000" stroke-width="1.3"><title>' <<<"$OUT" || true)
squares=$(grep -c '<rect x="[0-9.]*" y="[0-9.]*" width="10" height="10" fill="#000"><title>this therapist' <<<"$OUT" || true)
assert_eq "$((circles + squares))" "$cells" "marks in the funnel"
assert_eq "$squares" 1 "highlighted cells"
assert_contains "$OUT" '<text x="[0-9.]*" y="[0-9.]*" font-weight="bold">this therapist</text>'
grep -q 'stroke-dasharray="6 4" points="' <<<"$OUT" || fail "no 95% limits drawn"
# Another cell's funnel, chosen by link.
page "/outcomes?protocol=low-back-pain&instrument=odi"
assert_contains "$OUT" '<h2>Against the peers: Chronic low back pain, Oswestry Disability Index 2.1a</h2>'
# The certificates earned; only an admin issues them.
page /certificates
assert_contains "$OUT" 'Earned. The clinic.s admin issues the certificate'
post /certificates "practitioner=1&protocol=low-back-pain&instrument=nprs&designation=reproducible"
expect_status 403

# A researcher: the registry by label, never an id or a name.
page_login researcher@demo.example touchstone-demo
page "/outcomes?protocol=low-back-pain&instrument=nprs"
assert_contains "$OUT" '<h1>Registry outcomes</h1>'
grep -q 'this therapist\|Demo (synthetic)' <<<"$OUT" && fail "the registry view names a therapist"
labels=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(r.cells.map(c=>c.label).join(" "))' "$TMP/registry.json")
for l in $labels; do assert_contains "$OUT" "<tr><td>$l</td>"; done
page /certificates 403

# An admin: any therapist's dashboard, and the certificate.
page_login admin@demo.example touchstone-demo
page "/outcomes?practitioner=1"
printf '%s' "$OUT" > "$TMP/outcomes.html"
same_numbers "$TMP/outcomes.html" "$TMP/report.json" > /dev/null
page "/certificates?practitioner=1&protocol=low-back-pain&instrument=nprs"
assert_contains "$OUT" '<button type="submit">Issue the reproducible certificate</button>'
printf '%s' "$OUT" > "$TMP/certificates.html"
same_criteria "$TMP/certificates.html" "$TMP/report.json"
page "/outcomes?practitioner=1&protocol=low-back-pain&instrument=nprs"
printf '%s' "$OUT" > "$TMP/outcomes.html"
same_criteria "$TMP/outcomes.html" "$TMP/report.json"
page "/certificates?practitioner=1&protocol=sciatica&instrument=nprs"
assert_contains "$OUT" 'not earned yet'
grep -q 'Issue the' <<<"$OUT" && fail "a certificate offered where none is earned"
post /certificates "practitioner=1&protocol=sciatica&instrument=nprs&designation=reproducible"
expect_status 422
assert_contains "$OUT" 'min_episodes|complete episodes'
post /certificates "practitioner=1&protocol=low-back-pain&instrument=nprs&designation=reproducible"
expect_status 200
valid_html "the issued certificate"
assert_contains "$OUT" '<h1>Certificate issued</h1>'
assert_contains "$OUT" 'is <strong>reproducible</strong> in Chronic low back pain'
data=$(grep -oE 'href="data:application/json;base64,[A-Za-z0-9+/=]+" download="certificate-[0-9a-f]{32}\.json"' <<<"$OUT") ||
  fail "no download link"
b64=$(sed -E 's/^href="data:application\/json;base64,([^"]+)".*/\1/' <<<"$data")
printf '%s' "$b64" | base64 -d > "$TMP/issued.json"
expect_ok ts key export-public
PUB=$OUT
expect_ok ts verify "$TMP/issued.json" --public-key "$PUB"
assert_contains "$OUT" '^valid: certificate [0-9a-f]{32}$'
assert_contains "$data" "certificate-$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).certificate.id)' "$TMP/issued.json").json"
