import { exports } from "cloudflare:workers";
import type { ModelMessage } from "ai";
import { describe, expect, it } from "vitest";
import { resolveAttachments, uploadName } from "../../src/assistant/attachments";
import { MAX_ATTACHMENT_BYTES, imagePathsIn, workspacePathOfUrl } from "../../src/shared/attachments";
import { ORIGIN, asUser } from "../helpers/agent";

const upload = async (headers: Record<string, string>, name: string, body: BodyInit, extra: Record<string, string> = {}) =>
  exports.default.fetch(`${ORIGIN}/api/files?${new URLSearchParams({ name })}`, { method: "POST", body, headers: { Origin: ORIGIN, ...headers, ...extra } });

describe("POST /api/files (chat attachments)", () => {
  it("saves into /workspace/uploads without overwriting, and the same user downloads it", async () => {
    const headers = await asUser(`attach-${crypto.randomUUID()}`);
    const first = await upload(headers, "../../etc/notes.txt", "one", { "Content-Type": "text/plain" });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ path: "/workspace/uploads/notes.txt", mediaType: "text/plain", size: 3 });
    const second = await upload(headers, "notes.txt", "two");
    expect(await second.json()).toMatchObject({ path: "/workspace/uploads/notes (2).txt" });
    const back = await exports.default.fetch(`${ORIGIN}/api/files?path=${encodeURIComponent("/workspace/uploads/notes (2).txt")}`, { headers });
    expect(await back.text()).toBe("two");
  });

  it("refuses another site's page, no identity, and more than 25 MB", async () => {
    const headers = await asUser(`attach-${crypto.randomUUID()}`);
    expect((await upload(headers, "x.txt", "x", { Origin: "https://evil.example" })).status).toBe(403);
    expect((await upload({ "Cf-Access-Jwt-Assertion": "not-a-token" }, "x.txt", "x")).status).toBe(401);
    const big = await upload(headers, "big.bin", new Uint8Array(MAX_ATTACHMENT_BYTES + 1));
    expect(big.status).toBe(413);
  });

  it("names are file names only", () => {
    expect(uploadName("a/b\\c.png")).toBe("c.png");
    expect(uploadName("..")).toBe("attachment");
    expect(uploadName(null)).toBe("attachment");
    expect(uploadName(".env")).toBe("env");
  });
});

describe("attachments for the model", () => {
  const files: Record<string, { mediaType: string; bytes: Uint8Array }> = {
    "/workspace/uploads/a.png": { mediaType: "image/png", bytes: new Uint8Array([137, 80, 78, 71]) },
    "/workspace/uploads/n.txt": { mediaType: "text/plain", bytes: new TextEncoder().encode("hello") }
  };
  const read = async (path: string) => files[path] ?? { error: `no such file: ${path}` };
  const url = (path: string) => `http://localhost/api/files?path=${encodeURIComponent(path)}&inline=1`;
  const turn = (...paths: string[]): ModelMessage[] => [
    {
      role: "user",
      content: [{ type: "text", text: "look" }, ...paths.map((p) => ({ type: "file" as const, data: url(p), mediaType: "application/octet-stream" }))]
    }
  ];

  it("images as images when the model takes them, text as text, missing files in words", async () => {
    const out = await resolveAttachments(turn("/workspace/uploads/a.png", "/workspace/uploads/n.txt", "/workspace/uploads/gone.pdf"), read, true);
    const content = out?.[0]?.content;
    expect(content).toEqual([
      { type: "text", text: "look" },
      { type: "text", text: "[Attachment: /workspace/uploads/a.png (image/png, 4 B)]" },
      { type: "file", data: files["/workspace/uploads/a.png"]!.bytes, mediaType: "image/png", filename: undefined },
      { type: "text", text: "[Attachment: /workspace/uploads/n.txt (text/plain, 5 B)]\nhello" },
      { type: "text", text: "[Attachment /workspace/uploads/gone.pdf could not be read: no such file: /workspace/uploads/gone.pdf]" }
    ]);
  });

  it("a model without images gets a note; a turn without attachments is left alone", async () => {
    const out = await resolveAttachments(turn("/workspace/uploads/a.png"), read, false);
    expect(JSON.stringify(out)).toContain("does not take images");
    expect(JSON.stringify(out)).not.toContain('"type":"file"');
    expect(await resolveAttachments([{ role: "user", content: "hi" }], read, true)).toBeNull();
  });

  it("only workspace file URLs count; pictures are found in tool results", () => {
    expect(workspacePathOfUrl("https://evil.example/x.png")).toBeNull();
    expect(workspacePathOfUrl("/api/files?path=/etc/passwd")).toBeNull();
    expect(workspacePathOfUrl(url("/workspace/a b.png"))).toBe("/workspace/a b.png");
    expect(imagePathsIn({ ok: true, path: "/workspace/screenshots/x.png", text: "Saved /workspace/screenshots/x.png" })).toEqual([
      "/workspace/screenshots/x.png"
    ]);
  });
});
