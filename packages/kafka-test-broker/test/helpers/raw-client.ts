import { connect, type Socket } from 'node:net';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';

/**
 * A bare Kafka-protocol client for what kafkajs will not send: unsupported versions, unknown
 * API keys, corrupted batches, hand-made sequence numbers.
 */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private correlationId = 0;
  private readonly waiting = new Map<number, (body: Reader) => void>();
  private closedReason: Error | undefined;
  private readonly closeWaiters: (() => void)[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        const frame = new Reader(Buffer.from(this.buffered.subarray(4, 4 + size)));
        this.buffered = this.buffered.subarray(4 + size);
        const id = frame.int32();
        this.waiting.get(id)?.(frame);
        this.waiting.delete(id);
      }
    });
    socket.on('close', () => {
      this.closedReason = new Error('connection closed by broker');
      for (const waiter of this.closeWaiters) waiter();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends one request; resolves with the response body, rejects if the broker closes instead. */
  request(apiKey: number, apiVersion: number, body: Writer = new Writer()): Promise<Reader> {
    const id = ++this.correlationId;
    const frame = new Writer()
      .int16(apiKey)
      .int16(apiVersion)
      .int32(id)
      .string('raw-client')
      .raw(body.toBuffer());
    return new Promise((resolve, reject) => {
      if (this.closedReason) return reject(this.closedReason);
      this.waiting.set(id, resolve);
      this.closeWaiters.push(() => reject(this.closedReason));
      this.socket.write(new Writer().int32(frame.length).raw(frame.toBuffer()).toBuffer());
    });
  }

  /** Writes arbitrary bytes (for malformed frames). */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  closed(): Promise<void> {
    return this.closedReason ? Promise.resolve() : new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Encodes a Produce v7 request body for one partition. */
export function produceBody(
  topic: string,
  partition: number,
  batch: Buffer,
  transactionalId: string | null = null,
) {
  return new Writer()
    .string(transactionalId)
    .int16(-1)
    .int32(1_000)
    .array([topic], (w, t) => {
      w.string(t).array([partition], (p, index) => p.int32(index).bytes(batch));
    });
}

/** Reads a Produce v7 response for a single partition. */
export function readProduceResponse(body: Reader): { errorCode: number; baseOffset: bigint } {
  body.int32(); // topics
  body.string();
  body.int32(); // partitions
  body.int32();
  const errorCode = body.int16();
  const baseOffset = body.int64();
  return { errorCode, baseOffset };
}

/** Encodes a Fetch v11 request body for one partition. */
export function fetchBody(
  topic: string,
  partition: number,
  fetchOffset: bigint,
  { maxWaitMs, minBytes, isolation = 0 }: { maxWaitMs: number; minBytes: number; isolation?: number },
) {
  return new Writer()
    .int32(-1)
    .int32(maxWaitMs)
    .int32(minBytes)
    .int32(1024 * 1024)
    .int8(isolation)
    .int32(0)
    .int32(-1)
    .array([topic], (w, t) => {
      w.string(t).array([partition], (p, index) =>
        p
          .int32(index)
          .int32(-1)
          .int64(fetchOffset)
          .int64(-1)
          .int32(1024 * 1024),
      );
    })
    .array([], () => {})
    .string('');
}

/** Reads a Fetch v11 response for a single partition. */
export function readFetchResponse(body: Reader): {
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  records: Buffer;
} {
  body.int32(); // throttle
  body.int16(); // top-level error
  body.int32(); // session id
  body.int32(); // topics
  body.string();
  body.int32(); // partitions
  body.int32();
  const errorCode = body.int16();
  const highWatermark = body.int64();
  const lastStableOffset = body.int64();
  body.int64(); // log start offset
  body.nullableArray((r) => [r.int64(), r.int64()]);
  body.int32(); // preferred read replica
  return { errorCode, highWatermark, lastStableOffset, records: body.bytes() };
}
