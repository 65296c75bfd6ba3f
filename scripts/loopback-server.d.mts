import type { ChildProcess } from "node:child_process";

/** Types for loopback-server.mjs, which the Workers-pool tsconfig (no allowJs) imports from test/sandbox-server.ts. */
export function startLoopbackServer(
  script: string,
  env: Record<string, string>,
  options?: { detached?: boolean; timeoutMs?: number }
): Promise<{ url: string | null; child: ChildProcess; errors: () => string }>;
