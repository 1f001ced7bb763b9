# A real SMTP server (tests/e2e/smtp-server.py, aiosmtpd) on a free
# loopback port for the mail tests. Source after lib.sh.
#
# smtp_start [--delay SECONDS] [--auth USER:PASSWORD]: starts it, with its
#   messages in $MAILDIR (one file each); sets SMTP_PORT, SMTP_URL and
#   SMTP_PID. A trap stops it when the test ends, whatever happens.
# smtp_stop: stops it (the port is then closed: a sender gets "connection
#   refused").
# mail_count: the number of messages received.
# make_cert NAME: a self-signed certificate for 127.0.0.1 (CN and SAN, and
#   DNS localhost) made by openssl: $TMP/NAME.crt and $TMP/NAME.key, to
#   give smtp_start --tls $TMP/NAME.crt:$TMP/NAME.key and, as the private
#   authority, mail configure --ca-file $TMP/NAME.crt. With --tls the
#   server requires STARTTLS and logs each AUTH to $TMP/auth.log.
# link_token PURPOSE NONCE: the token of a link by the documented formula
#   (docs/patient-reported.md), computed here: BLAKE2b-256 keyed with the
#   seed of the clinic's key ($TOUCHSTONE_DB.key) over "touchstone-link-v1"
#   0 PURPOSE 0 nonce, in unpadded base64url.

SMTP_PYTHON=${SMTP_PYTHON:-}
if [ -z "$SMTP_PYTHON" ]; then
  for p in /usr/bin/python3 python3; do
    if "$p" -c 'import aiosmtpd' 2>/dev/null; then SMTP_PYTHON=$p; break; fi
  done
fi
[ -n "$SMTP_PYTHON" ] || fail "no python3 with aiosmtpd (Debian python3-aiosmtpd)"
MAILDIR="$TMP/mail"
mkdir -p "$MAILDIR"
SMTP_PID=""
trap 'smtp_stop_quiet; rm -rf "$TMP"' EXIT

smtp_start() {
  rm -f "$TMP/smtp.port"
  "$SMTP_PYTHON" "$(dirname "${BASH_SOURCE[0]}")/smtp-server.py" --dir "$MAILDIR" \
    --port-file "$TMP/smtp.port" "$@" > "$TMP/smtp.log" 2>&1 &
  SMTP_PID=$!
  local i
  for i in $(seq 1 100); do
    if [ -s "$TMP/smtp.port" ]; then
      SMTP_PORT=$(cat "$TMP/smtp.port")
      SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
      return 0
    fi
    kill -0 "$SMTP_PID" 2>/dev/null || fail "smtp server exited: $(cat "$TMP/smtp.log")"
    sleep 0.1
  done
  fail "smtp server did not start: $(cat "$TMP/smtp.log")"
}

smtp_stop_quiet() {
  if [ -n "$SMTP_PID" ]; then
    kill -TERM "$SMTP_PID" 2>/dev/null || true
    wait "$SMTP_PID" 2>/dev/null || true
    SMTP_PID=""
  fi
}

smtp_stop() { smtp_stop_quiet; }

link_token() {
  "$SMTP_PYTHON" - "$TOUCHSTONE_DB.key" "$1" "$2" <<'PY'
import base64, hashlib, sys
seed = open(sys.argv[1], "rb").read()[:32]
h = hashlib.blake2b(b"touchstone-link-v1\0" + sys.argv[2].encode() + b"\0" + bytes.fromhex(sys.argv[3]), key=seed, digest_size=32)
print(base64.urlsafe_b64encode(h.digest()).decode().rstrip("="))
PY
}

mail_count() { find "$MAILDIR" -name '*.eml' | wc -l; }

make_cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$TMP/$1.key" -out "$TMP/$1.crt" 2> "$TMP/openssl.log" ||
    fail "openssl req: $(cat "$TMP/openssl.log")"
}

# mail_clinic: the clinic of the mail tests: one trained therapist (id 1).
mail_clinic() {
  record_clinic
  expect_ok ts practitioner add --name "Ada Synthetic" --license MA-1 --credentials LMT
  train_lbp 1 2020-01-01 32 2021-01-01
}

# closed_episode NAME EMAIL [BASELINE]: a patient with a low-back-pain
# episode of therapist 1 that ended on 2026-06-20 (its 24h follow-up
# window: 2026-06-21 to 2026-07-18), with an NPRS baseline when given;
# prints the episode's id.
closed_episode() {
  expect_ok ts patient add --name "$1" --dob 1970-02-03 --sex male --email "$2"
  local pid=$OUT
  expect_ok ts episode open --patient "$pid" --practitioner 1 --protocol low-back-pain --icd10 M54.50 --start 2026-05-01 --screen clear.json
  local eid=$OUT
  if [ -n "${3:-}" ]; then
    expect_ok ts observe --episode "$eid" --instrument nprs --timepoint baseline --at 2026-05-01T09:00:00Z --value "$3"
  fi
  expect_ok ts episode close "$eid" --end 2026-06-20
  echo "$eid"
}
