/** A user as the resolvers and the cache hold it (JSON-safe: dates are ISO strings). */
export interface UserRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly email: string;
  readonly name: string;
  readonly role: string;
  readonly createdAt: string;
}

export interface TenantRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

export const USER_COLUMNS = 'tenant_id, id, email, name, role, created_at';

export function toUser(row: Record<string, unknown>): UserRecord {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    email: row.email as string,
    name: row.name as string,
    role: row.role as string,
    createdAt: (row.created_at as Date).toISOString(),
  };
}

export function toTenant(row: Record<string, unknown>): TenantRecord {
  return {
    id: row.id as string,
    name: row.name as string,
    createdAt: (row.created_at as Date).toISOString(),
  };
}
