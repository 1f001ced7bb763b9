// Writes the registry section of bench/README.md from bench/registry's
// results (KEY=VALUE lines), with bench/registry-notes.md (method, what
// limits each number, what a larger registry needs) after the tables.
// usage: node bench/registry-readme.mjs RESULTS > section.md
import { readFileSync } from "node:fs";

const r = {};
for (const line of readFileSync(process.argv[2], "utf8").split("\n")) {
  const i = line.indexOf("=");
  if (i > 0) r[line.slice(0, i)] = line.slice(i + 1);
}
const num = (k) => (r[k] === undefined || r[k] === "" ? NaN : Number(r[k]));
const fmt = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : "not measured");
const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "not measured");
const yes = (ok) => (ok ? "yes" : "**no**");
const out = [];
const p = (s = "") => out.push(s);

p("## The profession's registry on PostgreSQL (`bench/registry`)");
p();
p(`Run on ${r.date}: ${r.machine}; PostgreSQL ${r.pg_version} started by ` +
  "`scripts/pg-temp` with its **default settings** (not `--fast`): " +
  `${r.pg_settings}. Load average at the end ${r.load} (the machine is ` +
  "shared: other builds ran beside the benchmark). Report times are medians of " +
  `${r.runs} runs; ingest and COPY are single runs.`);
p();
p(`Sizes actually measured: ${int(num("small_episodes"))} and ${int(num("large_episodes"))} ` +
  `episodes (${r.small_clinics} and ${r.large_clinics} clinics of ` +
  `\`touchstone demo\`, ${int(num("small_rows"))} and ${int(num("large_rows"))} episode x ` +
  "instrument summaries). **Not** 1,000,000 or 3,000,000 episodes: see below for " +
  "what those need and the extrapolation.");
p();
p("| Size | Benchmark | Touchstone | PostgreSQL alone | Ratio | Target | Met |");
p("|---|---|---|---|---|---|---|");
for (const s of ["small", "large"]) {
  const rows = num(`${s}_rows`), ti = num(`${s}_ingest_seconds`), tc = num(`${s}_copy_seconds`);
  const tr = num(`${s}_report_seconds`), ts = num(`${s}_sql_seconds`);
  const eps = int(num(`${s}_episodes`));
  p(`| ${eps} episodes | Ingest ${int(rows)} rows, ${r[s + "_batches"]} signed batches over HTTP, ` +
    `${r[s + "_clinics"]} clinics | ${fmt(ti)} s = ${int(rows / ti)} rows/s | ` +
    `\`\\copy\` of the same rows: ${fmt(tc)} s = ${int(rows / tc)} rows/s | ` +
    `${fmt(tc / ti)}× COPY | ≥ 0.5× COPY (at 1M episodes) | ${yes(tc / ti >= 0.5)} at this size |`);
  p(`| ${eps} episodes | National report, \`registry report --json\` ` +
    `(${int(num(s + "_report_bytes"))} bytes; ${r[s + "_agree"]} with the SQL) | ${fmt(tr)} s | ` +
    `the aggregates in SQL: ${fmt(ts)} s | ${fmt(ts / tr)}×` +
    (ts < tr ? ` (the SQL is ${fmt(tr / ts, 1)}× faster)` : "") + ` | < 2 s and ≥ 10× (at 1M episodes) | ` +
    `${tr < 2 ? "under 2 s" : "**not** under 2 s"}, ${ts / tr >= 10 ? "≥ 10×" : "**not** ≥ 10×"} at this size |`);
}
p();
p(`End to end, clinic side included: ${r.push_clinics} clinics ran \`touchstone push\` ` +
  `(2 at a time) and sent ${int(num("push_rows"))} rows in ${fmt(num("push_seconds"))} s ` +
  `= ${int(num("push_rows") / num("push_seconds"))} rows/s. ` +
  (r.generate_seconds ? `Making ${r.generate_clinics} clinics with \`touchstone demo\` ` +
  `(2 at a time) took ${fmt(num("generate_seconds"), 0)} s. ` : "") +
  `The registry table (16 partitions, their indexes) holds ${r.small_db_mb} MB ` +
  `at the small size and ${r.large_db_mb} MB at the large one.`);
p();

// How cost grows: a straight line through the two sizes, t = a + b * rows.
const fit = (key) => {
  const x0 = num("small_rows"), x1 = num("large_rows");
  const y0 = num(`small_${key}_seconds`), y1 = num(`large_${key}_seconds`);
  const b = (y1 - y0) / (x1 - x0);
  return { b, a: y0 - b * x0, at: (x) => y0 + b * (x - x0) };
};
const perEpisode = num("large_rows") / num("large_episodes");
p("### How cost grows");
p();
p("A straight line through the two measured sizes (time = a + b × rows; " +
  `${fmt(perEpisode)} summaries per episode here), extrapolated. These are ` +
  "**extrapolations, not measurements**: the line assumes the table's indexes " +
  "and the report's working set stay in memory, which holds on this 23 GiB " +
  "machine for 1M episodes but is the first thing to check at 3M.");
p();
p("| | per 1,000 rows (slope) | at the large size, measured | 1,000,000 episodes | 3,000,000 episodes |");
p("|---|---|---|---|---|");
for (const [key, name] of [["ingest", "Ingest over HTTP"], ["copy", "`\\copy`"],
                            ["report", "National report"], ["sql", "Aggregates in SQL"]]) {
  const f = fit(key);
  const at = (e) => f.b > 0 ? fmt(f.at(e * perEpisode), 1) + " s" : "no growth measured (noise)";
  p(`| ${name} | ${fmt(f.b * 1000, 3)} s | ${fmt(num(`large_${key}_seconds`))} s | ` +
    `${at(1e6)} | ${at(3e6)} |`);
}
p();
// What the runs not made would take, from the rates measured above.
const pushRate = num("push_rows") / num("push_seconds");
const genPerClinic = num("generate_seconds") / num("generate_clinics");   // wall, 2 at a time
const epClinic = num("large_episodes") / num("large_clinics");
const bytesRow = num("large_db_mb") * 1048576 / num("large_rows");
const rep = fit("report"), ing = fit("ingest");
const h = (sec) => Number.isFinite(sec) ? (sec >= 3600 ? fmt(sec / 3600, 1) + " h" : fmt(sec / 60, 0) + " min") : "not measured";
p("What a 1,000,000- and a 3,000,000-episode run of this benchmark needs, from the rates above " +
  `(generation ${fmt(genPerClinic, 1)} s of wall time a clinic of ${int(epClinic)} episodes, two at a time; ` +
  `end-to-end push ${int(pushRate)} rows/s; the lines of the table; ${fmt(bytesRow, 0)} bytes a summary in ` +
  "PostgreSQL, indexes included):");
p();
p("| | clinics | generate | push end to end | ingest + `\\copy` + 3 reports and 3 SQL, both sizes | registry on disk |");
p("|---|---|---|---|---|---|");
for (const e of [1e6, 3e6]) {
  const c = Math.ceil(e / epClinic), rows = e * perEpisode, small = rows / 3;
  const rest = ["ingest", "copy"].reduce((t, k) => t + fit(k).at(rows) + fit(k).at(small), 0) +
    num("runs") * ["report", "sql"].reduce((t, k) => t + fit(k).at(rows) + fit(k).at(small), 0);
  p(`| ${int(e)} episodes | ${int(c)} | ${h(c * genPerClinic)} | ${h(rows / pushRate)} | ${h(rest)} | ` +
    `${fmt(rows * bytesRow / 2 ** 30, 1)} GiB |`);
}
p();
const yRows = 20e6 * perEpisode;
p(`A registry of 20,000,000 episodes a year holds about ${int(yRows)} summaries a year ` +
  `(${fmt(perEpisode)} per episode, as here), about ${fmt(yRows * bytesRow / 2 ** 30, 0)} GiB a year in ` +
  `this table with its indexes. At the ingest rate measured here (${int(num("large_rows") / num("large_ingest_seconds"))} ` +
  `rows/s, one primary, 2 shared cores) a year's summaries take ${h(yRows / (num("large_rows") / num("large_ingest_seconds")))} ` +
  `of ingest, spread over the year; the national report, extrapolated on the line above, takes ` +
  `${h(rep.at(yRows))} over one year's summaries and ${h(rep.at(5 * yRows))} over five.`);
p();
out.push(readFileSync(new URL("./registry-notes.md", import.meta.url), "utf8").trimEnd());
p();
p("Raw results (`bench/out/registry/results.txt`):");
p();
p("```");
for (const [k, v] of Object.entries(r)) p(`${k}=${v}`);
p("```");
process.stdout.write(out.join("\n") + "\n");
