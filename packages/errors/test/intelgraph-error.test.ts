import { describe, expect, it } from 'vitest';
import { errorCatalogue, IntelGraphError, isErrorCode } from '../src/index.js';

describe('IntelGraphError', () => {
  it('carries the code, input, cause and the catalogue status', () => {
    const cause = new Error('boom');
    const error = new IntelGraphError('CONFIG_INVALID', 'PORT must be a port', {
      input: 'abc',
      cause,
      details: { variable: 'PORT' },
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.input).toBe('abc');
    expect(error.cause).toBe(cause);
    expect(error.httpStatus).toBe(errorCatalogue.CONFIG_INVALID.httpStatus);
    expect(error.toGraphQLExtensions()).toMatchObject({ code: 'CONFIG_INVALID', variable: 'PORT' });
    expect(IntelGraphError.is(error, 'CONFIG_INVALID')).toBe(true);
    expect(IntelGraphError.is(error, 'INTERNAL_ERROR')).toBe(false);
    expect(IntelGraphError.is(cause)).toBe(false);
  });

  it('serialises without losing the code or the cause message', () => {
    const json = JSON.parse(
      JSON.stringify(new IntelGraphError('INTERNAL_ERROR', 'x', { cause: new TypeError('inner') })),
    );
    expect(json).toMatchObject({ code: 'INTERNAL_ERROR', cause: { name: 'TypeError', message: 'inner' } });
  });

  it('recognises only catalogue codes', () => {
    expect(isErrorCode('CONFIG_INVALID')).toBe(true);
    expect(isErrorCode('NOT_A_CODE')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

describe('toIntelGraphError', () => {
  it('passes platform errors through and wraps anything else as INTERNAL_ERROR', async () => {
    const { toIntelGraphError } = await import('../src/index.js');
    const own = new IntelGraphError('CONFIG_INVALID', 'x');
    expect(toIntelGraphError(own)).toBe(own);
    const wrapped = toIntelGraphError(new RangeError('secret detail'));
    expect(wrapped.code).toBe('INTERNAL_ERROR');
    expect(wrapped.message).not.toContain('secret detail');
    expect((wrapped.cause as Error).message).toBe('secret detail');
  });
});
