import { randomUUID } from 'node:crypto';
import { requireText, type SubgraphContext, type SubgraphDefinition } from '@intelgraph/subgraph-runtime';
import { __camel__Migrations } from './migrations.js';
import { __camel__TypeDefs } from './schema.js';

type Loaders = Record<string, never>;
type Ctx = SubgraphContext<Loaders>;

interface NoteRow {
  id: string;
  text: string;
  created_at: Date | string;
}

const toNote = (row: NoteRow) => ({
  id: row.id,
  text: row.text,
  createdAt: new Date(row.created_at).toISOString(),
});

/** The __name__ subgraph: the schema, its migrations, and resolvers reading the caller's tenant's shard. */
export const __camel__Subgraph: SubgraphDefinition<Loaders> = {
  // Underscores, not dashes: the name also names the subgraph's migrations table.
  name: '__snake__',
  typeDefs: __camel__TypeDefs,
  migrations: __camel__Migrations,
  setup: () => ({
    loaders: {},
    resolvers: {
      Query: {
        __camel__Notes: async (_: unknown, args: { first: number }, ctx: Ctx) =>
          (
            await ctx.db.read<NoteRow>(
              'SELECT id, text, created_at FROM __snake___notes WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2',
              [ctx.identity.tenantId, Math.min(Math.max(args.first, 0), 100)],
            )
          ).map(toNote),
      },
      Mutation: {
        add__Name__Note: async (_: unknown, args: { text: string }, ctx: Ctx) => {
          const text = requireText(args.text, 'text');
          const [row] = await ctx.db.write<NoteRow>(
            'INSERT INTO __snake___notes (tenant_id, id, text) VALUES ($1, $2, $3) RETURNING id, text, created_at',
            [ctx.identity.tenantId, `${ctx.identity.tenantId}:${randomUUID()}`, text],
          );
          return toNote(row!);
        },
      },
      __Name__Note: {
        __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
          const [row] = await ctx.db.read<NoteRow>(
            'SELECT id, text, created_at FROM __snake___notes WHERE tenant_id = $1 AND id = $2',
            [ctx.identity.tenantId, ref.id],
          );
          return row ? toNote(row) : null;
        },
      },
    } as never,
  }),
};
