import { SandboxUnavailableError } from "./backend";
import type { SandboxBackend, SandboxExecOptions, SandboxExecResult } from "./backend";
import { errorText } from "../../shared/error-text";

/**
 * The local backend: scripts/sandbox-server.mjs, a loopback server that runs
 * each command in Linux namespaces with no network (Workers cannot spawn
 * processes). Every call carries the shared token.
 */
export class ProcessSandbox implements SandboxBackend {
  readonly kind = "process";

  constructor(
    private readonly url: string,
    private readonly token: string
  ) {}

  async exec(user: string, command: string, options: SandboxExecOptions): Promise<SandboxExecResult> {
    const { onOutput, ...rest } = options;
    const response = await this.call("/exec", {
      method: "POST",
      // Streamed as NDJSON: output lines while the command runs, then the result.
      headers: { "content-type": "application/json", accept: "application/x-ndjson" },
      body: JSON.stringify({ user, command, ...rest })
    });
    if (!response.ok || !response.body) throw new Error(`the sandbox refused the command: ${await errorOf(response)}`);
    for await (const line of ndjsonLines(response.body)) {
      const message = JSON.parse(line) as { output?: { stream: "stdout" | "stderr"; text: string }; result?: SandboxExecResult; error?: string };
      if (message.output) onOutput?.(message.output.stream, message.output.text);
      else if (message.result) return message.result;
      else if (message.error) throw new Error(`the sandbox could not run the command: ${message.error}`);
    }
    throw new Error("the sandbox closed the connection before the command's result");
  }

  async jobResult(_user: string, jobId: string): Promise<SandboxExecResult | null> {
    const response = await this.call(`/jobs/${encodeURIComponent(jobId)}`, { method: "GET" });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`the sandbox could not report job ${jobId}: ${await errorOf(response)}`);
    return (await response.json()) as SandboxExecResult;
  }

  private async call(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(new URL(path, this.url), {
        ...init,
        headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${this.token}` }
      });
    } catch (error) {
      throw new SandboxUnavailableError(
        `the local sandbox at ${this.url} is not reachable (${errorText(error)}); ` + "`npm run dev` starts it, or run `node scripts/sandbox-server.mjs`"
      );
    }
  }
}

async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) yield line;
  }
  if (pending.trim()) yield pending;
}

async function errorOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
  } catch {
    // not JSON
  }
  return `HTTP ${response.status} ${text.slice(0, 200)}`;
}
