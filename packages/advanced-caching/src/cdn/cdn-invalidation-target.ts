/**
 * A CDN the invalidator can purge. `CloudFrontInvalidator` (subpath
 * `@intelgraph/advanced-caching/cloudfront`) implements it; so can a fake in tests or another CDN.
 */
export interface CdnInvalidationTarget {
  /** Paths such as `/api/users/1` or `/static/*`. */
  invalidatePaths(paths: readonly string[]): Promise<void>;
  /** Cache tags, as sent in the `Cache-Tag` header (without the `#`). */
  invalidateTags(tags: readonly string[]): Promise<void>;
}
