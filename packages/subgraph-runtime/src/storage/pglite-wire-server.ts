import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Messages that end a unit of work the backend must see without interleaving: Sync, Query, Terminate, Flush. */
const BOUNDARIES = new Set(['S', 'Q', 'X', 'H'].map((c) => c.charCodeAt(0)));

/**
 * A PostgreSQL wire-protocol server in front of one PGlite instance, for many `pg` connections.
 *
 * PGlite is one backend: statements of different connections must take turns. pglite-socket
 * 0.2.17 (`PGLiteSocketServer`) queues them message by message, so with two connections running
 * parameterised queries at once, one connection's Parse can land between another's Parse and
 * Bind ("bind message supplies 2 parameters, but prepared statement requires 3"), and a simple
 * Query destroys another connection's unnamed statement. This server queues **units**: every
 * message up to and including the next Sync (extended protocol) or Query (simple protocol) runs
 * as one `execProtocolRaw` call, and while a unit leaves the backend inside a transaction, only
 * that connection's units run until the transaction ends (a dropped connection's open
 * transaction is rolled back). Connections are unlimited (`maxConnections`).
 */
export class PGliteWireServer {
  readonly #db: PGlite;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** The connection whose transaction is open on the backend, if any. */
  #owner: Socket | undefined;
  readonly #waiting: Array<() => void> = [];

  constructor(db: PGlite, options: { maxConnections?: number } = {}) {
    this.#db = db;
    this.#server = createServer((socket) => this.#accept(socket));
    this.#server.maxConnections = options.maxConnections ?? 64;
  }

  async listen(host = '127.0.0.1', port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
    const address = this.#server.address() as AddressInfo;
    return `${address.address}:${address.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let started = false;
    let pending: Buffer[] = [];
    let chain = Promise.resolve();
    const fail = (): void => {
      socket.destroy();
    };
    socket.on('data', (data) => {
      buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data]);
      const units: Buffer[] = [];
      for (;;) {
        if (!started) {
          if (buffer.length < 8) break;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) break;
          const code = buffer.readInt32BE(4);
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST) {
            socket.write('N');
            continue;
          }
          if (code === CANCEL_REQUEST) return fail();
          if (code !== PROTOCOL_3) return fail();
          started = true;
          units.push(Buffer.from(message));
          continue;
        }
        if (buffer.length < 5) break;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) break;
        const message = Buffer.from(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        pending.push(message);
        if (BOUNDARIES.has(message[0]!)) {
          units.push(Buffer.concat(pending));
          pending = [];
        }
      }
      for (const unit of units) {
        // Terminate: end this connection here; the one shared backend must not see it.
        if (unit[0] === 'X'.charCodeAt(0) && unit.length === 5) {
          chain = chain.then(() => {
            socket.end();
          });
          continue;
        }
        chain = chain.then(() => this.#run(socket, unit)).catch(fail);
      }
    });
    const closed = (): void => {
      this.#sockets.delete(socket);
      chain = chain.then(() => this.#release(socket));
    };
    socket.on('close', closed);
    socket.on('error', () => socket.destroy());
  }

  /** Runs one unit with the backend to itself; keeps the backend while a transaction is open. */
  async #run(socket: Socket, unit: Buffer): Promise<void> {
    if (this.#owner !== socket) await this.#acquire(socket);
    try {
      const reply = await this.#db.execProtocolRaw(
        new Uint8Array(unit.buffer, unit.byteOffset, unit.byteLength),
      );
      if (!socket.destroyed && reply.length > 0) socket.write(reply);
    } finally {
      if (!this.#db.isInTransaction()) this.#free();
    }
  }

  /** A connection closed: roll back a transaction it left open and give the backend back. */
  async #release(socket: Socket): Promise<void> {
    if (this.#owner !== socket) return;
    await this.#db.exec('ROLLBACK').catch(() => {});
    this.#free();
  }

  #acquire(socket: Socket): Promise<void> {
    return new Promise<void>((resolve) => {
      const take = (): void => {
        this.#owner = socket;
        resolve();
      };
      if (this.#owner === undefined && this.#waiting.length === 0) take();
      else this.#waiting.push(take);
    });
  }

  #free(): void {
    this.#owner = undefined;
    const next = this.#waiting.shift();
    next?.();
  }
}
