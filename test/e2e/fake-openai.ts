/**
 * A loopback OpenAI-compatible server (chat completions, streamed as SSE):
 * the model seam for end-to-end tests that run Steward's real `openai`
 * provider path over HTTP. `respond` decides each reply from the request.
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: unknown }>;
}

export interface Reply {
  chunks: string[];
  delayMs: number;
}

export interface FakeOpenAI {
  baseURL: string;
  requests: ChatRequest[];
  close(): Promise<void>;
}

/** What every automatic title request is answered with. */
export const TITLE = "Fake title";

export async function startFakeOpenAI(respond: (request: ChatRequest, index: number) => Reply): Promise<FakeOpenAI> {
  const requests: ChatRequest[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    let body = "";
    for await (const chunk of req) body += String(chunk);
    const request = JSON.parse(body) as ChatRequest;
    // A session's automatic title (src/memory/titles.ts TITLE_INSTRUCTION) is not a turn: it gets
    // a fixed answer and is not counted, so tests' replies by index stay theirs.
    const titling = JSON.stringify(request.messages).includes("Write a title for this conversation");
    if (!titling) requests.push(request);
    const reply = titling ? { chunks: [TITLE], delayMs: 0 } : respond(request, requests.length - 1);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    open.add(res);
    res.on("close", () => open.delete(res));
    const frame = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "fake", object: "chat.completion.chunk", created: 0, model: request.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(frame({ role: "assistant", content: "" }));
    for (const chunk of reply.chunks) {
      if (res.destroyed) return;
      await new Promise((r) => setTimeout(r, reply.delayMs));
      res.write(frame({ content: chunk }));
    }
    res.write(frame({}, "stop"));
    res.end("data: [DONE]\n\n");
  }

  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("fake OpenAI server has no port");
  return {
    baseURL: `http://127.0.0.1:${address.port}/v1`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        for (const res of open) res.destroy();
        server.close(() => done());
      })
  };
}
