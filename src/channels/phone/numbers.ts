/** A phone number as Twilio sends it (E.164: "+" and 8–15 digits), or null. Spaces, dots, dashes and brackets are ignored. */
export function normalizeNumber(input: unknown): string | null {
  if (typeof input !== "string") return null;
  const compact = input.trim().replace(/[\s().-]/g, "");
  return /^\+[1-9]\d{7,14}$/.test(compact) ? compact : null;
}
