import type { Resource } from '../manifests/resource.js';

type Obj = Record<string, unknown>;

/** What an in-cluster host name reaches: a Service in the render, or one an operator makes for a CR in it. */
export interface ServiceTarget {
  /** `Service ns/name`, or `<kind> ns/name (<how the operator names it>)`. */
  readonly owner: string;
  /** `clusterIP: None`: the name resolves to each ready pod's address. */
  readonly headless: boolean;
  /**
   * For CloudNativePG Services: `rw` (the primary), `ro` (the standbys), `r` (any instance);
   * undefined for other Services.
   */
  readonly cnpgRole: 'rw' | 'ro' | 'r' | undefined;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string };
    secretKeyRef?: { name: string; key: string };
  };
}

/** The value of a variable as far as the render and the documented Secrets tell. */
interface ResolvedValue {
  readonly text: string;
  readonly from: string;
}

/**
 * The Secrets the platform's secret manager creates (never in git): the table of
 * infrastructure/README.md, "Secrets" — `| \`<secret>\` | \`<key>\` | <content> |` — keyed
 * `<secret>/<key>`. It is the contract the manifests' secretKeyRefs are checked against.
 */
export function parseSecretsTable(readme: string): Map<string, string> {
  const rows = new Map<string, string>();
  const start = readme.indexOf('Secrets (created by');
  if (start === -1) return rows;
  for (const line of readme.slice(start).split('\n').slice(1)) {
    if (line.trim() === '') {
      if (rows.size > 0) break;
      continue;
    }
    const cells = line.split('|').map((c) => c.trim());
    const secret = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    const key = /^`([^`]+)`$/.exec(cells[2] ?? '')?.[1];
    if (secret && key) rows.set(`${secret}/${key}`, cells.slice(3, -1).join('|'));
  }
  return rows;
}

/**
 * Every in-cluster Service the render makes reachable, by `namespace/name`: the rendered
 * Services, and those the operators create for their CRs — CloudNativePG `<cluster>-rw`, `-ro`,
 * `-r` (unless disabled) and each `spec.managed.services.additional`; Strimzi
 * `<kafka>-kafka-bootstrap` / `-kafka-brokers`; RabbitMQ `<name>` / `<name>-nodes`; the
 * OT-Container-Kit redis operator `<name>-leader` / `-follower` (and their `-headless`).
 */
export function renderedServices(resources: readonly Resource[]): Map<string, ServiceTarget> {
  const out = new Map<string, ServiceTarget>();
  const add = (ns: string | undefined, name: string, target: ServiceTarget): void => {
    out.set(`${ns ?? 'default'}/${name}`, target);
  };
  for (const r of resources) {
    const ns = r.metadata.namespace;
    const spec = (r.spec ?? {}) as Obj;
    const id = `${ns ?? 'default'}/${r.metadata.name}`;
    if (r.kind === 'Service') {
      add(ns, r.metadata.name, {
        owner: `Service ${id}`,
        headless: spec.clusterIP === 'None',
        cnpgRole: undefined,
      });
    } else if (r.kind === 'Cluster' && r.apiVersion.startsWith('postgresql.cnpg.io/')) {
      const services = ((spec.managed as Obj | undefined)?.services ?? {}) as Obj;
      const disabled = new Set((services.disabledDefaultServices as string[] | undefined) ?? []);
      add(ns, `${r.metadata.name}-rw`, { owner: `Cluster ${id} (-rw)`, headless: false, cnpgRole: 'rw' });
      for (const role of ['ro', 'r'] as const) {
        if (!disabled.has(role))
          add(ns, `${r.metadata.name}-${role}`, {
            owner: `Cluster ${id} (-${role})`,
            headless: false,
            cnpgRole: role,
          });
      }
      for (const extra of (services.additional as Obj[] | undefined) ?? []) {
        const template = (extra.serviceTemplate ?? {}) as Obj;
        const name = (template.metadata as Obj | undefined)?.name;
        if (typeof name !== 'string') continue;
        add(ns, name, {
          owner: `Cluster ${id} (managed ${String(extra.selectorType)} service ${name})`,
          headless: (template.spec as Obj | undefined)?.clusterIP === 'None',
          cnpgRole: extra.selectorType as ServiceTarget['cnpgRole'],
        });
      }
    } else if (r.kind === 'Kafka' && r.apiVersion.startsWith('kafka.strimzi.io/')) {
      for (const suffix of ['kafka-bootstrap', 'kafka-brokers'])
        add(ns, `${r.metadata.name}-${suffix}`, {
          owner: `Kafka ${id} (-${suffix})`,
          headless: suffix === 'kafka-brokers',
          cnpgRole: undefined,
        });
    } else if (r.kind === 'RabbitmqCluster') {
      add(ns, r.metadata.name, { owner: `RabbitmqCluster ${id}`, headless: false, cnpgRole: undefined });
      add(ns, `${r.metadata.name}-nodes`, {
        owner: `RabbitmqCluster ${id} (-nodes)`,
        headless: true,
        cnpgRole: undefined,
      });
    } else if (r.kind === 'RedisCluster') {
      for (const part of ['leader', 'follower']) {
        add(ns, `${r.metadata.name}-${part}`, {
          owner: `RedisCluster ${id} (-${part})`,
          headless: false,
          cnpgRole: undefined,
        });
        add(ns, `${r.metadata.name}-${part}-headless`, {
          owner: `RedisCluster ${id} (-${part}-headless)`,
          headless: true,
          cnpgRole: undefined,
        });
      }
    }
  }
  return out;
}

/**
 * `namespace/name` of an in-cluster host (`<svc>.<ns>`, `<svc>.<ns>.svc`,
 * `<svc>.<ns>.svc.cluster.local`); undefined for a host outside the cluster.
 */
export function inClusterService(host: string, namespaces: ReadonlySet<string>): string | undefined {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  const svcAt = labels.indexOf('svc');
  if (svcAt === 2 && (labels.length === 3 || labels.slice(3).join('.') === 'cluster.local'))
    return `${labels[1]}/${labels[0]}`;
  if (labels.length === 2 && namespaces.has(labels[1]!)) return `${labels[1]}/${labels[0]}`;
  return undefined;
}

/** The hosts a value names: in URLs (`scheme://[user@]host[:port]…`) and `host:port` lists. */
export function hostsIn(text: string): Array<{ host: string; url: URL | undefined }> {
  const out: Array<{ host: string; url: URL | undefined }> = [];
  for (const match of text.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s"'`|,\]]+/gi)) {
    try {
      const url = new URL(match[0]);
      if (url.hostname) out.push({ host: url.hostname, url });
    } catch {
      // Not a URL after all (a pattern in prose): nothing to check.
    }
  }
  if (out.length === 0) {
    for (const part of text.split(',')) {
      const m = /^\s*([a-z0-9][a-z0-9.-]*):\d+\s*$/i.exec(part);
      if (m) out.push({ host: m[1]!, url: undefined });
    }
  }
  return out;
}

export interface DatabaseAddressingInput {
  readonly resources: readonly Resource[];
  /** `app` labels of the sharded subgraphs (those whose config reads SHARD_MAP_URL). */
  readonly shardedApps: readonly string[];
  /** `parseSecretsTable` of infrastructure/README.md. */
  readonly documentedSecrets: ReadonlyMap<string, string>;
}

/**
 * Checks how the services reach their databases, in one rendered overlay:
 *
 * - every Deployment of a sharded subgraph sets SHARD_MAP_URL (every instance follows one stored
 *   map), from a ConfigMap key of the render or a documented Secret, and not DATABASE_SHARDS
 *   beside it (refused at start once the map changes);
 * - SHARD_MAP_URL names a CloudNativePG primary (`-rw`): the map is written and LISTENed on it;
 * - every in-cluster host a Deployment's variables name (literal or ConfigMap), and every one the
 *   documented Secrets name (what the secret manager puts in the Secrets the Deployments read,
 *   and the first shard map `intelgraph-shards init` stores), is a Service of the render or one
 *   an operator creates for a CR of the render; a Secret a Deployment reads is documented;
 * - PostgreSQL replicas are one server per node: never CloudNativePG's load-balanced `-ro`/`-r`;
 *   a replica set (`?resolve=addresses`) names a headless Service over the standbys;
 * - no Service selects a CloudNativePG instance by its name (`cnpg.io/instanceName`): the
 *   operator never reuses one, so after a failover or a replaced pod it selects nothing.
 *
 * Returns the problems; empty when there are none.
 */
export function checkDatabaseAddressing(input: DatabaseAddressingInput): string[] {
  const { resources, shardedApps, documentedSecrets } = input;
  const problems: string[] = [];
  const services = renderedServices(resources);
  const namespaces = new Set(resources.filter((r) => r.kind === 'Namespace').map((r) => r.metadata.name));
  for (const r of resources) if (r.metadata.namespace) namespaces.add(r.metadata.namespace);
  const configMaps = new Map(
    resources
      .filter((r) => r.kind === 'ConfigMap')
      .map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, (r.data as Record<string, string>) ?? {}]),
  );

  for (const r of resources) {
    if (r.kind !== 'Service') continue;
    const selector = ((r.spec as Obj | undefined)?.selector ?? {}) as Record<string, string>;
    const instance = selector['cnpg.io/instanceName'];
    if (instance !== undefined)
      problems.push(
        `Service ${r.metadata.namespace}/${r.metadata.name} selects the CloudNativePG instance ${instance} by name: instance names are never reused, so after a failover or a replaced pod it selects nothing; use a managed service of the Cluster (spec.managed.services)`,
      );
  }

  const resolve = (e: EnvVar, ns: string | undefined, where: string): ResolvedValue | undefined => {
    if (e.value !== undefined) return { text: e.value, from: `${e.name} (literal)` };
    const cm = e.valueFrom?.configMapKeyRef;
    if (cm) {
      const data = configMaps.get(`${ns}/${cm.name}`);
      if (!data || !(cm.key in data)) {
        problems.push(
          `${where}: ${e.name} refers to ConfigMap key ${cm.name}.${cm.key}, which the render lacks`,
        );
        return undefined;
      }
      return { text: data[cm.key]!, from: `${e.name} (ConfigMap ${cm.name}.${cm.key})` };
    }
    const secret = e.valueFrom?.secretKeyRef;
    if (secret) {
      const content = documentedSecrets.get(`${secret.name}/${secret.key}`);
      if (content === undefined) {
        problems.push(
          `${where}: ${e.name} reads Secret ${secret.name} key ${secret.key}, which infrastructure/README.md ("Secrets") does not document`,
        );
        return undefined;
      }
      return { text: content, from: `${e.name} (Secret ${secret.name}.${secret.key}, as documented)` };
    }
    return undefined;
  };

  const checkHosts = (value: ResolvedValue, where: string, variable: string): void => {
    for (const { host, url } of hostsIn(value.text)) {
      const key = inClusterService(host, namespaces);
      if (key === undefined) continue;
      const target = services.get(key);
      if (!target) {
        problems.push(
          `${where}: ${value.from} names ${host}, which is no Service of the render nor one its operators create`,
        );
        continue;
      }
      const postgres = url !== undefined && /^postgres(ql)?:$/.test(url.protocol);
      if (!postgres) continue;
      const replicaSet = url.searchParams.get('resolve') === 'addresses';
      if (variable === 'SHARD_MAP_URL' && target.cnpgRole !== 'rw')
        problems.push(
          `${where}: ${value.from} names ${host} (${target.owner}); the shard map is written and LISTENed on a primary: name a CloudNativePG -rw Service`,
        );
      if (replicaSet && !(target.headless && target.cnpgRole === 'ro'))
        problems.push(
          `${where}: ${value.from}: the replica set ${host} must be a headless Service over the standbys (a managed ro service with clusterIP: None), not ${target.owner}${target.headless ? '' : ' (not headless: one address for every server)'}`,
        );
      if (!target.headless && (target.cnpgRole === 'ro' || target.cnpgRole === 'r'))
        problems.push(
          `${where}: ${value.from} names ${host} (${target.owner}), which load-balances over several servers: the health probe would measure one and the reads land on another`,
        );
    }
  };

  for (const d of resources) {
    if (d.kind !== 'Deployment') continue;
    const where = `Deployment ${d.metadata.name}`;
    const pod = ((d.spec as Obj | undefined)?.template as Obj | undefined)?.spec as Obj | undefined;
    const containers = (pod?.containers as Array<{ name: string; env?: EnvVar[] }> | undefined) ?? [];
    const app = d.metadata.labels?.app;
    const sharded = app !== undefined && shardedApps.includes(app);
    for (const c of containers) {
      const env = c.env ?? [];
      if (sharded && c.name === app) {
        const mapUrl = env.find((e) => e.name === 'SHARD_MAP_URL');
        if (!mapUrl)
          problems.push(
            `${where}: does not set SHARD_MAP_URL: each instance would hold its own shard map, instances could route differently and tenant moves would be unsafe`,
          );
        if (mapUrl && env.some((e) => e.name === 'DATABASE_SHARDS'))
          problems.push(
            `${where}: sets DATABASE_SHARDS beside SHARD_MAP_URL: it is checked against the stored map, so pods started after the map changes (intelgraph-shards add) refuse to start; the map lists the shards`,
          );
      }
      for (const e of env) {
        const value = resolve(e, d.metadata.namespace, where);
        // A Secret's documented content is checked once, below, whoever reads it.
        if (value && !e.valueFrom?.secretKeyRef) checkHosts(value, where, e.name);
      }
    }
  }
  for (const [secretKey, content] of documentedSecrets) {
    const [secret, key] = secretKey.split('/') as [string, string];
    checkHosts({ text: content, from: `${key} (as documented)` }, `Secret ${secret}`, key);
  }
  return problems;
}
