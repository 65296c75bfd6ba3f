/** Whether `value` is a whole number from `min` to `max` (both included). */
export function isWholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** `value` when it is a whole number from 1 to `max`; otherwise throws "<name> must be a whole number from 1 to <max>". */
export function wholeNumber(value: unknown, name: string, max: number): number {
  if (!isWholeNumber(value, 1, max)) throw new Error(`${name} must be a whole number from 1 to ${max}`);
  return value;
}
