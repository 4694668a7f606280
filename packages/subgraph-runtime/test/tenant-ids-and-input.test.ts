import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { isOwnId, requireOwnId, requireScope, requireText, tenantOfId } from '../src/index.js';

const acme = { tenantId: 'acme', userId: 'acme:u1', scopes: ['read'] };

function errorOf(fn: () => unknown): IntelGraphError {
  try {
    fn();
  } catch (error) {
    if (error instanceof IntelGraphError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('tenant-scoped ids', () => {
  it('accepts an id of the caller’s tenant', () => {
    expect(requireOwnId(acme, 'acme:123', 'Entity')).toBe('acme:123');
    expect(tenantOfId('globex:9')).toBe('globex');
  });

  it('answers another tenant’s id with NOT_FOUND, worded like a missing id', () => {
    const foreign = errorOf(() => requireOwnId(acme, 'globex:123', 'Entity'));
    expect(foreign.code).toBe('NOT_FOUND');
    expect(foreign.message).toBe('Entity globex:123 not found');
    expect(isOwnId(acme, 'globex:123')).toBe(false);
  });

  it.each([['no-separator'], [':leading'], ['trailing:'], [''], [42], [null], ['x'.repeat(400)]])(
    'answers the malformed id %j with BAD_USER_INPUT naming the argument',
    (id) => {
      const error = errorOf(() => requireOwnId(acme, id, 'Entity', 'entityId'));
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.details.argument).toBe('entityId');
      expect(isOwnId(acme, id)).toBe(false);
    },
  );
});

describe('input rules', () => {
  it('requires a scope with SCOPE_REQUIRED naming it', () => {
    expect(() => requireScope(acme, 'read')).not.toThrow();
    const error = errorOf(() => requireScope(acme, 'admin'));
    expect(error.code).toBe('SCOPE_REQUIRED');
    expect(error.details.scope).toBe('admin');
  });

  it('trims text and bounds its length', () => {
    expect(requireText('  Ann  ', 'name')).toBe('Ann');
    expect(errorOf(() => requireText('   ', 'name')).code).toBe('BAD_USER_INPUT');
    expect(errorOf(() => requireText('x'.repeat(201), 'name')).details.argument).toBe('name');
    expect(errorOf(() => requireText(5, 'name')).code).toBe('BAD_USER_INPUT');
  });
});
