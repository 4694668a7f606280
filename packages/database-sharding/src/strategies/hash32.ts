/**
 * A fast, well-distributed 32-bit string hash: FNV-1a over UTF-16 code units followed by the
 * MurmurHash3 finaliser (fmix32). FNV-1a alone clusters short similar keys (`tenant-1`,
 * `tenant-2`) on a ring; the finaliser's avalanche spreads them. Pure integer arithmetic with
 * `Math.imul`, no allocation: the ring lookup benchmark depends on it.
 */
export function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
