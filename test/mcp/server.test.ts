import { env, exports } from "cloudflare:workers";
import { SignJWT, importJWK } from "jose";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { modelOverride } from "../../src/model";
import { asUser } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";
import { workspaceText } from "../helpers/workspace";
import { freshUser, putFile, toolParts } from "../extensions/helpers";

afterEach(() => {
  modelOverride.current = undefined;
});

// Not a loopback host, so the dev user never applies: only a real Access JWT gets in.
const ENDPOINT = "https://steward.example/mcp";

/** The MCP client SDK's own Streamable HTTP client, talking to the Worker with the owner's Access JWT. */
async function clientFor(headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "steward-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(ENDPOINT), {
    fetch: (url, init) => {
      const request = new Request(url, init);
      for (const [name, value] of Object.entries(headers)) request.headers.set(name, value);
      return exports.default.fetch(request);
    }
  });
  await client.connect(transport);
  return client;
}

const textOf = (result: { content?: unknown }) => ((result.content ?? []) as Array<{ type: string; text?: string }>).map((c) => c.text ?? "").join("\n");

describe("/mcp: Steward as an MCP server for the owner's own clients", () => {
  it("refuses an unauthenticated or forged client before any agent", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const anonymous = await exports.default.fetch(ENDPOINT, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(anonymous.status).toBe(401);
    const forged = await exports.default.fetch(ENDPOINT, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "Cf-Access-Jwt-Assertion": "not.a.jwt" }
    });
    expect(forged.status).toBe(401);
    // A page on another site cannot drive it with the owner's cookie.
    const crossSite = await exports.default.fetch(ENDPOINT, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", Origin: "https://evil.example", ...(await asUser("victim")) }
    });
    expect(crossSite.status).toBe(403);
  });

  it("serves the owner: tools, files, task results, and ask_agent in an unattended mcp session", async () => {
    const { sub, user, assistant } = await freshUser("mcp-owner");
    const headers = await asUser(sub);
    await putFile(user, "/workspace/notes.md", "# Notes\nbuy milk\n");
    const client = await clientFor(headers);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(["ask_agent", "list_files", "read_file", "task_results"]);

    expect(textOf(await client.callTool({ name: "list_files", arguments: {} }))).toContain("/workspace/notes.md (17 bytes)");
    expect(textOf(await client.callTool({ name: "read_file", arguments: { path: "/workspace/notes.md" } }))).toBe("# Notes\nbuy milk\n");
    const escape = await client.callTool({ name: "read_file", arguments: { path: "/etc/passwd" } });
    expect(escape.isError).toBe(true);
    expect(textOf(await client.callTool({ name: "task_results", arguments: {} }))).toBe("No task results yet.");

    // ask_agent: a turn in an "mcp" session. Writing runs; acting outside the agent waits for the owner.
    modelOverride.current = () =>
      new ScriptedModel([
        {
          tools: [
            { name: "write", input: { path: "/workspace/from-mcp.txt", content: "hello" } },
            { name: "run_shell", input: { command: "echo hi" } }
          ]
        },
        { text: "wrote it" }
      ]);
    const asked = await client.callTool({ name: "ask_agent", arguments: { message: "write a file and run a command" } });
    const answer = textOf(asked);
    expect(answer).toContain("Waiting for your approval in Steward's web app: run_shell");
    const session = /session: (\S+)/.exec(answer)?.[1];
    expect(session).toBeTruthy();
    expect(await workspaceText(user, "/workspace/from-mcp.txt")).toBe("hello");
    expect((await toolParts(user, session!, "run_shell"))[0]?.state).toBe("approval-requested");
    expect((await assistant.listSessions()).find((s) => s.id === session)?.channel).toBe("mcp");

    // Continuing works only for mcp sessions.
    const web = await assistant.createSession({ title: "web" });
    const refused = await client.callTool({ name: "ask_agent", arguments: { message: "hi", session: web.id } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain("no MCP session");
    await client.close();
  });

  it("an Access service token mapped to its owner reaches that owner's agent, and only /mcp", async () => {
    const serviceToken = async (clientId: string) => {
      const key = (await importJWK(JSON.parse(env.TEST_SIGNING_JWK), "RS256")) as CryptoKey;
      // What Access signs for a service token: no subject, the client id as common_name.
      const jwt = await new SignJWT({ common_name: clientId, type: "app" })
        .setProtectedHeader({ alg: "RS256", kid: "test-key" })
        .setSubject("")
        .setIssuer("https://steward-test.cloudflareaccess.com")
        .setAudience("steward-test-aud")
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(key);
      return { "Cf-Access-Jwt-Assertion": jwt };
    };
    await putFile("access:owner-with-service-token", "/workspace/for-the-client.txt", "hi");
    const client = await clientFor(await serviceToken("mcp-client.access"));
    expect(textOf(await client.callTool({ name: "list_files", arguments: {} }))).toContain("/workspace/for-the-client.txt");
    await client.close();
    // The same token cannot open the web app's agent socket or any API.
    const socket = await exports.default.fetch("https://steward.example/api/me", { headers: await serviceToken("mcp-client.access") });
    expect(socket.status).toBe(403);
    // An unmapped service token gets nothing.
    const unmapped = await exports.default.fetch(ENDPOINT, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      headers: { "content-type": "application/json", ...(await serviceToken("someone-else.access")) }
    });
    expect(unmapped.status).toBe(403);
  });

  it("each identity reaches only its own agent", async () => {
    const a = await freshUser("mcp-iso-a");
    const b = await freshUser("mcp-iso-b");
    await putFile(a.user, "/workspace/secret.txt", "A's secret");
    const client = await clientFor(await asUser(b.sub));
    expect(textOf(await client.callTool({ name: "list_files", arguments: {} }))).not.toContain("secret.txt");
    const read = await client.callTool({ name: "read_file", arguments: { path: "/workspace/secret.txt" } });
    expect(read.isError).toBe(true);
    await client.close();
  });
});
