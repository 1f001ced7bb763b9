// The registry report's aggregate query (bench/registry.sql, with its MCID
// values in place) in DuckDB, on the registry's episodes, sessions and
// observations exported as CSV by `touchstone export`.
// usage: node bench/duckdb.mjs DIR QUERY.sql RUNS
// Prints one JSON line: {"version", "load_seconds", "query_seconds": [...],
// "rows"}. The CSV load is timed apart from the query.
import { readFileSync } from "node:fs";
import duckdb, { DuckDBInstance } from "@duckdb/node-api";

const [dir, queryFile, runsText] = process.argv.slice(2);
const runs = Number(runsText || 3);
const query = readFileSync(queryFile, "utf8");
const instance = await DuckDBInstance.create(":memory:");
const con = await instance.connect();
// Dates and instants stay text, as in the SQLite database; julianday() as
// SQLite has it.
await con.run("CREATE MACRO julianday(x) AS julian(CAST(x AS DATE))");
const text = {
  episodes: ["started_on", "ended_on", "created_at"],
  sessions: ["started_at", "phases", "note", "subjective", "objective",
             "assessment", "plan", "created_at"],
  observations: ["observed_at", "items", "created_at"],
};
let start = performance.now();
for (const [table, file] of [["episode", "episodes"], ["session", "sessions"],
                             ["observation", "observations"]]) {
  const types = "{" + text[file].map((c) => `'${c}': 'VARCHAR'`).join(", ") +
                "}";
  await con.run(`CREATE TABLE ${table} AS SELECT * FROM read_csv(` +
                `'${dir}/${file}.csv', header = true, types = ${types})`);
}
const load = (performance.now() - start) / 1000;
const times = [];
let rows = 0;
for (let i = 0; i < runs; i++) {
  start = performance.now();
  const reader = await con.runAndReadAll(query);
  rows = reader.getRows().length;
  times.push((performance.now() - start) / 1000);
}
console.log(JSON.stringify({ version: duckdb.version(), load_seconds: load,
                             query_seconds: times, rows }));
