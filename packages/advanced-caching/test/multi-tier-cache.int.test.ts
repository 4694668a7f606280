import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CacheInvalidator, MultiTierCache, type MultiTierCacheOptions } from '../src/index.js';
import { EntryCodec } from '../src/serialization/entry-codec.js';
import { RedisKeys } from '../src/stores/redis-keys.js';
import { dropPrefix, testRedis, uniquePrefix } from './helpers/redis.js';

const redis = testRedis();
const open: MultiTierCache[] = [];
const prefixes: string[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(async () => {
  for (const cache of open.splice(0)) await cache.close();
});
afterAll(async () => {
  for (const prefix of prefixes) await dropPrefix(redis, prefix);
  await redis.quit();
});

/** Two instances of one cache, as two service replicas would have (own L1, shared Redis). */
async function pair(options: MultiTierCacheOptions = {}, client: Redis = redis) {
  const prefix = uniquePrefix('pair');
  prefixes.push(prefix);
  const make = () => new MultiTierCache({ prefix, l2: { redis: client }, ...options });
  const a = make();
  const b = make();
  open.push(a, b);
  await Promise.all([a.ready(), b.ready()]);
  return { a, b, prefix };
}

/** Polls until `check` passes (pub/sub delivery is asynchronous), failing after 2 s. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 2000;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(10);
    }
  }
}

describe('MultiTierCache with Redis', () => {
  it('serves a value loaded by one instance to the other from L2, then from its L1', async () => {
    const { a, b } = await pair();
    await a.getOrSet('user:1', () => ({ name: 'Ada' }));
    expect(await b.getOrSet('user:1', () => ({ name: 'wrong' }))).toEqual({ name: 'Ada' });
    expect(await b.getOrSet('user:1', () => ({ name: 'wrong' }))).toEqual({ name: 'Ada' });
    expect(b.stats().hits).toMatchObject({ l1: 1, l2: 1 });
    expect(b.stats().loaderCalls).toBe(0);
  });

  it('a set on one instance evicts the stale L1 copy on the other', async () => {
    const { a, b } = await pair();
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1'); // now in b's L1
    await a.set('k', 'v2');
    await eventually(async () => expect(b.peek('k')).toBeUndefined());
    expect(await b.get('k')).toBe('v2');
  });

  it('without the bus, an L1 copy is stale for at most l1.ttl', async () => {
    const prefix = uniquePrefix('nobus');
    prefixes.push(prefix);
    const make = () =>
      new MultiTierCache({ prefix, l2: { redis }, l1: { ttl: 0.3 }, crossInstanceInvalidation: false });
    const a = make();
    const b = make();
    open.push(a, b);
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1');
    await a.set('k', 'v2');
    await sleep(50);
    expect(await b.get('k')).toBe('v1'); // no message: b's copy is stale...
    await sleep(300);
    expect(await b.get('k')).toBe('v2'); // ...until its L1 TTL ends
  });

  it('a delete on one instance removes the key from L2 and from L1 everywhere', async () => {
    const { a, b } = await pair();
    await a.mset([
      { key: 'x', value: 1 },
      { key: 'y', value: 2 },
    ]);
    expect(await b.mget(['x', 'y'])).toEqual([1, 2]);
    await a.delete(['x']);
    await eventually(async () => expect(b.peek('x')).toBeUndefined());
    expect(await b.mget(['x', 'y'])).toEqual([undefined, 2]);
  });

  it('invalidateByTag on one instance invalidates the tag on every instance and in L2', async () => {
    const { a, b, prefix } = await pair();
    await a.set('u1', 'user 1', { tags: ['users'] });
    await a.set('e1', 'entity 1', { tags: ['entities'] });
    expect(await b.mget(['u1', 'e1'])).toEqual(['user 1', 'entity 1']);
    await b.invalidateByTag('users');
    await eventually(async () => expect(await a.get('u1')).toBeUndefined());
    expect(await b.get('u1')).toBeUndefined();
    expect(await a.get('e1')).toBe('entity 1');
    // A third instance that never saw the message judges L2 by the tag version in Redis.
    const c = new MultiTierCache({ prefix, l2: { redis } });
    open.push(c);
    expect(await c.mget(['u1', 'e1'])).toEqual([undefined, 'entity 1']);
  });

  it('clears a namespace on every instance', async () => {
    const { a, b } = await pair();
    await a.namespace('apq').set('hash1', 'query { me { id } }');
    await a.namespace('responses').set('r1', { data: 1 });
    expect(await b.namespace('apq').get('hash1')).toBe('query { me { id } }');
    await a.namespace('apq').clear();
    await eventually(async () => expect(await b.namespace('apq').get('hash1')).toBeUndefined());
    expect(await b.namespace('responses').get('r1')).toEqual({ data: 1 });
  });

  it('registerDependency: invalidating a part invalidates what was built from it, on every instance', async () => {
    const { a, b } = await pair();
    const invA = new CacheInvalidator(a, redis);
    const invB = new CacheInvalidator(b, redis);
    await a.set('investigation:123', { entities: ['entity:456'] });
    await a.set('entity:456', { name: 'ACME' });
    await a.set('entity:789', { name: 'Other' });
    await invA.registerDependency('investigation:123', 'entity:456');
    expect(await b.mget(['investigation:123', 'entity:456'])).toHaveLength(2);
    // Instance B handles the event: it learns the dependency from Redis.
    const result = await invB.handleEvent({ type: 'EntityUpdated', id: 'evt-1', keys: ['entity:456'] });
    expect(new Set(result.keys)).toEqual(new Set(['entity:456', 'investigation:123']));
    await eventually(async () => expect(a.peek('investigation:123')).toBeUndefined());
    expect(await a.mget(['investigation:123', 'entity:456', 'entity:789'])).toEqual([
      undefined,
      undefined,
      { name: 'Other' },
    ]);
  });

  it('mget reads 100 keys in one MGET and mset writes them in one pipeline', async () => {
    const { a } = await pair({ l1: { enabled: false } });
    const commands: string[] = [];
    const client = redis as unknown as { sendCommand: (cmd: { name: string }) => unknown };
    const original = client.sendCommand;
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    let pipelines = 0;
    const pipeline = redis.pipeline.bind(redis);
    try {
      client.sendCommand = function (this: unknown, cmd: { name: string }, ...rest: unknown[]) {
        commands.push(cmd.name);
        return (original as (...args: unknown[]) => unknown).call(this, cmd, ...rest);
      } as never;
      (redis as { pipeline: unknown }).pipeline = (...args: unknown[]) => {
        pipelines++;
        return pipeline(...(args as []));
      };
      await a.mset(keys.map((key, i) => ({ key, value: i })));
      expect(pipelines).toBe(1);
      commands.length = 0;
      const values = await a.mget(keys);
      expect(values).toEqual(keys.map((_, i) => i));
      expect(commands).toEqual(['mget']);
    } finally {
      client.sendCommand = original;
      (redis as { pipeline: unknown }).pipeline = pipeline;
    }
  });

  it('compresses large values in Redis and reads them back on another instance', async () => {
    const { a, b, prefix } = await pair({ compression: { threshold: 512 } });
    const big = { rows: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `entity number ${i}` })) };
    await a.set('big', big);
    const raw = await redis.getBuffer(new RedisKeys(prefix).data('big'));
    expect(raw).not.toBeNull();
    expect(EntryCodec.isCompressed(raw!)).toBe(true);
    expect(raw!.length).toBeLessThan(JSON.stringify(big).length / 3);
    expect(await b.get('big')).toEqual(big);
  });

  it('within grace, serves stale from L2 to another instance while one refresh runs', async () => {
    const { a, b } = await pair({ grace: 60 });
    await a.getOrSet('k', () => 'v1', { ttl: 0.05 });
    await sleep(80);
    let calls = 0;
    const slow = async () => {
      calls++;
      await sleep(50);
      return 'v2';
    };
    expect(await b.getOrSet('k', slow, { ttl: 60 })).toBe('v1');
    expect(await a.getOrSet('k', slow, { ttl: 60 })).toBe('v1');
    await eventually(async () => expect(await b.get('k')).toBe('v2'));
    // b's refresh holds the lock; a's background refresh sees it busy and does not load.
    expect(calls).toBe(1);
  });

  it('a value loaded while its tag is invalidated elsewhere is not served afterwards', async () => {
    const { a, b } = await pair();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const pending = a.getOrSet(
      'k',
      async () => {
        await gate;
        return 'built from old data';
      },
      { tags: ['t'] },
    );
    await sleep(30);
    await b.invalidateByTag('t');
    release();
    await pending;
    expect(await b.getOrSet('k', () => 'rebuilt', { tags: ['t'] })).toBe('rebuilt');
  });

  it('a fenced write read before an invalidation on the other instance is never served', async () => {
    const { a, b } = await pair();
    const fence = await a.fence(['t']);
    await b.invalidateByTag('t');
    // Whether or not `a` heard of the bump yet, what it read before must not be served.
    await a.set('k', 'read before the change', { tags: ['t'], fence });
    await eventually(async () => {
      expect(await a.get('k')).toBeUndefined();
    });
    expect(await b.get('k')).toBeUndefined();
    await a.set('k', 'fresh', { tags: ['t'], fence: await a.fence(['t']) });
    expect(await b.get('k')).toBe('fresh');
  });
});
