import type { Resource } from '../manifests/resource.js';

/** An `images:` entry of a kustomization. */
export interface ImageOverride {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

/** `repo/name:tag@sha256:…` → `repo/name` (a registry port's colon is kept). */
export function imageName(image: string): string {
  const noDigest = image.split('@')[0]!;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? noDigest : noDigest.slice(0, colon);
}

type Obj = Record<string, unknown>;

/** The pod spec of a workload, wherever its kind keeps it. */
function podSpecOf(r: Resource): Obj | undefined {
  const spec = r.spec as Obj | undefined;
  if (!spec) return undefined;
  if (r.kind === 'Pod') return spec;
  if (r.kind === 'CronJob') {
    return ((spec.jobTemplate as Obj | undefined)?.spec as Obj | undefined)?.template
      ? ((((spec.jobTemplate as Obj).spec as Obj).template as Obj).spec as Obj)
      : undefined;
  }
  return (spec.template as Obj | undefined)?.spec as Obj | undefined;
}

/**
 * Rewrites every container image whose name is `override.name`. Returns how many images it
 * changed, so the caller can reject an override that matches nothing (a typo in an overlay).
 */
export function setImages(resources: Resource[], override: ImageOverride): number {
  let changed = 0;
  for (const r of resources) {
    const pod = podSpecOf(r);
    if (!pod) continue;
    for (const field of ['initContainers', 'containers']) {
      for (const c of (pod[field] as Obj[] | undefined) ?? []) {
        const image = c.image as string | undefined;
        if (!image || imageName(image) !== override.name) continue;
        const name = override.newName ?? override.name;
        const tag = image.split('@')[0]!.slice(imageName(image).length + 1) || undefined;
        if (override.digest) c.image = `${name}@${override.digest}`;
        else if (override.newTag) c.image = `${name}:${override.newTag}`;
        else c.image = tag ? `${name}:${tag}` : name;
        changed++;
      }
    }
  }
  return changed;
}
