import { assistantFor } from "./agent";

/** A workspace file of a user's Assistant as text, or null when it does not exist. */
export async function workspaceText(userId: string, path: string): Promise<string | null> {
  const stub = await (await assistantFor(userId)).__getWorkspaceStub();
  try {
    const content: unknown = await stub.fs.readFile(path, { encoding: "utf8" });
    return typeof content === "string" ? content : null;
  } catch {
    return null;
  }
}
