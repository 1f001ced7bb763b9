#!/usr/bin/env bash
# study analyze on the synthetic several-subject example: every number is
# checked against an independent computation written below in JavaScript
# (its own CSV reading, t distribution by the incomplete beta function,
# Wilcoxon exact by enumerating all sign patterns, normal tail by the
# incomplete gamma function), and against R 4.2.2's t.test/wilcox.test.
EXAMPLES="$(cd "$(dirname "$0")/../.." && pwd)/examples"
. "$(dirname "$0")/lib.sh"
CSV="$EXAMPLES/synthetic-contralateral-pvr.csv"

expect_ok ts --json study analyze "$CSV"
echo "$OUT" > "$TMP/actual.json"

cat > "$TMP/check.js" <<'JS'
const fs = require("fs");
const [csvPath, actualPath] = process.argv.slice(2);

// --- independent numerics ---------------------------------------------
function lgamma(x) { // Lanczos (g = 7, n = 9)
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028,
    771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  x -= 1; let a = c[0]; const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}
function betacf(a, b, x) { // continued fraction, modified Lentz
  const tiny = 1e-300; let c = 1, d = 1 - (a + b) * x / (a + 1);
  if (Math.abs(d) < tiny) d = tiny; d = 1 / d; let h = d;
  for (let m = 1; m < 10000; m++) {
    const m2 = 2 * m;
    let aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; const del = d * c; h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}
function ibeta(a, b, x) { // regularised incomplete beta I_x(a, b)
  if (x <= 0) return 0; if (x >= 1) return 1;
  const front = Math.exp(lgamma(a + b) - lgamma(a) - lgamma(b) +
                         a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? front * betacf(a, b, x) / a
                                   : 1 - front * betacf(b, a, 1 - x) / b;
}
const tTwoSided = (t, df) => ibeta(df / 2, 0.5, df / (df + t * t));
function tQuantile(p, df) { // upper quantile by bisection on the CDF
  let lo = 0, hi = 1000;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    const cdf = 1 - tTwoSided(mid, df) / 2;
    if (cdf < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}
function gammaQ(a, x) { // regularised upper incomplete gamma
  if (x < a + 1) { // series for P
    let sum = 1 / a, term = sum;
    for (let n = 1; n < 10000; n++) { term *= x / (a + n); sum += term; if (term < sum * 1e-16) break; }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - lgamma(a));
  }
  const tiny = 1e-300; let b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a); b += 2;
    d = an * d + b; if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; const del = d * c; h *= del; if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - lgamma(a)) * h;
}
const normalTwoSided = z => gammaQ(0.5, z * z / 2); // = erfc(|z|/sqrt 2)
const mean = a => a.reduce((s, v) => s + v, 0) / a.length;
const sd = a => { const m = mean(a); return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1)); };
function wilcoxon(d) {
  const nz = d.filter(v => v !== 0), zeros = nz.length < d.length;
  const n = nz.length, abs = nz.map(Math.abs);
  const order = abs.map((v, i) => i).sort((i, j) => abs[i] - abs[j]);
  const rank = new Array(n); let ties = 0, tieSum = 0;
  for (let i = 0; i < n;) {
    let j = i; while (j < n && abs[order[j]] === abs[order[i]]) j++;
    for (let k = i; k < j; k++) rank[order[k]] = (i + 1 + j) / 2;
    const t = j - i; if (t > 1) ties = 1; tieSum += t ** 3 - t; i = j;
  }
  const V = nz.reduce((s, v, i) => s + (v > 0 ? rank[i] : 0), 0);
  if (n < 50 && !ties && !zeros) { // exact: enumerate every sign pattern
    let le = 0, ge = 0;
    for (let mask = 0; mask < (1 << n); mask++) {
      let s = 0; for (let i = 0; i < n; i++) if (mask & (1 << i)) s += i + 1;
      if (s <= V) le++; if (s >= V) ge++;
    }
    const p = 2 * (V > n * (n + 1) / 4 ? ge : le) / (1 << n);
    return Math.min(1, p);
  }
  const z0 = V - n * (n + 1) / 4;
  const sigma = Math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - tieSum / 48);
  const z = (z0 - Math.sign(z0) * 0.5) / sigma;
  return normalTwoSided(Math.abs(z));
}

// --- the CSV, read independently ----------------------------------------
const lines = fs.readFileSync(csvPath, "utf8").trim().split("\n");
const head = lines[0].split(",");
const col = name => head.indexOf(name);
const data = {}, order = [];
for (const line of lines.slice(1)) {
  const f = line.split(",");
  const s = f[col("subject")], t = f[col("timepoint")], v = Number(f[col("value")]);
  if (!order.includes(t)) order.push(t);
  (data[s] = data[s] || {})[t] = v;
}
const base = order[0], expected = [];
for (const t of order.slice(1)) {
  const x = [], y = [];
  for (const s of Object.keys(data))
    if (t in data[s] && base in data[s]) { x.push(data[s][t]); y.push(data[s][base]); }
  const d = x.map((v, i) => v - y[i]), n = d.length;
  const md = mean(d), se = sd(d) / Math.sqrt(n), q = tQuantile(0.975, n - 1);
  expected.push({ label: t, n, mean: mean(x), sd: sd(x), mean_change: md,
    mean_change_ci95: [md - q * se, md + q * se], pct_change: md / mean(y) * 100,
    t_p: tTwoSided(md / se, n - 1), wilcoxon_p: wilcoxon(d) });
}

// --- compare --------------------------------------------------------------
const actual = JSON.parse(fs.readFileSync(actualPath, "utf8"));
let bad = 0;
function close(what, a, e) {
  if (!(Math.abs(a - e) <= 1e-6 * Math.abs(e))) { console.log(`${what}: got ${a}, expected ${e}`); bad++; }
}
if (actual.baseline !== base) { console.log("baseline", actual.baseline); bad++; }
if (actual.timepoints.length !== expected.length) { console.log("count"); bad++; }
expected.forEach((e, i) => {
  const a = actual.timepoints[i];
  if (a.label !== e.label || a.n !== e.n) { console.log("label/n", a.label, a.n, e.label, e.n); bad++; }
  for (const k of ["mean", "sd", "mean_change", "pct_change", "t_p", "wilcoxon_p"])
    close(`${e.label}.${k}`, a[k], e[k]);
  close(`${e.label}.ci.lo`, a.mean_change_ci95[0], e.mean_change_ci95[0]);
  close(`${e.label}.ci.hi`, a.mean_change_ci95[1], e.mean_change_ci95[1]);
});
process.exit(bad ? 1 : 0);
JS
node "$TMP/check.js" "$CSV" "$TMP/actual.json" || fail "numbers differ from the independent computation"

# R 4.2.2, on the same file (see tests/unit/test_stats_study.c for the
# reshape): t.test(x, y, paired = TRUE)$p.value for 15min =
# 1.1107976482394e-05 and 2h = 1.86322141306267e-06;
# wilcox.test(x, y, paired = TRUE)$p.value = 0.00902991076269246 (15min,
# normal approximation: a zero change and ties) and 0.00390625 (2h, exact).
assert_eq "$(json 'this.timepoints[0].t_p.toPrecision(7)')" "0.00001110798"
assert_eq "$(json 'this.timepoints[1].t_p.toPrecision(7)')" "0.000001863221"
assert_eq "$(json 'this.timepoints[0].wilcoxon_p.toPrecision(7)')" "0.009029911"
assert_eq "$(json 'this.timepoints[1].wilcoxon_p.toPrecision(7)')" "0.003906250"
# SYN-08 has no 2h value: 9 pairs there, 10 at 15 minutes.
assert_eq "$(json 'this.timepoints.map(t => t.n).join(",")')" "10,9"
# R: mean change 0.674444444444444, pct 81.5860215053763,
# CI 0.547200793554882 0.801688095334007
assert_eq "$(json 'this.timepoints[1].pct_change.toFixed(6)')" "81.586022"
assert_eq "$(json 'this.timepoints[1].mean_change_ci95.map(v => v.toFixed(6)).join(" ")')" \
  "0.547201 0.801688"

# The text table shows the same numbers, rounded.
expect_ok ts study analyze "$CSV"
assert_contains "$OUT" "10 subjects, 3 timepoints, baseline 'baseline'"
assert_contains "$OUT" "^15min +10 +1\.128 +0\.1577 +\+0\.305 +\+0\.2258 to \+0\.3842 +\+37\.1% +1\.111e-05 +0\.00903"
assert_contains "$OUT" "^2h +9 +1\.501 +0\.2565 +\+0\.6744 +\+0\.5472 to \+0\.8017 +\+81\.6% +1\.863e-06 +0\.003906"
