import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { applyJsonPatch } from '../src/kustomize/json-patch.js';
import { renderKustomization } from '../src/kustomize/render-kustomization.js';
import { matchesTarget } from '../src/kustomize/select-target.js';
import { imageName } from '../src/kustomize/set-images.js';
import { strategicMerge } from '../src/kustomize/strategic-merge.js';
import type { Resource } from '../src/manifests/resource.js';
import { OVERLAYS, overlayDir } from './paths.js';

// biome-ignore lint/suspicious/noExplicitAny: a rendered manifest is free-form YAML
type Any = any;

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'kustomize-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ns, labels: {app: api, tier: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: ghcr.io/x/api:1.0
          env: [{name: A, value: "1"}, {name: B, value: "2"}]
        - name: sidecar
          image: busybox:1.36
`;

describe('applyJsonPatch', () => {
  it('replaces, adds and removes at pointers, leaving the input untouched', () => {
    const doc = { a: { b: [1, 2, 3] }, c: 'x', 'd/e': 1 };
    const out = applyJsonPatch(doc, [
      { op: 'replace', path: '/a/b/1', value: 20 },
      { op: 'add', path: '/a/b/-', value: 4 },
      { op: 'remove', path: '/c' },
      { op: 'replace', path: '/d~1e', value: 2 },
    ]);
    expect(out).toEqual({ a: { b: [1, 20, 3, 4] }, 'd/e': 2 });
    expect(doc.c).toBe('x');
  });

  it('fails on a path that does not exist, as kustomize does', () => {
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '/b', value: 2 }])).toThrow(
      /no member 'b'/,
    );
    expect(() => applyJsonPatch({ a: [1] }, [{ op: 'remove', path: '/a/3' }])).toThrow(/index '?3/);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(/test failed/);
  });
});

describe('strategicMerge', () => {
  it('merges named list items by key, replaces other lists, deletes on null', () => {
    const base = {
      spec: {
        containers: [
          { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] },
          { name: 'b', image: 'b:1' },
        ],
        args: ['--one'],
        drop: { me: true },
      },
    };
    const out = strategicMerge(base, {
      spec: {
        containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }] }],
        args: ['--two'],
        drop: null,
      },
    });
    expect(out.spec.containers).toEqual([
      {
        name: 'a',
        image: 'a:1',
        env: [
          { name: 'X', value: '1' },
          { name: 'Y', value: '2' },
        ],
      },
      { name: 'b', image: 'b:1' },
    ]);
    expect(out.spec.args).toEqual(['--two']);
    expect('drop' in out.spec).toBe(false);
  });

  it('rejects patch directives it does not implement', () => {
    expect(() => strategicMerge({ a: 1 }, { $patch: 'delete' })).toThrow(/not supported/);
  });
});

describe('matchesTarget and imageName', () => {
  const r: Resource = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'gateway-canary', namespace: 'ns', labels: { app: 'gateway', track: 'canary' } },
  };
  it('matches kind, group, anchored name regex and label selectors', () => {
    expect(matchesTarget(r, { kind: 'Deployment', group: 'apps', name: 'gateway-.*' })).toBe(true);
    expect(matchesTarget(r, { name: 'gateway' })).toBe(false);
    expect(matchesTarget(r, { labelSelector: 'app=gateway,track=canary' })).toBe(true);
    expect(matchesTarget(r, { labelSelector: 'app=gateway,track!=canary' })).toBe(false);
    expect(matchesTarget(r, { group: 'networking.istio.io' })).toBe(false);
  });
  it('strips tags and digests but keeps a registry port', () => {
    expect(imageName('ghcr.io/x/api:1.0')).toBe('ghcr.io/x/api');
    expect(imageName('localhost:5000/api@sha256:abc')).toBe('localhost:5000/api');
    expect(imageName('busybox')).toBe('busybox');
  });
});

describe('renderKustomization', () => {
  it('applies resources, JSON 6902 and strategic merge patches, then images', () => {
    const root = tree({
      'base/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\n',
      'base/app.yaml': deployment,
      'overlay/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../base]
images:
  - {name: ghcr.io/x/api, newTag: "2.0"}
patches:
  - target: {kind: Deployment, labelSelector: tier=web}
    patch: |-
      - {op: replace, path: /spec/replicas, value: 5}
  - path: env.yaml
`,
      'overlay/env.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ns}
spec:
  template:
    spec:
      containers:
        - name: api
          env: [{name: B, value: "two"}]
`,
    });
    const [d] = renderKustomization(path.join(root, 'overlay')) as [Resource & { spec: Any }];
    expect(d.spec.replicas).toBe(5);
    expect(d.spec.template.spec.containers[0].image).toBe('ghcr.io/x/api:2.0');
    expect(d.spec.template.spec.containers[1].image).toBe('busybox:1.36');
    expect(d.spec.template.spec.containers[0].env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'two' },
    ]);
  });

  it('fails on unsupported fields, unmatched patches and images, and duplicate resources', () => {
    const base = {
      'base/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\n',
      'base/app.yaml': deployment,
    };
    const k = (body: string) =>
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\n${body}`;
    const render = (body: string, extra: Record<string, string> = {}) =>
      renderKustomization(path.join(tree({ ...base, 'o/kustomization.yaml': k(body), ...extra }), 'o'));
    expect(() => render('namePrefix: x-\n')).toThrow(/unsupported kustomization field 'namePrefix'/);
    expect(() => render('images: [{name: nope, newTag: "1"}]\n')).toThrow(
      /image 'nope' matches no container/,
    );
    expect(() =>
      render('patches:\n  - target: {kind: Service}\n    patch: "[{op: remove, path: /spec}]"\n'),
    ).toThrow(/matches no resource/);
    expect(() =>
      render('patches:\n  - target: {kind: Deployment}\n    patch: "[{op: remove, path: /spec/paused}]"\n'),
    ).toThrow(/no member 'paused'/);
    const dup = tree({
      ...base,
      'o/kustomization.yaml': k('').replace('[../base]', '[../base, ../base/app.yaml]'),
    });
    expect(() => renderKustomization(path.join(dup, 'o'))).toThrow(/defined twice/);
  });

  it('rejects YAML with duplicate keys instead of keeping the last one', () => {
    const root = tree({
      'kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n',
      'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {K: "1", K: "2"}\n',
    });
    expect(() => renderKustomization(root)).toThrow(/YAML error/);
  });
});

describe('configMapGenerator', () => {
  const k = (body: string) => `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${body}`;
  const pod = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ns}
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
          env: [{name: A, valueFrom: {configMapKeyRef: {name: files, key: a.txt}}}]
      volumes: [{name: v, configMap: {name: files}}]
`;

  it('generates a content-hashed ConfigMap and renames the references to it', () => {
    const root = tree({
      'kustomization.yaml': k(
        'resources: [app.yaml]\nconfigMapGenerator:\n  - {name: files, namespace: ns, files: [dir/a.txt, b=dir/b.txt], literals: [C=<c>]}\n',
      ),
      'app.yaml': pod,
      'dir/a.txt': 'one\n',
      'dir/b.txt': 'two & more\n',
    });
    const rs = renderKustomization(root) as Any[];
    const cm = rs.find((r) => r.kind === 'ConfigMap');
    // As `kubectl kustomize` (kustomize v5.5.0) names it.
    expect(cm.metadata.name).toBe('files-m2ctgmfhm8');
    expect(cm.data).toEqual({ 'a.txt': 'one\n', b: 'two & more\n', C: '<c>' });
    const spec = rs.find((r) => r.kind === 'Deployment').spec.template.spec;
    expect(spec.volumes[0].configMap.name).toBe(cm.metadata.name);
    expect(spec.containers[0].env[0].valueFrom.configMapKeyRef.name).toBe(cm.metadata.name);
  });

  it('refuses files outside the kustomization directory and unsupported fields', () => {
    const root = tree({
      'outside.txt': 'x',
      'k/kustomization.yaml': k('configMapGenerator:\n  - {name: c, files: [../outside.txt]}\n'),
    });
    expect(() => renderKustomization(path.join(root, 'k'))).toThrow(/outside the kustomization directory/);
    const merge = tree({
      'kustomization.yaml': k('configMapGenerator:\n  - {name: c, behavior: merge, literals: [A=1]}\n'),
    });
    expect(() => renderKustomization(merge)).toThrow(/unsupported field 'behavior'/);
  });
});

// kustomize itself, when installed (kubectl embeds it): every overlay renders the same objects.
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
describe.skipIf(kubectl.status !== 0)('renderKustomization agrees with kubectl kustomize', () => {
  it.each(OVERLAYS)('overlay %s', (overlay) => {
    const out = spawnSync('kubectl', ['kustomize', overlayDir(overlay)], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const key = (r: Resource) => `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`;
    const theirs = new Map(parseAllDocuments(out.stdout).map((d) => [key(d.toJS()), d.toJS() as Resource]));
    const ours = renderKustomization(overlayDir(overlay));
    expect(ours.map(key).sort()).toEqual([...theirs.keys()].sort());
    for (const r of ours) expect(JSON.parse(JSON.stringify(r)), key(r)).toEqual(theirs.get(key(r)));
  });
});
