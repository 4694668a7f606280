import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../run-load.js';
import { loadScenarioConfig } from '../scenario-config.js';
import { verifyAcknowledged } from '../verify-writes.js';
import { type FakeGraphQLServer, startFakeGraphQLServer } from './fake-graphql-server.js';

/*
 * Drives the real runner (autocannon) against an in-process server on loopback for two
 * seconds: counts, error classification, acknowledged writes and their verification.
 * No timing is asserted.
 */
const config = loadScenarioConfig(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'scenarios.json'),
);
let server: FakeGraphQLServer;
beforeAll(async () => {
  server = await startFakeGraphQLServer({ failEvery: 5 });
});
afterAll(() => server.close());

describe('runLoad against a loopback GraphQL server', () => {
  it('counts every response, classifies GraphQL errors, and verifies acknowledged writes', async () => {
    const ticks: number[] = [];
    const result = await runLoad({
      url: server.url,
      stages: [{ duration: '2s', target: 4 }],
      operations: config.operations,
      headers: { authorization: 'Bearer test' },
      onSecond: (p) => ticks.push(p.second),
    });
    expect(result.requests).toBeGreaterThan(20);
    // The runner counts every answer it read; at most one request per connection (4) was still
    // in flight when the stage ended, answered by the server but never read.
    const within = (ours: number, theirs: number) => {
      expect(ours).toBeLessThanOrEqual(theirs);
      expect(ours).toBeGreaterThanOrEqual(theirs - 4);
    };
    within(result.requests, server.stats.requests);
    within(result.errors, server.stats.usersPageErrors);
    expect(result.errors).toBeGreaterThan(0);
    expect(result.errorCodes).toEqual({ SUBGRAPH_UNAVAILABLE: result.errors });
    expect(result.perOperation.UsersPage!.errors).toBe(result.errors);
    within(result.acknowledged.length, server.stats.created);
    expect(result.latency.count).toBe(result.requests);
    expect(result.timeline.reduce((s, p) => s + p.ok + p.errors, 0)).toBe(result.requests);
    expect(ticks.length).toBeGreaterThan(0);
    expect(server.stats.authorization).toBe('Bearer test');

    const lostOne = result.acknowledged[0]!;
    server.forget(lostOne.id);
    const verification = await verifyAcknowledged({
      url: server.url,
      operations: config.operations,
      acknowledged: result.acknowledged,
    });
    expect(verification.acknowledged).toBe(result.acknowledged.length);
    expect(verification.lost).toEqual([lostOne]);
    expect(verification.found).toBe(result.acknowledged.length - 1);
    expect(verification.unverified).toEqual([]);
  });

  it('refuses a non-loopback URL before sending anything', async () => {
    await expect(
      runLoad({
        url: 'http://10.1.2.3:4000/graphql',
        stages: [{ duration: '1s', target: 1 }],
        operations: config.operations,
      }),
    ).rejects.toThrow(/only loopback/);
  });
});
