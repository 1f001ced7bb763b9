// Writes the registry section of bench/README.md from bench/registry's
// results (KEY=VALUE lines, sizes s1, s2, ...), with bench/registry-notes.md
// (method, profiles, what limits each number, what a larger registry
// needs) after the tables.
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

// The sizes measured completely (a run stopped mid-way leaves a size
// without its COPY: it is shown as not measured).
const sizes = [];
for (let n = 1; r[`s${n}_rows`] !== undefined; n++) sizes.push(`s${n}`);
const done = sizes.filter((k) => r[`${k}_copy_seconds`] !== undefined);

p("## The profession's registry on PostgreSQL (`bench/registry`)");
p();
p(`Run on ${r.date || "(unfinished run)"}: ${r.machine || ""}; PostgreSQL ${r.pg_version} started by ` +
  "`scripts/pg-temp` with its **default settings** (not `--fast`): " +
  `${r.pg_settings}. Load average at the end ${r.load || "not recorded"}: the machine ` +
  "is shared, and other builds and tests ran beside the benchmark, so **wall times " +
  "are inflated and noisy**; CPU seconds (the client's, and PostgreSQL's backends', " +
  "read from the postmaster's reaped children) move much less with the load and are " +
  `shown beside them. Report times are medians of ${r.runs || 3} runs; ingest and COPY ` +
  "are single runs.");
p();
p(`Sizes measured: ${done.map((k) => int(num(`${k}_episodes`)) + " episodes (" +
  int(num(`${k}_clinics`)) + " clinics, " + int(num(`${k}_rows`)) + " summaries)").join(" and ") || "none"}` +
  (sizes.length > done.length ? `; a run to ${int(num(`${sizes.at(-1)}_episodes`))} episodes ` +
   "did not finish within the time it had (the rows it did measure are in the raw results)." : ".") +
  ` Each clinic has ${int(num("clinic_episodes"))} episodes x 2 instruments, 10 practitioners; ` +
  "the sizes are cumulative (the larger registry is the smaller one plus more clinics, " +
  "and its ingest row is the added clinics' pushes onto it).");
p();
p("| Size | Benchmark | Touchstone | PostgreSQL alone | Ratio | Target | Met |");
p("|---|---|---|---|---|---|---|");
for (const k of done) {
  const eps = int(num(`${k}_episodes`));
  const nr = num(`${k}_new_rows`), ti = num(`${k}_ingest_seconds`), tc = num(`${k}_copy_seconds`);
  const tr = num(`${k}_report_seconds`), ts = num(`${k}_sql_seconds`);
  const rc = num(`${k}_report_cpu_seconds`) + num(`${k}_report_pg_cpu_seconds`);
  const sc = num(`${k}_sql_pg_cpu_seconds`);
  const ic = num(`${k}_server_cpu_seconds`) + num(`${k}_ingest_pg_cpu_seconds`);
  const cc = num(`${k}_copy_pg_cpu_seconds`);
  p(`| ${eps} episodes | Ingest of ${int(nr)} rows from ${r[k + "_new_clinics"]} clinics ` +
    `(signed batches of at most ${int(num("batch_rows") || 1000)} rows over HTTP, ` +
    `4 clinics at a time, onto ${int(num(k + "_rows") - nr)} rows) | ` +
    `${fmt(ti)} s = ${int(nr / ti)} rows/s; CPU ${fmt(num(k + "_server_cpu_seconds"), 1)} s server + ` +
    `${fmt(num(k + "_ingest_pg_cpu_seconds"), 1)} s PostgreSQL | ` +
    `\`\\copy\` of the same rows: ${fmt(tc)} s = ${int(nr / tc)} rows/s; CPU ${fmt(cc, 1)} s PostgreSQL | ` +
    `${fmt(tc / ti)}× COPY wall, ${fmt(cc / ic)}× CPU | ≥ 0.5× COPY | ${yes(tc / ti >= 0.5)} |`);
  p(`| ${eps} episodes | National report, \`registry report --json\`, whole process ` +
    `(${int(num(k + "_report_bytes"))} bytes, peak ${int(num(k + "_report_kb") / 1024)} MB; ` +
    `${r[k + "_agree"]} with the SQL) | ${fmt(tr)} s wall; CPU ${fmt(num(k + "_report_cpu_seconds"))} s ` +
    `client + ${fmt(num(k + "_report_pg_cpu_seconds"))} s PostgreSQL | ` +
    `the aggregates in SQL: ${fmt(ts)} s wall; CPU ${fmt(sc)} s PostgreSQL | ` +
    `${fmt(ts / tr, 1)}× wall, ${fmt(sc / rc, 1)}× CPU | < 2 s and ≥ 10× SQL | ` +
    `${tr < 2 ? "under 2 s" : "**not** under 2 s"}; ${ts / tr >= 10 ? "≥ 10×" : "**not** ≥ 10×"} |`);
  p(`| ${eps} episodes | \`GET /registry/v1/national\` (signed) | first ${fmt(num(k + "_get_first_seconds"))} s, ` +
    `then from the server's cache ${fmt(num(k + "_get_cached_seconds"), 3)} s | | | | |`);
  const st = num(`${k}_states`);
  p(`| ${eps} episodes | The report's partial states, kept by the batches' own transactions ` +
    `(the ingest above includes them; ${int(num(k + "_states_marked"))} left marked after it) | ` +
    `${int(st)} states, ${int(num(k + "_states_mb"))} MB, ${fmt(num(k + "_rows") / st, 1)} summaries a state | | | | |`);
  p(`| ${eps} episodes | Every state rebuilt from every summary, once (\`registry rebuild-partials\`) | ` +
    `${fmt(num(k + "_rebuild_seconds"))} s wall; CPU ${fmt(num(k + "_rebuild_cpu_seconds"))} s client + ` +
    `${fmt(num(k + "_rebuild_pg_cpu_seconds"))} s PostgreSQL | | | | |`);
  const perWall = (num(`${k}_refresh100_seconds`) - tr) / 100 * 1000;
  const perCpu = (num(`${k}_refresh100_cpu_seconds`) + num(`${k}_refresh100_pg_cpu_seconds`) - rc) / 100 * 1000;
  p(`| ${eps} episodes | One clinic's states rebuilt in a transaction of their own (${int(num(k + "_rows") / num(k + "_clinics"))} ` +
    `summaries; 100 clinics' states marked, then one report, less the report's median) | ` +
    `${fmt(perWall, 1)} ms wall, ${fmt(perCpu, 1)} ms CPU (client and PostgreSQL) a clinic | | | | |`);
}
p();

if (done.length >= 2) {
  const [a, b] = [done[0], done.at(-1)];
  const per = (k, key, rows) => num(`${k}_${key}`) / num(`${k}_${rows}`) * 1e6;
  p("### How cost grows");
  p();
  p("Per million summaries at each size (ingest and COPY per million rows added, reports " +
    "per million rows held):");
  p();
  p(`| | ${int(num(a + "_episodes"))} episodes | ${int(num(b + "_episodes"))} episodes |`);
  p("|---|---|---|");
  for (const [key, rows, name] of [["ingest_seconds", "new_rows", "Ingest over HTTP, s"],
                                   ["copy_seconds", "new_rows", "`\\copy`, s"],
                                   ["report_seconds", "rows", "National report, wall s"],
                                   ["report_cpu_seconds", "rows", "National report, client CPU s"],
                                   ["report_pg_cpu_seconds", "rows", "National report, PostgreSQL CPU s"],
                                   ["sql_seconds", "rows", "Aggregates in SQL, wall s"],
                                   ["sql_pg_cpu_seconds", "rows", "Aggregates in SQL, PostgreSQL CPU s"]])
    p(`| ${name} | ${fmt(per(a, key, rows))} | ${fmt(per(b, key, rows))} |`);
  p(`| Registry table with its indexes, MB | ${r[a + "_db_mb"]} | ${r[b + "_db_mb"]} |`);
  p();
}

// A 20M-episode year, from the largest size measured.
const L = done.at(-1);
if (L) {
  const perEp = num(`${L}_rows`) / num(`${L}_episodes`);
  const yRows = 20e6 * perEp;
  const ingestRate = num(`${L}_new_rows`) / num(`${L}_ingest_seconds`);
  const bytesRow = num(`${L}_db_mb`) * 1048576 / num(`${L}_rows`);
  const states = num(`${L}_states`);
  const cpuPerState = (num(`${L}_report_cpu_seconds`) + num(`${L}_report_pg_cpu_seconds`)) / states;
  const mbPerState = num(`${L}_report_kb`) / 1024 / states;
  const perClinic = (num(`${L}_refresh100_cpu_seconds`) + num(`${L}_refresh100_pg_cpu_seconds`) -
    num(`${L}_report_cpu_seconds`) - num(`${L}_report_pg_cpu_seconds`)) / 100;
  const perRowRefresh = perClinic / (num(`${L}_rows`) / num(`${L}_clinics`));
  const h = (sec) => sec >= 3600 ? fmt(sec / 3600, 1) + " h" : sec >= 60 ? fmt(sec / 60, 0) + " min" : fmt(sec, 1) + " s";
  // A profession's registry: about 300,000 therapists (domain notes), each
  // with states in about 10 protocol x instrument groups.
  const nationStates = 300000 * 10;
  p("### The numbers behind a 20,000,000-episode-a-year registry");
  p();
  p(`At ${fmt(perEp)} summaries an episode (as here) a year is ${int(yRows)} summaries, about ` +
    `${fmt(yRows * bytesRow / 2 ** 30, 0)} GiB a year in \`registry_outcome\` with its indexes ` +
    `(${fmt(bytesRow, 0)} bytes a summary measured). At the ingest rate measured at the largest size ` +
    `(${int(ingestRate)} rows/s, one primary, 2 shared cores, every batch checked and durable, its states ` +
    `kept) a year's summaries take ${h(yRows / ingestRate)} of ingest in all, spread over the year. ` +
    "The national report now costs in proportion to the partial states, not the summaries: " +
    `${fmt(cpuPerState * 1e6, 1)} CPU µs a state (client and PostgreSQL together) and ` +
    `${fmt(mbPerState * 1024, 1)} KB of peak memory a state, measured with ${int(states)} states. ` +
    "The states are one per clinic x practitioner x protocol x instrument: they grow with the " +
    "profession (its therapists and what they treat), not with the years, since a year's summaries " +
    "mostly land in states that exist. About 300,000 therapists with states in about 10 groups each " +
    `make ${int(nationStates)} states: about ${h(cpuPerState * nationStates)} of CPU and ` +
    `${fmt(mbPerState * nationStates / 1024, 1)} GB a report, whatever the number of years kept ` +
    `(the summaries' way cost 1.81 CPU s per million summaries: ${h(1.81e-6 * yRows * 5)} over five years). ` +
    `Keeping the states costs a batch the reading of its clinic's touched summaries: ` +
    `${fmt(perRowRefresh * 1e6, 1)} CPU µs a summary read (one clinic of ` +
    `${int(num(`${L}_rows`) / num(`${L}_clinics`))} summaries: ${fmt(perClinic * 1000, 1)} ms).`);
  p();
}
out.push(readFileSync(new URL("./registry-notes.md", import.meta.url), "utf8").trimEnd());
p();
p("Raw results (`bench/out/registry/results.txt`):");
p();
p("```");
for (const [k, v] of Object.entries(r)) p(`${k}=${v}`);
p("```");
process.stdout.write(out.join("\n") + "\n");
