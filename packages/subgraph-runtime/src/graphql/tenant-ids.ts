import { parseRoutableId } from '@intelgraph/database-sharding';
import { IntelGraphError } from '@intelgraph/errors';
import type { Identity } from '@intelgraph/identity';

/**
 * Checks an id a caller sent against the caller's tenant. A malformed id is `BAD_USER_INPUT`; an
 * id of another tenant is `NOT_FOUND`, worded exactly like an id that does not exist, so a caller
 * learns nothing about other tenants. The tenant comes from the verified identity only.
 */
export function requireOwnId(identity: Identity, id: unknown, typeName: string, argument = 'id'): string {
  const tenant = tenantOfId(id, argument);
  if (tenant !== identity.tenantId) throw notFound(typeName, id as string);
  return id as string;
}

/** The tenant embedded in an id; `BAD_USER_INPUT` naming the argument when there is none. */
export function tenantOfId(id: unknown, argument = 'id'): string {
  if (typeof id !== 'string' || id.length > 300) {
    throw new IntelGraphError('BAD_USER_INPUT', `${argument} is not a valid id`, {
      input: typeof id === 'string' ? `${id.slice(0, 64)}…` : id,
      details: { argument },
    });
  }
  try {
    return parseRoutableId(id).shardKey;
  } catch (error) {
    throw new IntelGraphError('BAD_USER_INPUT', `${argument} ${JSON.stringify(id)} is not a valid id`, {
      input: id,
      cause: error,
      details: { argument },
    });
  }
}

/** True when `id` is a well-formed id of the caller's tenant (for references: no error, just no row). */
export function isOwnId(identity: Identity, id: unknown): id is string {
  try {
    return tenantOfId(id) === identity.tenantId;
  } catch {
    return false;
  }
}

export function notFound(typeName: string, id: string): IntelGraphError {
  return new IntelGraphError('NOT_FOUND', `${typeName} ${id} not found`, {
    input: id,
    details: { typeName },
  });
}
