import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jobScript } from "../../src/ladder/sandbox/container";

/**
 * The container backend's job script, run for real by /bin/sh (the container
 * itself cannot run here): the record files, the exit code written last, and
 * the live view on the script's own stdout/stderr while the command runs.
 */
const dir = mkdtempSync(join(tmpdir(), "steward-job-script-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(jobId: string, command: string, seconds = 10, liveBytes = 64 * 1024) {
  const script = jobScript({ root: dir, jobs: join(dir, "jobs"), jobId, seconds, command, liveBytes });
  const child = spawn("sh", ["-c", script]);
  const seen: { stream: string; text: string; at: number }[] = [];
  const started = Date.now();
  child.stdout.on("data", (chunk: Buffer) => seen.push({ stream: "stdout", text: chunk.toString(), at: Date.now() - started }));
  child.stderr.on("data", (chunk: Buffer) => seen.push({ stream: "stderr", text: chunk.toString(), at: Date.now() - started }));
  const done = new Promise<number>((resolve) => child.on("close", () => resolve(Date.now() - started)));
  const record = (ext: string) => readFileSync(join(dir, "jobs", `${jobId}.${ext}`), "utf8");
  const live = (stream: string) =>
    seen
      .filter((s) => s.stream === stream)
      .map((s) => s.text)
      .join("");
  return { seen, done, record, live };
}

describe("container job script (run by sh)", () => {
  it("shows output while the command runs and records it, with the exit code last", async () => {
    const job = run("live", "echo first; echo oops >&2; sleep 1.5; echo second; exit 3");
    const ended = await job.done;
    // The live view arrives in pieces (dd copies a byte at a time): when had stdout said "first" in full?
    let said = "";
    const firstAt = job.seen.find((s) => s.stream === "stdout" && (said += s.text).includes("first"))?.at ?? Number.POSITIVE_INFINITY;
    // "first" arrived while the command was still sleeping, well before it ended.
    expect(firstAt).toBeLessThan(ended - 1000);
    expect(job.live("stdout")).toBe("first\nsecond\n");
    expect(job.live("stderr")).toBe("oops\n");
    expect(job.record("out")).toBe("first\nsecond\n");
    expect(job.record("err")).toBe("oops\n");
    expect(job.record("exit")).toBe("3\n");
  });

  it("stops following when the command ends, even if something it started still runs", async () => {
    const job = run("daemon", "(sleep 30 &) ; echo started");
    const ended = await job.done;
    expect(ended).toBeLessThan(10_000);
    expect(job.record("exit")).toBe("0\n");
    expect(job.record("out")).toBe("started\n");
  });

  it("cuts the live view at liveBytes but keeps the whole record, and a time limit kills with 137", async () => {
    const big = run("big", "head -c 5000 /dev/zero | tr '\\0' x", 10, 1000);
    await big.done;
    expect(big.seen.map((s) => s.text).join("").length).toBe(1000);
    expect(big.record("out").length).toBe(5000);

    const slow = run("slow", "echo before; sleep 20", 1);
    await slow.done;
    expect(slow.record("exit")).toBe("137\n");
    expect(slow.record("out")).toBe("before\n");
  });

  it("quotes the command: nothing in it runs outside sh -c", async () => {
    const job = run("quote", "echo 'a'\"b\" $((6*7)); echo `echo tick`");
    await job.done;
    expect(job.record("out")).toBe("ab 42\ntick\n");
  });
});
