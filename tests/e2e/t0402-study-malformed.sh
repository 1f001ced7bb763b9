#!/usr/bin/env bash
# study analyze refuses malformed CSV with "line N: column: problem" and
# exit 2, printing nothing on stdout, and never crashes.
. "$(dirname "$0")/lib.sh"

# refused NAME PATTERN: analyses $TMP/NAME, which must be refused.
refused() {
  expect_refused 2 "^touchstone: study analyze: $2" ts study analyze "$TMP/$1"
  assert_eq "$OUT" "" "stdout of a refused analysis"
}

good='subject,timepoint,value
a,baseline,1.0
a,later,2.0
'

# An empty file, and one with only blank lines.
: > "$TMP/empty.csv"
refused empty.csv "line 1: header: the file is empty"
printf '\n\n\n' > "$TMP/blank.csv"
refused blank.csv "line 1: header: the file is empty"

# A header without data.
printf 'subject,timepoint,value\n' > "$TMP/header-only.csv"
refused header-only.csv "line 2: row: no data rows after the header"

# Missing, unknown and repeated columns.
printf 'subject,timepoint\na,baseline\n' > "$TMP/no-value.csv"
refused no-value.csv "line 1: value: missing column"
printf 'subject,value\na,1\n' > "$TMP/no-timepoint.csv"
refused no-timepoint.csv "line 1: timepoint: missing column"
printf 'subject,timepoint,value,colour\na,b,1,red\n' > "$TMP/unknown.csv"
refused unknown.csv "line 1: header: unknown column 'colour'"
printf 'subject,timepoint,value,value\n' > "$TMP/twice.csv"
refused twice.csv "line 1: value: column named twice"
printf 'subject,timepoint,value,site,a,b\n' > "$TMP/wide.csv"
refused wide.csv "line 1: header: more than 4 columns"

# A row with a missing field, or too many.
printf 'subject,timepoint,value\na,baseline,1\na,later\n' > "$TMP/short.csv"
refused short.csv "line 3: value: missing \(the row has 2 fields, the header 3\)"
printf 'subject,timepoint,value\na,baseline,1,9\n' > "$TMP/long.csv"
refused long.csv "line 2: row: 4 fields, but the header has 3"

# Non-numeric, empty, infinite, hexadecimal and overflowing values.
for v in abc 1.2.3x '' inf nan 0x1p3 1e999 '-' '1,5'; do
  printf 'subject,timepoint,value\na,baseline,1\na,later,"%s"\n' "$v" > "$TMP/value.csv"
  refused value.csv "line 3: value: "
done
printf 'subject,timepoint,value\na,baseline,1\na,later,abc\n' > "$TMP/abc.csv"
refused abc.csv "line 3: value: 'abc' is not a number"

# Columns in another order are fine; the line numbers follow the file.
printf 'value,subject,timepoint\n1,a,baseline\n2,a,later\n\n1.5,b,baseline\nx,b,later\n' > "$TMP/order.csv"
refused order.csv "line 6: value: 'x' is not a number"

# A duplicate subject-timepoint.
printf 'subject,timepoint,value\na,baseline,1\na,later,2\nb,baseline,1\na,later,3\n' > "$TMP/dup.csv"
refused dup.csv "line 5: timepoint: subject 'a' already has a value at 'later'"

# A subject lacking a baseline value (reported at its first row).
printf 'subject,timepoint,value\na,baseline,1\na,later,2\nb,later,3\nb,more,4\n' > "$TMP/nobase.csv"
refused nobase.csv "line 4: subject: 'b' has no 'baseline' value"

# Bad UTF-8, control characters, blank and over-long labels.
printf 'subject,timepoint,value\n\xff\xfe,baseline,1\n' > "$TMP/utf8.csv"
refused utf8.csv "line 2: subject: is not valid UTF-8 text"
printf 'subject,timepoint,value\na,base\xc3\x28,1\n' > "$TMP/utf8b.csv"
refused utf8b.csv "line 2: timepoint: is not valid UTF-8 text"
printf 'subj\xe9ct,timepoint,value\n' > "$TMP/utf8c.csv"
refused utf8c.csv "line 1: header: is not valid UTF-8 text"
printf 'subject,timepoint,value\n"a\x01",baseline,1\n' > "$TMP/control.csv"
refused control.csv "line 2: subject: contains a control character"
printf 'subject,timepoint,value\n"  ",baseline,1\n' > "$TMP/blanklabel.csv"
refused blanklabel.csv "line 2: subject: must not be (blank|empty)"
printf 'subject,timepoint,value\n%s,baseline,1\n' "$(head -c 65 /dev/zero | tr '\0' s)" > "$TMP/longlabel.csv"
refused longlabel.csv "line 2: subject: too long"
printf 'subject,timepoint,value\na,"x\0y",1\n' > "$TMP/nul.csv"
refused nul.csv "line 2: timepoint: contains a NUL byte"

# Huge lines, with and without a newline, inside and outside quotes.
{ printf 'subject,timepoint,value\na,baseline,'; head -c 100000 /dev/zero | tr '\0' 1; printf '\n'; } > "$TMP/huge.csv"
refused huge.csv "line 2: value: line longer than 8192 bytes"
{ printf 'subject,timepoint,value\n"'; head -c 9000 /dev/zero | tr '\0' a; } > "$TMP/huge2.csv"
refused huge2.csv "line 2: subject: line longer than 8192 bytes"
head -c 20000 /dev/zero | tr '\0' h > "$TMP/huge3.csv"
refused huge3.csv "line 1: header: line longer than 8192 bytes"

# Broken quoting.
printf 'subject,timepoint,value\na,"base"line,1\n' > "$TMP/quote.csv"
refused quote.csv "line 2: timepoint: malformed CSV quoting"
printf 'subject,timepoint,value\na,baseline,1\nb,"later,2\n' > "$TMP/unterminated.csv"
refused unterminated.csv "line 3: timepoint: unterminated quoted field"

# A single timepoint, and an unknown --baseline.
printf 'subject,timepoint,value\na,baseline,1\nb,baseline,2\n' > "$TMP/one.csv"
refused one.csv "timepoint: only one timepoint \('baseline'\)"
printf "$good" > "$TMP/good.csv"
expect_refused 2 "study analyze: baseline: no timepoint 'nope'" \
  ts study analyze "$TMP/good.csv" --baseline nope

# A file that cannot be read, and a missing argument.
expect_refused 2 "study analyze: file: cannot open '$TMP/absent.csv'" \
  ts study analyze "$TMP/absent.csv"
expect_refused 2 "study analyze: file: cannot read" ts study analyze "$TMP"
expect_refused 2 "study analyze: file: missing" ts study analyze
expect_refused 2 "study: unknown verb 'frob'" ts study frob

# Random bytes never crash it: always a clean refusal (exit 2).
for i in 1 2 3 4 5 6 7 8; do
  { printf 'subject,timepoint,value\n'; head -c 3000 /dev/urandom; } > "$TMP/random.csv"
  rc=0; ts study analyze "$TMP/random.csv" >/dev/null 2>"$TMP/err" || rc=$?
  [ $rc -eq 2 ] || [ $rc -eq 0 ] || fail "random input: exit $rc: $(cat "$TMP/err")"
  grep -q 'AddressSanitizer\|runtime error' "$TMP/err" && fail "sanitizer: $(cat "$TMP/err")"
done

# The good file passes, including with CRLF line ends and a BOM.
expect_ok ts study analyze "$TMP/good.csv"
printf '\xef\xbb\xbfsubject,timepoint,value\r\na,baseline,1.0\r\na,later,2.0\r\n' > "$TMP/crlf.csv"
expect_ok ts --json study analyze "$TMP/crlf.csv"
assert_eq "$(json 'this.timepoints[0].pct_change')" "100"
