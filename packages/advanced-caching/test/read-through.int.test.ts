import { afterAll } from 'vitest';
import { MultiTierCache } from '../src/index.js';
import { runReadThroughContract } from './contract/read-through.contract.js';
import { dropPrefix, testRedis, uniquePrefix } from './helpers/redis.js';

const redis = testRedis();
const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) await dropPrefix(redis, prefix);
  await redis.quit();
});

/** Two instances on one Redis (two processes' caches): the second is the contract's peer. */
function layout(label: string, l1: boolean) {
  return async () => {
    const prefix = uniquePrefix(label);
    prefixes.push(prefix);
    const make = () => new MultiTierCache({ name: label, prefix, l1: { enabled: l1 }, l2: { redis } });
    const cache = make();
    const peer = make();
    await Promise.all([cache.ready(), peer.ready()]);
    return {
      cache,
      peer,
      close: async () => {
        await cache.close();
        await peer.close();
      },
    };
  };
}

runReadThroughContract('L1 + Redis (two instances)', layout('rt-tiered', true));
runReadThroughContract('Redis only (two instances)', layout('rt-l2', false));
