import { afterAll } from 'vitest';
import { EntryCodec } from '../src/serialization/entry-codec.js';
import { jsonSerializer } from '../src/serialization/serializer.js';
import { RedisKeys } from '../src/stores/redis-keys.js';
import { RedisStore } from '../src/stores/redis-store.js';
import { runCacheStoreContract } from './contract/cache-store.contract.js';
import { dropPrefix, testRedis, uniquePrefix } from './helpers/redis.js';

const redis = testRedis();
afterAll(() => redis.quit());

for (const compressionThreshold of [0, 1024]) {
  runCacheStoreContract(`RedisStore (L2, compression threshold ${compressionThreshold})`, async () => {
    const prefix = uniquePrefix('store');
    const codec = new EntryCodec({
      serializer: jsonSerializer,
      compressionThreshold,
      compressionAlgorithm: 'deflate',
    });
    return {
      store: new RedisStore(redis, codec, new RedisKeys(prefix), 3_600_000),
      close: () => dropPrefix(redis, prefix),
    };
  });
}
