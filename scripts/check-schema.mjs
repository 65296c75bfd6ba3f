#!/usr/bin/env node
// `node scripts/check-schema.mjs`: fails if any file under src/ outside
// src/schema/ changes a database's schema. Tables and columns come only from
// numbered migrations (src/schema/AGENTS.md); a store that creates its own
// table would skip the tracking that makes upgrades and downgrades safe.
// A Node script because workerd tests cannot read the repository.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const src = join(root, "src");
const schemaDir = join(src, "schema") + sep;
// Lowercase SQL is still SQL; the price is rewording prose that says "create table".
const DDL = /\b(?:CREATE|ALTER|DROP)\s+(?:(?:TEMP|TEMPORARY|UNIQUE|VIRTUAL)\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\b/gi;
const SOURCE = /\.(?:ts|tsx|js|mjs|cjs)$/;

/** @param {string} dir @returns {string[]} */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.isFile() && SOURCE.test(entry.name) ? [path] : [];
  });
}

/** @type {string[]} */
const offences = [];
let inSchema = 0;
for (const file of sources(src)) {
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, index) => {
    const found = line.match(DDL);
    if (!found) return;
    if (file.startsWith(schemaDir)) inSchema += found.length;
    else offences.push(`${relative(root, file)}:${index + 1}: ${found.join(", ")}`);
  });
}

if (inSchema === 0) {
  // Guards the check itself: a pattern that matches nothing would pass everything.
  console.error("check-schema: found no DDL in src/schema/; the check is broken or the migrations moved");
  process.exit(1);
}
if (offences.length > 0) {
  console.error("check-schema: schema changes outside src/schema/ (add a numbered migration instead, see src/schema/AGENTS.md):");
  for (const offence of offences) console.error(`  ${offence}`);
  process.exit(1);
}
console.log(`check-schema: ok (${inSchema} DDL statements, all in src/schema/)`);
