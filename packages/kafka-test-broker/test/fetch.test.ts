import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, ErrorCode, encodeRecordBatch, startTestBroker, type TestBroker } from '../src/index.js';
import { decodeRecords, parseRecordSet } from '../src/log/record-batch.js';
import {
  fetchBody,
  produceBody,
  RawClient,
  readFetchResponse,
  readProduceResponse,
} from './helpers/raw-client.js';

const valuesOf = (records: Buffer) =>
  records.length === 0
    ? []
    : parseRecordSet(records).flatMap((b) => decodeRecords(b).map((r) => r.value?.toString()));

describe('Fetch long polling', () => {
  let broker: TestBroker;
  let raw: RawClient;

  beforeAll(async () => {
    broker = await startTestBroker({ topics: [{ name: 'polled', partitions: 1 }] });
    raw = await RawClient.open(broker.port);
  });
  afterAll(async () => {
    raw.close();
    await broker.stop();
  });

  const produce = async (value: string) =>
    readProduceResponse(
      await raw.request(
        ApiKey.Produce,
        7,
        produceBody('polled', 0, encodeRecordBatch({ records: [{ value: Buffer.from(value) }] })),
      ),
    );

  it('answers a waiting fetch as soon as a produce brings min_bytes, long before max_wait', async () => {
    // max_wait is a minute; the test's own timeout is far shorter, so only the append can answer it.
    const waiting = raw.request(
      ApiKey.Fetch,
      11,
      fetchBody('polled', 0, 0n, { maxWaitMs: 60_000, minBytes: 1 }),
    );
    expect((await produce('wake-up')).errorCode).toBe(ErrorCode.NONE);
    const response = readFetchResponse(await waiting);
    expect(response.errorCode).toBe(ErrorCode.NONE);
    expect(response.highWatermark).toBe(1n);
    expect(valuesOf(response.records)).toEqual(['wake-up']);
  });

  it('returns what it has once max_wait passes without min_bytes', async () => {
    const response = readFetchResponse(
      await raw.request(
        ApiKey.Fetch,
        11,
        fetchBody('polled', 0, 0n, { maxWaitMs: 50, minBytes: 10_000_000 }),
      ),
    );
    expect(response.errorCode).toBe(ErrorCode.NONE);
    expect(valuesOf(response.records)).toEqual(['wake-up']);
  });

  it('reports OFFSET_OUT_OF_RANGE past the high watermark and UNKNOWN_TOPIC_OR_PARTITION for no topic', async () => {
    const past = readFetchResponse(
      await raw.request(ApiKey.Fetch, 11, fetchBody('polled', 0, 99n, { maxWaitMs: 0, minBytes: 1 })),
    );
    expect(past.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const missing = readFetchResponse(
      await raw.request(ApiKey.Fetch, 11, fetchBody('no-such-topic', 0, 0n, { maxWaitMs: 0, minBytes: 1 })),
    );
    expect(missing.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('answers early, empty, when maxFetchWaitMs caps the client’s max_wait', async () => {
    const capped = await startTestBroker({ topics: [{ name: 'capped' }], maxFetchWaitMs: 20 });
    const client = await RawClient.open(capped.port);
    try {
      // The client asks to wait a minute; the test's timeout is far shorter.
      const response = readFetchResponse(
        await client.request(
          ApiKey.Fetch,
          11,
          fetchBody('capped', 0, 0n, { maxWaitMs: 60_000, minBytes: 1 }),
        ),
      );
      expect(response).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 0n });
      expect(response.records.length).toBe(0);
    } finally {
      client.close();
      await capped.stop();
    }
  });

  it('leaves no fetch waiting when the broker stops', async () => {
    const own = await startTestBroker({ topics: [{ name: 'stopping' }] });
    const client = await RawClient.open(own.port);
    const waiting = client.request(
      ApiKey.Fetch,
      11,
      fetchBody('stopping', 0, 0n, { maxWaitMs: 60_000, minBytes: 1 }),
    );
    await own.stop();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});
