#!/usr/bin/env node
// Deploy preflight: checks wrangler.jsonc plus the values a deployment will
// have (vars, a secrets/env file, the environment) and lists EVERY problem
// with its fix, so one run shows all there is to do. `npm run deploy` runs it
// first and uploads nothing when it fails.
//
//   npm run check-config                          the production deployment
//   npm run check-config -- --secrets-file prod.env   values of secrets you will set (KEY=value lines)
//   npm run check-config -- --local               local development (DEV_USER, the process sandbox)
//   npm run check-config -- --env staging         a wrangler environment
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Settings that hold credentials: never in `vars` (a var of the same name blocks `wrangler secret put`). */
export const SECRET_NAMES = ["MODEL_API_KEY", "CF_AIG_TOKEN", "SANDBOX_TOKEN", "SANDBOX_CREDENTIALS", "ACCESS_SERVICE_TOKENS", "ACCESS_JWKS"];
const PROVIDERS = ["workers-ai", "gateway", "openai"];

/**
 * @param {Record<string, unknown>} config   wrangler.jsonc, parsed (the environment's section merged in)
 * @param {Record<string, string | undefined>} values  what the Worker will see: vars, secrets, environment
 * @param {{ local?: boolean, docker?: () => boolean, tier4Off?: boolean, checkRequiredValues?: boolean }} [options]
 * @returns {Array<{ setting: string, problem: string, fix: string }>}
 */
export function checkConfig(config, values, options = {}) {
  const problems = [];
  const add = (setting, problem, fix) => problems.push({ setting, problem, fix });
  const get = (name) => (typeof values[name] === "string" ? values[name].trim() : "");
  const vars = isObject(config.vars) ? config.vars : {};
  const local = Boolean(options.local) || get("LOCAL_ONLY") === "true";

  // ── Identity (src/auth.ts) ──
  const team = get("ACCESS_TEAM_DOMAIN");
  const aud = get("ACCESS_AUD");
  if (!local) {
    if (!team) add("ACCESS_TEAM_DOMAIN", "not set: nobody can sign in", "Set it to https://<team>.cloudflareaccess.com (Zero Trust → Settings)");
    else if (!/^https:\/\/[a-z0-9-]+\.cloudflareaccess\.com\/?$/i.test(team) && !/^[a-z0-9-]+\.cloudflareaccess\.com$/i.test(team)) {
      add("ACCESS_TEAM_DOMAIN", `"${team}" is not a team domain`, "Use https://<team>.cloudflareaccess.com");
    }
    if (!aud) add("ACCESS_AUD", "not set: Access tokens cannot be checked", "Copy the Access application's Audience (AUD) tag");
    if (get("DEV_USER"))
      add("DEV_USER", "set in a deployment", "Remove it (it belongs in .dev.vars), or pass --local / LOCAL_ONLY=true for a local-only setup");
  }
  // Local: npm run dev signs in as DEV_USER ("you" unless .dev.vars says otherwise), on loopback only.
  if (get("ACCESS_JWKS") && !parsesAs(get("ACCESS_JWKS"), (v) => isObject(v) && Array.isArray(v.keys))) {
    add("ACCESS_JWKS", "not a JSON Web Key Set", "Remove it (keys are fetched from the team) or paste the JWKS JSON");
  }
  if (
    get("ACCESS_SERVICE_TOKENS") &&
    !parsesAs(get("ACCESS_SERVICE_TOKENS"), (v) => isObject(v) && Object.values(v).every((s) => typeof s === "string" && s.trim()))
  ) {
    add(
      "ACCESS_SERVICE_TOKENS",
      "not a JSON object of client id → user sub",
      'wrangler secret put ACCESS_SERVICE_TOKENS with {"<client id>.access": "<user sub>"}'
    );
  }

  // ── Models (src/model/config.ts, fallback.ts, usage.ts) ──
  const provider = get("MODEL_PROVIDER");
  const modelEntries = [];
  if (provider && provider !== "none") {
    if (!PROVIDERS.includes(provider))
      add("MODEL_PROVIDER", `"${provider}" is not a provider`, `Use one of ${PROVIDERS.join(", ")}, or leave it empty for slash commands only`);
    else modelEntries.push({ setting: "MODEL", provider, model: get("MODEL") });
  }
  for (const entry of get("MODEL_FALLBACKS")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(":");
    const p = colon > 0 ? entry.slice(0, colon) : "";
    if (!PROVIDERS.includes(p) || !entry.slice(colon + 1).trim()) {
      add("MODEL_FALLBACKS", `entry "${entry}" is not provider:model`, `Write provider:model with provider one of ${PROVIDERS.join(", ")}, comma separated`);
    } else modelEntries.push({ setting: "MODEL_FALLBACKS", provider: p, model: entry.slice(colon + 1).trim() });
  }
  if (get("MODEL_FALLBACKS") && !(provider && provider !== "none")) add("MODEL_FALLBACKS", "set without a primary model", "Set MODEL_PROVIDER and MODEL first");
  const needed = new Set();
  for (const { setting, provider: p, model } of modelEntries) {
    if (!model) add(setting, `no model for provider ${p}`, "Name the model, e.g. MODEL=@cf/moonshotai/kimi-k2.7-code");
    if (p === "workers-ai") needed.add("ai");
    if (p === "gateway") needed.add("gateway");
    if (p === "openai") needed.add("openai");
  }
  if (needed.has("ai") && !isObject(config.ai)) add("ai", "a workers-ai model needs the AI binding", 'Add "ai": { "binding": "AI" } to wrangler.jsonc');
  if (needed.has("gateway")) {
    if (!get("CF_ACCOUNT_ID")) add("CF_ACCOUNT_ID", "the gateway provider needs your account id", "Set CF_ACCOUNT_ID");
    if (!get("AI_GATEWAY_ID")) add("AI_GATEWAY_ID", "the gateway provider needs the gateway's name", "Set AI_GATEWAY_ID");
  }
  if (needed.has("openai") && !/^https?:\/\/\S+$/.test(get("MODEL_BASE_URL"))) {
    add("MODEL_BASE_URL", "the openai provider needs an http(s) base URL", "Set MODEL_BASE_URL, e.g. https://api.example.com/v1");
  }
  if (get("TOKENS_PER_DAY") && !/^\d{1,12}$/.test(get("TOKENS_PER_DAY")))
    add("TOKENS_PER_DAY", `"${get("TOKENS_PER_DAY")}" is not a whole number`, "Set a number of tokens per user per UTC day, or leave it empty for no limit");

  // ── Email (src/channels/email) ──
  const emailOn = Array.isArray(config.send_email) && config.send_email.length > 0;
  if (emailOn && !local) {
    const domain = get("EMAIL_DOMAIN");
    if (!domain)
      add(
        "EMAIL_DOMAIN",
        "email is on (send_email) but no domain is set",
        "Set EMAIL_DOMAIN to the domain Email Routing sends to this Worker, or remove send_email"
      );
    else if (!/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/i.test(domain))
      add("EMAIL_DOMAIN", `"${domain}" is not a domain`, "Use a bare domain such as agents.example.com");
  }

  // ── Tier 4 (src/ladder/sandbox) ──
  const backend = get("SANDBOX_BACKEND") || "container";
  const containers = Array.isArray(config.containers) ? config.containers : [];
  const bindings = isObject(config.durable_objects) && Array.isArray(config.durable_objects.bindings) ? config.durable_objects.bindings : [];
  if (options.tier4Off || backend === "off") {
    // Fine: the deploy leaves containers out (scripts/deploy.mjs), tier 4 answers that it is off.
  } else if (backend === "container") {
    if (!containers.some((c) => isObject(c) && c.class_name === "Sandbox"))
      add(
        "containers",
        "SANDBOX_BACKEND=container but no container for the Sandbox class",
        'Add { "class_name": "Sandbox", "image": "./Dockerfile" } to "containers", or set SANDBOX_BACKEND=off'
      );
    if (!bindings.some((b) => isObject(b) && b.name === "Sandbox"))
      add("durable_objects", "SANDBOX_BACKEND=container but no Sandbox Durable Object binding", 'Add { "name": "Sandbox", "class_name": "Sandbox" }');
    if (!local && options.docker && !options.docker()) {
      add(
        "docker",
        "deploying the container image needs Docker, and no Docker engine answers here",
        "Start Docker, or deploy with tier 4 off: SANDBOX_BACKEND=off npm run deploy (leaves containers out)"
      );
    }
  } else if (backend === "process") {
    if (!local) add("SANDBOX_BACKEND", "process is the local development sandbox", "Use container (or off) in a deployment");
    else if (!get("SANDBOX_URL") || !get("SANDBOX_TOKEN"))
      add("SANDBOX_URL", "the process sandbox needs SANDBOX_URL and SANDBOX_TOKEN", "npm run dev starts it and sets both");
  } else {
    add("SANDBOX_BACKEND", `"${backend}" is not a backend`, "Use container, process (local) or off");
  }
  if (get("SANDBOX_CREDENTIALS") && !parsesAs(get("SANDBOX_CREDENTIALS"), (v) => isObject(v) && Object.values(v).every(isObject))) {
    add("SANDBOX_CREDENTIALS", "not JSON {host: {header: value}}", "wrangler secret put SANDBOX_CREDENTIALS with that shape");
  }

  // ── Secrets: never as vars; the required ones must have a value ──
  for (const name of SECRET_NAMES) {
    if (Object.hasOwn(vars, name))
      add(
        name,
        "declared in vars: a var of a secret's name blocks `wrangler secret put` and would ship in the config",
        `Remove "${name}" from vars; run wrangler secret put ${name}`
      );
  }
  const required = isObject(config.secrets) && Array.isArray(config.secrets.required) ? config.secrets.required : [];
  for (const name of required) {
    if (Object.hasOwn(vars, name)) add(name, "listed in secrets.required and also in vars", `Remove "${name}" from vars`);
    if (options.checkRequiredValues && !get(name))
      add(name, "a required secret with no value", `wrangler secret put ${name} (or put it in the --secrets-file)`);
  }
  return problems;
}

function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parsesAs(text, test) {
  try {
    return test(JSON.parse(text));
  } catch {
    return false;
  }
}

/** wrangler.jsonc: JSON with comments and trailing commas (strings kept intact). */
export function parseJsonc(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      out += text.slice(start, i + 1);
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) + 1;
    } else out += c;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
}

/** KEY=value lines (.dev.vars / .env style; # comments; optional quotes). */
export function parseEnvFile(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trim().startsWith("#")) continue;
    out[m[1]] = m[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return out;
}

/** The config for a target: the top level, with a wrangler environment's section over it. */
export function configFor(raw, envName) {
  if (!envName) return raw;
  const section = isObject(raw.env) ? raw.env[envName] : undefined;
  if (!isObject(section)) throw new Error(`wrangler.jsonc has no env.${envName}`);
  return { ...raw, ...section };
}

function dockerAnswers() {
  const r = spawnSync("docker", ["info"], { stdio: "ignore", timeout: 10_000 });
  return r.status === 0;
}

function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const local = argv.includes("--local");
  const configPath = arg("--config") ?? "wrangler.jsonc";
  const config = configFor(parseJsonc(readFileSync(configPath, "utf8")), arg("--env"));
  const file = arg("--secrets-file") ?? (local && existsSync(".dev.vars") ? ".dev.vars" : undefined);
  const fromFile = file ? parseEnvFile(readFileSync(file, "utf8")) : {};
  const fromEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^[A-Z][A-Z0-9_]*$/.test(k) && (k in (config.vars ?? {}) || KNOWN.has(k))));
  const values = { ...(config.vars ?? {}), ...fromFile, ...fromEnv };
  const problems = checkConfig(config, values, {
    local,
    docker: dockerAnswers,
    tier4Off: values.SANDBOX_BACKEND === "off",
    checkRequiredValues: Boolean(file)
  });
  const target = `${local ? "local development" : "deployment"}${arg("--env") ? ` (env ${arg("--env")})` : ""}`;
  if (problems.length === 0) {
    console.log(`check-config: ${target} ok`);
    return 0;
  }
  console.error(`check-config: ${problems.length} problem${problems.length === 1 ? "" : "s"} for the ${target}:`);
  for (const p of problems) console.error(`  ✗ ${p.setting}: ${p.problem}\n      fix: ${p.fix}`);
  return 1;
}

/** Settings read from the process environment too (CI sets them there). */
const KNOWN = new Set([
  "DEV_USER",
  "LOCAL_ONLY",
  "ACCESS_TEAM_DOMAIN",
  "ACCESS_AUD",
  "ACCESS_JWKS",
  "ACCESS_SERVICE_TOKENS",
  "MODEL_PROVIDER",
  "MODEL",
  "MODEL_FALLBACKS",
  "TOKENS_PER_DAY",
  "AI_GATEWAY_ID",
  "CF_ACCOUNT_ID",
  "CF_AIG_TOKEN",
  "MODEL_BASE_URL",
  "MODEL_API_KEY",
  "SANDBOX_BACKEND",
  "SANDBOX_URL",
  "SANDBOX_TOKEN",
  "SANDBOX_CREDENTIALS",
  "EMAIL_DOMAIN"
]);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main(process.argv.slice(2)));
