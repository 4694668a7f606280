import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderKustomization } from '../src/kustomize/render-kustomization.js';
import type { Resource } from '../src/manifests/resource.js';
import {
  CLUSTER_SUPERGRAPH_FILE,
  clusterRoutingUrl,
  routingUrls,
  toClusterSupergraph,
} from '../src/supergraph/cluster-supergraph.js';
import { OVERLAYS, overlayDir, REPO_ROOT } from './paths.js';

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML; each assertion names the field it reads
type Any = any;

const checked = readFileSync(path.join(REPO_ROOT, 'gateway', 'supergraph.graphql'), 'utf8');
const copy = readFileSync(CLUSTER_SUPERGRAPH_FILE, 'utf8');
const GATEWAYS = ['gateway', 'gateway-canary'];

describe('the supergraph the Kubernetes gateway serves', () => {
  it('is gateway/supergraph.graphql with in-cluster routing URLs (else: pnpm schema:compose)', () => {
    expect(
      copy === toClusterSupergraph(checked),
      `${path.relative(REPO_ROOT, CLUSTER_SUPERGRAPH_FILE)} differs from gateway/supergraph.graphql: run pnpm schema:compose and commit both`,
    ).toBe(true);
    expect(Object.keys(routingUrls(copy)).sort()).toEqual(Object.keys(routingUrls(checked)).sort());
  });

  it('rewrites only the routing URLs, and refuses a subgraph with no Service', () => {
    const sdl = 'enum join__Graph {\n  A_B @join__graph(name: "a_b", url: "http://127.0.0.1:1/graphql")\n}\n';
    expect(() => toClusterSupergraph(sdl)).toThrow(/subgraph 'a_b' has no Kubernetes service/);
    expect(clusterRoutingUrl('accounts')).toBe('http://accounts.intelgraph.svc:4001/graphql');
    expect(() => toClusterSupergraph('type Query { a: Int }')).toThrow(/no @join__graph/);
  });

  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    const rs = renderKustomization(overlayDir(overlay));
    const find = (kind: string, name: string): Any =>
      rs.find((r) => r.kind === kind && r.metadata.name === name);

    it('routes every subgraph to its Service, on the port its Deployment listens on', () => {
      for (const [name, url] of Object.entries(routingUrls(copy))) {
        const u = new URL(url);
        const [service, namespace] = u.hostname.split('.');
        const svc = find('Service', service!);
        expect(svc, `${name}: no Service ${service}`).toBeDefined();
        expect(svc.metadata.namespace, name).toBe(namespace);
        expect(
          svc.spec.ports.map((p: Any) => p.port),
          name,
        ).toContain(Number(u.port));
        const container = find('Deployment', service!).spec.template.spec.containers[0];
        expect(
          container.ports.map((p: Any) => p.containerPort),
          name,
        ).toContain(Number(u.port));
      }
    });

    it.each(GATEWAYS)(
      '%s serves the checked supergraph from the generated ConfigMap, mounted as a directory, and never composes live',
      (name) => {
        const pod = find('Deployment', name).spec.template.spec;
        const c = pod.containers[0];
        const env = Object.fromEntries(c.env.map((e: Any) => [e.name, e]));
        expect(env.SUBGRAPHS, `${name} must not set SUBGRAPHS (live composition)`).toBeUndefined();
        const supergraphPath: string = env.SUPERGRAPH_PATH.value;
        expect(supergraphPath).toBe('/etc/intelgraph/supergraph/supergraph.graphql');

        const mount = c.volumeMounts.find((m: Any) => m.mountPath === path.posix.dirname(supergraphPath));
        expect(mount, 'the directory of SUPERGRAPH_PATH is mounted').toBeDefined();
        // A subPath mount is never updated when the ConfigMap changes.
        expect(mount.subPath).toBeUndefined();
        expect(mount.subPathExpr).toBeUndefined();
        expect(mount.readOnly).toBe(true);

        const volume = pod.volumes.find((v: Any) => v.name === mount.name);
        expect(volume.configMap.items).toBeUndefined();
        const cm = find('ConfigMap', volume.configMap.name) as Resource & { data: Record<string, string> };
        expect(cm, `ConfigMap ${volume.configMap.name}`).toBeDefined();
        // Generated, with kustomize's content hash: a new supergraph renames it, and the Deployment rolls.
        expect(cm.metadata.name).toMatch(/^gateway-supergraph-[a-z0-9]{10}$/);
        expect(cm.metadata.namespace).toBe(find('Deployment', name).metadata.namespace);
        expect(cm.data[path.posix.basename(supergraphPath)]).toBe(copy);
      },
    );

    it('no longer carries SUBGRAPHS in the shared ConfigMap', () => {
      expect(find('ConfigMap', 'intelgraph-config').data.SUBGRAPHS).toBeUndefined();
    });
  });

  it('renames the ConfigMap when the supergraph changes, so the gateways roll', async () => {
    const { configMapHash } = await import('../src/kustomize/config-map-generator.js');
    const before = configMapHash({ 'supergraph.graphql': copy });
    expect(configMapHash({ 'supergraph.graphql': `${copy}\n` })).not.toBe(before);
    const rs = renderKustomization(overlayDir('prod'));
    const volume = (
      rs.find((r) => r.kind === 'Deployment' && r.metadata.name === 'gateway') as Any
    ).spec.template.spec.volumes.find((v: Any) => v.configMap);
    expect(volume.configMap.name).toBe(`gateway-supergraph-${before}`);
  });
});
