import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRoutableId, routableId, shardKeyOfId } from '../src/index.js';

describe('routable ids', () => {
  it('round-trips the shard key and the local part', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.~-]{1,40}$/), fc.string({ minLength: 1 }), (key, local) => {
        const id = routableId(key, local);
        expect(shardKeyOfId(id)).toBe(key);
        expect(parseRoutableId(id)).toEqual({ shardKey: key, localId: local });
      }),
    );
    expect(routableId('acme')).toMatch(/^acme:[0-9a-f-]{36}$/);
  });

  it('rejects ids without a shard key and keys that cannot be embedded', () => {
    for (const id of ['', 'nokey', ':x', 'acme:', 'a b:x'])
      expect(() => shardKeyOfId(id), id).toThrow(expect.objectContaining({ code: 'SHARD_ID_INVALID' }));
    expect(() => routableId('a:b')).toThrow(expect.objectContaining({ code: 'SHARD_ID_INVALID' }));
  });
});
