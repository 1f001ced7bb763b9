// The CSV reader of the end-to-end tests, written apart from the program's
// writer: RFC 4180 (quoted fields, doubled quotes, CRLF or LF line ends).
// require(".../csv-rows.js")(path) returns the file's rows, each an array
// of fields.
"use strict";
const fs = require("fs");

module.exports = function csvRows(path) {
  const text = fs.readFileSync(path, "utf8");
  const rows = [];
  let row = [], field = "", q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c !== "\"") field += c;
      else if (text[i + 1] === "\"") { field += c; i++; }
      else q = false;
    } else if (c === "\"") q = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\r" && text[i + 1] === "\n") {}
    else if (c === "\n") { row.push(field); rows.push(row); row = []; field = ""; }
    else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
};
