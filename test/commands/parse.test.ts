import { describe, expect, it } from "vitest";
import { COMMANDS, helpText, parseCommand, workspacePath } from "../../src/commands/parse";

describe("parseCommand", () => {
  it("ignores text that is not a command", () => {
    expect(parseCommand("hello /ls")).toBeNull();
    expect(parseCommand("/ not a command")).toBeNull();
    expect(parseCommand("path/like/this")).toBeNull();
  });

  it("maps each command to its tool", () => {
    expect(parseCommand("/ls")).toEqual({ kind: "tool", command: "ls", toolName: "ls", input: { path: "/workspace" } });
    expect(parseCommand("/ls notes")).toMatchObject({ toolName: "ls", input: { path: "/workspace/notes" } });
    expect(parseCommand("/cat /workspace/a.md")).toMatchObject({ toolName: "read", input: { path: "/workspace/a.md" } });
    expect(parseCommand("/run 6*7")).toMatchObject({ toolName: "run_code", input: { code: "6*7" } });
    expect(parseCommand("/tiers")).toMatchObject({ toolName: "show_tiers", input: {} });
    expect(parseCommand("/audit")).toMatchObject({ toolName: "show_audit", input: { limit: 10 } });
    expect(parseCommand("/audit 3")).toMatchObject({ toolName: "show_audit", input: { limit: 3 } });
    expect(parseCommand("/help")).toMatchObject({ kind: "reply", text: helpText() });
  });

  it("takes everything after the /write path as content, new lines included", () => {
    expect(parseCommand("/write a.md hello world")).toMatchObject({ input: { path: "/workspace/a.md", content: "hello world" } });
    expect(parseCommand("/write a.md\nline 1\nline 2")).toMatchObject({ input: { content: "line 1\nline 2" } });
    expect(parseCommand("/write a.md")).toMatchObject({ input: { content: "" } });
    expect(parseCommand("/write")).toMatchObject({ kind: "error", text: "Usage: /write <path> <content>" });
    expect(parseCommand("/write / x")).toMatchObject({ kind: "error" });
  });

  it("refuses bad arguments with a clear error", () => {
    expect(parseCommand("/audit 0")).toMatchObject({ kind: "error" });
    expect(parseCommand("/audit 9999")).toMatchObject({ kind: "error" });
    expect(parseCommand("/run")).toMatchObject({ kind: "error", text: "Usage: /run <js>" });
    expect(parseCommand("/nope")).toMatchObject({ kind: "error" });
  });

  it("documents every command in /help", () => {
    for (const c of COMMANDS) expect(helpText()).toContain(c.usage);
  });
});

describe("workspacePath", () => {
  it("resolves relative paths under /workspace and normalizes", () => {
    expect(workspacePath("a/./b/../c.md")).toBe("/workspace/a/c.md");
    expect(workspacePath("/workspace//x")).toBe("/workspace/x");
  });
  it("refuses paths outside the workspace", () => {
    expect(workspacePath("../x")).toEqual({ error: "paths live under /workspace: ../x" });
    expect(workspacePath("/etc/passwd")).toMatchObject({ error: expect.stringContaining("/workspace") });
    expect(workspacePath("/workspace/../../etc")).toMatchObject({ error: expect.any(String) });
  });
});
