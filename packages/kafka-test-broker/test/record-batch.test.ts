import { describe, expect, it } from 'vitest';
import { Compression, decodeRecords, encodeRecordBatch, parseRecordSet } from '../src/log/record-batch.js';
import { crc32c } from '../src/protocol/crc32c.js';
import { ErrorCode } from '../src/protocol/error-codes.js';

describe('record batch v2', () => {
  it('computes CRC-32C (Castagnoli) check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
  });

  it.each([
    ['uncompressed', Compression.none],
    ['gzip', Compression.gzip],
  ] as const)('round-trips records, keys, values and headers (%s)', (_, compression) => {
    const raw = encodeRecordBatch({
      compression,
      records: [
        {
          key: Buffer.from('k1'),
          value: Buffer.from('v1'),
          headers: [{ key: 'h', value: Buffer.from('x') }],
        },
        { key: null, value: Buffer.from('v2'), timestamp: 1_700_000_000_000n },
        { key: Buffer.from('k3'), value: null },
      ],
    });
    const [batch] = parseRecordSet(raw);
    expect(batch?.compression).toBe(compression);
    expect(batch?.recordCount).toBe(3);
    const records = decodeRecords(batch!);
    expect(records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      [0n, 'k1', 'v1'],
      [1n, null, 'v2'],
      [2n, 'k3', null],
    ]);
    expect(records[0]?.headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
    expect(records[1]?.timestamp).toBe(1_700_000_000_000n);
  });

  it('rejects a batch whose content no longer matches its CRC', () => {
    const raw = encodeRecordBatch({ records: [{ value: Buffer.from('hello') }] });
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 0xff;
    expect(() => parseRecordSet(raw)).toThrow(expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE }));
  });

  it('rejects a truncated record set and an old message format', () => {
    const raw = encodeRecordBatch({ records: [{ value: Buffer.from('hello') }] });
    expect(() => parseRecordSet(raw.subarray(0, raw.length - 2))).toThrow(
      expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE }),
    );
    const oldMagic = Buffer.from(raw);
    oldMagic[16] = 1;
    expect(() => parseRecordSet(oldMagic)).toThrow(/magic 1/);
  });

  it('refuses codecs other than none and gzip with UNSUPPORTED_COMPRESSION_TYPE', () => {
    const raw = encodeRecordBatch({ records: [{ value: Buffer.from('x') }] });
    // Flip the codec bits to snappy and re-seal the CRC so only the codec is wrong.
    raw.writeInt16BE(Compression.snappy, 21);
    raw.writeUInt32BE(crc32c(raw.subarray(21)), 17);
    expect(() => parseRecordSet(raw)).toThrow(
      expect.objectContaining({ code: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE }),
    );
  });

  it('splits a record set holding several batches', () => {
    const set = Buffer.concat([
      encodeRecordBatch({ records: [{ value: Buffer.from('a') }] }),
      encodeRecordBatch({ records: [{ value: Buffer.from('b') }, { value: Buffer.from('c') }] }),
    ]);
    expect(parseRecordSet(set).map((b) => b.recordCount)).toEqual([1, 2]);
  });
});
