import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadYamlDocuments } from '../manifests/load-yaml-documents.js';

/*
 * The supergraph the Kubernetes gateway serves: gateway/supergraph.graphql (written by
 * `pnpm schema:compose`, checked by `pnpm schema:check`) with each subgraph's routing URL set to
 * its Service in the cluster. Kustomize reads files only inside the kustomization's directory,
 * so the base keeps this copy next to its kustomization.yaml; `pnpm schema:compose` writes both
 * and infrastructure/test/supergraph.test.ts fails when they disagree.
 */

/** The namespace the subgraphs' Services live in (kubernetes/base/namespace.yaml). */
export const CLUSTER_NAMESPACE = 'intelgraph';

const INFRA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The copy the base's configMapGenerator reads, in the repository `repoRoot` (default: this one). */
export function clusterSupergraphFile(repoRoot = path.dirname(INFRA_DIR)): string {
  return path.join(repoRoot, 'infrastructure', 'kubernetes', 'base', 'supergraph', 'supergraph.graphql');
}
export const CLUSTER_SUPERGRAPH_FILE = clusterSupergraphFile();

/** The Services the base deploys (kubernetes/base/services/*.yaml): name → port of the `http` port. */
export function clusterServices(repoRoot = path.dirname(INFRA_DIR)): Map<string, number> {
  const dir = path.join(repoRoot, 'infrastructure', 'kubernetes', 'base', 'services');
  const out = new Map<string, number>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    for (const doc of loadYamlDocuments(path.join(dir, f)) as {
      kind?: string;
      metadata?: { name?: string; namespace?: string };
      spec?: { ports?: { name?: string; port?: number }[] };
    }[]) {
      if (doc.kind !== 'Service' || doc.metadata?.namespace !== CLUSTER_NAMESPACE) continue;
      const port = doc.spec?.ports?.find((p) => p.name === 'http')?.port;
      if (doc.metadata.name && port) out.set(doc.metadata.name, port);
    }
  }
  return out;
}

const JOIN_GRAPH = /@join__graph\(name: "([^"]+)", url: "([^"]*)"\)/g;

/**
 * The in-cluster URL of a subgraph (supergraph name, e.g. `field_notes` → Service `field-notes`),
 * from the Services the base deploys.
 */
export function clusterRoutingUrl(
  subgraph: string,
  services: ReadonlyMap<string, number> = clusterServices(),
): string {
  const app = subgraph.replaceAll('_', '-');
  const port = app === 'gateway' ? undefined : services.get(app);
  if (!port) {
    throw new Error(
      `subgraph '${subgraph}' has no Kubernetes service: add infrastructure/kubernetes/base/services/${app}.yaml and list it in kubernetes/base/kustomization.yaml (pnpm create:subgraph does both)`,
    );
  }
  return `http://${app}.${CLUSTER_NAMESPACE}.svc:${port}/graphql`;
}

/** The routing URLs of a supergraph, by subgraph name. */
export function routingUrls(sdl: string): Record<string, string> {
  return Object.fromEntries([...sdl.matchAll(JOIN_GRAPH)].map((m) => [m[1]!, m[2]!]));
}

/** `sdl` with every `@join__graph` URL pointing at the subgraph's Service in the cluster. */
export function toClusterSupergraph(
  sdl: string,
  services: ReadonlyMap<string, number> = clusterServices(),
): string {
  if (Object.keys(routingUrls(sdl)).length === 0) throw new Error('not a supergraph: no @join__graph');
  return sdl.replace(
    JOIN_GRAPH,
    (_all, name: string) => `@join__graph(name: "${name}", url: "${clusterRoutingUrl(name, services)}")`,
  );
}
