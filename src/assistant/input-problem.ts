import type { z } from "zod";

/** Deepest JSON a client may send; Steward's own messages nest far less (a tool's output included). */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max` (iterative: a 20,000-deep value must not overflow the stack). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== "object" || item === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The first issue of a failed parse as one line: `messages[0].role: Invalid option: …`. */
export function firstIssue(error: z.ZodError, prefix = ""): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}invalid`;
  const path = issue.path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join("");
  return `${prefix}${path ? `${path}: ` : ""}${issue.message}`;
}
