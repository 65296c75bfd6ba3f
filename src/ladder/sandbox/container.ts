import { changesSince, parseDigestListing, planMirror, shellQuote } from "./mirror";
import type { SandboxBackend, SandboxExecOptions, SandboxExecResult, SyncedFile } from "./backend";

/**
 * What the container backend needs from `@cloudflare/sandbox` — the seam a
 * test fakes (containers cannot run here). `getSandbox(env.Sandbox, user)`
 * satisfies it.
 */
export interface ContainerSeam {
  exec(
    command: string,
    options?: { timeout?: number; stream?: boolean; onOutput?: (stream: "stdout" | "stderr", data: string) => void }
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  writeFile(path: string, content: string, options?: { encoding?: string }): Promise<unknown>;
  readFile(path: string, options?: { encoding?: "base64" }): Promise<{ content: string }>;
}

const ROOT = "/workspace";
const JOBS = "/var/lib/steward-jobs";

/**
 * Production tier 4: one `@cloudflare/sandbox` container per user, created on
 * demand and put to sleep when idle (sleepAfter, set where the seam is made).
 * Each command runs under `timeout` with its output in files named by the job
 * id, so a caller that crashed mid-job reads the result back instead of
 * running the command again (the container outlives the agent's isolate).
 */
export class ContainerSandbox implements SandboxBackend {
  readonly kind = "container";

  constructor(private readonly seamFor: (user: string) => ContainerSeam) {}

  async exec(user: string, command: string, options: SandboxExecOptions): Promise<SandboxExecResult> {
    const box = this.seamFor(user);
    const known = await this.jobResult(user, options.jobId);
    if (known) return known;

    const before = await digests(box);
    const { plan, digests: sent } = await planMirror(options.files, before);
    if (plan.remove.length) await box.exec(`cd ${ROOT} && rm -f -- ${plan.remove.map(shellQuote).join(" ")}`);
    const dirs = [...new Set(plan.write.map((file) => dirOf(`${ROOT}/${file.path}`)))];
    if (dirs.length) await box.exec(`mkdir -p ${dirs.map(shellQuote).join(" ")}`);
    for (const file of plan.write) await box.writeFile(`${ROOT}/${file.path}`, file.data, { encoding: "base64" });

    const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    const started = Date.now();
    const script = jobScript({ root: ROOT, jobs: JOBS, jobId: options.jobId, seconds, command, liveBytes: options.maxOutputBytes });
    await box.exec(script, { timeout: options.timeoutMs + 10_000, ...(options.onOutput ? { stream: true, onOutput: options.onOutput } : {}) });
    const result = await this.readJob(box, options.jobId, options.maxOutputBytes);
    if (!result) throw new Error(`the container lost job ${options.jobId}`);
    const { changed, deleted } = changesSince(sent, await digests(box));
    result.changed = await Promise.all(changed.map((path) => readSynced(box, path)));
    result.deleted = deleted;
    result.durationMs = Date.now() - started;
    return result;
  }

  async jobResult(user: string, jobId: string): Promise<SandboxExecResult | null> {
    return this.readJob(this.seamFor(user), jobId);
  }

  private async readJob(box: ContainerSeam, jobId: string, limit = 64 * 1024): Promise<SandboxExecResult | null> {
    const job = `${JOBS}/${jobId}`;
    const probe = await box.exec(
      `test -f ${job}.exit && cat ${job}.exit && ` +
        `wc -c < ${job}.out && wc -c < ${job}.err && head -c ${limit} ${job}.out && printf '\\0' && head -c ${limit} ${job}.err`
    );
    if (probe.exitCode !== 0) return null;
    const [head = "", stderr = ""] = probe.stdout.split("\0");
    const [code = "1", outSize = "0", errSize = "0", ...rest] = head.split("\n");
    const exitCode = Number(code.trim());
    return {
      exitCode,
      stdout: rest.join("\n"),
      stderr,
      truncated: Number(outSize) > limit || Number(errSize) > limit,
      timedOut: exitCode === 137,
      changed: [],
      deleted: [],
      durationMs: 0
    };
  }
}

/**
 * The shell script that runs one job. The command's output goes to files
 * named by the job id — the record a caller that crashed reads back — and the
 * exit code lands in a file last, so its presence means the job finished.
 * `timeout -s KILL` ends the command's whole process group. While it runs,
 * `tail --pid` follows both files onto this script's own stdout and stderr
 * (the live view, cut at liveBytes) and stops when the command has ended,
 * even if something it started still holds the files open. `dd bs=1` is the
 * cut because `head -c` holds its output until its buffer fills.
 */
export function jobScript(job: { root: string; jobs: string; jobId: string; seconds: number; command: string; liveBytes: number }): string {
  const base = `${job.jobs}/${job.jobId}`;
  const follow = (file: string) => `tail -c +1 -s 0.2 --pid="$run" -f ${file} 2>/dev/null | dd bs=1 count=${job.liveBytes} status=none`;
  return [
    `mkdir -p ${job.jobs} && cd ${job.root} || exit 1`,
    `: > ${base}.out && : > ${base}.err || exit 1`,
    `(timeout -s KILL ${job.seconds} setsid sh -c ${shellQuote(job.command)} > ${base}.out 2> ${base}.err; ` +
      `echo $? > ${base}.exit.tmp && mv ${base}.exit.tmp ${base}.exit) &`,
    "run=$!",
    `${follow(`${base}.err`)} >&2 &`,
    follow(`${base}.out`),
    'wait "$run"',
    "wait"
  ].join("\n");
}

async function digests(box: ContainerSeam): Promise<Map<string, string>> {
  const listing = await box.exec(`mkdir -p ${ROOT} && cd ${ROOT} && find . -type f -print0 | xargs -0 -r sha256sum`);
  return parseDigestListing(listing.stdout);
}

async function readSynced(box: ContainerSeam, path: string): Promise<SyncedFile> {
  const file = await box.readFile(`${ROOT}/${path}`, { encoding: "base64" });
  return { path, data: file.content };
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}
