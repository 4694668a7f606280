import { aggregate, type MetricSeries, type ThresholdResult } from './thresholds.js';

/** k6's end-of-test summary, the parts this shim measures, and the thresholds with ✓/✗. */
export function formatSummary(
  series: ReadonlyMap<string, MetricSeries>,
  thresholds: readonly ThresholdResult[],
  seconds: number,
): string {
  const lines: string[] = [];
  const thresholdOf = (metric: string) => thresholds.filter((t) => t.metric.split('{')[0] === metric);
  for (const name of [...series.keys()].sort()) {
    const s = series.get(name)!;
    const ts = thresholdOf(name);
    const mark = ts.length === 0 ? ' ' : ts.every((t) => t.passed) ? '✓' : '✗';
    let value: string;
    if (s.type === 'trend') {
      const f = (agg: string) => `${agg}=${aggregate('trend', agg, s.values, seconds).toFixed(2)}ms`;
      value = ['avg', 'med', 'p(95)', 'p(99)', 'max'].map(f).join(' ');
    } else if (s.type === 'rate') {
      const yes = s.values.filter((v) => v !== 0).length;
      value = `${((100 * yes) / Math.max(1, s.values.length)).toFixed(2)}% ✓ ${yes} ✗ ${s.values.length - yes}`;
    } else if (s.type === 'counter') {
      const count = aggregate('counter', 'count', s.values, seconds);
      value = `${count} ${(count / Math.max(seconds, 1e-9)).toFixed(2)}/s`;
    } else {
      value = String(s.values.at(-1) ?? 0);
    }
    lines.push(`   ${mark} ${`${name}`.padEnd(26, '.')}: ${value}`);
  }
  lines.push('', '   thresholds:');
  for (const t of thresholds) {
    lines.push(`   ${t.passed ? '✓' : '✗'} ${t.metric} ${t.expression} (actual ${t.actual.toFixed(4)})`);
  }
  const failed = thresholds.filter((t) => !t.passed).length;
  lines.push('', `${thresholds.length - failed} passed, ${failed} failed`);
  return lines.join('\n');
}
