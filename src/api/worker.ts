import { getAgentByName } from "agents";
import { agentNameFor } from "../auth";
import type { Identity } from "../auth";
import type { Assistant } from "../assistant/assistant";
import { health } from "../ops/health";
import { apiApp } from "./routes";
import type { ApiBackend } from "./routes";

/** The routes the task API answers (the Worker checked identity first). */
export function isApiPath(path: string): boolean {
  return path === "/api/tasks" || path.startsWith("/api/tasks/") || path === "/api/openapi.json" || path === "/api/health";
}

// Built once per isolate: the routes and their schemas do not change per request.
const app = apiApp();

/** Hands the request to the Hono app with the caller's own Assistant; no client input picks the agent. */
export function handleApi(request: Request, env: Env, identity: Identity): Promise<Response> {
  const assistant = () => getAgentByName(env.Assistant as DurableObjectNamespace<Assistant>, agentNameFor(identity));
  return Promise.resolve(
    app.fetch(request, {
      // The stub's RPC types wrap every method; ApiBackend is the plain shape of the same methods.
      backend: async () => (await assistant()) as unknown as ApiBackend,
      isOwner: identity.source !== "service",
      health: async () => health(env, await (await assistant()).recentModelFailures())
    })
  );
}
