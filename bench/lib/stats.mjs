// Summaries of timing samples, shared by the benches.

export function round(n, digits) {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}

/**
 * Count, nearest-rank p50/p95, mean and max of `values`, rounded to `digits`;
 * NaN figures for an empty list.
 */
export function stats(values, digits = 1) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, p50: NaN, p95: NaN, mean: NaN, max: NaN };
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { n: sorted.length, p50: round(at(0.5), digits), p95: round(at(0.95), digits), mean: round(mean, digits), max: round(sorted.at(-1), digits) };
}
