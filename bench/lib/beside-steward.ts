/**
 * A bench Worker's entry: Steward's real Worker, unchanged, except that
 * requests under `prefix` (e.g. "/agents/bare-think/") go to the bench's
 * baseline agent through the Agents SDK router.
 */
import { routeAgentRequest } from "agents";
import steward from "../../src/server";

export function stewardBeside(prefix: string): ExportedHandler<Env> {
  return {
    async fetch(request: Request, env: Env): Promise<Response> {
      if (new URL(request.url).pathname.startsWith(prefix)) {
        return (await routeAgentRequest(request, env)) ?? new Response("Not found", { status: 404 });
      }
      return steward.fetch(request, env);
    }
  };
}
