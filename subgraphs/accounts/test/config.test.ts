import { loadConfig } from '@intelgraph/config';
import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { configSpec as entities } from '../../entities/src/config.js';
import { configSpec as investigations } from '../../investigations/src/config.js';
import { configSpec as accounts } from '../src/config.js';

describe('subgraph config specs', () => {
  it('run on embedded defaults with nothing set, each on its own port', () => {
    const config = loadConfig(accounts, {});
    expect(config).toMatchObject({
      port: 4001,
      host: '127.0.0.1',
      logLevel: 'info',
      databaseShards: undefined,
      embeddedShards: 2,
      embeddedDataDir: 'memory',
      redisUrl: undefined,
      amqpUrl: undefined,
      identitySecret: undefined,
      devIdentity: false,
      maxPageSize: 100,
    });
    expect(loadConfig(entities, {}).port).toBe(4002);
    expect(loadConfig(investigations, {}).port).toBe(4003);
  });

  it('parse DATABASE_SHARDS into shards with replicas', () => {
    const config = loadConfig(accounts, {
      DATABASE_SHARDS: JSON.stringify([
        { id: 's1', primary: 'postgres://u:pw@db1:5432/ig', replicas: ['postgres://u:pw@db1r:5432/ig'] },
      ]),
    });
    expect(config.databaseShards).toEqual([
      { id: 's1', primary: 'postgres://u:pw@db1:5432/ig', replicas: ['postgres://u:pw@db1r:5432/ig'] },
    ]);
  });

  it('fail at start naming the variable and the expected form, never printing a secret', () => {
    let error: unknown;
    try {
      loadConfig(accounts, {
        PORT: '99999',
        DATABASE_SHARDS: '[{"id":"s1","primary":"mysql://u:hunter2@db/x"}]',
        IDENTITY_SECRET: 'short-secret-hunter2',
        REDIS_URL: 'http://nope',
      });
    } catch (e) {
      error = e;
    }
    expect(IntelGraphError.is(error, 'CONFIG_INVALID')).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('PORT=');
    expect(message).toContain("DATABASE_SHARDS='<redacted>'");
    expect(message).toContain('REDIS_URL=');
    expect(message).not.toContain('hunter2');
  });
});
