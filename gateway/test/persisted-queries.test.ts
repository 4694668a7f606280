import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/persisted/persisted-manifest.js';
import { startTestGateway } from './fixtures/test-gateway.js';

const QUERY = '{ me { id name } }';
const ext = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

describe('automatic persisted queries', () => {
  it('follows the APQ protocol over POST and GET (a CDN-cacheable GET by hash)', async () => {
    await using gw = await startTestGateway();
    const hash = sha256Hex(QUERY);
    const miss = await gw.post({ extensions: ext(hash) });
    expect(miss.status).toBe(400);
    expect(miss.body.errors[0]).toMatchObject({
      message: 'PersistedQueryNotFound',
      extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
    });
    const register = await gw.post({ query: QUERY, extensions: ext(hash) });
    expect(register.body).toEqual({ data: { me: { id: '1', name: 'Ada Lovelace' } } });
    const hit = await gw.post({ extensions: ext(hash) });
    expect(hit.body).toEqual(register.body);
    const get = await gw.get(`extensions=${encodeURIComponent(JSON.stringify(ext(hash)))}`);
    expect(get.status).toBe(200);
    expect(get.body).toEqual(register.body);
  });

  it('refuses a hash that is not the query’s sha256, and a malformed hash', async () => {
    await using gw = await startTestGateway();
    const wrong = await gw.post({ query: QUERY, extensions: ext('b'.repeat(64)) });
    expect([wrong.status, wrong.body.errors[0].extensions.code]).toEqual([
      400,
      'PERSISTED_QUERY_HASH_MISMATCH',
    ]);
    const malformed = await gw.post({ extensions: ext('not-a-hash') });
    expect([malformed.status, malformed.body.errors[0].extensions.code]).toEqual([400, 'BAD_REQUEST_BODY']);
  });

  it('uses the store it is given (the APQ store seam for MultiTierCache)', async () => {
    const stored = new Map<string, string>();
    const store = {
      get: async (h: string) => stored.get(h),
      set: async (h: string, q: string) => void stored.set(h, q),
    };
    await using gw = await startTestGateway({}, { apqStore: store });
    await gw.post({ query: QUERY, extensions: ext(sha256Hex(QUERY)) });
    expect(stored.get(sha256Hex(QUERY))).toBe(QUERY);
  });
});

describe('safelist mode', () => {
  it('runs only the manifest’s operations, by id or by full text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'safelist-'));
    const manifest = join(dir, 'manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id: 'me-op', name: 'Me', type: 'query', body: QUERY }],
      }),
    );
    await using gw = await startTestGateway({ PERSISTED_OPERATIONS_PATH: manifest, SAFELIST: 'true' });
    expect((await gw.post({ extensions: ext(sha256Hex(QUERY)) })).body.data.me.id).toBe('1');
    expect((await gw.post({ query: QUERY })).body.data.me.id).toBe('1');
    const other = await gw.post({ query: '{ users { id } }' });
    expect([other.status, other.body.errors[0].extensions.code]).toEqual([
      400,
      'PERSISTED_QUERY_NOT_ALLOWED',
    ]);
    const unknown = await gw.post({ extensions: ext('c'.repeat(64)) });
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  });
});
