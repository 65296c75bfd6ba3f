import { WorkerEntrypoint } from "cloudflare:workers";
import { getAgentByName } from "agents";
import type { Assistant } from "../assistant/assistant";

/** Set by the Assistant when it loads an extension's Worker; the extension cannot see or change them. */
export interface EgressProps {
  user: string;
  session: string;
  /** The ext_<name>_<tool> being run (for the audit row of a refusal). */
  tool: string;
  extension: string;
  /** Hosts the manifest declares (host or host:port). */
  hosts: string[];
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

export type EgressVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Whether an extension may send this request: https to a host it declared,
 * exactly (host and port); plain http only to a declared loopback host when
 * the deployment allows it (tests, local benches). Everything else is refused.
 */
export function egressVerdict(url: string, hosts: readonly string[], loopbackHttp: boolean): EgressVerdict {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: `not a URL: ${url.slice(0, 200)}` };
  }
  const host = parsed.host.toLowerCase();
  if (!hosts.includes(host)) return { ok: false, reason: `${host} is not a host this extension declared (${hosts.join(", ") || "none"})` };
  if (parsed.protocol === "https:") return { ok: true };
  if (parsed.protocol === "http:" && loopbackHttp && LOOPBACK.test(parsed.hostname)) return { ok: true };
  return { ok: false, reason: `${parsed.protocol}//${host} is refused: extensions reach the network over https only` };
}

/**
 * An extension Worker's `globalOutbound`: every fetch it makes arrives here
 * (in Steward's own Worker, outside the extension). A declared host gets the
 * request, with redirects handed back to the extension so that each hop is
 * checked again; anything else gets a 403 and an audit row in the owner's log.
 */
export class ExtensionEgress extends WorkerEntrypoint<Env, EgressProps> {
  override async fetch(request: Request): Promise<Response> {
    const props = this.ctx.props;
    const verdict = egressVerdict(request.url, props.hosts, this.env.EXTENSION_LOOPBACK_HTTP === "1");
    if (verdict.ok) return fetch(new Request(request, { redirect: "manual" }));
    const owner = await getAgentByName(this.env.Assistant as DurableObjectNamespace<Assistant>, props.user);
    await owner.extensionEgressRefused({ session: props.session, tool: props.tool, url: request.url, reason: verdict.reason });
    return new Response(`steward: request refused: ${verdict.reason}\n`, { status: 403, headers: { "content-type": "text/plain" } });
  }

  /** A raw TCP socket (`cloudflare:sockets` connect) arrives here too: never allowed, audited like a refused request. */
  override async connect(socket: Socket): Promise<void> {
    const props = this.ctx.props;
    const owner = await getAgentByName(this.env.Assistant as DurableObjectNamespace<Assistant>, props.user);
    await owner.extensionEgressRefused({
      session: props.session,
      tool: props.tool,
      url: "tcp:",
      reason: "raw TCP sockets are refused: extensions reach their declared hosts with fetch over https only"
    });
    await socket.close().catch(() => undefined);
  }
}
