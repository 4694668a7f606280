import { IntelGraphError } from '@intelgraph/errors';
import type { GatewayPlugin } from '../plugin.js';
import type { ApqStore } from './apq-store.js';
import { type PersistedManifest, sha256Hex } from './persisted-manifest.js';

export interface PersistedQueriesOptions {
  /** APQ store; APQ is off when undefined. */
  readonly store?: ApqStore;
  /** Known operations (always served by hash). */
  readonly manifest?: PersistedManifest;
  /** Run only operations of the manifest (default false). */
  readonly safelist?: boolean;
  readonly onEvent?: (event: 'hit' | 'miss' | 'registered' | 'refused') => void;
}

const HASH = /^[a-f0-9]{64}$/;

/**
 * Automatic persisted queries (sha256 of the query, the Apollo protocol: a hash alone, then on
 * PERSISTED_QUERY_NOT_FOUND the hash with the query) and a safelist mode that runs only the
 * manifest's operations. Runs before the limits, so a stored query is judged like any other.
 */
export function usePersistedQueries(options: PersistedQueriesOptions): GatewayPlugin {
  if (options.safelist && !options.manifest) {
    throw new IntelGraphError('CONFIG_INVALID', 'Safelist mode needs a persisted-operation manifest', {
      details: { field: 'PERSISTED_OPERATIONS_PATH' },
    });
  }
  const emit = options.onEvent ?? (() => {});
  return {
    name: 'persisted-queries',
    async onRequest(state) {
      const params = state.params;
      const ext = params.extensions?.persistedQuery as
        | { version?: unknown; sha256Hash?: unknown }
        | undefined;
      let hash: string | undefined;
      if (ext !== undefined) {
        // Handled here: Apollo Server (its own APQ off) must not see the extension.
        const { persistedQuery: _, ...rest } = params.extensions!;
        params.extensions = Object.keys(rest).length > 0 ? rest : undefined;
        if (
          typeof ext !== 'object' ||
          ext === null ||
          typeof ext.sha256Hash !== 'string' ||
          !HASH.test(ext.sha256Hash)
        ) {
          throw new IntelGraphError(
            'BAD_REQUEST_BODY',
            'extensions.persistedQuery.sha256Hash must be a lowercase hex SHA-256',
            {
              details: { reason: 'bad persisted query hash' },
            },
          );
        }
        hash = ext.sha256Hash;
      }
      if (options.safelist) {
        const id = hash ?? (params.query !== undefined ? sha256Hex(params.query) : undefined);
        const known = id === undefined ? undefined : options.manifest!.get(id);
        if (known === undefined || (params.query !== undefined && params.query !== known)) {
          emit('refused');
          throw new IntelGraphError(
            'PERSISTED_QUERY_NOT_ALLOWED',
            'This operation is not in the persisted-operation safelist',
            {
              input: id,
            },
          );
        }
        params.query = known;
        return;
      }
      if (hash === undefined) return;
      if (params.query !== undefined) {
        if (sha256Hex(params.query) !== hash) {
          throw new IntelGraphError('PERSISTED_QUERY_HASH_MISMATCH', 'provided sha does not match query', {
            input: hash,
          });
        }
        if (options.store) {
          await options.store.set(hash, params.query);
          emit('registered');
        }
        return;
      }
      const query = options.manifest?.get(hash) ?? (await options.store?.get(hash));
      if (query === undefined) {
        emit('miss');
        // Apollo clients look for this message or code to resend the full query.
        throw new IntelGraphError('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound', { input: hash });
      }
      emit('hit');
      params.query = query;
    },
  };
}
