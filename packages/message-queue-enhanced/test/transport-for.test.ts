import { createMetricsRegistry } from '@intelgraph/telemetry';
import { describe, expect, it } from 'vitest';
import { transportFor } from '../src/index.js';

const registry = createMetricsRegistry({ collectDefaults: false });
const AMQP = 'amqp://guest:guest@127.0.0.1:1';

describe('transportFor: one choice of the event transport, for publishers and consumers', () => {
  it.each([
    [{ amqpUrl: undefined, kafkaBrokers: undefined }, 'in-process'],
    [{ amqpUrl: AMQP, kafkaBrokers: undefined }, 'rabbitmq'],
    [{ amqpUrl: undefined, kafkaBrokers: '127.0.0.1:1, 127.0.0.1:2' }, 'kafka'],
    [{ amqpUrl: AMQP, kafkaBrokers: '127.0.0.1:1, 127.0.0.1:2' }, 'kafka+rabbitmq'],
  ])('a publisher with %j → %s', async (config, kind) => {
    const transport = transportFor(config, {
      role: 'publisher',
      service: 'entities',
      group: 'entities',
      metrics: registry,
    });
    expect(transport.kind).toBe(kind);
    await transport.close();
  });

  it.each([
    [{ amqpUrl: AMQP }, 'rabbitmq'],
    [{ kafkaBrokers: ['127.0.0.1:1'] }, 'kafka'],
    [{ kafkaBrokers: '127.0.0.1:1,' }, 'kafka'],
  ])('a consumer with %j → %s', async (config, kind) => {
    const transport = transportFor(config, { role: 'consumer', service: 'gateway', group: 'gateway-cache' });
    expect(transport?.kind).toBe(kind);
    await transport?.close();
  });

  it('gives a consumer without a broker nothing to consume', () => {
    expect(transportFor({}, { role: 'consumer', service: 'gateway', group: 'g' })).toBeUndefined();
    expect(
      transportFor({ kafkaBrokers: [], amqpUrl: '' }, { role: 'consumer', service: 'gateway', group: 'g' }),
    ).toBeUndefined();
  });

  it('refuses a consumer of both brokers (each event would be handled twice), naming the variables', () => {
    expect(() =>
      transportFor(
        { kafkaBrokers: ['127.0.0.1:1'], amqpUrl: AMQP },
        {
          role: 'consumer',
          service: 'gateway',
          group: 'g',
          fields: { kafkaBrokers: 'CACHE_EVENTS_KAFKA_BROKERS', amqpUrl: 'CACHE_EVENTS_AMQP_URL' },
        },
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('Set CACHE_EVENTS_KAFKA_BROKERS or CACHE_EVENTS_AMQP_URL, not both'),
      }),
    );
  });
});
