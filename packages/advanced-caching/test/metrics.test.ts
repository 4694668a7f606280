import { createMetricsRegistry } from '@intelgraph/telemetry';
import { describe, expect, it } from 'vitest';
import { MultiTierCache, registerCacheMetrics } from '../src/index.js';

describe('Prometheus metrics', () => {
  it('exposes hits and misses per tier, loader calls, waits, evictions and bytes for every cache on a registry', async () => {
    const registry = createMetricsRegistry({ collectDefaults: false });
    const apq = new MultiTierCache({ name: 'apq', l1: { maxSize: 2, maxBytes: 10_000 } });
    const entities = new MultiTierCache({ name: 'entities' });
    registerCacheMetrics(registry, apq);
    registerCacheMetrics(registry, entities);
    await apq.getOrSet('a', () => 1);
    await apq.getOrSet('a', () => 1);
    await Promise.all([apq.getOrSet('b', () => 2), apq.getOrSet('b', () => 2)]);
    await apq.set('c', 3);
    await entities.get('x');
    const text = await registry.metrics();
    expect(text).toContain('intelgraph_cache_hits_total{cache="apq",tier="l1"} 1');
    expect(text).toContain('intelgraph_cache_misses_total{cache="apq",tier="l1"} 2');
    expect(text).toContain('intelgraph_cache_misses_total{cache="entities",tier="l1"} 1');
    expect(text).toContain('intelgraph_cache_loader_calls_total{cache="apq"} 2');
    expect(text).toContain('intelgraph_cache_stampede_waits_total{cache="apq",scope="process"} 1');
    expect(text).toContain('intelgraph_cache_evictions_total{cache="apq"} 1');
    expect(text).toMatch(/intelgraph_cache_l1_bytes\{cache="apq"\} [1-9]/);
    // Values are read at scrape time: a second scrape reflects new activity, not a sum.
    await apq.getOrSet('c', () => 3);
    expect(await registry.metrics()).toContain('intelgraph_cache_hits_total{cache="apq",tier="l1"} 2');
  });
});
