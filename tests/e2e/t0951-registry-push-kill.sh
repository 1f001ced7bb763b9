#!/usr/bin/env bash
# kill -9 of `touchstone push` at random moments, many times, then one push
# to the end: the registry (a loopback receiver, t0959) holds exactly what
# a clean push of the same clinic gives, every batch accepted once and in
# order, nothing lost and nothing doubled.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

RCV_PIDS=()
trap 'for p in "${RCV_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"' EXIT
# receiver DIR: starts a receiver keeping its files in DIR; sets REG.
receiver() {
  mkdir "$1"
  python3 "$HERE/t0959-registry-receiver.py" "$1" 2> "$1.err" &
  RCV_PIDS+=($!)
  for _ in $(seq 1 100); do [ -f "$1/port" ] && break; sleep 0.1; done
  [ -f "$1/port" ] || fail "the receiver did not start: $(cat "$1.err")"
  REG="http://127.0.0.1:$(cat "$1/port")"
}
# enrolled DB DIR: the clinic DB enrolled and approved at receiver DIR.
enrolled() {
  receiver "$2"
  TOUCHSTONE_DB=$1 expect_ok ts registry enroll --url "$REG"
  curl -sf -X POST -d '{"clinic": 1}' "$REG/test/approve" > /dev/null
}
# rows DIR: the rows the registry holds, without the pseudonyms (which
# each database draws for itself), one canonical line each, sorted.
rows() {
  python3 - "$1/state.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
prac = d["practitioners"]
out = []
for r in d["rows"].values():
    p = prac[r.pop("practitioner")]
    r.pop("episode")
    r["npi"], r["license"] = p["npi"], p["license"]
    out.append(json.dumps(r, sort_keys=True))
print("\n".join(sorted(out)))
PY
}

expect_ok ts init --clinic "Demo Clinic (synthetic)"
expect_ok ts demo --seed 42
summaries=$(sql "SELECT count(*) FROM episode_summary")
cp "$TOUCHSTONE_DB" clean.db
cp "$TOUCHSTONE_DB.key" clean.db.key

# The clean push, in one go.
enrolled clean.db clean
started=$(date +%s%N)
TOUCHSTONE_DB=clean.db expect_ok ts push --batch-rows 9 --json
# The kills land at random moments of a whole push, as long as the clean
# one took on this machine (a loaded machine is slower to start).
span_ms=$(( ($(date +%s%N) - started) / 1000000 ))
assert_eq "$(json 'this.rows')" "$summaries" "clean rows"
# A first push's batches hold disjoint, ascending ranges of episodes (the
# rows are taken in pseudonym order), so that the registry copies each
# straight into its table and extends its partial states.
python3 - clean/received <<'PY' || fail "a first push's batches are not in episode order"
import glob, json, sys
last, batches = "", 0
for f in sorted(glob.glob(sys.argv[1] + "/*.body")):
    body = json.load(open(f))
    if "batch" not in body:
        continue
    episodes = [r["episode"] for r in body["batch"]["rows"]]
    assert episodes == sorted(episodes), f
    assert episodes[0] > last, (f, episodes[0], last)
    last, batches = episodes[-1], batches + 1
assert batches > 3, batches
PY

# The killed pushes.
enrolled "$TOUCHSTONE_DB" killed
for i in $(seq 1 "${TOUCHSTONE_KILLS:-20}"); do # 50 in make test-long
  "$TOUCHSTONE" push --batch-rows 9 > /dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v r=$RANDOM -v s="$span_ms" 'BEGIN { printf "%.3f", r / 32767 * s / 1000 }')"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
before=$(wc -l < killed/accepted.log 2>/dev/null || echo 0)
[ "$before" -gt 0 ] || fail "no killed push got a batch through"
expect_ok ts push --batch-rows 9 --json
expect_ok ts push
assert_eq "$OUT" "nothing to push"

n=$(wc -l < killed/accepted.log)
assert_eq "$(cut -d' ' -f1 killed/accepted.log | tr '\n' ' ')" "$(seq -s ' ' 1 "$n") " \
  "every batch accepted once, in order"
assert_eq "$(awk '{s += $3} END {print s}' killed/accepted.log)" "$summaries" \
  "rows accepted over all batches"
assert_eq "$(sql "SELECT count(*) FROM registry_outbound WHERE acked_at IS NULL")" 0 "nothing waiting"
assert_eq "$(sql "SELECT count(*) FROM registry_pushed")" "$summaries" "rows acknowledged"
rows clean > clean.rows
rows killed > killed.rows
assert_eq "$(wc -l < killed.rows)" "$summaries" "rows the registry holds"
cmp -s clean.rows killed.rows || fail "the killed pushes left another registry than a clean push: $(diff clean.rows killed.rows | head -5)"
echo "ok - registry push killed at random moments"
