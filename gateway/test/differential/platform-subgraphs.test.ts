import { randomBytes } from 'node:crypto';
import { IDENTITY_HEADER, type Identity, IdentitySigner } from '@intelgraph/identity';
import fc from 'fast-check';
import type { GraphQLInputType } from 'graphql';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlJs } from '../../src/graphql-js.js';
import { apiSchemaOf } from '../../src/schema/schema-diff.js';
import { composeSupergraph } from '../../src/supergraph/compose.js';
import type { Caller } from './differential-check.js';
import { type GatewayTargets, startGatewayTargets } from './gateway-targets.js';
import { operationArbitrary } from './operation-arbitrary.js';
import { OperationBounds } from './operation-bounds.js';
import {
  type PlatformSeed,
  type PlatformSubgraphs,
  seedPlatform,
  startPlatformSubgraphs,
} from './platform-subgraphs.js';
import { runDifferential } from './run-differential.js';

const { getNamedType } = graphqlJs;

/*
 * The differential test over the platform's own subgraphs (accounts, entities, investigations on
 * embedded PGlite shards, which see the caller's signed identity and answer per tenant):
 * generated operations sent concurrently by admins and readers of two tenants and an anonymous
 * caller to our gateway in each caching/dedup configuration and to vanilla Apollo Gateway, which
 * passes the same signed identity on to the same subgraphs.
 */

const JWT_SECRET = randomBytes(32).toString('hex');
const IDENTITY_SECRET = randomBytes(32).toString('hex');
const BATCH = 3;
const RUNS = Number(process.env.DIFFERENTIAL_RUNS ?? 100);

function caller(name: string, identity: Identity | 'anonymous', signer: IdentitySigner): Promise<Caller> {
  const signed: Identity =
    identity === 'anonymous' ? { tenantId: 'public', userId: undefined, scopes: [] } : identity;
  const vanilla = () => ({ [IDENTITY_HEADER]: signer.sign(signed) });
  if (identity === 'anonymous') return Promise.resolve({ name, ours: {}, vanilla });
  return new SignJWT({ tenant: identity.tenantId, scope: identity.scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(identity.userId!)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JWT_SECRET))
    .then((token) => ({ name, ours: { authorization: `Bearer ${token}` }, vanilla }));
}

/**
 * Arguments that name objects the seed created (mostly of the argument's own type, sometimes of
 * another type, another tenant or none), small pages (now and then an invalid one), real cursors.
 */
function argumentValues(seed: PlatformSeed) {
  const missing = ['alpha:00000000-0000-4000-8000-000000000000', 'not-an-id'];
  const all = [...seed.entityIds, ...seed.userIds, ...seed.investigationIds, ...missing];
  const idsOf: Record<string, readonly string[]> = {
    'Query.entity(id:)': seed.entityIds,
    'Query.user(id:)': seed.userIds,
    'Query.investigation(id:)': seed.investigationIds,
  };
  return (coordinate: string, type: GraphQLInputType): fc.Arbitrary<unknown> | undefined => {
    if (coordinate.endsWith('(first:)'))
      return fc.oneof(
        { weight: 12, arbitrary: fc.integer({ min: 0, max: 3 }) },
        { weight: 1, arbitrary: fc.constantFrom(-1, 101) },
      );
    if (coordinate.endsWith('(after:)'))
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...seed.cursors) },
        { weight: 1, arbitrary: fc.constant('bogus-cursor') },
      );
    if (getNamedType(type).name === 'ID')
      return fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...(idsOf[coordinate] ?? all)) },
        { weight: 1, arbitrary: fc.constantFrom(...all) },
      );
    return undefined;
  };
}

describe('differential: platform subgraphs, our gateway in each configuration vs vanilla Apollo Gateway', () => {
  let subgraphs: PlatformSubgraphs;
  let targets: GatewayTargets;
  let supergraphSdl: string;
  let seed: PlatformSeed;
  beforeAll(async () => {
    subgraphs = await startPlatformSubgraphs(IDENTITY_SECRET);
    supergraphSdl = composeSupergraph(subgraphs.all);
    targets = await startGatewayTargets(supergraphSdl, {
      common: { JWT_SECRET, IDENTITY_SECRET, ALLOW_ANONYMOUS: 'true', ANONYMOUS_TENANT: 'public' },
      vanillaForwardHeaders: [IDENTITY_HEADER],
    });
    seed = await seedPlatform(targets.vanilla.url, IDENTITY_SECRET);
  }, 180_000);
  afterAll(async () => {
    await targets?.stop();
    await subgraphs?.stop();
  }, 60_000);

  it('answers every caller of generated operations exactly as vanilla does, under concurrency', async () => {
    const schema = apiSchemaOf(supergraphSdl);
    const bounds = new OperationBounds(schema, supergraphSdl);
    const signer = new IdentitySigner({ secrets: [IDENTITY_SECRET] });
    const [alpha, beta] = seed.tenants;
    const callers = await Promise.all([
      caller('admin@alpha', alpha!.admin, signer),
      caller('reader@alpha', alpha!.reader, signer),
      caller('admin@beta', beta!.admin, signer),
      caller('anonymous', 'anonymous', signer),
    ]);
    const operations = operationArbitrary({
      schema,
      maxDepth: 5,
      argumentValues: argumentValues(seed),
    }).filter((op) => bounds.exceeds(op) === undefined);
    const started = performance.now();
    const stats = await runDifferential({
      targets,
      batchSize: BATCH,
      numRuns: RUNS,
      audiences: [{ operations, callers }],
    });
    const seconds = (performance.now() - started) / 1000;
    console.info(
      `platform differential: ${stats.operations} operations, ${stats.exchanges} exchanges, ${stats.requests} requests, ` +
        `peak ${stats.peakConcurrency} in flight per gateway, ${seconds.toFixed(1)} s` +
        (stats.statusDifferences.size
          ? `; HTTP statuses differing: ${JSON.stringify([...stats.statusDifferences])}`
          : ''),
    );
    expect(stats.operations).toBeGreaterThanOrEqual(RUNS * BATCH);
    expect(stats.peakConcurrency).toBeGreaterThanOrEqual(10);
  }, 600_000);
});
