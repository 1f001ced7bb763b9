#!/usr/bin/env bash
# The progress chart and the physician's report through the pages: the
# chart of the primary instrument (and of another, chosen), the outcome
# numbers of `touchstone report episode`, the report inside the page
# chrome (no inline style: the CSP), the same report as `touchstone
# report physician`, and its download.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/web-lib.sh"
. "$here/page-lib.sh"

expect_ok ts demo
E=$(sql "SELECT e.id FROM episode e WHERE e.practitioner_id = 1 AND e.ended_on IS NOT NULL AND e.protocol_id = 'low-back-pain' AND e.referral_id IS NOT NULL ORDER BY e.id LIMIT 1")
[ -n "$E" ] || fail "no closed episode with a referral in the demo"
patient=$(sql "SELECT p.name FROM episode e JOIN patient p ON p.id = e.patient_id WHERE e.id = $E")
expect_ok ts --json report episode "$E"
echo "$OUT" > "$TMP/episode.json"

page_login therapist@demo.example touchstone-demo
page "/episodes/$E"
assert_contains "$OUT" "href=\"/episodes/$E/chart\">Progress chart</a>"
assert_contains "$OUT" "href=\"/episodes/$E/report\">Report for the physician</a>"

# The chart: the primary instrument by default, with the MCID band, the
# baseline and the responder line; another instrument when chosen.
page "/episodes/$E/chart"
primary=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));
  console.log(r.outcomes.find(o => o.role === "primary").instrument)' "$TMP/episode.json")
assert_contains "$OUT" "<option value=\"$primary\" selected>"
assert_contains "$OUT" '<svg[^>]* role="img"'
assert_contains "$OUT" 'change below the MCID'
assert_contains "$OUT" 'responder line'
# Each instrument's row holds the report's numbers.
node -e '
  const fs = require("fs");
  const html = fs.readFileSync(0, "utf8");
  const r = JSON.parse(fs.readFileSync(process.argv[1]));
  const fmt = v => v === null ? "\u2013" : (Math.round(v * 100) / 100).toString().replace("-", "\u2212");
  for (const o of r.outcomes) {
    const row = html.match(new RegExp(`instrument=${o.instrument}">[^<]*</a></td><td>${o.role}</td>(.*?)</tr>`));
    if (!row) throw new Error("no row for " + o.instrument);
    const cells = [...row[1].matchAll(/<td class="num">([^<]*)<\/td>/g)].map(m => m[1]
      .replace("&ndash;", "\u2013").replace("&minus;", "\u2212").replace(/^\+/, ""));
    const want = [o.baseline, o.discharge, o.improvement, o.followup].map(fmt);
    if (JSON.stringify(cells) !== JSON.stringify(want))
      throw new Error(`${o.instrument}: page ${cells}, report ${want}`);
  }' "$TMP/episode.json" <<<"$OUT" || fail "the chart page's outcome numbers differ from the report's"
other=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));
  const o=r.outcomes.find(o => o.role !== "primary" && o.baseline !== null) || r.outcomes[1]; console.log(o.instrument)' "$TMP/episode.json")
page "/episodes/$E/chart?instrument=$other"
assert_contains "$OUT" "<option value=\"$other\" selected>"
page "/episodes/$E/chart?instrument=no-such" 404

# The report inside the page: its body, no inline style, the print link.
page "/episodes/$E/report"
assert_contains "$OUT" '<article class="report">'
assert_contains "$OUT" '<h1>Progress report</h1>'
grep -qi '<style' <<<"$OUT" && fail "inline style in the report page"
assert_contains "$OUT" "download>Download for the physician \\(HTML\\)</a>"
printf '%s' "$OUT" > "$TMP/page.html"
# The same report as the command line writes, to the byte.
expect_ok ts report physician --episode "$E" --out "$TMP/cli.html"
node -e '
  const fs = require("fs");
  const body = s => s.slice(s.indexOf("<body>") + 6, s.indexOf("</body>"));
  const page = fs.readFileSync(process.argv[1], "utf8");
  const article = page.slice(page.indexOf("<article class=\"report\">\n") + 25, page.indexOf("</article>"));
  const cli = body(fs.readFileSync(process.argv[2], "utf8"));
  if (article !== cli) { console.error(article.slice(0, 300)); console.error(cli.slice(0, 300)); process.exit(1); }
' "$TMP/page.html" "$TMP/cli.html" || fail "the page's report differs from the command line's"
assert_contains "$(cat "$TMP/cli.html")" "$patient"

# The download: the standalone document, as an attachment.
http GET "/episodes/$E/report.html"
expect_status 200
assert_eq "$(header Content-Disposition)" "attachment; filename=\"progress-report-$E.html\""
assert_contains "$OUT" '^<!DOCTYPE html>'
assert_contains "$OUT" '<style>'
