// Option checks and early exits, shared by the benches' command lines.

/** Exits with status 2 (bad usage) after printing `message`. */
export function fail(message) {
  console.error(message);
  process.exit(2);
}

/** `opt[name]` as an integer ≥ 1 (≥ 0 with `zeroOk`), at most 100 000; exits otherwise. */
export function positive(opt, name, zeroOk = false) {
  const n = Number(opt[name]);
  if (!Number.isInteger(n) || n < (zeroOk ? 0 : 1) || n > 100_000) fail(`--${name} must be an integer${zeroOk ? " ≥ 0" : " ≥ 1"}`);
  return n;
}

/** wrangler, the global WebSocket and .ts fixtures need Node 22. */
export function requireNode22(uses) {
  if (Number(process.versions.node.split(".")[0]) < 22) fail(`needs Node 22 (${uses}): run it through \`npm run bench\``);
}
