import { describe, expect, it } from 'vitest';
import { lastBenchLine, metricKind, splitMetric } from '../bench-line.js';
import { type BenchRun, byMagnitude, htmlReport, markdownReport } from '../build-report.js';

const output = [
  'warming up',
  'BENCH {"name":"old","metrics":{"x":1},"ratios":{},"baseline":"b"}',
  '| table |',
  'BENCH {"name":"federation","metrics":{"ours.p50Ms":2.5,"ours.p99Ms":9,"vanilla.p99Ms":12,"ours.reqPerSec":4100,"vanilla.reqPerSec":3000,"ours.rssMB":120},"ratios":{"reqPerSec":1.37,"p99Ms":0.75},"baseline":"vanilla @apollo/gateway"}',
].join('\n');

describe('BENCH lines', () => {
  it('takes the last BENCH line of an output', () => {
    const r = lastBenchLine(output)!;
    expect(r.name).toBe('federation');
    expect(r.ratios).toEqual({ reqPerSec: 1.37, p99Ms: 0.75 });
    expect(lastBenchLine('no result here')).toBeUndefined();
  });

  it('rejects a malformed line rather than reporting nonsense', () => {
    expect(() => lastBenchLine('BENCH {"metrics":{}}')).toThrow(/malformed/);
    expect(() => lastBenchLine('BENCH {"name":"x","metrics":{"a":"fast"}}')).toThrow(/a is not a number/);
  });

  it('reads the unit from the metric name', () => {
    expect(metricKind('ours.p99Ms')).toBe('latency');
    expect(metricKind('opsPerSec')).toBe('throughput');
    expect(metricKind('baseline.reqPerSec')).toBe('throughput');
    expect(metricKind('rssMB')).toBe('other');
    expect(metricKind('broadcastCountRemoteMs')).toBe('latency');
    expect(splitMetric('a.b.p95Ms')).toEqual({ group: 'a.b', leaf: 'p95Ms' });
  });
});

describe('report', () => {
  const runs: BenchRun[] = [
    { source: '@intelgraph/performance-testing', status: 'ok', seconds: 42, result: lastBenchLine(output)! },
    { source: '@intelgraph/database-sharding', status: 'failed', seconds: 3, tail: 'Error: <boom> & more' },
  ];
  const meta = { date: '2026-11-22T18:00:00Z', machine: '2 cores' };

  it('tabulates figures and ratios, and lists failures with their output', () => {
    const md = markdownReport(runs, meta);
    expect(md).toContain('| ours.p99Ms | 9 | — |');
    expect(md).toContain('| reqPerSec | — | 1.370 |');
    expect(md).toContain('| — | @intelgraph/database-sharding | failed | 3 s |');
    expect(md).toContain('Error: <boom> & more');
  });

  it('charts figures of very different size separately', () => {
    const bars = [
      { label: 'a', value: 3_000_000 },
      { label: 'b', value: 1900 },
      { label: 'c', value: 7_000_000 },
      { label: 'd', value: 2400 },
    ];
    expect(byMagnitude(bars).map((g) => g.map((b) => b.label))).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
  });

  it('renders an HTML page with latency, throughput and ratio charts that needs no network', () => {
    const html = htmlReport(runs, meta);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('federation: latency percentiles');
    expect(html).toContain('ours p99Ms');
    expect(html).toContain('federation: throughput');
    expect(html).toContain('×1 (same as baseline; log scale)');
    // Escaped output, no script, nothing fetched from elsewhere.
    expect(html).toContain('Error: &lt;boom&gt; &amp; more');
    expect(html).not.toMatch(/<script|\ssrc=|<link|@import|url\(/i);
    expect(html).not.toMatch(/href="https?:/);
  });
});
