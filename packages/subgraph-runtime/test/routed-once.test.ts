import { routableId } from '@intelgraph/database-sharding';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ownReferenceResolver,
  type RequestContext,
  rowByIdLoader,
  type SubgraphContext,
  type SubgraphDefinition,
} from '../src/index.js';
import { TestSubgraph } from '../src/testing/index.js';

interface Note {
  readonly id: string;
  readonly text: string;
}

const loaders = {
  noteById: (ctx: RequestContext) =>
    rowByIdLoader<Note>(ctx, {
      name: 'noteById',
      type: 'Note',
      table: 'notes',
      columns: 'id, text',
      toRecord: (row) => ({ id: row.id as string, text: row.text as string }),
    }),
};
type Ctx = SubgraphContext<typeof loaders>;

const notes: SubgraphDefinition<typeof loaders> = {
  name: 'routed_once',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    type Note @key(fields: "id") { id: ID!, text: String! }
    type Query { noteCount: Int! }
    type Mutation { addNotes(count: Int!): [ID!]! }
  `),
  migrations: [
    {
      id: '001',
      sql: 'CREATE TABLE notes (tenant_id text NOT NULL, id text NOT NULL, text text NOT NULL, PRIMARY KEY (tenant_id, id))',
    },
  ],
  setup: () => ({
    loaders,
    resolvers: {
      Query: { noteCount: () => 0 },
      Mutation: {
        addNotes: async (_: unknown, args: { count: number }, ctx: Ctx) => {
          const ids = Array.from({ length: args.count }, () => routableId(ctx.db.tenantId));
          await ctx.db.write('INSERT INTO notes SELECT $1, id, id FROM unnest($2::text[]) AS id', [
            ctx.db.tenantId,
            ids,
          ]);
          return ids;
        },
      },
      Note: { __resolveReference: ownReferenceResolver((ctx: Ctx) => ctx.loaders.noteById) },
    } as never,
  }),
};

/*
 * A read is routed once: a gateway `_entities` call for many notes of one tenant is one statement,
 * and the only routing decision is the distributor's, by the request's tenant, when that statement
 * runs — the loader does not group the ids by shard first (they are all the tenant's).
 */
describe('a read is routed once', () => {
  const subgraph = new TestSubgraph(notes, { backend: 'embedded PGlite' });
  const acme = { tenantId: 'acme', userId: 'acme:u1' };
  beforeAll(() => subgraph.start(), 60_000);
  afterAll(() => subgraph.stop());

  it('answers 25 references with one statement and one routing decision', async () => {
    const added = await subgraph.request<{ addNotes: string[] }>('mutation { addNotes(count: 25) }', acme);
    const ids = added.data!.addNotes;
    const { router, distributor } = subgraph.running.services.storage;
    const calls = { route: 0, routeMany: 0 };
    const route = router.route.bind(router);
    const routeIds = router.routeIds.bind(router);
    const routeMany = router.routeMany.bind(router);
    router.route = (...args) => {
      calls.route++;
      return route(...args);
    };
    router.routeIds = (...args) => {
      calls.routeMany++;
      return routeIds(...args);
    };
    router.routeMany = (...args) => {
      calls.routeMany++;
      return routeMany(...args);
    };
    const statements: string[] = [];
    const off = distributor.onQuery((e) => statements.push(e.sql));
    try {
      const res = await subgraph.request<{ _entities: Note[] }>(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Note { id text } } }',
        acme,
        { r: ids.map((id) => ({ __typename: 'Note', id })) },
      );
      expect(res.data?._entities.map((n) => n.id)).toEqual(ids);
      expect(statements).toHaveLength(1);
      expect(calls).toEqual({ route: 1, routeMany: 0 });
    } finally {
      off();
      router.route = route;
      router.routeIds = routeIds;
      router.routeMany = routeMany;
    }
  });
});
