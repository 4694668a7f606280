import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { IdentitySigner } from '../src/index.js';

const secret = 'a'.repeat(32);
const other = 'b'.repeat(32);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return IntelGraphError.is(e) ? e.code : 'NOT_AN_INTELGRAPH_ERROR';
  }
  return undefined;
}

describe('IdentitySigner', () => {
  it('round-trips tenant, user and scopes', () => {
    const signer = new IdentitySigner({ secrets: [secret] });
    const header = signer.sign({ tenantId: 't1', userId: 'u1', scopes: ['read', 'write'] });
    expect(signer.verify(header)).toEqual({ tenantId: 't1', userId: 'u1', scopes: ['read', 'write'] });
    const anonymous = signer.sign({ tenantId: 't1', userId: undefined, scopes: [] });
    expect(signer.verify(anonymous)).toEqual({ tenantId: 't1', userId: undefined, scopes: [] });
  });

  it('rejects a missing header as IDENTITY_MISSING', () => {
    const signer = new IdentitySigner({ secrets: [secret] });
    expect(codeOf(() => signer.verify(undefined))).toBe('IDENTITY_MISSING');
    expect(codeOf(() => signer.verify(''))).toBe('IDENTITY_MISSING');
  });

  it('rejects a header signed with another key, a tampered payload, and garbage', () => {
    const signer = new IdentitySigner({ secrets: [secret] });
    const forged = new IdentitySigner({ secrets: [other] }).sign({ tenantId: 't1', userId: 'u', scopes: [] });
    expect(codeOf(() => signer.verify(forged))).toBe('IDENTITY_INVALID');

    const good = signer.sign({ tenantId: 't1', userId: 'u', scopes: [] });
    const [v, , mac] = good.split('.');
    const tampered = `${v}.${Buffer.from(JSON.stringify({ t: 't2', u: 'u', s: [], ts: Date.now() })).toString('base64url')}.${mac}`;
    expect(codeOf(() => signer.verify(tampered))).toBe('IDENTITY_INVALID');

    for (const garbage of ['x', 'v1..', 'v2.a.b', 'v1.a.b.c', `v1.${'A'.repeat(9000)}.x`]) {
      expect(
        codeOf(() => signer.verify(garbage)),
        garbage.slice(0, 20),
      ).toBe('IDENTITY_INVALID');
    }
  });

  it('rejects a replayed header outside the skew window', () => {
    let now = 1_000_000;
    const signer = new IdentitySigner({ secrets: [secret], maxSkewMs: 5_000, now: () => now });
    const header = signer.sign({ tenantId: 't1', userId: 'u', scopes: [] });
    now += 4_000;
    expect(signer.verify(header).tenantId).toBe('t1');
    now += 2_000;
    expect(codeOf(() => signer.verify(header))).toBe('IDENTITY_INVALID');
  });

  it('verifies with any configured key so a secret can be rotated', () => {
    const old = new IdentitySigner({ secrets: [secret] });
    const rotating = new IdentitySigner({ secrets: [other, secret] });
    expect(rotating.verify(old.sign({ tenantId: 't', userId: 'u', scopes: [] })).tenantId).toBe('t');
    expect(codeOf(() => old.verify(rotating.sign({ tenantId: 't', userId: 'u', scopes: [] })))).toBe(
      'IDENTITY_INVALID',
    );
  });

  it('refuses short secrets and bad options with CONFIG_INVALID, never echoing the secret', () => {
    expect(codeOf(() => new IdentitySigner({ secrets: [] }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => new IdentitySigner({ secrets: ['short'] }))).toBe('CONFIG_INVALID');
    expect(() => new IdentitySigner({ secrets: ['short'] })).not.toThrow(/short/);
    expect(codeOf(() => new IdentitySigner({ secrets: [secret], maxSkewMs: 0 }))).toBe('CONFIG_INVALID');
  });
});
