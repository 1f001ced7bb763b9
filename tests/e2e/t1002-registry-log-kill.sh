#!/usr/bin/env bash
# The log is crash-safe: the registry server is killed (SIGKILL) at random
# moments while clinics ask for certificates, and restarted. Afterwards
# every certificate leaf has its certificate row and every row its leaf,
# every size has its signed tree head, the subtree hashes give the roots
# and proofs of RFC 9162 (checked in Python), and the monitor finds the log
# consistent.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/t0949-registry-lib.bash"

registry_with_demo_clinic
# An empty log has no tree head yet.
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$REG_URL/log/v1/sth")" 404 "empty log"

restart() {
  rm -f "$TMP/reg.out"   # read only what the new server writes
  "$TOUCHSTONE" registry serve --pg "$TOUCHSTONE_PG" --key "$TMP/registry.key" \
    --listen "${REG_URL#http://}" > "$TMP/reg.out" 2> "$TMP/reg.err" &
  REG_PID=$!
  local i
  for i in $(seq 1 100); do
    grep -q '^listening on ' "$TMP/reg.out" 2>/dev/null && return 0
    kill -0 "$REG_PID" 2>/dev/null || fail "registry serve exited: $(cat "$TMP/reg.err")"
    sleep 0.1
  done
  fail "registry serve did not restart"
}

issued=0
for round in $(seq 1 12); do
  for i in 1 2 3; do
    at registry certify --practitioner 1 --protocol low-back-pain --instrument nprs \
      --out "$TMP/r$round-$i.json" > /dev/null 2>&1 &
  done
  sleep "0.$(( RANDOM % 30 ))"
  kill -9 "$REG_PID"; wait "$REG_PID" 2>/dev/null || true
  wait   # the clients: some got a certificate, some lost the connection
  for i in 1 2 3; do [ -s "$TMP/r$round-$i.json" ] && issued=$((issued + 1)); done
  restart
done
expect_ok at registry certify --practitioner 1 --protocol low-back-pain --instrument odi --out "$TMP/last.json"
issued=$((issued + 1))

size=$(psql_value "SELECT count(*) FROM registry_log_leaf")
[ "$size" -ge "$issued" ] || fail "$issued certificates issued but $size leaves"
assert_eq "$(psql_value "SELECT max(leaf_index) + 1 FROM registry_log_leaf")" "$size" "no gap in the leaves"
assert_eq "$(psql_value "SELECT count(*) FROM registry_log_leaf l WHERE NOT EXISTS (SELECT 1 FROM registry_certificate c WHERE c.leaf_index = l.leaf_index)")" 0 "leaves without a certificate"
assert_eq "$(psql_value "SELECT count(*) FROM registry_certificate")" "$size" "certificates"
assert_eq "$(psql_value "SELECT count(*) FROM registry_tree_head")" "$size" "one tree head per size"
# Every certificate a client kept is the one the registry holds.
for f in "$TMP"/r*.json "$TMP/last.json"; do
  [ -s "$f" ] || continue
  id=$(jq -r .certificate.id "$f")
  assert_eq "$(psql_value "SELECT md5(document || E'\\n') FROM registry_certificate WHERE id = $id")" \
    "$(md5sum < "$f" | cut -d' ' -f1)" "certificate $id as kept"
  expect_ok ts verify "$f" --registry-key "$REG_KEY" --url "$REG_URL"
done
expect_ok python3 "$HERE/t1000-log-proofs.py" "$REG_URL" 1002
expect_ok ts --json registry log verify --url "$REG_URL" --registry-key "$REG_KEY"
assert_eq "$(json 'this.tree_size')" "$size" "monitored size"
registry_stop
echo "ok t1002-registry-log-kill"
