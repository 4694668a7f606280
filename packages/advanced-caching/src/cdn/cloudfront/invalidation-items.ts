import { IntelGraphError } from '@intelgraph/errors';
import { assertTag } from '../../keys/validate.js';

/** CloudFront's documented limits on invalidations in progress for one distribution. */
export const CLOUDFRONT_LIMITS = {
  /** File paths (and tags) in invalidations in progress at one time. */
  maxPathsInFlight: 3000,
  /** Wildcard paths in invalidations in progress at one time. */
  maxWildcardsInFlight: 15,
  maxPathLength: 4000,
} as const;

/** A path (`/a/b`, `/static/*`) or a tag (`#users`) ready for `Paths.Items`, with its dedup identity. */
export interface InvalidationItem {
  /** What is sent. */
  readonly value: string;
  /** Deduplication key: tags compare case-insensitively at CloudFront. */
  readonly id: string;
  readonly wildcard: boolean;
}

export function pathItem(path: string): InvalidationItem {
  const star = typeof path === 'string' ? path.indexOf('*') : -1;
  if (
    typeof path !== 'string' ||
    !path.startsWith('/') ||
    path.length > CLOUDFRONT_LIMITS.maxPathLength ||
    (star !== -1 && star !== path.length - 1)
  ) {
    throw new IntelGraphError(
      'CACHE_CDN_PATH_INVALID',
      `Invalid CDN path ${JSON.stringify(path)}: expected '/...', at most ${CLOUDFRONT_LIMITS.maxPathLength} characters, '*' only at the end`,
      { input: path },
    );
  }
  return { value: path, id: path, wildcard: star !== -1 };
}

export function tagItem(tag: string): InvalidationItem {
  assertTag(tag);
  return { value: `#${tag}`, id: `#${tag.toLowerCase()}`, wildcard: false };
}
