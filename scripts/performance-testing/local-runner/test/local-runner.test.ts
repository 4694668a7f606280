import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { authHeaders } from '../auth-headers.js';
import { classifyResponse, fillTemplate } from '../graphql-body.js';
import { mintHs256Jwt } from '../jwt.js';
import { latencyStats, percentile } from '../latency-stats.js';
import { assertLoopbackUrl } from '../loopback.js';
import { checkThresholds, type LoadResult, weightedSequence } from '../run-load.js';
import { loadScenarioConfig, parseDuration } from '../scenario-config.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const scenariosFile = path.join(dir, '..', 'scenarios.json');

describe('scenarios.json', () => {
  const config = loadScenarioConfig(scenariosFile);

  it('defines baseline, stress, spike and soak with the SLO thresholds', () => {
    expect(Object.keys(config.scenarios)).toEqual(['baseline', 'stress', 'spike', 'soak']);
    expect(config.thresholds).toEqual({ p95Ms: 500, p99Ms: 1000, errorRate: 0.01 });
  });

  it('keeps every local run short and small enough for one 2-core machine', () => {
    for (const [name, s] of Object.entries(config.scenarios)) {
      const seconds = s.localStages.reduce((sum, st) => sum + parseDuration(st.duration), 0);
      expect(seconds, name).toBeLessThanOrEqual(180);
      expect(Math.max(...s.localStages.map((st) => st.target)), name).toBeLessThanOrEqual(64);
    }
  });

  it('is what the k6 script reads, and the k6 thresholds come from it', () => {
    const k6 = readFileSync(path.join(dir, '..', '..', 'load-test.js'), 'utf8');
    expect(k6).toContain("open('./local-runner/scenarios.json')");
    // The k6 threshold expressions are template literals over the shared thresholds.
    for (const expr of ['p(95)<$' + '{t.p95Ms}', 'p(99)<$' + '{t.p99Ms}', 'rate<$' + '{t.errorRate}']) {
      expect(k6).toContain(`\`${expr}\``);
    }
    expect(k6).toContain("executor: 'ramping-vus'");
  });
});

describe('runner helpers', () => {
  it('parses k6 durations', () => {
    expect(parseDuration('30s')).toBe(30);
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('1m30s')).toBe(90);
    expect(() => parseDuration('5 minutes')).toThrow(/bad duration/);
  });

  it('computes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(latencyStats([5, 1, 3])).toMatchObject({ count: 3, p50Ms: 3, maxMs: 5, meanMs: 3 });
    expect(latencyStats([]).p99Ms).toBe(0);
  });

  it('interleaves operations in proportion to their weights', () => {
    const ops = [
      { name: 'a', kind: 'read', weight: 3, query: '' },
      { name: 'b', kind: 'write', weight: 1, query: '' },
    ] as const;
    expect(weightedSequence(ops).map((o) => o.name)).toEqual(['a', 'b', 'a', 'a']);
  });

  it('classifies GraphQL responses as a client sees them', () => {
    expect(classifyResponse(200, '{"data":{"a":1}}').ok).toBe(true);
    expect(classifyResponse(200, '{"data":null,"errors":[{"extensions":{"code":"X"}}]}')).toMatchObject({
      ok: false,
      code: 'X',
    });
    expect(classifyResponse(502, '')).toMatchObject({ ok: false, code: 'HTTP_502' });
    expect(classifyResponse(200, 'not json')).toMatchObject({ ok: false, code: 'BAD_RESPONSE' });
    expect(fillTemplate({ a: ['x-{{uid}}'], b: 1 }, '7')).toEqual({ a: ['x-7'], b: 1 });
  });

  it('refuses any target that is not loopback', () => {
    expect(assertLoopbackUrl('http://127.0.0.1:4000/graphql').port).toBe('4000');
    expect(assertLoopbackUrl('http://localhost/graphql').hostname).toBe('localhost');
    expect(assertLoopbackUrl('http://[::1]:4000/').hostname).toBe('[::1]');
    for (const bad of [
      'http://10.0.0.5/graphql',
      'https://example.com/',
      'http://192.168.1.2:4000/',
      'http://[::2]/',
    ]) {
      expect(() => assertLoopbackUrl(bad)).toThrow(/only loopback/);
    }
  });

  it('mints HS256 tokens the gateway can verify with JWT_SECRET', () => {
    const token = mintHs256Jwt({ sub: 'u', tenant: 't', scope: 'admin' }, 'secret-0123456789');
    const [h, p, s] = token.split('.');
    expect(createHmac('sha256', 'secret-0123456789').update(`${h}.${p}`).digest('base64url')).toBe(s);
    expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toMatchObject({
      sub: 'u',
      tenant: 't',
      scope: 'admin',
    });
    expect(authHeaders({ LOAD_TOKEN: 'abc' })).toEqual({ authorization: 'Bearer abc' });
    expect(authHeaders({})).toEqual({});
  });

  it('fails the thresholds the way k6 does', () => {
    const result = {
      requests: 1000,
      errors: 20,
      errorRate: 0.02,
      latency: { count: 1000, meanMs: 100, p50Ms: 80, p95Ms: 450, p99Ms: 1200, maxMs: 2000 },
    } as LoadResult;
    const checks = checkThresholds(result, { p95Ms: 500, p99Ms: 1000, errorRate: 0.01 });
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['p95 < limit (ms)', true],
      ['p99 < limit (ms)', false],
      ['error rate < limit', false],
      ['requests > 0', true],
    ]);
  });
});
