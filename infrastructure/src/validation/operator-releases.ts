import { loadYamlDocuments } from '../manifests/load-yaml-documents.js';

/*
 * The operators the data layer runs on. Their versions are written once, in the kustomize
 * component that installs them (kubernetes/components/operators/kustomization.yaml): this module
 * reads them from the release URLs there, so the validation (crd-registry.ts) always uses the
 * CRDs of the release that is installed.
 */

/** Path of the component, relative to infrastructure/. */
export const OPERATORS_COMPONENT = 'kubernetes/components/operators/kustomization.yaml';

export interface OperatorDefinition {
  /** How people name it (README table). */
  readonly title: string;
  /** GitHub repository, as it appears in the release URL. */
  readonly repository: string;
  /** The API groups its CRDs define. */
  readonly groups: readonly string[];
  /** Folder of its CRDs for a version (as laid out in `../shared/crds`). */
  crdFolder(version: string): string;
  /** Where the CRD files are in that release's source tree (said when the folder is missing). */
  readonly crdSource: string;
}

export const OPERATOR_DEFINITIONS: readonly OperatorDefinition[] = [
  {
    title: 'Strimzi',
    repository: 'strimzi/strimzi-kafka-operator',
    groups: ['kafka.strimzi.io', 'core.strimzi.io'],
    crdFolder: (v) => `strimzi-${v}`,
    crdSource: 'packaging/install/cluster-operator/04*-Crd-*.yaml',
  },
  {
    title: 'CloudNativePG',
    repository: 'cloudnative-pg/cloudnative-pg',
    groups: ['postgresql.cnpg.io'],
    crdFolder: (v) => `cloudnative-pg-${v}`,
    crdSource: 'config/crd/bases/postgresql.cnpg.io_*.yaml',
  },
  {
    title: 'RabbitMQ Cluster Operator',
    repository: 'rabbitmq/cluster-operator',
    groups: ['rabbitmq.com'],
    crdFolder: (v) => `rabbitmq-cluster-operator-${v}`,
    crdSource: 'config/crd/bases/rabbitmq.com_rabbitmqclusters.yaml',
  },
  {
    title: 'OT-Container-Kit redis operator',
    repository: 'OT-CONTAINER-KIT/redis-operator',
    groups: ['redis.redis.opstreelabs.in'],
    crdFolder: (v) => `redis-operator-${v}`,
    crdSource: 'config/crd/bases/redis.redis.opstreelabs.in_*.yaml',
  },
];

export interface OperatorRelease {
  readonly operator: OperatorDefinition;
  /** `1.2.0` (without a leading `v`). */
  readonly version: string;
  /** The resource line of the component it was read from. */
  readonly url: string;
}

/** The repository and version of a release URL (`…/<owner>/<repo>/releases/download/v1.2.0/…`, `…?ref=v1.2.0`). */
function parseReleaseUrl(url: string): { repository: string; version: string } | undefined {
  const m =
    /^https:\/\/github\.com\/([^/]+\/[^/]+)\/releases\/download\/v?(\d+\.\d+\.\d+)\//.exec(url) ??
    /^https:\/\/github\.com\/([^/]+\/[^/?]+)\/.*[?&]ref=v?(\d+\.\d+\.\d+)$/.exec(url);
  return m ? { repository: m[1]!, version: m[2]! } : undefined;
}

/**
 * The operator releases the component installs. Fails on a resource that is not a release of a
 * known operator, or on an operator listed twice or not at all.
 */
export function readOperatorReleases(componentFile: string): OperatorRelease[] {
  const [doc] = loadYamlDocuments(componentFile) as [{ kind?: string; resources?: unknown }];
  if (doc?.kind !== 'Component') throw new Error(`${componentFile}: kind must be Component`);
  const resources = Array.isArray(doc.resources) ? (doc.resources as unknown[]) : [];
  const releases: OperatorRelease[] = [];
  for (const [i, url] of resources.entries()) {
    const parsed = typeof url === 'string' ? parseReleaseUrl(url) : undefined;
    const operator = OPERATOR_DEFINITIONS.find((o) => o.repository === parsed?.repository);
    if (!parsed || !operator) {
      throw new Error(
        `${componentFile}: resources[${i}] ${JSON.stringify(url)} is not a release of a known operator (${OPERATOR_DEFINITIONS.map((o) => o.repository).join(', ')})`,
      );
    }
    if (releases.some((r) => r.operator === operator)) {
      throw new Error(`${componentFile}: ${operator.title} is listed twice`);
    }
    releases.push({ operator, version: parsed.version, url: url as string });
  }
  for (const o of OPERATOR_DEFINITIONS) {
    if (!releases.some((r) => r.operator === o))
      throw new Error(`${componentFile}: no release of ${o.title}`);
  }
  return releases;
}
