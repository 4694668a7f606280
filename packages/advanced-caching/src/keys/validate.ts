import { IntelGraphError } from '@intelgraph/errors';

/** The longest tag CloudFront (and the other tiers, to stay interchangeable) accepts. */
export const MAX_TAG_LENGTH = 256;

// Visible ASCII 33-126 without the comma, which separates tags in Cache-Tag headers.
const TAG = /^[\x21-\x2b\x2d-\x7e]+$/;

/** Throws `CACHE_KEY_INVALID` unless `key` is a non-empty string of at most `maxLength` characters. */
export function assertKey(key: unknown, maxLength: number): asserts key is string {
  if (typeof key === 'string' && key.length > 0 && key.length <= maxLength) return;
  const shown = typeof key === 'string' ? key.slice(0, 200) : key;
  const reason =
    typeof key !== 'string'
      ? `expected a string, got ${typeof key}`
      : key.length === 0
        ? 'the key is empty'
        : `the key is ${key.length} characters, more than ${maxLength}`;
  throw new IntelGraphError('CACHE_KEY_INVALID', `Invalid cache key: ${reason}`, {
    input: shown,
    details: { maxKeyLength: maxLength },
  });
}

/** Throws `CACHE_TAG_INVALID` unless `tag` is 1-256 characters of visible ASCII without commas. */
export function assertTag(tag: unknown): asserts tag is string {
  if (typeof tag === 'string' && tag.length > 0 && tag.length <= MAX_TAG_LENGTH && TAG.test(tag)) return;
  throw new IntelGraphError(
    'CACHE_TAG_INVALID',
    `Invalid cache tag ${JSON.stringify(typeof tag === 'string' ? tag.slice(0, 200) : tag)}: expected 1-${MAX_TAG_LENGTH} visible ASCII characters (33-126), no comma`,
    { input: tag },
  );
}

/** Validates and de-duplicates a tag list; returns the shared empty array when there are none. */
export function normaliseTags(tags: readonly string[] | undefined): readonly string[] {
  if (tags === undefined || tags.length === 0) return EMPTY;
  if (!Array.isArray(tags)) {
    throw new IntelGraphError('CACHE_TAG_INVALID', 'tags must be an array of strings', { input: tags });
  }
  for (const tag of tags) assertTag(tag);
  return tags.length === 1 ? tags : [...new Set(tags)];
}

const EMPTY: readonly string[] = Object.freeze([]);
