import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { describeConfig, formatConfigTable, loadConfig, variables as v } from '../src/index.js';

const spec = {
  port: v.port({ env: 'PORT', description: 'HTTP port', default: '4000' }),
  logLevel: v.oneOf({ env: 'LOG_LEVEL', description: 'pino level', default: 'info' }, [
    'debug',
    'info',
    'warn',
  ] as const),
  redisUrl: v.url({ env: 'REDIS_URL', description: 'Redis', protocols: ['redis:', 'rediss:'] }),
  secret: v.string({ env: 'SIGNING_SECRET', description: 'HMAC secret', required: true, secret: true }),
  brokers: v.list(
    { env: 'BROKERS', description: 'Kafka brokers' },
    z.string().regex(/^[\w.-]+:\d+$/),
    'host:port',
  ),
  debug: v.boolean({ env: 'DEBUG_MODE', description: 'debug', default: 'false' }),
  poolSize: v.integer({ env: 'POOL_SIZE', description: 'pool', default: '10', min: 1, max: 100 }),
  shards: v.json(
    { env: 'SHARDS', description: 'shards' },
    z.array(z.object({ id: z.string() })),
    'a JSON array of {id}',
  ),
};

describe('loadConfig', () => {
  it('applies documented defaults and parses typed values', () => {
    const config = loadConfig(spec, {
      SIGNING_SECRET: 's3cret',
      BROKERS: 'a:9092, b:9093',
      SHARDS: '[{"id":"s1"}]',
    });
    expect(config).toEqual({
      port: 4000,
      logLevel: 'info',
      redisUrl: undefined,
      secret: 's3cret',
      brokers: ['a:9092', 'b:9093'],
      debug: false,
      poolSize: 10,
      shards: [{ id: 's1' }],
    });
    expectTypeOf(config.port).toEqualTypeOf<number>();
    expectTypeOf(config.redisUrl).toEqualTypeOf<string | undefined>();
    expectTypeOf(config.logLevel).toEqualTypeOf<'debug' | 'info' | 'warn'>();
    expectTypeOf(config.secret).toEqualTypeOf<string>();
  });

  it('fails naming every bad variable, its value and the expected form', () => {
    let error: unknown;
    try {
      loadConfig(spec, {
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        REDIS_URL: 'http://x',
        POOL_SIZE: '0',
        SHARDS: '{nope',
      });
    } catch (e) {
      error = e;
    }
    expect(IntelGraphError.is(error, 'CONFIG_INVALID')).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain("PORT='eighty'");
    expect(message).toContain('a TCP port from 0 to 65535');
    expect(message).toContain("LOG_LEVEL='loud'");
    expect(message).toContain('one of debug, info, warn');
    expect(message).toContain("REDIS_URL='http://x'");
    expect(message).toContain("POOL_SIZE='0'");
    expect(message).toContain('SIGNING_SECRET=unset: required');
    expect(message).toContain("SHARDS='{nope'");
  });

  it('never prints a secret value', () => {
    const secretSpec = { key: v.url({ env: 'JWKS', description: 'x', secret: true, required: true }) };
    expect(() => loadConfig(secretSpec, { JWKS: 'not a url but a password' })).toThrow(/JWKS='<redacted>'/);
    try {
      loadConfig(secretSpec, { JWKS: 'not a url but a password' });
    } catch (e) {
      expect(JSON.stringify((e as IntelGraphError).details)).not.toContain('password');
    }
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(spec, { PORT: '', SIGNING_SECRET: 'x' }).port).toBe(4000);
  });

  it('documents every variable with its default', () => {
    const docs = describeConfig(spec);
    expect(docs.map((d) => d.env)).toEqual(Object.values(spec).map((s) => s.env));
    expect(docs.find((d) => d.env === 'PORT')).toMatchObject({ default: '4000' });
    expect(docs.find((d) => d.env === 'SIGNING_SECRET')).toMatchObject({ default: '(required)' });
    expect(formatConfigTable(spec)).toContain('| `LOG_LEVEL` | `info` |');
  });
});
