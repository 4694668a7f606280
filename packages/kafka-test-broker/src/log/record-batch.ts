import { gunzipSync, gzipSync } from 'node:zlib';
import { crc32c } from '../protocol/crc32c.js';
import { ErrorCode, type ErrorCodeNumber } from '../protocol/error-codes.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';

/**
 * Record batch v2 ("magic 2"), the only message format this broker accepts:
 *
 *   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
 *   attributes int16 | lastOffsetDelta int32 | firstTimestamp int64 | maxTimestamp int64 |
 *   producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32 | records…
 *
 * The CRC-32C covers everything from `attributes` to the end, so the broker can rewrite
 * `baseOffset` (and the leader epoch) when it appends without touching the checksum.
 */
export const BATCH_OVERHEAD = 61;
const LOG_OVERHEAD = 12; // baseOffset + batchLength
const MAGIC_OFFSET = 16;
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
const COMPRESSION_MASK = 0x07;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

/** A protocol-level rejection of a batch; `code` is what the Produce response carries. */
export class RecordBatchError extends Error {
  constructor(
    readonly code: ErrorCodeNumber,
    message: string,
  ) {
    super(message);
    this.name = 'RecordBatchError';
  }
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface KafkaRecord {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface RecordBatch {
  /** The whole batch as it is served to fetchers; `baseOffset` is patched on append. */
  raw: Buffer;
  baseOffset: bigint;
  lastOffsetDelta: number;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  compression: number;
  isTransactional: boolean;
  isControl: boolean;
}

/** Splits a Produce request's record set into batches, checking magic and CRC-32C of each. */
export function parseRecordSet(recordSet: Buffer): RecordBatch[] {
  const batches: RecordBatch[] = [];
  let position = 0;
  while (position < recordSet.length) {
    if (recordSet.length - position < BATCH_OVERHEAD) {
      throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, 'record set ends inside a batch header');
    }
    const batchLength = recordSet.readInt32BE(position + 8);
    const end = position + LOG_OVERHEAD + batchLength;
    if (batchLength < BATCH_OVERHEAD - LOG_OVERHEAD || end > recordSet.length) {
      throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, `batch length ${batchLength} is out of bounds`);
    }
    batches.push(parseBatch(Buffer.from(recordSet.subarray(position, end))));
    position = end;
  }
  if (batches.length === 0) throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, 'empty record set');
  return batches;
}

function parseBatch(raw: Buffer): RecordBatch {
  const magic = raw.readInt8(MAGIC_OFFSET);
  if (magic !== 2) {
    throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, `message format magic ${magic} is not supported`);
  }
  const expected = raw.readUInt32BE(CRC_OFFSET);
  const actual = crc32c(raw.subarray(ATTRIBUTES_OFFSET));
  if (expected !== actual) {
    throw new RecordBatchError(
      ErrorCode.CORRUPT_MESSAGE,
      `CRC-32C mismatch: batch says ${expected.toString(16)}, content is ${actual.toString(16)}`,
    );
  }
  const attributes = raw.readInt16BE(ATTRIBUTES_OFFSET);
  const batch: RecordBatch = {
    raw,
    baseOffset: raw.readBigInt64BE(0),
    lastOffsetDelta: raw.readInt32BE(23),
    firstTimestamp: raw.readBigInt64BE(27),
    maxTimestamp: raw.readBigInt64BE(35),
    producerId: raw.readBigInt64BE(43),
    producerEpoch: raw.readInt16BE(51),
    baseSequence: raw.readInt32BE(53),
    recordCount: raw.readInt32BE(57),
    compression: attributes & COMPRESSION_MASK,
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
  };
  // Decoding every record proves the batch is whole and its count honest, as Kafka's validation does.
  const records = decodeRecords(batch);
  if (records.length !== batch.lastOffsetDelta + 1 || records.some((r, i) => r.offset !== BigInt(i))) {
    throw new RecordBatchError(
      ErrorCode.CORRUPT_MESSAGE,
      `batch declares ${batch.lastOffsetDelta + 1} records with consecutive offsets, holds ${records.length}`,
    );
  }
  return batch;
}

/** Rewrites the batch's base offset (outside the CRC) once the log assigns it. */
export function assignBaseOffset(batch: RecordBatch, baseOffset: bigint): void {
  batch.raw.writeBigInt64BE(baseOffset, 0);
  batch.baseOffset = baseOffset;
}

export function lastOffset(batch: RecordBatch): bigint {
  return batch.baseOffset + BigInt(batch.lastOffsetDelta);
}

/** The records of a batch with absolute offsets (relative to `baseOffset`). */
export function decodeRecords(batch: RecordBatch): KafkaRecord[] {
  const body = batch.raw.subarray(BATCH_OVERHEAD);
  let data: Buffer;
  switch (batch.compression) {
    case Compression.none:
      data = body;
      break;
    case Compression.gzip:
      try {
        data = gunzipSync(body);
      } catch (cause) {
        throw new RecordBatchError(
          ErrorCode.CORRUPT_MESSAGE,
          `gzip payload does not inflate: ${String(cause)}`,
        );
      }
      break;
    default:
      throw new RecordBatchError(
        ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
        `compression codec ${batch.compression} is not supported (only none and gzip)`,
      );
  }
  const reader = new Reader(data);
  const records: KafkaRecord[] = [];
  try {
    for (let i = 0; i < batch.recordCount; i++) {
      const length = reader.varint();
      const record = new Reader(reader.take(length));
      record.int8(); // record attributes: unused by the protocol
      const timestampDelta = record.varlong();
      const offsetDelta = record.varint();
      const key = record.varBytes();
      const value = record.varBytes();
      const headerCount = record.varint();
      const headers: RecordHeader[] = [];
      for (let h = 0; h < headerCount; h++) {
        const headerKey = record.varBytes();
        headers.push({ key: headerKey?.toString('utf8') ?? '', value: record.varBytes() });
      }
      records.push({
        offset: batch.baseOffset + BigInt(offsetDelta),
        timestamp: batch.firstTimestamp + timestampDelta,
        key: key && Buffer.from(key),
        value: value && Buffer.from(value),
        headers,
      });
    }
  } catch (cause) {
    if (cause instanceof RecordBatchError) throw cause;
    throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, `records do not decode: ${String(cause)}`);
  }
  if (reader.remaining !== 0) {
    throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, `${reader.remaining} bytes follow the last record`);
  }
  return records;
}

export interface RecordInput {
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: RecordHeader[];
  timestamp?: bigint;
}

export interface BatchInput {
  records: RecordInput[];
  baseOffset?: bigint;
  compression?: (typeof Compression)['none' | 'gzip'];
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
}

/** Encodes a v2 batch (used for transaction markers, and by tests to craft raw requests). */
export function encodeRecordBatch(input: BatchInput): Buffer {
  const now = BigInt(Date.now());
  const timestamps = input.records.map((r) => r.timestamp ?? now);
  let firstTimestamp = timestamps[0] ?? now;
  let maxTimestamp = firstTimestamp;
  for (const t of timestamps) {
    if (t < firstTimestamp) firstTimestamp = t;
    if (t > maxTimestamp) maxTimestamp = t;
  }
  const records = new Writer();
  input.records.forEach((record, i) => {
    const body = new Writer()
      .int8(0)
      .varlong((timestamps[i] ?? now) - firstTimestamp)
      .varint(i)
      .varBytes(record.key ?? null)
      .varBytes(record.value ?? null)
      .varint(record.headers?.length ?? 0);
    for (const header of record.headers ?? []) body.varBytes(Buffer.from(header.key)).varBytes(header.value);
    records.varint(body.length).raw(body.toBuffer());
  });
  const compression = input.compression ?? Compression.none;
  const payload = compression === Compression.gzip ? gzipSync(records.toBuffer()) : records.toBuffer();
  const attributes =
    compression | (input.transactional ? TRANSACTIONAL_FLAG : 0) | (input.control ? CONTROL_FLAG : 0);
  const checked = new Writer()
    .int16(attributes)
    .int32(input.records.length - 1)
    .int64(firstTimestamp)
    .int64(maxTimestamp)
    .int64(input.producerId ?? -1n)
    .int16(input.producerEpoch ?? -1)
    .int32(input.baseSequence ?? -1)
    .int32(input.records.length)
    .raw(payload)
    .toBuffer();
  return new Writer()
    .int64(input.baseOffset ?? 0n)
    .int32(4 + 1 + 4 + checked.length)
    .int32(0)
    .int8(2)
    .uint32(crc32c(checked))
    .raw(checked)
    .toBuffer();
}

/** A COMMIT or ABORT control batch closing a producer's transaction on one partition. */
export function encodeTransactionMarker(producerId: bigint, producerEpoch: number, commit: boolean): Buffer {
  return encodeRecordBatch({
    records: [
      {
        key: new Writer()
          .int16(0)
          .int16(commit ? 1 : 0)
          .toBuffer(),
        value: new Writer().int16(0).int32(0).toBuffer(),
      },
    ],
    producerId,
    producerEpoch,
    transactional: true,
    control: true,
  });
}

/** Parses a batch the broker itself encoded (no validation needed). */
export function parseOwnBatch(raw: Buffer): RecordBatch {
  return parseBatch(raw);
}
