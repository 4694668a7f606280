import { brotliCompressSync, brotliDecompressSync, deflateRawSync, inflateRawSync } from 'node:zlib';
import { IntelGraphError } from '@intelgraph/errors';
import type { CacheEntry } from '../entry/cache-entry.js';
import type { Serializer } from './serializer.js';

/*
 * Layout of an encoded entry (what L2 stores):
 *   0      magic 0xC7 (so a foreign or corrupt value reads as a miss, not as garbage)
 *   1      flags: bit0 deflate-compressed payload, bit1 brotli-compressed, bit2 value is `undefined`
 *   2..9   createdAt   float64 LE
 *   10..17 freshUntil  float64 LE
 *   18..25 staleUntil  float64 LE
 *   26..29 loadMs      uint32 LE
 *   30..33 tag section length, then that many bytes of JSON [[tag, version], ...]
 *   rest   the serializer's payload, compressed when the flags say so
 * Fixed binary fields keep a read to one small JSON parse at most for the metadata.
 */
const MAGIC = 0xc7;
const DEFLATE = 1;
const BROTLI = 2;
const UNDEFINED = 4;
const HEADER = 34;

export interface EntryCodecOptions {
  readonly serializer: Serializer;
  readonly compressionThreshold: number;
  readonly compressionAlgorithm: 'deflate' | 'brotli';
}

/** The serialized payload of a value, before it is wrapped with its metadata. */
export interface EncodedValue {
  readonly payload: Buffer;
  readonly flags: number;
}

export class EntryCodec {
  readonly #serializer: Serializer;
  readonly #threshold: number;
  readonly #brotli: boolean;

  constructor(options: EntryCodecOptions) {
    this.#serializer = options.serializer;
    this.#threshold = options.compressionThreshold;
    this.#brotli = options.compressionAlgorithm === 'brotli';
  }

  /** Serializes (and maybe compresses) a value; throws `CACHE_VALUE_NOT_SERIALIZABLE`. */
  encodeValue(key: string, value: unknown): EncodedValue {
    if (value === undefined) return { payload: EMPTY, flags: UNDEFINED };
    let data: Buffer | string | undefined;
    try {
      data = this.#serializer.serialize(value);
    } catch (cause) {
      throw notSerializable(key, cause);
    }
    if (data === undefined || (typeof data !== 'string' && !Buffer.isBuffer(data))) {
      throw notSerializable(key, new TypeError(`the serializer returned ${typeof data}`));
    }
    const raw = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (this.#threshold > 0 && raw.length >= this.#threshold) {
      return this.#brotli
        ? { payload: brotliCompressSync(raw), flags: BROTLI }
        : { payload: deflateRawSync(raw), flags: DEFLATE };
    }
    return { payload: raw, flags: 0 };
  }

  /** Wraps an encoded value with the entry's metadata: the bytes L2 stores. */
  encodeEntry(entry: CacheEntry, encoded: EncodedValue): Buffer {
    const tagJson =
      entry.tags.length === 0
        ? EMPTY
        : Buffer.from(JSON.stringify(entry.tags.map((tag, i) => [tag, entry.tagVersions[i]])), 'utf8');
    const out = Buffer.allocUnsafe(HEADER + tagJson.length + encoded.payload.length);
    out[0] = MAGIC;
    out[1] = encoded.flags;
    out.writeDoubleLE(entry.createdAt, 2);
    out.writeDoubleLE(entry.freshUntil, 10);
    out.writeDoubleLE(entry.staleUntil, 18);
    out.writeUInt32LE(Math.min(Math.max(Math.round(entry.loadMs), 0), 0xffffffff), 26);
    out.writeUInt32LE(tagJson.length, 30);
    tagJson.copy(out, HEADER);
    encoded.payload.copy(out, HEADER + tagJson.length);
    return out;
  }

  /** Reads bytes written by `encodeEntry`; `undefined` for anything that is not a valid entry. */
  decodeEntry(data: Buffer | null | undefined): CacheEntry | undefined {
    if (!data || data.length < HEADER || data[0] !== MAGIC) return undefined;
    try {
      const flags = data[1]!;
      const tagLength = data.readUInt32LE(30);
      let tags: readonly string[] = NO_TAGS;
      let tagVersions: readonly number[] = NO_VERSIONS;
      if (tagLength > 0) {
        const pairs = JSON.parse(data.toString('utf8', HEADER, HEADER + tagLength)) as [string, number][];
        tags = pairs.map((p) => p[0]);
        tagVersions = pairs.map((p) => p[1]);
      }
      const body = data.subarray(HEADER + tagLength);
      let value: unknown;
      if ((flags & UNDEFINED) === 0) {
        const raw =
          flags & DEFLATE ? inflateRawSync(body) : flags & BROTLI ? brotliDecompressSync(body) : body;
        value = this.#serializer.deserialize(raw);
      }
      return {
        value,
        createdAt: data.readDoubleLE(2),
        freshUntil: data.readDoubleLE(10),
        staleUntil: data.readDoubleLE(18),
        loadMs: data.readUInt32LE(26),
        tags,
        tagVersions,
        size: data.length,
      };
    } catch {
      return undefined;
    }
  }

  /** True when the encoded bytes carry a compressed payload (for tests and diagnostics). */
  static isCompressed(data: Buffer): boolean {
    return data[0] === MAGIC && ((data[1] ?? 0) & (DEFLATE | BROTLI)) !== 0;
  }
}

function notSerializable(key: string, cause: unknown): IntelGraphError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new IntelGraphError(
    'CACHE_VALUE_NOT_SERIALIZABLE',
    `Value for cache key '${key}' cannot be serialized: ${reason}`,
    {
      input: key,
      cause,
    },
  );
}

const EMPTY = Buffer.alloc(0);
const NO_TAGS: readonly string[] = Object.freeze([]);
const NO_VERSIONS: readonly number[] = Object.freeze([]);
