#!/usr/bin/env bash
# The progress report to the referring physician: a self-contained HTML
# page with the patient, the referral, the protocol, the sessions, an SVG
# chart of the primary instrument (baseline, scores, follow-ups, MCID band,
# responder line), the change against the MCID and the plan; escaped; and
# as PDF through headless Chromium, with a clear message without it.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/docs-course.inc"

expect_ok ts report physician --episode "$episode" --out report.html
[ -z "$OUT" ] || fail "--out also printed"
html=$(cat report.html)
for want in "<h1>Progress report</h1>" "Synthetic Test Clinic" "Pat Synthetic" "1975-04-12" \
    "Dr Orla Fictive \(Family medicine\), NPI 1245319599" "chronic low back pain" "M54.50,M54.59" \
    "Chronic low back pain \(low-back-pain\)" "Ada Synthetic, LMT, NPI 1234567893" \
    "2026-01-05 to 2026-01-26 \(discharged\), 4 sessions" \
    "Oswestry Disability Index 2.1a went from 50 at baseline to 13.33 at discharge: an improvement of 36.67" \
    "a responder\." "follow-up 28 days after discharge \(sustained\)" \
    "From the last session: continue" "Discharged on 2026-01-26"; do
  assert_contains "$html" "$want"
done
# The change table: NPRS 7 -> 3 (improvement 4 >= MCID 2), ODI 50 -> 13.33.
assert_contains "$html" "<td>Numeric pain rating scale</td><td class=\"n\">7</td><td class=\"n\">3</td><td class=\"n\">4</td><td>2 or 30%</td><td>yes</td><td class=\"n\">2</td><td>yes</td>"
# The sessions with the primary instrument (ODI) after the last one.
assert_contains "$html" "<td class=\"n\">4</td><td>2026-01-26</td><td class=\"n\">60</td><td>introductory 10, kneading 35, friction 5, trigger-point 5, stretching 3, circulatory 2</td><td class=\"n\">-</td><td class=\"n\">13.33</td>"
# Self-contained: no script, no external resource; print CSS.
! grep -qiE '<script|<link|src="|href="http' report.html || fail "not self-contained"
assert_contains "$html" "@page\{size:letter"
assert_contains "$html" "@media print"

# The chart: one SVG with the band, the baseline and the responder line at
# the right heights, and a marker per score.
node -e '
  const html = require("fs").readFileSync("report.html", "utf8");
  const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) || [];
  if (svgs.length !== 1) throw new Error("svg count " + svgs.length);
  const svg = svgs[0];
  // Well-formed: every tag closed in order, attributes quoted, no raw & or <.
  const stack = [];
  const re = /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<]*")*)\s*(\/?)>|<|&(?!(amp|lt|gt|quot|#39|middot);)/g;
  let m, last = 0;
  while ((m = re.exec(svg))) {
    if (!m[2]) throw new Error("raw < or & at " + m.index + ": " + svg.slice(m.index, m.index + 40));
    if (m[1]) { if (stack.pop() !== m[2]) throw new Error("bad close " + m[2]); }
    else if (!m[4]) stack.push(m[2]);
  }
  if (stack.length) throw new Error("unclosed " + stack);
  const need = ["class=\"mcid-band\"", "class=\"baseline\"", "class=\"responder\"", "role=\"img\"",
                "<title", "<desc", "baseline score", "after session", "follow-up",
                "responder line 40", "change below the MCID", "days since the start of the episode"];
  for (const n of need) if (!svg.includes(n)) throw new Error("chart lacks " + n);
  // The y axis is the ODI scale 0-100 over the plot: baseline 50 and the
  // responder line 40 (50 - 10, the absolute MCID, reached before 30%).
  const y = cls => Number(svg.match(new RegExp("class=\"" + cls + "\" x1=\"[0-9.]+\" y1=\"([0-9.]+)\""))[1]);
  const ticks = [...svg.matchAll(/<text x="[0-9.]+" y="([0-9.]+)" text-anchor="end">(\d+)<\/text>/g)]
                  .map(t => [Number(t[2]), Number(t[1]) - 4]);
  const at = v => { const a = ticks.find(t => t[0] === 0), b = ticks.find(t => t[0] === 100);
                    return a[1] + (b[1] - a[1]) * v / 100; };
  if (Math.abs(y("baseline") - at(50)) > 0.2) throw new Error("baseline at " + y("baseline"));
  if (Math.abs(y("responder") - at(40)) > 0.2) throw new Error("responder at " + y("responder"));
  // Markers: one baseline diamond, one square after session 4, one triangle.
  const series = svg.split("<g class=\"series\"").slice(1);
  const counts = series.map(s => (s.split("</g>")[0].match(/<(circle|rect|path) /g) || []).length);
  if (counts.join() !== "1,1,1") throw new Error("markers " + counts);
' || fail "the chart"

# Escaping: a name with markup.
expect_ok ts patient add --name 'Kim <b>Bold</b> & "Quoted"' --dob 1980-01-01 --sex male
expect_ok ts --json episode open --patient 2 --practitioner 1 --protocol low-back-pain \
  --icd10 M54.50 --start 2026-03-02 --screen screen.json
ep2=$(json 'this.id')
expect_ok ts report physician --episode "$ep2"
assert_contains "$OUT" "Kim &lt;b&gt;Bold&lt;/b&gt; &amp; &quot;Quoted&quot;"
! grep -qF '<b>Bold' <<<"$OUT" || fail "markup from data in the page"
# An episode without scores or sessions still reports, saying so.
assert_contains "$OUT" "No outcome score has been recorded yet"
assert_contains "$OUT" "no session yet"
assert_contains "$OUT" "in progress"
# An open episode with scores: the latest session, "so far".
expect_ok ts observe --episode "$ep2" --instrument nprs --timepoint baseline --at 2026-03-02T09:00Z --value 8
expect_ok ts session add --episode "$ep2" --start 2026-03-02T10:00Z --minutes 45 \
  --phase introductory:5 --phase kneading:30 --phase circulatory:10
expect_ok ts observe --episode "$ep2" --session 5 --instrument nprs --timepoint post --at 2026-03-02T10:50Z --value 5
expect_ok ts report physician --episode "$ep2"
assert_contains "$OUT" "went from 8 at baseline to 5 at the latest session: an improvement of 3"
assert_contains "$OUT" "<td>yes \(so far\)</td>"

# Refusals.
expect_refused 2 "report physician: episode: no episode 99" ts report physician --episode 99
expect_refused 2 "episode: missing" ts report physician
expect_refused 1 "out: unable to write" ts report physician --episode 1 --out /nonexistent/r.html
TOUCHSTONE_CHROMIUM=/nonexistent/chromium expect_refused 1 \
  "pdf: PDF needs Chromium, and '/nonexistent/chromium' is not installed" \
  ts report physician --episode 1 --pdf r.pdf
[ ! -e r.pdf ] || fail "a PDF without Chromium"

# PDF through headless Chromium, when installed.
if [ -x /usr/bin/chromium ]; then
  expect_ok ts report physician --episode "$episode" --pdf report.pdf
  [ -z "$OUT" ] || fail "--pdf alone printed the HTML"
  head -c 5 report.pdf | grep -q '%PDF-' || fail "not a PDF"
  pages=$(grep -aoE '/Type ?/Page([^s]|$)' report.pdf | wc -l)
  [ "$pages" -ge 1 ] && [ "$pages" -le 2 ] || fail "the report prints on $pages pages"
  ! ls /tmp/touchstone-report-* >/dev/null 2>&1 || fail "temporary files left behind"
fi
