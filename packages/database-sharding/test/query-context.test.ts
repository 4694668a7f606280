import { describe, expect, expectTypeOf, it } from 'vitest';
import { type QueryContext, QueryDistributor, ShardManager, ShardRouter } from '../src/index.js';

const url = (db: string) => `postgres://u@127.0.0.1:1/${db}`;

describe('QueryContext names its fields exactly', () => {
  it('refuses a misspelt option or an unknown field at compile time', () => {
    // A typo must not compile: with an index signature it did, and the "read" went to the primary.
    // @ts-expect-error readOnly is not a QueryContext field (readonly is)
    const typo: QueryContext = { shardKey: 'acme', readOnly: true };
    // @ts-expect-error the shard key is `shardKey`, not a GraphQL context's field
    const graphqlContext: QueryContext = { tenantId: 'acme' };
    const fine: QueryContext = { shardKey: 'acme', readonly: true, session: {}, region: 'eu' };
    expectTypeOf<QueryContext>().not.toHaveProperty('readOnly');
    expectTypeOf<keyof QueryContext>().toEqualTypeOf<
      'shardKey' | 'readonly' | 'region' | 'session' | 'shardKeys'
    >();
    expect([typo, graphqlContext, fine]).toHaveLength(3);
  });

  it('routes only by shardKey: a context that names none is SHARD_KEY_REQUIRED before any connection', async () => {
    const manager = new ShardManager({ strategy: 'hash', shards: [{ id: 's1', primary: url('a') }] });
    const router = new ShardRouter(manager);
    const distributor = new QueryDistributor(manager, router);
    // A caller holding a GraphQL context turns it into a shard key with the router.
    expect(router.keyOf({ tenantId: 'acme' })).toBe('acme');
    for (const context of [{}, { tenantId: 'acme' }, { shardKey: '' }]) {
      await expect(
        distributor.executeOnShard({ sql: 'SELECT 1', context: context as QueryContext }),
      ).rejects.toMatchObject({ code: 'SHARD_KEY_REQUIRED' });
      await expect(
        distributor.transaction(undefined as never, async () => 1, context as QueryContext),
      ).rejects.toMatchObject({ code: 'SHARD_KEY_REQUIRED' });
    }
  });
});
