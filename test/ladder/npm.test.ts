import { describe, expect, inject, it } from "vitest";
import { dependencySet, packageSpecifiers, rewriteImports } from "../../src/ladder/npm";
import { modelOverride } from "../../src/model";
import { ScriptedModel } from "../helpers/scripted-model";
import { FrameLog, asUser, assistantFor, connect, newSession, sendChat } from "../helpers/agent";

/** Tier 2 against the loopback registry (test/fixtures/npm-registry.ts), with real Dynamic Workers and esbuild. */
const registry = inject("npmRegistry");

async function registryRequests(): Promise<string[]> {
  return (await (await fetch(`${registry}/-/requests`)).json()) as string[];
}

async function freshUser() {
  const sub = `npm-${crypto.randomUUID()}`;
  const id = `access:${sub}`;
  return { id, headers: await asUser(sub), assistant: await assistantFor(id), session: await newSession(id) };
}

/** Like chatOnce, with room for a first bundle (esbuild's start-up) on a busy machine. */
async function chatOnce(sessionId: string, text: string, headers: Record<string, string>) {
  const ws = await connect(`/agent/sub/conversation/${sessionId}`, headers);
  const log = new FrameLog(ws);
  const id = sendChat(ws, text);
  await log.done(id, 60_000);
  ws.close();
  return { text: log.text(id), chunks: log.chunks(id) };
}

function outputOf(chunks: Array<Record<string, unknown>>): Record<string, unknown> {
  return (chunks.find((c) => c.type === "tool-output-available")?.output ?? {}) as Record<string, unknown>;
}

describe("tier 2 npm", () => {
  it("bundles an imported package (and its dependency) and runs it with no network; the second run is a cache hit", async () => {
    const user = await freshUser();
    const code = 'import greet, { greetLoudly, version } from "steward-greet";\nreturn [greet("Ada"), greetLoudly("Ada"), version]';
    const before = (await registryRequests()).length;
    const first = await chatOnce(user.session, `/npm ${code}`, user.headers);
    const out = outputOf(first.chunks);
    expect(out, first.text).toMatchObject({ ok: true, value: ["Hello, Ada", "HELLO, ADA!", "1.0.0"], cached: false });
    expect(out.packages).toEqual(["steward-greet@1.0.0", "steward-shout@1.2.0"]);
    const fetched = (await registryRequests()).slice(before);
    expect(fetched).toEqual(expect.arrayContaining(["/steward-greet", "/steward-shout", "/steward-greet/-/steward-greet-1.0.0.tgz"]));

    // The bundle is in the user's workspace, keyed by the dependency set.
    const { key } = await dependencySet(code);
    const listing = await chatOnce(user.session, `/ls .cache/npm/${key}`, user.headers);
    expect(listing.text).toContain("manifest.json");

    const afterFirst = (await registryRequests()).length;
    const second = await chatOnce(user.session, `/npm ${code}`, user.headers);
    expect(outputOf(second.chunks)).toMatchObject({ ok: true, value: ["Hello, Ada", "HELLO, ADA!", "1.0.0"], cached: true });
    expect((await registryRequests()).length).toBe(afterFirst); // nothing fetched again

    const audit = (await user.assistant.getAudit(5)).filter((r) => r.tool === "run_npm");
    expect(audit.map((r) => [r.tool, r.tier, r.outcome])).toEqual([
      ["run_npm", 2, "ok"],
      ["run_npm", 2, "ok"]
    ]);
  });

  it("still has no network at run time", async () => {
    const user = await freshUser();
    const { chunks } = await chatOnce(
      user.session,
      '/npm import { shout } from "steward-shout";\nconst r = await fetch("http://example.com/"); return shout(String(r.status))',
      user.headers
    );
    const out = outputOf(chunks);
    expect(out.ok).toBe(false);
    expect(String(out.text)).toContain("Tier 2 has no network access");
    expect(String(out.text)).toContain("tier 3 (browser)");
  });

  it("names a package the registry does not have, and runs nothing", async () => {
    const user = await freshUser();
    const { chunks, text } = await chatOnce(user.session, '/npm import { nope } from "steward-no-such-package";\nreturn nope()', user.headers);
    const out = outputOf(chunks);
    expect(out.ok).toBe(false);
    expect(text).toContain('Could not resolve "steward-no-such-package"');
    expect(text).toContain("404");
    const [row] = await user.assistant.getAudit(1);
    expect(row).toMatchObject({ tool: "run_npm", tier: 2, outcome: "error" });
    expect(row?.detail).toContain("steward-no-such-package");
  });

  it("a package named only in a comment or a string installs nothing", async () => {
    const user = await freshUser();
    const before = (await registryRequests()).length;
    const code = 'const s = "require(\'left-pad\')";\n// import x from "left-pad"\nreturn s';
    const { chunks, text } = await chatOnce(user.session, `/npm ${code}`, user.headers);
    expect(outputOf(chunks), text).toMatchObject({ ok: true, value: "require('left-pad')", packages: [] });
    expect((await registryRequests()).length).toBe(before);
  });

  it("require() is refused with a pointer to import, and nothing is installed", async () => {
    const user = await freshUser();
    const before = (await registryRequests()).length;
    const { chunks } = await chatOnce(user.session, '/npm const { shout } = require("steward-shout");\nreturn shout("x")', user.headers);
    const out = outputOf(chunks);
    expect(out.ok).toBe(false);
    expect(String(out.text)).toContain('require("steward-shout") cannot load anything');
    expect(String(out.text)).toContain('import x from "name"');
    expect((await registryRequests()).length).toBe(before);
  });

  it("finds a dynamic import and a subpath import, and bundles both", async () => {
    const user = await freshUser();
    const code =
      'const { shout } = await import("steward-shout");\nconst { whisper } = await import("steward-shout/quiet");\nreturn [shout("dynamic"), whisper("QUIET")]';
    const { chunks, text } = await chatOnce(user.session, `/npm ${code}`, user.headers);
    expect(outputOf(chunks), text).toMatchObject({ ok: true, value: ["DYNAMIC!", "quiet..."], packages: ["steward-shout@1.2.0"] });
  });
});

describe("tier 2 bundling is shared and pinned", () => {
  it("two sessions asking for the same packages at once share one build", async () => {
    const user = await freshUser();
    const other = await newSession(user.id);
    const code = 'import { shout } from "steward-shout";\nreturn shout("together")';
    const tarball = "/steward-shout/-/steward-shout-1.2.0.tgz";
    const before = (await registryRequests()).filter((p) => p === tarball).length;
    const [a, b] = await Promise.all([chatOnce(user.session, `/npm ${code}`, user.headers), chatOnce(other, `/npm ${code}`, user.headers)]);
    expect(outputOf(a.chunks)).toMatchObject({ ok: true, value: "TOGETHER!" });
    expect(outputOf(b.chunks)).toMatchObject({ ok: true, value: "TOGETHER!" });
    expect((await registryRequests()).filter((p) => p === tarball).length - before).toBe(1);
  });

  it("a bundle interrupted before its manifest was written is rebuilt, never used", async () => {
    const user = await freshUser();
    const code = 'import { shout } from "steward-shout";\nreturn shout("hi")';
    const { key } = await dependencySet(code);
    // What a crash mid-bundle leaves behind: a module file and no manifest.
    await chatOnce(user.session, `/write .cache/npm/${key}/steward-shout.js export function shout() { return "half-written"; }`, user.headers);
    const before = (await registryRequests()).length;
    const { chunks } = await chatOnce(user.session, `/npm ${code}`, user.headers);
    expect(outputOf(chunks)).toMatchObject({ ok: true, value: "HI!", cached: false });
    expect((await registryRequests()).length).toBeGreaterThan(before);
  });

  it("a version range the registry cannot satisfy is named, and nothing runs", async () => {
    const user = await freshUser();
    modelOverride.current = () =>
      new ScriptedModel([
        { tools: [{ name: "run_npm", input: { code: 'import { shout } from "steward-shout";\nreturn shout("x")', packages: { "steward-shout": "^9.0.0" } } }] },
        { text: "no such version" }
      ]);
    try {
      const { chunks } = await chatOnce(user.session, "shout with v9", user.headers);
      const out = outputOf(chunks);
      expect(out.ok).toBe(false);
      expect(String(out.text)).toContain('Could not resolve "steward-shout"');
      expect(String(out.text)).toContain("steward-shout@^9.0.0");
    } finally {
      modelOverride.current = undefined;
    }
  });
});

describe("tier 2 helpers", () => {
  it("finds bare package imports and leaves node: and relative ones alone", async () => {
    const code =
      'import a from "zod";\nimport { b } from \'@scope/pkg/sub\';\nimport fs from "node:fs/promises";\nimport x from "./x.js";\nconst m = await import("lodash");';
    expect(await packageSpecifiers(code)).toEqual(["@scope/pkg/sub", "lodash", "zod"]);
    const rewritten = await rewriteImports(code, "k1");
    expect(rewritten).toContain('from "/workspace/.cache/npm/k1/zod.js"');
    // esbuild writes the module out again, with its own (double) quotes.
    expect(rewritten).toContain('from "/workspace/.cache/npm/k1/_scope_pkg_sub.js"');
    expect(rewritten).toContain('import("/workspace/.cache/npm/k1/lodash.js")');
    expect(rewritten).toContain('from "node:fs/promises"');
    expect(rewritten).toContain('from "./x.js"');
  });

  it("reads imports as the bundler does: not in comments or strings; dynamic ones and re-exports count", async () => {
    const code = [
      '// import x from "left-pad"',
      '/* require("left-pad"); import("left-pad") */',
      "const s = \"require('left-pad')\";",
      'const t = `import "left-pad"`;',
      'const m = await import("steward-shout");',
      'export { greet } from "steward-greet";',
      "export default async function () { return [s, t, m]; }"
    ].join("\n");
    expect(await packageSpecifiers(code)).toEqual(["steward-greet", "steward-shout"]);
    const module = await rewriteImports(code, "k2");
    expect(module).toContain('import("/workspace/.cache/npm/k2/steward-shout.js")');
    expect(module).toContain(`"require('left-pad')"`); // the string is the model's, untouched
    expect(module).toMatch(/^export default /m); // still a module the tier 1 runner takes as is
  });

  it("maps subpaths to their package, leaves built-ins to the runtime, refuses require()", async () => {
    const deps = await dependencySet(
      'import fp from "lodash/fp";\nimport { x } from "@scope/pkg/sub/deep";\nimport fs from "fs";\nimport p from "node:path";\nimport path from "path/posix";\nreturn [fp, x, fs, p, path]'
    );
    expect(deps.specifiers).toEqual(["@scope/pkg/sub/deep", "lodash/fp"]);
    expect(deps.packages).toEqual({ "@scope/pkg": "latest", lodash: "latest" });
    await expect(dependencySet('import x from "lodash/../left-pad";\nreturn x')).rejects.toThrow('is not a path inside the package "lodash"');
    await expect(dependencySet('const pad = require("left-pad");\nreturn pad')).rejects.toThrow(
      /require\("left-pad"\) cannot load anything\. Use `import x from "name"`/
    );
    await expect(dependencySet("return (")).rejects.toThrow("not valid JavaScript");
  });

  it("keys the cache by the sorted dependency set", async () => {
    const a = await dependencySet('import "b-pkg";\nimport "a-pkg";');
    const b = await dependencySet('import "a-pkg";\nimport "b-pkg";');
    const c = await dependencySet('import "a-pkg";\nimport "b-pkg";', { "a-pkg": "^2" });
    expect(a.key).toBe(b.key);
    expect(c.key).not.toBe(a.key);
    await expect(dependencySet('import "Bad Name";')).rejects.toThrow("not a valid npm package name");
    await expect(dependencySet('import "steward-shout";', { lodash: "4" })).rejects.toThrow('A version was given for "lodash"');
  });
});
