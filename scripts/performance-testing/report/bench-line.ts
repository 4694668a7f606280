/** One benchmark's machine-readable result (BENCHMARKS.md): its last output line. */
export interface BenchResult {
  readonly name: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly ratios: Readonly<Record<string, number>>;
  readonly baseline: string;
}

/**
 * The last `BENCH {…}` line of a benchmark's output, parsed and checked; undefined when there
 * is none (the benchmark failed or printed no result).
 */
export function lastBenchLine(output: string): BenchResult | undefined {
  const lines = output.split('\n').filter((l) => l.startsWith('BENCH {'));
  const last = lines.at(-1);
  if (!last) return undefined;
  const parsed = JSON.parse(last.slice('BENCH '.length)) as Partial<BenchResult>;
  if (typeof parsed.name !== 'string' || typeof parsed.metrics !== 'object' || parsed.metrics === null) {
    throw new Error(`malformed BENCH line: ${last.slice(0, 200)}`);
  }
  for (const [k, v] of Object.entries({ ...parsed.metrics, ...(parsed.ratios ?? {}) })) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`BENCH ${parsed.name}: ${k} is not a number`);
  }
  return {
    name: parsed.name,
    metrics: parsed.metrics,
    ratios: parsed.ratios ?? {},
    baseline: typeof parsed.baseline === 'string' ? parsed.baseline : '',
  };
}

/** What a metric measures, from its name's unit suffix (BENCHMARKS.md: names say their unit). */
export type MetricKind = 'latency' | 'throughput' | 'other';

export function metricKind(metric: string): MetricKind {
  const leaf = metric.split('.').at(-1)!;
  if (/Ms$/.test(leaf)) return 'latency';
  if (/(PerSec|Rps|rps|opsPerSec|reqPerSec|PerSecond)$/.test(leaf)) return 'throughput';
  return 'other';
}

/** `ours.p99Ms` → { group: 'ours', leaf: 'p99Ms' }; a name without a dot is its own leaf. */
export function splitMetric(metric: string): { group: string; leaf: string } {
  const dot = metric.lastIndexOf('.');
  return dot === -1
    ? { group: '', leaf: metric }
    : { group: metric.slice(0, dot), leaf: metric.slice(dot + 1) };
}
