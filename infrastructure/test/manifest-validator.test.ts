import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderKustomizationWithOrigins } from '../src/kustomize/render-kustomization.js';
import { apiGroup, type Resource } from '../src/manifests/resource.js';
import { missingMessage } from '../src/validation/crd-registry.js';
import { defaultCrdsDir, type LoadedManifestValidator } from '../src/validation/load-manifest-validator.js';
import { FALLBACK_SCHEMAS } from '../src/validation/redis-cluster-schema.js';
import { loadTestValidator } from './manifest-validator.js';
import { INFRA_DIR, OVERLAYS, overlayDir, REPO_ROOT } from './paths.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests break manifests on purpose
type Any = any;

let validator: LoadedManifestValidator;
beforeAll(() => {
  validator = loadTestValidator();
}, 120_000);

const prod = renderKustomizationWithOrigins(overlayDir('prod'));
/** A copy of a prod object to break, and a function validating it with the original's origin. */
const brokenCopy = (kind: string, name: string): [Any, (r: Any) => string] => {
  const original = prod.resources.find((r) => r.kind === kind && r.metadata.name === name);
  if (!original) throw new Error(`no ${kind} ${name}`);
  return [
    structuredClone(original),
    (r) => validator.validate(r as Resource, prod.originOf(original)).join('\n'),
  ];
};
const at = (file: string, id: string) =>
  `infrastructure/kubernetes/base/${file}#\\d+( \\(patched by [^)]*\\))?: ${id.replace(/[./]/g, '\\$&')}: `;

describe('the upstream CRDs', () => {
  it('are there for every pinned operator release (or the release has a documented fallback)', () => {
    const crdsDir = defaultCrdsDir(REPO_ROOT, process.env);
    const withoutFallback = validator.missing.filter(
      (r) =>
        !Object.keys(FALLBACK_SCHEMAS).some((k) =>
          r.operator.groups.includes(apiGroup(k.split('/').slice(0, 2).join('/'))),
        ),
    );
    expect(withoutFallback.map((r) => missingMessage(crdsDir, r))).toEqual([]);
    // The redis operator's CRD is not among ../shared/crds yet: redis-cluster-schema.ts stands in.
    expect(validator.missing.map((r) => r.operator.title)).toEqual(['OT-Container-Kit redis operator']);
    expect(
      validator.releases.filter((r) => !validator.missing.includes(r)).map((r) => r.operator.title),
    ).toEqual(['Strimzi', 'CloudNativePG', 'RabbitMQ Cluster Operator']);
  });

  it.each(OVERLAYS)('serve every operator API version overlay %s uses', (overlay) => {
    const { resources, originOf } = renderKustomizationWithOrigins(overlayDir(overlay));
    const operatorObjects = resources.filter((r) =>
      validator.releases.some((rel) => rel.operator.groups.includes(apiGroup(r.apiVersion))),
    );
    expect(operatorObjects.length).toBeGreaterThan(5);
    expect(
      operatorObjects.flatMap((r) => validator.validate(r, originOf(r))).filter((p) => /not served/.test(p)),
    ).toEqual([]);
  });
});

describe('injected errors are reported with file, object and path', () => {
  it('an unknown field: in an operator resource, in its metadata and in a Kubernetes object', () => {
    const [kafka, check] = brokenCopy('Kafka', 'intelgraph');
    kafka.spec.kafka.listeners[0].tlss = true;
    kafka.metadata.label = {};
    const problems = check(kafka);
    expect(problems).toMatch(
      new RegExp(
        `${at('data/kafka.yaml', 'kafka.strimzi.io/v1/Kafka intelgraph-data/intelgraph')}/spec/kafka/listeners/0: unknown field 'tlss'`,
      ),
    );
    expect(problems).toMatch(/\/metadata: unknown field 'label'/);
    const [rabbit, checkRabbit] = brokenCopy('RabbitmqCluster', 'intelgraph-rabbitmq');
    rabbit.spec.override = {
      statefulSet: { spec: { template: { spec: { containers: [{ name: 'rabbitmq', imagee: 'x' }] } } } },
    };
    expect(checkRabbit(rabbit)).toMatch(
      /rabbitmq\.yaml#1\b.*\/spec\/override\/statefulSet\/spec\/template\/spec\/containers\/0: unknown field 'imagee'/,
    );
    const [d, checkD] = brokenCopy('Deployment', 'gateway');
    d.spec.template.spec.containers[0].readinesProbe = {};
    expect(checkD(d)).toMatch(
      new RegExp(
        `${at('services/gateway.yaml', 'apps/v1/Deployment intelgraph/gateway')}/spec/template/spec/containers/0: unknown field 'readinesProbe'`,
      ),
    );
  });

  it('a wrong type', () => {
    const [pg, check] = brokenCopy('Cluster', 'pg-shard-0');
    pg.spec.postgresql.parameters.max_connections = 300;
    pg.spec.instances = '3';
    const problems = check(pg);
    expect(problems).toMatch(
      new RegExp(
        `${at('data/postgres-shards.yaml', 'postgresql.cnpg.io/v1/Cluster intelgraph-data/pg-shard-0')}/spec/postgresql/parameters/max_connections must be string`,
      ),
    );
    expect(problems).toMatch(/\/spec\/instances must be integer/);
    const [d, checkD] = brokenCopy('Deployment', 'gateway');
    d.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(checkD(d)).toMatch(
      /gateway\.yaml#2.*\/spec\/template\/spec\/containers\/0\/ports\/0\/containerPort must be integer/,
    );
  });

  it('an API version the pinned release no longer serves', () => {
    const [kafka, check] = brokenCopy('Kafka', 'intelgraph');
    kafka.apiVersion = 'kafka.strimzi.io/v1beta2';
    expect(check(kafka)).toMatch(
      new RegExp(
        `${at('data/kafka.yaml', 'kafka.strimzi.io/v1beta2/Kafka intelgraph-data/intelgraph')}/apiVersion kafka.strimzi.io/v1beta2 is not served by Strimzi 1.2.0 \\(it serves Kafka as kafka.strimzi.io/v1\\)`,
      ),
    );
    const [hpa, checkHpa] = brokenCopy('HorizontalPodAutoscaler', 'gateway');
    hpa.apiVersion = 'autoscaling/v2beta2';
    expect(checkHpa(hpa)).toMatch(
      /\/apiVersion autoscaling\/v2beta2 is not served for HorizontalPodAutoscaler/,
    );
  });

  it('a bad enum value', () => {
    const [pool, check] = brokenCopy('KafkaNodePool', 'dual-role');
    pool.spec.roles = ['leader'];
    expect(check(pool)).toMatch(/kafka\.yaml#1\b.*\/spec\/roles\/0 must be one of "controller", "broker"/);
    const [kafka, checkKafka] = brokenCopy('Kafka', 'intelgraph');
    kafka.spec.kafka.listeners[1].type = 'public';
    expect(checkKafka(kafka)).toMatch(/\/spec\/kafka\/listeners\/1\/type must be one of "internal"/);
    const [pg, checkPg] = brokenCopy('Cluster', 'pg-shard-1');
    pg.spec.primaryUpdateStrategy = 'automatic';
    expect(checkPg(pg)).toMatch(
      /postgres-shards\.yaml#2\b.*\/spec\/primaryUpdateStrategy must be one of "unsupervised", "supervised"/,
    );
  });

  it('a kind with no schema at all', () => {
    const r: Resource = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'home-made-db' } };
    expect(validator.validate(r)).toEqual([expect.stringMatching(/no schema for apps\/v1\/StatefulSet/)]);
  });
});

describe('an error written into a manifest file', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'intelgraph-manifests-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('fails the overlay that renders it, naming the file and the path', () => {
    cpSync(path.join(INFRA_DIR, 'kubernetes'), path.join(root, 'kubernetes'), { recursive: true });
    cpSync(path.join(INFRA_DIR, 'istio'), path.join(root, 'istio'), { recursive: true });
    cpSync(path.join(INFRA_DIR, 'envoy'), path.join(root, 'envoy'), { recursive: true });
    const file = path.join(root, 'kubernetes', 'base', 'data', 'kafka.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      text
        .replace(
          'apiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic',
          'apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic',
        )
        .replace('    version: 4.1.1\n', '    version: 4.1.1\n    versoin: 4.1.1\n'),
    );
    const { resources, originOf } = renderKustomizationWithOrigins(
      path.join(root, 'kubernetes', 'overlays', 'staging'),
    );
    const problems = resources.flatMap((r) => validator.validate(r, originOf(r)));
    expect(problems).toEqual([
      expect.stringMatching(
        /kubernetes\/base\/data\/kafka\.yaml#2: kafka\.strimzi\.io\/v1\/Kafka intelgraph-data\/intelgraph: \/spec\/kafka: unknown field 'versoin'$/,
      ),
      expect.stringMatching(
        /kubernetes\/base\/data\/kafka\.yaml#3: kafka\.strimzi\.io\/v1beta2\/KafkaTopic intelgraph-data\/entity: \/apiVersion kafka\.strimzi\.io\/v1beta2 is not served by Strimzi 1\.2\.0/,
      ),
    ]);
  });
});
