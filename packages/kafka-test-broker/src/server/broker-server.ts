import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKey, isSupported } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import type { BrokerContext, RequestHeader } from './broker-context.js';
import { handlerTable } from './handler-table.js';
import { apiVersionsResponse } from './handlers/cluster-handlers.js';

/** Kafka's default socket.request.max.bytes; a larger size prefix means a broken stream. */
const MAX_FRAME_BYTES = 100 * 1024 * 1024;

/**
 * The TCP side: size-prefixed frames in, handlers, size-prefixed responses out. Requests are
 * started in arrival order (every state change a handler makes happens synchronously before its
 * first await), but a slow one (a long-polling Fetch, a JoinGroup waiting for the rebalance) does
 * not hold back the answers to later requests on the same connection: kafkajs matches responses
 * by correlation id, and its heartbeats share the connection with its fetches.
 */
export class BrokerServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly stopController: AbortController;

  constructor(
    private readonly context: BrokerContext,
    stopController: AbortController,
  ) {
    this.stopController = stopController;
    this.server = createServer((socket) => this.onConnection(socket));
    context.faults.attach(() => this.dropAll());
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  async close(): Promise<void> {
    this.stopController.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.dropAll();
    await closed;
  }

  dropAll(): number {
    const count = this.sockets.size;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    return count;
  }

  private onConnection(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const size = buffered.readInt32BE(0);
        if (size < 8 || size > MAX_FRAME_BYTES) {
          socket.destroy();
          return;
        }
        if (buffered.length < 4 + size) break;
        const frame = buffered.subarray(4, 4 + size);
        buffered = buffered.subarray(4 + size);
        void this.onFrame(socket, frame);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async onFrame(socket: Socket, frame: Buffer): Promise<void> {
    const reader = new Reader(frame);
    let header: RequestHeader;
    try {
      header = {
        apiKey: reader.int16(),
        apiVersion: reader.int16(),
        correlationId: reader.int32(),
        clientId: reader.nullableString(),
      };
    } catch {
      socket.destroy();
      return;
    }
    const { apiKey, apiVersion } = header;
    let body: Writer | null;
    if (!isSupported(apiKey, apiVersion)) {
      // ApiVersions answers in its v0 layout so any client can read the supported ranges
      // (KIP-511); for every other API the body is the error code alone.
      body =
        apiKey === ApiKey.ApiVersions
          ? apiVersionsResponse(0, ErrorCode.UNSUPPORTED_VERSION)
          : new Writer().int16(ErrorCode.UNSUPPORTED_VERSION);
    } else {
      const handler = handlerTable.get(apiKey);
      try {
        body = handler
          ? await handler({
              header,
              body: reader,
              broker: this.context,
              clientHost: socket.remoteAddress ?? '127.0.0.1',
            })
          : new Writer().int16(ErrorCode.UNSUPPORTED_VERSION);
      } catch {
        // A request that does not decode cannot be answered in its own layout: Kafka closes
        // the connection, and so do we (the client sees it at once, never a hang).
        socket.destroy();
        return;
      }
    }
    if (this.context.faults.takeDrop(apiKey)) {
      socket.destroy();
      return;
    }
    const delay = this.context.faults.delayFor(apiKey);
    if (delay > 0) await sleep(delay, undefined, { ref: false });
    if (body === null || socket.destroyed) return;
    const payload = new Writer(body.length + 8).int32(body.length + 4).int32(header.correlationId);
    socket.write(payload.raw(body.toBuffer()).toBuffer());
  }
}
