/**
 * `pnpm --filter @intelgraph/advanced-caching bench`: every scenario, ours and bentocache in the
 * same run, a table, and as the last line `BENCH {json}` (docs/benchmarks.md).
 */
import { cpus } from 'node:os';
import type { Measured } from './harness.js';
import { mget100 } from './scenarios/mget.js';
import { readThrough100 } from './scenarios/read-through.js';
import { singleKeyReads } from './scenarios/single-key-reads.js';
import { zipfHitRate } from './scenarios/zipf-hit-rate.js';

const rows: string[][] = [];
const metrics: Record<string, number> = {};
const ratios: Record<string, number> = {};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number) => `${(n * 100).toFixed(1)} %`;

function record(
  label: string,
  metric: string,
  ours: Measured,
  baseline: Measured,
  baselineLabel = 'bentocache',
): void {
  const ratio = ours.opsPerSec / baseline.opsPerSec;
  metrics[`${metric}OpsPerSec`] = Math.round(ours.opsPerSec);
  metrics[`${metric}BaselineOpsPerSec`] = Math.round(baseline.opsPerSec);
  metrics[`${metric}CpuUsPerOp`] = Number(ours.cpuUsPerOp.toFixed(2));
  metrics[`${metric}BaselineCpuUsPerOp`] = Number(baseline.cpuUsPerOp.toFixed(2));
  ratios[metric] = Number(ratio.toFixed(2));
  // CPU per operation, ours ÷ baseline: below 1 means ours costs less.
  ratios[`${metric}CpuPerOp`] = Number((ours.cpuUsPerOp / baseline.cpuUsPerOp).toFixed(2));
  rows.push([
    label,
    `${fmt(ours.opsPerSec)} ±${ours.spreadPct.toFixed(0)}%`,
    `${fmt(baseline.opsPerSec)} ±${baseline.spreadPct.toFixed(0)}%`,
    baselineLabel,
    `${ratio.toFixed(2)}x`,
    `${ours.cpuUsPerOp.toFixed(2)} / ${baseline.cpuUsPerOp.toFixed(2)}`,
    `${(ours.cpuUsPerOp / baseline.cpuUsPerOp).toFixed(2)}x`,
  ]);
  process.stderr.write(`  done: ${label}\n`);
}

const [l1Ours, l1Bento] = await singleKeyReads('l1', 'get');
record('L1 get', 'l1Get', l1Ours!, l1Bento!);
const [tOurs, tBento] = await singleKeyReads('tiered', 'get');
record('tiered get (L1 hit)', 'tieredGet', tOurs!, tBento!);
const [gOurs, gBento] = await singleKeyReads('tiered', 'getOrSet');
record('getOrSet hit (tiered)', 'getOrSetHit', gOurs!, gBento!);
const [l2Ours, l2Bento] = await singleKeyReads('l2', 'get');
record('L2 get (Redis on loopback)', 'l2Get', l2Ours!, l2Bento!);
const [mget, seq, bentoSeq] = await mget100();
record('mget 100 keys (batches/s)', 'mget100', mget!, seq!, 'ours 100 x get');
rows.push([
  '  (bentocache 100 x get)',
  '',
  `${fmt(bentoSeq!.opsPerSec)} ±${bentoSeq!.spreadPct.toFixed(0)}%`,
  'bentocache',
  `${(mget!.opsPerSec / bentoSeq!.opsPerSec).toFixed(2)}x`,
  `${mget!.cpuUsPerOp.toFixed(2)} / ${bentoSeq!.cpuUsPerOp.toFixed(2)}`,
  `${(mget!.cpuUsPerOp / bentoSeq!.cpuUsPerOp).toFixed(2)}x`,
]);
ratios.mget100VsBentoSequential = Number((mget!.opsPerSec / bentoSeq!.opsPerSec).toFixed(2));
for (const temperature of ['hot', 'cold'] as const) {
  const [rt, handRolled] = await readThrough100(temperature);
  record(
    `readThrough 100 keys, ${temperature} (batches/s)`,
    `readThrough100${temperature === 'hot' ? 'Hot' : 'Cold'}`,
    rt!,
    handRolled!,
    'hand-rolled mget → fence → mset',
  );
}
process.stderr.write('  running Zipf hit-rate stream...\n');
const zipf = await zipfHitRate();
metrics.zipfL1HitRate = Number(zipf.l1.toFixed(4));
metrics.zipfL2HitRate = Number(zipf.l2.toFixed(4));
metrics.zipfOverallHitRate = Number(zipf.overall.toFixed(4));
metrics.zipfBaselineOverallHitRate = Number(zipf.bentoOverall.toFixed(4));
ratios.zipfOverallHitRate = Number((zipf.overall / zipf.bentoOverall).toFixed(3));

const header = [
  'scenario',
  'ours (ops/s)',
  'baseline (ops/s)',
  'baseline',
  'ratio',
  'CPU µs/op ours / baseline',
  'CPU ratio',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(
  `advanced-caching benchmark — node ${process.version}, ${cpus().length} CPUs, Redis on loopback; median of 5 interleaved rounds, ± = spread; CPU = this process's user+system time per op`,
);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
console.log('');
console.log(
  `Zipf s=1.0, 100,000 keys, L1 = 10,000 entries (10 %), ${fmt(zipf.requests)} measured requests after ${fmt(zipf.warmup)} warm-up:`,
);
console.log(
  `  hit rate L1 ${pct(zipf.l1)}, L2 ${pct(zipf.l2)}, overall ${pct(zipf.overall)} (bentocache overall ${pct(zipf.bentoOverall)})`,
);
console.log(
  `BENCH ${JSON.stringify({ name: 'advanced-caching', metrics, ratios, baseline: 'bentocache 1.6.1 configured the same way (memory L1 10k entries serialize:false, redis L2, redis bus); mget vs 100 sequential gets' })}`,
);
process.exit(0);
