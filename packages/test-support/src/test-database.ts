import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { serviceUrls, withDatabase } from './service-urls.js';
import { waitForReplica } from './wait-for-replica.js';

export interface TestDatabase {
  readonly name: string;
  /** URL of the database on the primary. */
  readonly url: string;
  /** URL of the same database on the streaming replica. */
  readonly replicaUrl: string;
  /** Drops the database (terminating its connections). */
  drop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A throwaway database on the primary, named `<prefix>_<random>` so parallel test files never
 * meet, and visible on the replica by the time this resolves.
 */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`bad database prefix '${prefix}'`);
  const urls = serviceUrls();
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: urls.postgres });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  await waitForReplica();
  const drop = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: urls.postgres });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  return {
    name,
    url: withDatabase(urls.postgres, name),
    replicaUrl: withDatabase(urls.postgresReplica, name),
    drop,
    [Symbol.asyncDispose]: drop,
  };
}
