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

expect_ok ts registry init --pg "$TOUCHSTONE_PG" --key "$TMP/registry.key"
registry_start --pg "$TOUCHSTONE_PG" --min-cell 3   # small synthetic clinics: cells of 3 published
at() { local name=$1; shift; "$TOUCHSTONE" --db "$TMP/$name.db" "$@"; }
for spec in A:11:3:150 B:12:5:120; do
  IFS=: read -r name seed practitioners patients <<<"$spec"
  expect_ok at "$name" demo --seed "$seed" --practitioners "$practitioners" --patients "$patients"
  expect_ok at "$name" registry enroll --url "$REG_URL" --json
  expect_ok ts registry clinic approve "$(json 'this.clinic')" --pg "$TOUCHSTONE_PG"
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

# Clinic B pulled nothing: the page and the report say the clinic stands alone.
export TOUCHSTONE_DB="$TMP/B.db"
page_login admin@demo.example touchstone-demo
page "/outcomes?practitioner=1"
assert_contains "$OUT" "Compared against this clinic alone: no national registry document has been pulled"
! grep -q 'class="list national"' <<<"$OUT" || fail "clinic B shows a national table"
expect_ok at B --json report practitioner 1
assert_eq "$(json 'this.national.source')" clinic "B's source"

# A kept document that no longer verifies is not used: the clinic alone.
sqlite3 A.db "UPDATE registry_national SET document = replace(document, '\"clinics\":2', '\"clinics\":3')"
expect_ok at A --json report practitioner 1
assert_eq "$(json 'this.national.source')" clinic "source of a tampered document"
assert_contains "$(json 'this.national.sentence')" "no longer verifies"
registry_stop
echo "ok t0971-registry-nation"
