import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSchemaOf } from '../../src/schema/schema-diff.js';
import { composeSupergraph } from '../../src/supergraph/compose.js';
import { type ClassicSubgraphs, startClassicSubgraphs } from '../fixtures/classic-subgraphs.js';
import type { Caller } from './differential-check.js';
import { type GatewayTargets, startGatewayTargets } from './gateway-targets.js';
import { operationArbitrary } from './operation-arbitrary.js';
import { OperationBounds } from './operation-bounds.js';
import { protectedCoordinates } from './protected-coordinates.js';
import { runDifferential } from './run-differential.js';

/*
 * The differential test over the classic four subgraphs (accounts, products, inventory, reviews:
 * @key, @requires, @provides, @shareable, and @authenticated / @requiresScopes on accounts):
 * generated operations sent concurrently by anonymous, signed-in and admin callers of two tenants
 * to our gateway in each caching/dedup configuration and to vanilla Apollo Gateway.
 */

const JWT_SECRET = 'differential-classic-secret-'.padEnd(48, 'x');
// Five operations, each sent by two to four callers: at least ten requests in flight per gateway.
const BATCH = 5;
const RUNS = Number(process.env.DIFFERENTIAL_RUNS ?? 60);

async function bearer(tenant: string, user: string, scopes: string[]): Promise<Record<string, string>> {
  const token = await new SignJWT({ tenant, scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JWT_SECRET));
  return { authorization: `Bearer ${token}` };
}

describe('differential: classic subgraphs, our gateway in each configuration vs vanilla Apollo Gateway', () => {
  let subgraphs: ClassicSubgraphs;
  let targets: GatewayTargets;
  let supergraphSdl: string;
  beforeAll(async () => {
    subgraphs = await startClassicSubgraphs();
    // A little latency keeps identical fetches in flight together, so dedup has something to share.
    for (const s of subgraphs.all) s.delayMs = 2;
    supergraphSdl = composeSupergraph(subgraphs.all.map((s) => ({ name: s.name, url: s.url, sdl: s.sdl })));
    targets = await startGatewayTargets(supergraphSdl, {
      common: { JWT_SECRET, ALLOW_ANONYMOUS: 'true' },
    });
  }, 60_000);
  afterAll(async () => {
    await targets?.stop();
    await subgraphs?.stop();
  });

  it('answers every caller of generated operations exactly as vanilla does, under concurrency', async () => {
    const schema = apiSchemaOf(supergraphSdl);
    const bounds = new OperationBounds(schema, supergraphSdl);
    const requirements = protectedCoordinates(supergraphSdl);
    const none = () => ({});
    const anonymous: Caller = { name: 'anonymous', ours: {}, vanilla: none };
    const ada: Caller = {
      name: 'ada@acme (no scopes)',
      ours: await bearer('acme', 'ada', []),
      vanilla: none,
    };
    const root: Caller = {
      name: 'root@acme (admin)',
      ours: await bearer('acme', 'root', ['admin']),
      vanilla: none,
    };
    const globex: Caller = {
      name: 'ops@globex (admin)',
      ours: await bearer('globex', 'ops', ['admin', 'read']),
      vanilla: none,
    };
    const operations = (allowed: (r: string | undefined) => boolean) =>
      operationArbitrary({ schema, maxDepth: 4, exclude: (c) => !allowed(requirements.get(c)) }).filter(
        (op) => bounds.exceeds(op) === undefined,
      );
    const started = performance.now();
    const stats = await runDifferential({
      targets,
      batchSize: BATCH,
      numRuns: RUNS,
      audiences: [
        { operations: operations((r) => r === undefined), callers: [anonymous, ada, root, globex] },
        { operations: operations((r) => r !== 'scopes'), callers: [ada, root, globex] },
        { operations: operations(() => true), callers: [root, globex] },
      ],
    });
    const seconds = (performance.now() - started) / 1000;
    console.info(
      `classic differential: ${stats.operations} operations, ${stats.exchanges} exchanges, ${stats.requests} requests, ` +
        `peak ${stats.peakConcurrency} in flight per gateway, ${seconds.toFixed(1)} s` +
        (stats.statusDifferences.size
          ? `; HTTP statuses differing: ${JSON.stringify([...stats.statusDifferences])}`
          : ''),
    );
    expect(stats.operations).toBeGreaterThanOrEqual(RUNS * BATCH);
    expect(stats.peakConcurrency).toBeGreaterThanOrEqual(10);
  }, 600_000);
});
