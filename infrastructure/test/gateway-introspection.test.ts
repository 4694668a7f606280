import { describe, expect, it } from 'vitest';
import { renderKustomization } from '../src/kustomize/render-kustomization.js';
import { overlayDir } from './paths.js';

// biome-ignore lint/suspicious/noExplicitAny: reads rendered manifests
type Any = any;

/** The INTROSPECTION value each gateway Deployment (stable and canary) gets in an overlay. */
function introspectionOf(overlay: string): Record<string, string | undefined> {
  const rs = renderKustomization(overlayDir(overlay)) as Any[];
  const configMaps = new Map<string, Record<string, string>>(
    rs.filter((r) => r.kind === 'ConfigMap').map((r) => [r.metadata.name, r.data ?? {}]),
  );
  const out: Record<string, string | undefined> = {};
  for (const d of rs.filter((r) => r.kind === 'Deployment' && r.metadata.labels?.app === 'gateway')) {
    const env = (d.spec.template.spec.containers as Any[]).find((c) => c.name === 'gateway').env as Any[];
    const e = env.find((v) => v.name === 'INTROSPECTION');
    const ref = e?.valueFrom?.configMapKeyRef;
    out[d.metadata.name] = ref ? configMaps.get(ref.name)?.[ref.key] : e?.value;
  }
  return out;
}

describe('gateway introspection per environment', () => {
  it.each([
    ['dev', 'true'],
    ['staging', 'false'],
    ['prod', 'false'],
  ])('%s: INTROSPECTION=%s on every gateway Deployment', (overlay, expected) => {
    const values = introspectionOf(overlay);
    expect(Object.keys(values).sort()).toEqual(['gateway', 'gateway-canary']);
    for (const value of Object.values(values)) expect(value).toBe(expected);
  });
});
