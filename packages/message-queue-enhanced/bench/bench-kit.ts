/** Small helpers shared by the benchmark scenarios: rounds, medians, percentiles, a table. */

export interface Row {
  readonly scenario: string;
  readonly ours: number;
  readonly baseline: number | undefined;
  readonly unit: string;
  /** true when a smaller figure is better (latency, ms per batch). */
  readonly lowerIsBetter?: boolean;
  readonly spread: string;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function spread(values: readonly number[]): string {
  return `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
}

/** Runs `fn` `rounds` times after one warm-up and returns every round's figure. */
export async function rounds(count: number, fn: () => Promise<number>): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await fn());
  return out;
}

/**
 * Ours and the baseline alternately, one warm-up each then `count` rounds each, so that load
 * from other work on a shared machine falls on both alike.
 */
export async function pairedRounds(
  count: number,
  ours: () => Promise<number>,
  baseline: () => Promise<number>,
): Promise<{ ours: number[]; baseline: number[] }> {
  await ours();
  await baseline();
  const out = { ours: [] as number[], baseline: [] as number[] };
  for (let i = 0; i < count; i++) {
    out.ours.push(await ours());
    out.baseline.push(await baseline());
  }
  return out;
}

/** Runs `total` tasks with at most `window` in flight. */
export async function windowed(
  total: number,
  window: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(window, total) }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

export function ratio(row: Row): number | undefined {
  if (row.baseline === undefined || row.baseline === 0) return undefined;
  return row.lowerIsBetter ? row.baseline / row.ours : row.ours / row.baseline;
}

export function printTable(rows: readonly Row[]): void {
  const header = [
    'scenario',
    'ours',
    'baseline',
    'unit',
    'ratio (ours vs baseline, >1 = better)',
    'spread of rounds (ours)',
  ];
  const lines = rows.map((r) => [
    r.scenario,
    r.ours.toFixed(r.ours < 10 ? 2 : 0),
    r.baseline === undefined ? '—' : r.baseline.toFixed(r.baseline < 10 ? 2 : 0),
    r.unit,
    ratio(r)?.toFixed(2) ?? '—',
    r.spread,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(fmt(l));
}
