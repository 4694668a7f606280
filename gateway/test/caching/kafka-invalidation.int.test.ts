import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INVALIDATION_TOPIC } from '@intelgraph/advanced-caching';
import { loadConfig } from '@intelgraph/config';
import { KafkaEventStream } from '@intelgraph/message-queue-enhanced';
import { createLogger } from '@intelgraph/telemetry';
import { serviceUrls } from '@intelgraph/test-support';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../src/build-gateway.js';
import { configSpec } from '../../src/config.js';
import type { Gateway } from '../../src/gateway-server.js';
import { composeSupergraph } from '../../src/supergraph/compose.js';
import { type CachedSubgraphs, startCachedSubgraphs } from './fixtures/cached-subgraphs.js';

/*
 * Where the subgraphs publish their domain events to Kafka (KAFKA_BROKERS), the gateway consumes
 * them from there (CACHE_EVENTS_KAFKA_BROKERS): here through the real Apache Kafka broker
 * (TEST_KAFKA_BROKERS) that scripts/dev/services.sh runs.
 */
const JWT_SECRET = 'j'.repeat(40);
const IDENTITY_SECRET = 'i'.repeat(40);
const brokers = serviceUrls().kafkaBrokers;
let publisher: KafkaEventStream;
let subgraphs: CachedSubgraphs;
let gateway: Gateway;

beforeAll(async () => {
  publisher = new KafkaEventStream({ clientId: 'details-subgraph', brokers });
  subgraphs = await startCachedSubgraphs({ identitySecret: IDENTITY_SECRET, events: publisher });
  // The topic exists before the gateway's new group joins at its end, as it does in a deployment
  // (a KafkaTopic): a group that creates the topic itself may be assigned its partitions only
  // after the first events, and would start past them.
  await publisher.publish(INVALIDATION_TOPIC, {
    payload: { aggregateId: 'none', aggregateType: 'none', eventType: 'TopicReady', metadata: {} },
  });
  const dir = mkdtempSync(join(tmpdir(), 'gateway-kafka-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, composeSupergraph(subgraphs.all));
  const config = loadConfig(configSpec, {
    LOG_LEVEL: 'silent',
    SUPERGRAPH_PATH: supergraphPath,
    JWT_SECRET,
    IDENTITY_SECRET,
    CACHE_RESPONSES: 'true',
    CACHE_EVENTS_KAFKA_BROKERS: brokers.join(','),
    // The broker outlives test runs: a group of its own, not the offsets another run committed.
    CACHE_EVENTS_GROUP: `gateway-cache-${randomUUID().slice(0, 8)}`,
  });
  gateway = await buildGateway(config, { log: createLogger({ service: 'gateway', level: 'silent' }) });
  await gateway.start(0, '127.0.0.1');
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await subgraphs?.stop();
  await publisher?.close();
});

async function post(query: string, variables?: unknown) {
  const auth = await new SignJWT({ tenant: 'acme', scope: 'read write' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u1')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
    body: JSON.stringify({ query, variables }),
  });
  return { headers: res.headers, body: (await res.json()) as { data: { entity: { name: string } } } };
}

describe('cache invalidation from Kafka', () => {
  it('serves the cached entity, then the new value once the update event arrives over Kafka', async () => {
    const ENTITY = 'query E($id: ID!) { entity(id: $id) { id name } }';
    expect((await post(ENTITY, { id: '3' })).body.data.entity.name).toBe('name-3');
    const cached = await post(ENTITY, { id: '3' });
    expect(cached.headers.get('age')).not.toBeNull();

    await post('mutation { renameEntity(id: "3", name: "Renamed") { id } }');
    const deadline = Date.now() + 30_000;
    let name = '';
    while (Date.now() < deadline) {
      name = (await post(ENTITY, { id: '3' })).body.data.entity.name;
      if (name === 'Renamed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(name).toBe('Renamed');
  }, 60_000);

  it('refuses both event sources at once, naming them', async () => {
    const config = loadConfig(configSpec, {
      LOG_LEVEL: 'silent',
      SUPERGRAPH_PATH: '/dev/null',
      CACHE_RESPONSES: 'true',
      CACHE_EVENTS_KAFKA_BROKERS: '127.0.0.1:9092',
      CACHE_EVENTS_AMQP_URL: 'amqp://127.0.0.1:5672',
    });
    await expect(
      buildGateway(config, { log: createLogger({ service: 'gateway', level: 'silent' }) }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('not both') });
  });
});
