import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderKustomization } from '../src/kustomize/render-kustomization.js';
import { loadYamlDocuments } from '../src/manifests/load-yaml-documents.js';
import { isResource, type Resource } from '../src/manifests/resource.js';
import { MODEL_CLASSES } from '../src/validation/model-registry.js';
import { createStrictFieldChecker, type StrictFieldChecker } from '../src/validation/strict-fields.js';
import { INFRA_DIR, OVERLAYS, overlayDir } from './paths.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests break manifests on purpose
type Any = any;

/* Reading the model types with the TypeScript compiler takes a few seconds: once per file. */
let checker: StrictFieldChecker;
beforeAll(() => {
  checker = createStrictFieldChecker();
}, 120_000);

describe('unknown fields (kubectl --validate=strict)', () => {
  it('knows a type for every kind with a model class', () => {
    expect(checker.kinds).toEqual(MODEL_CLASSES.map((m) => `${m.apiVersion}/${m.kind}`).sort());
  });

  it.each(OVERLAYS)('overlay %s has no field its Kubernetes or Istio type does not declare', (overlay) => {
    expect(renderKustomization(overlayDir(overlay)).flatMap((r) => checker.check(r))).toEqual([]);
  });

  it('neither do the fault-injection manifests', () => {
    const dir = path.join(INFRA_DIR, 'istio', 'fault-injection');
    const docs = readdirSync(dir).flatMap((f) => loadYamlDocuments(path.join(dir, f)).filter(isResource));
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.flatMap((r) => checker.check(r))).toEqual([]);
  });

  it('reports a misspelt field where the schema validators let it through', () => {
    const prod = renderKustomization(overlayDir('prod'));
    const d = structuredClone(prod.find((r) => r.kind === 'Deployment')) as Any;
    d.spec.template.spec.containers[0].readinesProbe = { httpGet: { path: '/ready', port: 'http' } };
    d.metadata.labels.anything = 'is fine in a map';
    const vs = structuredClone(prod.find((r) => r.kind === 'VirtualService')) as Any;
    vs.spec.http[0].retries.retryOnn = '5xx';
    expect([...checker.check(d as Resource), ...checker.check(vs as Resource)]).toEqual([
      "apps/v1/Deployment intelgraph/gateway: /spec/template/spec/containers/0: unknown field 'readinesProbe'",
      "networking.istio.io/v1/VirtualService intelgraph/gateway: /spec/http/0/retries: unknown field 'retryOnn'",
    ]);
  });
});
