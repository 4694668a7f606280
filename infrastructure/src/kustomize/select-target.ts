import { apiGroup, type Resource } from '../manifests/resource.js';

/** A kustomize patch target. `name` is a regular expression matched against the whole name. */
export interface PatchTarget {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  /** Equality-based only: `a=b,c=d` (also `a!=b`). */
  readonly labelSelector?: string;
}

const TARGET_FIELDS = new Set(['group', 'version', 'kind', 'name', 'namespace', 'labelSelector']);

export function parseTarget(raw: unknown, where: string): PatchTarget {
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: target must be a map`);
  for (const k of Object.keys(raw)) {
    if (!TARGET_FIELDS.has(k)) throw new Error(`${where}: unsupported target field '${k}'`);
  }
  return raw as PatchTarget;
}

function labelsMatch(selector: string, labels: Readonly<Record<string, string>>): boolean {
  return selector
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .every((term) => {
      const neq = term.indexOf('!=');
      if (neq !== -1) return labels[term.slice(0, neq)] !== term.slice(neq + 2);
      const eq = term.indexOf('=');
      if (eq === -1) return term in labels;
      return labels[term.slice(0, eq)] === term.slice(eq + 1).replace(/^=/, '');
    });
}

export function matchesTarget(r: Resource, t: PatchTarget): boolean {
  if (t.kind !== undefined && r.kind !== t.kind) return false;
  if (t.group !== undefined && apiGroup(r.apiVersion) !== t.group) return false;
  if (t.version !== undefined && r.apiVersion.split('/').pop() !== t.version) return false;
  if (t.namespace !== undefined && (r.metadata.namespace ?? '') !== t.namespace) return false;
  if (t.name !== undefined && !new RegExp(`^(?:${t.name})$`).test(r.metadata.name)) return false;
  if (t.labelSelector !== undefined && !labelsMatch(t.labelSelector, r.metadata.labels ?? {})) return false;
  return true;
}
