#!/usr/bin/env node
// `npm run email -- <file.eml>`: deliver a raw email to the local dev server's
// email() handler (wrangler dev's /cdn-cgi/handler/email) and print the reply
// the agent sends. Start the server first with `npm run dev`.
//
//   npm run email -- test/channels/email/fixtures/plain.eml
//   npm run email -- mail.eml --from me@example.com      envelope/owner address (default: the From header)
//   npm run email -- mail.eml --stranger                 do not register the sender as the owner's address
//   PORT=9000 npm run email -- mail.eml                  another port
//
// As the local dev user (loopback), the script first does what the owner does
// in the web app: it registers the sender as one of the owner's addresses and
// learns the agent's address. {{TO}} and {{ID}} in the file are filled in, so
// the same file can be sent again as a new message.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--") && args[args.indexOf(a) - 1] !== "--from");
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const port = process.env.PORT ?? "8787";
const base = `http://localhost:${port}`;
const waitSeconds = Number(option("--wait") ?? 30);

if (!file || !existsSync(file)) {
  console.error("usage: npm run email -- <file.eml> [--from address] [--stranger] [--wait seconds]");
  process.exit(2);
}

let raw = readFileSync(file, "latin1");
const fromHeader = /^From:.*?<?([^\s<>"]+@[^\s<>"]+)>?\s*$/im.exec(raw)?.[1];
const from = option("--from") ?? fromHeader;
if (!from) {
  console.error("no sender: the file has no From header; pass --from address");
  process.exit(2);
}

const settings = await rpc(args.includes("--stranger") ? "getEmailSettings" : "addOwnerEmailAddress", args.includes("--stranger") ? [] : [from]);
const to = settings.address;
raw = raw.replaceAll("{{TO}}", to).replaceAll("{{ID}}", `<${crypto.randomUUID()}@local.test>`).replace(/\r?\n/g, "\r\n");

const outDir = join(root, ".wrangler", "tmp");
const before = new Set(sentFiles(outDir));
const res = await fetch(`${base}/cdn-cgi/handler/email?${new URLSearchParams({ from, to })}`, { method: "POST", body: Buffer.from(raw, "latin1") });
const answer = await res.text();
console.log(`delivered ${relative(process.cwd(), file)} from ${from} to ${to}: HTTP ${res.status} ${answer.trim()}`);
if (!res.ok) process.exit(1);

const deadline = Date.now() + waitSeconds * 1000;
for (;;) {
  const fresh = sentFiles(outDir).filter((f) => !before.has(f));
  if (fresh.length) {
    for (const f of fresh) console.log(`\n--- reply stored at ${relative(process.cwd(), f)} ---\n${readFileSync(f, "utf8")}`);
    break;
  }
  if (Date.now() > deadline) {
    const log = (await rpc("getEmailLog", [5])).map((r) => `  ${r.direction} ${r.messageId} ${r.status} ${r.detail}`).join("\n");
    console.log(`no reply within ${waitSeconds}s (refused, held, an auto-reply, or still working). Recent mail:\n${log}`);
    break;
  }
  await new Promise((r) => setTimeout(r, 250));
}

/** Calls an @callable on the dev user's Assistant over its WebSocket, like the web app. */
async function rpc(method, params) {
  const ws = new WebSocket(`ws://localhost:${port}/agent`, { headers: { Origin: base } });
  return new Promise((resolve, reject) => {
    const id = crypto.randomUUID();
    const timer = setTimeout(() => reject(new Error(`no answer to ${method} from ${base}; is \`npm run dev\` running?`)), 10_000);
    ws.addEventListener("error", () => reject(new Error(`cannot reach ${base}; start it with \`npm run dev\``)));
    ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "rpc", id, method, args: params })));
    ws.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data));
      if (frame.type !== "rpc" || frame.id !== id || frame.done === false) return;
      clearTimeout(timer);
      ws.close();
      frame.success ? resolve(frame.result) : reject(new Error(`${method}: ${frame.error}`));
    });
  });
}

/** Mail the local send_email binding stored (.eml files under .wrangler/tmp). */
function sentFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sentFiles(path));
    else if (/email/i.test(path) && /\.(eml|txt|json)$/.test(name)) out.push(path);
  }
  return out;
}
