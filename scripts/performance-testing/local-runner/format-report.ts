import type { LoadResult, ThresholdCheck } from './run-load.js';
import type { Thresholds } from './scenario-config.js';

const n = (v: number, digits = 1): string => v.toFixed(digits);

/** A readable table of one scenario's result and its threshold checks. */
export function formatLoadReport(
  scenario: string,
  result: LoadResult,
  checks: readonly ThresholdCheck[],
): string {
  const lines = [
    `scenario ${scenario}: ${result.requests} requests in ${n(result.durationSeconds)} s (${n(result.rps)} req/s)`,
    '',
    '| metric | value |',
    '| --- | --- |',
    `| p50 | ${n(result.latency.p50Ms)} ms |`,
    `| p95 | ${n(result.latency.p95Ms)} ms |`,
    `| p99 | ${n(result.latency.p99Ms)} ms |`,
    `| max | ${n(result.latency.maxMs)} ms |`,
    `| errors | ${result.errors} (${n(result.errorRate * 100, 2)} %) |`,
    `| writes acknowledged | ${result.acknowledged.length} |`,
    '',
    '| operation | requests | errors |',
    '| --- | --- | --- |',
    ...Object.entries(result.perOperation).map(([op, s]) => `| ${op} | ${s.requests} | ${s.errors} |`),
  ];
  if (Object.keys(result.errorCodes).length > 0) {
    lines.push(
      '',
      `error codes: ${Object.entries(result.errorCodes)
        .map(([c, k]) => `${c}=${k}`)
        .join(', ')}`,
    );
  }
  lines.push('', '| threshold | limit | actual | |', '| --- | --- | --- | --- |');
  for (const c of checks) {
    lines.push(
      `| ${c.name} | ${c.limit} | ${Number.isInteger(c.actual) ? c.actual : n(c.actual, 4)} | ${c.ok ? 'pass' : 'FAIL'} |`,
    );
  }
  return lines.join('\n');
}

/** The machine-readable last line (BENCHMARKS.md): figures of every scenario run. */
export function benchLine(results: Readonly<Record<string, LoadResult>>, t: Thresholds): string {
  const metrics: Record<string, number> = {};
  const ratios: Record<string, number> = {};
  for (const [name, r] of Object.entries(results)) {
    metrics[`${name}.rps`] = Math.round(r.rps * 10) / 10;
    metrics[`${name}.p50Ms`] = Math.round(r.latency.p50Ms * 10) / 10;
    metrics[`${name}.p95Ms`] = Math.round(r.latency.p95Ms * 10) / 10;
    metrics[`${name}.p99Ms`] = Math.round(r.latency.p99Ms * 10) / 10;
    metrics[`${name}.errorRate`] = Math.round(r.errorRate * 1e5) / 1e5;
    ratios[`${name}.p95Ms`] = Math.round((r.latency.p95Ms / t.p95Ms) * 1000) / 1000;
    ratios[`${name}.p99Ms`] = Math.round((r.latency.p99Ms / t.p99Ms) * 1000) / 1000;
  }
  const baseline = `the SLO thresholds (p95 ${t.p95Ms} ms, p99 ${t.p99Ms} ms, errors ${t.errorRate * 100} %)`;
  return `BENCH ${JSON.stringify({ name: 'load', metrics, ratios, baseline })}`;
}
