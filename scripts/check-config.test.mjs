// Table-driven test of the deploy preflight (node --test; no Worker runtime needed).
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { checkConfig, parseEnvFile, parseJsonc } from "./check-config.mjs";

const repoConfig = parseJsonc(readFileSync(new URL("../wrangler.jsonc", import.meta.url), "utf8"));
const GOOD = {
  ACCESS_TEAM_DOMAIN: "https://acme.cloudflareaccess.com",
  ACCESS_AUD: "0123abcd",
  EMAIL_DOMAIN: "agents.acme.example",
  SANDBOX_BACKEND: "container"
};
const docker = () => true;
const withAi = { ...repoConfig, ai: { binding: "AI" } };

/** [name, config, values, options, settings the problems must name (in order)] */
const CASES = [
  ["the repo's config with good values", repoConfig, GOOD, {}, []],
  ["no Access settings", repoConfig, { ...GOOD, ACCESS_TEAM_DOMAIN: "", ACCESS_AUD: "" }, {}, ["ACCESS_TEAM_DOMAIN", "ACCESS_AUD"]],
  ["a team domain that is not one", repoConfig, { ...GOOD, ACCESS_TEAM_DOMAIN: "acme.example.com" }, {}, ["ACCESS_TEAM_DOMAIN"]],
  ["DEV_USER in a deployment", repoConfig, { ...GOOD, DEV_USER: "me" }, {}, ["DEV_USER"]],
  ["local-only needs no Access", repoConfig, { SANDBOX_BACKEND: "process", SANDBOX_URL: "http://127.0.0.1:1", SANDBOX_TOKEN: "t" }, { local: true }, []],
  ["unknown provider", repoConfig, { ...GOOD, MODEL_PROVIDER: "anthropic", MODEL: "x" }, {}, ["MODEL_PROVIDER"]],
  ["workers-ai without model or binding", repoConfig, { ...GOOD, MODEL_PROVIDER: "workers-ai" }, {}, ["MODEL", "ai"]],
  ["workers-ai complete", withAi, { ...GOOD, MODEL_PROVIDER: "workers-ai", MODEL: "@cf/x" }, {}, []],
  [
    "gateway without account and gateway",
    repoConfig,
    { ...GOOD, MODEL_PROVIDER: "gateway", MODEL: "openai/gpt-5-mini" },
    {},
    ["CF_ACCOUNT_ID", "AI_GATEWAY_ID"]
  ],
  ["openai without base URL", repoConfig, { ...GOOD, MODEL_PROVIDER: "openai", MODEL: "llama" }, {}, ["MODEL_BASE_URL"]],
  ["a malformed fallback", withAi, { ...GOOD, MODEL_PROVIDER: "workers-ai", MODEL: "@cf/x", MODEL_FALLBACKS: "llama3" }, {}, ["MODEL_FALLBACKS"]],
  [
    "a fallback whose provider is not set up",
    withAi,
    { ...GOOD, MODEL_PROVIDER: "workers-ai", MODEL: "@cf/x", MODEL_FALLBACKS: "openai:llama3" },
    {},
    ["MODEL_BASE_URL"]
  ],
  ["fallbacks without a primary", repoConfig, { ...GOOD, MODEL_FALLBACKS: "workers-ai:@cf/x" }, {}, ["MODEL_FALLBACKS", "ai"]],
  ["a token limit that is not a number", repoConfig, { ...GOOD, TOKENS_PER_DAY: "lots" }, {}, ["TOKENS_PER_DAY"]],
  ["email on without a domain", repoConfig, { ...GOOD, EMAIL_DOMAIN: "" }, {}, ["EMAIL_DOMAIN"]],
  ["email domain with a scheme", repoConfig, { ...GOOD, EMAIL_DOMAIN: "https://x.example" }, {}, ["EMAIL_DOMAIN"]],
  ["no Docker for the container", repoConfig, GOOD, { docker: () => false }, ["docker"]],
  ["no Docker, tier 4 off", repoConfig, { ...GOOD, SANDBOX_BACKEND: "off" }, { docker: () => false }, []],
  ["the process sandbox in a deployment", repoConfig, { ...GOOD, SANDBOX_BACKEND: "process" }, {}, ["SANDBOX_BACKEND"]],
  ["container backend without containers", { ...repoConfig, containers: [] }, GOOD, {}, ["containers"]],
  ["a secret declared as a var", { ...repoConfig, vars: { ...repoConfig.vars, MODEL_API_KEY: "" } }, GOOD, {}, ["MODEL_API_KEY"]],
  ["a required secret without a value", { ...repoConfig, secrets: { required: ["MODEL_API_KEY"] } }, GOOD, { checkRequiredValues: true }, ["MODEL_API_KEY"]],
  ["bad service token mapping", repoConfig, { ...GOOD, ACCESS_SERVICE_TOKENS: "[1]" }, {}, ["ACCESS_SERVICE_TOKENS"]],
  [
    "every problem at once",
    { ...repoConfig, containers: [] },
    { MODEL_PROVIDER: "gateway", TOKENS_PER_DAY: "-1", DEV_USER: "me" },
    {},
    ["ACCESS_TEAM_DOMAIN", "ACCESS_AUD", "DEV_USER", "MODEL", "CF_ACCOUNT_ID", "AI_GATEWAY_ID", "TOKENS_PER_DAY", "EMAIL_DOMAIN", "containers"]
  ]
];

for (const [name, config, values, options, expected] of CASES) {
  test(name, () => {
    const problems = checkConfig(config, values, { docker, ...options });
    assert.deepEqual(
      problems.map((p) => p.setting),
      expected
    );
    for (const p of problems) assert.match(p.fix, /\w/, `${p.setting} has a fix`);
  });
}

test("reads .dev.vars-style files and JSONC", () => {
  assert.deepEqual(parseEnvFile('# c\nA=1\nB="two words"\n bad line\n'), { A: "1", B: "two words" });
  assert.deepEqual(parseJsonc('{ "a": "http://x", // c\n /* b */ "b": [1,], }'), { a: "http://x", b: [1] });
});

test("every bench's wrangler.jsonc bundles like the main one (the same module rules)", () => {
  const benches = readdirSync(new URL("../bench/", import.meta.url)).filter((name) => existsSync(new URL(`../bench/${name}/wrangler.jsonc`, import.meta.url)));
  assert.ok(benches.length > 0);
  for (const name of benches) {
    const bench = parseJsonc(readFileSync(new URL(`../bench/${name}/wrangler.jsonc`, import.meta.url), "utf8"));
    assert.deepEqual(bench.rules, repoConfig.rules, `bench/${name}/wrangler.jsonc: "rules" differ from wrangler.jsonc`);
  }
});
