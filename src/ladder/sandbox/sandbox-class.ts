import { Sandbox as BaseSandbox } from "@cloudflare/sandbox";
import { egress, egressPolicy } from "./egress";

/**
 * The container Durable Object (wrangler `containers` + `durable_objects`
 * binding `Sandbox`). No internet: all HTTP(S) leaves through `egress`, in
 * the Worker, which enforces the allowlist and adds credentials.
 */
export class Sandbox extends BaseSandbox<Env> {
  constructor(ctx: DurableObjectState<{}>, env: Env) {
    super(ctx, env);
    this.enableInternet = false;
    // HTTPS is intercepted too (the container trusts the proxy's CA), so the
    // allowlist and credentials apply to https:// as well.
    this.interceptHttps = true;
  }
}

// Assigned, not declared as a static field: the base class's `outbound` setter
// registers the handler under the class name, which a field would bypass.
Sandbox.outbound = (request: Request, env: Env) => egress(request, egressPolicy(env));
