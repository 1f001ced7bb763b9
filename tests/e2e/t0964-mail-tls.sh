#!/usr/bin/env bash
# Mail through a real TLS mail server (aiosmtpd with require_starttls and
# an authenticator): the server's certificate is made here by openssl
# (self-signed, SAN 127.0.0.1) and given to `mail configure --ca-file`.
# The message arrives, AUTH happened over TLS (the server's log), a wrong
# password leaves the message queued with the error kept, a server whose
# certificate the CA file did not sign is refused (the message stays
# queued, the error kept, nothing delivered), and the system's authorities
# alone do not trust the private certificate (verification is never off).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/smtp-lib.sh"

command -v openssl > /dev/null || fail "no openssl"
mail_clinic
e1=$(closed_episode "Robin Quarternaxe" robin@example.org 8)
e2=$(closed_episode "Kim Vellichor" kim@example.org 8)
e3=$(closed_episode "Lee Brontavish" lee@example.org 8)

make_cert A
make_cert B
printf 'T1s-Pw\n' > "$TMP/pw"; chmod 600 "$TMP/pw"
printf 'wrong-Pw-canary\n' > "$TMP/pw-wrong"; chmod 600 "$TMP/pw-wrong"

# --- refusals change nothing ---
expect_refused 2 'ca-file: .*unable to open' ts mail configure --smtp smtp://127.0.0.1:25 --from clinic@example.org --base-url https://clinic.example.org --ca-file "$TMP/none.pem"
printf 'not a certificate\n' > "$TMP/junk.pem"
expect_refused 2 'ca-file: .*no PEM certificate' ts mail configure --smtp smtp://127.0.0.1:25 --from clinic@example.org --base-url https://clinic.example.org --ca-file "$TMP/junk.pem"
expect_refused 2 'ca-file: .*not a regular file' ts mail configure --smtp smtp://127.0.0.1:25 --from clinic@example.org --base-url https://clinic.example.org --ca-file "$TMP"
assert_eq "$(sql 'SELECT count(*) FROM mail_config')" 0 "no configuration after refusals"

# --- STARTTLS with the private CA, AUTH over TLS ---
smtp_start --auth mailer:T1s-Pw --tls "$TMP/A.crt:$TMP/A.key"
expect_ok ts --json mail configure --smtp "$SMTP_URL" --from clinic@example.org --base-url https://clinic.example.org --user mailer --password-file "$TMP/pw" --ca-file "$TMP/A.crt"
assert_eq "$(json this.ca_file)" "$TMP/A.crt" "ca_file shown"
assert_eq "$(sql 'SELECT ca_file FROM mail_config')" "$TMP/A.crt" "ca_file stored"
expect_ok ts --json invite --episode "$e1" --timepoint followup
expect_ok ts --json outbox send
assert_eq "$(json this.sent)" 1 "sent over TLS: $OUT"
assert_eq "$(mail_count)" 1 "delivered"
grep -l 'Hello Robin,' "$MAILDIR"/*.eml > /dev/null || fail "Robin's message"
assert_eq "$(cat "$TMP/auth.log")" "mailer tls=yes ok=yes" "AUTH over TLS"

# --- a wrong password: queued again, the error kept, nothing delivered ---
expect_ok ts mail configure --smtp "$SMTP_URL" --from clinic@example.org --base-url https://clinic.example.org --user mailer --password-file "$TMP/pw-wrong" --ca-file "$TMP/A.crt"
expect_ok ts --json invite --episode "$e2" --timepoint followup
out2=$(json this.outbox)
expect_ok ts --json outbox send
assert_eq "$(json this.retrying)" 1 "a refused login is retried"
assert_eq "$(mail_count)" 1 "nothing delivered with a wrong password"
assert_eq "$(sql "SELECT status, attempts FROM outbox WHERE id = $out2")" "queued|1" "queued again"
err2=$(sql "SELECT last_error FROM outbox WHERE id = $out2")
assert_contains "$err2" '[Ll]ogin|auth|535'
grep -q canary <<<"$err2$OUT" && fail "the password shows in an error"
assert_eq "$(tail -1 "$TMP/auth.log")" "mailer tls=yes ok=no" "the wrong login was over TLS too"
smtp_stop

# --- a server whose certificate the CA file did not sign: refused ---
smtp_start --auth mailer:T1s-Pw --tls "$TMP/B.crt:$TMP/B.key"
expect_ok ts mail configure --smtp "$SMTP_URL" --from clinic@example.org --base-url https://clinic.example.org --user mailer --password-file "$TMP/pw" --ca-file "$TMP/A.crt"
export TOUCHSTONE_NOW=2026-06-30T12:10:00Z
before_log=$(wc -l < "$TMP/auth.log")
expect_ok ts --json outbox send
assert_eq "$(json this.sent)" 0 "nothing sent to an untrusted server: $OUT"
assert_eq "$(json this.retrying)" 1 "retried later"
assert_eq "$(mail_count)" 1 "nothing delivered to an untrusted server"
assert_eq "$(sql "SELECT status, attempts FROM outbox WHERE id = $out2")" "queued|2" "still queued"
assert_contains "$(sql "SELECT last_error FROM outbox WHERE id = $out2")" '[Cc]ertificate|SSL|TLS|issuer'
assert_eq "$(wc -l < "$TMP/auth.log")" "$before_log" "no login was offered to an untrusted server"
smtp_stop

# --- without --ca-file the system's authorities do not know the private
# certificate: still refused (verification is never turned off) ---
smtp_start --auth mailer:T1s-Pw --tls "$TMP/A.crt:$TMP/A.key"
expect_ok ts mail configure --smtp "$SMTP_URL" --from clinic@example.org --base-url https://clinic.example.org --user mailer --password-file "$TMP/pw"
assert_eq "$(sql 'SELECT ca_file IS NULL FROM mail_config')" 1 "ca_file cleared"
export TOUCHSTONE_NOW=2026-06-30T12:20:00Z
expect_ok ts --json outbox send
assert_eq "$(json this.sent)" 0 "the private certificate is not trusted by default"
assert_eq "$(mail_count)" 1 "nothing delivered"
assert_contains "$(sql "SELECT last_error FROM outbox WHERE id = $out2")" '[Cc]ertificate|SSL|TLS|issuer'

# --- with the right CA file again, the queued message goes ---
expect_ok ts mail configure --smtp "$SMTP_URL" --from clinic@example.org --base-url https://clinic.example.org --user mailer --password-file "$TMP/pw" --ca-file "$TMP/A.crt"
export TOUCHSTONE_NOW=2026-06-30T13:00:00Z
expect_ok ts --json invite --episode "$e3" --timepoint followup
expect_ok ts --json outbox send
assert_eq "$(json this.sent)" 2 "the kept message and the new one: $OUT"
assert_eq "$(mail_count)" 3 "delivered"
assert_eq "$(sql "SELECT status FROM outbox WHERE id = $out2")" sent "sent at last"
grep -c 'tls=no' "$TMP/auth.log" > /dev/null && fail "a login without TLS: $(cat "$TMP/auth.log")"
echo "ok t0964-mail-tls"
