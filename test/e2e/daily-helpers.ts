/**
 * Shared by the daily*.e2e tests: the Assistant's RPC over its WebSocket (as
 * the web app calls it), and mail delivered to wrangler dev's email handler.
 */

/** Calls an @callable on the dev user's Assistant over /agent, like the web app. */
export async function rpc<T>(baseURL: string, method: string, args: unknown[]): Promise<T> {
  // Node 22's WebSocket takes { headers } (the Worker checks Origin on upgrades).
  const init = { headers: { Origin: baseURL } } as unknown as string[];
  const ws = new WebSocket(`${baseURL.replace(/^http/, "ws")}/agent`, init);
  return new Promise<T>((resolve, reject) => {
    const id = crypto.randomUUID();
    const timer = setTimeout(() => reject(new Error(`no answer to ${method}`)), 20_000);
    ws.addEventListener("error", () => reject(new Error(`cannot reach ${baseURL}`)));
    ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "rpc", id, method, args })));
    ws.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as { type?: string; id?: string; done?: boolean; success?: boolean; result?: unknown; error?: string };
      if (frame.type !== "rpc" || frame.id !== id || frame.done === false) return;
      clearTimeout(timer);
      ws.close();
      if (frame.success) resolve(frame.result as T);
      else reject(new Error(`${method}: ${frame.error ?? "failed"}`));
    });
  });
}

/** Mails the agent from `from` (registered as the owner's address first); resolves once the Worker took it. */
export async function mailAgent(baseURL: string, options: { from: string; subject: string; text: string }): Promise<string> {
  const { address } = await rpc<{ address: string }>(baseURL, "addOwnerEmailAddress", [options.from]);
  const id = `<${crypto.randomUUID()}@local.test>`;
  const raw = [
    `Authentication-Results: mx.local; dkim=pass header.d=example.com; spf=pass smtp.mailfrom=${options.from}; dmarc=pass header.from=example.com`,
    `From: Owner <${options.from}>`,
    `To: ${address}`,
    `Subject: ${options.subject}`,
    `Message-ID: ${id}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    options.text,
    ""
  ].join("\r\n");
  const res = await fetch(`${baseURL}/cdn-cgi/handler/email?${new URLSearchParams({ from: options.from, to: address })}`, { method: "POST", body: raw });
  if (!res.ok) throw new Error(`email refused: HTTP ${res.status} ${await res.text()}`);
  return id;
}
