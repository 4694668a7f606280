import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  PROMETHEUS_RULE_MANIFEST,
  prometheusRuleManifest,
  RULES_FILE,
} from '../src/observability/prometheus-rule-manifest.js';
import { INFRA_DIR } from './paths.js';

describe('PrometheusRule manifest', () => {
  const rules = readFileSync(path.join(INFRA_DIR, RULES_FILE), 'utf8');

  it('is generated from the rule file and up to date (run `pnpm --filter @intelgraph/infrastructure generate`)', () => {
    expect(readFileSync(path.join(INFRA_DIR, PROMETHEUS_RULE_MANIFEST), 'utf8')).toBe(
      prometheusRuleManifest(rules),
    );
  });

  it('carries every group and rule of the rule file', () => {
    const manifest = parse(prometheusRuleManifest(rules));
    expect(manifest.spec.groups).toEqual(parse(rules).groups);
    const alerts = manifest.spec.groups.flatMap((g: { rules: { alert?: string }[] }) =>
      g.rules.flatMap((r) => (r.alert ? [r.alert] : [])),
    );
    // The alerts the issue asks for: latency SLO burn, error rate, cache hit rate, replica lag,
    // outbox lag, queue depth, DLQ growth.
    expect(alerts).toEqual(
      expect.arrayContaining([
        'GraphQLLatencySLOFastBurn',
        'GraphQLLatencySLOSlowBurn',
        'GraphQLErrorRateHigh',
        'CacheHitRateLow',
        'ShardReplicaLagHigh',
        'OutboxLagHigh',
        'QueueDepthHigh',
        'DeadLetterQueueGrowing',
      ]),
    );
  });
});
