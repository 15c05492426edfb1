/** Small number helpers for the benchmark. */

export const MiB = 1024 * 1024;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const min = (values: readonly number[]): number => (values.length ? Math.min(...values) : NaN);
export const max = (values: readonly number[]): number => (values.length ? Math.max(...values) : NaN);

/** `n` with `digits` decimals, or "–" for NaN. */
export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "–";
}

export { sleep } from "../../provider/common/sleep";

/** Milliseconds since `start` (from `process.hrtime.bigint()`). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
