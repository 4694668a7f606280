import { randomUUID } from 'node:crypto';
import {
  invalidationTags,
  notFound,
  ownReferenceResolver,
  type RequestContext,
  requireOwnId,
  requireText,
  rowByIdLoader,
  ShardedEventStore,
  type SubgraphContext,
  type SubgraphDefinition,
} from '@intelgraph/subgraph-runtime';
import { __camel__Migrations } from './migrations.js';
import { __camel__TypeDefs } from './schema.js';

/** The GraphQL type of a note: what its cache tags name (`__Name__Note:<id>`). */
const NOTE_TYPE = '__Name__Note';
/** Its aggregate type, so its topic: every note event is published there (and, since it invalidates, on the invalidation topic). */
const NOTE_AGGREGATE = '__snake___note';
/** Schema of the event store (with its outbox) on every shard. */
const EVENT_SCHEMA = '__snake___events';

const NOTE_COLUMNS = 'id, text, created_at';

const toNote = (row: Record<string, unknown>) => ({
  id: row.id as string,
  text: row.text as string,
  createdAt: new Date(row.created_at as Date | string).toISOString(),
});

/**
 * The loaders, made per request. `noteById` answers every `__Name__Note` reference of a gateway
 * `_entities` call with one statement per batch, read through the service's cache (entries tagged
 * `__Name__Note:<id>`, the tag the writes below declare, so they drop them).
 */
const loaders = {
  noteById: (ctx: RequestContext) =>
    rowByIdLoader(ctx, {
      name: 'noteById',
      type: NOTE_TYPE,
      table: '__snake___notes',
      columns: NOTE_COLUMNS,
      toRecord: toNote,
      cachePrefix: (tenantId) => `__snake___note:v1:${tenantId}:`,
    }),
};
type Loaders = typeof loaders;
type Ctx = SubgraphContext<Loaders>;

/**
 * The __name__ subgraph: the schema, its migrations, and resolvers reading the caller's tenant's
 * shard. Notes are event-sourced: each mutation appends its event and writes the row in one
 * transaction (`events.append`), declaring the cache tags it invalidates — the subgraph's loader
 * cache, the gateway's response and entity caches and the CDN then drop what it changed, with no
 * change anywhere else.
 */
export const __camel__Subgraph: SubgraphDefinition<Loaders> = {
  // Underscores, not dashes: the name also names the subgraph's migrations table.
  name: '__snake__',
  typeDefs: __camel__TypeDefs,
  migrations: __camel__Migrations,
  setup: async (services) => {
    const events = await ShardedEventStore.start(services, { schema: EVENT_SCHEMA });
    return {
      loaders,
      stop: () => events.stop(),
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
            const tenant = ctx.identity.tenantId;
            const id = `${tenant}:${randomUUID()}`;
            const { value } = await events.append(
              ctx,
              [
                {
                  id: randomUUID(),
                  aggregateId: id,
                  aggregateType: NOTE_AGGREGATE,
                  eventType: 'NoteAdded',
                  version: 1,
                  data: { tenantId: tenant, text },
                },
              ],
              // A new note: it, and the tenant's lists of notes.
              {
                expectedVersion: 0,
                invalidates: invalidationTags({
                  tenant,
                  objects: [{ type: NOTE_TYPE, id }],
                  sets: [NOTE_TYPE],
                }),
              },
              async (tx) =>
                (
                  await tx.query(
                    `INSERT INTO __snake___notes (tenant_id, id, text) VALUES ($1, $2, $3) RETURNING ${NOTE_COLUMNS}`,
                    [tenant, id, text],
                  )
                ).rows[0] as Record<string, unknown>,
            );
            return toNote(value!);
          },
          edit__Name__Note: async (_: unknown, args: { id: string; text: string }, ctx: Ctx) => {
            const id = requireOwnId(ctx.identity, args.id, NOTE_TYPE);
            const text = requireText(args.text, 'text');
            const tenant = ctx.identity.tenantId;
            const { value } = await events.append(
              ctx,
              [
                {
                  id: randomUUID(),
                  aggregateId: id,
                  aggregateType: NOTE_AGGREGATE,
                  eventType: 'NoteEdited',
                  data: { tenantId: tenant, text },
                },
              ],
              {
                expectedVersion: 'any',
                invalidates: invalidationTags({ tenant, objects: [{ type: NOTE_TYPE, id }] }),
              },
              async (tx) => {
                const { rows } = await tx.query(
                  `UPDATE __snake___notes SET text = $3 WHERE tenant_id = $1 AND id = $2 RETURNING ${NOTE_COLUMNS}`,
                  [tenant, id, text],
                );
                // No row: no such note. Throwing rolls the event back too.
                if (rows.length === 0) throw notFound(NOTE_TYPE, id);
                return rows[0] as Record<string, unknown>;
              },
            );
            return toNote(value!);
          },
        },
        __Name__Note: {
          // Batched by noteById; another tenant's id resolves to null.
          __resolveReference: ownReferenceResolver((ctx: Ctx) => ctx.loaders.noteById),
        },
      } as never,
    };
  },
};
