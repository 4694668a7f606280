import type { Resource } from '../manifests/resource.js';
import type { ServiceEntry } from './service-catalog.js';
import type { ServiceContract } from './service-contract.js';

type Obj = Record<string, unknown>;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string };
    secretKeyRef?: { name: string; key: string };
  };
}
interface Port {
  name?: string;
  containerPort: number;
}
interface Probe {
  httpGet?: { path?: string; port: number | string };
}
interface Container {
  name: string;
  env?: EnvVar[];
  envFrom?: unknown[];
  ports?: Port[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
}

function containersOf(d: Resource): Container[] {
  const template = (d.spec as Obj | undefined)?.template as Obj | undefined;
  return ((template?.spec as Obj | undefined)?.containers as Container[] | undefined) ?? [];
}

/**
 * Checks that the Deployments of one service agree with its code: every variable set is one the
 * service reads, every required one is set, literal values parse, ConfigMap references resolve,
 * the port is the service's, and every probe targets a declared port and a served path.
 * Returns the problems; empty when they agree.
 */
export function checkServiceAgreement(
  resources: readonly Resource[],
  service: ServiceEntry,
  contract: ServiceContract,
): string[] {
  const problems: string[] = [];
  const deployments = resources.filter(
    (r) => r.kind === 'Deployment' && r.metadata.labels?.app === service.app,
  );
  if (deployments.length === 0) return [`no Deployment with label app=${service.app}`];
  const configMaps = new Map(
    resources
      .filter((r) => r.kind === 'ConfigMap')
      .map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, (r.data as Record<string, string>) ?? {}]),
  );
  for (const d of deployments) {
    const where = `Deployment ${d.metadata.name}`;
    const container = containersOf(d).find((c) => c.name === service.app);
    if (!container) {
      problems.push(`${where}: no container named ${service.app}`);
      continue;
    }
    if (container.envFrom)
      problems.push(`${where}: uses envFrom; set variables one by one so they can be checked`);
    const env = container.env ?? [];
    const set = new Set(env.map((e) => e.name));
    for (const e of env) {
      const known = contract.variables.get(e.name);
      if (!known) {
        problems.push(
          `${where}: sets ${e.name}, which ${service.app}'s config (${contract.source}) does not read`,
        );
        continue;
      }
      if (known.secret && !e.valueFrom?.secretKeyRef) {
        problems.push(`${where}: ${e.name} is a secret and must come from a Secret (secretKeyRef)`);
      }
      if (e.value !== undefined && known.accepts && !known.accepts(e.value)) {
        problems.push(`${where}: ${e.name}='${e.value}' is rejected by ${service.app}'s config`);
      }
      const cm = e.valueFrom?.configMapKeyRef;
      if (cm) {
        const data = configMaps.get(`${d.metadata.namespace}/${cm.name}`);
        if (!data) problems.push(`${where}: ${e.name} refers to missing ConfigMap ${cm.name}`);
        else if (!(cm.key in data))
          problems.push(`${where}: ${e.name} refers to missing key ${cm.name}.${cm.key}`);
        else if (known.accepts && !known.accepts(data[cm.key]!)) {
          problems.push(
            `${where}: ${e.name} from ${cm.name}.${cm.key}='${data[cm.key]}' is rejected by the config`,
          );
        }
      }
    }
    for (const v of contract.variables.values()) {
      if (v.required && !set.has(v.env))
        problems.push(`${where}: does not set ${v.env}, which ${service.app} requires`);
    }
    const ports = container.ports ?? [];
    const http = ports.find((p) => p.name === 'http');
    if (!http) problems.push(`${where}: no container port named http`);
    else {
      if (http.containerPort !== service.port) {
        problems.push(
          `${where}: port http is ${http.containerPort}, ${service.app} listens on ${service.port}`,
        );
      }
      const portEnv = env.find((e) => e.name === 'PORT');
      if (portEnv?.value !== undefined && Number(portEnv.value) !== http.containerPort) {
        problems.push(`${where}: PORT=${portEnv.value} but the container port is ${http.containerPort}`);
      }
    }
    for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
      const get = container[kind]?.httpGet;
      if (!get) {
        problems.push(`${where}: no HTTP ${kind}`);
        continue;
      }
      const port =
        typeof get.port === 'string'
          ? ports.find((p) => p.name === get.port)
          : ports.find((p) => p.containerPort === get.port);
      if (!port)
        problems.push(`${where}: ${kind} targets port ${get.port}, which the container does not declare`);
      if (!get.path || !contract.httpPaths.includes(get.path)) {
        problems.push(
          `${where}: ${kind} path ${get.path} is not served by ${service.app} (serves ${contract.httpPaths.join(', ')})`,
        );
      }
    }
  }
  return problems;
}
