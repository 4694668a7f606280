import { randomUUID } from 'node:crypto';
import { IntelGraphError } from '@intelgraph/errors';

/**
 * Routable ids: `<shardKey>:<localId>`, e.g. `acme:0b9e…-…`. The shard key (the tenant) comes
 * first and may not contain `:`; the local part may (it is everything after the first `:`). From
 * an id alone the router finds the shard, with no directory lookup:
 *
 *   const id = routableId(tenantId);               // new entity id
 *   router.routeId(id)                              // its shard
 *   shardKeyOfId(id) === tenantId
 *
 * Readable in logs and SQL, sortable by tenant, and safe in URLs when the tenant id is (tenant ids
 * are slugs or UUIDs here).
 */
export const ROUTABLE_ID_SEPARATOR = ':';

const SHARD_KEY = /^[A-Za-z0-9_.~-]{1,128}$/;

export function routableId(shardKey: string, localId: string = randomUUID()): string {
  if (!SHARD_KEY.test(shardKey)) {
    throw new IntelGraphError(
      'SHARD_ID_INVALID',
      `shard key ${JSON.stringify(shardKey)} cannot be embedded in an id: expected 1-128 characters of [A-Za-z0-9_.~-]`,
      { input: shardKey },
    );
  }
  if (localId.length === 0)
    throw new IntelGraphError('SHARD_ID_INVALID', 'the local part of an id is empty', { input: localId });
  return `${shardKey}${ROUTABLE_ID_SEPARATOR}${localId}`;
}

/** The shard key embedded in a routable id; `SHARD_ID_INVALID` when there is none. */
export function shardKeyOfId(id: string): string {
  const at = typeof id === 'string' ? id.indexOf(ROUTABLE_ID_SEPARATOR) : -1;
  const key = at > 0 ? id.slice(0, at) : '';
  if (!SHARD_KEY.test(key) || at === id.length - 1) {
    throw new IntelGraphError(
      'SHARD_ID_INVALID',
      `id ${JSON.stringify(id)} is not routable: expected '<shardKey>:<localId>'`,
      {
        input: id,
      },
    );
  }
  return key;
}

/** Both parts of a routable id. */
export function parseRoutableId(id: string): { shardKey: string; localId: string } {
  const shardKey = shardKeyOfId(id);
  return { shardKey, localId: id.slice(shardKey.length + 1) };
}
