import { randomUUID } from 'node:crypto';
import { serviceUrls } from '@intelgraph/test-support';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/persisted/persisted-manifest.js';
import { startTestGateway } from './fixtures/test-gateway.js';

describe('APQ on the multi-tier cache with Redis', () => {
  it('finds on one gateway instance a query registered on another', async () => {
    // A query unique to this run, so an earlier run's Redis entry cannot make the miss a hit.
    const query = `{ me { id } __typename # ${randomUUID()}\n}`;
    const ext = { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } };
    await using a = await startTestGateway({ REDIS_URL: serviceUrls().redis });
    await using b = await startTestGateway({ REDIS_URL: serviceUrls().redis }, {}, a.subgraphs);
    expect((await b.post({ extensions: ext })).body.errors[0].extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    expect((await a.post({ query, extensions: ext })).body.data.me.id).toBe('1');
    expect((await b.post({ extensions: ext })).body).toEqual({
      data: { me: { id: '1' }, __typename: 'Query' },
    });
  });
});
