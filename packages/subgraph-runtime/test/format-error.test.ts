import { Writable } from 'node:stream';
import { IntelGraphError } from '@intelgraph/errors';
import { createLogger } from '@intelgraph/telemetry';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createFormatError } from '../src/index.js';

const lines: string[] = [];
const logger = createLogger({
  service: 'test',
  destination: new Writable({
    write(chunk, _e, done) {
      lines.push(String(chunk));
      done();
    },
  }),
});
const format = createFormatError(logger);

describe('formatError', () => {
  it('keeps a platform error’s code, message and details', () => {
    const original = new IntelGraphError('NOT_FOUND', 'Entity acme:1 not found', {
      details: { typeName: 'Entity' },
    });
    const wrapped = new GraphQLError(original.message, { originalError: original, path: ['entity'] });
    const out = format({ message: wrapped.message, path: ['entity'] }, wrapped);
    expect(out.extensions).toMatchObject({ code: 'NOT_FOUND', typeName: 'Entity', retryable: false });
    expect(out.message).toBe('Entity acme:1 not found');
  });

  it('masks an unexpected error as INTERNAL_ERROR and logs its cause', () => {
    const original = new Error('relation "entities" does not exist');
    const wrapped = new GraphQLError(original.message, { originalError: original });
    const out = format({ message: original.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, wrapped);
    expect(out).toMatchObject({ message: 'Internal error', extensions: { code: 'INTERNAL_ERROR' } });
    expect(lines.join('')).toContain('relation \\"entities\\" does not exist');
  });

  it('keeps Apollo’s own request codes (validation, parse)', () => {
    const out = format(
      { message: 'Cannot query field', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      new Error(),
    );
    expect(out.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
