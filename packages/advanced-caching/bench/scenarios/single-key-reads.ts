import { check, compare, type Measured, type MeasureOptions } from '../harness.js';
import { entity, type Layout, makePair } from '../setup.js';

export type ReadKind = 'get' | 'getOrSet';

/**
 * Reads of keys that are already cached, rotating over 100 keys. `l1`: both caches L1 only.
 * `tiered`: L1 + Redis + bus, answered by L1. `l2`: Redis only, every read a round trip.
 */
export async function singleKeyReads(
  layout: Layout,
  kind: ReadKind,
  options?: MeasureOptions,
): Promise<Measured[]> {
  const pair = await makePair(layout);
  try {
    const keys = Array.from({ length: 100 }, (_, i) => `entity:${i}`);
    for (let i = 0; i < keys.length; i++) {
      await pair.ours.set(keys[i]!, entity(i));
      await pair.bento.set({ key: keys[i]!, value: entity(i) });
    }
    let a = 0;
    let b = 0;
    const loaderMustNotRun = (): never => {
      throw new Error('loader called on a hit');
    };
    const ours =
      kind === 'get'
        ? async () => {
            const i = a++ % 100;
            const v = await pair.ours.get<{ id: string }>(keys[i]!);
            check(v?.id === keys[i], `ours get ${keys[i]}`);
          }
        : async () => {
            const i = a++ % 100;
            const v = await pair.ours.getOrSet<{ id: string }>(keys[i]!, loaderMustNotRun);
            check(v.id === keys[i], `ours getOrSet ${keys[i]}`);
          };
    const bento =
      kind === 'get'
        ? async () => {
            const i = b++ % 100;
            const v = await pair.bento.get<{ id: string }>({ key: keys[i]! });
            check(v?.id === keys[i], `bento get ${keys[i]}`);
          }
        : async () => {
            const i = b++ % 100;
            const v = await pair.bento.getOrSet<{ id: string }>({ key: keys[i]!, factory: loaderMustNotRun });
            check(v.id === keys[i], `bento getOrSet ${keys[i]}`);
          };
    return await compare(
      [
        { name: 'ours', op: ours },
        { name: 'bentocache', op: bento },
      ],
      options,
    );
  } finally {
    await pair.close();
  }
}
