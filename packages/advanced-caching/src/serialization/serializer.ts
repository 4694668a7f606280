/**
 * Turns values into bytes and back. `serialize` must throw on a value it cannot represent
 * faithfully (the cache turns that into `CACHE_VALUE_NOT_SERIALIZABLE` and stores nothing).
 */
export interface Serializer {
  serialize(value: unknown): Buffer | string;
  deserialize(data: Buffer): unknown;
}

function rejectLossy(_key: string, value: unknown): unknown {
  // JSON.stringify silently drops functions and symbols (or turns them into null in arrays):
  // a value read back would differ from the one written, so refuse it instead.
  const type = typeof value;
  if (type === 'function' || type === 'symbol') throw new TypeError(`a ${type} cannot be serialized as JSON`);
  return value;
}

/**
 * The default: JSON. Cycles and BigInt throw (JSON.stringify's own TypeError), functions and
 * symbols are refused by the replacer. `undefined` is handled by the entry codec, not here.
 */
export const jsonSerializer: Serializer = {
  serialize(value) {
    return JSON.stringify(value, rejectLossy);
  },
  deserialize(data) {
    return JSON.parse(data.toString('utf8'));
  },
};
