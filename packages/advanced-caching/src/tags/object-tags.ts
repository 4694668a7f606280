import { MAX_TAG_LENGTH } from '../keys/validate.js';

/*
 * The tag vocabulary shared by the writers (a subgraph declaring what its write changes) and the
 * caches that must forget it (the subgraph's loader cache, the gateway's response and entity
 * caches, the CDN). One home, so that the tags a write declares are exactly those the readers
 * stored their entries under:
 *
 *  - `Type:<id>`      one object (an entity with a simple key);
 *  - `Type@<tenant>`  one tenant's set of objects of a type (lists, counts); `Type@*` the
 *                     responses computed for no tenant;
 *  - `Type`           every object of the type, any tenant (what the CDN's objects carry);
 *  - `@tenant:<id>`   everything cached of one tenant, any type: what a tenant's move to another
 *                     shard invalidates (every instance, when the shard map it follows moves it).
 */

// Visible ASCII 33-126 without the comma (the Cache-Tag separator); the same rule as assertTag.
const TAG = /^[\x21-\x2b\x2d-\x7e]+$/;

/** The tenant part of a type tag computed for no tenant (anonymous). */
const NO_TENANT = '*';

/** Whether a string can be a tag (1–256 characters, ASCII 33–126, no comma). */
export function isValidTag(tag: string): boolean {
  return tag.length > 0 && tag.length <= MAX_TAG_LENGTH && TAG.test(tag);
}

/** `Type:<id>`: the tag of one object, or undefined when it would not be a valid tag. */
export function entityTag(type: string, id: unknown): string | undefined {
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  const tag = `${type}:${id}`;
  return isValidTag(tag) ? tag : undefined;
}

/** The prefix of a tenant tag; no type name starts with `@`, so it never collides with theirs. */
const TENANT_TAG_PREFIX = '@tenant:';

/**
 * `@tenant:<id>`: the tag every cached entry of one tenant carries besides its object tags, or
 * undefined when the tenant is empty or would not form a valid tag (an entry of such a tenant must
 * not be cached: nothing could invalidate it as a whole). Invalidated when the tenant's shard changes.
 */
export function tenantTag(tenant: string): string | undefined {
  if (typeof tenant !== 'string' || tenant.length === 0) return undefined;
  const tag = `${TENANT_TAG_PREFIX}${tenant}`;
  return isValidTag(tag) ? tag : undefined;
}

/**
 * `Type@<tenant>`: the type tag of a response computed for that tenant (`Type@*` for none), or
 * undefined when it would not be a valid tag. A cached response carries it next to the bare
 * `Type`, so a change to one tenant's set of objects of a type purges that tenant's responses and
 * the tenant-less ones, and leaves the other tenants' alone: tenants never see each other's objects.
 */
export function tenantTypeTag(type: string, tenant: string | undefined): string | undefined {
  const tag = `${type}@${tenant ?? NO_TENANT}`;
  return isValidTag(tag) ? tag : undefined;
}

/** Each type's tag for the audience of a response: see `tenantTypeTag`. */
export function audienceTypeTags(types: readonly string[], tenant: string | undefined): string[] {
  const tags: string[] = [];
  for (const type of types) {
    const tag = tenantTypeTag(type, tenant);
    if (tag) tags.push(tag);
  }
  return tags;
}

/**
 * The tags a change to a tenant's set of objects of a type invalidates: that tenant's and the
 * tenant-less responses of the type; the bare type (every response of it, any tenant) when the
 * tenant is unknown or cannot form a tag.
 */
export function setChangeTags(type: string, tenant: string | undefined): string[] {
  if (tenant === undefined || tenant === NO_TENANT) return [type];
  const own = tenantTypeTag(type, tenant);
  const anonymous = tenantTypeTag(type, undefined);
  return own && anonymous ? [own, anonymous] : [type];
}

/** The tags with each tenant type tag (`Type@…`) made bare (`Type`), once: what a CDN's objects carry. */
export function bareTypeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((tag) => /^([^:@]+)@/.exec(tag)?.[1] ?? tag))];
}

/** One object a write changed: its GraphQL type and key (`{ type: 'Entity', id }`). */
export interface ChangedObject {
  readonly type: string;
  readonly id: string | number;
}

/** What a write changes, in the terms the caches understand. */
export interface WriteChanges {
  /** Whose data it is: scopes the set tags (unknown: every tenant's sets of the type). */
  readonly tenant: string | undefined;
  /** Objects whose fields changed, or that were created or deleted: `Type:<id>` each. */
  readonly objects?: readonly ChangedObject[];
  /**
   * Types whose set of objects changed for the tenant (a create, a delete, a link): lists and
   * counts of them may now differ, so the tenant's responses of the type go.
   */
  readonly sets?: readonly string[];
}

/**
 * The invalidation tags of a write: `Type:<id>` for every changed object, and the set tags
 * (`setChangeTags`) of every type whose set changed. The one helper every writer uses, so a
 * write invalidates exactly what the readers tagged.
 */
export function invalidationTags(changes: WriteChanges): string[] {
  const tags = new Set<string>();
  for (const object of changes.objects ?? []) {
    const tag = entityTag(object.type, object.id);
    // An id that cannot form a tag: every object of the type goes (never a missed invalidation).
    tags.add(tag ?? object.type);
  }
  for (const type of changes.sets ?? []) for (const tag of setChangeTags(type, changes.tenant)) tags.add(tag);
  return [...tags];
}

/**
 * Where a domain event carries the tags its write invalidates: `metadata.invalidates` (written by
 * the event store's append, read by the invalidation consumers).
 */
export const INVALIDATES_METADATA = 'invalidates';

/**
 * The topic on which every event that invalidates something is also published (besides its
 * aggregate's topic): the caches' consumers subscribe to it alone, so a new aggregate needs no
 * consumer change.
 */
export const INVALIDATION_TOPIC = 'cache-invalidation';

/** The invalidation tags an event's metadata carries (valid tags only; none when absent). */
export function tagsOfEventMetadata(metadata: unknown): string[] {
  if (typeof metadata !== 'object' || metadata === null) return [];
  const tags = (metadata as Record<string, unknown>)[INVALIDATES_METADATA];
  if (!Array.isArray(tags)) return [];
  return [...new Set(tags.filter((t): t is string => typeof t === 'string' && isValidTag(t)))];
}
