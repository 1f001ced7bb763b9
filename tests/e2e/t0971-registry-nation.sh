#!/usr/bin/env bash
# The clinic sees the nation: two synthetic clinics push to the real
# registry; clinic A pulls the signed national document. A's practitioner
# report and outcomes page then compare against the national registry:
# "against N therapists in M clinics" (counted here in the registry's own
# tables), the nation's mean improvement per protocol x instrument (from the
# pulled document) beside the clinic's (computed here from A's summaries),
# and the therapist's percentile among the national cells (computed here
# from the document). Clinic B, which pulled nothing, says it stands alone.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"
. "$HERE/web-lib.sh"
. "$HERE/page-lib.sh"

registry_on_pg --min-cell 3   # small synthetic clinics: cells of 3 published
at() { local name=$1; shift; "$TOUCHSTONE" --db "$TMP/$name.db" "$@"; }
for spec in A:11:3:150 B:12:5:120; do
  IFS=: read -r name seed practitioners patients <<<"$spec"
  expect_ok at "$name" demo --seed "$seed" --practitioners "$practitioners" --patients "$patients"
  enroll_approved at "$name"
  expect_ok at "$name" push
done

# Before the pull: the clinic alone, saying so.
expect_ok at A --json report practitioner 1
assert_eq "$(json 'this.national.source')" clinic "source before the pull"
assert_contains "$(json 'this.national.sentence')" "^Compared against this clinic alone: no national registry document has been pulled"
expect_ok at A registry pull
expect_ok at A --json report practitioner 1
echo "$OUT" > report.json

# The scope, from the registry's tables.
clinics=$(psql_value "SELECT count(*) FROM registry_clinic WHERE status = 'approved'")
therapists=$(psql_value "SELECT count(DISTINCT r.practitioner_id) FROM registry_practitioner_ref r JOIN registry_clinic c ON c.id = r.clinic_id WHERE c.status = 'approved'")
assert_eq "$clinics" 2 "approved clinics"
[ "$therapists" -ge 5 ] || fail "expected at least 5 registry practitioners, got $therapists"
assert_eq "$(jq -r .national.source report.json)" registry "source"
assert_eq "$(jq -r .national.sentence report.json)" "against $therapists therapists in $clinics clinics" "sentence"

# Every group, recomputed: the clinic's mean improvement over its complete
# summaries (SQLite), the nation's from the pulled document, the percentile
# of the therapist's observed-minus-expected among the document's published
# cells of the group (below + half the ties).
sqlite3 A.db "SELECT document FROM registry_national" > pulled.json
sqlite3 -separator $'\t' A.db "SELECT protocol_id, instrument, count(*), avg(improvement) FROM episode_summary WHERE complete = 1 GROUP BY protocol_id, instrument" > clinic.tsv
python3 - report.json pulled.json clinic.tsv > expected.txt <<'PY'
import json, sys
rep, doc = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
clinic = {}
for line in open(sys.argv[3]):
    p, i, n, mean = line.rstrip("\n").split("\t")
    clinic[(p, i)] = (int(n), float(mean))
def close(a, b, where):
    if a is None or b is None:
        assert a is None and b is None, "%s: %r != %r" % (where, a, b)
    else:
        assert abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)), "%s: %r != %r" % (where, a, b)
groups = {(g["protocol"], g["instrument"]): g for g in rep["national"]["groups"]}
assert set(groups) == {(c["protocol"], c["instrument"]) for c in rep["cells"]}, "one group per cell"
ranked_any = 0
for c in rep["cells"]:
    k = (c["protocol"], c["instrument"])
    g = groups[k]
    n, mean = clinic[k]
    assert g["clinic_n_complete"] == n, (k, g["clinic_n_complete"], n)
    close(g["clinic_mean_improvement"], mean, "%s clinic mean" % (k,))
    models = [m for m in doc["models"] if (m["protocol"], m["instrument"]) == k]
    assert len(models) == 1, k
    close(g["national_mean_improvement"], models[0]["mean_improvement"], "%s national mean" % (k,))
    assert g["national_n_complete"] == models[0]["n_complete"], k
    cells = [x["observed_minus_expected"] for x in doc["cells"]
             if (x["protocol"], x["instrument"]) == k and not x["suppressed"]
             and x["observed_minus_expected"] is not None]
    assert g["national_cells"] == len(cells), (k, g["national_cells"], len(cells))
    v = c["observed_minus_expected"]
    if v is None or not cells:
        assert g["percentile"] is None, k
        continue
    want = 100.0 * (sum(x < v for x in cells) + 0.5 * sum(x == v for x in cells)) / len(cells)
    close(g["percentile"], want, "%s percentile" % (k,))
    ranked_any += 1
    print("%s\t%s\t%.10g\t%.10g" % (k[0], k[1], models[0]["mean_improvement"] or 0, want))
assert ranked_any > 0, "no cell ranked against the nation"
PY
[ -s expected.txt ] || fail "nothing to compare on the page"

# The outcomes page of the therapist (their own login) shows the same.
export TOUCHSTONE_DB="$TMP/A.db"
page_login therapist@demo.example touchstone-demo
page "/outcomes"
assert_contains "$OUT" "Compared against $therapists therapists in $clinics clinics of the national registry"
while IFS=$'\t' read -r protocol instrument mean pct; do
  row=$(grep -E "<tr data-protocol=\"$protocol\" data-instrument=\"$instrument\"><td>[^<]*</td><td>[^<]*</td><td class=\"num\" data-name=\"clinic_mean_improvement\">" <<<"$OUT" || true)
  [ -n "$row" ] || fail "no national row for $protocol/$instrument"
  got_pct=$(sed -nE 's/.*data-name="percentile"><data value="([^"]+)">.*/\1/p' <<<"$row")
  python3 -c 'import sys; a, b = map(float, sys.argv[1:]); assert abs(a - b) <= 1e-8 * max(1, abs(b)), (a, b)' \
    "$got_pct" "$pct" || fail "$protocol/$instrument: percentile $got_pct on the page, $pct expected"
done < expected.txt

# --- The national funnel on the page: the registry's published cells of the
# group and this therapist's cell against the national limits, recomputed
# here from the pulled document (the model's sigma and funnel tau2) and
# the therapist's cell of the clinic's funnel (report registry). ---
# The group: of the therapist's cells whose national model is published
# with a spread, the one with the most published national cells.
read -r fprotocol finstrument <<<"$(python3 - report.json pulled.json <<'PY'
import json, sys
rep, doc = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
best = None
for c in rep["cells"]:
    k = (c["protocol"], c["instrument"])
    m = [m for m in doc["models"] if (m["protocol"], m["instrument"]) == k][0]
    if not m["suppressed"] and (m["sigma"] or 0) > 0 and c["observed_minus_expected"] is not None:
        n = sum(1 for x in doc["cells"] if (x["protocol"], x["instrument"]) == k
                and not x["suppressed"] and x["observed_minus_expected"] is not None)
        if best is None or n > best[0]:
            best = (n, k)
if best:
    print(*best[1])
PY
)"
[ -n "$finstrument" ] || fail "no group of therapist 1 with a national funnel"
expect_ok at A --json report registry --protocol "$fprotocol" --instrument "$finstrument"
echo "$OUT" > clinic-registry.json
page "/outcomes?protocol=$fprotocol&instrument=$finstrument"
sed -n '/<section id="national-funnel">/,/<\/section>/p' <<<"$OUT" > national-funnel.html
[ -s national-funnel.html ] || fail "no national funnel on the outcomes page"
grep -q "<svg" national-funnel.html || fail "the national funnel has no plot: $(cat national-funnel.html)"
python3 - pulled.json clinic-registry.json national-funnel.html "$fprotocol" "$finstrument" <<'PY' || fail "the national funnel differs from the document"
import json, math, re, sys
doc, reg = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
html, k = open(sys.argv[3]).read(), (sys.argv[4], sys.argv[5])
def cell(name):
    m = re.search(r'data-name="%s"><data value="([^"]+)">' % name, html)
    return float(m.group(1)) if m else None
model = [m for m in doc["models"] if (m["protocol"], m["instrument"]) == k][0]
points = [c for c in doc["cells"] if (c["protocol"], c["instrument"]) == k
          and not c["suppressed"] and c["observed_minus_expected"] is not None
          and c["n_adjusted"] is not None]
assert cell("national_points") == len(points), (cell("national_points"), len(points))
marks = len(re.findall(r"<circle [^>]*[^/]><title>registry therapist", html))
assert marks == len(points) and len(points) > 0, (marks, len(points))
mine = [c for c in reg["cells"] if c["practitioner"] == 1][0]
n, oe = mine["n_adjusted"], mine["observed_minus_expected"]
assert cell("n") == n and abs(cell("observed_minus_expected") - oe) <= 1e-8 * max(1, abs(oe)), (cell("n"), n, oe)
tau2 = (model.get("funnel") or {}).get("tau2") or 0.0
spread = math.sqrt(model["sigma"] ** 2 / n + tau2)
lo, hi = -1.959964 * spread, 1.959964 * spread
lo998, hi998 = -3.090232 * spread, 3.090232 * spread
for name, want in (("national_lower95", lo), ("national_upper95", hi)):
    got = cell(name)
    assert abs(got - want) <= 1e-8 * max(1, abs(want)), (name, got, want)
pos = ("above 99.8%" if oe > hi998 else "above 95%" if oe > hi else
       "below 99.8%" if oe < lo998 else "below 95%" if oe < lo else "inside")
assert 'data-name="national_position">%s<' % pos in html, pos
PY

# --- The physician's report of an episode of this therapist compares with
# the nation: the JSON, the HTML file and the physician's link /p/{token}. ---
ep=$(sqlite3 A.db "SELECT id FROM episode WHERE practitioner_id = 1 AND protocol_id = '$fprotocol' ORDER BY id LIMIT 1")
[ -n "$ep" ] || fail "no episode of therapist 1 in $fprotocol"
expect_ok at A --json report physician --episode "$ep" --out phys-a.html
echo "$OUT" > phys-a.json
expect_ok at A --json report-link --episode "$ep" --to dr.synthetic@example.org
nonce=$(sqlite3 A.db "SELECT nonce FROM report_link WHERE id = $(json this.id)")
token=$(python3 - A.db.key "$nonce" <<'PY'
import base64, hashlib, sys
seed = open(sys.argv[1], "rb").read()[:32]
h = hashlib.blake2b(b"touchstone-link-v1\0report\0" + bytes.fromhex(sys.argv[2]), key=seed, digest_size=32)
print(base64.urlsafe_b64encode(h.digest()).decode().rstrip("="))
PY
)
logout_local
http GET "/p/$token"
expect_status 200
echo "$OUT" > phys-a-link.html
python3 - phys-a.json report.json pulled.json phys-a.html phys-a-link.html "$fprotocol" "against $therapists therapists in $clinics clinics" <<'PY' || fail "the physician's report differs from the nation"
import json, re, sys
phys, rep, doc = (json.load(open(f)) for f in sys.argv[1:4])
pages = [open(f).read() for f in sys.argv[4:6]]
protocol, sentence = sys.argv[6], sys.argv[7]
def close(a, b, where):
    if a is None or b is None:
        assert a is None and b is None, "%s: %r != %r" % (where, a, b)
    else:
        assert abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)), "%s: %r != %r" % (where, a, b)
assert phys["source"] == "registry" and phys["sentence"] == sentence, (phys["source"], phys["sentence"])
mine = [c for c in rep["cells"] if c["protocol"] == protocol]
assert [g["instrument"] for g in phys["groups"]] == [c["instrument"] for c in mine]
ranked = 0
for g, c in zip(phys["groups"], mine):
    k = (protocol, c["instrument"])
    assert g["n"] == c["n"], k
    close(g["mean_improvement"], c["mean_improvement"], "%s mean" % (k,))
    model = [m for m in doc["models"] if (m["protocol"], m["instrument"]) == k][0]
    close(g["national_mean_improvement"], model["mean_improvement"], "%s national mean" % (k,))
    cells = [x["observed_minus_expected"] for x in doc["cells"]
             if (x["protocol"], x["instrument"]) == k and not x["suppressed"]
             and x["observed_minus_expected"] is not None]
    v = c["observed_minus_expected"]
    want = None if v is None or not cells else \
        100.0 * (sum(x < v for x in cells) + 0.5 * sum(x == v for x in cells)) / len(cells)
    close(g["percentile"], want, "%s percentile" % (k,))
    assert g["national_cells"] == len(cells), k
    for page in pages:
        assert "compared with the national registry, " + sentence in page, "sentence"
        row = re.search(r'<li data-instrument="%s">(.*?)</li>' % c["instrument"], page).group(1)
        got = re.search(r'data-name="percentile"(?: data-value="([^"]+)")?>', row).group(1)
        close(None if got is None else float(got), want, "%s percentile in the HTML" % (k,))
    ranked += want is not None
assert ranked > 0, "no group ranked in the physician's report"
PY

# Clinic B pulled nothing: the page and the report say the clinic stands alone.
export TOUCHSTONE_DB="$TMP/B.db"
page_login admin@demo.example touchstone-demo
page "/outcomes?practitioner=1"
assert_contains "$OUT" "Compared against this clinic alone: no national registry document has been pulled"
! grep -q 'class="list national"' <<<"$OUT" || fail "clinic B shows a national table"
expect_ok at B --json report practitioner 1
assert_eq "$(json 'this.national.source')" clinic "B's source"
echo "$OUT" > report-b.json
# The national funnel says so too.
page "/outcomes?practitioner=1"
assert_contains "$(sed -n '/<section id="national-funnel">/,/<\/section>/p' <<<"$OUT")" 'national-funnel-none">Compared against this clinic alone'
# B's physician's report: against the clinic alone, saying so; the clinic's
# mean improvement over its complete summaries (SQLite) and the therapist's
# percentile among the clinic's published cells, computed here.
bp=$(jq -r '.cells[0].protocol' report-b.json)
epb=$(sqlite3 B.db "SELECT id FROM episode WHERE practitioner_id = 1 AND protocol_id = '$bp' ORDER BY id LIMIT 1")
expect_ok at B --json report physician --episode "$epb" --out phys-b.html
echo "$OUT" > phys-b.json
sqlite3 -separator $'\t' B.db "SELECT protocol_id, instrument, count(*), avg(improvement) FROM episode_summary WHERE complete = 1 AND protocol_id = '$bp' GROUP BY protocol_id, instrument" > clinic-b.tsv
for ins in $(jq -r '.groups[].instrument' phys-b.json); do
  expect_ok at B --json report registry --protocol "$bp" --instrument "$ins"
  echo "$OUT" > "reg-b-$ins.json"
done
python3 - phys-b.json report-b.json clinic-b.tsv phys-b.html "$bp" <<'PY' || fail "B's physician's report differs"
import json, re, sys
phys, rep = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
page, protocol = open(sys.argv[4]).read(), sys.argv[5]
clinic = {}
for line in open(sys.argv[3]):
    p, i, n, mean = line.rstrip("\n").split("\t")
    clinic[i] = (int(n), float(mean))
assert phys["source"] == "clinic", phys["source"]
assert phys["sentence"].startswith("Compared against this clinic alone: no national registry document has been pulled"), phys["sentence"]
assert "Compared against this clinic alone: no national registry document has been pulled" in page
assert 'data-source="clinic"' in page
mine = {c["instrument"]: c for c in rep["cells"] if c["protocol"] == protocol}
assert sorted(g["instrument"] for g in phys["groups"]) == sorted(mine), "groups"
for g in phys["groups"]:
    ins = g["instrument"]
    n, mean = clinic[ins]
    assert g["clinic_n_complete"] == n, (ins, g["clinic_n_complete"], n)
    assert abs(g["clinic_mean_improvement"] - mean) <= 1e-9 * max(1, abs(mean)), (ins, g["clinic_mean_improvement"], mean)
    reg = json.load(open("reg-b-%s.json" % ins))
    cells = [x["observed_minus_expected"] for x in reg["cells"]
             if not x["suppressed"] and x["observed_minus_expected"] is not None]
    v = mine[ins]["observed_minus_expected"]
    want = None if v is None or not cells else \
        100.0 * (sum(x < v for x in cells) + 0.5 * sum(x == v for x in cells)) / len(cells)
    got = g["percentile"]
    assert (got is None and want is None) or abs(got - want) <= 1e-9 * max(1, abs(want)), (ins, got, want)
    assert g["clinic_cells"] == len(cells), ins
    row = re.search(r'<li data-instrument="%s">(.*?)</li>' % ins, page).group(1)
    m = re.search(r'data-name="clinic_mean_improvement" data-value="([^"]+)"', row)
    assert m and abs(float(m.group(1)) - mean) <= 1e-9 * max(1, abs(mean)), ins
PY

# A kept document that no longer verifies is not used: the clinic alone.
sqlite3 A.db "UPDATE registry_national SET document = replace(document, '\"clinics\":2', '\"clinics\":3')"
expect_ok at A --json report practitioner 1
assert_eq "$(json 'this.national.source')" clinic "source of a tampered document"
assert_contains "$(json 'this.national.sentence')" "no longer verifies"
registry_stop
echo "ok t0971-registry-nation"
