import path from 'node:path';

/** Where a rendered object comes from: its file, its document there, and the patches applied to it. */
export interface ResourceOrigin {
  /** Absolute path of the YAML file (or kustomization.yaml, for a generated ConfigMap). */
  readonly file: string;
  /** 1-based index of the document in that file. */
  readonly document: number;
  /** The patches that changed it, as `<kustomization.yaml>: patches[i]`, in the order applied. */
  readonly patchedBy: readonly string[];
}

/** `kubernetes/base/data/kafka.yaml#2 (patched by kubernetes/overlays/dev/kustomization.yaml: patches[4])`. */
export function describeOrigin(origin: ResourceOrigin, relativeTo: string): string {
  const rel = (p: string) => path.relative(relativeTo, p) || p;
  const patches = origin.patchedBy.map((p) => {
    const [file, ...rest] = p.split(': ');
    return [rel(file!), ...rest].join(': ');
  });
  return `${rel(origin.file)}#${origin.document}${patches.length > 0 ? ` (patched by ${patches.join(', ')})` : ''}`;
}
