// Checks that the SQL alternative computes the same cells as Touchstone's
// registry report: for every cell (practitioner, protocol, instrument), the
// same n, mean improvement (to 1e-9 relative: the sqlite3 shell prints 15
// significant digits) and responder rate. Prints a JSON summary.
// usage: node bench/agree.mjs REPORT.json SQL-OUTPUT.txt
import { readFileSync } from "node:fs";

const [reportFile, sqlFile] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportFile, "utf8"));
const rows = readFileSync(sqlFile, "utf8").trim().split("\n").map((l) => l.split("|"));
const cells = new Map();
for (const c of report.cells) cells.set(`${c.practitioner}/${c.protocol}/${c.instrument}`, c);
const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
let agree = 0, worst = 0;
const differ = [];
for (const r of rows) {
  const c = cells.get(`${r[0]}/${r[1]}/${r[2]}`);
  const ok = c && Number(r[3]) === c.n && close(Number(r[4]), c.mean_improvement) &&
    (c.responder_rate === null ? r[8] === "" : close(Number(r[8]), c.responder_rate));
  if (c) worst = Math.max(worst, Math.abs(Number(r[4]) - c.mean_improvement));
  if (ok) agree++;
  else if (differ.length < 5) differ.push(r.slice(0, 3).join("/"));
}
console.log(JSON.stringify({ sql_cells: rows.length, report_cells: report.cells.length,
                             agree, worst_mean_difference: worst, first_differences: differ }));
