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
  /**
   * This process's CPU time (user + system) per operation, µs: far steadier than ops/s on a shared
   * machine, and for remote calls it isolates the client's own cost from the network and server.
   */
  readonly cpuUsPerOp: number;
  /** (max - min) / median of the rounds, percent. */
  readonly spreadPct: number;
}

export interface MeasureOptions {
  readonly warmupMs?: number;
  readonly roundMs?: number;
  readonly rounds?: number;
}

async function runFor(
  op: () => Promise<void>,
  ms: number,
): Promise<{ opsPerSec: number; cpuUsPerOp: number }> {
  const end = performance.now() + ms;
  let ops = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await op();
    ops += 50;
  }
  const used = process.cpuUsage(cpu);
  return {
    opsPerSec: (ops * 1000) / (performance.now() - started),
    cpuUsPerOp: (used.user + used.system) / ops,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function compare(
  contenders: readonly Contender[],
  options: MeasureOptions = {},
): Promise<Measured[]> {
  const { warmupMs = 300, roundMs = 500, rounds = 5 } = options;
  for (const c of contenders) await runFor(c.op, warmupMs);
  const samples = contenders.map(() => [] as { opsPerSec: number; cpuUsPerOp: number }[]);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < contenders.length; i++) samples[i]!.push(await runFor(contenders[i]!.op, roundMs));
  }
  return contenders.map((c, i) => {
    const ops = samples[i]!.map((s) => s.opsPerSec);
    const mid = median(ops);
    return {
      name: c.name,
      opsPerSec: mid,
      cpuUsPerOp: median(samples[i]!.map((s) => s.cpuUsPerOp)),
      spreadPct: ((Math.max(...ops) - Math.min(...ops)) / mid) * 100,
    };
  });
}

export function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`benchmark answer is wrong: ${message}`);
}
