import { describe, expect, it } from "vitest";
import { decide } from "../../src/gate/decide";
import type { Offeree } from "../../src/shared/channel";
import { extensionToolFact, mcpToolFact, toolFact } from "../../src/shared/tool-facts";
import type { DynamicFacts } from "../../src/shared/tool-facts";
import type { Permission, Tier } from "../../src/shared/tiers";

/**
 * Every combination the gate decides, written out. Each row is one kind of
 * tool on one caller; its five letters are the verdict for
 *   allow + target not trusted, allow + trusted, ask + not trusted, ask + trusted, deny
 * (every tier set to that permission), with R = run, A = ask the owner, X = refuse.
 */
const TOOLS: Record<string, { tool: string; input?: unknown }> = {
  read: { tool: "read", input: { path: "/workspace/a" } },
  write: { tool: "write", input: { path: "/workspace/a", content: "x" } },
  run_code: { tool: "run_code", input: { code: "1" } },
  schedule_task: { tool: "schedule_task", input: { when: "in 1h", prompt: "x" } },
  send_email: { tool: "send_email", input: { to: "a@b.example", subject: "s", text: "t" } },
  browse: { tool: "browse", input: { url: "https://example.com/" } },
  run_shell: { tool: "run_shell", input: { command: "ls" } },
  "delegate:researcher": { tool: "delegate", input: { agent: "researcher", task: "t" } },
  "delegate:coder": { tool: "delegate", input: { agent: "coder", task: "t" } },
  exec: { tool: "exec", input: { code: "1" } },
  remember: { tool: "remember", input: { text: "prefers metric units" } },
  search_history: { tool: "search_history", input: { query: "invoice" } },
  unknown: { tool: "some_future_tool", input: {} },
  // Dynamic tools, with facts from the user's Assistant (DYNAMIC below).
  "ext:read-write": { tool: "ext_tabular_chart", input: { path: "/workspace/a.csv" } },
  "ext:read-only": { tool: "ext_notes_find", input: { q: "x" } },
  "ext:network": { tool: "ext_rates_convert", input: { amount: 1, from: "EUR", to: "USD" } },
  mcp: { tool: "mcp_github_create_issue", input: { title: "t" } },
  // An ext_/mcp_ name nobody enabled or connected is unknown: it asks.
  "ext:not-enabled": { tool: "ext_ghost_run", input: {} }
};

/** What an Assistant hands the gate for a user with these extensions and one MCP server. */
const DYNAMIC: DynamicFacts = {
  ext_tabular_chart: extensionToolFact({ hosts: [], workspace: "read-write" }),
  ext_notes_find: extensionToolFact({ hosts: [], workspace: "read" }),
  ext_rates_convert: extensionToolFact({ hosts: ["api.frankfurter.dev"], workspace: "none" }),
  mcp_github_create_issue: mcpToolFact("github"),
  // A dynamic fact can never stand in for a static tool.
  run_shell: extensionToolFact({ hosts: [], workspace: "none" })
};

const TABLE = `
  tool                 web    voice  email  phone  schedule api    mcp    researcher mail_reader
  read                 RRAAX  RRAAX  RRAAX  RRAAX  RRAAX    RRAAX  RRAAX  RRXXX      XXXXX
  write                RRAAX  RRAAX  AAAAX  AAAAX  RRAAX    RRAAX  RRAAX  XXXXX      XXXXX
  run_code             RRAAX  RRAAX  AAAAX  AAAAX  RRAAX    RRAAX  RRAAX  XXXXX      XXXXX
  schedule_task        RRAAX  RRAAX  AAAAX  AAAAX  RRAAX    RRAAX  RRAAX  XXXXX      XXXXX
  send_email           ARAAX  ARAAX  AAAAX  AAAAX  AAAAX    AAAAX  AAAAX  XXXXX      XXXXX
  browse               RRARX  RRARX  AAAAX  AAAAX  AAAAX    AAAAX  AAAAX  XXXXX      XXXXX
  run_shell            RRAAX  RRAAX  AAAAX  AAAAX  AAAAX    AAAAX  AAAAX  XXXXX      XXXXX
  delegate:researcher  RRAAX  RRAAX  RRAAX  RRAAX  RRAAX    RRAAX  RRAAX  XXXXX      XXXXX
  delegate:coder       RRAAX  RRAAX  AAAAX  AAAAX  AAAAX    AAAAX  AAAAX  XXXXX      XXXXX
  exec                 XXXXX  XXXXX  XXXXX  XXXXX  XXXXX    XXXXX  XXXXX  XXXXX      XXXXX
  remember             RRAAX  RRAAX  AAAAX  AAAAX  AAAAX    AAAAX  AAAAX  XXXXX      XXXXX
  search_history       RRAAX  RRAAX  RRAAX  RRAAX  RRAAX    RRAAX  RRAAX  XXXXX      XXXXX
  unknown              AAAAA  AAAAA  AAAAA  AAAAA  AAAAA    AAAAA  AAAAA  XXXXX      XXXXX
  ext:read-write       RRAAX  RRAAX  AAAAX  AAAAX  RRAAX    RRAAX  RRAAX  XXXXX      XXXXX
  ext:read-only        RRAAX  RRAAX  RRAAX  RRAAX  RRAAX    RRAAX  RRAAX  XXXXX      XXXXX
  ext:network          RRARX  RRARX  AAAAX  AAAAX  AAAAX    AAAAX  AAAAX  XXXXX      XXXXX
  mcp                  RRARX  RRARX  AAAAX  AAAAX  AAAAX    AAAAX  AAAAX  XXXXX      XXXXX
  ext:not-enabled      AAAAA  AAAAA  AAAAA  AAAAA  AAAAA    AAAAA  AAAAA  XXXXX      XXXXX
`;

const COLUMNS: Array<{ permission: Permission; trusted: boolean }> = [
  { permission: "allow", trusted: false },
  { permission: "allow", trusted: true },
  { permission: "ask", trusted: false },
  { permission: "ask", trusted: true },
  { permission: "deny", trusted: false }
];
const LETTER = { run: "R", ask: "A", refuse: "X" } as const;

const lines = TABLE.trim()
  .split("\n")
  .map((line) => line.trim().split(/\s+/));
const callers = (lines[0] ?? []).slice(1) as Offeree[];
const rows = lines.slice(1).map(([name = "", ...cells]) => ({ name, cells }));

function all(permission: Permission): Record<Tier, Permission> {
  return { 0: permission, 1: permission, 2: permission, 3: permission, 4: permission };
}

describe("the gate's decision, every combination", () => {
  it("covers every caller and every kind of tool", () => {
    expect(callers).toEqual(["web", "voice", "email", "phone", "schedule", "api", "mcp", "researcher", "mail_reader"]);
    expect(rows.map((r) => r.name).sort()).toEqual(Object.keys(TOOLS).sort());
  });

  for (const row of rows) {
    const { tool, input } = TOOLS[row.name] ?? { tool: row.name };
    callers.forEach((caller, i) => {
      it(`${row.name} from ${caller}: ${row.cells[i]}`, () => {
        const got = COLUMNS.map(({ permission, trusted }) => {
          const verdict = decide({ tool, fact: toolFact(tool, DYNAMIC), input, caller, permissions: all(permission), targetTrusted: trusted });
          if (verdict.action !== "run") expect(verdict.reason).toMatch(/\w/);
          return LETTER[verdict.action];
        }).join("");
        expect(got).toBe(row.cells[i]);
      });
    });
  }

  it("gives the real reason for each refusal and question", () => {
    const web = (tool: string, permission: Permission, input?: unknown) =>
      decide({ tool, fact: toolFact(tool), input, caller: "web", permissions: all(permission), targetTrusted: false });
    expect(web("run_code", "deny")).toMatchObject({ action: "refuse", reason: expect.stringContaining('Tier 1 (isolate) is set to "deny"') });
    expect(web("run_code", "ask")).toMatchObject({ action: "ask", reason: 'Tier 1 (isolate) is set to "ask".' });
    expect(web("exec", "allow")).toMatchObject({ action: "refuse", reason: expect.stringContaining("use run_code") });
    expect(web("new_builtin", "allow")).toMatchObject({ action: "ask", reason: expect.stringContaining("not a tool Steward knows") });
    expect(web("send_email", "allow", { to: "x@y.example" })).toMatchObject({ action: "ask", reason: expect.stringContaining("recipient") });
    const mail = decide({ tool: "write", fact: toolFact("write"), input: {}, caller: "email", permissions: all("allow"), targetTrusted: false });
    expect(mail).toMatchObject({ action: "ask", reason: expect.stringContaining("email") });
    const remember = (caller: Offeree) =>
      decide({ tool: "remember", fact: toolFact("remember"), input: { text: "x" }, caller, permissions: all("allow"), targetTrusted: false });
    for (const caller of ["email", "schedule"] as const) {
      expect(remember(caller)).toMatchObject({
        action: "ask",
        reason: expect.stringContaining(`Memory is shared by all your sessions, so a change from a ${caller} session`)
      });
    }
    expect(remember("web")).toEqual({ action: "run" });
    expect(remember("voice")).toEqual({ action: "run" });
    const api = decide({ tool: "run_shell", fact: toolFact("run_shell"), input: {}, caller: "api", permissions: all("allow"), targetTrusted: false });
    expect(api).toMatchObject({ action: "ask", reason: expect.stringContaining("sent through the API runs unattended") });
    const fromMcp = decide({
      tool: "mcp_github_create_issue",
      fact: toolFact("mcp_github_create_issue", DYNAMIC),
      input: {},
      caller: "mcp",
      permissions: all("allow"),
      targetTrusted: true
    });
    expect(fromMcp).toMatchObject({ action: "ask", reason: expect.stringContaining("MCP client runs unattended") });
    const phone = decide({ tool: "write", fact: toolFact("write"), input: {}, caller: "phone", permissions: all("allow"), targetTrusted: false });
    expect(phone).toMatchObject({ action: "ask", reason: expect.stringContaining("phone call") });
  });

  it("never lets a dynamic fact stand in for a static tool, or a name without the ext_/mcp_ prefix", () => {
    expect(toolFact("run_shell", DYNAMIC)).toBe(toolFact("run_shell"));
    expect(toolFact("tabular_chart", { tabular_chart: extensionToolFact({ hosts: [], workspace: "none" }) })).toBeNull();
    expect(toolFact("ext_rates_convert", DYNAMIC)).toMatchObject({ tier: 3, effect: "acts", target: "host", targets: ["host:api.frankfurter.dev"] });
    expect(toolFact("mcp_github_create_issue", DYNAMIC)).toMatchObject({ tier: 3, target: "server", targets: ["mcp:github"] });
  });
});
