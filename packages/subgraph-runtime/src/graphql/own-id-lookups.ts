import type { Identity } from '@intelgraph/identity';
import { isOwnId, notFound, requireOwnId } from './tenant-ids.js';

/** A by-id loader of the request (a `DataLoader` or anything that loads one row by id). */
export interface ByIdLoader<T> {
  load(id: string): Promise<T | null | undefined>;
}

/**
 * The row behind an id a caller sent (`Query.user(id)`, `Query.entity(id)`, …): a malformed id is
 * `BAD_USER_INPUT`, and an id of another tenant or one with no row are the same `NOT_FOUND`, so a
 * caller learns nothing about other tenants.
 */
export async function loadOwnById<T>(
  identity: Identity,
  loader: ByIdLoader<T>,
  typeName: string,
  id: unknown,
): Promise<T> {
  const ownId = requireOwnId(identity, id, typeName);
  const found = await loader.load(ownId);
  if (!found) throw notFound(typeName, ownId);
  return found;
}

/**
 * `__resolveReference` for a type this subgraph owns, batched by its by-id loader: the gateway
 * sends every representation of a query in one `_entities` call and the loader answers them with
 * one statement per shard. A reference to another tenant's id (or a malformed one) is `null`, not
 * an error: references come from other subgraphs' data, not from the caller's arguments.
 */
export function ownReferenceResolver<C extends { readonly identity: Identity }, T>(
  loaderOf: (ctx: C) => ByIdLoader<T>,
): (ref: { id: string }, ctx: C) => Promise<T | null | undefined> | null {
  return (ref, ctx) => (isOwnId(ctx.identity, ref.id) ? loaderOf(ctx).load(ref.id) : null);
}
