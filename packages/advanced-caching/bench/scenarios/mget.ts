import { check, compare, type Measured, type MeasureOptions } from '../harness.js';
import { entity, makePair } from '../setup.js';

/**
 * 100 keys from Redis (L1 off, so every read is remote): one `mget` (one MGET round trip)
 * against 100 sequential `get`s, ours and bentocache's (which has no multi-get).
 */
export async function mget100(options?: MeasureOptions): Promise<Measured[]> {
  const pair = await makePair('l2');
  try {
    const keys = Array.from({ length: 100 }, (_, i) => `entity:${i}`);
    await pair.ours.mset(keys.map((key, i) => ({ key, value: entity(i) })));
    for (let i = 0; i < keys.length; i++) await pair.bento.set({ key: keys[i]!, value: entity(i) });
    return await compare(
      [
        {
          name: 'ours mget(100)',
          op: async () => {
            const values = await pair.ours.mget<{ id: string }>(keys);
            check(values.length === 100 && values[99]?.id === 'entity:99', 'mget');
          },
        },
        {
          name: 'ours 100 x get',
          op: async () => {
            for (const key of keys) check((await pair.ours.get<{ id: string }>(key))?.id === key, 'get');
          },
        },
        {
          name: 'bentocache 100 x get',
          op: async () => {
            for (const key of keys)
              check((await pair.bento.get<{ id: string }>({ key }))?.id === key, 'bento get');
          },
        },
      ],
      { rounds: 5, roundMs: 600, warmupMs: 300, ...options },
    );
  } finally {
    await pair.close();
  }
}
