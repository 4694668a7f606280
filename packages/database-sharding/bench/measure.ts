/** Helpers shared by the scenarios: bounded-time measurement in rounds, medians, formatting. */

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Relative spread of a sample: (max - min) / median. */
export function spread(values: readonly number[]): number {
  return (Math.max(...values) - Math.min(...values)) / median(values);
}

/**
 * Runs `op` with `concurrency` callers for `ms` milliseconds and returns operations per second.
 * Each caller awaits its previous operation (closed loop), like request handlers on a pool.
 */
export async function throughput(op: () => Promise<void>, ms: number, concurrency: number): Promise<number> {
  return (await throughputWithCpu(op, ms, concurrency)).opsPerSec;
}

/** As `throughput`, plus this process's CPU time (user + system) per operation, in µs. */
export async function throughputWithCpu(
  op: () => Promise<void>,
  ms: number,
  concurrency: number,
): Promise<{ opsPerSec: number; cpuUsPerOp: number }> {
  let count = 0;
  const deadline = performance.now() + ms;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await op();
        count++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    opsPerSec: count / ((performance.now() - started) / 1000),
    cpuUsPerOp: (used.user + used.system) / count,
  };
}

export interface ScenarioResult {
  /** Rows of the printed table: [what, value, note]. */
  readonly table: Array<[string, string, string]>;
  readonly metrics: Record<string, number>;
  readonly ratios: Record<string, number>;
}

export function fmt(n: number, digits = 2): string {
  return n >= 1e6
    ? `${(n / 1e6).toFixed(digits)} M`
    : n >= 1e4
      ? `${(n / 1e3).toFixed(1)} k`
      : n.toFixed(digits);
}
