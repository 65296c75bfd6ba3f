import { getDomain } from "tldts";

/**
 * Sender authentication as reported by the receiving mail server in
 * `Authentication-Results` (RFC 8601). Only the topmost header counts (or the
 * first from EMAIL_AUTHSERV_ID): headers further down were written by whoever
 * sent the message and prove nothing.
 */
export interface AuthVerdict {
  ok: boolean;
  reason: string;
}

interface Method {
  method: string;
  result: string;
  props: Record<string, string>;
}

export function checkAuthentication(headers: Array<{ key: string; value: string }>, fromAddress: string, authservId?: string): AuthVerdict {
  const all = headers.filter((h) => h.key === "authentication-results");
  const wanted = authservId?.trim().toLowerCase();
  const header = wanted ? all.find((h) => servId(h.value) === wanted) : all[0];
  if (!header) {
    return { ok: false, reason: "the message carries no Authentication-Results from the receiving server, so its sender cannot be verified" };
  }
  const methods = parseMethods(header.value);
  const fromDomain = fromAddress.slice(fromAddress.lastIndexOf("@") + 1).toLowerCase();
  const dmarc = methods.find((m) => m.method === "dmarc");
  if (dmarc && dmarc.result !== "pass" && dmarc.result !== "none" && dmarc.result !== "bestguesspass") {
    return { ok: false, reason: `DMARC ${dmarc.result} for ${fromDomain}: the sender address looks spoofed` };
  }
  if (dmarc?.result === "pass") return { ok: true, reason: "dmarc=pass" };
  const dkim = methods.find((m) => m.method === "dkim" && m.result === "pass" && aligned(m.props["header.d"] ?? m.props["header.i"], fromDomain));
  if (dkim) return { ok: true, reason: "dkim=pass (aligned)" };
  const spf = methods.find((m) => m.method === "spf" && m.result === "pass" && aligned(m.props["smtp.mailfrom"], fromDomain));
  if (spf) return { ok: true, reason: "spf=pass (aligned)" };
  return { ok: false, reason: `no aligned DKIM or SPF pass for ${fromDomain}: the sender could not be verified` };
}

function servId(value: string): string {
  return (value.split(";")[0] ?? "").trim().split(/\s+/)[0]?.toLowerCase() ?? "";
}

function parseMethods(value: string): Method[] {
  const withoutComments = value.replace(/\([^()]*\)/g, " ");
  return withoutComments
    .split(";")
    .slice(1)
    .map((clause) => {
      const tokens = clause.trim().split(/\s+/).filter(Boolean);
      const [head, ...rest] = tokens;
      const [method, result] = (head ?? "").toLowerCase().split("=");
      const props: Record<string, string> = {};
      for (const token of rest) {
        const eq = token.indexOf("=");
        if (eq > 0)
          props[token.slice(0, eq).toLowerCase()] = token
            .slice(eq + 1)
            .replace(/^"|"$/g, "")
            .toLowerCase();
      }
      return { method: method ?? "", result: result ?? "", props };
    })
    .filter((m) => m.method && m.result);
}

/**
 * Relaxed alignment (RFC 7489 §3.1): both names share one organizational
 * domain, i.e. the same registered domain under the public suffix list.
 * A plain suffix test is wrong both ways: `mail.example.co.uk` must align with
 * `example.co.uk`, but `example.co.uk` must not align with `other.co.uk`
 * through their common `co.uk`.
 */
function aligned(value: string | undefined, fromDomain: string): boolean {
  if (!value || !fromDomain) return false;
  const domain = value.slice(value.lastIndexOf("@") + 1).replace(/\.$/, "");
  const from = fromDomain.replace(/\.$/, "");
  if (domain === from) return true;
  // Private suffixes (e.g. github.io) count too: two users' pages there are different organizations.
  const organization = (name: string) => getDomain(name, { allowPrivateDomains: true });
  const a = organization(domain);
  return a !== null && a === organization(from);
}
