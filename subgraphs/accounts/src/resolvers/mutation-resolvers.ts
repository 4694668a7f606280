import { routableId } from '@intelgraph/database-sharding';
import { IntelGraphError } from '@intelgraph/errors';
import { badInput, requireScope, requireText, type SubgraphContext } from '@intelgraph/subgraph-runtime';
import type { AccountsLoaders } from '../loaders.js';
import { toTenant, toUser, USER_COLUMNS } from '../user-row.js';
import { duplicateEmail } from './user-resolvers.js';

type Ctx = SubgraphContext<AccountsLoaders>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ROLES = new Set(['ADMIN', 'ANALYST', 'VIEWER']);

function isUniqueViolation(error: unknown): boolean {
  return IntelGraphError.is(error) && error.details.sqlState === '23505';
}

export const mutationResolvers = {
  Mutation: {
    createTenant: async (_: unknown, args: { input: { name: unknown } }, ctx: Ctx) => {
      requireScope(ctx.identity, 'admin');
      const name = requireText(args.input.name, 'input.name');
      try {
        const rows = await ctx.db.write(
          'INSERT INTO tenants (id, name) VALUES ($1, $2) RETURNING id, name, created_at',
          [ctx.identity.tenantId, name],
        );
        return toTenant(rows[0]!);
      } catch (error) {
        if (isUniqueViolation(error))
          throw badInput('input', `tenant ${ctx.identity.tenantId} is already registered`);
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
      try {
        const rows = await ctx.db.write(
          `INSERT INTO users (tenant_id, id, email, name, role) VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
          [ctx.db.tenantId, routableId(ctx.db.tenantId), email, name, role],
        );
        return toUser(rows[0]!);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicateEmail(email);
        throw error;
      }
    },
  },
};
