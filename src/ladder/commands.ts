import { commandError, toolCall, usageError } from "../commands/types";
import type { Command } from "../commands/types";

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
      if (!Number.isInteger(n) || n < 1 || n > 500) return commandError(this.name, "/audit takes a whole number from 1 to 500");
      return toolCall(this.name, "show_audit", { limit: n });
    }
  }
];
