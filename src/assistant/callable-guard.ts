import { callable } from "agents";
import type { z } from "zod";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./input-problem";

type CallableMetadata = NonNullable<Parameters<typeof callable>[0]>;
type Method = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Bad input refused: the caller gets the message (`{success:false, error}`
 * over the browser's RPC), the log one line. The agents SDK logs every failed
 * RPC with `console.error("RPC error:", error)`; `wrangler dev` source-maps
 * each call site of a logged stack (≈0.3 s CPU a refusal), so a refusal
 * carries no call sites.
 */
export class Refusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Refusal";
    this.stack = `Refusal: ${message}`;
  }
}

/**
 * Puts an argument check in front of every `@callable` of `cls`: arguments
 * that do not match the method's schema are refused before the method runs,
 * and an error the method throws on purpose (a plain `Error` naming the
 * problem) becomes a `Refusal`. Errors that mean a bug (TypeError and the
 * like) keep their stack. Throws at load time if a callable has no schema,
 * or a schema names no callable, so a new `@callable` cannot skip the check.
 */
export function guardCallables(
  cls: { name: string; prototype: { getCallableMethods(): Map<string, CallableMetadata> } },
  schemas: Record<string, z.ZodType<unknown[]>>
): void {
  const proto = cls.prototype as unknown as Record<string, unknown> & { getCallableMethods(): Map<string, CallableMetadata> };
  // getCallableMethods only walks the prototype chain of `this`: an object on the prototype stands in for an instance.
  const callables = proto.getCallableMethods.call(Object.create(proto) as typeof proto);
  for (const name of Object.keys(schemas)) {
    if (!callables.has(name)) throw new Error(`${cls.name}: argument schema for ${name}, which is not a @callable`);
  }
  for (const [name, metadata] of callables) {
    const schema = schemas[name];
    const original = proto[name];
    if (!schema) throw new Error(`${cls.name}.${name} is a @callable without an argument schema (src/assistant/callable-schemas.ts)`);
    if (typeof original !== "function") continue;
    const guarded = guardedMethod(name, original as Method, schema);
    // The SDK's decorator only records the metadata and ignores its context (Think registers its callables this way).
    callable(metadata)(guarded, undefined as unknown as ClassMethodDecoratorContext);
    Object.defineProperty(proto, name, { value: guarded, writable: true, configurable: true, enumerable: false });
  }
}

function guardedMethod(name: string, original: Method, schema: z.ZodType<unknown[]>): Method {
  return function (this: unknown, ...args: unknown[]): unknown {
    const problem = argumentsProblem(name, args, schema);
    if (problem) throw new Refusal(problem);
    try {
      const result = original.apply(this, args);
      return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(quiet(error))) : result;
    } catch (error) {
      throw quiet(error);
    }
  };
}

/** Why `args` do not fit the method, or null. */
export function argumentsProblem(name: string, args: unknown[], schema: z.ZodType<unknown[]>): string | null {
  if (nestsDeeperThan(args, MAX_JSON_DEPTH)) return `${name}: arguments nest deeper than ${MAX_JSON_DEPTH} levels`;
  const parsed = schema.safeParse(args);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  if (!issue) return `${name}: invalid arguments`;
  if (issue.path.length === 0 && issue.code === "too_small") return `${name}: argument ${args.length + 1} is missing`;
  if (issue.path.length === 0 && issue.code === "too_big") return `${name}: takes at most ${String(issue.maximum)} argument(s), got ${args.length}`;
  const [index, ...rest] = issue.path;
  const where =
    typeof index === "number" ? `argument ${index + 1}${rest.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("")}` : "arguments";
  return `${name}: ${where}: ${issue.message}`;
}

function quiet(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof Refusal) return error;
  if (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError) return error;
  return new Refusal(error.message);
}
