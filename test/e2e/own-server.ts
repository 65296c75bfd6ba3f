/**
 * A test file's own `wrangler dev`, dev user and browser page, for tests whose
 * per-user state (tier permissions, tasks, notifications) must not reach the
 * shared server's user. Registers the file's setup and teardown hooks.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, inject } from "vitest";
import { launch, newPage, screenshot } from "./browser";
import { startWrangler } from "./wrangler";
import type { Wrangler } from "./wrangler";

export interface OwnServer {
  baseURL: string;
  page: Page;
  /** Uncaught page errors, collected for the whole file. */
  errors: string[];
}

export function useOwnServer(name: string, devUser: string, ready: (server: OwnServer) => void, vars: Record<string, string> = {}): void {
  const persistTo = mkdtempSync(join(tmpdir(), `steward-${name}-`));
  let wrangler: Wrangler | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    wrangler = await startWrangler({ persistTo, vars: { ...vars, DEV_USER: devUser }, devUser });
    browser = await launch(inject("chromiumPath"));
    const opened = await newPage(browser);
    page = opened.page;
    ready({ baseURL: wrangler.baseURL, page: opened.page, errors: opened.errors });
  }, 180_000);

  afterEach(async (ctx) => {
    await screenshot(page, ctx.task.name, `${name}-`);
  });

  afterAll(async () => {
    await browser?.close();
    await wrangler?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  });
}
