import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { FileContent, FileEntry, FileListing } from "../../src/assistant/files";
import { MAX_UPLOAD_BYTES } from "../../src/assistant/files";
import type { AuditRow } from "../../src/ladder/audit";
import { FrameLog, ORIGIN, asUser, assistantFor, chatOnce, connect, newSession } from "../helpers/agent";
import { rpc } from "../helpers/probe";

/** A fresh signed-in user with an open /agent socket, called the way the browser does. */
async function freshUser() {
  const sub = `files-${crypto.randomUUID()}`;
  const headers = await asUser(sub);
  const ws = await connect("/agent", headers);
  const log = new FrameLog(ws);
  return {
    id: `access:${sub}`,
    headers,
    log,
    call: <T>(method: string, args: unknown[] = []) => rpc<T>(ws, log, method, args),
    close: () => ws.close()
  };
}

const b64 = (text: string | Uint8Array) => btoa(typeof text === "string" ? text : String.fromCharCode(...text));
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);

/** The newest workspaceVersion the socket was told about. */
function lastVersion(log: FrameLog): number {
  const states = log.frames.filter((f) => f.type === "cf_agent_state");
  const state = states.at(-1)?.state as { workspaceVersion?: number } | undefined;
  return state?.workspaceVersion ?? 0;
}

describe("workspace browser RPC", () => {
  it("uploads, lists and reads files back; the upload bumps workspaceVersion", async () => {
    const user = await freshUser();
    await user.log.waitFor((f) => f.type === "cf_agent_state");
    const before = lastVersion(user.log);

    const entry = await user.call<FileEntry>("uploadFile", ["docs/hello.md", b64("# Hi\nthere")]);
    expect(entry).toMatchObject({ path: "/workspace/docs/hello.md", type: "file", size: 10 });
    await user.log.waitFor((f) => f.type === "cf_agent_state" && (f.state as { workspaceVersion: number }).workspaceVersion > before);
    await user.call("uploadFile", ["/workspace/pic.png", b64(PNG)]);

    const listing = await user.call<FileListing>("listFiles");
    const paths = listing.entries.map((e) => `${e.type}:${e.path}`);
    expect(paths).toContain("dir:/workspace/docs");
    expect(paths).toContain("file:/workspace/docs/hello.md");
    expect(paths).toContain("file:/workspace/pic.png");
    expect(listing.truncated).toBe(false);

    const text = await user.call<FileContent>("readFile", ["docs/hello.md"]);
    expect(text).toMatchObject({ encoding: "text", mediaType: "text/markdown", content: "# Hi\nthere" });
    const image = await user.call<FileContent>("readFile", ["pic.png"]);
    expect(image).toMatchObject({ encoding: "base64", mediaType: "image/png", content: b64(PNG) });
    user.close();
  });

  it("refuses bad paths, folders, bad base64 and oversize uploads, and writes nothing", async () => {
    const user = await freshUser();
    await expect(user.call("uploadFile", ["../../etc/passwd", b64("x")])).rejects.toThrow(/escapes the root/);
    await expect(user.call("uploadFile", ["/etc/passwd", b64("x")])).rejects.toThrow(/paths live under \/workspace/);
    await expect(user.call("uploadFile", ["", b64("x")])).rejects.toThrow(/needs a file name/);
    await expect(user.call("uploadFile", ["a.txt", "%%%not base64"])).rejects.toThrow(/not valid base64/);
    await expect(user.call("uploadFile", ["a.txt", 42])).rejects.toThrow(/base64 string/);
    const big = "A".repeat(Math.ceil((MAX_UPLOAD_BYTES + 3) / 3) * 4);
    await expect(user.call("uploadFile", ["big.bin", big])).rejects.toThrow(/larger than 4\.0 MB/);
    await user.call("uploadFile", ["dir/inner.txt", b64("in")]);
    await expect(user.call("uploadFile", ["dir", b64("x")])).rejects.toThrow(/is a folder/);
    await expect(user.call("readFile", ["missing.txt"])).rejects.toThrow(/no such file/);
    await expect(user.call("readFile", ["dir"])).rejects.toThrow(/is a folder/);

    const files = (await user.call<FileListing>("listFiles")).entries.filter((e) => e.type === "file").map((e) => e.path);
    expect(files).toEqual(["/workspace/dir/inner.txt"]);
    user.close();
  });

  it("refuses to show binary files that are not images", async () => {
    const user = await freshUser();
    await user.call("uploadFile", ["blob.bin", b64(new Uint8Array([0xff, 0xfe, 0x00, 0x80]))]);
    await expect(user.call("readFile", ["blob.bin"])).rejects.toThrow(/is not text/);
    user.close();
  });

  it("a tool call that writes bumps workspaceVersion and the file is listed", async () => {
    const user = await freshUser();
    await user.log.waitFor((f) => f.type === "cf_agent_state");
    const before = lastVersion(user.log);
    const session = await newSession(user.id);
    await chatOnce(session, "/write notes/live.md written by the agent", user.headers);
    await user.log.waitFor((f) => f.type === "cf_agent_state" && (f.state as { workspaceVersion: number }).workspaceVersion > before);
    const listing = await user.call<FileListing>("listFiles");
    expect(listing.entries.map((e) => e.path)).toContain("/workspace/notes/live.md");
    user.close();
  });

  it("the browser cannot write workspaceVersion (state is server-only)", async () => {
    const user = await freshUser();
    await user.log.waitFor((f) => f.type === "cf_agent_state");
    const ws = await connect("/agent", user.headers);
    const log = new FrameLog(ws);
    ws.send(JSON.stringify({ type: "cf_agent_state", state: { sessions: [], workspaceVersion: 999 } }));
    await log.waitFor((f) => f.type === "cf_agent_state_error" || f.type === "error" || typeof f.error === "string", 5_000).catch(() => null);
    const state = (await (await assistantFor(user.id)).state) as unknown as { workspaceVersion: number };
    expect(state.workspaceVersion).not.toBe(999);
    ws.close();
    user.close();
  });
});

describe("GET /api/files", () => {
  it("downloads the caller's own file with safe headers; another user gets 404", async () => {
    const owner = await freshUser();
    await owner.call("uploadFile", ["report.html", b64("<script>alert(1)</script>")]);
    await owner.call("uploadFile", ["pic.png", b64(PNG)]);

    const res = await exports.default.fetch(`${ORIGIN}/api/files?path=report.html`, { headers: owner.headers });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("<script>alert(1)</script>");
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="report.html"/);
    expect(res.headers.get("Content-Security-Policy")).toContain("sandbox");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");

    const img = await exports.default.fetch(`${ORIGIN}/api/files?path=pic.png&inline`, { headers: owner.headers });
    expect(img.headers.get("Content-Type")).toBe("image/png");
    expect(img.headers.get("Content-Disposition")).toMatch(/^inline/);
    expect(new Uint8Array(await img.arrayBuffer())).toEqual(PNG);
    // Inline is only for raster images.
    const html = await exports.default.fetch(`${ORIGIN}/api/files?path=report.html&inline`, { headers: owner.headers });
    expect(html.headers.get("Content-Disposition")).toMatch(/^attachment/);
    await html.arrayBuffer();

    const other = await freshUser();
    const stranger = await exports.default.fetch(`${ORIGIN}/api/files?path=report.html`, { headers: other.headers });
    expect(stranger.status).toBe(404);
    expect(await stranger.json()).toEqual({ error: "no such file: /workspace/report.html" });

    const escape = await exports.default.fetch(`${ORIGIN}/api/files?path=../x`, { headers: owner.headers });
    expect(escape.status).toBe(400);
    await escape.arrayBuffer();
    const anonymous = await exports.default.fetch(`http://steward.example/api/files?path=report.html`);
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();
    owner.close();
    other.close();
  });
});

describe("audit filters", () => {
  it("narrows the timeline by tier and outcome, and refuses bad filters", async () => {
    const user = await freshUser();
    const session = await newSession(user.id);
    await chatOnce(session, "/write a.txt ok", user.headers);
    await chatOnce(session, "/run 6*7", user.headers);
    await chatOnce(session, "/run throw new Error('boom')", user.headers);

    const all = await user.call<AuditRow[]>("getAudit", [50]);
    expect(all.map((r) => `${r.tool}:${r.outcome}`)).toEqual(["run_code:error", "run_code:ok", "write:ok"]);
    const tier1 = await user.call<AuditRow[]>("getAudit", [50, { tier: 1 }]);
    expect(tier1.map((r) => r.tool)).toEqual(["run_code", "run_code"]);
    const errors = await user.call<AuditRow[]>("getAudit", [50, { outcome: "error" }]);
    expect(errors.map((r) => `${r.tool}:${r.outcome}`)).toEqual(["run_code:error"]);
    expect(await user.call<AuditRow[]>("getAudit", [50, { tier: 0, outcome: "error" }])).toEqual([]);

    await expect(user.call("getAudit", [50, { tier: 9 }])).rejects.toThrow(/filter.tier must be 0–4/);
    await expect(user.call("getAudit", [50, { outcome: "maybe" }])).rejects.toThrow(/filter.outcome must be/);
    user.close();
  });
});
