import { describe, expect, inject, it } from "vitest";
import { assistantFor } from "../helpers/agent";
import { workspaceText } from "../helpers/workspace";

/**
 * Tier 4's local sandbox (scripts/sandbox-server.mjs, bubblewrap) under
 * hostile commands: each must end, be contained, and leave the next command
 * working. Assertions are on what the command could do, never on timings.
 */
async function userWithTier4() {
  const sub = `limits-${crypto.randomUUID()}`;
  const id = `access:${sub}`;
  const assistant = await assistantFor(id);
  await assistant.setTierPermission(4, "allow");
  return { id, assistant, run: (command: string, timeoutMs = 20_000) => assistant.runShell(`l-${crypto.randomUUID()}`, command, timeoutMs) };
}

describe("tier 4: limits of the local sandbox", () => {
  it("stops a fork bomb at the process limit; the command ends and the next one works", async () => {
    const user = await userWithTier4();
    // The bomb's processes are all killed with the command (PID namespace); `main-done` shows the shell itself went on.
    const bomb = await user.run("bomb() { bomb | bomb & }; bomb; sleep 2; echo main-done", 15_000);
    expect(bomb.stderr).toMatch(/Cannot fork|Resource temporarily unavailable/);
    expect(bomb.stdout).toContain("main-done");
    const next = await user.run("grep 'Max processes' /proc/self/limits; ps -e | wc -l; echo next-ok");
    expect(next).toMatchObject({ ok: true, timedOut: false });
    expect(next.stdout).toMatch(/Max processes\s+256\s+256/);
    expect(next.stdout).toContain("next-ok");
    // Only this command's own processes are left in its namespace (ps header, sh, ps, wc, bwrap's init).
    expect(Number(next.stdout.split("\n")[1])).toBeLessThan(10);
  });

  it("refuses a 1 GB file (File too large) and copies nothing that big back into the workspace", async () => {
    const user = await userWithTier4();
    const out = await user.run("head -c 1G /dev/zero > big.bin; echo rc=$?; stat -c %s big.bin");
    expect(out.stderr).toContain("File too large");
    expect(out.stdout).toContain("rc=1");
    expect(out.stdout).toContain(String(100 * 1024 * 1024)); // stopped at RLIMIT_FSIZE
    expect(out.stderr).toMatch(/not copied back to the workspace .*big\.bin \(100 MiB\)/);
    expect(out.changedFiles).toEqual([]);
    expect(await workspaceText(user.id, "/workspace/big.bin")).toBeNull();
    // Nor is it left in the sandbox's copy of the workspace.
    const after = await user.run("ls -a");
    expect(after.stdout).not.toContain("big.bin");
  });

  it("gives the command its own /dev/shm and a size-limited /tmp, and nothing writable besides them and /workspace", async () => {
    const user = await userWithTier4();
    const out = await user.run(
      [
        "ls -a /dev/shm",
        "echo shm-write > /dev/shm/mine && echo shm-ok",
        "head -c 100M /dev/zero > /tmp/fill; echo tmp-rc=$?; stat -c %s /tmp/fill",
        "echo x > /outside 2>/dev/null || echo root-ro",
        "echo x > /dev/outside 2>/dev/null || echo dev-ro",
        "echo x > /usr/outside 2>/dev/null || echo usr-ro",
        "ls /etc"
      ].join("; ")
    );
    expect(out.stdout).not.toContain(inject("shmMarker")); // the host's /dev/shm is not mounted in
    expect(out.stdout).toContain("shm-ok");
    expect(out.stderr).toContain("No space left on device");
    expect(out.stdout).toContain("tmp-rc=1");
    const tmpSize = Number(/tmp-rc=1\n(\d+)/.exec(out.stdout)?.[1]);
    expect(tmpSize).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(out.stdout).toContain("root-ro");
    expect(out.stdout).toContain("dev-ro");
    expect(out.stdout).toContain("usr-ro");
    expect(out.stdout).not.toMatch(/\bshadow\b/); // only the listed parts of /etc
  });

  it("never writes a workspace file through a symlink the command left behind", async () => {
    const user = await userWithTier4();
    // The command leaves `notes` as a symlink; the server (root here) must not follow it when it copies files in.
    await user.run("mkdir elsewhere && ln -s elsewhere notes && ls -la");
    const stub = await user.assistant.__getWorkspaceStub();
    await stub.fs.mkdir("/workspace/notes", { recursive: true });
    await stub.fs.writeFile("/workspace/notes/in.txt", "from the workspace");
    const out = await user.run("test -L notes && echo still-a-link; cat notes/in.txt; echo; ls elsewhere | wc -l");
    expect(out.stdout).not.toContain("still-a-link");
    expect(out.stdout).toContain("from the workspace");
    expect(out.stdout.trim().split("\n").at(-1)).toBe("0"); // nothing landed where the link pointed
  });
});
