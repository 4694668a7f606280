import { randomUUID } from 'node:crypto';
import {
  ownReferenceResolver,
  type RequestContext,
  requireText,
  rowByIdLoader,
  type SubgraphContext,
  type SubgraphDefinition,
} from '@intelgraph/subgraph-runtime';
import { __camel__Migrations } from './migrations.js';
import { __camel__TypeDefs } from './schema.js';

const NOTE_COLUMNS = 'id, text, created_at';

const toNote = (row: Record<string, unknown>) => ({
  id: row.id as string,
  text: row.text as string,
  createdAt: new Date(row.created_at as Date | string).toISOString(),
});

/**
 * The loaders, made per request. `noteById` answers every `__Name__Note` reference of a gateway
 * `_entities` call with one statement per shard; add a `cachePrefix` to read through the cache.
 */
const loaders = {
  noteById: (ctx: RequestContext) =>
    rowByIdLoader(ctx, {
      name: 'noteById',
      table: '__snake___notes',
      columns: NOTE_COLUMNS,
      toRecord: toNote,
    }),
};
type Loaders = typeof loaders;
type Ctx = SubgraphContext<Loaders>;

/** The __name__ subgraph: the schema, its migrations, and resolvers reading the caller's tenant's shard. */
export const __camel__Subgraph: SubgraphDefinition<Loaders> = {
  // Underscores, not dashes: the name also names the subgraph's migrations table.
  name: '__snake__',
  typeDefs: __camel__TypeDefs,
  migrations: __camel__Migrations,
  setup: () => ({
    loaders,
    resolvers: {
      Query: {
        __camel__Notes: async (_: unknown, args: { first: number }, ctx: Ctx) =>
          (
            await ctx.db.read(
              `SELECT ${NOTE_COLUMNS} FROM __snake___notes WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
              [ctx.identity.tenantId, Math.min(Math.max(args.first, 0), 100)],
            )
          ).map(toNote),
      },
      Mutation: {
        add__Name__Note: async (_: unknown, args: { text: string }, ctx: Ctx) => {
          const text = requireText(args.text, 'text');
          const [row] = await ctx.db.write(
            `INSERT INTO __snake___notes (tenant_id, id, text) VALUES ($1, $2, $3) RETURNING ${NOTE_COLUMNS}`,
            [ctx.identity.tenantId, `${ctx.identity.tenantId}:${randomUUID()}`, text],
          );
          return toNote(row!);
        },
      },
      __Name__Note: {
        // Batched by noteById; another tenant's id resolves to null.
        __resolveReference: ownReferenceResolver((ctx: Ctx) => ctx.loaders.noteById),
      },
    } as never,
  }),
};
