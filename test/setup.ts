import { exports } from "cloudflare:workers";
import { afterAll, beforeAll } from "vitest";

// The first request pulls in the whole agents/think graph (~10 s cold);
// pay it once here rather than inside the first test's timeout.
beforeAll(async () => {
  await exports.default.fetch("http://localhost/api/me");
}, 60_000);

// Let Durable Objects finish WebSocket close handlers before the module goes away.
afterAll(() => new Promise((resolve) => setTimeout(resolve, 100)));
