import { commandError, toolCall, usageError } from "../commands/types";
import type { Command, ParsedCommand } from "../commands/types";
import { checkUrl } from "./browser";
import { errorText } from "../shared/error-text";
import { isWholeNumber } from "../util/whole-number";

/** The ladder: running code, and seeing what ran. */
export const ladderCommands: Command[] = [
  {
    name: "run",
    usage: "/run <js>",
    summary: "run JavaScript in an isolate with no network (tier 1)",
    parse(_rest, arg) {
      if (!arg) return usageError(this);
      return toolCall(this.name, "run_code", { code: arg });
    }
  },
  // ── Tiers 2–3: npm and browser ──
  {
    name: "npm",
    usage: "/npm <js>",
    summary: "run JavaScript that may import npm packages, no network at run time (tier 2)",
    parse(_rest, arg) {
      if (!arg) return usageError(this);
      return toolCall(this.name, "run_npm", { code: arg });
    }
  },
  {
    name: "browse",
    usage: "/browse <url>",
    summary: "open a page in a real browser and show it as Markdown (tier 3)",
    parse(_rest, arg) {
      return urlCommand(this, arg, (url) => toolCall(this.name, "browse", { url }));
    }
  },
  {
    name: "shot",
    usage: "/shot <url>",
    summary: "screenshot a page into /workspace/screenshots (tier 3)",
    parse(_rest, arg) {
      return urlCommand(this, arg, (url) => toolCall(this.name, "browser_screenshot", { url }));
    }
  },
  {
    name: "tiers",
    usage: "/tiers",
    summary: "show the execution ladder and your permissions",
    parse() {
      return toolCall(this.name, "show_tiers", {});
    }
  },
  {
    name: "audit",
    usage: "/audit [n]",
    summary: "show your last n tool executions (default 10)",
    parse(_rest, arg) {
      if (!arg) return toolCall(this.name, "show_audit", { limit: 10 });
      const n = Number(arg);
      if (!isWholeNumber(n, 1, 500)) return commandError(this.name, "/audit takes a whole number from 1 to 500");
      return toolCall(this.name, "show_audit", { limit: n });
    }
  }
];

/** One http(s) URL and nothing else; anything else is a clear error and runs nothing. */
function urlCommand(command: Command, arg: string, call: (url: string) => ParsedCommand): ParsedCommand {
  if (!arg) return usageError(command);
  if (/\s/.test(arg)) return commandError(command.name, `/${command.name} takes one URL; got "${arg}"`);
  try {
    return call(checkUrl(arg));
  } catch (error) {
    return commandError(command.name, errorText(error));
  }
}
