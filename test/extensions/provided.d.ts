// Values test/extensions-setup.ts provides to workerd tests (loopback rates API and MCP servers).
export {};
declare module "vitest" {
  export interface ProvidedContext {
    ratesURL: string;
    mcpOpenURL: string;
    mcpOAuthURL: string;
  }
}
