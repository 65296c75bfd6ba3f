/**
 * The container's only way out. Steward's Sandbox class turns the internet off
 * (`enableInternet = false`) and routes the container's HTTP(S) through this
 * handler, which runs in the Worker, not in the container: a request to a host
 * on the allowlist is sent on with that host's credentials added; anything
 * else is refused. The credentials (SANDBOX_CREDENTIALS, a Worker secret)
 * therefore never enter the container, its files, its output or the model's
 * context.
 */
export interface EgressPolicy {
  allowedHosts: string[];
  /** host → headers to add, e.g. {"api.github.com": {"authorization": "Bearer …"}} */
  credentials: Record<string, Record<string, string>>;
}

export function egressPolicy(env: { SANDBOX_ALLOWED_HOSTS?: string; SANDBOX_CREDENTIALS?: string }): EgressPolicy {
  const allowedHosts = (env.SANDBOX_ALLOWED_HOSTS ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  let credentials: EgressPolicy["credentials"] = {};
  if (env.SANDBOX_CREDENTIALS) {
    const parsed: unknown = JSON.parse(env.SANDBOX_CREDENTIALS);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error('SANDBOX_CREDENTIALS must be a JSON object: {"host": {"header": "value"}}');
    }
    credentials = Object.fromEntries(
      Object.entries(parsed as Record<string, unknown>).map(([host, headers]) => {
        if (typeof headers !== "object" || headers === null) throw new Error(`SANDBOX_CREDENTIALS["${host}"] must be an object of headers`);
        return [host.toLowerCase(), Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]))];
      })
    );
  }
  return { allowedHosts, credentials };
}

export function hostAllowed(policy: EgressPolicy, host: string): boolean {
  const h = host.toLowerCase();
  return policy.allowedHosts.some((allowed) => (allowed.startsWith("*.") ? h.endsWith(allowed.slice(1)) : h === allowed));
}

/** Sends an allowed request on with its host's credentials; refuses the rest. */
export async function egress(request: Request, policy: EgressPolicy, send: (request: Request) => Promise<Response> = fetch): Promise<Response> {
  const host = new URL(request.url).hostname;
  if (!hostAllowed(policy, host)) {
    return new Response(`steward: egress to ${host} is not on the sandbox allowlist (SANDBOX_ALLOWED_HOSTS)\n`, { status: 403 });
  }
  const headers = new Headers(request.headers);
  // The container cannot choose credentials: whatever it sent for these headers is replaced.
  for (const [name, value] of Object.entries(policy.credentials[host.toLowerCase()] ?? {})) headers.set(name, value);
  const response = await send(new Request(request, { headers }));
  // A server that echoes a credential back must not hand it to the container.
  // The whole header value, and its token part ("Bearer <token>").
  const secrets = Object.values(policy.credentials[host.toLowerCase()] ?? {})
    .flatMap((v) => [v, v.split(" ").at(-1) ?? ""])
    .filter((v) => v.length >= 8);
  if (secrets.length === 0) return response;
  const body = await response.text();
  const scrubbed = secrets.reduce((text, secret) => (secret ? text.split(secret).join("[redacted]") : text), body);
  return new Response(scrubbed, { status: response.status, statusText: response.statusText, headers: response.headers });
}
