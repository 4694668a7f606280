import { isValidTag } from './response-tags.js';

/** The tenant part of the type tag of a response computed for no tenant (anonymous). */
const NO_TENANT = '*';

/**
 * `Type@<tenant>`: the type tag of a response computed for that tenant (`Type@*` for none), or
 * undefined when it would not be a valid tag. A cached response carries it next to the bare
 * `Type`, so a change to one tenant's set of objects of a type purges that tenant's responses and
 * the tenant-less ones, and leaves the other tenants' cached responses alone: tenants never see
 * each other's objects, so another tenant's response cannot hold the changed set.
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
