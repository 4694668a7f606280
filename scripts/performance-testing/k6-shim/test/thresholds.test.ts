import { describe, expect, it } from 'vitest';
import { durationMs, rampTarget } from '../k6-runner.js';
import { evaluateThresholds, type MetricSeries } from '../thresholds.js';

describe('k6 shim: durations, ramps, thresholds', () => {
  it('reads k6 durations', () => {
    expect(durationMs('1h2m3s')).toBe(3_723_000);
    expect(durationMs('30s')).toBe(30_000);
    expect(durationMs('0.5s')).toBe(500);
    expect(durationMs('250ms')).toBe(250);
    expect(() => durationMs('5 minutes')).toThrow(/bad duration/);
  });

  it('ramps VUs linearly within each stage, as ramping-vus does', () => {
    const stages = [
      { duration: '10s', target: 10 },
      { duration: '10s', target: 10 },
      { duration: '10s', target: 0 },
    ];
    expect([0, 5000, 10_000, 15_000, 25_000, 40_000].map((t) => rampTarget(0, stages, t))).toEqual([
      0, 5, 10, 10, 5, 0,
    ]);
  });

  it('evaluates percentiles, rates, counts and tag-filtered thresholds', () => {
    const series = new Map<string, MetricSeries>([
      [
        'http_req_duration',
        { type: 'trend', values: [10, 20, 30, 40, 1000], tags: Array(5).fill(undefined) },
      ],
      ['http_req_failed', { type: 'rate', values: [0, 0, 1, 0], tags: Array(4).fill(undefined) }],
      ['iterations', { type: 'counter', values: [1, 1, 1], tags: Array(3).fill(undefined) }],
      ['checks', { type: 'rate', values: [1, 0, 1], tags: [{ check: 'a' }, { check: 'b' }, { check: 'a' }] }],
    ]);
    const results = evaluateThresholds(
      {
        http_req_duration: ['p(95)<500', 'med<=30'],
        http_req_failed: ['rate<0.01'],
        iterations: ['count>2'],
        'checks{check:a}': ['rate==1'],
      },
      series,
      3,
    );
    expect(results.map((r) => [r.metric, r.expression, r.passed])).toEqual([
      ['http_req_duration', 'p(95)<500', false],
      ['http_req_duration', 'med<=30', true],
      ['http_req_failed', 'rate<0.01', false],
      ['iterations', 'count>2', true],
      ['checks{check:a}', 'rate==1', true],
    ]);
    expect(() => evaluateThresholds({ x: ['p95<1'] }, series, 1)).toThrow(/bad threshold/);
  });
});
