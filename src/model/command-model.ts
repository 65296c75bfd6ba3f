import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Message,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult
} from "@ai-sdk/provider";
import { helpText, parseCommand } from "../commands/parse";
import { renderToolResult } from "./render-result";
import { messageText } from "../shared/message-text";

/** Think appends this when it resumes a partial assistant message after a crash. */
export const CONTINUE_PROMPT_PREFIX = "Continue your previous response";

export const NO_MODEL_REPLY = [
  "No language model is configured, so I can only run slash commands.",
  "To chat in plain words, set MODEL_PROVIDER (workers-ai, gateway or openai) and its settings",
  "in .dev.vars or as Worker secrets; the README's Models section has examples.",
  "",
  helpText()
].join("\n");

/**
 * A deterministic LanguageModelV4 that turns the latest slash command into a
 * tool call, then describes the tool's result. Plain text goes to `fallback`
 * (the configured model) or, with none, gets a reply explaining how to set one.
 * Commands never reach the fallback: they stay fast, free and deterministic.
 */
export class CommandModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "steward";
  readonly modelId: string;
  readonly supportedUrls = {};

  constructor(
    private readonly fallback?: LanguageModelV4,
    private readonly noModelReply: string = NO_MODEL_REPLY
  ) {
    this.modelId = fallback ? `commands+${fallback.modelId}` : "commands";
  }

  doGenerate(): never {
    throw new Error("CommandModel streams only; Think always calls doStream");
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const turn = commandTurn(options.prompt);
    if (!turn) {
      if (this.fallback) return this.fallback.doStream(options);
      return streamOf(textParts(this.noModelReply));
    }
    const parsed = parseCommand(turn.commandText);
    if (!parsed) return streamOf(textParts(this.noModelReply));
    if (parsed.kind !== "tool") return streamOf(textParts(unsaid(parsed.text, turn.alreadySaid)));

    if (turn.result) {
      const text = renderToolResult(parsed.toolName, turn.result.output, turn.result.isError);
      return streamOf(textParts(unsaid(text, turn.alreadySaid)));
    }
    const toolCallId = `cmd-${crypto.randomUUID()}`;
    return streamOf([{ type: "tool-call", toolCallId, toolName: parsed.toolName, input: JSON.stringify(parsed.input) }], "tool-calls");
  }
}

interface CommandTurn {
  commandText: string;
  result?: { output: unknown; isError: boolean };
  alreadySaid: string;
}

/** Finds the slash command that opened this turn and what has happened since. */
function commandTurn(prompt: LanguageModelV4Message[]): CommandTurn | null {
  let userIndex = -1;
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i];
    if (message?.role !== "user") continue;
    const text = userText(message);
    if (text.startsWith(CONTINUE_PROMPT_PREFIX)) continue;
    userIndex = i;
    break;
  }
  if (userIndex < 0) return null;
  const commandText = userText(prompt[userIndex]!).trim();
  if (!commandText.startsWith("/")) return null;

  let result: CommandTurn["result"];
  let alreadySaid = "";
  for (const message of prompt.slice(userIndex + 1)) {
    if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type !== "tool-result") continue;
        const out = part.output;
        const isError = out.type === "error-text" || out.type === "error-json" || out.type === "execution-denied";
        const output = out.type === "execution-denied" ? `denied: ${out.reason ?? "not approved"}` : "value" in out ? out.value : undefined;
        result = { output, isError };
      }
    } else if (message.role === "assistant") {
      alreadySaid += messageText(message.content);
    }
  }
  return { commandText, result, alreadySaid };
}

function userText(message: LanguageModelV4Message): string {
  if (message.role !== "user") return "";
  return messageText(message.content);
}

/** After a crash, only the part of the answer not yet streamed is sent again. */
function unsaid(text: string, alreadySaid: string): string {
  return alreadySaid && text.startsWith(alreadySaid) ? text.slice(alreadySaid.length) : text;
}

function textParts(text: string): LanguageModelV4StreamPart[] {
  const id = `txt-${crypto.randomUUID()}`;
  // Word-sized deltas so clients see a real stream, not one blob.
  const deltas = text.match(/\S+\s*|\s+/g) ?? [];
  return [{ type: "text-start", id }, ...deltas.map((delta): LanguageModelV4StreamPart => ({ type: "text-delta", id, delta })), { type: "text-end", id }];
}

function streamOf(parts: LanguageModelV4StreamPart[], finish: "stop" | "tool-calls" = "stop"): LanguageModelV4StreamResult {
  const stream = new ReadableStream<LanguageModelV4StreamPart>({
    start(controller) {
      controller.enqueue({ type: "stream-start", warnings: [] });
      for (const part of parts) controller.enqueue(part);
      controller.enqueue({
        type: "finish",
        finishReason: { unified: finish, raw: finish },
        usage: {
          inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 0, text: 0, reasoning: 0 }
        }
      });
      controller.close();
    }
  });
  return { stream };
}
