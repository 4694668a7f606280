import { makePair } from '../setup.js';

export interface HitRates {
  readonly warmup: number;
  readonly requests: number;
  readonly l1: number;
  readonly l2: number;
  readonly overall: number;
  readonly bentoOverall: number;
}

/** mulberry32: a small seeded PRNG, so every run replays the same request stream. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks 0..n-1 drawn with P(k) proportional to 1 / (k+1)^s. */
function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** s;
    cdf[k] = sum;
  }
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid - 1 >= lo ? mid : lo;
    }
    return lo;
  };
}

/**
 * Zipf (s = 1.0) over 100,000 keys, L1 holding 10,000 (10 %), Redis behind it; a warm-up stream
 * (the cache of a service that has been running), then the measured stream. Every read is a getOrSet whose loader counts as the
 * miss. Hit rates per tier are ours; bentocache runs the same stream for the overall rate.
 */
export async function zipfHitRate(requests = 150_000, warmup = 300_000, keys = 100_000): Promise<HitRates> {
  // bentocache 1.6.1 with `serialize: false` crashes when it copies an L2 hit into L1 (it stores
  // the serialized string and then reads it without a serializer): it runs serialized here, which
  // changes its speed but not which keys it holds, so its hit rate is comparable.
  const pair = await makePair('tiered', true);
  try {
    const draw = zipf(keys, 1.0, prng(42));
    const stream = Array.from({ length: warmup + requests }, draw);
    let oursLoads = 0;
    let bentoLoads = 0;
    const concurrency = 32;
    const run = async (from: number, to: number, read: (key: string) => Promise<unknown>) => {
      let next = from;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < to) {
            const rank = stream[next++]!;
            const value = (await read(`k${rank}`)) as { rank: number };
            if (value.rank !== rank) throw new Error(`wrong value for k${rank}`);
          }
        }),
      );
    };
    const oursRead = (key: string) =>
      pair.ours.getOrSet(key, () => {
        oursLoads++;
        return { rank: Number(key.slice(1)) };
      });
    const bentoRead = (key: string) =>
      pair.bento.getOrSet({
        key,
        factory: () => {
          bentoLoads++;
          return { rank: Number(key.slice(1)) };
        },
      });
    await run(0, warmup, oursRead);
    await run(0, warmup, bentoRead);
    const before = pair.ours.stats();
    const oursLoadsBefore = oursLoads;
    const bentoLoadsBefore = bentoLoads;
    await run(warmup, warmup + requests, oursRead);
    await run(warmup, warmup + requests, bentoRead);
    const after = pair.ours.stats();
    const l1Hits = after.hits.l1 - before.hits.l1;
    const l2Hits = after.hits.l2 - before.hits.l2;
    const loads = oursLoads - oursLoadsBefore;
    return {
      warmup,
      requests,
      l1: l1Hits / requests,
      l2: l2Hits / requests,
      overall: 1 - loads / requests,
      bentoOverall: 1 - (bentoLoads - bentoLoadsBefore) / requests,
    };
  } finally {
    await pair.close();
  }
}
