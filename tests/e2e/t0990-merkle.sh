#!/usr/bin/env bash
# The transparency log's Merkle tree (RFC 9162) against an independent
# implementation in Python (t0990-merkle-reference.py): roots, inclusion and
# consistency proofs for every tree size from 1 to 64, every leaf index and
# every pair of sizes, random larger sizes, and the checks that must fail
# (tampered leaf, wrong index, truncated proof, another tree's proof, a
# rewritten history). Then the known values and the driver's bad input.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

python3 "$HERE/t0990-merkle-reference.py" requests.txt expected.txt
ts test-merkle < requests.txt > actual.txt ||
  fail "test-merkle failed on the reference requests"
# The reference asks for every case above; make sure it did.
[ "$(grep -c '^inclusion ' expected.txt)" -ge 2080 ] || fail "too few inclusion proofs"
[ "$(grep -c '^consistency ' expected.txt)" -ge 2080 ] || fail "too few consistency proofs"
grep -q '^root 4097 ' expected.txt || fail "no tree of 4,097 leaves"
grep -q ' fail root_hash$' expected.txt || fail "no failing inclusion check"
grep -q ' fail first_hash$' expected.txt || fail "no failing consistency check"
if ! cmp -s expected.txt actual.txt; then
  diff expected.txt actual.txt | head -20 >&2
  fail "test-merkle differs from the Python reference"
fi

# Known values: the empty tree is SHA-256 of nothing; one leaf's root is
# its leaf hash, SHA-256(0x00 || leaf).
empty=$(printf '' | sha256sum | cut -d' ' -f1)
one=$(printf 'synthetic leaf' | xxd -p | tr -d '\n')
one_hash=$( (printf '\x00'; printf 'synthetic leaf') | sha256sum | cut -d' ' -f1)
expect_ok ts test-merkle <<<"root 0
leaf $one
root 1
inclusion 0 1
consistency 1 1"
assert_eq "$OUT" "root 0 $empty
root 1 $one_hash
inclusion 0 1
consistency 1 1" "empty and one-leaf trees"

# Bad requests: exit 2 naming the field and the line.
expect_refused 2 "test-merkle: request: line 1: 'graft' is not a request" \
  ts test-merkle <<<"graft 1 2"
expect_refused 2 "inclusion: line 2: size 2 is above the 1 leaves given" \
  ts test-merkle <<<"leaf 00
inclusion 0 2"
expect_refused 2 "leaf: line 1: not hex" ts test-merkle <<<"leaf zz"
expect_refused 2 "verify-inclusion: line 1: 'nothex' is not a hash" \
  ts test-merkle <<<"verify-inclusion 0 2 $empty $empty nothex"
expect_refused 2 "root: line 1: needs one size N" ts test-merkle <<<"root -1"
expect_ok ts --help
assert_contains "$OUT" "^  test-merkle +.*\(for tests\)"
echo "ok"
