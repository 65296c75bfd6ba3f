import { toolCall, usageError } from "../commands/types";
import type { Command } from "../commands/types";
import { MAX_COMMAND_BYTES } from "./shell";

/** Tier 4 from the chat box: `/sh <command>` is a run_shell call, held to the same permission and audit. */
export const shellCommands: Command[] = [
  {
    name: "sh",
    usage: "/sh <command>",
    summary: "run a shell command in your sandbox (tier 4; asks first by default)",
    parse(_rest, arg) {
      if (!arg) return usageError(this);
      if (new TextEncoder().encode(arg).length > MAX_COMMAND_BYTES) {
        return {
          kind: "error",
          command: this.name,
          text: `/sh takes at most ${MAX_COMMAND_BYTES / 1024} KiB; put a longer script in a workspace file and run that.`
        };
      }
      return toolCall(this.name, "run_shell", { command: arg });
    }
  }
];
