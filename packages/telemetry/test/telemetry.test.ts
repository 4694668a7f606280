import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  counter,
  createLogger,
  createMetricsRegistry,
  histogram,
  requestLogger,
  resolveRequestId,
} from '../src/index.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON with the service, level label and request id, and redacts secrets', () => {
    const out = capture();
    const logger = createLogger({ service: 'gateway', destination: out.stream });
    requestLogger(logger, 'req-1').info(
      { headers: { authorization: 'Bearer abc' }, db: { password: 'pw', host: 'h' } },
      'hello',
    );
    const [line] = out.lines();
    expect(line).toMatchObject({ service: 'gateway', level: 'info', requestId: 'req-1', msg: 'hello' });
    expect(JSON.stringify(line)).not.toContain('Bearer abc');
    expect(JSON.stringify(line)).not.toContain('"pw"');
    expect(line).toMatchObject({ db: { host: 'h', password: '[redacted]' } });
  });
});

describe('resolveRequestId', () => {
  it('keeps a sane incoming id and replaces a hostile one', () => {
    expect(resolveRequestId('abc-123')).toBe('abc-123');
    expect(resolveRequestId(['first', 'second'])).toBe('first');
    const replaced = resolveRequestId('evil\n{"level":"fatal"}');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    expect(resolveRequestId(undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('metrics registry', () => {
  it('isolates registries and reuses a metric registered twice', async () => {
    const a = createMetricsRegistry({ defaultLabels: { service: 'a' }, collectDefaults: false });
    const b = createMetricsRegistry({ collectDefaults: false });
    const c1 = counter(a, { name: 'ig_test_total', help: 'test', labelNames: ['shard'] });
    const c2 = counter(a, { name: 'ig_test_total', help: 'test', labelNames: ['shard'] });
    expect(c2).toBe(c1);
    c1.inc({ shard: 's1' }, 2);
    histogram(a, { name: 'ig_latency_seconds', help: 'latency', buckets: [0.1, 1] }).observe(0.5);
    const text = await a.metrics();
    expect(text).toContain('ig_test_total{shard="s1",service="a"} 2');
    expect(text).toContain('ig_latency_seconds_bucket{le="1",service="a"} 1');
    expect(await b.metrics()).not.toContain('ig_test_total');
  });
});
