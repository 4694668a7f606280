import { isPool, type SqlClient, type SqlDatabase } from './sql-database.js';

/**
 * One held connection that LISTENs on a channel and calls `onNotification` for each NOTIFY on
 * it: the early wake-up of a polling loop (the catch-up subscriptions and the outbox relay).
 * Only a pool can spare the connection; with an executor, or if LISTEN fails, there is no
 * listener and polling carries on alone. The connection is destroyed on `stop()`, never returned
 * to the pool: it carries our listeners.
 */
export class NotificationListener {
  private client: SqlClient | undefined;

  constructor(
    private readonly channel: string,
    private readonly onNotification: () => void,
  ) {}

  /** Never rejects: a failure goes to `onError`. */
  async start(database: SqlDatabase, onError?: (error: unknown) => void): Promise<void> {
    if (!isPool(database)) return;
    let client: SqlClient | undefined;
    try {
      client = await database.connect();
      client.on?.('notification', (message) => {
        if (message.channel === this.channel) this.onNotification();
      });
      const held = client;
      held.on?.('error', () => {
        // Lost the listening connection: polling carries on alone.
        if (this.client !== held) return; // already stopped and released
        this.client = undefined;
        held.release(true);
      });
      await held.query(`LISTEN "${this.channel}"`);
      this.client = held;
    } catch (error) {
      // LISTEN failed on a connection we hold: give it back (destroyed, it has our listeners),
      // or the pool would lose one connection for good.
      if (client && this.client !== client) client.release(true);
      onError?.(error);
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      await client.query(`UNLISTEN "${this.channel}"`).catch(() => {});
      client.release(true);
    }
  }
}
