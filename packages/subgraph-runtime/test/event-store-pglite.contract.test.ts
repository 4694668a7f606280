import pg from 'pg';
import { runEventStoreContract } from '../../message-queue-enhanced/test/contract/event-store-contract.js';
import { EmbeddedShards } from '../src/storage/embedded-shards.js';

// The event store's contract on the embedded backend exactly as the platform runs it: an
// in-memory PGlite shard from EmbeddedShards, served over the PostgreSQL wire protocol by
// PGliteWireServer, reached through a pg.Pool. It lives here, not in message-queue-enhanced,
// because that package must not depend on this one (this one depends on it).
//
// Without the crossConnectionNotify capability (its tests are not registered here; the polling
// variants run): PGlite is one backend behind all the connections, so
// a NOTIFY's NotificationResponse comes back on the notifying connection, never on the LISTENing
// one; subscriptions and the outbox relay wake by polling alone there.
runEventStoreContract(
  'PGlite over the wire server (EmbeddedShards)',
  async () => {
    const shards = new EmbeddedShards({ count: 1, dataDir: 'memory', service: 'event-store-contract' });
    const [shard] = await shards.start();
    const pool = new pg.Pool({ connectionString: shard!.primary, max: 30 });
    pool.on('error', () => {});
    return {
      pool,
      close: async () => {
        await pool.end();
        await shards.stop();
      },
    };
  },
  { crossConnectionNotify: false },
);
