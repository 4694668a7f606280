/** Thrown when a request is shorter than its declared fields: the broker answers CORRUPT_MESSAGE. */
export class TruncatedInputError extends Error {
  constructor(needed: number, offset: number, length: number) {
    super(`needed ${needed} bytes at offset ${offset}, only ${length - offset} left`);
    this.name = 'TruncatedInputError';
  }
}

/** Big-endian decoder for the Kafka wire format (non-flexible versions). */
export class Reader {
  offset = 0;

  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(bytes: number): void {
    if (bytes < 0 || this.offset + bytes > this.buf.length) {
      throw new TruncatedInputError(bytes, this.offset, this.buf.length);
    }
  }

  int8(): number {
    this.need(1);
    const v = this.buf.readInt8(this.offset);
    this.offset += 1;
    return v;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    return this.take(length).toString('utf8');
  }

  string(): string {
    return this.nullableString() ?? '';
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    return this.take(length);
  }

  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }

  /** ARRAY: int32 count; -1 (null) is returned as null so "all topics" can be told from "none". */
  nullableArray<T>(read: (reader: Reader) => T): T[] | null {
    const count = this.int32();
    if (count < 0) return null;
    if (count > this.remaining) throw new TruncatedInputError(count, this.offset, this.buf.length);
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(read(this));
    return items;
  }

  array<T>(read: (reader: Reader) => T): T[] {
    return this.nullableArray(read) ?? [];
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const byte = this.buf[this.offset++] as number;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new TruncatedInputError(1, this.offset, this.buf.length);
    }
    return (result >>> 1) ^ -(result & 1);
  }

  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      this.need(1);
      const byte = BigInt(this.buf[this.offset++] as number);
      result |= (byte & 0x7fn) << shift;
      if ((byte & 0x80n) === 0n) break;
      shift += 7n;
      if (shift > 63n) throw new TruncatedInputError(1, this.offset, this.buf.length);
    }
    return (result >> 1n) ^ -(result & 1n);
  }

  varBytes(): Buffer | null {
    const length = this.varint();
    if (length < 0) return null;
    return this.take(length);
  }

  take(length: number): Buffer {
    this.need(length);
    const slice = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}
