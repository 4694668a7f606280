import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICES } from '../validation/service-catalog.js';

/*
 * The supergraph the Kubernetes gateway serves: gateway/supergraph.graphql (written by
 * `pnpm schema:compose`, checked by `pnpm schema:check`) with each subgraph's routing URL set to
 * its Service in the cluster. Kustomize reads files only inside the kustomization's directory,
 * so the base keeps this copy next to its kustomization.yaml; `pnpm schema:compose` writes both
 * and infrastructure/test/supergraph.test.ts fails when they disagree.
 */

/** The namespace the subgraphs' Services live in (kubernetes/base/namespace.yaml). */
export const CLUSTER_NAMESPACE = 'intelgraph';

/** The copy the base's configMapGenerator reads. */
export const CLUSTER_SUPERGRAPH_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'kubernetes',
  'base',
  'supergraph',
  'supergraph.graphql',
);

const JOIN_GRAPH = /@join__graph\(name: "([^"]+)", url: "([^"]*)"\)/g;

/** The in-cluster URL of a subgraph (supergraph name, e.g. `field_notes` → Service `field-notes`). */
export function clusterRoutingUrl(subgraph: string): string {
  const app = subgraph.replaceAll('_', '-');
  const service = SERVICES.find((s) => s.app === app && s.app !== 'gateway');
  if (!service) {
    throw new Error(
      `subgraph '${subgraph}' has no Kubernetes service: add it to infrastructure (kubernetes/base/services/${app}.yaml and SERVICES in src/validation/service-catalog.ts)`,
    );
  }
  return `http://${service.app}.${CLUSTER_NAMESPACE}.svc:${service.port}/graphql`;
}

/** The routing URLs of a supergraph, by subgraph name. */
export function routingUrls(sdl: string): Record<string, string> {
  return Object.fromEntries([...sdl.matchAll(JOIN_GRAPH)].map((m) => [m[1]!, m[2]!]));
}

/** `sdl` with every `@join__graph` URL pointing at the subgraph's Service in the cluster. */
export function toClusterSupergraph(sdl: string): string {
  if (Object.keys(routingUrls(sdl)).length === 0) throw new Error('not a supergraph: no @join__graph');
  return sdl.replace(
    JOIN_GRAPH,
    (_all, name: string) => `@join__graph(name: "${name}", url: "${clusterRoutingUrl(name)}")`,
  );
}
