#!/usr/bin/env node
// The local tier 4 backend: a process sandbox the Worker calls over loopback
// HTTP (Workers cannot spawn processes). Production uses @cloudflare/sandbox
// containers behind the same interface (src/ladder/sandbox/).
//
// Each command runs under bubblewrap (bwrap) in a per-user directory: fresh
// user, PID, mount, IPC and UTS namespaces, no network (as root the network
// namespace is made by `unshare --net` first, so even loopback is down; the
// command runs as an unprivileged per-user uid), only listed read-only system
// mounts, a fresh /dev, private size-limited /tmp and /dev/shm, and limits on
// processes, address space and file size. A time limit kills the whole PID
// namespace; output is capped. The workspace is mirrored in before a command
// and the changed files are returned after it.
//
//   SANDBOX_TOKEN=… node scripts/sandbox-server.mjs     (PORT=0 picks a free port)
//
// Every request but GET /health needs `Authorization: Bearer $SANDBOX_TOKEN`,
// so nothing else on the machine can use it. Finished jobs are kept by id
// (in memory and on disk) so a caller that crashed mid-job can ask for the
// result instead of running the command again.
import { spawn, spawnSync } from "node:child_process";
import { createHash, timingSafeEqual } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
  lstatSync
} from "node:fs";
import { createServer } from "node:http";
import { StringDecoder } from "node:string_decoder";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";

const token = process.env.SANDBOX_TOKEN ?? "";
if (token.length < 16) {
  console.error("sandbox-server: set SANDBOX_TOKEN (16+ characters) so only the Worker can use it");
  process.exit(2);
}
const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? "8788");
const root = process.env.SANDBOX_ROOT ?? join(tmpdir(), "steward-sandbox");
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_OUTPUT_BYTES = 64 * 1024;
const isRoot = process.getuid?.() === 0;
/** Limits for every command. RLIMIT_NPROC is set inside the command's own user namespace, so it counts that command's processes (as root they also run under their user's own uid). */
const LIMITS = {
  processes: 256,
  addressSpaceBytes: 2 * 1024 ** 3,
  fileBytes: 100 * 1024 ** 2,
  tmpBytes: 64 * 1024 ** 2,
  shmBytes: 16 * 1024 ** 2
};
const MiB = 1024 ** 2;
/** What a command may copy back at once; more would not fit the next sync in (src/ladder/sandbox/workspace-sync.ts). */
const MAX_CHANGED_BYTES = 32 * MiB;
const bwrap = which("bwrap");
if (!bwrap) {
  console.error(
    "sandbox-server: bubblewrap (bwrap) is not installed, and it isolates every command; refusing to run them unisolated.\n" +
      "Install it (Debian/Ubuntu: apt-get install bubblewrap), or run `SANDBOX=off npm run dev` to go without tier 4."
  );
  process.exit(2);
}
// The isolation is tried once at start, so a machine that cannot provide it says so now, not on the first command.
probeIsolation();

mkdirSync(join(root, "jobs"), { recursive: true, mode: 0o700 });
// Job records only need to outlive an agent's recovery; a week is plenty.
const JOB_RECORD_MS = 7 * 24 * 60 * 60_000;
pruneJobs();
setInterval(pruneJobs, 60 * 60_000).unref();
chmodSync(root, 0o711);
/** @type {Map<string, Promise<object>>} jobs running in this process */
const running = new Map();
/** @type {Map<string, number>} per-user count of exec calls (read by tests and the bench) */
const runs = new Map();
/** @type {Map<string, Promise<unknown>>} one command at a time per user: they share a directory */
const userQueues = new Map();

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? "/", "http://sandbox");
    if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { ok: true, isolation: "bwrap", uidPerUser: isRoot, limits: LIMITS });
    if (!authorized(req.headers.authorization)) return send(res, 401, { error: "missing or wrong sandbox token" });
    if (req.method === "POST" && url.pathname === "/exec") {
      const body = JSON.parse(await readBody(req));
      const problem = invalidExec(body);
      if (problem) return send(res, 400, { error: problem });
      if (!String(req.headers.accept ?? "").includes("application/x-ndjson")) return send(res, 200, await execJob(body));
      // Streamed: one {"output": …} line per chunk while the command runs, then {"result": …} or {"error": …}.
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      const line = (value) => res.write(`${JSON.stringify(value)}\n`);
      try {
        line({ result: await execJob(body, (stream, text) => line({ output: { stream, text } })) });
      } catch (error) {
        line({ error: error instanceof Error ? error.message : String(error) });
      }
      return res.end();
    }
    const job = /^\/jobs\/([A-Za-z0-9:_-]{1,200})$/.exec(url.pathname);
    if (req.method === "GET" && job) {
      const id = job[1];
      const active = running.get(id);
      if (active) return send(res, 200, await active);
      const stored = readJob(id);
      return stored ? send(res, 200, stored) : send(res, 404, { error: `no job ${id}` });
    }
    // Deleting a user's agent (src/export/delete.ts): their sandbox directory goes with it.
    if (req.method === "DELETE" && url.pathname === "/users") {
      const user = String(url.searchParams.get("user") ?? "");
      if (!user) return send(res, 400, { error: "user required" });
      const hash = createHash("sha256").update(user).digest("hex");
      rmSync(join(root, "users", hash.slice(0, 32)), { recursive: true, force: true });
      return send(res, 200, { deleted: true });
    }
    if (req.method === "GET" && url.pathname === "/runs") {
      return send(res, 200, { runs: runs.get(String(url.searchParams.get("user"))) ?? 0 });
    }
    send(res, 404, { error: "not found" });
  } catch (error) {
    send(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
});
server.listen(port, host, () => {
  const address = server.address();
  // The first line is machine-read by scripts/dev.mjs and the test setup.
  console.log(`sandbox-server listening on http://${host}:${typeof address === "object" && address ? address.port : port}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));

function authorized(header) {
  const given = Buffer.from(String(header ?? ""));
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function invalidExec(body) {
  if (typeof body !== "object" || body === null) return "body must be a JSON object";
  if (typeof body.user !== "string" || !body.user) return "user must be a non-empty string";
  if (typeof body.command !== "string" || !body.command.trim()) return "command must be a non-empty string";
  if (body.jobId !== undefined && !/^[A-Za-z0-9:_-]{1,200}$/.test(body.jobId)) return "jobId must be 1-200 characters of [A-Za-z0-9:_-]";
  if (!Array.isArray(body.files)) return "files must be an array of {path, data}";
  for (const f of body.files) {
    if (typeof f?.path !== "string" || typeof f?.data !== "string") return "each file needs a string path and base64 data";
    if (!safeRelative(f.path)) return `unsafe path ${JSON.stringify(f.path)}`;
  }
  return null;
}

/**
 * Runs a job once per id: a repeat returns the recorded result. `onOutput`
 * hears the command's output as it is printed (only the caller that started
 * the run; one that joins a running job gets the result when it ends).
 */
function execJob(body, onOutput) {
  const id = body.jobId;
  if (id) {
    const active = running.get(id);
    if (active) return active;
    const stored = readJob(id);
    if (stored) return Promise.resolve({ ...stored, replayed: true });
  }
  const previous = userQueues.get(body.user) ?? Promise.resolve();
  const work = previous
    .catch(() => undefined)
    .then(() => runCommand(body, onOutput))
    .then((result) => {
      // Recorded before anyone is answered: a caller that crashes now can still ask for it.
      if (id) writeFileSync(join(root, "jobs", `${id}.json`), JSON.stringify(result), { mode: 0o600 });
      return result;
    });
  if (id) running.set(id, work);
  userQueues.set(body.user, work);
  work
    .finally(() => {
      if (id) running.delete(id);
      if (userQueues.get(body.user) === work) userQueues.delete(body.user);
    })
    .catch(() => undefined); // the caller gets the error; this chain must not become an unhandled rejection
  return work;
}

function pruneJobs() {
  const cutoff = Date.now() - JOB_RECORD_MS;
  for (const name of readdirSync(join(root, "jobs"))) {
    const file = join(root, "jobs", name);
    if (statSync(file).mtimeMs < cutoff) rmSync(file, { force: true });
  }
}

function readJob(id) {
  const file = join(root, "jobs", `${id}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
}

async function runCommand(body, onOutput) {
  runs.set(body.user, (runs.get(body.user) ?? 0) + 1);
  const { dir, uid, etc } = userDir(body.user);
  const before = mirror(dir, body.files, uid);
  const timeoutMs = clamp(body.timeoutMs ?? DEFAULT_TIMEOUT_MS, 100, MAX_TIMEOUT_MS);
  const limit = clamp(body.maxOutputBytes ?? DEFAULT_OUTPUT_BYTES, 1024, 4 * 1024 * 1024);
  const started = Date.now();
  const outcome = await spawnIsolated(isolatedArgs(dir, uid, etc, body.command), timeoutMs, limit, onOutput);
  const { changed, deleted, dropped } = diff(dir, before);
  if (dropped.length > 0) {
    // Said where the model reads it; the files are gone from the mirror too, so it still matches the workspace.
    outcome.stderr += `${outcome.stderr && !outcome.stderr.endsWith("\n") ? "\n" : ""}sandbox: not copied back to the workspace (a command may change at most ${MAX_CHANGED_BYTES / MiB} MiB): ${dropped.join(", ")}\n`;
  }
  return { ...outcome, durationMs: Date.now() - started, changed, deleted };
}

/** One directory and one unprivileged uid per user, so users cannot read each other's files. */
function userDir(user) {
  const hash = createHash("sha256").update(user).digest("hex");
  const dir = join(root, "users", hash.slice(0, 32), "workspace");
  const uid = 200_000 + (parseInt(hash.slice(0, 8), 16) % 100_000);
  mkdirSync(dir, { recursive: true });
  chmodSync(join(root, "users"), 0o711);
  if (isRoot) {
    chownSync(dirname(dir), uid, uid);
    chownSync(dir, uid, uid);
  }
  chmodSync(dirname(dir), 0o700);
  // Without root there is no uid to switch to: commands run as this process's user.
  const runAs = isRoot ? uid : (process.getuid?.() ?? uid);
  return { dir, uid: runAs, etc: userEtc(dirname(dir), runAs) };
}

/**
 * The /etc/passwd and /etc/group a command sees: its own user and nothing of
 * the host's accounts (tools such as `whoami` or git look the uid up).
 */
function userEtc(userRoot, uid) {
  const etc = join(userRoot, "etc");
  mkdirSync(etc, { recursive: true, mode: 0o755 });
  writeFileSync(
    join(etc, "passwd"),
    `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${uid}:${uid}:sandbox:/workspace:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    { mode: 0o644 }
  );
  writeFileSync(join(etc, "group"), `root:x:0:\nsandbox:x:${uid}:\nnogroup:x:65534:\n`, { mode: 0o644 });
  return etc;
}

/**
 * Makes the directory hold exactly the workspace's files; returns their
 * digests, against which the command's changes are found afterwards.
 */
function mirror(dir, files, uid) {
  const wanted = new Map(files.map((f) => [f.path, Buffer.from(f.data, "base64")]));
  for (const path of listFiles(dir)) if (!wanted.has(path)) rmSync(join(dir, path), { force: true });
  const digests = new Map();
  for (const [path, bytes] of wanted) {
    const target = join(dir, path);
    const digest = sha(bytes);
    digests.set(path, digest);
    // The command may have left symlinks where directories go; this process may be root, so never write through one.
    unlinkNonDirectories(dir, dirname(path));
    if (existsSync(target) && lstatSync(target).isFile() && sha(readFileSync(target)) === digest) continue;
    mkdirOwned(dirname(target), dir, uid);
    rmSync(target, { recursive: true, force: true });
    writeFileSync(target, bytes);
    if (isRoot) chownSync(target, uid, uid);
  }
  return digests;
}

/** Removes whatever stands where a directory of `rel` should be (a symlink, a file), so paths under dir stay in dir. */
function unlinkNonDirectories(dir, rel) {
  if (rel === "." || rel === "") return;
  let path = dir;
  for (const part of rel.split("/")) {
    path = join(path, part);
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      return; // missing: mkdirOwned makes it
    }
    if (!stat.isDirectory()) {
      rmSync(path, { force: true });
      return;
    }
  }
}

function mkdirOwned(path, top, uid) {
  if (existsSync(path)) return;
  mkdirOwned(dirname(path), top, uid);
  mkdirSync(path);
  if (isRoot) chownSync(path, uid, uid);
}

function diff(dir, before) {
  const changed = [];
  const dropped = [];
  let budget = MAX_CHANGED_BYTES;
  const now = listFiles(dir);
  for (const path of now) {
    const full = join(dir, path);
    const size = statSync(full).size;
    const bytes = size <= MAX_CHANGED_BYTES ? readFileSync(full) : null;
    if (bytes && before.get(path) === sha(bytes)) continue;
    if (bytes && size <= budget) {
      changed.push({ path, data: bytes.toString("base64") });
      budget -= size;
      continue;
    }
    // Too much to copy back: removed here as well, so the mirror keeps matching the workspace.
    rmSync(full, { force: true });
    dropped.push(`${path} (${Math.ceil(size / MiB)} MiB${before.has(path) ? "; the workspace keeps its earlier copy" : ""})`);
  }
  const listed = new Set(now);
  const deleted = [...before.keys()].filter((p) => !listed.has(p));
  return { changed, deleted, dropped };
}

/** Regular files under dir, as relative POSIX paths (symlinks are not followed or returned). */
function listFiles(dir, prefix = "") {
  const out = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/**
 * The argv that runs `command` isolated. As root: a network namespace with
 * loopback down (`unshare --net`), then the user's own unprivileged uid
 * (`setpriv`), then bubblewrap keeping that network namespace. Otherwise
 * bubblewrap alone, whose network namespace has only a loopback of its own.
 * Inside: only the mounts listed here; the root and /dev are read-only after
 * setup so nothing can be stored outside the sized mounts and the workspace.
 */
function isolatedArgs(dir, uid, etc, command) {
  const prefix = isRoot
    ? ["unshare", "--net", "--", "setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--"]
    : [];
  const system = [];
  for (const top of ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]) {
    const host = `/${top}`;
    if (!existsSync(host)) continue;
    // Merged-/usr systems have these as symlinks into /usr (bound below); older ones have real directories.
    if (lstatSync(host).isSymbolicLink()) system.push("--symlink", readlinkSync(host), host);
    else system.push("--ro-bind", host, host);
  }
  // The parts of /etc programs need to start: the loader's cache, Debian's alternatives symlinks, certificates, time zone.
  for (const path of [
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/localtime",
    "/etc/nsswitch.conf"
  ]) {
    system.push("--ro-bind-try", path, path);
  }
  if (etc) system.push("--ro-bind", join(etc, "passwd"), "/etc/passwd", "--ro-bind", join(etc, "group"), "/etc/group");
  return [
    ...prefix,
    bwrap,
    "--unshare-all",
    ...(isRoot ? ["--share-net"] : []),
    "--die-with-parent",
    "--new-session",
    "--hostname",
    "sandbox",
    "--ro-bind",
    "/usr",
    "/usr",
    ...system,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    String(LIMITS.shmBytes),
    "--tmpfs",
    "/dev/shm",
    "--size",
    String(LIMITS.tmpBytes),
    "--tmpfs",
    "/tmp",
    "--bind",
    dir,
    "/workspace",
    "--remount-ro",
    "/dev",
    "--remount-ro",
    "/",
    "--chdir",
    "/workspace",
    // Limits are set inside the sandbox's user namespace (see LIMITS); the command cannot raise them again.
    "/usr/bin/prlimit",
    `--nproc=${LIMITS.processes}`,
    `--as=${LIMITS.addressSpaceBytes}`,
    `--fsize=${LIMITS.fileBytes}`,
    "--core=0",
    "--",
    // SIGXFSZ ignored: a write past the file size limit fails with "File too large" instead of killing the writer.
    "/bin/sh",
    "-c",
    'trap "" XFSZ; exec /bin/sh -c "$1"',
    "sandbox",
    command
  ];
}

function probeIsolation() {
  const dir = mkdtempSync(join(tmpdir(), "steward-sandbox-probe-"));
  const uid = isRoot ? 199_999 : (process.getuid?.() ?? 0);
  if (isRoot) chownSync(dir, uid, uid);
  const args = isolatedArgs(dir, uid, null, "test -w /workspace && ! test -w /usr");
  const probe = spawnSync(args[0], args.slice(1), { cwd: "/", encoding: "utf8", timeout: 10_000, env: { PATH: "/usr/bin:/bin" } });
  rmSync(dir, { recursive: true, force: true });
  if (probe.status === 0) return;
  console.error(
    `sandbox-server: bubblewrap is installed but could not start a sandbox here (${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}).\n` +
      "It needs unprivileged user namespaces (sysctl user.max_user_namespaces > 0; on some kernels kernel.unprivileged_userns_clone=1)" +
      (isRoot ? ", and as root `unshare` and `setpriv` (util-linux)." : ".")
  );
  process.exit(2);
}

function spawnIsolated(args, timeoutMs, limit, onOutput) {
  const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/workspace", LANG: "C.UTF-8", TERM: "dumb" };
  return new Promise((resolve) => {
    const child = spawn(args[0], args.slice(1), { cwd: "/", env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const out = { stdout: capture(limit), stderr: capture(limit) };
    // Live output stops where the recorded output is cut; decoders keep a UTF-8 character split across chunks whole.
    for (const name of ["stdout", "stderr"]) {
      const decoder = new StringDecoder("utf8");
      child[name].on("data", (chunk) => {
        const room = limit - out[name].size;
        out[name].push(chunk);
        if (onOutput && room > 0) {
          const text = decoder.write(chunk.subarray(0, room));
          if (text) onOutput(name, text);
        }
      });
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      killGroup(child.pid); // nothing outlives the command
      resolve({
        exitCode: code ?? (signal ? 128 + 9 : 1),
        stdout: out.stdout.text(),
        stderr: out.stderr.text(),
        truncated: out.stdout.truncated || out.stderr.truncated,
        timedOut
      });
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ exitCode: 127, stdout: "", stderr: `could not start the sandbox: ${error.message}`, truncated: false, timedOut: false });
    });
  });
}

function killGroup(pid) {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function capture(limit) {
  const chunks = [];
  let size = 0;
  let truncated = false;
  return {
    push(chunk) {
      if (size >= limit) return void (truncated = true);
      const room = limit - size;
      if (chunk.length > room) truncated = true;
      chunks.push(chunk.subarray(0, room));
      size += Math.min(room, chunk.length);
    },
    text: () => Buffer.concat(chunks).toString("utf8"),
    get size() {
      return size;
    },
    get truncated() {
      return truncated;
    }
  };
}

function safeRelative(path) {
  if (!path || path.startsWith("/") || path.includes("\0")) return false;
  return path.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

function sha(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

function clamp(n, lo, hi) {
  return Number.isFinite(n) ? Math.min(Math.max(Math.round(n), lo), hi) : lo;
}

function which(name) {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : null;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
