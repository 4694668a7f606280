import { Writable } from 'node:stream';
import type { IntelGraphError } from '@intelgraph/errors';
import { IDENTITY_HEADER } from '@intelgraph/identity';
import { createLogger } from '@intelgraph/telemetry';
import { describe, expect, it } from 'vitest';
import { IdentityGuard } from '../src/index.js';
import { signIdentity, TEST_IDENTITY_SECRET } from '../src/testing/index.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test', destination }) };
}

describe('IdentityGuard', () => {
  it('signed mode: takes the tenant from the signed header only', () => {
    const guard = new IdentityGuard({ kind: 'signed', secrets: [TEST_IDENTITY_SECRET] });
    const header = signIdentity({ tenantId: 'acme', userId: 'acme:u1', scopes: ['read'] });
    expect(guard.verify({ [IDENTITY_HEADER]: header, 'x-dev-tenant': 'globex' })).toEqual({
      tenantId: 'acme',
      userId: 'acme:u1',
      scopes: ['read'],
    });
  });

  it('signed mode: refuses a missing, forged or foreign-key header', () => {
    const guard = new IdentityGuard({ kind: 'signed', secrets: [TEST_IDENTITY_SECRET] });
    const codeOf = (headers: Record<string, string>) => {
      try {
        guard.verify(headers);
        return 'accepted';
      } catch (error) {
        return (error as IntelGraphError).code;
      }
    };
    expect(codeOf({ 'x-dev-tenant': 'acme' })).toBe('IDENTITY_MISSING');
    const other = signIdentity({ tenantId: 'acme' }, 'another-secret-of-at-least-32-bytes!!');
    expect(codeOf({ [IDENTITY_HEADER]: other })).toBe('IDENTITY_INVALID');
    const [v, payload, mac] = signIdentity({ tenantId: 'acme' }).split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), t: 'globex' }),
    ).toString('base64url');
    expect(codeOf({ [IDENTITY_HEADER]: `${v}.${forged}.${mac}` })).toBe('IDENTITY_INVALID');
  });

  it('development mode: logs a warning at start and per request, tenant from x-dev-tenant', () => {
    const { lines, logger } = capture();
    const guard = new IdentityGuard({ kind: 'development' }, logger);
    expect(lines[0]).toMatchObject({ level: 'warn', mode: 'development' });
    expect(String(lines[0]?.msg)).toContain('NEVER RUN THIS IN PRODUCTION');
    expect(guard.verify({ 'x-dev-tenant': 'globex', 'x-dev-user': 'globex:u' })).toMatchObject({
      tenantId: 'globex',
      userId: 'globex:u',
    });
    expect(guard.verify({}).tenantId).toBe('dev');
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(3);
    expect(() => guard.verify({ 'x-dev-tenant': 'bad tenant!' })).toThrow(
      expect.objectContaining({ code: 'IDENTITY_INVALID' }),
    );
  });
});
