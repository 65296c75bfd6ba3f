// Waiting, shared by the benches.

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** `promise`, or a rejection naming `what` once `ms` have passed. */
export function withTimeout(promise, what, ms) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]).finally(
    () => clearTimeout(timer)
  );
}
