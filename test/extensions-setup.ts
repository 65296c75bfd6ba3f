// vitest globalSetup (Node): the loopback services the extension and MCP tests
// talk to — the rates extension's API, an open MCP server and one behind OAuth.
// Their URLs reach the Worker as bindings (vitest.config.ts) and tests via `inject`.
import type { TestProject } from "vitest/node";
import { startOAuthMcpServer, startOpenMcpServer } from "./fixtures/mcp-server";
import { startRatesApi } from "./fixtures/rates-api";

declare module "vitest" {
  export interface ProvidedContext {
    ratesURL: string;
    mcpOpenURL: string;
    mcpOAuthURL: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [rates, open, oauth] = await Promise.all([startRatesApi(), startOpenMcpServer(), startOAuthMcpServer()]);
  project.provide("ratesURL", rates.url);
  project.provide("mcpOpenURL", open.endpoint);
  project.provide("mcpOAuthURL", oauth.endpoint);
  return async () => {
    await Promise.all([rates.close(), open.close(), oauth.close()]);
  };
}
