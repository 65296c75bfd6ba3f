import { toolFact } from "../shared/tool-facts";

/**
 * Approvals by voice. The sentence that asks is built from the pending call
 * itself and the answer is matched by fixed rules: the model never words the
 * question nor interprets the answer, so text it was fed cannot approve
 * anything on its own.
 */
export interface PendingCall {
  toolCallId: string;
  tool: string;
  input: unknown;
}

/** Longest input shown in the spoken question; the web card shows all of it. */
const MAX_SPOKEN_INPUT = 120;

export function approvalQuestion(call: PendingCall): string {
  return `I need your OK to ${describe(call)}. Say approve or reject.`;
}

/** On a phone call the question cannot be answered there: it says where it can. */
export function phoneApprovalNotice(call: PendingCall): string {
  return `I need your OK to ${describe(call)}. This needs your approval in the web app; I can't take approvals on a phone call.`;
}

function describe(call: PendingCall): string {
  const input = (call.input ?? {}) as Record<string, unknown>;
  const str = (name: string) => (typeof input[name] === "string" ? clip(String(input[name])) : "");
  switch (call.tool) {
    case "run_shell":
      return `run a shell command: ${str("command")}`;
    case "send_email":
      return `send an email to ${str("to")} about ${str("subject")}`;
    case "run_code":
    case "run_npm":
      return "run code the model wrote";
    case "write":
    case "edit":
    case "delete":
      return `${call.tool} the file ${str("path")}`;
    default: {
      const url = str("url");
      if (url) return `use ${call.tool.replaceAll("_", " ")} on ${url}`;
      const label = toolFact(call.tool)?.label;
      return `use the tool ${call.tool.replaceAll("_", " ")}${label ? ` (${label})` : ""}`;
    }
  }
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_SPOKEN_INPUT ? `${flat.slice(0, MAX_SPOKEN_INPUT)}, and more` : flat;
}

const APPROVE = new Set(["approve", "approved", "yes", "ok", "okay", "yes please"]);
const REJECT = new Set(["reject", "rejected", "no", "deny", "denied", "no thanks", "cancel"]);

/** A spoken answer: the whole utterance must be one of the fixed words ("yes, but first…" is neither). */
export function approvalAnswer(utterance: string): "approve" | "reject" | null {
  const words = utterance
    .toLowerCase()
    .replace(/[^a-z ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (APPROVE.has(words)) return "approve";
  if (REJECT.has(words)) return "reject";
  return null;
}

export const PHONE_CANNOT_APPROVE =
  "I can't take approvals on a phone call, because a caller ID is not proof of who is calling. The request is waiting for you in the web app.";
export const UNCLEAR_ANSWER = "Please say approve or reject.";
export const CHANGED_CALL = "That request changed since I asked, so nothing was approved.";
