import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { serviceUrls } from '@intelgraph/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { MultiTierCache } from '../src/index.js';
import { EntryCodec } from '../src/serialization/entry-codec.js';
import { jsonSerializer } from '../src/serialization/serializer.js';
import { RedisKeys } from '../src/stores/redis-keys.js';
import { dropPrefix, testRedis, uniquePrefix } from './helpers/redis.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const child = join(import.meta.dirname, 'fixtures', 'stampede-child.ts');
const redis = testRedis();
const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) await dropPrefix(redis, prefix);
  await redis.quit();
});

function prefix(label: string): string {
  const p = uniquePrefix(label);
  prefixes.push(p);
  return p;
}

interface Done {
  type: 'done';
  results: number;
  distinct: string[];
  localLoaderCalls: number;
  stats: { stampedeWaits: { local: number; distributed: number } };
}

function next<T>(proc: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type === type) {
        proc.off('message', onMessage);
        resolve(m as T);
      }
    };
    proc.on('message', onMessage);
    proc.once('exit', (code) => reject(new Error(`child exited with ${code} before '${type}'`)));
  });
}

describe('stampede prevention across processes', () => {
  it('4 processes x 1,000 concurrent getOrSet on one cold key call the loader exactly once', async () => {
    const p = prefix('stampede');
    const counter = `${p}:loader-calls`;
    const env = {
      ...process.env,
      REDIS_URL: serviceUrls().redis,
      PREFIX: p,
      KEY: 'cold-key',
      COUNTER: counter,
      CONCURRENCY: '1000',
      LOAD_MS: '300',
    };
    const procs = Array.from({ length: 4 }, () =>
      fork(child, [], {
        cwd: repoRoot,
        env,
        execArgv: ['--conditions=development', '--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    try {
      await Promise.all(procs.map((proc) => next(proc, 'ready')));
      const done = procs.map((proc) => next<Done>(proc, 'done'));
      for (const proc of procs) proc.send({ type: 'go' });
      const reports = await Promise.all(done);

      expect(Number(await redis.get(counter))).toBe(1);
      expect(reports.reduce((n, r) => n + r.localLoaderCalls, 0)).toBe(1);
      expect(reports.map((r) => r.results)).toEqual([1000, 1000, 1000, 1000]);
      // Everyone got the one loaded value.
      expect(new Set(reports.flatMap((r) => r.distinct)).size).toBe(1);
      // Each process made one flight for its 1,000 callers; the ones that did not load waited on
      // the lock holder (or, if they started after it finished, read its value from L2).
      expect(reports.map((r) => r.stats.stampedeWaits.local)).toEqual([999, 999, 999, 999]);
      expect(reports.every((r) => r.stats.stampedeWaits.distributed <= 1)).toBe(true);
    } finally {
      for (const proc of procs) if (proc.exitCode === null) proc.kill();
    }
  }, 60_000);

  it('4 processes x 100 concurrent batch read-throughs of the same cold keys load each key exactly once', async () => {
    const p = prefix('batch-stampede');
    const counter = `${p}:loads`;
    const keys = ['e:1', 'e:2', 'e:3', 'e:4', 'e:5'];
    const env = {
      ...process.env,
      REDIS_URL: serviceUrls().redis,
      PREFIX: p,
      MODE: 'batch',
      KEYS: keys.join(','),
      COUNTER: counter,
      CONCURRENCY: '100',
      LOAD_MS: '300',
    };
    const procs = Array.from({ length: 4 }, () =>
      fork(child, [], {
        cwd: repoRoot,
        env,
        execArgv: ['--conditions=development', '--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    try {
      await Promise.all(procs.map((proc) => next(proc, 'ready')));
      const done = procs.map((proc) => next<Done>(proc, 'done'));
      for (const proc of procs) proc.send({ type: 'go' });
      const reports = await Promise.all(done);
      for (const key of keys) expect(Number(await redis.get(`${counter}:${key}`)), key).toBe(1);
      expect(reports.reduce((n, r) => n + r.localLoaderCalls, 0)).toBe(keys.length);
      expect(reports.map((r) => r.results)).toEqual([100, 100, 100, 100]);
      // Every caller of every process got the same value for every key.
      expect(new Set(reports.flatMap((r) => r.distinct)).size).toBe(1);
      // The processes that did not load waited for the holder's write instead.
      expect(reports.some((r) => r.stats.stampedeWaits.distributed > 0)).toBe(true);
    } finally {
      for (const proc of procs) if (proc.exitCode === null) proc.kill();
    }
  }, 60_000);

  it('takes over when the lock holder crashed: its lock expires after the lease', async () => {
    const p = prefix('crashed');
    const keys = new RedisKeys(p);
    // A holder that took the lock and died: nobody renews it, nobody will write.
    await redis.set(keys.lock('k'), 'dead-holder-token', 'PX', 400);
    const cache = new MultiTierCache({ prefix: p, l2: { redis }, stampede: { lockLeaseMs: 400 } });
    try {
      await cache.ready();
      let calls = 0;
      const started = Date.now();
      const value = await cache.getOrSet('k', () => {
        calls++;
        return 'loaded after takeover';
      });
      expect(value).toBe('loaded after takeover');
      expect(calls).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(cache.stats().stampedeWaits.distributed).toBe(1);
    } finally {
      await cache.close();
    }
  });

  it('wakes a waiting process as soon as the holder writes, with the holder value', async () => {
    const p = prefix('wake');
    const a = new MultiTierCache({ prefix: p, l2: { redis } });
    const b = new MultiTierCache({ prefix: p, l2: { redis } });
    try {
      await Promise.all([a.ready(), b.ready()]);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let bCalls = 0;
      const fromA = a.getOrSet('k', async () => {
        await gate;
        return 'from A';
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const fromB = b.getOrSet('k', () => {
        bCalls++;
        return 'from B';
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const released = Date.now();
      release();
      expect(await fromA).toBe('from A');
      expect(await fromB).toBe('from A');
      // Woken by the holder's message: without it, B would sleep out the 10 s lease first.
      expect(Date.now() - released).toBeLessThan(5000);
      expect(bCalls).toBe(0);
      expect(b.stats().stampedeWaits.distributed).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a stale lock holder cannot overwrite a newer value', async () => {
    const p = prefix('fenced');
    const keys = new RedisKeys(p);
    // Holder A's lease runs out while it loads; B takes the lock, loads and writes.
    const a = new MultiTierCache({ prefix: p, l2: { redis }, stampede: { lockLeaseMs: 150 } });
    const b = new MultiTierCache({ prefix: p, l2: { redis }, stampede: { lockLeaseMs: 150 } });
    try {
      await Promise.all([a.ready(), b.ready()]);
      let releaseA!: () => void;
      const gateA = new Promise<void>((resolve) => {
        releaseA = resolve;
      });
      const fromA = a.getOrSet('k', async () => {
        // Simulate a holder frozen (GC pause, partition): its renewals stop reaching Redis.
        await redis.del(keys.lock('k'));
        await gateA;
        return 'old value from A';
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await b.getOrSet('k', () => 'new value from B')).toBe('new value from B');
      releaseA();
      expect(await fromA).toBe('old value from A');
      const codec = new EntryCodec({
        serializer: jsonSerializer,
        compressionThreshold: 1024,
        compressionAlgorithm: 'deflate',
      });
      expect(codec.decodeEntry(await redis.getBuffer(keys.data('k')))?.value).toBe('new value from B');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
