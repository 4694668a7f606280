import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { IntelGraphError } from '@intelgraph/errors';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A persisted-operation manifest: the Apollo format
 * (`{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id","body",…}]}`) or a
 * plain `{ "<sha256>": "<query>" }` object. Every operation is indexed by its id and by the
 * SHA-256 of its body, so both a hash and the full text find it.
 */
export class PersistedManifest {
  readonly #byHash = new Map<string, string>();

  constructor(operations: Iterable<{ id?: string; body: string }>) {
    for (const op of operations) {
      this.#byHash.set(sha256Hex(op.body), op.body);
      if (op.id) this.#byHash.set(op.id, op.body);
    }
  }

  get size(): number {
    return this.#byHash.size;
  }

  get(hash: string): string | undefined {
    return this.#byHash.get(hash);
  }

  static parse(json: unknown, source = 'manifest'): PersistedManifest {
    const invalid = (why: string): IntelGraphError =>
      new IntelGraphError('CONFIG_INVALID', `Persisted-operation manifest ${source}: ${why}`, {
        input: source,
        details: { field: 'PERSISTED_OPERATIONS_PATH' },
      });
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('not a JSON object');
    const obj = json as Record<string, unknown>;
    if (Array.isArray(obj.operations)) {
      return new PersistedManifest(
        obj.operations.map((op: unknown, i) => {
          const o = op as { id?: unknown; body?: unknown };
          if (typeof o?.body !== 'string') throw invalid(`operations[${i}].body is not a string`);
          return { id: typeof o.id === 'string' ? o.id : undefined, body: o.body };
        }),
      );
    }
    return new PersistedManifest(
      Object.entries(obj).map(([id, body]) => {
        if (typeof body !== 'string') throw invalid(`"${id}" is not a query string`);
        return { id, body };
      }),
    );
  }

  static async load(path: string): Promise<PersistedManifest> {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new IntelGraphError('CONFIG_INVALID', `Cannot read persisted-operation manifest ${path}`, {
        input: path,
        cause: error,
        details: { field: 'PERSISTED_OPERATIONS_PATH' },
      });
    }
    return PersistedManifest.parse(json, path);
  }
}
