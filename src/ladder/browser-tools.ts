import { tool } from "ai";
import type { ToolSet } from "ai";
import { z } from "zod";
import type { BrowserAction, BrowserResult } from "./browser";
import type { ToolResult } from "../shared/tool-result";
import { errorText } from "../shared/error-text";

/** Runs one browser action in the user's Assistant, in this conversation's tab. */
export type BrowserRunner = (action: BrowserAction) => Promise<BrowserResult>;

const url = z.string().min(1).max(2048).describe("An http(s) URL");
const selector = z.string().min(1).max(500).describe("A CSS selector, e.g. #submit or a[href*=about]");

/** Tier 3 tools. Failures come back as `{ ok: false, text }` so the model can adjust. */
export function browserTools(run: BrowserRunner): ToolSet {
  const guarded = async (action: BrowserAction): Promise<ToolResult<BrowserResult>> => {
    try {
      return await run(action);
    } catch (error) {
      return { ok: false, text: `Tier 3 (browser): ${errorText(error)}` };
    }
  };
  return {
    browse: tool({
      description:
        "Tier 3: open a web page in a real browser (JavaScript runs) and return it as Markdown. The tab stays open for browser_click, browser_fill, browser_extract and browser_screenshot.",
      inputSchema: z.object({ url }),
      execute: ({ url }) => guarded({ kind: "read", url })
    }),
    browser_read: tool({
      description: "Tier 3: the current page of the open tab as Markdown (after clicks or form submits).",
      inputSchema: z.object({}),
      execute: () => guarded({ kind: "read" })
    }),
    browser_extract: tool({
      description: "Tier 3: the text (or an attribute) of every element matching a CSS selector, on the open tab or on `url`.",
      inputSchema: z.object({ selector, attribute: z.string().max(100).optional(), url: url.optional() }),
      execute: (input) => guarded({ kind: "extract", ...input })
    }),
    browser_click: tool({
      description: "Tier 3: click the first element matching a CSS selector on the open tab, then wait for the page to settle.",
      inputSchema: z.object({ selector }),
      execute: ({ selector }) => guarded({ kind: "click", selector })
    }),
    browser_fill: tool({
      description: "Tier 3: type a value into the input matching a CSS selector on the open tab; `submit` submits its form.",
      inputSchema: z.object({ selector, value: z.string().max(10_000), submit: z.boolean().optional() }),
      execute: (input) => guarded({ kind: "fill", ...input })
    }),
    browser_download: tool({
      description:
        "Tier 3: download a file (a full URL or a link on the open tab) with the tab's cookies, into the workspace (/workspace/downloads, up to 5 MB); returns its path.",
      inputSchema: z.object({ url }),
      execute: ({ url }) => guarded({ kind: "download", url })
    }),
    browser_screenshot: tool({
      description: "Tier 3: screenshot the open tab (or `url`) as PNG into the workspace (/workspace/screenshots); returns its path.",
      inputSchema: z.object({ url: url.optional(), fullPage: z.boolean().optional() }),
      execute: (input) => guarded({ kind: "screenshot", ...input })
    })
  };
}
