import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from '../manifests/resource.js';

/*
 * kustomize's `configMapGenerator`, for the fields this repository uses: `name`, `namespace`,
 * `files` (`path` or `key=path`), `literals` (`KEY=value`) and `options` (`labels`,
 * `annotations`, `disableNameSuffixHash`). As kustomize, the generated name gets a suffix hashed
 * from the content (so a new content is a new ConfigMap and every Deployment referring to it
 * rolls), and references to the unsuffixed name in the same kustomization are rewritten.
 * Files must lie inside the kustomization's directory (kustomize's default load restriction).
 */

const GENERATOR_FIELDS = new Set(['name', 'namespace', 'files', 'literals', 'options']);
const OPTION_FIELDS = new Set(['labels', 'annotations', 'disableNameSuffixHash']);

interface GeneratorEntry {
  readonly name?: unknown;
  readonly namespace?: unknown;
  readonly files?: unknown;
  readonly literals?: unknown;
  readonly options?: {
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly disableNameSuffixHash?: boolean;
  };
}

/** The generated ConfigMap (named as written; the renderer adds the suffix last) and whether it gets one. */
export interface GeneratedConfigMap {
  readonly configMap: Resource;
  readonly hashSuffix: boolean;
}

/** Go's encoding/json escapes these (HTML-safe); kustomize hashes that encoding. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * kustomize's ConfigMap hash (api/hasher): sha256 of `{data, kind, name}` as Go JSON, its first 10
 * hex digits re-lettered. kustomize 5 hashes the object before naming it, so `name` is empty
 * (checked against `kubectl kustomize`, kustomize v5.5.0; test/kustomize.test.ts).
 */
export function configMapHash(data: Record<string, string>): string {
  const sorted = Object.fromEntries(
    Object.keys(data)
      .sort()
      .map((k) => [k, data[k]]),
  );
  const encoded = goJson({ data: sorted, kind: 'ConfigMap', name: '' });
  const hex = createHash('sha256').update(encoded).digest('hex').slice(0, 10);
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex].map((c) => swap[c] ?? c).join('');
}

function inside(dir: string, file: string): boolean {
  const rel = path.relative(realpathSync(dir), realpathSync(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export function generateConfigMap(entry: GeneratorEntry, dir: string, where: string): GeneratedConfigMap {
  for (const field of Object.keys(entry)) {
    if (!GENERATOR_FIELDS.has(field)) throw new Error(`${where}: unsupported field '${field}'`);
  }
  for (const field of Object.keys(entry.options ?? {})) {
    if (!OPTION_FIELDS.has(field)) throw new Error(`${where}: unsupported option '${field}'`);
  }
  if (typeof entry.name !== 'string' || entry.name === '') throw new Error(`${where}: needs a name`);
  const data: Record<string, string> = {};
  const put = (key: string, value: string) => {
    if (key in data) throw new Error(`${where}: key '${key}' is generated twice`);
    data[key] = value;
  };
  for (const spec of (entry.files as string[] | undefined) ?? []) {
    const eq = spec.indexOf('=');
    const file = eq === -1 ? spec : spec.slice(eq + 1);
    const key = eq === -1 ? path.basename(file) : spec.slice(0, eq);
    const full = path.resolve(dir, file);
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch {
      throw new Error(`${where}: file '${file}' does not exist`);
    }
    if (!inside(dir, full))
      throw new Error(
        `${where}: file '${file}' is outside the kustomization directory (kustomize refuses it)`,
      );
    put(key, text);
  }
  for (const literal of (entry.literals as string[] | undefined) ?? []) {
    const eq = literal.indexOf('=');
    if (eq <= 0) throw new Error(`${where}: literal '${literal}' is not KEY=value`);
    put(literal.slice(0, eq), literal.slice(eq + 1));
  }
  if (Object.keys(data).length === 0) throw new Error(`${where}: generates an empty ConfigMap`);
  const { labels, annotations, disableNameSuffixHash } = entry.options ?? {};
  const configMap: Resource = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: entry.name,
      ...(typeof entry.namespace === 'string' ? { namespace: entry.namespace } : {}),
      ...(labels ? { labels: { ...labels } } : {}),
      ...(annotations ? { annotations: { ...annotations } } : {}),
    },
    data,
  };
  return { configMap, hashSuffix: disableNameSuffixHash !== true };
}

type Obj = Record<string, unknown>;

function podSpecOf(r: Resource): Obj | undefined {
  const spec = r.spec as Obj | undefined;
  if (r.kind === 'Pod') return spec;
  if (r.kind === 'CronJob') return ((spec?.jobTemplate as Obj)?.spec as Obj)?.template as Obj | undefined;
  return ((spec?.template as Obj | undefined)?.spec as Obj | undefined) ?? undefined;
}

/**
 * Points every reference to `from` (a ConfigMap in `namespace`) at `to`, as kustomize's name
 * reference transformer does for pods: volumes (plain and projected), env and envFrom.
 * Returns how many references were rewritten.
 */
export function renameConfigMapReferences(
  resources: Resource[],
  namespace: string | undefined,
  from: string,
  to: string,
): number {
  let count = 0;
  const swap = (ref: Obj | undefined) => {
    if (ref && ref.name === from) {
      ref.name = to;
      count++;
    }
  };
  for (const r of resources) {
    if (r.metadata.namespace !== namespace) continue;
    const pod = podSpecOf(r);
    if (!pod) continue;
    for (const v of (pod.volumes as Obj[] | undefined) ?? []) {
      swap(v.configMap as Obj | undefined);
      for (const s of ((v.projected as Obj | undefined)?.sources as Obj[] | undefined) ?? [])
        swap(s.configMap as Obj | undefined);
    }
    const containers = [
      ...((pod.initContainers as Obj[] | undefined) ?? []),
      ...((pod.containers as Obj[] | undefined) ?? []),
    ];
    for (const c of containers) {
      for (const e of (c.env as Obj[] | undefined) ?? [])
        swap((e.valueFrom as Obj | undefined)?.configMapKeyRef as Obj | undefined);
      for (const e of (c.envFrom as Obj[] | undefined) ?? []) swap(e.configMapRef as Obj | undefined);
    }
  }
  return count;
}
