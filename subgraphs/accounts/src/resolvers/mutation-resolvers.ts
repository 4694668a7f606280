import { randomUUID } from 'node:crypto';
import { routableId } from '@intelgraph/database-sharding';
import { IntelGraphError } from '@intelgraph/errors';
import type { NewEvent } from '@intelgraph/message-queue-enhanced';
import {
  badInput,
  invalidationTags,
  requireScope,
  requireText,
  type ShardedEventStore,
  type SubgraphContext,
} from '@intelgraph/subgraph-runtime';
import type { AccountsLoaders } from '../loaders.js';
import { toTenant, toUser, USER_COLUMNS } from '../user-row.js';
import { duplicateEmail } from './user-resolvers.js';

type Ctx = SubgraphContext<AccountsLoaders>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ROLES = new Set(['ADMIN', 'ANALYST', 'VIEWER']);

function isUniqueViolation(error: unknown): boolean {
  return IntelGraphError.is(error) && error.details.sqlState === '23505';
}

/** A creation event: version 1 of its aggregate, with who caused it. */
function created(
  ctx: Ctx,
  aggregateType: string,
  eventType: string,
  aggregateId: string,
  data: object,
): NewEvent {
  return {
    id: randomUUID(),
    aggregateId,
    aggregateType,
    eventType,
    version: 1,
    data: { tenantId: ctx.db.tenantId, ...data },
  };
}

/**
 * Tenant and user mutations. Each writes its row and appends its event (TenantCreated,
 * UserCreated) with the outbox row in one transaction on the tenant's shard, declaring what it
 * invalidates; the relay publishes it on the `tenant` / `user` topic and the invalidation topic,
 * so caches holding the tenant's users (the gateway's response cache) are purged like those of
 * the other subgraphs' types.
 */
export function createMutationResolvers(events: ShardedEventStore) {
  return {
    Mutation: {
      createTenant: async (_: unknown, args: { input: { name: unknown } }, ctx: Ctx) => {
        requireScope(ctx.identity, 'admin');
        const name = requireText(args.input.name, 'input.name');
        const id = ctx.identity.tenantId;
        try {
          const { value } = await events.append(
            ctx,
            [created(ctx, 'tenant', 'TenantCreated', id, { name })],
            {
              expectedVersion: 0,
              invalidates: invalidationTags({
                tenant: id,
                objects: [{ type: 'Tenant', id }],
                sets: ['Tenant'],
              }),
            },
            async (tx) =>
              (
                await tx.query(
                  'INSERT INTO tenants (id, name) VALUES ($1, $2) RETURNING id, name, created_at',
                  [id, name],
                )
              ).rows[0] as Record<string, unknown>,
          );
          return toTenant(value!);
        } catch (error) {
          if (isUniqueViolation(error) || IntelGraphError.is(error, 'CONCURRENCY_CONFLICT'))
            throw badInput('input', `tenant ${id} is already registered`);
          throw error;
        }
      },
      createUser: async (
        _: unknown,
        args: { input: { email: unknown; name: unknown; role?: string } },
        ctx: Ctx,
      ) => {
        requireScope(ctx.identity, 'admin');
        const email = requireText(args.input.email, 'input.email', { max: 254 }).toLowerCase();
        if (!EMAIL.test(email)) throw badInput('input.email', 'not an email address', email);
        const name = requireText(args.input.name, 'input.name');
        const role = args.input.role ?? 'ANALYST';
        if (!ROLES.has(role)) throw badInput('input.role', 'unknown role', role);
        const id = routableId(ctx.db.tenantId);
        try {
          const { value } = await events.append(
            ctx,
            [created(ctx, 'user', 'UserCreated', id, { userId: id, email, name, role })],
            {
              expectedVersion: 0,
              // A new user: the tenant's user lists change, and its Tenant.userCount.
              invalidates: invalidationTags({
                tenant: ctx.db.tenantId,
                objects: [
                  { type: 'User', id },
                  { type: 'Tenant', id: ctx.db.tenantId },
                ],
                sets: ['User'],
              }),
            },
            async (tx) =>
              (
                await tx.query(
                  `INSERT INTO users (tenant_id, id, email, name, role) VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
                  [ctx.db.tenantId, id, email, name, role],
                )
              ).rows[0] as Record<string, unknown>,
          );
          return toUser(value!);
        } catch (error) {
          if (isUniqueViolation(error)) throw duplicateEmail(email);
          throw error;
        }
      },
    },
  };
}
