/** One RFC 6902 operation, the subset kustomize overlays use. */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string };

function decodePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new Error(`JSON pointer '${path}' must start with '/'`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function child(parent: Container, key: string, path: string): unknown {
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new Error(`${path}: no index ${key}`);
    return parent[i];
  }
  if (!Object.hasOwn(parent, key)) throw new Error(`${path}: no member '${key}'`);
  return parent[key];
}

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

/**
 * Applies `ops` to a deep copy of `doc` and returns it. Strict like kustomize: `replace`,
 * `remove` and `test` fail when the path does not exist, so an overlay whose base changed
 * shape fails loudly instead of patching nothing.
 */
export function applyJsonPatch<T>(doc: T, ops: readonly JsonPatchOperation[]): T {
  let root: unknown = structuredClone(doc);
  for (const op of ops) {
    const keys = decodePointer(op.path);
    if (keys.length === 0) {
      if (op.op === 'remove') throw new Error('cannot remove the document root');
      if (op.op === 'test') {
        if (JSON.stringify(root) !== JSON.stringify(op.value)) throw new Error('test failed at root');
        continue;
      }
      root = structuredClone(op.value);
      continue;
    }
    let parent: unknown = root;
    for (const key of keys.slice(0, -1)) {
      if (!isContainer(parent)) throw new Error(`${op.path}: '${key}' is not inside an object or array`);
      parent = child(parent, key, op.path);
    }
    if (!isContainer(parent)) throw new Error(`${op.path}: parent is not an object or array`);
    const last = keys[keys.length - 1]!;
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length) {
        throw new Error(`${op.path}: bad array index '${last}'`);
      }
      if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value));
      else {
        if (index >= parent.length) throw new Error(`${op.path}: no index ${last}`);
        if (op.op === 'replace') parent[index] = structuredClone(op.value);
        else if (op.op === 'remove') parent.splice(index, 1);
        else if (JSON.stringify(parent[index]) !== JSON.stringify(op.value)) {
          throw new Error(`${op.path}: test failed`);
        }
      }
      continue;
    }
    if (op.op === 'add') {
      parent[last] = structuredClone(op.value);
      continue;
    }
    if (!Object.hasOwn(parent, last)) throw new Error(`${op.path}: no member '${last}' to ${op.op}`);
    if (op.op === 'replace') parent[last] = structuredClone(op.value);
    else if (op.op === 'remove') delete parent[last];
    else if (JSON.stringify(parent[last]) !== JSON.stringify(op.value))
      throw new Error(`${op.path}: test failed`);
  }
  return root as T;
}

export function isJsonPatch(value: unknown): value is JsonPatchOperation[] {
  return (
    Array.isArray(value) &&
    value.every(
      (op) =>
        typeof op === 'object' &&
        op !== null &&
        typeof (op as { path?: unknown }).path === 'string' &&
        ['add', 'remove', 'replace', 'test'].includes((op as { op?: string }).op ?? ''),
    )
  );
}
