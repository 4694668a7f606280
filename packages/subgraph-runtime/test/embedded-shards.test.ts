import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { EmbeddedShards } from '../src/storage/embedded-shards.js';

describe('EmbeddedShards', () => {
  it('serves each shard with small shared_buffers (a PGlite shard is ~90 MB of RSS, not ~210 MB)', async () => {
    const shards = new EmbeddedShards({ count: 2, dataDir: 'memory', service: 'embedded-shards-test' });
    try {
      const configs = await shards.start();
      expect(configs.map((c) => c.id)).toEqual(['embedded-0', 'embedded-1']);
      for (const shard of configs) {
        const client = new pg.Client({ connectionString: shard.primary });
        await client.connect();
        try {
          const { rows } = await client.query<{ shared_buffers: string }>('SHOW shared_buffers');
          expect(rows[0]?.shared_buffers).toBe('16MB');
        } finally {
          await client.end();
        }
      }
    } finally {
      await shards.stop();
    }
  }, 60_000);
});
