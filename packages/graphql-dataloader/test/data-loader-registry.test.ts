import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createEntityLoader,
  createRelationshipLoader,
  type DataLoader,
  DataLoaderRegistry,
  defineLoaders,
} from '../src/index.js';

interface Ctx {
  tenant: string;
  log: string[];
}
interface User {
  id: string;
  tenant: string;
}

const definitions = defineLoaders({
  userById: (ctx: Ctx) =>
    createEntityLoader<string, User>(async (ids) => {
      ctx.log.push(`users ${ids.join(',')}`);
      return ids.map((id) => ({ id, tenant: ctx.tenant }));
    }),
  postsByUser: (ctx: Ctx) =>
    createRelationshipLoader<string, { author: string }>(
      async (ids) => {
        ctx.log.push(`posts ${ids.join(',')}`);
        return ids.map((author) => ({ author }));
      },
      { groupBy: (p) => p.author },
    ),
});

describe('DataLoaderRegistry', () => {
  it('creates a loader only when first used, once per request', async () => {
    const ctx: Ctx = { tenant: 't1', log: [] };
    let made = 0;
    const registry = new DataLoaderRegistry(
      {
        ...definitions,
        userById: (c: Ctx) => {
          made += 1;
          return definitions.userById(c);
        },
      },
      ctx,
    );
    expect(registry.created()).toEqual([]);
    expect(made).toBe(0);
    await registry.loaders.userById.load('u1');
    await registry.loaders.userById.load('u2');
    expect(made).toBe(1);
    expect(registry.created()).toEqual(['userById']);
    expect(registry.get('userById')).toBe(registry.loaders.userById);
  });

  it('types each loader from its factory', () => {
    const registry = new DataLoaderRegistry(definitions, { tenant: 't', log: [] });
    expectTypeOf(registry.loaders.userById).toEqualTypeOf<DataLoader<string, User | null>>();
    expectTypeOf(registry.loaders.postsByUser.load).returns.resolves.toEqualTypeOf<
      readonly { author: string }[]
    >();
  });

  it('keeps requests apart: each registry has its own loaders and memo', async () => {
    const a = new DataLoaderRegistry(definitions, { tenant: 'ta', log: [] });
    const b = new DataLoaderRegistry(definitions, { tenant: 'tb', log: [] });
    expect(a.loaders.userById).not.toBe(b.loaders.userById);
    expect((await a.loaders.userById.load('u1'))?.tenant).toBe('ta');
    expect((await b.loaders.userById.load('u1'))?.tenant).toBe('tb');
  });

  it('batches across loaders independently within one tick', async () => {
    const ctx: Ctx = { tenant: 't1', log: [] };
    const registry = new DataLoaderRegistry(definitions, ctx);
    await Promise.all([
      registry.loaders.userById.load('u1'),
      registry.loaders.postsByUser.load('u1'),
      registry.loaders.userById.load('u2'),
      registry.loaders.postsByUser.load('u2'),
    ]);
    expect(ctx.log.sort()).toEqual(['posts u1,u2', 'users u1,u2']);
  });

  it('clearAll forgets memoized values so a later load reads again', async () => {
    const ctx: Ctx = { tenant: 't1', log: [] };
    const registry = new DataLoaderRegistry(definitions, ctx);
    await registry.loaders.userById.load('u1');
    registry.clearAll();
    await registry.loaders.userById.load('u1');
    expect(ctx.log).toEqual(['users u1', 'users u1']);
  });

  it('throws CONFIG_INVALID for an unknown loader name and for a non-function factory', () => {
    const registry = new DataLoaderRegistry(definitions, { tenant: 't', log: [] });
    const error = (() => {
      try {
        registry.get('nope' as 'userById');
      } catch (e) {
        return e;
      }
    })();
    expect(IntelGraphError.is(error, 'CONFIG_INVALID')).toBe(true);
    expect(() => defineLoaders({ bad: 42 as unknown as () => DataLoader<string, string> })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
