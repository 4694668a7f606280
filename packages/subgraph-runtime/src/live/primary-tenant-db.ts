import { TenantDb } from '../context/tenant-db.js';

/**
 * A `TenantDb` whose reads go to the primary: the context of one subscription event. The event
 * reaches the subscriber right after its commit, when a replica may not have replayed it yet, and
 * the subscriber is not the writer (read-your-writes does not route it): a replica could answer
 * with the state before the very change the event announces.
 */
export class PrimaryTenantDb extends TenantDb {
  override read<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.readPrimary<R>(sql, params);
  }
}
