/**
 * The time scheduled tasks see. Production reads the real clock; a test may
 * move it (like the model, the calendar is a seam a test cannot wait for:
 * the next DST change is months away). Alarms themselves are always real.
 */
export const clock: { now: () => number } = { now: () => Date.now() };
