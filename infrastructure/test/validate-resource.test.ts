import { describe, expect, it } from 'vitest';
import { renderKustomization } from '../src/kustomize/render-kustomization.js';
import type { Resource } from '../src/manifests/resource.js';
import { validateResource } from '../src/validation/validate-resource.js';
import { overlayDir } from './paths.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests break manifests on purpose
type Any = any;

const prod = renderKustomization(overlayDir('prod'));
const copyOf = (kind: string, name: string): Any =>
  structuredClone(prod.find((r) => r.kind === kind && r.metadata.name === name)!);

describe('validateResource', () => {
  it('rejects a Deployment whose container port is not a number (kubernetes-models)', () => {
    const d = copyOf('Deployment', 'gateway');
    d.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(validateResource(d).join('\n')).toMatch(/containerPort must be integer/);
  });

  it('rejects an HPA without scaleTargetRef and a VirtualService with a numeric timeout (Istio schema)', () => {
    const hpa = copyOf('HorizontalPodAutoscaler', 'gateway');
    delete hpa.spec.scaleTargetRef;
    expect(validateResource(hpa).join('\n')).toMatch(/scaleTargetRef/);
    const vs = copyOf('VirtualService', 'gateway');
    vs.spec.http[0].timeout = 10;
    expect(validateResource(vs).join('\n')).toMatch(/timeout must be string/);
  });

  it('rejects operator resources with a misspelt field, a wrong type or a bad enum', () => {
    const pg = copyOf('Cluster', 'pg-shard-0');
    pg.spec.postgresql.parameters.max_connections = 300;
    pg.spec.instance = 3;
    const problems = validateResource(pg).join('\n');
    expect(problems).toMatch(/max_connections must be string/);
    expect(problems).toMatch(/must NOT have additional properties 'instance'/);
    const pool = copyOf('KafkaNodePool', 'dual-role');
    pool.spec.roles = ['leader'];
    expect(validateResource(pool).join('\n')).toMatch(/roles\/0 must be equal to one of the allowed values/);
    const redis = copyOf('RedisCluster', 'redis-cluster');
    redis.spec.clusterSize = 1;
    expect(validateResource(redis).join('\n')).toMatch(/clusterSize must be >= 3/);
  });

  it('rejects a kind it has no schema for instead of passing it', () => {
    const r: Resource = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'home-made-db' } };
    expect(validateResource(r)).toEqual([expect.stringMatching(/no schema for apps\/v1\/StatefulSet/)]);
  });
});
