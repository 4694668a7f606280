import { createMetricsRegistry } from '@intelgraph/telemetry';
import { describe, expect, it } from 'vitest';
import { transportFor } from '../src/index.js';

describe('transportFor: the event transport follows the configuration', () => {
  const registry = createMetricsRegistry({ collectDefaults: false });
  it.each([
    [{ amqpUrl: undefined, kafkaBrokers: undefined }, 'in-process'],
    [{ amqpUrl: 'amqp://guest:guest@127.0.0.1:1', kafkaBrokers: undefined }, 'rabbitmq'],
    [{ amqpUrl: undefined, kafkaBrokers: '127.0.0.1:1, 127.0.0.1:2' }, 'kafka'],
    [
      { amqpUrl: 'amqp://guest:guest@127.0.0.1:1', kafkaBrokers: '127.0.0.1:1, 127.0.0.1:2' },
      'kafka+rabbitmq',
    ],
  ])('%j → %s', async (config, kind) => {
    const transport = transportFor(config, 'entities', { registry });
    expect(transport.kind).toBe(kind);
    await transport.close();
  });
});
