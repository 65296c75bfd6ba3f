import { describe, expect, it } from "vitest";
import dockerfile from "../../Dockerfile?raw";
import wranglerText from "../../wrangler.jsonc?raw";
import sandboxPackage from "../../node_modules/@cloudflare/sandbox/package.json";
import { ContainerSandbox } from "../../src/ladder/sandbox/container";
import type { ContainerSeam } from "../../src/ladder/sandbox/container";
import { egress, egressPolicy } from "../../src/ladder/sandbox/egress";
import { changesSince, parseDigestListing, planMirror, sha256Base64 } from "../../src/ladder/sandbox/mirror";
import { sandboxBackend } from "../../src/ladder/sandbox";
import { Sandbox } from "../../src/ladder/sandbox/sandbox-class";
import { toBase64 } from "../../src/shared/bytes";

const b64 = (text: string) => toBase64(new TextEncoder().encode(text));

/**
 * A stand-in for one `@cloudflare/sandbox` container — the seam that cannot
 * run here. It keeps files in a map and understands exactly the shell lines
 * ContainerSandbox sends; `run` plays the user's command against the files.
 */
class FakeContainer implements ContainerSeam {
  files = new Map<string, string>(); // absolute path → base64
  commands: string[] = [];
  userRuns = 0;
  constructor(private readonly run: (files: Map<string, string>) => { exitCode: number; stdout: string; stderr: string }) {}

  async exec(command: string, options?: { stream?: boolean; onOutput?: (stream: "stdout" | "stderr", data: string) => void }) {
    this.commands.push(command);
    if (command.includes("sha256sum")) {
      const lines = await Promise.all(
        [...this.files].filter(([p]) => p.startsWith("/workspace/")).map(async ([p, d]) => `${await sha256Base64(d)}  ./${p.slice("/workspace/".length)}`)
      );
      return { exitCode: 0, stdout: lines.join("\n") + "\n", stderr: "" };
    }
    if (command.startsWith("cd /workspace && rm -f -- ")) {
      for (const quoted of command.slice("cd /workspace && rm -f -- ".length).split(" ")) this.files.delete(`/workspace/${quoted.slice(1, -1)}`);
      return { exitCode: 0, stdout: "", stderr: "" };
    }
    if (command.startsWith("mkdir -p '")) return { exitCode: 0, stdout: "", stderr: "" };
    const job = /> (\/var\/lib\/steward-jobs\/[^ ]+)\.out/.exec(command);
    if (job) {
      this.userRuns++;
      const result = this.run(this.files);
      this.files.set(`${job[1]}.out`, b64(result.stdout));
      this.files.set(`${job[1]}.err`, b64(result.stderr));
      this.files.set(`${job[1]}.exit`, b64(`${result.exitCode}\n`));
      // The job script follows the files onto its own output (jobScript, run for real in test/node).
      if (options?.stream && options.onOutput) {
        options.onOutput("stdout", result.stdout);
        options.onOutput("stderr", result.stderr);
      }
      return { exitCode: 0, stdout: "", stderr: "" };
    }
    const probe = /^test -f (\S+)\.exit/.exec(command);
    if (probe) {
      const base = probe[1];
      const exit = this.files.get(`${base}.exit`);
      if (!exit) return { exitCode: 1, stdout: "", stderr: "" };
      const out = atob(this.files.get(`${base}.out`) ?? "");
      const err = atob(this.files.get(`${base}.err`) ?? "");
      return { exitCode: 0, stdout: `${atob(exit)}${out.length}\n${err.length}\n${out}\0${err}`, stderr: "" };
    }
    throw new Error(`fake container: unexpected command ${command}`);
  }
  async writeFile(path: string, content: string) {
    this.files.set(path, content);
  }
  async readFile(path: string) {
    const content = this.files.get(path);
    if (content === undefined) throw new Error(`no ${path}`);
    return { content };
  }
}

describe("tier 4 container backend (fake at the container seam)", () => {
  it("mirrors the workspace in, runs once per job id, and returns changes and deletions", async () => {
    const box = new FakeContainer((files) => {
      files.set("/workspace/out.txt", b64("built\n"));
      files.delete("/workspace/old.txt");
      return { exitCode: 0, stdout: "ok\n", stderr: "" };
    });
    box.files.set("/workspace/stale.txt", b64("left from last time"));
    const backend = new ContainerSandbox(() => box);
    const files = [
      { path: "src/a.txt", data: b64("A") },
      { path: "old.txt", data: b64("old") }
    ];
    const result = await backend.exec("u1", "make", { timeoutMs: 5_000, maxOutputBytes: 1024, files, jobId: "job-1" });
    expect(box.files.has("/workspace/stale.txt")).toBe(false); // a file gone from the workspace is gone here too
    expect(result).toMatchObject({ exitCode: 0, stdout: "ok\n", timedOut: false, deleted: ["old.txt"] });
    expect(result.changed).toEqual([{ path: "out.txt", data: b64("built\n") }]);
    const wrapped = box.commands.find((c) => c.includes("timeout -s KILL"));
    expect(wrapped).toMatch(/timeout -s KILL 5 setsid sh -c 'make'/);

    // The same job id again (a recovering agent): the record answers, nothing runs.
    const again = await backend.exec("u1", "make", { timeoutMs: 5_000, maxOutputBytes: 1024, files, jobId: "job-1" });
    expect(again.stdout).toBe("ok\n");
    expect(box.userRuns).toBe(1);
    expect(await backend.jobResult("u1", "job-1")).toMatchObject({ exitCode: 0 });
    expect(await backend.jobResult("u1", "never-ran")).toBeNull();
  });

  it("reports a kill by the time limit as timedOut", async () => {
    const box = new FakeContainer(() => ({ exitCode: 137, stdout: "", stderr: "" }));
    const result = await new ContainerSandbox(() => box).exec("u1", "sleep 99", { timeoutMs: 1_000, maxOutputBytes: 1024, files: [], jobId: "j" });
    expect(result.timedOut).toBe(true);
  });

  it("streams the job's output to onOutput only when asked, and the result still comes from the job's files", async () => {
    const box = new FakeContainer(() => ({ exitCode: 0, stdout: "line\n", stderr: "note\n" }));
    const heard: string[] = [];
    const backend = new ContainerSandbox(() => box);
    const result = await backend.exec("u1", "make", {
      timeoutMs: 1_000,
      maxOutputBytes: 1024,
      files: [],
      jobId: "live",
      onOutput: (stream, text) => heard.push(`${stream}:${text}`)
    });
    expect(heard).toEqual(["stdout:line\n", "stderr:note\n"]);
    expect(result).toMatchObject({ stdout: "line\n", stderr: "note\n" });
    await backend.exec("u1", "make", { timeoutMs: 1_000, maxOutputBytes: 1024, files: [], jobId: "quiet" });
    expect(heard).toHaveLength(2);
  });

  it("plans the mirror and finds changes by digest", async () => {
    const present = new Map([
      ["same.txt", await sha256Base64(b64("x"))],
      ["gone.txt", "00"]
    ]);
    const { plan } = await planMirror(
      [
        { path: "same.txt", data: b64("x") },
        { path: "new.txt", data: b64("y") }
      ],
      present
    );
    expect(plan.write.map((f) => f.path)).toEqual(["new.txt"]);
    expect(plan.remove).toEqual(["gone.txt"]);
    expect(
      changesSince(
        new Map([
          ["a", "1"],
          ["b", "2"]
        ]),
        new Map([
          ["a", "1"],
          ["b", "3"],
          ["c", "4"]
        ])
      )
    ).toEqual({ changed: ["b", "c"], deleted: [] });
    expect([...parseDigestListing(`${"a".repeat(64)}  ./dir/file name.txt\n`)]).toEqual([["dir/file name.txt", "a".repeat(64)]]);
  });
});

describe("container egress: allowlist and credentials outside the container", () => {
  const secret = "ghp_secret_value_123";
  const policy = egressPolicy({
    SANDBOX_ALLOWED_HOSTS: "api.github.com, *.npmjs.org",
    SANDBOX_CREDENTIALS: JSON.stringify({ "api.github.com": { authorization: `Bearer ${secret}` } })
  });

  it("refuses hosts off the allowlist without sending anything", async () => {
    let sent = 0;
    const res = await egress(new Request("https://evil.example/steal"), policy, async () => (sent++, new Response("x")));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("not on the sandbox allowlist");
    expect(sent).toBe(0);
  });

  it("adds the host's credentials on the way out, replacing what the container sent, and scrubs echoes", async () => {
    let seen: string | null = null;
    const res = await egress(new Request("https://api.github.com/user", { headers: { authorization: "Bearer from-container" } }), policy, async (req) => {
      seen = req.headers.get("authorization");
      return new Response(`you sent ${req.headers.get("authorization")}; token ${secret}`);
    });
    expect(seen).toBe(`Bearer ${secret}`);
    expect(await res.text()).toBe("you sent [redacted]; token [redacted]");
    let npmAuth: string | null = "unset";
    await egress(new Request("https://registry.npmjs.org/zod"), policy, async (req) => ((npmAuth = req.headers.get("authorization")), new Response("{}")));
    expect(npmAuth).toBeNull(); // credentials go only to their own host
  });

  it("is the Sandbox class's registered outbound handler", async () => {
    // Registered through the base class's setter (a static field would shadow it and register nothing).
    expect(Object.hasOwn(Sandbox, "outbound")).toBe(false);
    const handler = Sandbox.outbound;
    expect(typeof handler).toBe("function");
    const env = { SANDBOX_ALLOWED_HOSTS: "api.github.com" } as Env;
    const res = await handler!(new Request("http://169.254.169.254/latest/meta-data"), env, { containerId: "c", className: "Sandbox" });
    expect(res.status).toBe(403);
  });

  it("rejects malformed credentials configuration clearly", () => {
    expect(() => egressPolicy({ SANDBOX_CREDENTIALS: "[1]" })).toThrow(/must be a JSON object/);
  });
});

describe("tier 4 configuration", () => {
  it("selects the backend from configuration, with clear reasons when it is incomplete", () => {
    const base = {} as Env;
    expect(sandboxBackend({ ...base, SANDBOX_BACKEND: "process", SANDBOX_URL: "http://127.0.0.1:1", SANDBOX_TOKEN: "t".repeat(20) })).toMatchObject({
      kind: "process"
    });
    expect(sandboxBackend({ ...base, SANDBOX_BACKEND: "container", Sandbox: {} as Env["Sandbox"] })).toMatchObject({ kind: "container" });
    expect(sandboxBackend({ ...base, SANDBOX_BACKEND: "container" })).toMatchObject({
      unavailable: expect.stringMatching(/no `Sandbox` Durable Object binding/)
    });
    expect(sandboxBackend({ ...base, SANDBOX_BACKEND: "process" })).toMatchObject({ unavailable: expect.stringMatching(/SANDBOX_URL or SANDBOX_TOKEN/) });
    expect(sandboxBackend({ ...base, SANDBOX_BACKEND: "docker" })).toMatchObject({ unavailable: expect.stringMatching(/must be container or process/) });
  });

  it("wrangler.jsonc declares the container, its Durable Object binding and migration; the image matches the SDK", () => {
    const config = JSON.parse(wranglerText.replace(/^\s*\/\/.*$/gm, "")) as {
      containers: Array<{ class_name: string; image: string }>;
      durable_objects: { bindings: Array<{ name: string; class_name: string }> };
      migrations: Array<{ new_sqlite_classes?: string[] }>;
      dev: { enable_containers: boolean };
    };
    expect(config.containers).toContainEqual(expect.objectContaining({ class_name: "Sandbox", image: "./Dockerfile" }));
    expect(config.durable_objects.bindings).toContainEqual({ name: "Sandbox", class_name: "Sandbox" });
    expect(config.migrations.flatMap((m) => m.new_sqlite_classes ?? [])).toContain("Sandbox");
    expect(config.dev.enable_containers).toBe(false);
    expect(dockerfile).toContain(`FROM docker.io/cloudflare/sandbox:${sandboxPackage.version}`);
  });
});
