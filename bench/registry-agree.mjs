// Checks, for bench/registry, that the national report and the SQL of
// bench/registry-aggregates.sql computed the same figures: every cell the
// report publishes (n, mean improvement, responder rate, follow-up
// coverage) and every group model (n_complete, mean and SD of the
// improvement), to 1e-6 relative (the report prints 10 significant digits).
// usage: node bench/registry-agree.mjs REPORT.json SQL.csv
// Prints "A of B cells and G of H groups agree".
import { readFileSync } from "node:fs";

const [reportFile, sqlFile] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportFile, "utf8"));
const sql = new Map();
for (const line of readFileSync(sqlFile, "utf8").split("\n")) {
  if (!line) continue;
  const f = line.split(",");
  sql.set(f.slice(0, 3).join(","), f.slice(3).map(Number));
}
const close = (a, b) => a === null ? Number.isNaN(b) || b === 0 :
  Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
let cells = 0, cellsOk = 0, groups = 0, groupsOk = 0;
for (const c of report.cells) {
  if (c.suppressed) continue;
  cells++;
  const s = sql.get([c.protocol, c.instrument, c.label].join(","));
  if (s && s[0] === c.n && close(c.mean_improvement, s[1]) &&
      close(c.responder_rate, s[3]) && close(c.followup_coverage, s[4])) cellsOk++;
}
for (const m of report.models) {
  if (m.suppressed || m.n_complete === null) continue;
  groups++;
  const s = sql.get([m.protocol, m.instrument, ""].join(","));
  if (m.n_complete === 0 && !s) groupsOk++;  // no complete episode: no SQL row
  else if (s && s[0] === m.n_complete && close(m.mean_improvement, s[1]) &&
      (m.sd_improvement === null || close(m.sd_improvement, s[2]))) groupsOk++;
}
console.log(`${cellsOk} of ${cells} cells and ${groupsOk} of ${groups} groups agree`);
