// Values test/global-setup.ts provides to workerd tests (loopback fixtures for tiers 2 and 3).
export {};
declare module "vitest" {
  export interface ProvidedContext {
    npmRegistry: string;
    siteURL: string;
    chromium: boolean;
  }
}
