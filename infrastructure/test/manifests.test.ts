import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  renderKustomization,
  renderKustomizationWithOrigins,
} from '../src/kustomize/render-kustomization.js';
import { loadYamlDocuments } from '../src/manifests/load-yaml-documents.js';
import { isResource, type Resource, resourceId } from '../src/manifests/resource.js';
import type { LoadedManifestValidator } from '../src/validation/load-manifest-validator.js';
import { loadTestValidator } from './manifest-validator.js';
import { INFRA_DIR, OVERLAYS, overlayDir } from './paths.js';

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML; each assertion names the field it reads
type Any = any;

let validator: LoadedManifestValidator;
beforeAll(() => {
  validator = loadTestValidator();
}, 120_000);

const withOrigins = Object.fromEntries(
  OVERLAYS.map((o) => [o, renderKustomizationWithOrigins(overlayDir(o))]),
) as Record<(typeof OVERLAYS)[number], ReturnType<typeof renderKustomizationWithOrigins>>;
const rendered = Object.fromEntries(OVERLAYS.map((o) => [o, withOrigins[o].resources])) as Record<
  (typeof OVERLAYS)[number],
  Resource[]
>;
const find = (rs: Resource[], kind: string, name: string): Any => {
  const r = rs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!r) throw new Error(`no ${kind} ${name}`);
  return r;
};
const APPS = ['gateway', 'accounts', 'entities', 'investigations'];

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const rs = rendered[overlay];

  it('renders, and every object validates against its Kubernetes, Istio or operator CRD schema', () => {
    expect(rs.length).toBeGreaterThan(40);
    const { originOf } = withOrigins[overlay];
    expect(rs.flatMap((r) => validator.validate(r, originOf(r)))).toEqual([]);
  });

  it('deploys every service with probes, resources, a non-root read-only security context and graceful termination', () => {
    for (const app of APPS) {
      const d = find(rs, 'Deployment', app);
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      expect(pod.securityContext.runAsNonRoot, app).toBe(true);
      expect(pod.securityContext.runAsUser, app).toBeGreaterThan(0);
      expect(c.securityContext, app).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.livenessProbe.httpGet.path, app).toBe('/health');
      expect(c.readinessProbe.httpGet.path, app).toBe('/ready');
      expect(
        c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory,
        app,
      ).toBeTruthy();
      expect(c.lifecycle.preStop.exec.command, app).toEqual(['/bin/sleep', '5']);
      expect(pod.terminationGracePeriodSeconds, app).toBeGreaterThan(5 + 20);
      expect(d.spec.strategy.rollingUpdate.maxUnavailable, app).toBe(0);
      // Credentials only by reference to a Secret, never inline or in the ConfigMap.
      for (const e of c.env) {
        if (
          ['IDENTITY_SECRET', 'DATABASE_SHARDS', 'SHARD_MAP_URL', 'AMQP_URL', 'JWT_SECRET'].includes(e.name)
        ) {
          expect(e.valueFrom?.secretKeyRef, `${app} ${e.name}`).toBeDefined();
        }
      }
    }
  });

  it('autoscales each service on CPU and request rate, fast up and slow down, with a disruption budget', () => {
    for (const app of APPS) {
      const hpa = find(rs, 'HorizontalPodAutoscaler', app);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: app });
      expect(hpa.spec.metrics.map((m: Any) => m.resource?.name ?? m.pods?.metric.name)).toEqual([
        'cpu',
        'intelgraph_http_requests_per_second',
      ]);
      expect(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
      expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(300);
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      const pdb = find(rs, 'PodDisruptionBudget', app);
      expect(pdb.spec.selector.matchLabels.app).toBe(app);
    }
  });

  it('denies all traffic by default and lets only the gateway reach the subgraphs', () => {
    const deny = find(rs, 'NetworkPolicy', 'default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const sub = find(rs, 'NetworkPolicy', 'subgraphs-from-gateway');
    expect(sub.spec.ingress).toHaveLength(1);
    expect(sub.spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: { app: 'gateway' } } }]);
  });

  it('runs the stateful engines through their operators', () => {
    const kinds = new Set(rs.map((r) => `${r.apiVersion}/${r.kind}`));
    for (const k of [
      'postgresql.cnpg.io/v1/Cluster',
      'kafka.strimzi.io/v1/Kafka',
      'kafka.strimzi.io/v1/KafkaNodePool',
      'rabbitmq.com/v1beta1/RabbitmqCluster',
      'redis.redis.opstreelabs.in/v1beta2/RedisCluster',
    ]) {
      expect(kinds.has(k), k).toBe(true);
    }
    expect(rs.some((r) => r.kind === 'StatefulSet')).toBe(false);
    const clusters = rs.filter((r) => r.kind === 'Cluster');
    expect(clusters.map((s) => s.metadata.name)).toEqual(['pg-shard-0', 'pg-shard-1', 'pg-shard-map']);
  });

  it('routes the ingress 90/10 to the stable and canary gateway, with mTLS STRICT and least-request pools', () => {
    const vs = find(rs, 'VirtualService', 'gateway');
    const graphql = vs.spec.http.find((h: Any) => h.name === 'graphql');
    expect(graphql.route.map((r: Any) => [r.destination.subset, r.weight])).toEqual([
      ['stable', 90],
      ['canary', 10],
    ]);
    expect(graphql.timeout).toBeDefined();
    expect(graphql.retries.retryOn).not.toMatch(/5xx/);
    // Subscriptions (WebSocket upgrades, SSE and multipart responses): the same split, no
    // timeout and no retries, ahead of the request route.
    const subscriptions = vs.spec.http.find((h: Any) => h.name === 'graphql-subscriptions');
    expect(vs.spec.http.indexOf(subscriptions)).toBeLessThan(vs.spec.http.indexOf(graphql));
    expect(subscriptions.route.map((r: Any) => [r.destination.subset, r.weight])).toEqual([
      ['stable', 90],
      ['canary', 10],
    ]);
    expect(subscriptions.timeout).toBe('0s');
    expect(subscriptions.retries).toEqual({ attempts: 0 });
    const dr = find(rs, 'DestinationRule', 'gateway');
    expect(dr.spec.subsets.map((s: Any) => s.labels.track)).toEqual(['stable', 'canary']);
    const canary = find(rs, 'Deployment', 'gateway-canary');
    expect(canary.spec.template.metadata.labels).toMatchObject({ app: 'gateway', track: 'canary' });
    for (const app of APPS) {
      const rule = find(rs, 'DestinationRule', app);
      expect(rule.spec.trafficPolicy.loadBalancer.simple).toBe('LEAST_REQUEST');
      expect(rule.spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBeGreaterThan(0);
      expect(rule.spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests).toBeGreaterThan(0);
    }
    expect(find(rs, 'PeerAuthentication', 'default').spec.mtls.mode).toBe('STRICT');
  });

  it('retries HTTP routes only on HTTP conditions (no gRPC-only status like unavailable), subgraphs on 503', () => {
    const GRPC_ONLY = ['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable'];
    const virtualServices = rs.filter((r) => r.kind === 'VirtualService') as Any[];
    for (const vs of virtualServices) {
      for (const route of vs.spec.http ?? []) {
        const conditions = String(route.retries?.retryOn ?? '')
          .split(',')
          .filter(Boolean);
        expect(
          conditions.filter((c) => GRPC_ONLY.includes(c)),
          `${vs.metadata.name}`,
        ).toEqual([]);
      }
    }
    for (const app of APPS.slice(1)) {
      const requests = find(rs, 'VirtualService', app).spec.http.find((h: Any) => !h.match);
      expect(requests.retries.retryOn.split(',')).toContain('503');
    }
  });

  it('lets only the gateway identity call each subgraph (AuthorizationPolicy)', () => {
    for (const app of APPS.slice(1)) {
      const policies = rs.filter(
        (r: Any) => r.kind === 'AuthorizationPolicy' && r.spec.selector?.matchLabels?.app === app,
      ) as Any[];
      expect(policies).toHaveLength(1);
      const principals = policies[0].spec.rules.flatMap((rule: Any) =>
        rule.from.flatMap((f: Any) => f.source.principals),
      );
      expect(principals).toEqual(['cluster.local/ns/intelgraph/sa/gateway']);
    }
    expect(find(rs, 'AuthorizationPolicy', 'allow-nothing').spec).toEqual({});
  });
});

describe('overlay differences', () => {
  it('sizes dev down and prod up', () => {
    const replicas = (o: (typeof OVERLAYS)[number]) =>
      find(rendered[o], 'Deployment', 'entities').spec.replicas;
    expect(replicas('dev')).toBe(1);
    expect(replicas('prod')).toBe(3);
    expect(find(rendered.dev, 'Cluster', 'pg-shard-0').spec.instances).toBe(1);
    expect(find(rendered.dev, 'Cluster', 'pg-shard-0').spec.postgresql.synchronous).toBeUndefined();
    expect(find(rendered.prod, 'Cluster', 'pg-shard-0').spec.postgresql.synchronous).toEqual({
      method: 'any',
      number: 1,
    });
    expect(find(rendered.prod, 'HorizontalPodAutoscaler', 'gateway').spec.maxReplicas).toBe(30);
    // The shards are sized per environment; the shard map's Cluster stays small (dev: one instance).
    expect(find(rendered.prod, 'Cluster', 'pg-shard-0').spec.storage.size).toBe('200Gi');
    expect(find(rendered.prod, 'Cluster', 'pg-shard-map').spec.storage.size).toBe('2Gi');
    expect(find(rendered.staging, 'Cluster', 'pg-shard-map').spec.storage.size).toBe('2Gi');
    expect(find(rendered.dev, 'Cluster', 'pg-shard-map').spec.instances).toBe(1);
    expect(find(rendered.prod, 'Cluster', 'pg-shard-map').spec.postgresql.synchronous).toEqual({
      method: 'any',
      number: 1,
    });
    expect(find(rendered.dev, 'ConfigMap', 'intelgraph-config').data.LOG_LEVEL).toBe('debug');
    expect(find(rendered.prod, 'ConfigMap', 'intelgraph-config').data.REDIS_URL).toMatch(/^redis:\/\//);
  });

  it('gives each environment its own host and image tags; the prod canary runs the candidate', () => {
    expect(find(rendered.staging, 'Gateway', 'intelgraph').spec.servers[0].hosts).toEqual([
      'api.staging.intelgraph.example',
    ]);
    expect(find(rendered.dev, 'VirtualService', 'gateway').spec.hosts).toEqual([
      'api.dev.intelgraph.example',
    ]);
    const image = (o: (typeof OVERLAYS)[number], name: string) =>
      find(rendered[o], 'Deployment', name).spec.template.spec.containers[0].image;
    expect(image('dev', 'accounts')).toBe('ghcr.io/intelgraph/accounts:dev');
    expect(image('prod', 'gateway')).toBe('ghcr.io/intelgraph/gateway:0.1.0');
    expect(image('prod', 'gateway-canary')).toBe('ghcr.io/intelgraph/gateway:0.2.0-rc.1');
  });
});

describe('chaos manifests', () => {
  const dir = path.join(INFRA_DIR, 'istio', 'fault-injection');
  const base = renderKustomization(path.join(INFRA_DIR, 'istio'));
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it.each(files)('%s validates and replaces an existing VirtualService for the same host', (file) => {
    const docs = loadYamlDocuments(path.join(dir, file)).filter(isResource) as Any[];
    expect(docs).toHaveLength(1);
    const vs = docs[0];
    expect(validator.validate(vs)).toEqual([]);
    const original = find(base, 'VirtualService', vs.metadata.name);
    expect(vs.spec.hosts).toEqual(original.spec.hosts);
    expect(vs.spec.http[0].fault, resourceId(vs)).toBeDefined();
  });
});
