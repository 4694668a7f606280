import { describe, expect, it } from 'vitest';
import {
  audienceTypeTags,
  bareTypeTags,
  entityTag,
  INVALIDATES_METADATA,
  invalidationTags,
  setChangeTags,
  tagsOfEventMetadata,
  tenantTag,
  tenantTypeTag,
} from '../src/index.js';

describe('the tags a write invalidates (invalidationTags)', () => {
  it('names each changed object, and the set tags of each type whose set changed, once', () => {
    expect(invalidationTags({ tenant: 'acme', objects: [{ type: 'Entity', id: 'acme:9' }] })).toEqual([
      'Entity:acme:9',
    ]);
    expect(
      invalidationTags({
        tenant: 'acme',
        objects: [
          { type: 'Entity', id: 'acme:9' },
          { type: 'User', id: 'acme:u1' },
          { type: 'Entity', id: 'acme:9' },
        ],
        sets: ['Entity'],
      }),
    ).toEqual(['Entity:acme:9', 'User:acme:u1', 'Entity@acme', 'Entity@*']);
    expect(invalidationTags({ tenant: 'acme' })).toEqual([]);
  });

  it("purges the type for the write's tenant and the tenant-less responses, not every tenant's", () => {
    expect(setChangeTags('Entity', 'acme')).toEqual(['Entity@acme', 'Entity@*']);
    // No tenant, or one that cannot form a tag: every tenant's responses of the type.
    expect(invalidationTags({ tenant: undefined, sets: ['Entity'] })).toEqual(['Entity']);
    expect(invalidationTags({ tenant: 'has,comma', sets: ['Entity'] })).toEqual(['Entity']);
  });

  it('falls back to the bare type for an object whose id cannot form a tag (never a missed purge)', () => {
    expect(entityTag('Entity', 'x'.repeat(300))).toBeUndefined();
    expect(entityTag('Entity', { id: 1 })).toBeUndefined();
    expect(invalidationTags({ tenant: 'acme', objects: [{ type: 'Entity', id: 'x'.repeat(300) }] })).toEqual([
      'Entity',
    ]);
    expect(entityTag('Entity', 42)).toBe('Entity:42');
  });

  it('tags a response with its types per tenant, and gives the CDN the bare tags', () => {
    expect(audienceTypeTags(['Entity', 'User'], 'acme')).toEqual(['Entity@acme', 'User@acme']);
    expect(audienceTypeTags(['Entity'], undefined)).toEqual(['Entity@*']);
    expect(tenantTypeTag('Entity', 'a'.repeat(300))).toBeUndefined();
    expect(bareTypeTags(['Entity:9', 'Entity@acme', 'Entity@*', 'User:a@b.test'])).toEqual([
      'Entity:9',
      'Entity',
      'User:a@b.test',
    ]);
  });
});

describe('the tag of everything cached for one tenant (tenantTag)', () => {
  it('is @tenant:<id>, distinct from every object and type tag, kept whole by bareTypeTags', () => {
    expect(tenantTag('acme')).toBe('@tenant:acme');
    expect(tenantTag('acme.eu-1_~x')).toBe('@tenant:acme.eu-1_~x');
    // GraphQL type names cannot start with '@': no object or type tag equals a tenant tag.
    expect(tenantTag('Entity')).not.toBe(tenantTypeTag('Entity', undefined));
    expect(bareTypeTags([tenantTag('acme')!])).toEqual(['@tenant:acme']);
    // The longest routable tenant (128 characters) forms a tag.
    expect(tenantTag('t'.repeat(128))).toBe(`@tenant:${'t'.repeat(128)}`);
  });

  it('is undefined for a tenant that cannot form a valid tag (such a tenant is not cached)', () => {
    for (const bad of ['', 'has,comma', 'has space', 'é', 'x'.repeat(300)])
      expect(tenantTag(bad)).toBeUndefined();
    expect(tenantTag('x'.repeat(256 - '@tenant:'.length))).toBeDefined();
    expect(tenantTag('x'.repeat(257 - '@tenant:'.length))).toBeUndefined();
  });
});

describe('the tags an event carries (tagsOfEventMetadata)', () => {
  it('reads the valid tags of metadata.invalidates, once, and nothing from anything else', () => {
    const metadata = { tenantId: 'acme', [INVALIDATES_METADATA]: ['Entity:1', 'Entity@acme', 'Entity:1'] };
    expect(tagsOfEventMetadata(metadata)).toEqual(['Entity:1', 'Entity@acme']);
    expect(tagsOfEventMetadata({ invalidates: ['ok', 'bad,tag', 7, ''] })).toEqual(['ok']);
    for (const none of [undefined, null, 'x', {}, { invalidates: 'Entity:1' }])
      expect(tagsOfEventMetadata(none)).toEqual([]);
  });
});
