/**
 * Tag versions and the time, taken before a load (`MultiTierCache.fence`). Tags listed are judged
 * by version (exact); a tag not listed counts as invalidated since when its version is later than
 * `notBefore` (versions are Redis `TIME` in ms, or the local clock without Redis), which allows for
 * clock skew between this process and Redis.
 */
export interface TagFence {
  readonly versions: ReadonlyMap<string, number>;
  /** Epoch ms: a version after it may be an invalidation that happened during the load. */
  readonly notBefore: number;
}

/**
 * The versions an entry loaded under `fence` records, or undefined when a tag moved since the
 * fence (the write must be dropped). `current` are the versions this instance knows now.
 */
export function fencedVersions(
  tags: readonly string[],
  current: readonly number[],
  fence: TagFence,
): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < tags.length; i++) {
    const before = fence.versions.get(tags[i]!);
    const now = current[i]!;
    if (before === undefined ? now > fence.notBefore : now !== before) return undefined;
    out.push(before ?? now);
  }
  return out;
}
