import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderKustomization } from '../src/kustomize/render-kustomization.js';
import type { Resource } from '../src/manifests/resource.js';
import {
  checkDatabaseAddressing,
  hostsIn,
  inClusterService,
  parseSecretsTable,
  renderedServices,
} from '../src/validation/database-addressing.js';
import { SERVICES } from '../src/validation/service-catalog.js';
import { loadServiceContract } from '../src/validation/service-contract.js';
import { INFRA_DIR, OVERLAYS, overlayDir, REPO_ROOT } from './paths.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests break manifests on purpose
type Any = any;

const documentedSecrets = parseSecretsTable(readFileSync(path.join(INFRA_DIR, 'README.md'), 'utf8'));
/** The sharded subgraphs: services whose own config reads SHARD_MAP_URL. */
const shardedApps: string[] = [];
for (const s of SERVICES) {
  const contract = await loadServiceContract(REPO_ROOT, s);
  if (contract.variables.has('SHARD_MAP_URL')) shardedApps.push(s.app);
}
const rendered = Object.fromEntries(OVERLAYS.map((o) => [o, renderKustomization(overlayDir(o))])) as Record<
  (typeof OVERLAYS)[number],
  Resource[]
>;
const find = (rs: readonly Resource[], kind: string, name: string): Any => {
  const r = rs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!r) throw new Error(`no ${kind} ${name}`);
  return r;
};
const envOf = (rs: readonly Resource[], app: string): Any[] =>
  find(rs, 'Deployment', app).spec.template.spec.containers.find((c: Any) => c.name === app).env;

describe('the documented Secrets and the sharded subgraphs', () => {
  it('reads the Secrets table of the README, and finds the three sharded subgraphs by their config', () => {
    expect([...documentedSecrets.keys()]).toEqual(
      expect.arrayContaining([
        'intelgraph-identity/IDENTITY_SECRET',
        'intelgraph-database/SHARD_MAP_URL',
        'intelgraph-database/DATABASE_SHARDS',
        'intelgraph-rabbitmq/AMQP_URL',
      ]),
    );
    expect(shardedApps.sort()).toEqual(['accounts', 'entities', 'investigations']);
  });
});

describe.each(OVERLAYS)('overlay %s: how the services reach their databases', (overlay) => {
  const rs = rendered[overlay];

  it('every sharded subgraph follows the stored shard map, no Service selects an instance by name, every host exists', () => {
    expect(checkDatabaseAddressing({ resources: rs, shardedApps, documentedSecrets })).toEqual([]);
  });

  it('SHARD_MAP_URL comes from the Secret whose documented URL is the pg-shard-map Cluster primary', () => {
    for (const app of shardedApps) {
      const env = envOf(rs, app);
      const mapUrl = env.find((e: Any) => e.name === 'SHARD_MAP_URL');
      expect(mapUrl?.valueFrom?.secretKeyRef, app).toEqual({
        name: 'intelgraph-database',
        key: 'SHARD_MAP_URL',
      });
      expect(
        env.some((e: Any) => e.name === 'DATABASE_SHARDS'),
        app,
      ).toBe(false);
    }
    const hosts = hostsIn(documentedSecrets.get('intelgraph-database/SHARD_MAP_URL')!);
    expect(hosts.map((h) => h.host)).toEqual(['pg-shard-map-rw.intelgraph-data.svc']);
    const target = renderedServices(rs).get(inClusterService(hosts[0]!.host, new Set(['intelgraph-data']))!);
    expect(target).toMatchObject({ owner: 'Cluster intelgraph-data/pg-shard-map (-rw)', cnpgRole: 'rw' });
  });

  it('each shard Cluster has a headless managed ro Service, named in its certificate, that the documented first map uses', () => {
    const shards = rs.filter(
      (r) => r.kind === 'Cluster' && r.metadata.labels?.['intelgraph.io/shard'] !== undefined,
    );
    expect(shards.map((s) => s.metadata.name)).toEqual(['pg-shard-0', 'pg-shard-1']);
    const firstMap = documentedSecrets.get('intelgraph-database/DATABASE_SHARDS')!;
    for (const shard of shards as Any[]) {
      const name = `${shard.metadata.name}-replicas`;
      expect(shard.spec.managed.services.additional).toEqual([
        expect.objectContaining({
          selectorType: 'ro',
          serviceTemplate: expect.objectContaining({
            metadata: expect.objectContaining({ name }),
            spec: { clusterIP: 'None' },
          }),
        }),
      ]);
      expect(shard.spec.certificates.serverAltDNSNames).toContain(`${name}.intelgraph-data.svc`);
      expect(firstMap).toContain(`@${name}.intelgraph-data.svc:5432/intelgraph?resolve=addresses`);
    }
  });
});

describe('checkDatabaseAddressing fails when', () => {
  const base = rendered.prod;
  const check = (rs: readonly Resource[], secrets: ReadonlyMap<string, string> = documentedSecrets) =>
    checkDatabaseAddressing({ resources: rs, shardedApps, documentedSecrets: secrets }).join('\n');
  const broken = (): Any[] => structuredClone(base) as Any[];

  it('a sharded subgraph does not set SHARD_MAP_URL, or sets DATABASE_SHARDS beside it', () => {
    const rs = broken();
    const entities = rs.find((r) => r.kind === 'Deployment' && r.metadata.name === 'entities');
    const env = entities.spec.template.spec.containers[0].env as Any[];
    env.splice(
      env.findIndex((e) => e.name === 'SHARD_MAP_URL'),
      1,
    );
    expect(check(rs)).toMatch(/Deployment entities: does not set SHARD_MAP_URL/);
    const rs2 = broken();
    rs2
      .find((r) => r.kind === 'Deployment' && r.metadata.name === 'accounts')
      .spec.template.spec.containers[0].env.push({
        name: 'DATABASE_SHARDS',
        valueFrom: { secretKeyRef: { name: 'intelgraph-database', key: 'DATABASE_SHARDS' } },
      });
    expect(check(rs2)).toMatch(/Deployment accounts: sets DATABASE_SHARDS beside SHARD_MAP_URL/);
  });

  it('SHARD_MAP_URL comes from a source that does not exist, or names something other than a primary', () => {
    const rs = broken();
    const env = rs.find((r) => r.kind === 'Deployment' && r.metadata.name === 'investigations').spec.template
      .spec.containers[0].env as Any[];
    env.find((e) => e.name === 'SHARD_MAP_URL').valueFrom = {
      configMapKeyRef: { name: 'intelgraph-config', key: 'SHARD_MAP_URL' },
    };
    expect(check(rs)).toMatch(
      /Deployment investigations: SHARD_MAP_URL refers to ConfigMap key intelgraph-config.SHARD_MAP_URL, which the render lacks/,
    );
    env.find((e) => e.name === 'SHARD_MAP_URL').valueFrom = {
      secretKeyRef: { name: 'intelgraph-shard-map', key: 'SHARD_MAP_URL' },
    };
    expect(check(rs)).toMatch(
      /reads Secret intelgraph-shard-map key SHARD_MAP_URL, which .* does not document/,
    );
    const secrets = new Map(documentedSecrets);
    secrets.set(
      'intelgraph-database/SHARD_MAP_URL',
      'postgres://u@pg-shard-map-r.intelgraph-data.svc:5432/shard_map',
    );
    expect(check(base, secrets)).toMatch(/the shard map is written and LISTENed on a primary/);
  });

  it('a database host is neither a rendered Service nor one an operator makes', () => {
    const rs = broken();
    rs.splice(
      rs.findIndex((r) => r.kind === 'Cluster' && r.metadata.name === 'pg-shard-map'),
      1,
    );
    expect(check(rs)).toMatch(
      /Secret intelgraph-database: SHARD_MAP_URL \(as documented\) names pg-shard-map-rw\.intelgraph-data\.svc, which is no Service/,
    );
    const rs2 = broken();
    rs2.find((r) => r.kind === 'ConfigMap' && r.metadata.name === 'intelgraph-config').data.KAFKA_BROKERS =
      'kafka.intelgraph-data.svc:9092';
    expect(check(rs2)).toMatch(
      /KAFKA_BROKERS \(ConfigMap intelgraph-config.KAFKA_BROKERS\) names kafka\.intelgraph-data\.svc/,
    );
  });

  it('a Service selects a CloudNativePG instance by its name', () => {
    const rs = broken();
    rs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'pg-shard-0-1', namespace: 'intelgraph-data' },
      spec: { selector: { 'cnpg.io/cluster': 'pg-shard-0', 'cnpg.io/instanceName': 'pg-shard-0-1' } },
    });
    expect(check(rs)).toMatch(
      /Service intelgraph-data\/pg-shard-0-1 selects the CloudNativePG instance pg-shard-0-1 by name/,
    );
  });

  it('replicas are a load-balanced Service, or the replica set is not headless or not over the standbys', () => {
    const secrets = new Map(documentedSecrets);
    const firstMap = documentedSecrets.get('intelgraph-database/DATABASE_SHARDS')!;
    secrets.set(
      'intelgraph-database/DATABASE_SHARDS',
      firstMap.replace(
        'pg-shard-0-replicas.intelgraph-data.svc:5432/intelgraph?resolve=addresses',
        'pg-shard-0-ro.intelgraph-data.svc:5432/intelgraph',
      ),
    );
    expect(check(base, secrets)).toMatch(/names pg-shard-0-ro\.intelgraph-data\.svc .*which load-balances/);
    const rs = broken();
    const shard = rs.find((r) => r.kind === 'Cluster' && r.metadata.name === 'pg-shard-1');
    delete shard.spec.managed.services.additional[0].serviceTemplate.spec.clusterIP;
    expect(check(rs)).toMatch(
      /the replica set pg-shard-1-replicas\.intelgraph-data\.svc must be a headless Service/,
    );
    shard.spec.managed.services.additional[0] = {
      selectorType: 'r',
      serviceTemplate: { metadata: { name: 'pg-shard-1-replicas' }, spec: { clusterIP: 'None' } },
    };
    expect(check(rs)).toMatch(
      /the replica set pg-shard-1-replicas\.intelgraph-data\.svc must be a headless Service over the standbys/,
    );
  });
});
