/**
 * Big-endian encoder for the Kafka wire format (non-flexible versions only: kafkajs 2.2.4 never
 * negotiates a flexible version, so there are no compact types or tagged fields here).
 */
export class Writer {
  private buf: Buffer;
  private offset = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.offset;
  }

  private ensure(bytes: number): void {
    if (this.offset + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.offset + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  int8(value: number): this {
    this.ensure(1);
    this.buf.writeInt8(value, this.offset);
    this.offset += 1;
    return this;
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  int16(value: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(value, this.offset);
    this.offset += 2;
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }

  uint32(value: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }

  int64(value: bigint | number): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt(value), this.offset);
    this.offset += 8;
    return this;
  }

  /** STRING / NULLABLE_STRING: int16 length (-1 for null) then UTF-8 bytes. */
  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const bytes = Buffer.from(value, 'utf8');
    this.int16(bytes.length);
    return this.raw(bytes);
  }

  /** BYTES / NULLABLE_BYTES: int32 length (-1 for null) then the bytes. */
  bytes(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    this.int32(value.length);
    return this.raw(value);
  }

  array<T>(items: readonly T[] | null, write: (writer: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /** Zig-zag varint, as used inside v2 records. */
  varint(value: number): this {
    let v = ((value << 1) ^ (value >> 31)) >>> 0;
    while (v >= 0x80) {
      this.int8Unsigned((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    return this.int8Unsigned(v);
  }

  varlong(value: bigint): this {
    let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
    while (v >= 0x80n) {
      this.int8Unsigned(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    return this.int8Unsigned(Number(v));
  }

  varBytes(value: Buffer | null): this {
    if (value === null) return this.varint(-1);
    this.varint(value.length);
    return this.raw(value);
  }

  raw(bytes: Buffer): this {
    this.ensure(bytes.length);
    bytes.copy(this.buf, this.offset);
    this.offset += bytes.length;
    return this;
  }

  private int8Unsigned(value: number): this {
    this.ensure(1);
    this.buf[this.offset] = value;
    this.offset += 1;
    return this;
  }

  /** A copy of what was written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.offset));
  }
}
