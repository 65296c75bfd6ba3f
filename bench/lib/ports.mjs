// Loopback ports for `wrangler dev`.
import { createServer } from "node:net";

/** A loopback port whose next port (wrangler's inspector) is free too; retries a few times. */
export async function freePortPair() {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise((resolve, reject) => {
      const srv = createServer().once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const { port: got } = srv.address();
        srv.close(() => resolve(got));
      });
    }).catch(() => 0);
    if (port && port < 65535 && (await portFree(port)) && (await portFree(port + 1))) return port;
  }
  throw new Error("no free loopback port pair");
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer().once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}
