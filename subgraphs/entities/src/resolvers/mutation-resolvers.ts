import { randomUUID } from 'node:crypto';
import { routableId } from '@intelgraph/database-sharding';
import type { NewEvent } from '@intelgraph/message-queue-enhanced';
import {
  badInput,
  invalidationTags,
  notFound,
  requireOwnId,
  requireScope,
  requireText,
  type ShardedEventStore,
} from '@intelgraph/subgraph-runtime';
import { ENTITY_COLUMNS, RELATIONSHIP_COLUMNS, toEntity, toRelationship } from '../entity-row.js';
import { type Ctx, ENTITY_KINDS } from './entity-resolvers.js';

interface AttributeInput {
  key: unknown;
  value: unknown;
}

/** Attributes as stored: a JSON object; keys 1-64 characters, unique; values up to 1000; at most 50. */
function attributesOf(input: readonly AttributeInput[] | null | undefined): Record<string, string> {
  const list = input ?? [];
  if (list.length > 50) throw badInput('input.attributes', `at most 50 attributes, got ${list.length}`);
  const out: Record<string, string> = {};
  for (const attribute of list) {
    const key = requireText(attribute.key, 'input.attributes.key', { max: 64 });
    if (Object.hasOwn(out, key)) throw badInput('input.attributes', `duplicate key ${key}`, key);
    out[key] = requireText(attribute.value, 'input.attributes.value', { min: 0, max: 1000 });
  }
  return out;
}

/**
 * Entity mutations. Each one writes its rows and appends its event (EntityCreated,
 * EntityUpdated, EntitiesLinked) with the outbox row in one transaction on the tenant's shard,
 * declaring the cache tags it invalidates; the relay then publishes the event on the `entity` /
 * `relationship` topic (and the invalidation topic). An entity's version is its event stream's
 * version, so `expectedVersion` is checked by the event store.
 */
export function createMutationResolvers(events: ShardedEventStore) {
  return {
    Mutation: {
      createEntity: async (
        _: unknown,
        args: { input: { kind: string; name: unknown; attributes?: AttributeInput[] | null } },
        ctx: Ctx,
      ) => {
        requireScope(ctx.identity, 'write');
        if (!ENTITY_KINDS.has(args.input.kind)) throw badInput('input.kind', 'unknown kind', args.input.kind);
        const name = requireText(args.input.name, 'input.name');
        const attributes = attributesOf(args.input.attributes);
        const id = routableId(ctx.db.tenantId);
        const createdBy = ctx.identity.userId ?? `${ctx.db.tenantId}:system`;
        const event: NewEvent = {
          id: randomUUID(),
          aggregateId: id,
          aggregateType: 'entity',
          eventType: 'EntityCreated',
          version: 1,
          data: {
            tenantId: ctx.db.tenantId,
            entityId: id,
            kind: args.input.kind,
            name,
            attributes,
            createdBy,
          },
        };
        // A new entity: its tenant's entity lists change, and so does its creator's (User.entityCount).
        const invalidates = invalidationTags({
          tenant: ctx.db.tenantId,
          objects: [
            { type: 'Entity', id },
            { type: 'User', id: createdBy },
          ],
          sets: ['Entity'],
        });
        const { value } = await events.append(
          ctx,
          [event],
          { expectedVersion: 0, invalidates },
          async (tx) => {
            const { rows } = await tx.query(
              `INSERT INTO entities (tenant_id, id, kind, name, attributes, created_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
             RETURNING ${ENTITY_COLUMNS}`,
              [ctx.db.tenantId, id, args.input.kind, name, JSON.stringify(attributes), createdBy],
            );
            return toEntity(rows[0] as Record<string, unknown>);
          },
        );
        return value;
      },

      updateEntity: async (
        _: unknown,
        args: {
          id: string;
          input: { name?: unknown; attributes?: AttributeInput[] | null; expectedVersion?: number | null };
        },
        ctx: Ctx,
      ) => {
        requireScope(ctx.identity, 'write');
        const id = requireOwnId(ctx.identity, args.id, 'Entity');
        const { input } = args;
        if (input.name == null && input.attributes == null) {
          throw badInput('input', 'give a name, attributes, or both');
        }
        const changes: Record<string, unknown> = {};
        if (input.name != null) changes.name = requireText(input.name, 'input.name');
        if (input.attributes != null) changes.attributes = attributesOf(input.attributes);
        if (
          input.expectedVersion != null &&
          (!Number.isInteger(input.expectedVersion) || input.expectedVersion < 1)
        ) {
          throw badInput('input.expectedVersion', 'expected a version ≥ 1', input.expectedVersion);
        }
        const event: NewEvent = {
          id: randomUUID(),
          aggregateId: id,
          aggregateType: 'entity',
          eventType: 'EntityUpdated',
          data: { tenantId: ctx.db.tenantId, entityId: id, changes },
        };
        const { value } = await events.append(
          ctx,
          [event],
          {
            expectedVersion: input.expectedVersion ?? 'any',
            invalidates: invalidationTags({ tenant: ctx.db.tenantId, objects: [{ type: 'Entity', id }] }),
          },
          async (tx, appended) => {
            const { rows } = await tx.query(
              `UPDATE entities SET name = COALESCE($3, name), attributes = COALESCE($4::jsonb, attributes),
                 updated_at = now(), version = $5
               WHERE tenant_id = $1 AND id = $2 RETURNING ${ENTITY_COLUMNS}`,
              [
                ctx.db.tenantId,
                id,
                changes.name ?? null,
                changes.attributes ? JSON.stringify(changes.attributes) : null,
                appended.version,
              ],
            );
            // No row: the entity does not exist. Throwing rolls the event back too.
            if (rows.length === 0) throw notFound('Entity', id);
            return toEntity(rows[0] as Record<string, unknown>);
          },
        );
        // `value` is undefined only for a duplicate append, which a fresh event id never is.
        if (!value) throw notFound('Entity', id);
        return value;
      },

      linkEntities: async (
        _: unknown,
        args: { input: { fromId: string; toId: string; kind: unknown } },
        ctx: Ctx,
      ) => {
        requireScope(ctx.identity, 'write');
        const fromId = requireOwnId(ctx.identity, args.input.fromId, 'Entity', 'input.fromId');
        const toId = requireOwnId(ctx.identity, args.input.toId, 'Entity', 'input.toId');
        if (fromId === toId) throw badInput('input.toId', 'an entity cannot be linked to itself', toId);
        const kind = requireText(args.input.kind, 'input.kind', { max: 64 });
        const id = routableId(ctx.db.tenantId);
        const event: NewEvent = {
          id: randomUUID(),
          aggregateId: id,
          aggregateType: 'relationship',
          eventType: 'EntitiesLinked',
          version: 1,
          data: { tenantId: ctx.db.tenantId, relationshipId: id, fromId, toId, kind },
        };
        // A new link: both ends' relationships and counts change, and the tenant's links.
        const invalidates = invalidationTags({
          tenant: ctx.db.tenantId,
          objects: [
            { type: 'Relationship', id },
            { type: 'Entity', id: fromId },
            { type: 'Entity', id: toId },
          ],
          sets: ['Relationship'],
        });
        const { value } = await events
          .append(ctx, [event], { expectedVersion: 0, invalidates }, async (tx) => {
            const { rows: found } = await tx.query(
              'SELECT id FROM entities WHERE tenant_id = $1 AND id = ANY($2)',
              [ctx.db.tenantId, [fromId, toId]],
            );
            const present = new Set((found as Array<{ id: string }>).map((r) => r.id));
            for (const entityId of [fromId, toId])
              if (!present.has(entityId)) throw notFound('Entity', entityId);
            const { rows } = await tx.query(
              `INSERT INTO relationships (tenant_id, id, kind, from_id, to_id, created_by) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (tenant_id, from_id, to_id, kind) DO NOTHING RETURNING ${RELATIONSHIP_COLUMNS}`,
              [ctx.db.tenantId, id, kind, fromId, toId, ctx.identity.userId ?? `${ctx.db.tenantId}:system`],
            );
            if (rows.length > 0) return toRelationship(rows[0] as Record<string, unknown>);
            // Already linked: hand back the existing link (and store no second event).
            throw new ExistingLink();
          })
          .catch(async (error: unknown) => {
            if (!(error instanceof ExistingLink)) throw error;
            const rows = await ctx.db.readPrimary(
              `SELECT ${RELATIONSHIP_COLUMNS} FROM relationships WHERE tenant_id = $1 AND from_id = $2 AND to_id = $3 AND kind = $4`,
              [ctx.db.tenantId, fromId, toId, kind],
            );
            return { value: toRelationship(rows[0]!) };
          });
        return value;
      },
    },
  };
}

class ExistingLink extends Error {}
