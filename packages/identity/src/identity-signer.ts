import { createHmac, timingSafeEqual } from 'node:crypto';
import { IntelGraphError } from '@intelgraph/errors';
import type { Identity } from './identity.js';

const VERSION = 'v1';
const MIN_SECRET_BYTES = 32;

export interface IdentitySignerOptions {
  /**
   * HMAC keys. The first signs; all verify, so a key can be rotated by adding the new one
   * first, deploying, then removing the old one. Each at least 32 bytes.
   */
  readonly secrets: readonly string[];
  /** How far a signed timestamp may be from this clock, either way (default 60 000 ms). */
  readonly maxSkewMs?: number;
  /** Clock, for tests (default `Date.now`). */
  readonly now?: () => number;
}

interface Payload {
  t: string;
  u?: string;
  s: string[];
  ts: number;
}

function isPayload(value: unknown): value is Payload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.t === 'string' &&
    v.t.length > 0 &&
    (v.u === undefined || typeof v.u === 'string') &&
    Array.isArray(v.s) &&
    v.s.every((s) => typeof s === 'string') &&
    typeof v.ts === 'number' &&
    Number.isFinite(v.ts)
  );
}

/**
 * Signs and verifies the identity header `v1.<payload>.<mac>` (base64url JSON payload, base64url
 * HMAC-SHA256 over `v1.<payload>`). The timestamp bounds replay of a captured header to the skew
 * window; the MAC makes the header unforgeable without the shared secret.
 */
export class IdentitySigner {
  readonly #keys: readonly Buffer[];
  readonly #maxSkewMs: number;
  readonly #now: () => number;

  constructor(options: IdentitySignerOptions) {
    if (options.secrets.length === 0) {
      throw new IntelGraphError('CONFIG_INVALID', 'IdentitySigner needs at least one secret', {
        details: { field: 'secrets' },
      });
    }
    for (const [i, secret] of options.secrets.entries()) {
      if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
        throw new IntelGraphError(
          'CONFIG_INVALID',
          `IdentitySigner secrets[${i}] is ${Buffer.byteLength(secret)} bytes; expected at least ${MIN_SECRET_BYTES}`,
          { input: '<redacted>', details: { field: `secrets[${i}]` } },
        );
      }
    }
    const maxSkewMs = options.maxSkewMs ?? 60_000;
    if (!Number.isFinite(maxSkewMs) || maxSkewMs <= 0) {
      throw new IntelGraphError('CONFIG_INVALID', `maxSkewMs must be a positive number, got ${maxSkewMs}`, {
        input: maxSkewMs,
        details: { field: 'maxSkewMs' },
      });
    }
    this.#keys = options.secrets.map((s) => Buffer.from(s));
    this.#maxSkewMs = maxSkewMs;
    this.#now = options.now ?? Date.now;
  }

  sign(identity: Identity): string {
    const payload: Payload = { t: identity.tenantId, s: [...identity.scopes], ts: this.#now() };
    if (identity.userId !== undefined) payload.u = identity.userId;
    const body = `${VERSION}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${body}.${this.#mac(this.#keys[0]!, body).toString('base64url')}`;
  }

  /** The identity in `header`, or `IDENTITY_MISSING` / `IDENTITY_INVALID`. */
  verify(header: string | string[] | undefined): Identity {
    const value = Array.isArray(header) ? header[0] : header;
    if (value === undefined || value === '') {
      throw new IntelGraphError('IDENTITY_MISSING', 'Request carries no gateway identity');
    }
    const invalid = (reason: string): IntelGraphError =>
      new IntelGraphError('IDENTITY_INVALID', `Gateway identity rejected: ${reason}`, {
        details: { reason },
      });
    const parts = value.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION || value.length > 8192) throw invalid('malformed');
    const body = `${parts[0]}.${parts[1]}`;
    const mac = Buffer.from(parts[2]!, 'base64url');
    const matches = this.#keys.some((key) => {
      const expected = this.#mac(key, body);
      return expected.length === mac.length && timingSafeEqual(expected, mac);
    });
    if (!matches) throw invalid('bad signature');
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      throw invalid('malformed');
    }
    if (!isPayload(payload)) throw invalid('malformed');
    if (Math.abs(this.#now() - payload.ts) > this.#maxSkewMs) throw invalid('expired');
    return { tenantId: payload.t, userId: payload.u, scopes: payload.s };
  }

  #mac(key: Buffer, body: string): Buffer {
    return createHmac('sha256', key).update(body).digest();
  }
}
