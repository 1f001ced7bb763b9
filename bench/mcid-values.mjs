// Prints the VALUES rows of bench/registry.sql's mcid table from
// `touchstone --json instrument list` on standard input.
import { readFileSync } from "node:fs";
const list = JSON.parse(readFileSync(0, "utf8")).instruments;
const num = (v) => (v === null || v === undefined ? "NULL" : String(v));
console.log(list.map((i) =>
  `('${i.code}', ${i.total.direction === "higher-worse" ? -1 : 1}, ` +
  `${num(i.mcid.absolute)}, ${num(i.mcid.relative)}, ` +
  `${num(i.total.min)}, ${num(i.total.max)})`).join(",\n        "));
