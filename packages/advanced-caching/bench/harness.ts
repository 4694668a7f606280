/**
 * Timing helpers for the benchmarks: warm up, then alternate rounds of each contender (so drift in
 * a noisy, shared machine hits both alike), and report the median and spread of ops/s.
 */
export interface Contender {
  readonly name: string;
  /** One operation; must throw when the answer is wrong (a fast wrong answer is no result). */
  readonly op: () => Promise<void>;
}

export interface Measured {
  readonly name: string;
  readonly opsPerSec: number;
  /** (max - min) / median of the rounds, percent. */
  readonly spreadPct: number;
}

export interface MeasureOptions {
  readonly warmupMs?: number;
  readonly roundMs?: number;
  readonly rounds?: number;
}

async function runFor(op: () => Promise<void>, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let ops = 0;
  const started = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await op();
    ops += 50;
  }
  return (ops * 1000) / (performance.now() - started);
}

export async function compare(
  contenders: readonly Contender[],
  options: MeasureOptions = {},
): Promise<Measured[]> {
  const { warmupMs = 300, roundMs = 500, rounds = 5 } = options;
  for (const c of contenders) await runFor(c.op, warmupMs);
  const samples = contenders.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < contenders.length; i++) samples[i]!.push(await runFor(contenders[i]!.op, roundMs));
  }
  return contenders.map((c, i) => {
    const sorted = [...samples[i]!].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return { name: c.name, opsPerSec: median, spreadPct: ((sorted.at(-1)! - sorted[0]!) / median) * 100 };
  });
}

export function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`benchmark answer is wrong: ${message}`);
}
