/**
 * Strategic merge patch for the shapes our overlays patch: maps merge recursively, lists of
 * named objects (containers, env, ports, volumes, volumeMounts, …) merge item by item on their
 * merge key, any other list is replaced, and `null` deletes a field — as kubectl/kustomize do
 * for the built-in types. Directives (`$patch`, `$retainKeys`, …) are not supported and fail.
 */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  tolerations: 'key',
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function mergeList(field: string, base: unknown[], patch: unknown[]): unknown[] {
  const key = MERGE_KEYS[field];
  if (!key || !patch.every(isObj) || !base.every(isObj)) return structuredClone(patch);
  // `ports` of a Service merge on `port`, of a container on `containerPort`.
  const mergeKey =
    field === 'ports' && patch.every((p) => 'port' in p && !('containerPort' in p)) ? 'port' : key;
  const out = structuredClone(base) as Obj[];
  for (const item of patch as Obj[]) {
    if (!(mergeKey in item))
      throw new Error(`strategic merge: an item of '${field}' lacks its merge key '${mergeKey}'`);
    const i = out.findIndex((b) => b[mergeKey] === item[mergeKey]);
    if (i === -1) out.push(structuredClone(item));
    else out[i] = mergeObject(out[i]!, item);
  }
  return out;
}

function mergeObject(base: Obj, patch: Obj): Obj {
  const out: Obj = structuredClone(base);
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) throw new Error(`strategic merge: directive '${k}' is not supported`);
    if (v === null) {
      delete out[k];
    } else if (isObj(v) && isObj(out[k])) {
      out[k] = mergeObject(out[k] as Obj, v);
    } else if (Array.isArray(v) && Array.isArray(out[k])) {
      out[k] = mergeList(k, out[k] as unknown[], v);
    } else {
      out[k] = structuredClone(v);
    }
  }
  return out;
}

export function strategicMerge<T extends object>(base: T, patch: object): T {
  return mergeObject(base as Obj, patch as Obj) as T;
}
